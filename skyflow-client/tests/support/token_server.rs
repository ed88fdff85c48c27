//! A local token endpoint for tests: verifies RS256 assertions with the service account's
//! public key and issues short- or long-lived JWT access tokens, counting exchanges.
//!
//! Shared by the unit tests of `src/auth` and the integration tests (included by path).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::RsaPrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{Value, json};

/// The service account's RSA key pair, generated once per test binary.
pub struct TestKey {
    pub pkcs8_pem: String,
    pub pkcs1_pem: String,
    pub public_pem: String,
}

pub fn test_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("generate RSA key");
        TestKey {
            pkcs8_pem: key.to_pkcs8_pem(LineEnding::LF).expect("pkcs8").to_string(),
            pkcs1_pem: key.to_pkcs1_pem(LineEnding::LF).expect("pkcs1").to_string(),
            public_pem: key
                .to_public_key()
                .to_public_key_pem(LineEnding::LF)
                .expect("public pem"),
        }
    })
}

pub const CLIENT_ID: &str = "client-id-0001";
pub const KEY_ID: &str = "key-id-0001";
/// The secret the server signs access tokens with (HS256).
const ACCESS_SECRET: &[u8] = b"token-server-access-secret";
pub const REQUEST_ID: &str = "req-token-0001";

/// A service-account credentials JSON (camelCase) for `token_uri`.
pub fn credentials_json(token_uri: &str) -> String {
    json!({
        "clientID": CLIENT_ID,
        "clientName": "test-account",
        "keyID": KEY_ID,
        "tokenURI": token_uri,
        "privateKey": test_key().pkcs8_pem,
    })
    .to_string()
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// One exchange as the server saw it (the assertion already verified).
#[derive(Debug, Clone)]
pub struct Seen {
    pub header: Header,
    pub claims: Value,
    pub scope: Value,
    pub authorization: Option<String>,
    pub assertion: String,
    pub access_token: String,
}

pub struct ServerState {
    /// Expected `aud`; set after binding.
    pub audience: Mutex<String>,
    /// Lifetime of issued access tokens, seconds (may be negative: already expired).
    pub lifetime: AtomicI64,
    /// Delay before answering, milliseconds.
    pub delay_ms: AtomicU64,
    /// When set, answer with this status and body instead.
    pub fail_with: Mutex<Option<(StatusCode, String)>>,
    /// Answers to give, in order, before behaving normally again.
    pub fail_next: Mutex<std::collections::VecDeque<(StatusCode, String)>>,
    pub exchanges: AtomicUsize,
    pub rejected: AtomicUsize,
    pub seen: Mutex<Vec<Seen>>,
}

pub struct TokenServer {
    pub addr: SocketAddr,
    pub state: Arc<ServerState>,
}

impl TokenServer {
    pub async fn start() -> TokenServer {
        let state = Arc::new(ServerState {
            audience: Mutex::new(String::new()),
            lifetime: AtomicI64::new(3600),
            delay_ms: AtomicU64::new(0),
            fail_with: Mutex::new(None),
            fail_next: Mutex::new(std::collections::VecDeque::new()),
            exchanges: AtomicUsize::new(0),
            rejected: AtomicUsize::new(0),
            seen: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/v1/auth/sa/oauth/token", post(exchange))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        let server = TokenServer { addr, state };
        server.expect_audience(&server.token_uri());
        server
    }

    /// The token URI the credentials name (with a path the exchange must ignore).
    pub fn token_uri(&self) -> String {
        format!(
            "http://127.0.0.1:{}/v1/auth/sa/oauth/token",
            self.addr.port()
        )
    }

    pub fn credentials_json(&self) -> String {
        credentials_json(&self.token_uri())
    }

    pub fn expect_audience(&self, aud: &str) {
        *self.state.audience.lock().unwrap() = aud.to_owned();
    }

    pub fn set_lifetime(&self, secs: i64) {
        self.state.lifetime.store(secs, Ordering::SeqCst);
    }

    pub fn set_delay(&self, delay: Duration) {
        self.state
            .delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    pub fn fail_with(&self, status: u16, body: &str) {
        *self.state.fail_with.lock().unwrap() =
            Some((StatusCode::from_u16(status).unwrap(), body.to_owned()));
    }

    /// Answers the next exchange with `status` and `body` (queued after earlier calls),
    /// then goes back to normal.
    pub fn fail_next(&self, status: u16, body: &str) {
        self.state
            .fail_next
            .lock()
            .unwrap()
            .push_back((StatusCode::from_u16(status).unwrap(), body.to_owned()));
    }

    pub fn exchanges(&self) -> usize {
        self.state.exchanges.load(Ordering::SeqCst)
    }

    pub fn rejected(&self) -> usize {
        self.state.rejected.load(Ordering::SeqCst)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }
}

fn reject(state: &ServerState, status: StatusCode, message: &str) -> Response {
    state.rejected.fetch_add(1, Ordering::SeqCst);
    let body = json!({"error": {
        "grpc_code": 16, "http_code": status.as_u16(), "http_status": "Unauthorized",
        "message": message, "details": []
    }});
    (status, [("x-request-id", REQUEST_ID)], Json(body)).into_response()
}

async fn exchange(
    State(state): State<Arc<ServerState>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let delay = state.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let scripted = state.fail_next.lock().unwrap().pop_front();
    if let Some((status, body)) = scripted.or_else(|| state.fail_with.lock().unwrap().clone()) {
        state.rejected.fetch_add(1, Ordering::SeqCst);
        return (status, [("x-request-id", REQUEST_ID)], body).into_response();
    }
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return reject(&state, StatusCode::BAD_REQUEST, "body is not JSON");
    };
    if body["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
        return reject(&state, StatusCode::BAD_REQUEST, "unsupported grant_type");
    }
    if body.as_object().map(|o| o.contains_key("scope")) != Some(true) {
        return reject(
            &state,
            StatusCode::BAD_REQUEST,
            "scope must be sent (null or string)",
        );
    }
    let Some(assertion) = body["assertion"].as_str() else {
        return reject(&state, StatusCode::BAD_REQUEST, "assertion missing");
    };
    let Ok(header) = jsonwebtoken::decode_header(assertion) else {
        return reject(
            &state,
            StatusCode::UNAUTHORIZED,
            "assertion header unreadable",
        );
    };
    let audience = state.audience.lock().unwrap().clone();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    let decoding = DecodingKey::from_rsa_pem(test_key().public_pem.as_bytes()).unwrap();
    let claims = match jsonwebtoken::decode::<Value>(assertion, &decoding, &validation) {
        Ok(data) => data.claims,
        Err(_) => {
            return reject(
                &state,
                StatusCode::UNAUTHORIZED,
                "assertion signature, aud or exp invalid",
            );
        }
    };
    if claims["iss"] != CLIENT_ID || claims["sub"] != CLIENT_ID || claims["key"] != KEY_ID {
        return reject(&state, StatusCode::UNAUTHORIZED, "unknown service account");
    }
    let n = state.exchanges.fetch_add(1, Ordering::SeqCst) + 1;
    let access_token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({
            "sub": CLIENT_ID,
            "exp": now() + state.lifetime.load(Ordering::SeqCst),
            "n": n,
        }),
        &EncodingKey::from_secret(ACCESS_SECRET),
    )
    .unwrap();
    state.seen.lock().unwrap().push(Seen {
        header,
        claims,
        scope: body["scope"].clone(),
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        assertion: assertion.to_owned(),
        access_token: access_token.clone(),
    });
    (
        [("x-request-id", REQUEST_ID)],
        Json(json!({"accessToken": access_token, "tokenType": "Bearer"})),
    )
        .into_response()
}

/// A buffer a `tracing` subscriber writes to, for checking what the SDK logs.
#[derive(Clone, Default)]
pub struct LogBuffer(pub Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Captures this thread's logs at DEBUG level into a fresh buffer until the guard drops.
///
/// Tests run in parallel threads. While only one dispatcher is registered, `tracing`
/// computes a callsite's interest from the registering thread's own default, so a callsite
/// first hit by another test's thread would be cached as "never enabled" for everyone. A
/// second, permanent dispatcher makes `tracing` consult every registered dispatcher instead.
pub fn capture_logs() -> (tracing::subscriber::DefaultGuard, LogBuffer) {
    static SECOND: OnceLock<tracing::Dispatch> = OnceLock::new();
    SECOND.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
    let buffer = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(buffer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();
    (guard, buffer)
}
