//! Skyflow's JSON error envelope, the one error shape every HTTP response of the emulator uses.
//!
//! Every failure the server produces (a handler error, an unknown route, a wrong method, a
//! body that does not parse, a body over the size limit) leaves as
//!
//! ```json
//! {"error":{"grpc_code":3,"http_code":400,"http_status":"Bad Request","message":"...","details":[]}}
//! ```
//!
//! with `content-type: application/json` and an `x-request-id` header (added by the server's
//! request-id middleware). [`ApiError`] is that envelope as a Rust value.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

/// Longest message the envelope carries (the OpenAPI schema's `maxLength`).
const MAX_MESSAGE_CHARS: usize = 1000;

/// The message Skyflow sends when a bearer token has expired.
pub const EXPIRED_TOKEN_MESSAGE: &str = "Authentication failed. Bearer token is expired. Use a valid bearer token. See https://docs.skyflow.com/api-authentication/";

/// gRPC status codes used by the envelope.
///
/// # Example
///
/// ```
/// use skyflow_emulator::envelope::GrpcCode;
/// assert_eq!(GrpcCode::NotFound as u16, 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum GrpcCode {
    /// The request was invalid.
    InvalidArgument = 3,
    /// The resource does not exist.
    NotFound = 5,
    /// The resource already exists (duplicate unique value).
    AlreadyExists = 6,
    /// The caller may not do this.
    PermissionDenied = 7,
    /// A limit was exceeded.
    ResourceExhausted = 8,
    /// The operation was rejected because of the system's state.
    FailedPrecondition = 9,
    /// The method is not implemented at this path.
    Unimplemented = 12,
    /// Something broke inside the emulator.
    Internal = 13,
    /// A service the call depends on (a connection's upstream) is unavailable.
    Unavailable = 14,
    /// The caller is not authenticated.
    Unauthenticated = 16,
}

/// An error answered as Skyflow's JSON error envelope.
///
/// Build it with the constructors ([`ApiError::bad_request`], [`ApiError::not_found`], …);
/// returning it from a handler produces the response.
///
/// # Example
///
/// ```
/// use axum::response::IntoResponse;
/// use skyflow_emulator::envelope::ApiError;
///
/// let err = ApiError::not_found("No Records Found");
/// assert_eq!(err.status().as_u16(), 404);
/// let response = err.into_response();
/// assert_eq!(response.headers()["content-type"], "application/json");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    grpc: u16,
    message: String,
}

impl ApiError {
    /// An error with an explicit status, gRPC code and message.
    ///
    /// # Example
    ///
    /// ```
    /// use axum::http::StatusCode;
    /// use skyflow_emulator::envelope::{ApiError, GrpcCode};
    /// let err = ApiError::new(StatusCode::CONFLICT, GrpcCode::AlreadyExists, "exists");
    /// assert_eq!(err.grpc_code(), 6);
    /// ```
    pub fn new(status: StatusCode, grpc: GrpcCode, message: impl Into<String>) -> Self {
        let mut message = message.into();
        if message.chars().count() > MAX_MESSAGE_CHARS {
            message = message.chars().take(MAX_MESSAGE_CHARS).collect();
        }
        Self {
            status,
            grpc: grpc as u16,
            message,
        }
    }

    /// 400, gRPC 3 (INVALID_ARGUMENT).
    ///
    /// # Example
    ///
    /// ```
    /// let err = skyflow_emulator::envelope::ApiError::bad_request("Invalid request.");
    /// assert_eq!(err.status().as_u16(), 400);
    /// ```
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, GrpcCode::InvalidArgument, message)
    }

    /// 401, gRPC 16 (UNAUTHENTICATED).
    ///
    /// # Example
    ///
    /// ```
    /// let err = skyflow_emulator::envelope::ApiError::unauthorized("no token");
    /// assert_eq!(err.status().as_u16(), 401);
    /// ```
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, GrpcCode::Unauthenticated, message)
    }

    /// 403, gRPC 7 (PERMISSION_DENIED).
    ///
    /// # Example
    ///
    /// ```
    /// let err = skyflow_emulator::envelope::ApiError::forbidden("not allowed");
    /// assert_eq!(err.status().as_u16(), 403);
    /// ```
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, GrpcCode::PermissionDenied, message)
    }

    /// 404, gRPC 5 (NOT_FOUND).
    ///
    /// # Example
    ///
    /// ```
    /// let err = skyflow_emulator::envelope::ApiError::not_found("No Records Found");
    /// assert_eq!(err.status().as_u16(), 404);
    /// ```
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, GrpcCode::NotFound, message)
    }

    /// 405, gRPC 12 (UNIMPLEMENTED).
    ///
    /// # Example
    ///
    /// ```
    /// let err = skyflow_emulator::envelope::ApiError::method_not_allowed("GET");
    /// assert_eq!(err.status().as_u16(), 405);
    /// ```
    pub fn method_not_allowed(method: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            GrpcCode::Unimplemented,
            format!("Method {method} is not allowed on this path."),
        )
    }

    /// 413, gRPC 8 (RESOURCE_EXHAUSTED).
    ///
    /// # Example
    ///
    /// ```
    /// let err = skyflow_emulator::envelope::ApiError::payload_too_large("too big");
    /// assert_eq!(err.status().as_u16(), 413);
    /// ```
    pub fn payload_too_large(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            GrpcCode::ResourceExhausted,
            message,
        )
    }

    /// 500, gRPC 13 (INTERNAL).
    ///
    /// # Example
    ///
    /// ```
    /// let err = skyflow_emulator::envelope::ApiError::internal("boom");
    /// assert_eq!(err.status().as_u16(), 500);
    /// ```
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            GrpcCode::Internal,
            message,
        )
    }

    /// The HTTP status.
    ///
    /// # Example
    ///
    /// ```
    /// let err = skyflow_emulator::envelope::ApiError::internal("boom");
    /// assert_eq!(err.status().as_u16(), 500);
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The gRPC code.
    ///
    /// # Example
    ///
    /// ```
    /// use skyflow_emulator::envelope::ApiError;
    /// assert_eq!(ApiError::forbidden("x").grpc_code(), 7);
    /// ```
    pub fn grpc_code(&self) -> u16 {
        self.grpc
    }

    /// The message.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(skyflow_emulator::envelope::ApiError::forbidden("x").message(), "x");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The envelope as JSON.
    ///
    /// # Example
    ///
    /// ```
    /// let body = skyflow_emulator::envelope::ApiError::not_found("gone").to_json();
    /// assert_eq!(body["error"]["http_code"], 404);
    /// assert_eq!(body["error"]["http_status"], "Not Found");
    /// ```
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "error": {
                "grpc_code": self.grpc,
                "http_code": self.status.as_u16(),
                "http_status": self.status.canonical_reason().unwrap_or("Error"),
                "message": self.message,
                "details": [],
            }
        })
    }

    /// The envelope for a bare status (used to convert responses produced outside handlers).
    pub(crate) fn from_status(status: StatusCode, method: &str) -> Self {
        match status {
            StatusCode::NOT_FOUND => {
                Self::not_found("The requested resource wasn't found. Check the path.")
            }
            StatusCode::METHOD_NOT_ALLOWED => Self::method_not_allowed(method),
            StatusCode::PAYLOAD_TOO_LARGE => Self::payload_too_large(
                "The request body is larger than the emulator's body size limit.",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::new(
                status,
                GrpcCode::InvalidArgument,
                "Unsupported content type for this request.",
            ),
            StatusCode::UNAUTHORIZED => Self::unauthorized(
                "The request is unauthorized. Make sure you have a valid access token.",
            ),
            StatusCode::FORBIDDEN => Self::forbidden("Permission denied."),
            s if s.is_server_error() => Self::internal(crate::engine::INTERNAL_ERROR_MESSAGE),
            s => Self::new(s, GrpcCode::InvalidArgument, "The request was invalid."),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.to_json())).into_response();
        // Marks the response so the normalizing middleware leaves it alone.
        response.extensions_mut().insert(EnvelopeMarker);
        response
    }
}

/// Response extension marking a body that is already an envelope.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EnvelopeMarker;

impl From<crate::engine::EngineError> for ApiError {
    fn from(e: crate::engine::EngineError) -> Self {
        let status =
            StatusCode::from_u16(e.http_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            // Server faults are logged (without caller data, with the fault's detail); the
            // wire gets the generic message (storage faults) or Skyflow's own 500 quirk.
            tracing::error!(error = %e, "engine error");
        }
        Self {
            status,
            grpc: u16::try_from(e.grpc_code()).unwrap_or(13),
            message: e.message().to_owned(),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Self::bad_request(
                "Invalid request. Expected a JSON body with content-type application/json.",
            ),
            JsonRejection::BytesRejection(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Self::from_status(StatusCode::PAYLOAD_TOO_LARGE, "")
            }
            // serde's messages name the offending field and position, never the value.
            JsonRejection::JsonDataError(e) => Self::bad_request(format!(
                "Invalid request body. {}",
                scrub_serde_message(&e.body_text())
            )),
            JsonRejection::JsonSyntaxError(_) => {
                Self::bad_request("Invalid request body. The body is not valid JSON.")
            }
            other => Self::bad_request(format!("Invalid request body. {}", other.body_text())),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad_request(format!(
            "Invalid query parameters. {}",
            rejection.body_text()
        ))
    }
}

/// Removes the offending value from a serde message, keeping the field path and what was
/// expected: `x: invalid type: string "4111", expected a boolean` becomes
/// `x: invalid type: string, expected a boolean`. Values can be record data and must not be
/// echoed.
pub(crate) fn scrub_serde_message(message: &str) -> String {
    let message = message
        .strip_prefix("Failed to deserialize the JSON body into the target type: ")
        .unwrap_or(message);
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    loop {
        let marker = [
            "invalid type: ",
            "invalid value: ",
            "unknown variant ",
            "invalid length ",
        ]
        .iter()
        .filter_map(|m| rest.find(m).map(|i| (i, *m)))
        .min_by_key(|(i, _)| *i);
        let Some((at, marker)) = marker else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..at + marker.len()]);
        let tail = &rest[at + marker.len()..];
        let end = tail.find(", expected").unwrap_or(tail.len());
        let described = &tail[..end];
        // Keep the leading kind word ("string", "integer") and drop the value itself.
        let kind = described
            .split([' ', '`', '"'])
            .next()
            .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic()) && !w.is_empty())
            .unwrap_or("value");
        out.push_str(kind);
        rest = &tail[end..];
    }
    out
}

/// A JSON body extractor whose rejections are [`ApiError`] envelopes.
///
/// # Example
///
/// ```
/// use skyflow_emulator::envelope::{ApiError, JsonBody};
///
/// async fn handler(JsonBody(body): JsonBody<serde_json::Value>) -> Result<String, ApiError> {
///     Ok(body.to_string())
/// }
/// let _router: axum::Router = axum::Router::new().route("/", axum::routing::post(handler));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_plain_json(req.headers()) {
            // Any other content type goes through axum's own checks and rejections.
            let Json(value) = Json::<T>::from_request(req, state).await?;
            return Ok(Self(value));
        }
        let bytes = bytes::Bytes::from_request(req, state)
            .await
            .map_err(JsonRejection::from)?;
        // serde_json alone is much cheaper than axum's parse, which tracks the path of every
        // value it reads (a detokenize body holds 1,000 objects). Both accept the same
        // bodies; one that fails is parsed again by axum, whose error names the field.
        match serde_json::from_slice(&bytes) {
            Ok(value) => Ok(Self(value)),
            Err(_) => {
                let Json(value) = Json::<T>::from_bytes(&bytes)?;
                Ok(Self(value))
            }
        }
    }
}

/// Whether the request says `Content-Type: application/json` (optionally with
/// `charset=utf-8`): a strict subset of what axum takes for JSON.
fn is_plain_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(Ok(value)) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .map(|v| v.to_str())
    else {
        return false;
    };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        && parts.all(|p| p.trim().eq_ignore_ascii_case("charset=utf-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_json_content_types_skip_axums_checks() {
        let plain = |ct: &str| {
            let mut h = axum::http::HeaderMap::new();
            h.insert(axum::http::header::CONTENT_TYPE, ct.parse().unwrap());
            is_plain_json(&h)
        };
        assert!(plain("application/json"));
        assert!(plain("Application/JSON; charset=UTF-8"));
        assert!(!plain("application/json; charset=latin1"));
        assert!(!plain("application/json;garbage"));
        assert!(!plain("application/problem+json"));
        assert!(!plain("text/plain"));
        assert!(!is_plain_json(&axum::http::HeaderMap::new()));
    }
}
