//! Every data endpoint over HTTP, success and failure paths; every body is validated against
//! the OpenAPI document by the harness.

mod http_support;

use http_support::{Harness, sign_rs256, start};
use reqwest::Method;
use serde_json::{Value, json};

fn path(h: &Harness, rest: &str) -> String {
    format!("/v1/vaults/{}{rest}", h.vault())
}

async fn insert_people(h: &Harness) -> Vec<(String, Value)> {
    let body = h
        .insert(
            "table1",
            vec![
                json!({"name": "Jane Doe", "email": "jane@example.com", "ssn": "123-45-6789", "card_number": "4111-1111-1111-1111"}),
                json!({"name": "Raj Patel", "email": "raj@example.com", "ssn": "987-65-4321", "card_number": "5500-0000-0000-0004"}),
            ],
            true,
        )
        .await;
    body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["skyflow_id"].as_str().unwrap().to_owned(),
                r["tokens"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn insert_get_update_delete() {
    let h = start().await;
    let people = insert_people(&h).await;
    assert_eq!(people.len(), 2);
    let (jane, jane_tokens) = &people[0];
    assert!(jane_tokens["email"].is_string());

    // Without tokenization: ids only.
    let plain = h
        .insert("table1", vec![json!({"name": "No Tokens"})], false)
        .await;
    assert!(plain["records"][0].get("tokens").is_none_or(Value::is_null));

    // Get by ids with each redaction.
    let q = format!("/table1?skyflow_ids={jane}&redaction=PLAIN_TEXT&tokenization=false");
    let got = h.call(Method::GET, &path(&h, &q), None).await;
    assert_eq!(
        got.ok()["records"][0]["fields"]["email"],
        "jane@example.com"
    );
    assert_eq!(
        got.ok()["records"][0]["fields"]["skyflow_id"],
        jane.as_str()
    );
    let q = format!("/table1?skyflow_ids={jane}&redaction=REDACTED&fields=name&fields=ssn");
    let got = h.call(Method::GET, &path(&h, &q), None).await;
    assert_eq!(got.ok()["records"][0]["fields"]["name"], "*REDACTED*");
    assert!(got.ok()["records"][0]["fields"].get("email").is_none());
    let q = format!("/table1?skyflow_ids={jane}&redaction=MASKED");
    let got = h.call(Method::GET, &path(&h, &q), None).await;
    assert_eq!(got.ok()["records"][0]["fields"]["ssn"], "XXX-XX-6789");
    let q = format!("/table1?skyflow_ids={jane}&redaction=DEFAULT");
    let got = h.call(Method::GET, &path(&h, &q), None).await;
    let fields = &got.ok()["records"][0]["fields"];
    assert_eq!(fields["name"], "J***oe");
    assert_eq!(fields["ssn"], "XXX-XX-6789");
    assert_eq!(fields["email"], "j******e@example.com");
    assert_eq!(fields["card_number"], "XXXXXXXXXXXX1111");
    assert_eq!(fields["skyflow_id"], jane.as_str());
    // Tokens in fields.
    let q = format!("/table1?skyflow_ids={jane}&tokenization=true");
    let got = h.call(Method::GET, &path(&h, &q), None).await;
    assert_eq!(
        got.ok()["records"][0]["fields"]["email"],
        jane_tokens["email"]
    );

    // By unique column values (repeated, URL-encoded).
    let q = "/table1?column_name=email&column_values=jane%40example.com&column_values=raj%40example.com&redaction=PLAIN_TEXT";
    let got = h.call(Method::GET, &path(&h, q), None).await;
    assert_eq!(got.ok()["records"].as_array().unwrap().len(), 2);

    // Paging and ordering.
    let got = h
        .call(
            Method::GET,
            &path(
                &h,
                "/table1?limit=1&offset=1&order_by=DESCENDING&redaction=PLAIN_TEXT",
            ),
            None,
        )
        .await;
    assert_eq!(got.ok()["records"].as_array().unwrap().len(), 1);
    let got = h
        .call(
            Method::GET,
            &path(&h, "/table1?redaction=PLAIN_TEXT&downloadURL=false"),
            None,
        )
        .await;
    assert_eq!(got.ok()["records"].as_array().unwrap().len(), 3);

    // Get one.
    let got = h
        .call(
            Method::GET,
            &path(
                &h,
                &format!("/table1/{jane}?redaction=PLAIN_TEXT&fields=name"),
            ),
            None,
        )
        .await;
    assert_eq!(got.ok()["fields"]["name"], "Jane Doe");

    // Update.
    let upd = json!({"record": {"fields": {"name": "Janet Doe"}, "tokens": null}, "tokenization": true, "byot": "DISABLE"});
    let got = h
        .call(
            Method::PUT,
            &path(&h, &format!("/table1/{jane}")),
            Some(upd),
        )
        .await;
    assert_eq!(got.ok()["skyflow_id"], jane.as_str());
    assert!(got.ok()["tokens"]["name"].is_string());

    // Delete one, then bulk.
    let got = h
        .call(Method::DELETE, &path(&h, &format!("/table1/{jane}")), None)
        .await;
    assert_eq!(got.ok()["deleted"], true);
    h.call(Method::GET, &path(&h, &format!("/table1/{jane}")), None)
        .await
        .expect_error(404);
    let raj = &people[1].0;
    let got = h
        .call(
            Method::DELETE,
            &path(&h, "/table1"),
            Some(json!({"skyflow_ids": [raj]})),
        )
        .await;
    assert_eq!(got.ok()["RecordIDResponse"][0], raj.as_str());
    let got = h
        .call(
            Method::DELETE,
            &path(&h, "/table1"),
            Some(json!({"skyflow_ids": ["*"]})),
        )
        .await;
    assert_eq!(got.ok()["RecordIDResponse"][0], "*");
}

#[tokio::test]
async fn record_failures() {
    let h = start().await;
    insert_people(&h).await;
    // Unknown table, unknown column, validation failure, duplicate unique value.
    let bad = |fields: Value| Some(json!({"records": [{"fields": fields}], "tokenization": true}));
    let msg = h
        .call(
            Method::POST,
            &path(&h, "/no_table"),
            bad(json!({"name": "x"})),
        )
        .await
        .expect_error(400)
        .to_owned();
    assert!(msg.contains("no_table"), "{msg}");
    h.call(
        Method::POST,
        &path(&h, "/table1"),
        bad(json!({"nope": "x"})),
    )
    .await
    .expect_error(400);
    h.call(
        Method::POST,
        &path(&h, "/table1"),
        bad(json!({"email": "not an email"})),
    )
    .await
    .expect_error(400);
    let msg = h
        .call(
            Method::POST,
            &path(&h, "/table1"),
            bad(json!({"email": "jane@example.com"})),
        )
        .await
        .expect_error(400)
        .to_owned();
    assert!(msg.contains("unique"), "{msg}");
    // Upsert on the unique column updates instead.
    let up = json!({"records": [{"fields": {"email": "jane@example.com", "name": "Jane Upserted"}}], "tokenization": false, "upsert": "email"});
    let got = h.call(Method::POST, &path(&h, "/table1"), Some(up)).await;
    let upserted = got.ok()["records"][0]["skyflow_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let got = h
        .call(
            Method::GET,
            &path(
                &h,
                "/table1?column_name=email&column_values=jane%40example.com&redaction=PLAIN_TEXT",
            ),
            None,
        )
        .await;
    let records = got.ok()["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "upsert made no second record");
    assert_eq!(records[0]["fields"]["skyflow_id"], upserted.as_str());
    assert_eq!(records[0]["fields"]["name"], "Jane Upserted");
    assert_eq!(
        records[0]["fields"]["ssn"], "123-45-6789",
        "other fields kept"
    );
    // BYOT rules.
    let byot = json!({"records": [{"fields": {"name": "x"}, "tokens": {"name": "my-token-1"}}], "tokenization": true, "byot": "DISABLE"});
    h.call(Method::POST, &path(&h, "/table1"), Some(byot))
        .await
        .expect_error(400);
    let byot = json!({"records": [{"fields": {"name": "Byot Name", "cvv": "123"}, "tokens": {"name": "my-own-token-1"}}], "tokenization": true, "byot": "ENABLE"});
    let got = h.call(Method::POST, &path(&h, "/table1"), Some(byot)).await;
    assert_eq!(got.ok()["records"][0]["tokens"]["name"], "my-own-token-1");
    let strict = json!({"records": [{"fields": {"name": "S", "cvv": "321"}, "tokens": {"name": "strict-1"}}], "tokenization": true, "byot": "ENABLE_STRICT"});
    h.call(Method::POST, &path(&h, "/table1"), Some(strict))
        .await
        .expect_error(400);
    // Missing record on update, delete.
    let upd = json!({"record": {"fields": {"name": "x"}}});
    h.call(
        Method::PUT,
        &path(&h, "/table1/00000000-0000-4000-8000-000000000000"),
        Some(upd),
    )
    .await
    .expect_error(404);
    h.call(
        Method::DELETE,
        &path(&h, "/table1/00000000-0000-4000-8000-000000000000"),
        None,
    )
    .await
    .expect_error(404);
    h.call(
        Method::GET,
        &path(
            &h,
            "/table1?skyflow_ids=00000000-0000-4000-8000-000000000000",
        ),
        None,
    )
    .await
    .expect_error(404);
}

#[tokio::test]
async fn batch_with_and_without_continue_on_error() {
    let h = start().await;
    let ok = json!({"records": [
        {"fields": {"name": "Batch One"}, "tableName": "table1", "method": "POST", "tokenization": true, "upsert": null, "tokens": null},
        {"fields": {"name": "Batch Two"}, "tableName": "table1", "method": "POST", "tokenization": false, "upsert": null, "tokens": null}
    ], "continueOnError": true, "byot": "DISABLE"});
    let got = h.call(Method::POST, &path(&h, ""), Some(ok)).await;
    assert_eq!(got.status.as_u16(), 200);
    assert_eq!(got.ok()["vaultID"], h.vault().as_str());
    assert_eq!(got.ok()["responses"][0]["Status"], 200);
    let mixed = json!({"records": [
        {"fields": {"name": "Batch Three"}, "tableName": "table1", "method": "POST"},
        {"fields": {"nope": "x"}, "tableName": "table1", "method": "POST"}
    ], "continueOnError": true});
    let got = h
        .call(Method::POST, &path(&h, ""), Some(mixed.clone()))
        .await;
    assert_eq!(got.status.as_u16(), 207);
    assert_eq!(got.body["responses"][1]["Status"], 400);
    assert!(got.body["responses"][1]["Body"]["error"].is_string());
    let mut strict = mixed;
    strict["continueOnError"] = json!(false);
    h.call(Method::POST, &path(&h, ""), Some(strict))
        .await
        .expect_error(400);
}

#[tokio::test]
async fn query_tokenize_detokenize() {
    let h = start().await;
    let people = insert_people(&h).await;
    let jane_tokens = &people[0].1;

    let got = h
        .call(
            Method::POST,
            &path(&h, "/query"),
            Some(json!({"query": "SELECT * FROM table1 WHERE email = 'jane@example.com'"})),
        )
        .await;
    assert_eq!(got.ok()["records"].as_array().unwrap().len(), 1);
    for bad in [
        "DELETE FROM table1",
        "SELECT 1; SELECT 2",
        "PRAGMA table_info(table1)",
        "ATTACH 'x' AS y",
        "not sql",
    ] {
        h.call(
            Method::POST,
            &path(&h, "/query"),
            Some(json!({"query": bad})),
        )
        .await
        .expect_error(400);
    }

    // Tokenize returns the existing token of an existing value.
    let got = h
        .call(Method::POST, &path(&h, "/tokenize"), Some(json!({"tokenizationParameters": [{"value": "jane@example.com", "table": "table1", "column": "email"}]})))
        .await;
    assert_eq!(got.ok()["records"][0]["token"], jane_tokens["email"]);

    // Detokenize with per-token redaction.
    let body = json!({"detokenizationParameters": [
        {"token": jane_tokens["email"], "redaction": "PLAIN_TEXT"},
        {"token": jane_tokens["ssn"], "redaction": "MASKED"}
    ], "continueOnError": false});
    let got = h
        .call(Method::POST, &path(&h, "/detokenize"), Some(body))
        .await;
    assert_eq!(got.ok()["records"][0]["value"], "jane@example.com");
    assert_eq!(got.ok()["records"][0]["valueType"], "STRING");
    assert_eq!(got.ok()["records"][1]["value"], "XXX-XX-6789");
    // A missing token: 404 without continueOnError, 207 with it.
    let missing = json!({"detokenizationParameters": [{"token": jane_tokens["email"]}, {"token": "no-such-token"}], "continueOnError": false});
    h.call(
        Method::POST,
        &path(&h, "/detokenize"),
        Some(missing.clone()),
    )
    .await
    .expect_error(404);
    let mut cont = missing;
    cont["continueOnError"] = json!(true);
    let got = h
        .call(Method::POST, &path(&h, "/detokenize"), Some(cont))
        .await;
    assert_eq!(got.status.as_u16(), 207);
    assert!(got.body["records"][1]["error"].is_string());

    // Signed data tokens: accepted from the signing account's bearer only.
    let creds: Value = serde_json::from_str(h.emulator.credentials_json()).unwrap();
    let now = jsonwebtoken::get_current_timestamp() as i64;
    let signed = format!(
        "signed_token_{}",
        sign_rs256(
            &creds,
            &json!({"iss": "sdk", "key": creds["keyID"], "sub": creds["clientID"], "tok": jane_tokens["email"], "iat": now, "exp": now + 60})
        )
    );
    let expired = format!(
        "signed_token_{}",
        sign_rs256(
            &creds,
            &json!({"iss": "sdk", "key": creds["keyID"], "sub": creds["clientID"], "tok": jane_tokens["email"], "iat": now - 120, "exp": now - 60})
        )
    );
    let bearer = h.service_account_token(None).await.ok()["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"detokenizationParameters": [{"token": signed, "redaction": "PLAIN_TEXT"}, {"token": expired}], "continueOnError": true});
    let got = h
        .call_as(&bearer, Method::POST, &path(&h, "/detokenize"), Some(body))
        .await;
    assert_eq!(got.body["records"][0]["value"], "jane@example.com");
    assert_eq!(got.body["records"][0]["token"], signed.as_str());
    assert!(
        got.body["records"][1]["error"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    // The API key is not the signing account.
    let body = json!({"detokenizationParameters": [{"token": signed}], "continueOnError": false});
    h.call(Method::POST, &path(&h, "/detokenize"), Some(body))
        .await
        .expect_error(401);
}

#[tokio::test]
async fn files_and_download_urls() {
    let h = start().await;
    let upload = |id: &str| {
        reqwest::multipart::Form::new()
            .text("tableName", "table1")
            .text("columnName", "file")
            .text("skyflowID", id.to_owned())
            .text("returnFileMetadata", "true")
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"hello file".to_vec())
                    .file_name("hello.txt")
                    .mime_str("text/plain")
                    .unwrap(),
            )
    };
    let url = format!("/v2/vaults/{}/files/upload", h.vault());
    let resp = h
        .client
        .post(h.url(&url))
        .bearer_auth(&h.bearer)
        .multipart(upload(""))
        .send()
        .await
        .unwrap();
    let got = h.finish(Method::POST, &url, resp).await;
    let id = got.ok()["skyflowID"].as_str().unwrap().to_owned();
    assert_eq!(got.body["fileMetadata"]["file"]["fileName"], "hello.txt");
    // Upload into the existing record.
    let resp = h
        .client
        .post(h.url(&url))
        .bearer_auth(&h.bearer)
        .multipart(upload(&id))
        .send()
        .await
        .unwrap();
    assert_eq!(
        h.finish(Method::POST, &url, resp).await.ok()["skyflowID"],
        id.as_str()
    );
    // Missing parts and non-multipart bodies.
    let form = reqwest::multipart::Form::new().text("tableName", "table1");
    h.post_form(&url, form).await.expect_error(400);
    let resp = h
        .client
        .post(h.url(&url))
        .bearer_auth(&h.bearer)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    h.finish(Method::POST, &url, resp).await.expect_error(400);

    // v1 upload.
    let v1 = path(&h, &format!("/table1/{id}/files"));
    let form = reqwest::multipart::Form::new()
        .text("columnName", "file")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"second".to_vec()).file_name("b.txt"),
        );
    assert_eq!(h.post_form(&v1, form).await.ok()["skyflow_id"], id.as_str());

    // Scan status.
    let got = h
        .call(
            Method::GET,
            &path(&h, &format!("/table1/{id}/files/file/scan-status")),
            None,
        )
        .await;
    assert_eq!(got.ok()["av_scan_status"], "SCAN_CLEAN");

    // Download URL from get, served by the emulator; a tampered one is refused.
    let got = h
        .call(
            Method::GET,
            &path(&h, &format!("/table1/{id}?downloadURL=true")),
            None,
        )
        .await;
    let link = got.ok()["fields"]["file"].as_str().unwrap().to_owned();
    assert!(link.starts_with(h.emulator.vault_url()), "{link}");
    let bytes = h.client.get(&link).send().await.unwrap();
    assert_eq!(bytes.status(), 200);
    assert_eq!(bytes.bytes().await.unwrap().as_ref(), b"second");
    let tampered = format!("{}0", link);
    let resp = h.client.get(&tampered).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    let body: Value = resp.json().await.unwrap();
    http_support::assert_envelope(&body, reqwest::StatusCode::FORBIDDEN);

    // Upload status.
    let got = h
        .call(Method::POST, &format!("/v2/vaults/{}/files/uploadStatus", h.vault()), Some(json!({"records": [{"tableName": "table1", "skyflowID": id, "fileFields": ["file"]}]})))
        .await;
    assert_eq!(got.ok()["records"][0]["tableName"], "table1");

    // Delete the file.
    let got = h
        .call(
            Method::DELETE,
            &path(&h, &format!("/table1/{id}/files/file")),
            None,
        )
        .await;
    assert_eq!(got.ok()["deleted"], true);
}

#[tokio::test]
async fn audit_events_record_who_did_what() {
    let h = start().await;
    insert_people(&h).await;
    h.call(Method::GET, &path(&h, "/table1?redaction=PLAIN_TEXT"), None)
        .await
        .ok();
    let q = format!(
        "/v1/audit/events?filterOps.accountID=local&filterOps.vaultID={}&limit=10",
        h.vault()
    );
    let got = h.call(Method::GET, &q, None).await;
    let events = got.ok()["event"].as_array().unwrap().clone();
    assert!(events.len() >= 2, "{events:?}");
    let text = serde_json::to_string(&events).unwrap();
    assert!(
        !text.contains("jane@example.com") && !text.contains("123-45-6789"),
        "no values in audit"
    );
    let q = format!(
        "/v1/audit/events?filterOps.accountID=local&filterOps.vaultID={}&filterOps.actionType=CREATE",
        h.vault()
    );
    let got = h.call(Method::GET, &q, None).await;
    let creates = got.ok()["event"].as_array().unwrap();
    assert!(!creates.is_empty());
    assert!(
        creates
            .iter()
            .all(|e| e["request"]["actionType"] == "CREATE"),
        "{creates:?}"
    );
    let q = "/v1/audit/events?filterOps.accountID=local&limit=1&offset=1";
    assert_eq!(
        h.call(Method::GET, q, None).await.ok()["event"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    h.call(Method::GET, "/v1/audit/events", None)
        .await
        .expect_error(400);
}
