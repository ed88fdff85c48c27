//! The engine's error type: an HTTP status, a gRPC code and a Skyflow-style message.

use std::fmt;

/// What went wrong, in broad classes. The HTTP and gRPC codes follow from it.
///
/// ```
/// use skyflow_emulator::engine::{EngineError, ErrorKind};
/// let e = EngineError::new(ErrorKind::NotFound, "No Records Found");
/// assert_eq!(e.kind(), ErrorKind::NotFound);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 400 / gRPC 3 (INVALID_ARGUMENT): the request is malformed or breaks a rule.
    InvalidArgument,
    /// 400 / gRPC 9 (FAILED_PRECONDITION): e.g. a unique constraint violation (Skyflow's observed pair).
    FailedPrecondition,
    /// 404 / gRPC 5 (NOT_FOUND).
    NotFound,
    /// 409 / gRPC 6 (ALREADY_EXISTS): e.g. a BYOT token already mapped to another value.
    AlreadyExists,
    /// 403 / gRPC 7 (PERMISSION_DENIED).
    PermissionDenied,
    /// 401 / gRPC 16 (UNAUTHENTICATED).
    Unauthenticated,
    /// 413 / gRPC 8 (RESOURCE_EXHAUSTED): a body or file over the size limit.
    PayloadTooLarge,
    /// 501 / gRPC 12 (UNIMPLEMENTED): a feature this local vault does not emulate.
    Unimplemented,
    /// 500 / gRPC 13 (INTERNAL): a server fault (storage, crypto), or a quirk copied from Skyflow.
    Internal,
}

impl ErrorKind {
    /// The HTTP status code of this kind.
    ///
    /// ```
    /// use skyflow_emulator::engine::ErrorKind;
    /// assert_eq!(ErrorKind::NotFound.http_code(), 404);
    /// ```
    pub fn http_code(self) -> u16 {
        match self {
            ErrorKind::InvalidArgument | ErrorKind::FailedPrecondition => 400,
            ErrorKind::NotFound => 404,
            ErrorKind::AlreadyExists => 409,
            ErrorKind::PermissionDenied => 403,
            ErrorKind::Unauthenticated => 401,
            ErrorKind::PayloadTooLarge => 413,
            ErrorKind::Unimplemented => 501,
            ErrorKind::Internal => 500,
        }
    }

    /// The gRPC status code of this kind.
    ///
    /// ```
    /// use skyflow_emulator::engine::ErrorKind;
    /// assert_eq!(ErrorKind::FailedPrecondition.grpc_code(), 9);
    /// ```
    pub fn grpc_code(self) -> i32 {
        match self {
            ErrorKind::InvalidArgument => 3,
            ErrorKind::FailedPrecondition => 9,
            ErrorKind::NotFound => 5,
            ErrorKind::AlreadyExists => 6,
            ErrorKind::PermissionDenied => 7,
            ErrorKind::Unauthenticated => 16,
            ErrorKind::PayloadTooLarge => 8,
            ErrorKind::Unimplemented => 12,
            ErrorKind::Internal => 13,
        }
    }
}

/// The message a server fault (storage, crypto) answers with. What really happened is logged,
/// never sent: SQLite's text describes the emulator's internals.
pub const INTERNAL_ERROR_MESSAGE: &str =
    "Skyflow emulator experienced an internal error. Check the emulator's logs.";

/// The reason phrase of an HTTP status code, as Skyflow puts it in `http_status`.
///
/// ```
/// assert_eq!(skyflow_emulator::engine::http_status_text(404), "Not Found");
/// ```
pub fn http_status_text(code: u16) -> &'static str {
    match code {
        200 => "OK",
        207 => "Multi-Status",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ if code >= 500 => "Internal Server Error",
        _ => "Bad Request",
    }
}

/// An engine error: carries the HTTP status, the gRPC code and the message for Skyflow's
/// JSON error envelope (`{"error":{"grpc_code","http_code","http_status","message","details"}}`).
///
/// Some messages name a token the caller sent (Skyflow's wording `Token not found for <token>`);
/// those are flagged sensitive, and `Display`/`Debug` then hide the message, so logging an
/// error never leaks a token or value. [`EngineError::message`] gives the wire message.
///
/// ```
/// use skyflow_emulator::engine::EngineError;
/// let e = EngineError::token_not_found("tok-1");
/// assert_eq!(e.http_code(), 404);
/// assert_eq!(e.message(), "Token not found for tok-1");
/// assert!(!format!("{e:?} {e}").contains("tok-1"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct EngineError {
    kind: ErrorKind,
    message: String,
    /// What a server fault really was (e.g. SQLite's text): for the log, never the wire.
    detail: Option<String>,
    sensitive: bool,
    /// Skyflow's exact wording: never prefixed with context.
    exact: bool,
}

impl EngineError {
    /// A new error of `kind` with a message that holds no secret.
    ///
    /// ```
    /// use skyflow_emulator::engine::{EngineError, ErrorKind};
    /// let e = EngineError::new(ErrorKind::InvalidArgument, "Invalid limit");
    /// assert_eq!(e.http_code(), 400);
    /// ```
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        let mut message = message.into();
        truncate(&mut message);
        EngineError {
            kind,
            message,
            detail: None,
            sensitive: false,
            exact: false,
        }
    }

    /// A new error whose message contains something the caller sent that must not be logged
    /// (a token or a value). `Display` and `Debug` hide the message.
    ///
    /// ```
    /// use skyflow_emulator::engine::{EngineError, ErrorKind};
    /// let e = EngineError::sensitive(ErrorKind::NotFound, "Token not found for secret");
    /// assert!(!e.to_string().contains("secret"));
    /// ```
    pub fn sensitive(kind: ErrorKind, message: impl Into<String>) -> Self {
        let mut e = Self::new(kind, message);
        e.sensitive = true;
        e
    }

    /// 400 / 3 with `message`.
    ///
    /// ```
    /// assert_eq!(skyflow_emulator::engine::EngineError::invalid("bad").grpc_code(), 3);
    /// ```
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }

    /// 404 / 5 "No Records Found".
    ///
    /// ```
    /// assert_eq!(skyflow_emulator::engine::EngineError::no_records().message(), "No Records Found");
    /// ```
    pub fn no_records() -> Self {
        Self::new(ErrorKind::NotFound, "No Records Found")
    }

    /// 404 / 5 `Token not found for <token>` (sensitive).
    ///
    /// ```
    /// assert_eq!(skyflow_emulator::engine::EngineError::token_not_found("t").http_code(), 404);
    /// ```
    pub fn token_not_found(token: &str) -> Self {
        Self::sensitive(ErrorKind::NotFound, format!("Token not found for {token}"))
    }

    /// 400 / 9 "Error Inserting Records due to unique constraint violation".
    ///
    /// ```
    /// assert_eq!(skyflow_emulator::engine::EngineError::unique_violation().grpc_code(), 9);
    /// ```
    pub fn unique_violation() -> Self {
        let mut e = Self::new(
            ErrorKind::FailedPrecondition,
            "Error Inserting Records due to unique constraint violation",
        );
        e.exact = true;
        e
    }

    /// 400 / 3 `Insert failed. Column <c> is invalid. Specify a valid column.`: Skyflow's
    /// wording for an unknown column in an inserted record (vault-semantics §1.14).
    ///
    /// ```
    /// let e = skyflow_emulator::engine::EngineError::invalid_insert_column("nope");
    /// assert_eq!(e.message(), "Insert failed. Column nope is invalid. Specify a valid column.");
    /// ```
    pub fn invalid_insert_column(column: &str) -> Self {
        let mut e = Self::invalid(format!(
            "Insert failed. Column {column} is invalid. Specify a valid column."
        ));
        e.exact = true;
        e
    }

    /// 500 / 13 for a storage or crypto fault. The wire message is the generic
    /// [`INTERNAL_ERROR_MESSAGE`]; `detail` goes to the log only (through `Display`, `Debug`
    /// and [`EngineError::detail`]).
    ///
    /// ```
    /// use skyflow_emulator::engine::{EngineError, INTERNAL_ERROR_MESSAGE};
    /// let e = EngineError::internal("disk I/O error");
    /// assert_eq!(e.http_code(), 500);
    /// assert_eq!(e.message(), INTERNAL_ERROR_MESSAGE);
    /// assert!(!e.to_envelope().to_string().contains("disk"));
    /// assert_eq!(e.detail(), Some("disk I/O error"));
    /// assert!(e.to_string().contains("disk I/O error"));
    /// ```
    pub fn internal(detail: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorKind::Internal, INTERNAL_ERROR_MESSAGE);
        let mut detail = detail.into();
        truncate(&mut detail);
        e.detail = Some(detail);
        e
    }

    /// The log-only detail of a server fault (see [`EngineError::internal`]).
    ///
    /// ```
    /// assert_eq!(skyflow_emulator::engine::EngineError::no_records().detail(), None);
    /// ```
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// 501 / 12: `<feature> is not supported by the local vault`.
    ///
    /// ```
    /// let e = skyflow_emulator::engine::EngineError::unsupported("WITH clauses");
    /// assert_eq!(e.http_code(), 501);
    /// ```
    pub fn unsupported(feature: &str) -> Self {
        Self::new(
            ErrorKind::Unimplemented,
            format!("{feature} is not supported by the local vault"),
        )
    }

    /// The error class.
    ///
    /// ```
    /// use skyflow_emulator::engine::{EngineError, ErrorKind};
    /// assert_eq!(EngineError::no_records().kind(), ErrorKind::NotFound);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The HTTP status code (also the envelope's `http_code`).
    ///
    /// ```
    /// assert_eq!(skyflow_emulator::engine::EngineError::no_records().http_code(), 404);
    /// ```
    pub fn http_code(&self) -> u16 {
        self.kind.http_code()
    }

    /// The gRPC status code for the envelope's `grpc_code`.
    ///
    /// ```
    /// assert_eq!(skyflow_emulator::engine::EngineError::no_records().grpc_code(), 5);
    /// ```
    pub fn grpc_code(&self) -> i32 {
        self.kind.grpc_code()
    }

    /// The reason phrase for the envelope's `http_status`.
    ///
    /// ```
    /// assert_eq!(skyflow_emulator::engine::EngineError::no_records().http_status(), "Not Found");
    /// ```
    pub fn http_status(&self) -> &'static str {
        http_status_text(self.http_code())
    }

    /// The wire message (at most 1000 characters). May name a token the caller sent; do not log it.
    ///
    /// ```
    /// assert_eq!(skyflow_emulator::engine::EngineError::invalid("x").message(), "x");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the message holds caller data that must not be logged.
    ///
    /// ```
    /// assert!(skyflow_emulator::engine::EngineError::token_not_found("t").is_sensitive());
    /// ```
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }

    /// A message safe to log: the wire message, or a placeholder when it is sensitive.
    ///
    /// ```
    /// let e = skyflow_emulator::engine::EngineError::token_not_found("t");
    /// assert_eq!(e.loggable_message(), "<message withheld: names caller data>");
    /// ```
    pub fn loggable_message(&self) -> &str {
        if self.sensitive {
            "<message withheld: names caller data>"
        } else {
            &self.message
        }
    }

    /// The Skyflow JSON error envelope for this error.
    ///
    /// ```
    /// let v = skyflow_emulator::engine::EngineError::no_records().to_envelope();
    /// assert_eq!(v["error"]["http_code"], 404);
    /// assert_eq!(v["error"]["grpc_code"], 5);
    /// ```
    pub fn to_envelope(&self) -> serde_json::Value {
        serde_json::json!({
            "error": {
                "grpc_code": self.grpc_code(),
                "http_code": self.http_code(),
                "http_status": self.http_status(),
                "message": self.message,
                "details": [],
            }
        })
    }

    /// Prefixes context (e.g. which batch entry failed); Skyflow's exact messages are kept
    /// as they are.
    pub(crate) fn with_prefix(mut self, prefix: &str) -> Self {
        if self.exact {
            return self;
        }
        self.message = format!("{prefix}{}", self.message);
        truncate(&mut self.message);
        self
    }
}

fn truncate(message: &mut String) {
    if message.chars().count() > 1000 {
        *message = message.chars().take(1000).collect();
    }
}

impl fmt::Debug for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineError")
            .field("kind", &self.kind)
            .field("message", &self.loggable_message())
            .field("detail", &self.detail)
            .finish()
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.http_code(),
            self.grpc_code(),
            self.loggable_message()
        )?;
        match &self.detail {
            Some(d) => write!(f, " ({d})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for EngineError {}

impl From<rusqlite::Error> for EngineError {
    fn from(e: rusqlite::Error) -> Self {
        // SQLite errors never carry record values here: values are bound as encrypted blobs.
        EngineError::internal(format!("storage error: {e}"))
    }
}

/// Result alias of the engine.
///
/// ```
/// let r: skyflow_emulator::engine::EngineResult<u8> = Ok(1);
/// assert!(r.is_ok());
/// ```
pub type EngineResult<T> = Result<T, EngineError>;
