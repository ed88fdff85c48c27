//! The HTTP server: shared state, limits, the router and its middleware.
//!
//! [`app`] builds the whole axum [`Router`]; the binary and [`crate::Emulator`] only bind a
//! socket and serve it. Tests can drive the router in-process with `tower::ServiceExt::oneshot`.
//!
//! Middleware, outermost first:
//! 1. request id: echoes the client's `x-request-id` (if it is a sane visible-ASCII string of
//!    at most 128 characters) or makes a UUID, and sets it on every response;
//! 2. access log: one `tracing` line per request with method, path *template* (never the
//!    concrete path or query, which can carry values), status, request id and latency;
//! 3. envelope: any error response that is not already Skyflow's JSON envelope (axum's 404,
//!    405, 413, 415 and extractor rejections) is replaced by the envelope.

use std::sync::{Arc, RwLock};
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

use crate::auth::Authority;
use crate::engine::Engine;
use crate::envelope::{ApiError, EnvelopeMarker};

/// The `x-request-id` header.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request limits. All are configurable (CLI flags of the binary, or
/// [`crate::EmulatorOptions`]); the defaults are generous because Skyflow documents none of
/// them except the 25-row page of get and query.
///
/// | limit | default | error when exceeded |
/// |---|---|---|
/// | `max_body_bytes`: size of a request body (JSON or multipart) | 16 MiB | 413 |
/// | `max_records_per_request`: records in insert/batch, ids in get/delete, items in tokenize/detokenize | 1000 | 400 |
/// | `max_file_bytes`: size of one uploaded file; never more than `max_body_bytes` (a file travels in a body), so the emulator uses the smaller of the two | 16 MiB | 413 |
/// | `query_timeout`: wall-clock budget of one query | 5 s | 400 |
///
/// # Example
///
/// ```
/// let limits = skyflow_emulator::Limits::default().with_max_records_per_request(10);
/// assert_eq!(limits.max_records_per_request, 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Most records (or ids, or tokenize/detokenize items) in one request.
    pub max_records_per_request: usize,
    /// Largest uploaded file, in bytes (capped at `max_body_bytes`).
    pub max_file_bytes: usize,
    /// Longest a query may run.
    pub query_timeout: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: crate::engine::Limits::default().max_body_bytes,
            max_records_per_request: crate::engine::Limits::default().max_records_per_request,
            max_file_bytes: crate::engine::Limits::default().max_file_bytes,
            query_timeout: crate::engine::Limits::default().query_timeout,
        }
    }
}

impl Limits {
    /// Sets the body size limit.
    ///
    /// # Example
    ///
    /// ```
    /// let l = skyflow_emulator::Limits::default().with_max_body_bytes(1024);
    /// assert_eq!(l.max_body_bytes, 1024);
    /// ```
    pub fn with_max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Sets the records-per-request limit.
    ///
    /// # Example
    ///
    /// ```
    /// let l = skyflow_emulator::Limits::default().with_max_records_per_request(5);
    /// assert_eq!(l.max_records_per_request, 5);
    /// ```
    pub fn with_max_records_per_request(mut self, records: usize) -> Self {
        self.max_records_per_request = records;
        self
    }

    /// Sets the file size limit (the effective limit is the smaller of this and the body
    /// limit).
    ///
    /// # Example
    ///
    /// ```
    /// let l = skyflow_emulator::Limits::default().with_max_file_bytes(1 << 20);
    /// assert_eq!(l.max_file_bytes, 1 << 20);
    /// assert_eq!(l.with_max_body_bytes(1000).effective_max_file_bytes(), 1000);
    /// ```
    pub fn with_max_file_bytes(mut self, bytes: usize) -> Self {
        self.max_file_bytes = bytes;
        self
    }

    /// Sets the query time budget.
    ///
    /// # Example
    ///
    /// ```
    /// let l = skyflow_emulator::Limits::default().with_query_timeout(std::time::Duration::from_secs(1));
    /// assert_eq!(l.query_timeout.as_secs(), 1);
    /// ```
    pub fn with_query_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.query_timeout = timeout;
        self
    }

    /// The file size limit in force: `max_file_bytes`, but never more than `max_body_bytes`.
    ///
    /// # Example
    ///
    /// ```
    /// let l = skyflow_emulator::Limits::default();
    /// assert!(l.effective_max_file_bytes() <= l.max_body_bytes);
    /// ```
    pub fn effective_max_file_bytes(&self) -> usize {
        self.max_file_bytes.min(self.max_body_bytes)
    }

    /// 400 when `count` is over the records limit.
    pub(crate) fn check_records(&self, count: usize, what: &str) -> Result<(), ApiError> {
        if count > self.max_records_per_request {
            Err(ApiError::bad_request(format!(
                "Invalid request. Too many {what} in one request: {count}, the limit is {}.",
                self.max_records_per_request
            )))
        } else {
            Ok(())
        }
    }
}

/// Shared state of the server: the data engine, the auth authority, limits and the public base
/// URL. Cheap to clone.
///
/// # Example
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let emulator = skyflow_emulator::Emulator::start(skyflow_emulator::EmulatorOptions::in_memory()).await?;
/// let router: axum::Router = skyflow_emulator::app(emulator.state());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AppState {
    pub(crate) inner: Arc<StateInner>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("limits", &self.inner.limits)
            .finish_non_exhaustive()
    }
}

pub(crate) struct StateInner {
    pub(crate) engine: Arc<Engine>,
    pub(crate) auth: Authority,
    pub(crate) limits: Limits,
    pub(crate) base_url: RwLock<String>,
    pub(crate) gateway: crate::gateway::Gateway,
}

impl AppState {
    pub(crate) fn auth(&self) -> &Authority {
        &self.inner.auth
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    pub(crate) fn gateway(&self) -> &crate::gateway::Gateway {
        &self.inner.gateway
    }

    pub(crate) fn set_base_url(&self, url: &str) {
        *self
            .inner
            .base_url
            .write()
            .unwrap_or_else(|e| e.into_inner()) = url.to_owned();
        self.inner.engine.set_public_base_url(url);
    }
}

/// The request id of the current request (a request extension set by the middleware).
#[derive(Debug, Clone)]
pub(crate) struct RequestId(pub(crate) String);

/// The matched route template, copied into the response for the access log.
#[derive(Debug, Clone)]
struct RouteTemplate(String);

/// Builds the emulator's router over `state`.
///
/// # Example
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use skyflow_emulator::{Emulator, EmulatorOptions};
/// let emulator = Emulator::start(EmulatorOptions::in_memory()).await?;
/// let router = skyflow_emulator::app(emulator.state());
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// axum::serve(listener, router).await?;
/// # Ok(()) }
/// ```
pub fn app(state: AppState) -> Router {
    let max_body = state.limits().max_body_bytes;
    crate::routes::router()
        .route_layer(middleware::from_fn(remember_route))
        .fallback(unknown_route)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn(envelope_errors))
        .layer(middleware::from_fn(access_log))
        .layer(middleware::from_fn(request_id))
        .with_state(state)
}

async fn unknown_route() -> ApiError {
    ApiError::from_status(axum::http::StatusCode::NOT_FOUND, "")
}

fn sane_request_id(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    (!s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| s.to_owned())
}

async fn request_id(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(sane_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(req).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

async fn remember_route(req: Request, next: Next) -> Response {
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let mut response = next.run(req).await;
    if let Some(template) = template {
        response.extensions_mut().insert(RouteTemplate(template));
    }
    response
}

async fn access_log(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let response = next.run(req).await;
    let route = response
        .extensions()
        .get::<RouteTemplate>()
        .map(|r| r.0.as_str())
        .unwrap_or("<unmatched>");
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::error!(%method, route, status, request_id = %id, latency_ms, "request");
    } else {
        tracing::info!(%method, route, status, request_id = %id, latency_ms, "request");
    }
    response
}

async fn envelope_errors(req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<EnvelopeMarker>().is_some()
    {
        return response;
    }
    let route = response.extensions().get::<RouteTemplate>().cloned();
    let mut replaced = ApiError::from_status(status, &method).into_response();
    if let Some(route) = route {
        replaced.extensions_mut().insert(route);
    }
    // Keep `Allow` on 405 so clients can see which methods the path takes.
    if let Some(allow) = response.headers().get(header::ALLOW) {
        replaced.headers_mut().insert(header::ALLOW, allow.clone());
    }
    replaced
}
