//! The only code that speaks HTTP.
//!
//! A [`Transport`] is bound to one base URL (a vault, or a connection) and one bearer source.
//! It adds the `Authorization` (or, for connections, `x-skyflow-authorization`) and
//! `sky-metadata` headers, encodes query and body, applies timeouts and retries, resends
//! once with a fresh token after a 401, captures `x-request-id` and decodes error bodies.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use tracing::Instrument as _;

use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};

use super::decode::error_from_response;
use super::retry::{is_retryable_status, parse_retry_after, wait_before_retry};
use super::{Body, HttpRequest, HttpResponse, Method, Part};
use crate::auth::{Bearer, BearerSource};
use crate::config::LogLevel;
use crate::config::{RetryConfig, TimeoutConfig};
use crate::logging::{Logger, Stage, TARGET};
use crate::{Error, ErrorKind, Result};

/// Custom headers a caller may add to vault and Detect calls (the Go SDK's allow-list).
pub(crate) const ALLOWED_CUSTOM_HEADERS: [&str; 3] = [
    "x-request-id",
    "x-skyflow-account-id",
    "x-skyflow-account-name",
];

const REQUEST_ID: &str = "x-request-id";
const SKY_METADATA: &str = "sky-metadata";
const SKYFLOW_AUTHORIZATION: &str = "x-skyflow-authorization";

/// Checks a custom header against the allow-list and converts it. `error` builds the error
/// naming the field, so the client builder reports a config error and a request a
/// validation error.
pub(crate) fn allowed_header(
    name: &str,
    value: &str,
    error: impl Fn(String) -> Error,
) -> Result<(HeaderName, HeaderValue)> {
    let lower = name.trim().to_ascii_lowercase();
    if !ALLOWED_CUSTOM_HEADERS.contains(&lower.as_str()) {
        return Err(error(format!(
            "header `{}` is not allowed; allowed custom headers are {}",
            name.trim(),
            ALLOWED_CUSTOM_HEADERS.join(", ")
        )));
    }
    let value = HeaderValue::from_str(value).map_err(|_| {
        error(format!(
            "value of header `{lower}` is not a valid header value"
        ))
    })?;
    let name = HeaderName::from_bytes(lower.as_bytes())
        .map_err(|_| error(format!("`{lower}` is not a valid header name")))?;
    Ok((name, value))
}

/// What one Skyflow client shares between its clones and handles: the HTTP connection pool
/// and the log gate.
pub(crate) struct HttpShared {
    /// One reqwest client per distinct connect timeout (normally exactly one).
    pools: Mutex<Vec<(Option<Duration>, reqwest::Client)>>,
    logger: Logger,
}

impl fmt::Debug for HttpShared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pools = self.pools.lock().map(|p| p.len()).unwrap_or(0);
        f.debug_struct("HttpShared")
            .field("pools", &pools)
            .field("logger", &self.logger)
            .finish()
    }
}

impl HttpShared {
    pub(crate) fn new(logger: Logger) -> Self {
        HttpShared {
            pools: Mutex::new(Vec::new()),
            logger,
        }
    }

    pub(crate) fn logger(&self) -> &Logger {
        &self.logger
    }

    /// The pooled reqwest client for `connect` timeout, created on first use.
    pub(crate) fn client(&self, connect: Option<Duration>) -> Result<reqwest::Client> {
        let mut pools = self
            .pools
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, client)) = pools.iter().find(|(c, _)| *c == connect) {
            return Ok(client.clone());
        }
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("skyflow-rust/", env!("CARGO_PKG_VERSION")));
        if let Some(limit) = connect {
            builder = builder.connect_timeout(limit);
        }
        let client = builder.build().map_err(|e| {
            Error::transport("could not initialise the HTTP client").with_source(e.without_url())
        })?;
        pools.push((connect, client.clone()));
        Ok(client)
    }
}

/// How the bearer token is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthStyle {
    /// `Authorization: Bearer <token>`; custom headers restricted to the allow-list;
    /// only 2xx is success. Vault and Detect calls.
    Vault,
    /// `x-skyflow-authorization: <token>` unless the caller set it; any custom header
    /// (lower-cased); status below 400 is success. Connection invocations.
    Connection,
}

/// A transport bound to one base URL and one bearer source. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Transport {
    shared: Arc<HttpShared>,
    http: reqwest::Client,
    base_url: Arc<str>,
    bearer: Arc<dyn BearerSource>,
    retry: RetryConfig,
    timeout: TimeoutConfig,
    headers: Arc<HeaderMap>,
    style: AuthStyle,
    /// What the calls go to, for the operation spans: `("vault_id", id)` or
    /// `("connection_id", id)`.
    target: Option<(&'static str, Arc<str>)>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.base_url)
            .field("style", &self.style)
            .field("bearer", &self.bearer)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A failed attempt: the error, and whether the request may have reached the server.
struct Failed {
    error: Error,
    reached_server: bool,
}

/// One operation in flight, handed to the closure given to [`Transport::perform`]: the
/// only way to send requests.
pub(crate) struct Exchange<'a> {
    transport: &'a Transport,
    operation: &'static str,
    /// Set at the first send, which logs "request resolved" and "method triggered".
    triggered: AtomicBool,
}

impl Exchange<'_> {
    /// Sends one HTTP call of this operation and returns its 2xx answer or the error.
    pub(crate) async fn send(&self, request: &HttpRequest) -> Result<HttpResponse> {
        self.send_in_batch(None, request).await
    }

    /// [`send`](Self::send) for batch `index` of a split operation (recorded as the
    /// request span's `batch` field).
    pub(crate) async fn send_batch(
        &self,
        index: usize,
        request: &HttpRequest,
    ) -> Result<HttpResponse> {
        self.send_in_batch(Some(index), request).await
    }

    async fn send_in_batch(
        &self,
        batch: Option<usize>,
        request: &HttpRequest,
    ) -> Result<HttpResponse> {
        let logger = &self.transport.shared.logger;
        if !self.triggered.swap(true, Ordering::Relaxed) {
            logger.stage(self.operation, Stage::Resolved);
            logger.stage(self.operation, Stage::Triggered);
        }
        let span = if logger.enabled(LogLevel::Error) {
            tracing::info_span!(
                target: TARGET,
                "skyflow.request",
                method = request.method.as_str(),
                batch = tracing::field::Empty,
                status = tracing::field::Empty,
                request_id = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
            )
        } else {
            tracing::Span::none()
        };
        if let Some(index) = batch {
            span.record("batch", index);
        }
        let started = Instant::now();
        let result = self.transport.send(request).instrument(span.clone()).await;
        span.record("duration_ms", elapsed_ms(started));
        match &result {
            Ok(response) => {
                span.record("status", response.status);
                if let Some(id) = &response.request_id {
                    span.record("request_id", id.as_str());
                }
            }
            Err(err) => record_error(&span, err),
        }
        result
    }

    /// The client's log gate, for an operation's own DEBUG lines (never values).
    pub(crate) fn logger(&self) -> &Logger {
        &self.transport.shared.logger
    }
}

impl Transport {
    /// A transport for `base_url` (a vault URL, or a connection URL); `headers` are the
    /// client-wide custom headers, already checked.
    pub(crate) fn new(
        shared: Arc<HttpShared>,
        base_url: &str,
        bearer: Arc<dyn BearerSource>,
        retry: RetryConfig,
        timeout: TimeoutConfig,
        headers: Arc<HeaderMap>,
        style: AuthStyle,
    ) -> Result<Self> {
        let http = shared.client(timeout.connect())?;
        Ok(Transport {
            shared,
            http,
            base_url: Arc::from(base_url.trim_end_matches('/')),
            bearer,
            retry,
            timeout,
            headers,
            style,
            target: None,
        })
    }

    /// Names what the calls go to in the operation spans: `field` is `"vault_id"` or
    /// `"connection_id"`.
    #[must_use]
    pub(crate) fn for_target(mut self, field: &'static str, id: &str) -> Self {
        self.target = Some((field, Arc::from(id)));
        self
    }

    /// The base URL requests go to (no trailing `/`).
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The one way an operation reaches the network.
    ///
    /// Every operation module (vault, Detect, connections) calls this, once per public
    /// call: `operation` is the request type's name (`"InsertRequest"`), used in log lines
    /// and set on errors that do not name an operation yet. `run` gets an [`Exchange`]; it
    /// validates the request, describes each HTTP call as an [`HttpRequest`] (method,
    /// path, query, body, idempotency, per-call headers), sends it with
    /// [`Exchange::send`] and parses the answer. A batched operation sends several
    /// requests through the same exchange, concurrently if it likes.
    ///
    /// How the token is presented (the [`AuthStyle`]), the base URL, timeouts, retries, the
    /// 401 refresh and error decoding belong to this transport, so a new operation only
    /// says what to send and how to read the answer.
    ///
    /// Logs the stages "validating request", "request resolved" and "method triggered"
    /// (at the first send), then "success" or the ERROR line with the error.
    ///
    /// The whole operation runs in a `skyflow.operation` span (fields `operation`,
    /// `vault_id` or `connection_id`, and at the end `outcome`, `status`, `request_id`,
    /// `duration_ms`), each HTTP call in a `skyflow.request` span inside it (fields
    /// `method`, `batch`, `status`, `request_id`, `duration_ms`), so a subscriber can
    /// filter and aggregate on fields rather than parse lines. No span is made when the
    /// client's level is `Off`.
    pub(crate) async fn perform<'a, T, F, Fut>(
        &'a self,
        operation: &'static str,
        run: F,
    ) -> Result<T>
    where
        F: FnOnce(Exchange<'a>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let logger = &self.shared.logger;
        let span = if logger.enabled(LogLevel::Error) {
            tracing::info_span!(
                target: TARGET,
                "skyflow.operation",
                operation,
                vault_id = tracing::field::Empty,
                connection_id = tracing::field::Empty,
                outcome = tracing::field::Empty,
                status = tracing::field::Empty,
                request_id = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
            )
        } else {
            tracing::Span::none()
        };
        if let Some((field, id)) = &self.target {
            span.record(*field, &**id);
        }
        let started = Instant::now();
        let exchange = Exchange {
            transport: self,
            operation,
            triggered: AtomicBool::new(false),
        };
        let outcome = async {
            logger.stage(operation, Stage::Validating);
            let result = run(exchange).await;
            match result {
                Ok(value) => {
                    logger.stage(operation, Stage::Success);
                    Ok(value)
                }
                Err(err) => {
                    let err = if err.operation().is_none() {
                        err.with_operation(operation)
                    } else {
                        err
                    };
                    logger.failure(operation, &err);
                    Err(err)
                }
            }
        }
        .instrument(span.clone())
        .await;
        span.record("duration_ms", elapsed_ms(started));
        match &outcome {
            Ok(_) => span.record("outcome", "success"),
            Err(err) => {
                record_error(&span, err);
                span.record("outcome", "failure")
            }
        };
        outcome
    }

    /// Sends `request` with timeouts, retries and the 401 refresh; returns the successful
    /// response or the decoded error. Operation modules go through [`Transport::perform`].
    pub(super) async fn send(&self, request: &HttpRequest) -> Result<HttpResponse> {
        let operation = request.operation;
        let prepared = self.prepare(request)?;
        let deadline = self
            .timeout
            .overall()
            .map(|limit| (limit, tokio::time::Instant::now() + limit));
        let call = self.send_with_retries(request, &prepared, deadline.map(|(_, at)| at));
        let result = match deadline {
            Some((limit, at)) => match tokio::time::timeout_at(at, call).await {
                Ok(result) => result,
                Err(_) => Err(Error::timeout(format!(
                    "the call did not complete within the overall timeout of {limit:?}"
                ))),
            },
            None => call.await,
        };
        result.map_err(|e| e.with_operation(operation))
    }

    /// URL and headers of a request, checked once before any attempt.
    fn prepare(&self, request: &HttpRequest) -> Result<Prepared> {
        let invalid = |field: &str, message: String| {
            Error::validation(request.operation, field.to_owned(), message)
        };
        let mut url = url::Url::parse(&format!("{}{}", self.base_url, request.path))
            .map_err(|e| invalid("path", format!("the request URL is not valid: {e}")))?;
        if !request.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in &request.query {
                pairs.append_pair(key, value);
            }
        }
        let mut headers = (*self.headers).clone();
        for (name, value) in &request.headers {
            match self.style {
                AuthStyle::Vault => {
                    let (name, value) = allowed_header(name, value, |m| invalid("headers", m))?;
                    headers.insert(name, value);
                }
                AuthStyle::Connection => {
                    let lower = name.trim().to_ascii_lowercase();
                    let name = HeaderName::from_bytes(lower.as_bytes()).map_err(|_| {
                        invalid("headers", format!("`{lower}` is not a valid header name"))
                    })?;
                    let value = HeaderValue::from_str(value).map_err(|_| {
                        invalid("headers", format!("value of header `{lower}` is not valid"))
                    })?;
                    headers.append(name, value);
                }
            }
        }
        headers.insert(
            HeaderName::from_static(SKY_METADATA),
            sky_metadata().clone(),
        );
        let caller_authorizes = self.style == AuthStyle::Connection
            && headers.contains_key(HeaderName::from_static(SKYFLOW_AUTHORIZATION));
        Ok(Prepared {
            url,
            headers,
            caller_authorizes,
        })
    }

    /// The attempts of one call. Each attempt first gets a bearer token; a token exchange
    /// that fails for a passing reason (network, timeout, 408/429/5xx from the token
    /// endpoint) counts as a failed attempt that never reached the vault, so it is retried
    /// even for a non-idempotent call.
    async fn send_with_retries(
        &self,
        request: &HttpRequest,
        prepared: &Prepared,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<HttpResponse> {
        let logger = &self.shared.logger;
        let operation = request.operation;
        let max_attempts = self.retry.max_attempts().max(1);
        // The token to send; `None` until obtained.
        let mut bearer: Option<Bearer> = None;
        // A token the vault answered 401 to, whose replacement could not be obtained yet.
        let mut rejected: Option<Bearer> = None;
        let mut refreshed = false;
        let mut attempt = 1;
        loop {
            let token = match (&bearer, &rejected) {
                (Some(token), _) => Ok(token.clone()),
                (None, Some(old)) => self
                    .bearer
                    .refresh(old)
                    .await
                    .map(|fresh| fresh.unwrap_or_else(|| old.clone())),
                (None, None) => self.bearer.bearer().await,
            };
            let (error, may_retry, retry_after) = match token {
                Err(error) if is_passing_token_failure(&error) => {
                    logger.debug(format_args!(
                        "{operation}: attempt {attempt} could not obtain a bearer token: {}",
                        short_reason(&error)
                    ));
                    (error, true, None)
                }
                Err(error) => return Err(error),
                Ok(token) => {
                    bearer = Some(token.clone());
                    rejected = None;
                    match self.timed_attempt(request, prepared, &token).await {
                        Ok(raw) if self.is_success(raw.status) => {
                            logger.debug(format_args!(
                                "{operation}: attempt {attempt} answered HTTP {}{}",
                                raw.status,
                                request_id_note(raw.request_id.as_deref())
                            ));
                            return Ok(HttpResponse {
                                status: raw.status,
                                request_id: raw.request_id,
                                headers: raw.headers,
                                body: raw.body,
                            });
                        }
                        Ok(raw) => {
                            logger.debug(format_args!(
                                "{operation}: attempt {attempt} answered HTTP {}{}",
                                raw.status,
                                request_id_note(raw.request_id.as_deref())
                            ));
                            let mut refresh_failure = None;
                            if raw.status == 401 && !refreshed && !prepared.caller_authorizes {
                                refreshed = true;
                                match self.bearer.refresh(&token).await {
                                    Ok(Some(fresh)) => {
                                        logger.info(format_args!(
                                            "{operation}: bearer token rejected; sending again with a fresh token"
                                        ));
                                        bearer = Some(fresh);
                                        continue;
                                    }
                                    Ok(None) => {}
                                    Err(error) if is_passing_token_failure(&error) => {
                                        logger.debug(format_args!(
                                            "{operation}: could not replace the rejected bearer token: {}",
                                            short_reason(&error)
                                        ));
                                        bearer = None;
                                        rejected = Some(token);
                                        refresh_failure = Some(error);
                                    }
                                    Err(error) => return Err(error),
                                }
                            }
                            match refresh_failure {
                                // The resend never reached the vault: retry it.
                                Some(error) => (error, true, None),
                                None => {
                                    let mut error = error_from_response(
                                        raw.status,
                                        raw.request_id.as_deref(),
                                        &raw.body,
                                    );
                                    if let Some(from_client) = raw.error_from_client {
                                        let mut details = error.details().to_vec();
                                        details.push(
                                            serde_json::json!({ "error_from_client": from_client }),
                                        );
                                        error = error.with_details(details);
                                    }
                                    let may_retry =
                                        request.idempotent && is_retryable_status(raw.status);
                                    (error, may_retry, raw.retry_after)
                                }
                            }
                        }
                        Err(failed) => {
                            logger.debug(format_args!(
                                "{operation}: attempt {attempt} failed: {}",
                                failed.error.message()
                            ));
                            let may_retry = request.idempotent || !failed.reached_server;
                            (failed.error, may_retry, None)
                        }
                    }
                }
            };
            if !may_retry || attempt >= max_attempts {
                return Err(error);
            }
            let wait = wait_before_retry(&self.retry, attempt, retry_after);
            if let Some(deadline) = deadline {
                let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
                if wait >= remaining {
                    logger.warn(format_args!(
                        "{operation}: attempt {attempt} of {max_attempts} failed ({}); not \
                         retrying: waiting {wait:?} would pass the overall timeout",
                        short_reason(&error)
                    ));
                    return Err(error);
                }
            }
            logger.warn(format_args!(
                "{operation}: attempt {attempt} of {max_attempts} failed ({}); retrying in {wait:?}",
                short_reason(&error)
            ));
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One attempt, bounded by the per-attempt timeout when one is set. An attempt that
    /// runs out of time may have reached the server.
    async fn timed_attempt(
        &self,
        request: &HttpRequest,
        prepared: &Prepared,
        bearer: &Bearer,
    ) -> std::result::Result<RawResponse, Failed> {
        let Some(limit) = self.timeout.attempt_timeout() else {
            return self.attempt(request, prepared, bearer).await;
        };
        match tokio::time::timeout(limit, self.attempt(request, prepared, bearer)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Failed {
                error: Error::timeout(format!(
                    "the attempt did not complete within the attempt timeout of {limit:?}"
                )),
                reached_server: true,
            }),
        }
    }

    fn is_success(&self, status: u16) -> bool {
        match self.style {
            AuthStyle::Vault => (200..300).contains(&status),
            AuthStyle::Connection => status < 400,
        }
    }

    async fn attempt(
        &self,
        request: &HttpRequest,
        prepared: &Prepared,
        bearer: &Bearer,
    ) -> std::result::Result<RawResponse, Failed> {
        let not_sent = |error: Error| Failed {
            error,
            reached_server: false,
        };
        let mut headers = prepared.headers.clone();
        match self.style {
            AuthStyle::Vault => {
                let mut value = HeaderValue::from_str(&format!("Bearer {}", bearer.expose()))
                    .map_err(|_| not_sent(invalid_token_error()))?;
                value.set_sensitive(true);
                headers.insert(header::AUTHORIZATION, value);
            }
            AuthStyle::Connection if !prepared.caller_authorizes => {
                let mut value = HeaderValue::from_str(bearer.expose())
                    .map_err(|_| not_sent(invalid_token_error()))?;
                value.set_sensitive(true);
                headers.insert(HeaderName::from_static(SKYFLOW_AUTHORIZATION), value);
            }
            AuthStyle::Connection => {}
        }
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self
            .http
            .request(method, prepared.url.clone())
            .headers(headers);
        builder = match &request.body {
            Body::Empty => builder,
            Body::Json(value) => {
                let bytes = serde_json::to_vec(value).map_err(|_| {
                    not_sent(Error::validation(
                        request.operation,
                        "body",
                        "the request body could not be serialized as JSON",
                    ))
                })?;
                builder
                    .header(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    )
                    .body(bytes)
            }
            Body::Multipart(parts) => {
                builder.multipart(multipart_form(request.operation, parts).map_err(not_sent)?)
            }
            Body::Bytes(bytes) => builder.body(bytes.clone()),
        };
        let response = builder.send().await.map_err(send_failure)?;
        let status = response.status().as_u16();
        let headers = response.headers();
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let request_id = text(REQUEST_ID);
        let retry_after =
            text("retry-after").and_then(|v| parse_retry_after(&v, SystemTime::now()));
        let error_from_client = match self.style {
            AuthStyle::Connection => {
                text("error-from-client").map(|v| v.trim().eq_ignore_ascii_case("true"))
            }
            AuthStyle::Vault => None,
        };
        let response_headers = headers.clone();
        let body = response.bytes().await.map_err(|e| {
            let mut error = reqwest_error(e, "reading the response failed").with_status(status);
            if let Some(id) = &request_id {
                error = error.with_request_id(id.clone());
            }
            Failed {
                error,
                reached_server: true,
            }
        })?;
        Ok(RawResponse {
            status,
            request_id,
            retry_after,
            error_from_client,
            headers: response_headers,
            body,
        })
    }
}

#[cfg(test)]
impl Transport {
    /// The client's log gate, for tests that change the level.
    pub(crate) fn shared_logger(&self) -> &Logger {
        &self.shared.logger
    }

    /// One request through [`Transport::perform`], for tests that need no parsing.
    pub(crate) async fn perform_one(&self, request: &HttpRequest) -> Result<HttpResponse> {
        self.perform(request.operation, |x| async move { x.send(request).await })
            .await
    }
}

struct Prepared {
    url: url::Url,
    headers: HeaderMap,
    caller_authorizes: bool,
}

struct RawResponse {
    status: u16,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    error_from_client: Option<bool>,
    headers: HeaderMap,
    body: bytes::Bytes,
}

/// Milliseconds since `started`, for span fields.
fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Records an error's HTTP status and request id (never its message) on `span`.
fn record_error(span: &tracing::Span, err: &Error) {
    if let Some(status) = err.status() {
        span.record("status", status);
    }
    if let Some(id) = err.request_id() {
        span.record("request_id", id);
    }
}

fn request_id_note(id: Option<&str>) -> String {
    id.map(|id| format!(" (request id {id})"))
        .unwrap_or_default()
}

fn short_reason(error: &Error) -> String {
    match error.status() {
        Some(status) => format!("HTTP {status}{}", request_id_note(error.request_id())),
        None => error.kind().to_string(),
    }
}

/// A token exchange that failed for a reason that may pass: the token endpoint could not
/// be reached, timed out, or answered 408, 429 or 5xx.
fn is_passing_token_failure(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::Transport | ErrorKind::Timeout => true,
        ErrorKind::Auth => error.status().is_some_and(is_retryable_status),
        _ => false,
    }
}

fn invalid_token_error() -> Error {
    Error::auth("the bearer token holds characters that cannot be sent in an HTTP header")
}

fn multipart_form(operation: &'static str, parts: &[Part]) -> Result<reqwest::multipart::Form> {
    let mut form = reqwest::multipart::Form::new();
    for part in parts {
        form = match part {
            Part::Text { name, value } => form.text(name.clone(), value.clone()),
            Part::File {
                name,
                file_name,
                content_type,
                bytes,
            } => {
                let file = reqwest::multipart::Part::stream(bytes.clone())
                    .file_name(file_name.clone())
                    .mime_str(content_type)
                    .map_err(|_| {
                        Error::validation(
                            operation,
                            "content_type",
                            format!("`{content_type}` is not a valid media type"),
                        )
                    })?;
                form.part(name.clone(), file)
            }
        };
    }
    Ok(form)
}

/// Maps a reqwest send error: connect failures never reached the server.
fn send_failure(e: reqwest::Error) -> Failed {
    let reached_server = !e.is_connect();
    let context = if e.is_connect() {
        "could not connect to the server"
    } else {
        "sending the request failed"
    };
    Failed {
        error: reqwest_error(e, context),
        reached_server,
    }
}

/// A reqwest error as our [`Error`]: timeouts become `Timeout`, the rest `Transport`. The
/// URL (which can hold query values) is stripped; the innermost cause is quoted.
fn reqwest_error(e: reqwest::Error, context: &str) -> Error {
    let e = e.without_url();
    let mut cause: &dyn std::error::Error = &e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let message = format!("{context}: {cause}");
    let error = if e.is_timeout() {
        Error::timeout(message)
    } else {
        Error::transport(message)
    };
    error.with_source(e)
}

/// The `sky-metadata` header value, computed once per process.
pub(crate) fn sky_metadata() -> &'static HeaderValue {
    static VALUE: OnceLock<HeaderValue> = OnceLock::new();
    VALUE.get_or_init(|| {
        let text = metadata_text(
            concat!("skyflow-rust@", env!("CARGO_PKG_VERSION")),
            &hostname(),
            python_platform(std::env::consts::OS),
            &runtime_details(),
        );
        HeaderValue::from_str(&text)
            .unwrap_or_else(|_| HeaderValue::from_static(r#"{"sdk_name_version": "skyflow-rust"}"#))
    })
}

/// The metadata JSON written the way Python's `json.dumps` writes it (the official SDK's
/// format, wire protocol §1.5): keys in this order, `", "` and `": "` separators, and
/// everything outside printable ASCII escaped, so the header value is always valid.
pub(crate) fn metadata_text(name_version: &str, device: &str, os: &str, runtime: &str) -> String {
    format!(
        "{{\"sdk_name_version\": {}, \"sdk_client_device_model\": {}, \
         \"sdk_client_os_details\": {}, \"sdk_runtime_details\": {}}}",
        json_ascii_string(name_version),
        json_ascii_string(device),
        json_ascii_string(os),
        json_ascii_string(runtime),
    )
}

/// A JSON string literal with every character outside printable ASCII escaped as `\uXXXX`
/// (UTF-16, like Python's `ensure_ascii`).
fn json_ascii_string(value: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
    out
}

/// The operating system as Python's `sys.platform` names it (`linux`, `darwin`, `win32`).
pub(crate) fn python_platform(os: &str) -> &str {
    match os {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    }
}

fn runtime_details() -> String {
    match option_env!("SKYFLOW_RUSTC_VERSION") {
        Some(version) if !version.is_empty() => format!("Rust {version}"),
        _ => "Rust".to_owned(),
    }
}

/// The host name, as the other SDKs send it (`platform.node()` and friends), or `""`.
fn hostname() -> String {
    let from_file = |path: &str| {
        std::fs::read_to_string(path)
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    from_file("/proc/sys/kernel/hostname")
        .or_else(|| from_file("/etc/hostname"))
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .or_else(|| std::env::var("COMPUTERNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_default()
}
