//! Every error is Skyflow's JSON envelope, with `x-request-id`; limits are enforced.

mod http_support;

use http_support::{assert_envelope, start, start_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use skyflow_emulator::{EmulatorOptions, Limits};

async fn raw(
    h: &http_support::Harness,
    req: reqwest::RequestBuilder,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "JSON content type on {status}"
    );
    assert!(headers.get("x-request-id").is_some());
    let body: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).expect("JSON body");
    let _ = h;
    (status, headers, body)
}

#[tokio::test]
async fn unknown_route_is_a_404_envelope() {
    let h = start().await;
    let (status, _, body) = raw(
        &h,
        h.client
            .get(h.url("/v1/nothing/here"))
            .bearer_auth(&h.bearer),
    )
    .await;
    assert_eq!(status, 404);
    assert_envelope(&body, status);
    assert_eq!(body["error"]["grpc_code"], 5);
    // Without auth too: unknown routes are 404, not HTML.
    let (status, _, body) = raw(&h, h.client.get(h.url("/"))).await;
    assert_eq!(status, 404);
    assert_envelope(&body, status);
}

#[tokio::test]
async fn wrong_method_is_a_405_envelope() {
    let h = start().await;
    let path = format!("/v1/vaults/{}/query", h.vault());
    let (status, headers, body) = raw(&h, h.client.get(h.url(&path)).bearer_auth(&h.bearer)).await;
    assert_eq!(status, 405);
    assert_envelope(&body, status);
    assert!(headers.get("allow").is_some());
    let (status, _, body) = raw(
        &h,
        h.client
            .patch(h.url(&format!("/v1/vaults/{}/table1", h.vault())))
            .bearer_auth(&h.bearer),
    )
    .await;
    assert_eq!(status, 405);
    assert_envelope(&body, status);
}

#[tokio::test]
async fn bad_bodies_are_400_envelopes() {
    let h = start().await;
    let path = format!("/v1/vaults/{}/table1", h.vault());
    // Not JSON.
    let (status, _, body) = raw(
        &h,
        h.client
            .post(h.url(&path))
            .bearer_auth(&h.bearer)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(status, 400);
    assert_envelope(&body, status);
    // Wrong type: the message names the field but never echoes the value.
    let (status, _, body) = raw(
        &h,
        h.client.post(h.url(&path)).bearer_auth(&h.bearer).json(
            &json!({"records": [{"fields": {"name": "x"}}], "tokenization": "4111111111111111"}),
        ),
    )
    .await;
    assert_eq!(status, 400);
    assert_envelope(&body, status);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("tokenization"), "{message}");
    assert!(!message.contains("4111111111111111"), "{message}");
    // Missing content type.
    let (status, _, body) = raw(
        &h,
        h.client
            .post(h.url(&path))
            .bearer_auth(&h.bearer)
            .body("{}"),
    )
    .await;
    assert_eq!(status, 400);
    assert_envelope(&body, status);
    // Bad query parameter.
    let reply = h
        .call(Method::GET, &format!("{path}?redaction=SOMETIMES"), None)
        .await;
    reply.expect_error(400);
    let reply = h.call(Method::GET, &format!("{path}?limit=-3"), None).await;
    reply.expect_error(400);
}

#[tokio::test]
async fn limits_are_enforced_with_envelopes() {
    let h = start_with(
        EmulatorOptions::in_memory().limits(
            Limits::default()
                .with_max_body_bytes(4096)
                .with_max_records_per_request(3),
        ),
    )
    .await;
    let path = format!("/v1/vaults/{}/table1", h.vault());
    let big = "x".repeat(8192);
    let (status, _, body) = raw(
        &h,
        h.client
            .post(h.url(&path))
            .bearer_auth(&h.bearer)
            .json(&json!({"records": [{"fields": {"name": big}}]})),
    )
    .await;
    assert_eq!(status, 413);
    assert_envelope(&body, status);

    let records: Vec<Value> = (0..4)
        .map(|i| json!({"fields": {"name": format!("n{i}")}}))
        .collect();
    let reply = h
        .call(
            Method::POST,
            &path,
            Some(json!({"records": records, "tokenization": false})),
        )
        .await;
    let message = reply.expect_error(400);
    assert!(message.contains("limit"), "{message}");
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let h = start().await;
    let path = format!("/v1/vaults/{}/table1", h.vault());
    let resp = h
        .client
        .get(h.url(&path))
        .bearer_auth(&h.bearer)
        .header("x-request-id", "my-request-42")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "my-request-42");
    let resp = h.client.get(h.url("/nope")).send().await.unwrap();
    let generated = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(generated.len(), 36, "a UUID");
}

#[tokio::test]
async fn unknown_vault_is_404() {
    let h = start().await;
    h.call(Method::GET, "/v1/vaults/no-such-vault/table1", None)
        .await
        .expect_error(404);
}

#[tokio::test]
async fn storage_faults_answer_a_generic_500_envelope() {
    let dir = std::env::temp_dir().join(format!(
        "sky-fault-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let h = start_with(EmulatorOptions::with_data_dir(&dir)).await;
    // Break the store under the running server: the records table disappears, so the next
    // insert fails inside SQLite.
    let db = rusqlite::Connection::open(dir.join("emulator.db")).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    db.execute_batch("DROP TABLE sky_records").unwrap();
    drop(db);
    let path = format!("/v1/vaults/{}/table1", h.vault());
    let (status, _, body) = raw(
        &h,
        h.client
            .post(h.url(&path))
            .bearer_auth(&h.bearer)
            .json(&json!({"records": [{"fields": {"name": "fault"}}]})),
    )
    .await;
    assert_eq!(status, 500);
    assert_envelope(&body, status);
    assert_eq!(body["error"]["grpc_code"], 13);
    let message = body["error"]["message"].as_str().unwrap();
    assert_eq!(
        message,
        skyflow_emulator::engine::INTERNAL_ERROR_MESSAGE,
        "SQLite's own text stays off the wire"
    );
    assert!(!body.to_string().contains("sky_records"));
    assert!(!body.to_string().to_lowercase().contains("sqlite"));
    std::fs::remove_dir_all(&dir).ok();
}
