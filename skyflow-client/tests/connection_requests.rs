//! `ConnectionClient::invoke` against a third-party stand-in on loopback that records what
//! it received: the exact request (method, URL, headers, body) for every method and
//! encoding, the `x-skyflow-authorization` header from each credentials kind, answers by
//! content type, errors, retries and timeouts.

#[path = "support/token_server.rs"]
mod token_server;
#[path = "support/upstream.rs"]
mod upstream;

use std::time::Duration;

use serde_json::json;
use skyflow_client::connection::{
    InvokeConnectionRequest, MultipartForm, RequestMethod, ResponseBody,
};
use skyflow_client::credentials::Credentials;
use skyflow_client::{
    ConnectionClient, ConnectionConfig, ErrorKind, RetryConfig, Skyflow, TimeoutConfig, VaultConfig,
};
use token_server::TokenServer;
use upstream::{Received, Reply, Upstream};

const API_KEY: &str = "sky-ab1c2-0123456789abcdef0123456789abcdef";

fn connection_with(config: ConnectionConfig) -> ConnectionClient {
    Skyflow::builder()
        .connection_config(config)
        .credentials(Credentials::api_key(API_KEY))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
        .default_connection()
        .unwrap()
}

fn connection(upstream: &Upstream, path: &str) -> ConnectionClient {
    connection_with(ConnectionConfig::new("conn", upstream.url(path)))
}

async fn invoke_and_record(
    upstream: &Upstream,
    conn: &ConnectionClient,
    request: &InvokeConnectionRequest,
) -> Received {
    conn.invoke(request).await.expect("invoke");
    upstream.last()
}

/// The headers every connection call carries, whatever its body.
fn assert_sdk_headers(received: &Received, authorization: &str) {
    assert_eq!(
        received.header("x-skyflow-authorization"),
        Some(authorization)
    );
    assert_eq!(received.header("authorization"), None);
    let metadata: serde_json::Value =
        serde_json::from_str(received.header("sky-metadata").expect("sky-metadata")).unwrap();
    assert!(
        metadata["sdk_name_version"]
            .as_str()
            .unwrap()
            .starts_with("skyflow-rust@")
    );
}

#[tokio::test]
async fn every_method_reaches_the_url_with_params_and_auth() {
    let upstream = Upstream::start().await;
    let conn = connection(&upstream, "/v1/cards/{card_id}/charges/{kind}/");
    for method in RequestMethod::ALL {
        let request = InvokeConnectionRequest::new(method)
            .path_param("card_id", "tok 1/2")
            .path_param("kind", "auth")
            .query_param("tag", "a b")
            .query_param("tag", "c&d")
            .query_param("dry_run", true)
            .header("X-Trace-Id", "trace-1");
        let received = invoke_and_record(&upstream, &conn, &request).await;
        assert_eq!(received.method, method.as_str());
        assert_eq!(
            received.uri,
            "/v1/cards/tok%201%2F2/charges/auth?tag=a+b&tag=c%26d&dry_run=true"
        );
        assert_eq!(received.header("x-trace-id"), Some("trace-1"));
        assert_sdk_headers(&received, API_KEY);
        assert!(
            received.body.is_empty(),
            "{method}: no body given, none sent"
        );
        assert_eq!(received.header("content-type"), None);
    }
}

#[tokio::test]
async fn json_body_is_written_like_the_python_sdk() {
    let upstream = Upstream::start().await;
    let conn = connection(&upstream, "/pay");
    let request = InvokeConnectionRequest::new(RequestMethod::Post)
        .body(json!({"amount": 12.5, "card": {"cvv": "tok-2", "number": "tok-1"}, "name": "Zoë"}));
    let received = invoke_and_record(&upstream, &conn, &request).await;
    assert_eq!(
        received.body_text(),
        r#"{"amount": 12.5, "card": {"cvv": "tok-2", "number": "tok-1"}, "name": "Zo\u00eb"}"#
    );
    assert_eq!(received.header("content-type"), Some("application/json"));
    assert_eq!(
        received.header("content-length"),
        Some(received.body.len().to_string().as_str())
    );
}

#[tokio::test]
async fn form_body_nests_keys_and_escapes_values() {
    let upstream = Upstream::start().await;
    let conn = connection(&upstream, "/pay");
    let request = InvokeConnectionRequest::new(RequestMethod::Post)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(json!({
            "a": "1",
            "card": {"exp": {"m": "12"}, "number": "4111"},
            "list": ["x", "y"],
            "note": "<b> & \"quoted\" 'single' =+%",
        }));
    let received = invoke_and_record(&upstream, &conn, &request).await;
    assert_eq!(
        received.body_text(),
        "a=1&card%5Bexp%5D%5Bm%5D=12&card%5Bnumber%5D=4111&list%5B0%5D=x&list%5B1%5D=y\
         &note=%3Cb%3E+%26+%22quoted%22+%27single%27+%3D%2B%25"
    );
    assert_eq!(
        received.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    // What a form parser reads back is what was sent.
    let decoded: Vec<(String, String)> = form_urlencoded::parse(&received.body)
        .into_owned()
        .collect();
    assert!(decoded.contains(&(
        "note".to_owned(),
        "<b> & \"quoted\" 'single' =+%".to_owned()
    )));
}

#[tokio::test]
async fn xml_bodies_nest_repeat_and_escape() {
    let upstream = Upstream::start().await;
    let conn = connection(&upstream, "/kyc");
    for content_type in ["text/xml", "application/xml"] {
        let request = InvokeConnectionRequest::new(RequestMethod::Put)
            .header("content-type", content_type)
            .body(json!({
                "card": {"number": "4111"},
                "note": "a < b && \"c\" > 'd'",
                "tags": ["a", "b"],
            }));
        let received = invoke_and_record(&upstream, &conn, &request).await;
        assert_eq!(
            received.body_text(),
            "<root><card><number>4111</number></card>\
             <note>a &lt; b &amp;&amp; &quot;c&quot; &gt; &apos;d&apos;</note>\
             <tags>a</tags><tags>b</tags></root>"
        );
        assert_eq!(received.header("content-type"), Some(content_type));
    }
}

#[tokio::test]
async fn text_and_html_bodies_are_sent_as_given() {
    let upstream = Upstream::start().await;
    let conn = connection(&upstream, "/notes");
    for content_type in ["text/plain", "text/html"] {
        let request = InvokeConnectionRequest::new(RequestMethod::Post)
            .header("content-type", content_type)
            .body("<p>token tok-1 & more</p>");
        let received = invoke_and_record(&upstream, &conn, &request).await;
        assert_eq!(received.body_text(), "<p>token tok-1 & more</p>");
        assert_eq!(received.header("content-type"), Some(content_type));
        // A structured value under a text type is sent as JSON text, as the SDKs do.
        let request = InvokeConnectionRequest::new(RequestMethod::Post)
            .header("content-type", content_type)
            .body(json!({"a": 1}));
        let received = invoke_and_record(&upstream, &conn, &request).await;
        assert_eq!(received.body_text(), r#"{"a": 1}"#);
    }
    let request = InvokeConnectionRequest::new(RequestMethod::Post).text_body("plain words");
    let received = invoke_and_record(&upstream, &conn, &request).await;
    assert_eq!(received.body_text(), "plain words");
    assert_eq!(
        received.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
}

/// One part of a multipart body: name, file name, content type, value.
type FormPart = (String, Option<String>, Option<String>, Vec<u8>);

/// The parts of a multipart body.
fn multipart_parts(received: &Received) -> Vec<FormPart> {
    let content_type = received.header("content-type").expect("content-type");
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect("a generated boundary");
    let delimiter = format!("--{boundary}");
    let body = &received.body;
    let mut parts = Vec::new();
    let text = String::from_utf8_lossy(body).into_owned();
    for chunk in text.split(&delimiter).skip(1) {
        if chunk.starts_with("--") {
            break;
        }
        let chunk = chunk.strip_prefix("\r\n").unwrap();
        let (head, value) = chunk.split_once("\r\n\r\n").unwrap();
        let value = value.strip_suffix("\r\n").unwrap();
        let mut lines = head.split("\r\n");
        let disposition = lines.next().unwrap();
        let quoted = |key: &str| {
            disposition
                .split("; ")
                .find_map(|p| p.strip_prefix(&format!("{key}=\"")))
                .map(|v| v.trim_end_matches('"').to_owned())
        };
        let part_type = lines.find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_owned)
        });
        parts.push((
            quoted("name").unwrap(),
            quoted("filename"),
            part_type,
            value.as_bytes().to_vec(),
        ));
    }
    parts
}

#[tokio::test]
async fn multipart_sends_text_and_file_parts_with_a_boundary() {
    let upstream = Upstream::start().await;
    let conn = connection(&upstream, "/upload");
    // Fields from a structured body, as the official SDKs build them.
    let request = InvokeConnectionRequest::new(RequestMethod::Post)
        .header("content-type", "multipart/form-data")
        .body(json!({"customer": "tok-9", "count": 2}));
    let received = invoke_and_record(&upstream, &conn, &request).await;
    let parts = multipart_parts(&received);
    assert_eq!(
        parts,
        [
            ("count".to_owned(), None, None, b"2".to_vec()),
            ("customer".to_owned(), None, None, b"tok-9".to_vec()),
        ]
    );
    // Text and file parts.
    let form = MultipartForm::new().text("customer", "tok-9").file(
        "scan",
        "id.txt",
        "text/plain",
        b"front side".to_vec(),
    );
    let request = InvokeConnectionRequest::new(RequestMethod::Post)
        .header("content-type", "multipart/form-data")
        .multipart(form);
    let received = invoke_and_record(&upstream, &conn, &request).await;
    let parts = multipart_parts(&received);
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].0, "customer");
    assert_eq!(parts[0].3, b"tok-9");
    assert_eq!(parts[1].0, "scan");
    assert_eq!(parts[1].1.as_deref(), Some("id.txt"));
    assert_eq!(parts[1].2.as_deref(), Some("text/plain"));
    assert_eq!(parts[1].3, b"front side");
    assert_eq!(received.header_values("content-type").len(), 1);
}

#[tokio::test]
async fn a_callers_authorization_header_wins() {
    let upstream = Upstream::start().await;
    let conn = connection(&upstream, "/pay");
    let request = InvokeConnectionRequest::new(RequestMethod::Get)
        .header("X-Skyflow-Authorization", "caller-token")
        .header("sky-metadata", "ignored");
    let received = invoke_and_record(&upstream, &conn, &request).await;
    assert_eq!(
        received.header("x-skyflow-authorization"),
        Some("caller-token")
    );
    assert_ne!(received.header("sky-metadata"), Some("ignored"));
}

#[tokio::test]
async fn service_account_tokens_come_from_the_shared_cache() {
    let upstream = Upstream::start().await;
    let tokens = TokenServer::start().await;
    let credentials = Credentials::service_account_json(tokens.credentials_json());
    let client = Skyflow::builder()
        .connection_config(ConnectionConfig::new("a", upstream.url("/a")))
        .connection_config(ConnectionConfig::new("b", upstream.url("/b")))
        // A vault with the same credentials shares the cached token.
        .vault_config(VaultConfig::from_base_url("v", upstream.url("")))
        .credentials(credentials)
        .build()
        .unwrap();
    let request = InvokeConnectionRequest::new(RequestMethod::Get);
    for id in ["a", "b", "a"] {
        client
            .connection(id)
            .unwrap()
            .invoke(&request)
            .await
            .unwrap();
    }
    assert_eq!(tokens.exchanges(), 1, "one exchange for every call");
    let access_token = tokens.seen()[0].access_token.clone();
    for received in upstream.received() {
        assert_sdk_headers(&received, &access_token);
    }
}

#[tokio::test]
async fn answers_are_parsed_by_content_type() {
    let upstream = Upstream::start().await;
    let conn = connection(&upstream, "/x");
    let get = InvokeConnectionRequest::new(RequestMethod::Get);

    upstream.reply(
        Reply::json(201, &json!({"token": "tok-1"}))
            .header("x-request-id", "req-1")
            .header("x-extra", "e"),
    );
    let response = conn.invoke(&get).await.unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.request_id(), Some("req-1"));
    assert_eq!(response.header("X-Extra"), Some("e"));
    assert_eq!(response.json(), Some(&json!({"token": "tok-1"})));

    upstream.reply(Reply::new(200, "application/xml", "<ok>1</ok>"));
    let response = conn.invoke(&get).await.unwrap();
    assert_eq!(response.text(), Some("<ok>1</ok>"));

    upstream.reply(Reply::new(
        200,
        "application/octet-stream",
        vec![0u8, 159, 146, 150],
    ));
    let response = conn.invoke(&get).await.unwrap();
    assert_eq!(
        response.body(),
        &ResponseBody::Bytes(vec![0u8, 159, 146, 150])
    );

    upstream.reply(Reply::new(204, "text/plain", ""));
    let response = conn.invoke(&get).await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(response.body(), &ResponseBody::Empty);

    // 3xx below 400 is an answer too (not followed without a Location).
    upstream.reply(Reply::new(304, "text/plain", ""));
    assert_eq!(conn.invoke(&get).await.unwrap().status(), 304);
}

#[tokio::test]
async fn error_answers_carry_status_message_and_request_id() {
    let upstream = Upstream::start().await;
    let conn = connection(&upstream, "/x");
    let post = InvokeConnectionRequest::new(RequestMethod::Post).body(json!({}));

    upstream.reply(
        Reply::json(
            402,
            &json!({"error": {"grpc_code": 9, "http_code": 402, "http_status": "Payment Required",
                    "message": "card declined", "details": []}}),
        )
        .header("x-request-id", "req-402"),
    );
    let err = conn.invoke(&post).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api);
    assert_eq!(err.status(), Some(402));
    assert_eq!(err.message(), "card declined");
    assert_eq!(err.request_id(), Some("req-402"));
    assert_eq!(err.grpc_code(), Some(9));
    assert_eq!(err.operation(), Some("InvokeConnectionRequest"));

    upstream.reply(
        Reply::json(500, &json!({"error": "processor down"}))
            .header("x-request-id", "req-500")
            .header("error-from-client", "true"),
    );
    let err = conn.invoke(&post).await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.message(), "processor down");
    assert_eq!(err.request_id(), Some("req-500"));
    assert_eq!(err.details(), [json!({"error_from_client": true})]);

    upstream.reply(Reply::new(503, "text/html", "<h1>down</h1>").header("x-request-id", "r3"));
    let err = conn.invoke(&post).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.request_id(), Some("r3"));
    assert!(err.message().contains("503"), "{}", err.message());
    assert!(!err.message().contains("down"), "bodies are never quoted");
}

#[tokio::test]
async fn an_unreachable_connection_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/pay", listener.local_addr().unwrap());
    drop(listener);
    let conn = connection_with(ConnectionConfig::new("gone", url));
    let err = conn
        .invoke(&InvokeConnectionRequest::new(RequestMethod::Get))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert_eq!(err.operation(), Some("InvokeConnectionRequest"));
}

#[tokio::test]
async fn validation_fails_before_anything_is_sent() {
    let upstream = Upstream::start().await;
    let conn = connection(&upstream, "/cards/{card_id}");
    let cases = [
        (
            InvokeConnectionRequest::new(RequestMethod::Get),
            "path_params.card_id",
        ),
        (
            InvokeConnectionRequest::new(RequestMethod::Get)
                .path_param("card_id", "1")
                .path_param("card", "1"),
            "path_params.card",
        ),
        (
            InvokeConnectionRequest::new(RequestMethod::Get)
                .path_param("card_id", "1")
                .header("x-bad", "a\r\nb"),
            "headers.x-bad",
        ),
        (
            InvokeConnectionRequest::new(RequestMethod::Post)
                .path_param("card_id", "1")
                .header("content-type", "text/xml")
                .body(json!({"0bad": 1})),
            "body.0bad",
        ),
    ];
    for (request, field) in cases {
        let err = conn.invoke(&request).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation);
        assert_eq!(err.field(), Some(field));
    }
    assert!(upstream.received().is_empty());
}

#[tokio::test]
async fn idempotent_methods_retry_with_the_connections_own_settings() {
    let upstream = Upstream::start().await;
    let config = ConnectionConfig::new("conn", upstream.url("/r")).with_retry(
        RetryConfig::standard()
            .with_max_attempts(3)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(5)),
    );
    // The client-wide setting (no retries) is overridden by the connection's.
    let conn = connection_with(config);
    upstream.reply(Reply::json(503, &json!({"error": "busy"})));
    upstream.reply(Reply::json(503, &json!({"error": "busy"})));
    let response = conn
        .invoke(&InvokeConnectionRequest::new(RequestMethod::Put).body(json!({"a": 1})))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(upstream.received().len(), 3);

    // POST and PATCH may have reached the connection: not sent twice.
    for method in [RequestMethod::Post, RequestMethod::Patch] {
        let before = upstream.received().len();
        upstream.reply(Reply::json(503, &json!({"error": "busy"})));
        let err = conn
            .invoke(&InvokeConnectionRequest::new(method).body(json!({"a": 1})))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(503));
        assert_eq!(upstream.received().len(), before + 1, "{method}");
    }
}

#[tokio::test]
async fn a_connection_timeout_stops_a_slow_upstream() {
    let upstream = Upstream::start().await;
    let config = ConnectionConfig::new("slow", upstream.url("/slow"))
        .with_timeout(TimeoutConfig::standard().with_overall(Duration::from_millis(200)));
    let conn = connection_with(config);
    upstream.reply(Reply::json(200, &json!({})).delay(Duration::from_secs(5)));
    let err = conn
        .invoke(&InvokeConnectionRequest::new(RequestMethod::Get))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}

#[tokio::test]
async fn debug_logs_and_errors_hold_no_values_tokens_or_credentials() {
    let (_guard, logs) = token_server::capture_logs();
    let upstream = Upstream::start().await;
    let conn = Skyflow::builder()
        .connection_config(ConnectionConfig::new("conn", upstream.url("/pay/{card}")))
        .credentials(Credentials::api_key(API_KEY))
        .log_level(skyflow_client::LogLevel::Debug)
        .build()
        .unwrap()
        .default_connection()
        .unwrap();
    let request = InvokeConnectionRequest::new(RequestMethod::Post)
        .path_param("card", "secret-path-1")
        .query_param("q", "secret-query-2")
        .header("x-card", "secret-header-3")
        .body(json!({"v": "secret-body-4"}));
    upstream.reply(
        Reply::json(400, &json!({"error": {"message": "declined"}})).header("x-request-id", "r-9"),
    );
    let err = conn.invoke(&request).await.unwrap_err();
    conn.invoke(&request).await.unwrap();
    let logged = logs.text();
    assert!(logged.contains("InvokeConnectionRequest"), "{logged}");
    assert!(
        logged.contains("r-9"),
        "the failure is logged with its request id: {logged}"
    );
    let text = format!("{logged}\n{err}\n{err:?}\n{request:?}");
    for secret in [
        "secret-path-1",
        "secret-query-2",
        "secret-header-3",
        "secret-body-4",
        API_KEY,
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}
