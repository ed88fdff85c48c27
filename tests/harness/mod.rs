//! Runs an example against the embedded emulator through a recording proxy, and checks
//! that nothing it printed or logged is a secret.
//!
//! The proxy sits between the example's client and the emulator and keeps every secret
//! that crosses it: the API key or bearer token of each request, the values and tokens in
//! request bodies (records, BYOT tokens, tokens to detokenize, values to tokenize, lookup
//! values in the query string, uploaded file contents) and the tokens in answers. The
//! emulator's own credentials (API key, the service account's private key and ids) are
//! added, and so are shapes that are secret wherever they appear: JWTs (bearer and signed
//! data tokens), PEM private keys and API keys. The example's output and every SDK log
//! line it caused (the client logs at DEBUG for the run) must contain none of them.

use std::collections::BTreeSet;
use std::future::IntoFuture;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use skyflow::LogLevel;
use skyflow_emulator::{Emulator, EmulatorOptions};
use tracing::instrument::WithSubscriber;

use crate::support::{self, BoxError, LogCapture, Target};

/// Strings shorter than this are not treated as secrets (too likely to occur by chance:
/// `CA`, `true`, `42`).
const MIN_SECRET_LEN: usize = 5;

/// What a run printed and logged, and the secrets it used.
pub struct Run {
    /// The example's output.
    pub output: String,
    /// The SDK's log lines during the run.
    pub logs: String,
    /// Every secret seen.
    pub secrets: BTreeSet<String>,
}

impl Run {
    /// The output's lines.
    pub fn lines(&self) -> Vec<&str> {
        self.output.lines().collect()
    }

    /// Panics if the output or the logs hold a secret.
    pub fn assert_no_secrets(&self) {
        for (what, text) in [("output", &self.output), ("logs", &self.logs)] {
            let found = leaks(text, &self.secrets);
            assert!(
                found.is_empty(),
                "the example's {what} holds secrets {found:?}:\n{text}"
            );
        }
    }
}

/// Runs `example` on a fresh emulator started with `options`, behind the recording proxy,
/// with the client logging at DEBUG into a capture.
pub async fn run(
    options: EmulatorOptions,
    example: impl AsyncFnOnce(&Target, &mut Vec<u8>) -> Result<(), BoxError>,
) -> Run {
    let emulator = Emulator::start(options).await.expect("the emulator starts");
    let recorder = Recorder::default();
    recorder.add_emulator(&emulator);
    let proxy = start_proxy(emulator.vault_url(), recorder.clone()).await;
    let target = support::on_emulator(emulator, &proxy).expect("the client is built");

    let logs = LogCapture::default();
    let mut out = Vec::new();
    let result = async {
        target.client().set_log_level(LogLevel::Debug);
        example(&target, &mut out).await
    }
    .with_subscriber(logs.subscriber(tracing::Level::TRACE))
    .await;
    let output = String::from_utf8(out).expect("the output is UTF-8");
    let logs = logs.take().join("\n");
    if let Err(err) = result {
        panic!("the example failed: {err}\n--- output:\n{output}\n--- logs:\n{logs}");
    }
    target.shutdown().await;
    // Shown with `cargo test --test examples -- --nocapture`.
    println!("{output}");
    Run {
        output,
        logs,
        secrets: recorder.secrets(),
    }
}

/// The secrets of `secrets` found in `text`, plus any JWT, PEM key or API key in it.
pub fn leaks(text: &str, secrets: &BTreeSet<String>) -> Vec<String> {
    let mut found: Vec<String> = secrets
        .iter()
        .filter(|s| text.contains(s.as_str()))
        .cloned()
        .collect();
    for shape in ["eyJ", "-----BEGIN", "signed_token_", "privateKey"] {
        if text.contains(shape) {
            found.push(format!("something shaped like a secret ({shape}…)"));
        }
    }
    if has_api_key_shape(text) {
        found.push("something shaped like an API key (sky-…)".to_owned());
    }
    found
}

/// `sky-` followed by 5 alphanumerics, `-` and 32 hex digits.
fn has_api_key_shape(text: &str) -> bool {
    text.match_indices("sky-").any(|(at, _)| {
        let rest = &text.as_bytes()[at + 4..];
        rest.len() >= 38
            && rest[..5].iter().all(u8::is_ascii_alphanumeric)
            && rest[5] == b'-'
            && rest[6..38].iter().all(u8::is_ascii_hexdigit)
    })
}

/// The secrets seen so far, shared by the proxy's requests.
#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<BTreeSet<String>>>);

impl Recorder {
    fn add(&self, secret: &str) {
        let secret = secret.trim();
        if secret.chars().count() >= MIN_SECRET_LEN {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(secret.to_owned());
        }
    }

    /// The secrets recorded.
    pub fn secrets(&self) -> BTreeSet<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The emulator's API key and its service account's private key, client id and key id.
    fn add_emulator(&self, emulator: &Emulator) {
        self.add(emulator.api_key());
        self.add(emulator.credentials_json());
        let creds: Value =
            serde_json::from_str(emulator.credentials_json()).expect("credentials JSON");
        for key in ["clientID", "keyID"] {
            self.add(creds[key].as_str().unwrap_or_default());
        }
        let pem = creds["privateKey"].as_str().unwrap_or_default();
        for line in pem.lines().filter(|l| !l.starts_with("-----")) {
            self.add(line);
        }
    }

    /// Every string leaf under `value`.
    fn add_leaves(&self, value: &Value) {
        match value {
            Value::String(s) => self.add(s),
            Value::Array(items) => items.iter().for_each(|v| self.add_leaves(v)),
            Value::Object(map) => map
                .iter()
                .filter(|(k, _)| k.as_str() != "skyflow_id")
                .for_each(|(_, v)| self.add_leaves(v)),
            _ => {}
        }
    }

    /// The secrets in a JSON body: everything under `fields` (requests only, or answers
    /// that hold tokens), `tokens`, `tokenized_data`, `token`, `value` (requests), and the
    /// token endpoint's `assertion` and `accessToken`.
    fn add_json(&self, value: &Value, request: bool, fields_are_tokens: bool) {
        match value {
            Value::Array(items) => items
                .iter()
                .for_each(|v| self.add_json(v, request, fields_are_tokens)),
            Value::Object(map) => {
                for (key, v) in map {
                    let secret = match key.as_str() {
                        "fields" => request || fields_are_tokens,
                        "value" => request,
                        "tokens" | "tokenized_data" | "token" | "assertion" | "accessToken" => true,
                        _ => false,
                    };
                    if secret {
                        self.add_leaves(v);
                    } else {
                        self.add_json(v, request, fields_are_tokens);
                    }
                }
            }
            _ => {}
        }
    }

    /// The credential of a request: `Bearer <key or token>`.
    fn add_headers(&self, headers: &HeaderMap) {
        for name in ["authorization", "x-skyflow-authorization"] {
            if let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()) {
                self.add(value.strip_prefix("Bearer ").unwrap_or(value));
            }
        }
    }

    /// Lookup values in a query string (`column_values`).
    fn add_query(&self, query: &str) {
        let url = reqwest::Url::parse(&format!("http://x/?{query}")).expect("a query string");
        for (key, value) in url.query_pairs() {
            if key == "column_values" {
                self.add(&value);
            }
        }
    }

    /// The `file` part of a multipart body.
    fn add_multipart(&self, content_type: &str, body: &[u8]) {
        let Some(boundary) = content_type.split("boundary=").nth(1) else {
            return;
        };
        let body = String::from_utf8_lossy(body);
        for part in body.split(&format!("--{boundary}")) {
            if let Some((head, content)) = part.split_once("\r\n\r\n")
                && head.contains("name=\"file\"")
            {
                self.add(content.trim_end_matches("\r\n"));
            }
        }
    }
}

struct Proxy {
    upstream: String,
    http: reqwest::Client,
    recorder: Recorder,
}

/// Starts the recording proxy in front of `upstream`; returns its base URL.
async fn start_proxy(upstream: &str, recorder: Recorder) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("the proxy binds");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let state = Arc::new(Proxy {
        upstream: upstream.trim_end_matches('/').to_owned(),
        http: reqwest::Client::new(),
        recorder,
    });
    let app = axum::Router::new().fallback(forward).with_state(state);
    tokio::spawn(axum::serve(listener, app).into_future());
    url
}

async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    match forward_recorded(&proxy, request).await {
        Ok(response) => response,
        Err(err) => (StatusCode::BAD_GATEWAY, err.to_string()).into_response(),
    }
}

async fn forward_recorded(proxy: &Proxy, request: Request) -> Result<Response, BoxError> {
    let (parts, body) = request.into_parts();
    let body: Bytes = axum::body::to_bytes(body, usize::MAX).await?;
    let recorder = &proxy.recorder;
    recorder.add_headers(&parts.headers);
    let query = parts.uri.query().unwrap_or_default();
    recorder.add_query(query);
    let content_type = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("multipart/") {
        recorder.add_multipart(content_type, &body);
    } else if let Ok(json) = serde_json::from_slice::<Value>(&body) {
        recorder.add_json(&json, true, false);
    }

    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut upstream = proxy
        .http
        .request(parts.method.clone(), format!("{}{path}", proxy.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.send().await?;
    let status = answer.status();
    let mut headers = answer.headers().clone();
    headers.remove("content-length");
    headers.remove("transfer-encoding");
    let bytes = answer.bytes().await?;
    if let Ok(json) = serde_json::from_slice::<Value>(&bytes) {
        recorder.add_json(&json, false, query.contains("tokenization=true"));
    }
    Ok((status, headers, bytes).into_response())
}
