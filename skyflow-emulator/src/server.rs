//! The HTTP server: shared state, the router and its middleware.
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
use crate::engine::Limits;
use crate::envelope::{ApiError, EnvelopeMarker};

/// The `x-request-id` header.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Shared state of the server: the data engine (which holds the [`Limits`]), the auth
/// authority and the public base URL. Cheap to clone.
///
/// New shared state (e.g. a new service's engine) goes in `StateInner` with a `pub(crate)`
/// getter here; it is built in `crate::embedded`'s provisioning.
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
            .field("limits", self.limits())
            .finish_non_exhaustive()
    }
}

pub(crate) struct StateInner {
    pub(crate) engine: Arc<Engine>,
    pub(crate) auth: Authority,
    pub(crate) base_url: RwLock<String>,
    pub(crate) gateway: crate::gateway::Gateway,
    /// The Detect runs this process is working on.
    pub(crate) detect_runs: Arc<crate::detect::runs::ActiveRuns>,
}

impl AppState {
    pub(crate) fn auth(&self) -> &Authority {
        &self.inner.auth
    }

    pub(crate) fn limits(&self) -> &Limits {
        self.inner.engine.limits()
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
