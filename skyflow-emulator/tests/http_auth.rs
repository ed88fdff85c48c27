//! Authentication and authorization over HTTP: API key, service-account token exchange and
//! its rejections, bearer expiry, vault binding and role scoping.

mod http_support;

use base64::Engine as _;
use http_support::{Harness, sign_assertion, sign_rs256, start, start_with};
use reqwest::Method;
use serde_json::{Value, json};
use skyflow_emulator::EmulatorOptions;

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/quickstart.json");

fn creds(h: &Harness) -> Value {
    serde_json::from_str(h.emulator.credentials_json()).expect("credentials JSON")
}

fn token_uri(h: &Harness) -> String {
    creds(h)["tokenURI"].as_str().unwrap().to_owned()
}

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

fn claims(h: &Harness, exp_offset: i64) -> Value {
    let c = creds(h);
    json!({
        "iss": c["clientID"], "key": c["keyID"], "sub": c["clientID"],
        "aud": token_uri(h),
        "exp": jsonwebtoken::get_current_timestamp() as i64 + exp_offset,
    })
}

async fn get_records(h: &Harness, bearer: &str) -> http_support::Reply {
    h.call_as(
        bearer,
        Method::GET,
        &format!("/v1/vaults/{}/table1?tokenization=false", h.vault()),
        None,
    )
    .await
}

#[tokio::test]
async fn credentials_file_matches_the_contract() {
    let h = start().await;
    let c = creds(&h);
    for key in ["clientID", "clientName", "keyID", "tokenURI", "privateKey"] {
        assert!(c[key].is_string(), "credentials carry {key}");
    }
    assert_eq!(
        token_uri(&h),
        format!("{}/v1/auth/sa/oauth/token", h.emulator.vault_url())
    );
    assert!(
        c["privateKey"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    let on_disk = std::fs::read_to_string(h.emulator.credentials_file()).unwrap();
    assert_eq!(on_disk, h.emulator.credentials_json());
    let key = h.emulator.api_key();
    assert_eq!(key.len(), 42);
    assert!(key.starts_with("sky-"));
}

#[tokio::test]
async fn api_key_and_issued_token_are_accepted() {
    let h = start().await;
    get_records(&h, &h.bearer).await.ok();
    let reply = h.service_account_token(None).await;
    let token = reply.ok()["accessToken"].as_str().unwrap().to_owned();
    // The access token is a JWT with a numeric exp, as the SDKs require.
    let payload = token.split('.').nth(1).unwrap();
    let payload: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert!(payload["exp"].as_u64().unwrap() > jsonwebtoken::get_current_timestamp());
    get_records(&h, &token).await.ok();
}

#[tokio::test]
async fn requests_without_valid_auth_get_401() {
    let h = start().await;
    let path = format!("/v1/vaults/{}/table1", h.vault());
    let resp = h.client.get(h.url(&path)).send().await.unwrap();
    let reply = h.finish(Method::GET, &path, resp).await;
    reply.expect_error(401);
    get_records(&h, "sky-abcde-00000000000000000000000000000000")
        .await
        .expect_error(401);
    get_records(&h, "not-a-token").await.expect_error(401);
    // A token signed with another secret.
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"iss": "skyflow-emulator", "sub": "x", "exp": 9999999999u64, "iat": 0, "jti": "j", "key": "k", "roles": []}),
        &jsonwebtoken::EncodingKey::from_secret(b"guess"),
    )
    .unwrap();
    get_records(&h, &forged).await.expect_error(401);
}

#[tokio::test]
async fn assertion_rejections() {
    let h = start().await;
    let c = creds(&h);

    // Forged signature: a valid assertion with its signature altered.
    let good = sign_assertion(&c, &token_uri(&h), 3600);
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let sig = parts[2].clone();
    let flipped: String = sig
        .chars()
        .enumerate()
        .map(|(i, ch)| {
            if i == 10 {
                if ch == 'A' { 'B' } else { 'A' }
            } else {
                ch
            }
        })
        .collect();
    parts[2] = flipped;
    let msg = h
        .exchange(&parts.join("."), None)
        .await
        .expect_error(401)
        .to_owned();
    assert!(msg.contains("signature"), "{msg}");

    // Payload swapped under a valid signature.
    let other_payload = b64(&claims(&h, 7200));
    let spliced = format!(
        "{}.{}.{}",
        good.split('.').next().unwrap(),
        other_payload,
        sig
    );
    h.exchange(&spliced, None).await.expect_error(401);

    // Signed by another key (same claims, same key id).
    let other_key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    use rsa::pkcs8::EncodePrivateKey;
    let other_pem = other_key
        .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
        .unwrap()
        .to_string();
    let mut other_creds = c.clone();
    other_creds["privateKey"] = json!(other_pem);
    h.exchange(&sign_rs256(&other_creds, &claims(&h, 3600)), None)
        .await
        .expect_error(401);

    // alg: none.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims(&h, 3600))
    );
    let msg = h.exchange(&none, None).await.expect_error(401).to_owned();
    assert!(msg.contains("RS256"), "{msg}");

    // HS256 signed with the public key as the secret.
    let private = {
        use rsa::pkcs8::DecodePrivateKey;
        rsa::RsaPrivateKey::from_pkcs8_pem(c["privateKey"].as_str().unwrap()).unwrap()
    };
    use rsa::pkcs8::EncodePublicKey;
    let public_pem = private
        .to_public_key()
        .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
        .unwrap();
    let hs = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims(&h, 3600),
        &jsonwebtoken::EncodingKey::from_secret(public_pem.as_bytes()),
    )
    .unwrap();
    h.exchange(&hs, None).await.expect_error(401);

    // Expired assertion.
    let msg = h
        .exchange(&sign_rs256(&c, &claims(&h, -120)), None)
        .await
        .expect_error(401)
        .to_owned();
    assert!(msg.contains("expired"), "{msg}");

    // Wrong audience.
    let mut wrong_aud = claims(&h, 3600);
    wrong_aud["aud"] = json!("https://manage.skyflowapis.com/v1/auth/sa/oauth/token");
    let msg = h
        .exchange(&sign_rs256(&c, &wrong_aud), None)
        .await
        .expect_error(401)
        .to_owned();
    assert!(msg.contains("audience"), "{msg}");

    // The same host on a port this data directory never served is refused (only the current
    // token URI and the ones issued by earlier starts are audiences; see http_binary for a
    // restart).
    for aud in [
        "http://127.0.0.1:1/v1/auth/sa/oauth/token",
        "http://localhost:1/v1/auth/sa/oauth/token",
    ] {
        let mut other_port = claims(&h, 3600);
        other_port["aud"] = json!(aud);
        let msg = h
            .exchange(&sign_rs256(&c, &other_port), None)
            .await
            .expect_error(401)
            .to_owned();
        assert!(msg.contains("audience"), "{aud}: {msg}");
    }

    // iss / sub must be the client id.
    let mut bad_iss = claims(&h, 3600);
    bad_iss["iss"] = json!("someone-else");
    h.exchange(&sign_rs256(&c, &bad_iss), None)
        .await
        .expect_error(401);
    let mut bad_sub = claims(&h, 3600);
    bad_sub["sub"] = json!("someone-else");
    h.exchange(&sign_rs256(&c, &bad_sub), None)
        .await
        .expect_error(401);

    // Unknown key id.
    let mut unknown = claims(&h, 3600);
    unknown["key"] = json!("0000");
    h.exchange(&sign_rs256(&c, &unknown), None)
        .await
        .expect_error(401);

    // Not a JWT at all, wrong grant type.
    h.exchange("garbage", None).await.expect_error(401);
    let resp = h
        .client
        .post(h.url("/v1/auth/sa/oauth/token"))
        .json(&json!({"grant_type": "password", "assertion": good}))
        .send()
        .await
        .unwrap();
    h.finish(Method::POST, "/v1/auth/sa/oauth/token", resp)
        .await
        .expect_error(400);

    // And the untouched assertion still works.
    h.exchange(&good, None).await.ok();
}

#[tokio::test]
async fn expired_bearer_token_gets_401_saying_so() {
    let h =
        start_with(EmulatorOptions::in_memory().token_ttl(std::time::Duration::from_secs(1))).await;
    let token = h.service_account_token(None).await.ok()["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let msg = get_records(&h, &token).await.expect_error(401).to_owned();
    assert!(msg.contains("expired"), "{msg}");
}

#[tokio::test]
async fn tokens_are_bound_to_their_vault_and_roles() {
    let h = start_with(
        EmulatorOptions::in_memory()
            .schema_file(SCHEMA)
            .schema_file(SCHEMA),
    )
    .await;
    let vaults = h.emulator.vaults().to_vec();
    assert_eq!(vaults.len(), 2);
    let (a, b) = (&vaults[0], &vaults[1]);

    // A token scoped to vault A's owner role works on A and gets 403 on B.
    let scoped = h
        .service_account_token(Some(&format!("role:{}", a.roles["owner"])))
        .await;
    let token = scoped.ok()["accessToken"].as_str().unwrap().to_owned();
    let on_a = h
        .call_as(
            &token,
            Method::GET,
            &format!("/v1/vaults/{}/persons", a.vault_id),
            None,
        )
        .await;
    assert_eq!(on_a.status.as_u16(), 200, "{}", on_a.body);
    h.call_as(
        &token,
        Method::GET,
        &format!("/v1/vaults/{}/persons", b.vault_id),
        None,
    )
    .await
    .expect_error(403);

    // A viewer may read but not write.
    let viewer = h
        .service_account_token(Some(&format!("role:{}", a.roles["viewer"])))
        .await;
    let viewer = viewer.ok()["accessToken"].as_str().unwrap().to_owned();
    let read = h
        .call_as(
            &viewer,
            Method::GET,
            &format!("/v1/vaults/{}/persons", a.vault_id),
            None,
        )
        .await;
    assert_eq!(read.status.as_u16(), 200, "{}", read.body);
    let insert = json!({"records": [{"fields": {"name": "x"}}], "tokenization": true});
    h.call_as(
        &viewer,
        Method::POST,
        &format!("/v1/vaults/{}/persons", a.vault_id),
        Some(insert),
    )
    .await
    .expect_error(403);
    h.call_as(
        &viewer,
        Method::DELETE,
        &format!("/v1/vaults/{}/persons/some-id", a.vault_id),
        None,
    )
    .await
    .expect_error(403);

    // A role the account lacks, or a malformed scope, is refused.
    h.service_account_token(Some("role:not-a-role"))
        .await
        .expect_error(403);
    h.service_account_token(Some("admin"))
        .await
        .expect_error(400);

    // An account created with only the viewer role of B cannot get an owner token.
    let creds_b = h
        .emulator
        .create_service_account("reader-b", std::slice::from_ref(&b.roles["viewer"]))
        .await
        .unwrap();
    let creds_b: Value = serde_json::from_str(&creds_b).unwrap();
    let assertion = sign_assertion(&creds_b, creds_b["tokenURI"].as_str().unwrap(), 600);
    let reply = h
        .exchange(&assertion, Some(&format!("role:{}", b.roles["owner"])))
        .await;
    reply.expect_error(403);
    let reader = h.exchange(&assertion, None).await.ok()["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    h.call_as(
        &reader,
        Method::GET,
        &format!("/v1/vaults/{}/persons", a.vault_id),
        None,
    )
    .await
    .expect_error(403);
    let on_b = h
        .call_as(
            &reader,
            Method::GET,
            &format!("/v1/vaults/{}/persons", b.vault_id),
            None,
        )
        .await;
    assert_eq!(on_b.status.as_u16(), 200, "{}", on_b.body);
}

#[tokio::test]
async fn signed_data_tokens_are_verified() {
    let h = start().await;
    let inserted = h
        .insert("table1", vec![json!({"email": "signed@example.com"})], true)
        .await;
    let data_token = inserted["records"][0]["tokens"]["email"].clone();
    let c = creds(&h);
    let now = jsonwebtoken::get_current_timestamp() as i64;
    let claims = |iss: &str| json!({"iss": iss, "key": c["keyID"], "sub": c["clientID"], "tok": data_token, "iat": now, "exp": now + 60});
    let signed = |claims: &Value| format!("signed_token_{}", sign_rs256(&c, claims));
    let bearer = h.service_account_token(None).await.ok()["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/vaults/{}/detokenize", h.vault());
    let detok = |token: String| {
        let body = json!({"detokenizationParameters": [{"token": token, "redaction": "PLAIN_TEXT"}], "continueOnError": true});
        h.call_as(&bearer, Method::POST, &path, Some(body))
    };

    // The genuine one works.
    let got = detok(signed(&claims("sdk"))).await;
    assert_eq!(got.status.as_u16(), 200, "{}", got.body);
    assert_eq!(got.body["records"][0]["value"], "signed@example.com");

    // iss other than "sdk".
    let got = detok(signed(&claims("someone"))).await;
    assert_eq!(got.status.as_u16(), 207);
    assert!(got.body["records"][0]["error"].is_string(), "{}", got.body);
    assert!(got.body["records"][0].get("value").is_none());

    // An altered token: the payload changed after signing.
    let genuine = signed(&claims("sdk"));
    let jwt = genuine.strip_prefix("signed_token_").unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    let mut forged_claims = claims("sdk");
    forged_claims["tok"] = json!("another-token");
    let altered = format!(
        "signed_token_{}.{}.{}",
        parts[0],
        b64(&forged_claims),
        parts[2]
    );
    let got = detok(altered).await;
    assert_eq!(got.status.as_u16(), 207);
    assert!(
        got.body["records"][0]["error"]
            .as_str()
            .unwrap()
            .contains("verification failed"),
        "{}",
        got.body
    );

    // Signed by another service account (its own key id), detokenized with our bearer.
    let other = h
        .emulator
        .create_service_account(
            "other-signer",
            &[h.emulator.vaults()[0].roles["owner"].clone()],
        )
        .await
        .unwrap();
    let other: Value = serde_json::from_str(&other).unwrap();
    let other_claims = json!({"iss": "sdk", "key": other["keyID"], "sub": other["clientID"], "tok": data_token, "iat": now, "exp": now + 60});
    let by_other = format!("signed_token_{}", sign_rs256(&other, &other_claims));
    let got = detok(by_other.clone()).await;
    assert_eq!(got.status.as_u16(), 207);
    assert!(
        got.body["records"][0]["error"]
            .as_str()
            .unwrap()
            .contains("service account that signed them"),
        "{}",
        got.body
    );
    // Our key id, but signed with the other account's private key.
    let mut wrong_key = claims("sdk");
    wrong_key["sub"] = c["clientID"].clone();
    let got = detok(format!("signed_token_{}", sign_rs256(&other, &wrong_key))).await;
    assert_eq!(got.status.as_u16(), 207);
    assert!(got.body["records"][0]["error"].is_string());
    // Without continueOnError a bad signed token is a 401.
    let body = json!({"detokenizationParameters": [{"token": by_other}], "continueOnError": false});
    h.call_as(&bearer, Method::POST, &path, Some(body))
        .await
        .expect_error(401);
}
