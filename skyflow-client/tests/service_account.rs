//! The standalone service-account API against a local token endpoint.

#[path = "support/token_server.rs"]
mod token_server;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use skyflow_client::ErrorKind;
use skyflow_client::service_account::{
    BearerTokenOptions, Context, SignedDataTokenOptions, generate_bearer_token,
    generate_bearer_token_from_creds, generate_signed_data_tokens,
    generate_signed_data_tokens_from_creds, is_expired,
};
use token_server::{CLIENT_ID, KEY_ID, REQUEST_ID, TokenServer, credentials_json, now, test_key};

fn public_key() -> DecodingKey {
    DecodingKey::from_rsa_pem(test_key().public_pem.as_bytes()).unwrap()
}

#[tokio::test]
async fn assertion_has_the_documented_header_claims_and_signature() {
    let server = TokenServer::start().await;
    let token =
        generate_bearer_token_from_creds(&server.credentials_json(), &BearerTokenOptions::new())
            .await
            .unwrap();
    assert_eq!(server.exchanges(), 1);
    let seen = &server.seen()[0];
    assert_eq!(token.access_token(), seen.access_token);
    assert_eq!(token.token_type(), "Bearer");
    assert!(!token.is_expired());
    assert!(token.expires_at().is_some());

    // Header: RS256, typ JWT, no kid.
    assert_eq!(seen.header.alg, Algorithm::RS256);
    assert_eq!(seen.header.typ.as_deref(), Some("JWT"));
    assert!(seen.header.kid.is_none());

    // Verify the signature ourselves too, with the public key.
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[server.token_uri()]);
    let claims = jsonwebtoken::decode::<Value>(&seen.assertion, &public_key(), &validation)
        .unwrap()
        .claims;
    assert_eq!(claims["iss"], CLIENT_ID);
    assert_eq!(claims["sub"], CLIENT_ID);
    assert_eq!(claims["key"], KEY_ID);
    assert_eq!(claims["aud"], server.token_uri());
    let exp = claims["exp"].as_i64().expect("integer exp");
    let expected = now() + 3600;
    assert!(
        (expected - 60..=expected + 5).contains(&exp),
        "exp {exp} vs {expected}"
    );
    let keys: Vec<&String> = claims.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 5, "no iat/nbf/jti/ctx: {keys:?}");
    assert!(seen.scope.is_null());
    // The placeholder Authorization the generated clients send.
    assert_eq!(seen.authorization.as_deref(), Some("Bearer token"));
}

#[tokio::test]
async fn a_tampered_signature_is_refused_by_the_test_server() {
    // Guards the test server itself: a key the server does not know must fail.
    let server = TokenServer::start().await;
    let other = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    let pem = rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(&other, rsa::pkcs8::LineEnding::LF)
        .unwrap()
        .to_string();
    let creds = json!({
        "clientID": CLIENT_ID, "keyID": KEY_ID, "tokenURI": server.token_uri(), "privateKey": pem,
    })
    .to_string();
    let err = generate_bearer_token_from_creds(&creds, &BearerTokenOptions::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.status(), Some(401));
    assert_eq!(server.exchanges(), 0);
    assert_eq!(server.rejected(), 1);
}

#[tokio::test]
async fn snake_case_keys_pkcs1_keys_and_pretty_json_work() {
    let server = TokenServer::start().await;
    let creds = serde_json::to_string_pretty(&json!({
        "client_id": CLIENT_ID,
        "client_name": "snake",
        "key_id": KEY_ID,
        "token_uri": server.token_uri(),
        "private_key": test_key().pkcs1_pem,
    }))
    .unwrap();
    generate_bearer_token_from_creds(&creds, &BearerTokenOptions::new())
        .await
        .unwrap();
    // A PEM pasted with real line breaks inside the JSON string also parses.
    let raw = format!(
        "{{\"clientID\":\"{CLIENT_ID}\",\"keyID\":\"{KEY_ID}\",\"tokenURI\":\"{}\",\"privateKey\":\"{}\"}}",
        server.token_uri(),
        test_key().pkcs8_pem
    );
    assert!(raw.contains("-----\nMII"));
    generate_bearer_token_from_creds(&raw, &BearerTokenOptions::new())
        .await
        .unwrap();
    assert_eq!(server.exchanges(), 2);
}

#[tokio::test]
async fn token_from_a_credentials_file() {
    let server = TokenServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials.json");
    std::fs::write(&path, server.credentials_json()).unwrap();
    let token = generate_bearer_token(&path, &BearerTokenOptions::new())
        .await
        .unwrap();
    assert_eq!(token.access_token(), server.seen()[0].access_token);

    let err = generate_bearer_token(dir.path().join("missing.json"), &BearerTokenOptions::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert_eq!(err.field(), Some("path"));
    assert_eq!(server.exchanges(), 1);
}

#[tokio::test]
async fn role_scope_and_ctx_reach_the_exchange() {
    let server = TokenServer::start().await;
    let creds = server.credentials_json();
    let options = BearerTokenOptions::new().with_role_ids(["roleA", "roleB"]);
    generate_bearer_token_from_creds(&creds, &options)
        .await
        .unwrap();
    let options = BearerTokenOptions::new().with_ctx("user_42");
    generate_bearer_token_from_creds(&creds, &options)
        .await
        .unwrap();
    let options = BearerTokenOptions::new()
        .with_role_ids(["roleC"])
        .with_ctx(Context::map([
            ("user_id", json!("42")),
            ("level", json!(3)),
        ]));
    generate_bearer_token_from_creds(&creds, &options)
        .await
        .unwrap();
    // Blank string and empty map mean no ctx claim.
    let options = BearerTokenOptions::new().with_ctx("   ");
    generate_bearer_token_from_creds(&creds, &options)
        .await
        .unwrap();
    let options = BearerTokenOptions::new().with_ctx(Context::map(Vec::<(String, Value)>::new()));
    generate_bearer_token_from_creds(&creds, &options)
        .await
        .unwrap();

    let seen = server.seen();
    assert_eq!(seen.len(), 5);
    assert_eq!(seen[0].scope, "role:roleA role:roleB");
    assert!(seen[0].claims.get("ctx").is_none());
    assert!(seen[1].scope.is_null());
    assert_eq!(seen[1].claims["ctx"], "user_42");
    assert_eq!(seen[2].scope, "role:roleC");
    assert_eq!(seen[2].claims["ctx"], json!({"user_id": "42", "level": 3}));
    assert!(seen[3].claims.get("ctx").is_none());
    assert!(seen[4].claims.get("ctx").is_none());
}

#[tokio::test]
async fn token_uri_override_is_audience_and_exchange_host() {
    let server = TokenServer::start().await;
    let override_uri = format!("http://127.0.0.1:{}/some/other/path", server.addr.port());
    server.expect_audience(&override_uri);
    // The credentials point at a closed port; only the override can work.
    let creds = credentials_json("http://127.0.0.1:9/v1/auth/sa/oauth/token");
    let options = BearerTokenOptions::new().with_token_uri(override_uri.clone());
    generate_bearer_token_from_creds(&creds, &options)
        .await
        .unwrap();
    assert_eq!(server.seen()[0].claims["aud"], override_uri);
}

#[tokio::test]
async fn refused_exchange_reports_status_message_and_request_id_but_not_the_assertion() {
    let server = TokenServer::start().await;
    server.fail_with(
        400,
        r#"{"error":{"grpc_code":3,"http_code":400,"http_status":"Bad Request","message":"Invalid key id","details":[]}}"#,
    );
    let err =
        generate_bearer_token_from_creds(&server.credentials_json(), &BearerTokenOptions::new())
            .await
            .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.http_code(), Some(400));
    assert_eq!(err.grpc_code(), Some(3));
    assert_eq!(err.http_status(), Some("Bad Request"));
    assert_eq!(err.request_id(), Some(REQUEST_ID));
    assert!(err.message().contains("Invalid key id"));
    assert!(
        !format!("{err} {err:?}").contains("eyJ"),
        "no JWT in the error"
    );

    // A non-JSON failure still carries the status.
    server.fail_with(502, "<html>bad gateway</html>");
    let err =
        generate_bearer_token_from_creds(&server.credentials_json(), &BearerTokenOptions::new())
            .await
            .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.status(), Some(502));

    // A 200 without accessToken.
    server.fail_with(200, r#"{"unexpected": true}"#);
    let err =
        generate_bearer_token_from_creds(&server.credentials_json(), &BearerTokenOptions::new())
            .await
            .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.status(), Some(200));
}

#[tokio::test]
async fn unreachable_token_endpoint_is_a_transport_error() {
    // Bind and drop to get a closed loopback port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let creds = credentials_json(&format!("http://127.0.0.1:{port}/v1/auth/sa/oauth/token"));
    let err = generate_bearer_token_from_creds(&creds, &BearerTokenOptions::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
}

#[test]
fn signed_data_tokens_decode_with_the_right_claims() {
    let creds = credentials_json("https://manage.example.com/v1/auth/sa/oauth/token");
    let options = SignedDataTokenOptions::new(["tok-1", "tok-2"])
        .with_time_to_live(120)
        .with_ctx(Context::map([("user_id", "42")]));
    let before = now();
    let signed = generate_signed_data_tokens_from_creds(&creds, &options).unwrap();
    assert_eq!(signed.len(), 2);
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "iat", "sub", "iss"]);
    for (pair, original) in signed.iter().zip(["tok-1", "tok-2"]) {
        assert_eq!(pair.token(), original);
        let jwt = pair
            .signed_token()
            .strip_prefix("signed_token_")
            .expect("prefix");
        let header = jsonwebtoken::decode_header(jwt).unwrap();
        assert_eq!(header.alg, Algorithm::RS256);
        let claims = jsonwebtoken::decode::<Value>(jwt, &public_key(), &validation)
            .unwrap()
            .claims;
        assert_eq!(claims["iss"], "sdk");
        assert_eq!(claims["key"], KEY_ID);
        assert_eq!(claims["sub"], CLIENT_ID);
        assert_eq!(claims["tok"], original);
        assert_eq!(claims["ctx"], json!({"user_id": "42"}));
        assert!(claims.get("aud").is_none());
        let iat = claims["iat"].as_i64().unwrap();
        assert!(iat >= before && iat <= now());
        assert_eq!(claims["exp"].as_i64().unwrap(), iat + 120);
    }

    // Default TTL 60, no ctx.
    let signed =
        generate_signed_data_tokens_from_creds(&creds, &SignedDataTokenOptions::new(["t"]))
            .unwrap();
    let jwt = signed[0]
        .signed_token()
        .strip_prefix("signed_token_")
        .unwrap();
    let claims = jsonwebtoken::decode::<Value>(jwt, &public_key(), &validation)
        .unwrap()
        .claims;
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        60
    );
    assert!(claims.get("ctx").is_none());

    // No data tokens: empty result.
    let none = generate_signed_data_tokens_from_creds(
        &creds,
        &SignedDataTokenOptions::new(Vec::<String>::new()),
    );
    assert!(none.unwrap().is_empty());
}

#[test]
fn signed_data_tokens_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials.json");
    std::fs::write(&path, credentials_json("https://manage.example.com/token")).unwrap();
    let signed = generate_signed_data_tokens(&path, &SignedDataTokenOptions::new(["a"])).unwrap();
    let (token, signed_token) = signed.into_iter().next().unwrap().into_pair();
    assert_eq!(token, "a");
    assert!(signed_token.starts_with("signed_token_"));
}

#[test]
fn is_expired_checks_exp_only() {
    use base64::Engine as _;
    let b64 = |s: String| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let jwt =
        |payload: String| format!("{}.{}.sig", b64(r#"{"alg":"RS256"}"#.into()), b64(payload));
    assert!(!is_expired(&jwt(format!(r#"{{"exp":{}}}"#, now() + 600))));
    assert!(is_expired(&jwt(format!(r#"{{"exp":{}}}"#, now() - 1))));
    assert!(is_expired(&jwt(r#"{"sub":"no exp"}"#.into())));
    assert!(is_expired(&jwt(r#"{"exp":"tomorrow"}"#.into())));
    assert!(is_expired("not a jwt"));
    assert!(is_expired("a.%%%.c"));
    assert!(is_expired(""));
}

/// Every malformed input is a validation error naming the field, before any network call.
#[tokio::test]
async fn bad_input_is_a_validation_error_before_any_exchange() {
    let server = TokenServer::start().await;
    let good: Value = serde_json::from_str(&server.credentials_json()).unwrap();
    let without = |key: &str| {
        let mut v = good.clone();
        v.as_object_mut().unwrap().remove(key);
        v.to_string()
    };
    let with = |key: &str, value: Value| {
        let mut v = good.clone();
        v[key] = value;
        v.to_string()
    };
    let none = BearerTokenOptions::new();
    let cases: Vec<(String, BearerTokenOptions, &str)> = vec![
        (
            without("privateKey"),
            none.clone(),
            "credentials.privateKey",
        ),
        (without("clientID"), none.clone(), "credentials.clientID"),
        (without("keyID"), none.clone(), "credentials.keyID"),
        (without("tokenURI"), none.clone(), "credentials.tokenURI"),
        (
            with(
                "privateKey",
                json!("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----"),
            ),
            none.clone(),
            "credentials.privateKey",
        ),
        (
            with("tokenURI", json!("not a url")),
            none.clone(),
            "credentials.tokenURI",
        ),
        (
            with("tokenURI", json!("http://manage.example.com/token")),
            none.clone(),
            "credentials.tokenURI",
        ),
        ("not json".to_owned(), none.clone(), "credentials"),
        ("[]".to_owned(), none.clone(), "credentials"),
        (
            server.credentials_json(),
            BearerTokenOptions::new().with_role_ids(["r1", ""]),
            "role_ids",
        ),
        (
            server.credentials_json(),
            BearerTokenOptions::new().with_ctx(Context::map([("user-id", "42")])),
            "ctx",
        ),
        (
            server.credentials_json(),
            BearerTokenOptions::new().with_token_uri("nope"),
            "token_uri",
        ),
    ];
    for (creds, options, field) in cases {
        let err = generate_bearer_token_from_creds(&creds, &options)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation, "{field}: {err}");
        assert_eq!(err.field(), Some(field), "{err}");
        assert_eq!(err.operation(), Some("generate_bearer_token"));
        assert!(!err.to_string().contains("not a key"), "{err}");
        assert!(!err.to_string().contains(CLIENT_ID), "{err}");
    }
    assert_eq!(
        server.exchanges() + server.rejected(),
        0,
        "no request reached the server"
    );

    let creds = server.credentials_json();
    for (options, field) in [
        (
            SignedDataTokenOptions::new(["t"]).with_time_to_live(-5),
            "time_to_live",
        ),
        (
            SignedDataTokenOptions::new(["t"]).with_time_to_live(0),
            "time_to_live",
        ),
        (SignedDataTokenOptions::new(["t", ""]), "data_tokens"),
        (
            SignedDataTokenOptions::new(["t"]).with_ctx(Context::map([("a-b", 1)])),
            "ctx",
        ),
    ] {
        let err = generate_signed_data_tokens_from_creds(&creds, &options).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation);
        assert_eq!(err.field(), Some(field));
        assert_eq!(err.operation(), Some("generate_signed_data_tokens"));
    }
    let err = generate_signed_data_tokens_from_creds(
        &without("keyID"),
        &SignedDataTokenOptions::new(["t"]),
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("credentials.keyID"));
}

#[tokio::test]
async fn debug_output_hides_tokens() {
    let server = TokenServer::start().await;
    let token =
        generate_bearer_token_from_creds(&server.credentials_json(), &BearerTokenOptions::new())
            .await
            .unwrap();
    let shown = format!("{token:?}");
    assert!(!shown.contains(token.access_token()), "{shown}");
    assert!(shown.contains("redacted"));

    let options = SignedDataTokenOptions::new(["secret-data-token"]);
    let shown = format!("{options:?}");
    assert!(!shown.contains("secret-data-token"), "{shown}");
    let signed =
        generate_signed_data_tokens_from_creds(&server.credentials_json(), &options).unwrap();
    let shown = format!("{signed:?}");
    assert!(!shown.contains("secret-data-token"), "{shown}");
    assert!(!shown.contains(signed[0].signed_token()), "{shown}");
}

#[tokio::test]
async fn logs_at_debug_contain_no_token_or_key() {
    let server = TokenServer::start().await;
    let (_guard, logs) = token_server::capture_logs();
    let creds = server.credentials_json();
    let token =
        generate_bearer_token_from_creds(&creds, &BearerTokenOptions::new().with_role_ids(["r9"]))
            .await
            .unwrap();
    let signed =
        generate_signed_data_tokens_from_creds(&creds, &SignedDataTokenOptions::new(["dt-123"]))
            .unwrap();
    assert!(is_expired("garbage"));
    server.fail_with(401, r#"{"error":{"message":"nope"}}"#);
    let _ = generate_bearer_token_from_creds(&creds, &BearerTokenOptions::new()).await;
    let text = logs.text();
    assert!(text.contains("bearer token generated"), "{text}");
    assert!(!text.contains(token.access_token()));
    assert!(!text.contains(&server.seen()[0].assertion));
    assert!(!text.contains("dt-123"));
    assert!(!text.contains(signed[0].signed_token()));
    assert!(!text.contains(test_key().pkcs8_pem.lines().nth(1).unwrap()));
    assert!(!text.contains(CLIENT_ID));
}
