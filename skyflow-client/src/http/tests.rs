//! Transport tests against local axum stub servers on 127.0.0.1.

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};

use super::*;
use crate::auth::{Bearer, BearerSource};
use crate::config::{LogLevel, RetryConfig, TimeoutConfig};
use crate::logging::{Logger, capture};
use crate::{ErrorKind, Result};

// ----- helpers ---------------------------------------------------------------------------

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    format!("http://{addr}")
}

/// A bearer source that hands out `token-0`, then `token-1`, … on each refresh.
#[derive(Debug, Default)]
struct CountingSource {
    generation: AtomicUsize,
    refreshes: AtomicUsize,
}

#[async_trait::async_trait]
impl BearerSource for CountingSource {
    async fn bearer(&self) -> Result<Bearer> {
        Ok(Bearer::new(format!(
            "token-{}",
            self.generation.load(Ordering::SeqCst)
        )))
    }

    async fn refresh(&self, rejected: &Bearer) -> Result<Option<Bearer>> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        let current = format!("token-{}", self.generation.load(Ordering::SeqCst));
        if rejected.expose() == current {
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
        self.bearer().await.map(Some)
    }
}

/// A source that cannot refresh (like an API key).
#[derive(Debug)]
struct FixedSource(&'static str);

#[async_trait::async_trait]
impl BearerSource for FixedSource {
    async fn bearer(&self) -> Result<Bearer> {
        Ok(Bearer::new(self.0))
    }
    async fn refresh(&self, _rejected: &Bearer) -> Result<Option<Bearer>> {
        Ok(None)
    }
}

fn fast_retry(attempts: u32) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(attempts)
        .with_initial_backoff(Duration::from_millis(20))
        .with_max_backoff(Duration::from_secs(3))
}

fn transport_with(
    base_url: &str,
    source: Arc<dyn BearerSource>,
    retry: RetryConfig,
    timeout: TimeoutConfig,
    logger: Logger,
) -> Transport {
    Transport::new(
        Arc::new(HttpShared::new(logger)),
        base_url,
        source,
        retry,
        timeout,
        Arc::new(HeaderMap::new()),
        AuthStyle::Vault,
    )
    .unwrap()
}

fn transport(base_url: &str, source: Arc<dyn BearerSource>, retry: RetryConfig) -> Transport {
    transport_with(
        base_url,
        source,
        retry,
        TimeoutConfig::standard(),
        Logger::new(LogLevel::Off),
    )
}

/// A transport with API key `k`, three attempts and `timeouts`.
fn timing_out(base_url: &str, timeouts: TimeoutConfig) -> Transport {
    transport_with(
        base_url,
        Arc::new(FixedSource("k")),
        fast_retry(3),
        timeouts,
        Logger::new(LogLevel::Off),
    )
}

/// A transport without retries that sends `token` in the `style` of its API, with
/// client-wide `headers`.
fn styled(base_url: &str, token: &'static str, headers: HeaderMap, style: AuthStyle) -> Transport {
    Transport::new(
        Arc::new(HttpShared::new(Logger::new(LogLevel::Off))),
        base_url,
        Arc::new(FixedSource(token)),
        RetryConfig::disabled(),
        TimeoutConfig::standard(),
        Arc::new(headers),
        style,
    )
    .unwrap()
}

fn request(method: Method, path: &str, idempotent: bool) -> HttpRequest {
    HttpRequest {
        operation: "TestRequest",
        method,
        path: path.to_owned(),
        query: Vec::new(),
        body: Body::Empty,
        idempotent,
        headers: Vec::new(),
    }
}

/// Sends one idempotent `GET /v1/x` with API key `k` and `retry` to a server giving
/// `answers` in turn: what the call gave, and the server's script.
async fn get_from(
    answers: Vec<fn() -> Response>,
    retry: RetryConfig,
) -> (Result<HttpResponse>, Script) {
    let (base, script) = scripted_server(answers).await;
    let t = transport(&base, Arc::new(FixedSource("k")), retry);
    (t.send(&request(Method::Get, "/v1/x", true)).await, script)
}

/// Sends one idempotent `GET /v1/x` with API key `k` and `retry` to a server giving
/// `answers` in turn, logging at WARN: what the call gave, how many requests the server
/// saw, and the wait the transport announced before each retry (`"1s"`, `"200ms"`). The
/// wait is read from the transport's own log line, never measured on a clock.
async fn retried_get(
    answers: Vec<fn() -> Response>,
    retry: RetryConfig,
) -> (Result<HttpResponse>, usize, Vec<String>) {
    let (captured, _guard) = capture::install();
    let (base, script) = scripted_server(answers).await;
    let t = transport_with(
        &base,
        Arc::new(FixedSource("k")),
        retry,
        TimeoutConfig::standard(),
        Logger::new(LogLevel::Warn),
    );
    let result = t.send(&request(Method::Get, "/v1/x", true)).await;
    let waits = captured
        .text()
        .split("retrying in ")
        .skip(1)
        .filter_map(|rest| rest.split_whitespace().next().map(str::to_owned))
        .collect();
    (result, script.hits(), waits)
}

fn envelope(status: StatusCode, grpc: i32, message: &str) -> Response {
    let body = serde_json::json!({"error": {
        "grpc_code": grpc,
        "http_code": status.as_u16(),
        "http_status": status.canonical_reason(),
        "message": message,
        "details": []
    }});
    (status, [("x-request-id", "stub-req")], axum::Json(body)).into_response()
}

/// Counts hits and answers each with the next canned response, repeating the last one.
#[derive(Clone)]
struct Script {
    hits: Arc<AtomicUsize>,
    answers: Arc<Vec<fn() -> Response>>,
}

impl Script {
    fn new(answers: Vec<fn() -> Response>) -> Self {
        Script {
            hits: Arc::default(),
            answers: Arc::new(answers),
        }
    }
    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn scripted(State(script): State<Script>) -> Response {
    let n = script.hits.fetch_add(1, Ordering::SeqCst);
    let answer = script.answers[n.min(script.answers.len() - 1)];
    answer()
}

fn ok_json() -> Response {
    (
        [("x-request-id", "ok-req")],
        axum::Json(serde_json::json!({"ok": true})),
    )
        .into_response()
}

fn unavailable() -> Response {
    envelope(StatusCode::SERVICE_UNAVAILABLE, 14, "try later")
}

async fn scripted_server(answers: Vec<fn() -> Response>) -> (String, Script) {
    let script = Script::new(answers);
    let router = Router::new()
        .route("/v1/{*rest}", any(scripted))
        .with_state(script.clone());
    (serve(router).await, script)
}

// ----- auth refresh ----------------------------------------------------------------------

#[tokio::test]
async fn expired_token_401_is_retried_once_with_a_fresh_token() {
    async fn handler(headers: HeaderMap) -> Response {
        match headers.get("authorization").and_then(|v| v.to_str().ok()) {
            Some("Bearer token-1") => ok_json(),
            _ => envelope(
                StatusCode::UNAUTHORIZED,
                16,
                "Authentication failed. Bearer token is expired.",
            ),
        }
    }
    let base = serve(Router::new().route("/v1/x", post(handler))).await;
    let source = Arc::new(CountingSource::default());
    // No ordinary retries: the 401 resend must not depend on them, and it applies to a
    // non-idempotent POST too.
    let t = transport(&base, source.clone(), RetryConfig::disabled());
    let response = t
        .send(&request(Method::Post, "/v1/x", false))
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.request_id.as_deref(), Some("ok-req"));
    assert_eq!(source.refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_second_401_is_returned_not_retried_forever() {
    let (base, script) = scripted_server(vec![|| {
        envelope(StatusCode::UNAUTHORIZED, 16, "Bearer token is expired")
    }])
    .await;
    let source = Arc::new(CountingSource::default());
    let t = transport(&base, source.clone(), fast_retry(3));
    let err = t
        .send(&request(Method::Get, "/v1/x", true))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(err.is_auth());
    assert_eq!(source.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(script.hits(), 2, "the original and one resend");
}

/// A 401 the source cannot refresh (an API key) and a 400 are answered after one call.
#[tokio::test]
async fn a_401_without_refresh_and_client_errors_are_returned_immediately() {
    let cases: [(fn() -> Response, u16); 2] = [
        (|| envelope(StatusCode::UNAUTHORIZED, 16, "bad key"), 401),
        (|| envelope(StatusCode::BAD_REQUEST, 3, "bad table"), 400),
    ];
    for (answer, status) in cases {
        let (err, script) = get_from(vec![answer], fast_retry(3)).await;
        assert_eq!(err.unwrap_err().status(), Some(status));
        assert_eq!(script.hits(), 1, "http {status} is not retried");
    }
}

// ----- retries ---------------------------------------------------------------------------

#[tokio::test]
async fn a_503_then_200_succeeds_after_backoff() {
    let retry = RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(200))
        .with_jitter(false);
    let (response, hits, waits) = retried_get(vec![unavailable, ok_json], retry).await;
    assert_eq!(response.unwrap().status, 200);
    assert_eq!(hits, 2);
    assert_eq!(waits, ["200ms"], "one retry, after the initial backoff");
}

#[tokio::test]
async fn retries_stop_at_max_attempts_and_return_the_last_error() {
    let (err, script) = get_from(vec![unavailable], fast_retry(3)).await;
    let err = err.unwrap_err();
    assert_eq!(script.hits(), 3);
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.grpc_code(), Some(14));
    assert_eq!(err.operation(), Some("TestRequest"));
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let answers: Vec<fn() -> Response> = vec![
        || {
            (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "1")],
                axum::Json(serde_json::json!({"error": {"message": "slow down"}})),
            )
                .into_response()
        },
        ok_json,
    ];
    // The computed backoff would be at most 20 ms; the server asks for a full second.
    let (response, hits, waits) = retried_get(answers, fast_retry(2)).await;
    response.unwrap();
    assert_eq!(hits, 2);
    assert_eq!(waits, ["1s"]);
}

fn unavailable_retry_after_1s() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [("retry-after", "1")],
        axum::Json(serde_json::json!({"error": {"message": "come back in a second"}})),
    )
        .into_response()
}

#[tokio::test]
async fn retry_after_longer_than_max_backoff_is_still_honoured() {
    let retry = fast_retry(2).with_max_backoff(Duration::from_millis(50));
    let (response, hits, waits) =
        retried_get(vec![unavailable_retry_after_1s, ok_json], retry).await;
    response.unwrap();
    assert_eq!(hits, 2);
    assert_eq!(waits, ["1s"], "not cut to the 50 ms maximum backoff");
}

#[tokio::test]
async fn retry_after_beyond_the_overall_timeout_returns_the_error_without_retrying() {
    let (base, script) = scripted_server(vec![
        || {
            (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "120"), ("x-request-id", "busy-req")],
                axum::Json(serde_json::json!({"error": {"message": "slow down"}})),
            )
                .into_response()
        },
        ok_json,
    ])
    .await;
    let t = transport_with(
        &base,
        Arc::new(FixedSource("k")),
        fast_retry(3),
        TimeoutConfig::standard().with_overall(Duration::from_secs(5)),
        Logger::new(LogLevel::Off),
    );
    let err = t
        .send(&request(Method::Get, "/v1/x", true))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429), "{err}");
    assert_eq!(err.request_id(), Some("busy-req"));
    assert!(!err.is_timeout());
    assert_eq!(script.hits(), 1);
}

#[tokio::test]
async fn non_idempotent_post_is_not_retried_on_503() {
    let (base, script) = scripted_server(vec![unavailable, ok_json]).await;
    let t = transport(&base, Arc::new(FixedSource("k")), fast_retry(3));
    let err = t
        .send(&request(Method::Post, "/v1/x", false))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        script.hits(),
        1,
        "an insert that reached the server must not be resent"
    );
}

#[tokio::test]
async fn non_idempotent_post_is_retried_when_the_connection_was_refused() {
    // Reserve a port, free it, and only start listening on it after the first attempt
    // has been refused.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let script = Script::new(vec![ok_json]);
    let router = Router::new()
        .route("/v1/{*rest}", any(scripted))
        .with_state(script.clone());
    let server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        axum::serve(listener, router).await.unwrap();
    });
    let retry = RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(900))
        .with_jitter(false);
    let t = transport(&base, Arc::new(FixedSource("k")), retry);
    let response = t
        .send(&request(Method::Post, "/v1/x", false))
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        script.hits(),
        1,
        "the refused attempt never reached the server"
    );
    server.abort();
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let t = transport(
        &format!("http://127.0.0.1:{port}"),
        Arc::new(FixedSource("k")),
        RetryConfig::disabled(),
    );
    let err = t
        .send(&request(Method::Get, "/v1/x", true))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert_eq!(err.status(), None);
    assert_eq!(err.operation(), Some("TestRequest"));
    assert!(!err.to_string().contains("127.0.0.1"), "{err}");
}

// ----- timeouts --------------------------------------------------------------------------

#[tokio::test]
async fn a_slow_server_produces_a_timeout_error() {
    async fn slow() -> Response {
        tokio::time::sleep(Duration::from_secs(10)).await;
        ok_json()
    }
    let base = serve(Router::new().route("/v1/x", get(slow))).await;
    let t = timing_out(
        &base,
        TimeoutConfig::standard().with_overall(Duration::from_millis(300)),
    );
    // Were the timeout ignored, the server would answer 200 after 10 s and this would fail.
    let err = t
        .send(&request(Method::Get, "/v1/x", true))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.operation(), Some("TestRequest"));
}

/// Hangs on the first request (far longer than any test), answers the others at once.
async fn hangs_first_time_server() -> (String, Arc<AtomicUsize>) {
    async fn handler(State(hits): State<Arc<AtomicUsize>>) -> Response {
        if hits.fetch_add(1, Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_secs(120)).await;
        }
        ok_json()
    }
    let hits = Arc::new(AtomicUsize::new(0));
    let router = Router::new()
        .route("/v1/{*rest}", any(handler))
        .with_state(hits.clone());
    (serve(router).await, hits)
}

/// A transport to [`hangs_first_time_server`] whose attempts time out after 300 ms.
async fn hung_first_attempt() -> (Transport, Arc<AtomicUsize>) {
    let (base, hits) = hangs_first_time_server().await;
    let timeouts = TimeoutConfig::standard()
        .with_overall(Duration::from_secs(20))
        .with_attempt_timeout(Duration::from_millis(300));
    (timing_out(&base, timeouts), hits)
}

#[tokio::test]
async fn a_hung_attempt_is_abandoned_and_retried_when_idempotent() {
    let (t, hits) = hung_first_attempt().await;
    // Were the attempt not abandoned, the overall timeout (20 s) would end the call in error.
    let response = t.send(&request(Method::Get, "/v1/x", true)).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_hung_non_idempotent_attempt_is_a_timeout_and_not_resent() {
    let (t, hits) = hung_first_attempt().await;
    let err = t
        .send(&request(Method::Post, "/v1/x", false))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.message().contains("attempt timeout"), "{err}");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[test]
fn a_zero_attempt_timeout_is_a_config_error() {
    let err = TimeoutConfig::standard()
        .with_attempt_timeout(Duration::ZERO)
        .validate()
        .unwrap_err();
    assert!(err.is_config());
    assert_eq!(err.field(), Some("attempt_timeout"));
}

// ----- error decoding through the transport ----------------------------------------------

#[tokio::test]
async fn error_envelopes_decode_into_every_field() {
    let base = serve(Router::new().route(
        "/v1/x",
        get(|| async {
            (
                StatusCode::NOT_FOUND,
                [("x-request-id", "req-404")],
                axum::Json(serde_json::json!({"error": {
                    "grpc_code": 5,
                    "http_code": 404,
                    "http_status": "Not Found",
                    "message": "No Records Found",
                    "details": [{"@type": "type.googleapis.com/x", "field": "skyflow_id"}]
                }})),
            )
        }),
    ))
    .await;
    let t = transport(&base, Arc::new(FixedSource("k")), fast_retry(3));
    let err = t
        .send(&request(Method::Get, "/v1/x", true))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api);
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.http_code(), Some(404));
    assert_eq!(err.grpc_code(), Some(5));
    assert_eq!(err.http_status(), Some("Not Found"));
    assert_eq!(err.message(), "No Records Found");
    assert_eq!(err.request_id(), Some("req-404"));
    assert_eq!(err.operation(), Some("TestRequest"));
    assert_eq!(
        err.details(),
        &[serde_json::json!({"@type": "type.googleapis.com/x", "field": "skyflow_id"})]
    );
    assert!(err.is_not_found());
}

#[tokio::test]
async fn non_json_502_and_empty_bodies_carry_status_and_request_id() {
    let base = serve(
        Router::new()
            .route(
                "/v1/html",
                get(|| async {
                    (
                        StatusCode::BAD_GATEWAY,
                        [("x-request-id", "gw-502"), ("content-type", "text/html")],
                        "<html><body>Bad gateway</body></html>",
                    )
                }),
            )
            .route(
                "/v1/empty",
                get(|| async {
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        [("x-request-id", "e-500")],
                    )
                }),
            ),
    )
    .await;
    let t = transport(&base, Arc::new(FixedSource("k")), RetryConfig::disabled());
    let err = t
        .send(&request(Method::Get, "/v1/html", true))
        .await
        .unwrap_err();
    assert!(err.is_api(), "{err:?}");
    assert_eq!(err.status(), Some(502));
    assert_eq!(err.http_code(), Some(502));
    assert_eq!(err.request_id(), Some("gw-502"));
    assert!(!err.message().contains("<html>"));

    let err = t
        .send(&request(Method::Get, "/v1/empty", true))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.request_id(), Some("e-500"));
}

// ----- headers, query and bodies ---------------------------------------------------------

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<HeaderMap>>>);

async fn record_headers(State(seen): State<Seen>, headers: HeaderMap) -> Response {
    seen.0.lock().unwrap().push(headers);
    ok_json()
}

impl Seen {
    /// Sends `req` with the per-call header `(name, value)` through `t`; the headers the
    /// server received.
    async fn headers_of(
        &self,
        t: &Transport,
        mut req: HttpRequest,
        header: (&str, &str),
    ) -> HeaderMap {
        req.headers = vec![(header.0.into(), header.1.into())];
        t.send(&req).await.unwrap();
        self.0.lock().unwrap().pop().unwrap()
    }
}

#[tokio::test]
async fn authorization_sky_metadata_and_allowed_custom_headers_are_sent() {
    let seen = Seen::default();
    let base = serve(
        Router::new()
            .route("/v1/x", get(record_headers))
            .with_state(seen.clone()),
    )
    .await;
    let mut client_headers = HeaderMap::new();
    client_headers.insert("x-skyflow-account-id", "acc-1".parse().unwrap());
    let t = styled(
        &base,
        "secret-token-value",
        client_headers,
        AuthStyle::Vault,
    );
    let req = request(Method::Get, "/v1/x", true);
    let headers = seen
        .headers_of(&t, req, ("X-Request-Id", "caller-req-7"))
        .await;
    assert_eq!(headers["authorization"], "Bearer secret-token-value");
    assert_eq!(headers["x-request-id"], "caller-req-7");
    assert_eq!(headers["x-skyflow-account-id"], "acc-1");
    let meta_text = headers["sky-metadata"].to_str().unwrap();
    assert!(
        meta_text.starts_with(&format!(
            "{{\"sdk_name_version\": \"skyflow-rust@{}\", \"sdk_client_device_model\": ",
            env!("CARGO_PKG_VERSION")
        )),
        "{meta_text}"
    );
    let meta: serde_json::Value = serde_json::from_str(meta_text).unwrap();
    assert_eq!(
        meta["sdk_name_version"],
        format!("skyflow-rust@{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        meta["sdk_client_os_details"],
        transport::python_platform(std::env::consts::OS)
    );
    assert!(meta["sdk_client_device_model"].is_string());
    assert!(
        meta["sdk_runtime_details"]
            .as_str()
            .unwrap()
            .starts_with("Rust"),
        "{meta}"
    );

    // A header outside the allow-list is rejected before anything is sent.
    let mut bad = request(Method::Get, "/v1/x", true);
    bad.headers = vec![("x-api-key".into(), "v".into())];
    let err = t.send(&bad).await.unwrap_err();
    assert!(err.is_validation());
    assert_eq!(err.field(), Some("headers"));
    assert_eq!(err.operation(), Some("TestRequest"));
    assert_eq!(seen.0.lock().unwrap().len(), 0, "nothing was sent");
}

#[test]
fn sky_metadata_is_written_like_python_json_dumps() {
    assert_eq!(
        transport::metadata_text(
            "skyflow-rust@0.1.0",
            "my-host",
            "linux",
            "Rust rustc 1.88.0"
        ),
        "{\"sdk_name_version\": \"skyflow-rust@0.1.0\", \"sdk_client_device_model\": \"my-host\", \
         \"sdk_client_os_details\": \"linux\", \"sdk_runtime_details\": \"Rust rustc 1.88.0\"}"
    );
    // Quotes, backslashes, control and non-ASCII characters are escaped as Python does.
    let text = transport::metadata_text("a\"b", "h\u{f4}te\\x", "\u{1F600}", "tab\there");
    assert!(text.contains(r#""a\"b""#), "{text}");
    assert!(text.contains(r#""h\u00f4te\\x""#), "{text}");
    assert!(text.contains(r#""\ud83d\ude00""#), "{text}");
    assert!(text.contains(r#""tab\there""#), "{text}");
    assert!(text.is_ascii());
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed["sdk_client_device_model"], "h\u{f4}te\\x");
    assert_eq!(parsed["sdk_client_os_details"], "\u{1F600}");

    assert_eq!(transport::python_platform("linux"), "linux");
    assert_eq!(transport::python_platform("macos"), "darwin");
    assert_eq!(transport::python_platform("windows"), "win32");
    assert_eq!(transport::python_platform("freebsd"), "freebsd");
}

#[tokio::test]
async fn the_bearer_token_never_appears_in_transport_debug_logs_or_errors() {
    const TOKEN: &str = "tok-9f8e7d6c5b4a-never-print-me";
    // The real source API keys and static tokens use.
    let static_source = |token: &str| -> Arc<dyn BearerSource> {
        Arc::new(crate::auth::StaticSource::api_key(
            token,
            Logger::new(LogLevel::Off),
        ))
    };
    let (captured, _guard) = capture::install();
    let (base, _script) = scripted_server(vec![unavailable, || {
        envelope(StatusCode::UNAUTHORIZED, 16, "Bearer token is invalid")
    }])
    .await;
    let t = transport_with(
        &base,
        static_source(TOKEN),
        fast_retry(2),
        TimeoutConfig::standard(),
        Logger::new(LogLevel::Debug),
    );
    let mut req = request(Method::Post, "/v1/x", true);
    req.headers = vec![("x-request-id".into(), "caller-1".into())];
    let req = &req;
    let err = t
        .perform("InsertRequest", |x| async move { x.send(req).await })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));

    // A connection-style transport puts the token in `x-skyflow-authorization`.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let refused = Transport::new(
        Arc::new(HttpShared::new(Logger::new(LogLevel::Debug))),
        &format!("http://127.0.0.1:{port}"),
        static_source(TOKEN),
        RetryConfig::disabled(),
        TimeoutConfig::standard(),
        Arc::new(HeaderMap::new()),
        AuthStyle::Connection,
    )
    .unwrap();
    let refused_err = refused
        .perform(
            "InvokeConnectionRequest",
            |x| async move { x.send(req).await },
        )
        .await
        .unwrap_err();
    assert!(refused_err.is_transport(), "{refused_err}");

    let logs = captured.text();
    assert!(logs.contains("DEBUG"), "{logs}");
    assert!(logs.contains("InsertRequest resulted in failure"), "{logs}");
    let shown = [
        logs,
        format!("{t:?}"),
        format!("{refused:?}"),
        format!("{req:?}"),
        format!("{err} {err:?}"),
        format!("{refused_err} {refused_err:?}"),
    ];
    for text in shown {
        assert!(!text.contains(TOKEN), "token leaked into: {text}");
        assert!(!text.contains("9f8e7d6c5b4a"), "token leaked into: {text}");
    }
}

#[tokio::test]
async fn query_repeats_keys_and_json_and_multipart_bodies_arrive() {
    async fn echo_query(
        axum::extract::RawQuery(q): axum::extract::RawQuery,
    ) -> axum::Json<serde_json::Value> {
        axum::Json(serde_json::json!({ "query": q }))
    }
    async fn echo_json(
        headers: HeaderMap,
        axum::Json(body): axum::Json<serde_json::Value>,
    ) -> axum::Json<serde_json::Value> {
        axum::Json(serde_json::json!({
            "content_type": headers["content-type"].to_str().unwrap(),
            "body": body,
        }))
    }
    async fn echo_multipart(mut multipart: Multipart) -> axum::Json<serde_json::Value> {
        let mut parts = Vec::new();
        while let Some(field) = multipart.next_field().await.unwrap() {
            let name = field.name().unwrap_or("").to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(str::to_owned);
            let text = String::from_utf8(field.bytes().await.unwrap().to_vec()).unwrap();
            parts.push(serde_json::json!([name, file_name, content_type, text]));
        }
        axum::Json(serde_json::json!(parts))
    }
    let base = serve(
        Router::new()
            .route("/v1/q", get(echo_query))
            .route("/v1/j", post(echo_json))
            .route("/v1/m", post(echo_multipart)),
    )
    .await;
    let t = transport(&base, Arc::new(FixedSource("k")), RetryConfig::disabled());

    let mut req = request(Method::Get, "/v1/q", true);
    req.query = vec![
        (Cow::Borrowed("skyflow_ids"), "a b".into()),
        (Cow::Borrowed("skyflow_ids"), "c/d@e".into()),
        (Cow::Borrowed("tokenization"), "true".into()),
    ];
    let resp: serde_json::Value = json_body("TestRequest", &t.send(&req).await.unwrap()).unwrap();
    assert_eq!(
        resp["query"],
        "skyflow_ids=a+b&skyflow_ids=c%2Fd%40e&tokenization=true"
    );

    let mut req = request(Method::Post, "/v1/j", false);
    req.body =
        Body::Json(serde_json::json!({"records": [{"fields": {"name": "x"}}], "upsert": null}));
    let resp: serde_json::Value = json_body("TestRequest", &t.send(&req).await.unwrap()).unwrap();
    assert_eq!(resp["content_type"], "application/json");
    assert_eq!(resp["body"]["upsert"], serde_json::Value::Null);
    assert!(resp["body"].as_object().unwrap().contains_key("upsert"));
    assert_eq!(resp["body"]["records"][0]["fields"]["name"], "x");

    let mut req = request(Method::Post, "/v1/m", false);
    req.body = Body::Multipart(vec![
        Part::Text {
            name: "columnName".into(),
            value: "file".into(),
        },
        Part::File {
            name: "file".into(),
            file_name: "notes.txt".into(),
            content_type: "text/plain".into(),
            bytes: bytes::Bytes::from_static(b"hello"),
        },
    ]);
    let resp: serde_json::Value = json_body("TestRequest", &t.send(&req).await.unwrap()).unwrap();
    assert_eq!(
        resp,
        serde_json::json!([
            ["columnName", null, null, "file"],
            ["file", "notes.txt", "text/plain", "hello"]
        ])
    );
}

#[tokio::test]
async fn connection_style_uses_x_skyflow_authorization_and_any_header() {
    let seen = Seen::default();
    let base = serve(
        Router::new()
            .route(
                "/route/fail",
                post(|| async {
                    (
                        StatusCode::BAD_REQUEST,
                        [("error-from-client", "true"), ("x-request-id", "c-1")],
                        axum::Json(serde_json::json!({"error": "card declined"})),
                    )
                }),
            )
            .route("/route/{*rest}", post(record_headers))
            .with_state(seen.clone()),
    )
    .await;
    let t = styled(
        &format!("{base}/route/"),
        "conn-token",
        HeaderMap::new(),
        AuthStyle::Connection,
    );
    let req = request(Method::Post, "/pay", false);
    let headers = seen.headers_of(&t, req, ("X-Merchant", "m-1")).await;
    assert_eq!(headers["x-skyflow-authorization"], "conn-token");
    assert!(headers.get("authorization").is_none());
    assert_eq!(headers["x-merchant"], "m-1");
    assert!(headers.contains_key("sky-metadata"));

    let err = t
        .send(&request(Method::Post, "/fail", false))
        .await
        .unwrap_err();
    assert_eq!(err.message(), "card declined");
    assert_eq!(err.request_id(), Some("c-1"));
    assert_eq!(
        err.details(),
        &[serde_json::json!({"error_from_client": true})]
    );
}

// ----- logging ---------------------------------------------------------------------------

#[tokio::test]
async fn perform_logs_stages_and_failures_without_secrets() {
    let (captured, _guard) = capture::install();
    let (base, _script) = scripted_server(vec![unavailable, ok_json]).await;
    let logger = Logger::new(LogLevel::Debug);
    let t = transport_with(
        &base,
        Arc::new(FixedSource("sky-secret-api-key-value")),
        fast_retry(2),
        TimeoutConfig::standard(),
        logger.clone(),
    );
    let value: serde_json::Value = t
        .perform("InsertRequest", |x| async move {
            let mut req = request(Method::Put, "/v1/vaults/v1/persons", true);
            req.query = vec![(Cow::Borrowed("column_values"), "4111-1111-secret".into())];
            req.body = Body::Json(serde_json::json!({"card": "4111111111111111"}));
            json_body("InsertRequest", &x.send(&req).await?)
        })
        .await
        .unwrap();
    assert_eq!(value["ok"], true);

    let failed = t
        .perform("GetRequest", |x| async move {
            let req: HttpRequest = Err(crate::Error::validation("GetRequest", "table", "empty"))?;
            json_body::<serde_json::Value>("GetRequest", &x.send(&req).await?)
        })
        .await
        .unwrap_err();
    assert!(failed.is_validation());

    let text = captured.text();
    for stage in [
        "InsertRequest: validating request",
        "InsertRequest: request resolved",
        "InsertRequest: method triggered",
        "InsertRequest: success",
        "GetRequest: validating request",
        "GetRequest resulted in failure",
    ] {
        assert!(text.contains(stage), "missing {stage:?} in\n{text}");
    }
    assert!(text.contains("retrying"), "{text}");
    assert!(text.contains("HTTP 503"), "{text}");
    for secret in ["sky-secret-api-key-value", "4111", "secret"] {
        assert!(!text.contains(secret), "{secret} leaked into\n{text}");
    }

    // At ERROR (the default) the stage lines disappear, at runtime.
    logger.set_level(LogLevel::Error);
    let before = captured.text().len();
    t.perform("QueryRequest", |x| async move {
        x.send(&request(Method::Get, "/v1/x", true)).await.map(drop)
    })
    .await
    .unwrap();
    assert_eq!(captured.text().len(), before, "{}", captured.text());
}

// ----- spans ------------------------------------------------------------------------------

/// Every operation runs in a `skyflow.operation` span and every HTTP call in a
/// `skyflow.request` span, with structured fields a subscriber can filter on; no field
/// holds a value, token or credential.
#[tokio::test]
async fn operations_and_requests_run_in_spans_with_structured_fields() {
    let (captured, _guard) = capture::install_with_span_close();
    let (base, _script) = scripted_server(vec![unavailable, ok_json]).await;
    let t = transport_with(
        &base,
        Arc::new(FixedSource("sky-secret-api-key-value")),
        fast_retry(2),
        TimeoutConfig::standard(),
        Logger::new(LogLevel::Error),
    )
    .for_target("vault_id", "v-spans");
    t.perform("GetRequest", |x| async move {
        let mut req = request(Method::Get, "/v1/vaults/v-spans/persons", true);
        req.query = vec![(Cow::Borrowed("skyflow_ids"), "secret-id-value".into())];
        x.send_batch(3, &req).await
    })
    .await
    .unwrap();
    let failed = t
        .perform("DeleteRequest", |x| async move {
            x.send(&request(Method::Delete, "/nowhere", true)).await
        })
        .await
        .unwrap_err();
    assert!(failed.is_api(), "{failed:?}");

    let text = captured.text();
    let line = |needle: &str| {
        text.lines()
            .find(|l| {
                let is_request = l.contains("skyflow.request{");
                l.contains(needle)
                    && l.contains("close")
                    && is_request == needle.contains("request{")
            })
            .unwrap_or_else(|| panic!("no closed span with {needle:?} in\n{text}"))
            .to_owned()
    };
    // (the closed span found by a needle, the fields it must carry)
    let spans: [(&str, &[&str]); 3] = [
        (
            "skyflow.request{method=\"GET\"",
            &[
                "batch=3",
                "status=200",
                "request_id=\"ok-req\"",
                "duration_ms=",
            ],
        ),
        (
            "operation=\"GetRequest\"",
            &[
                "skyflow.operation{",
                "vault_id=\"v-spans\"",
                "outcome=\"success\"",
                "duration_ms=",
            ],
        ),
        (
            "operation=\"DeleteRequest\"",
            &["outcome=\"failure\"", "status=404"],
        ),
    ];
    for (needle, fields) in spans {
        let span = line(needle);
        for field in fields {
            assert!(span.contains(field), "{field} missing in {span}");
        }
    }
    for secret in ["sky-secret-api-key-value", "secret-id-value"] {
        assert!(!text.contains(secret), "{secret} leaked into\n{text}");
    }

    // At `Off` the client makes no span at all.
    t.shared_logger().set_level(LogLevel::Off);
    let before = captured.text().len();
    t.perform_one(&request(Method::Get, "/v1/x", true))
        .await
        .unwrap();
    assert_eq!(captured.text().len(), before, "{}", captured.text());
}
