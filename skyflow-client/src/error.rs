//! The one error type of the SDK.
//!
//! Every fallible call returns [`Result<T>`](crate::Result), whose error is [`Error`]. An
//! error has a [`kind`](Error::kind) that says which stage failed (bad configuration, a
//! request rejected before sending, authentication, the network, a timeout, the vault's
//! answer, or a response we could not read) and, when the vault answered, the fields of
//! Skyflow's error envelope: http code, gRPC code, http status, message, request id and
//! details.
//!
//! ```
//! use skyflow_client::{Error, ErrorKind};
//!
//! fn explain(err: &Error) -> String {
//!     match err.kind() {
//!         ErrorKind::Validation => format!("fix the request: {}", err.message()),
//!         ErrorKind::Api => format!(
//!             "vault said {} (request id {})",
//!             err.message(),
//!             err.request_id().unwrap_or("none"),
//!         ),
//!         _ => err.to_string(),
//!     }
//! }
//! # let _ = explain;
//! ```
//!
//! Messages never contain a credential, a token or a record value.

use std::fmt;

/// A `Result` whose error is the SDK's [`Error`].
///
/// ```
/// fn parse_limit(s: &str) -> skyflow_client::Result<u32> {
///     s.parse().map_err(|_| {
///         skyflow_client::Error::validation("GetRequest", "limit", "must be a whole number")
///     })
/// }
/// assert!(parse_limit("x").is_err());
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which stage of a call failed.
///
/// ```
/// use skyflow_client::{Error, ErrorKind};
/// let err = Error::validation("InsertRequest", "table", "must not be empty");
/// assert_eq!(err.kind(), ErrorKind::Validation);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The client's configuration is invalid or incomplete: a vault or connection config,
    /// the credentials given to the client or to a config (including `SKYFLOW_CREDENTIALS`
    /// and a credentials file read for a client), retry or timeout settings, custom headers,
    /// or an unknown vault or connection id. Raised by the builder, the config methods and
    /// when a handle is taken or a token is first needed. The field names the config, e.g.
    /// `vaults[v2].credentials.api_key`.
    Config,
    /// A request was rejected before it was sent: a vault request, or the input of a
    /// standalone [`service_account`](crate::service_account) function (the credentials
    /// JSON or file passed to it, role ids, ctx, token URI, time to live). The error names
    /// the operation and the field.
    Validation,
    /// Credentials could not be read, or a bearer token could not be obtained or was refused.
    Auth,
    /// The request could not be sent or the connection failed.
    Transport,
    /// The request or the connection did not finish in time.
    Timeout,
    /// The vault answered with an error.
    Api,
    /// The vault's answer could not be read.
    Decode,
}

impl ErrorKind {
    fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Config => "configuration error",
            ErrorKind::Validation => "invalid request",
            ErrorKind::Auth => "authentication error",
            ErrorKind::Transport => "transport error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Api => "vault error",
            ErrorKind::Decode => "unreadable response",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The SDK's error.
///
/// Build your own only in tests; the SDK creates them. Everything is behind accessors so
/// fields can be added without breaking you.
///
/// ```
/// use skyflow_client::Error;
/// let err = Error::validation("GetRequest", "ids", "must not be combined with column_name");
/// assert!(err.is_validation());
/// assert_eq!(err.field(), Some("ids"));
/// assert_eq!(err.http_code(), Some(400));
/// assert!(err.to_string().contains("GetRequest"));
/// ```
#[derive(thiserror::Error)]
#[error(transparent)]
pub struct Error {
    inner: Box<Inner>,
}

/// The error's data. `thiserror` writes `Display` (through [`Inner::summary`]) and
/// `Error::source` (the `source` field); `Error` forwards both.
#[derive(thiserror::Error)]
#[error("{}", self.summary())]
struct Inner {
    kind: ErrorKind,
    message: String,
    operation: Option<String>,
    field: Option<String>,
    http_code: Option<u16>,
    status: Option<u16>,
    grpc_code: Option<i32>,
    http_status: Option<String>,
    request_id: Option<String>,
    details: Vec<serde_json::Value>,
    #[source]
    source: Option<BoxError>,
}

impl Error {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                operation: None,
                field: None,
                http_code: None,
                status: None,
                grpc_code: None,
                http_status: None,
                request_id: None,
                details: Vec::new(),
                source: None,
            }),
        }
    }

    /// A configuration error about `field` (for example `vault_id` or `credentials`).
    ///
    /// ```
    /// let err = skyflow_client::Error::config("cluster_id", "must not be empty");
    /// assert!(err.is_config());
    /// assert_eq!(err.field(), Some("cluster_id"));
    /// ```
    pub fn config(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut err = Error::new(ErrorKind::Config, message);
        err.inner.field = Some(field.into());
        err.inner.http_code = Some(400);
        err
    }

    /// A request that was rejected before sending: `operation` names the request type,
    /// `field` the offending field.
    ///
    /// ```
    /// let err = skyflow_client::Error::validation("InsertRequest", "values", "must not be empty");
    /// assert_eq!(err.operation(), Some("InsertRequest"));
    /// ```
    pub fn validation(
        operation: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let mut err = Error::new(ErrorKind::Validation, message);
        err.inner.operation = Some(operation.into());
        err.inner.field = Some(field.into());
        err.inner.http_code = Some(400);
        err
    }

    /// An authentication error.
    ///
    /// ```
    /// let err = skyflow_client::Error::auth("the token endpoint refused the assertion");
    /// assert!(err.is_auth());
    /// ```
    pub fn auth(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Auth, message)
    }

    /// A transport error (the request could not be sent or the connection broke).
    ///
    /// ```
    /// let err = skyflow_client::Error::transport("connection refused");
    /// assert!(err.is_transport());
    /// ```
    pub fn transport(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Transport, message)
    }

    /// A timeout.
    ///
    /// ```
    /// let err = skyflow_client::Error::timeout("no response within 30s");
    /// assert!(err.is_timeout());
    /// ```
    pub fn timeout(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Timeout, message)
    }

    /// An error answered by the vault, with the HTTP status it came with.
    ///
    /// The http code starts out equal to the status; [`with_http_code`](Self::with_http_code)
    /// replaces it with the envelope's `http_code`.
    ///
    /// ```
    /// let err = skyflow_client::Error::api(404, "Token not found");
    /// assert_eq!(err.status(), Some(404));
    /// assert!(err.is_api());
    /// ```
    pub fn api(status: u16, message: impl Into<String>) -> Self {
        let mut err = Error::new(ErrorKind::Api, message);
        err.inner.status = Some(status);
        err.inner.http_code = Some(status);
        err
    }

    /// A response that could not be read (not JSON, or not the expected shape).
    ///
    /// ```
    /// let err = skyflow_client::Error::decode("response is not JSON");
    /// assert!(err.is_decode());
    /// ```
    pub fn decode(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Decode, message)
    }

    /// Sets the operation (request type) the error belongs to.
    ///
    /// ```
    /// let err = skyflow_client::Error::transport("reset").with_operation("DetokenizeRequest");
    /// assert_eq!(err.operation(), Some("DetokenizeRequest"));
    /// ```
    #[must_use]
    pub fn with_operation(mut self, operation: impl Into<String>) -> Self {
        self.inner.operation = Some(operation.into());
        self
    }

    /// Sets the field the error is about.
    ///
    /// ```
    /// let err = skyflow_client::Error::auth("unreadable").with_field("privateKey");
    /// assert_eq!(err.field(), Some("privateKey"));
    /// ```
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.inner.field = Some(field.into());
        self
    }

    /// Sets the HTTP status the response came with.
    ///
    /// ```
    /// let err = skyflow_client::Error::decode("not JSON").with_status(502);
    /// assert_eq!(err.status(), Some(502));
    /// ```
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        if self.inner.http_code.is_none() {
            self.inner.http_code = Some(status);
        }
        self
    }

    /// Sets the http code (Skyflow's `error.http_code`).
    ///
    /// ```
    /// let err = skyflow_client::Error::api(400, "bad").with_http_code(409);
    /// assert_eq!(err.http_code(), Some(409));
    /// ```
    #[must_use]
    pub fn with_http_code(mut self, code: u16) -> Self {
        self.inner.http_code = Some(code);
        self
    }

    /// Sets the gRPC code (Skyflow's `error.grpc_code`).
    ///
    /// ```
    /// let err = skyflow_client::Error::api(404, "not found").with_grpc_code(5);
    /// assert_eq!(err.grpc_code(), Some(5));
    /// ```
    #[must_use]
    pub fn with_grpc_code(mut self, code: i32) -> Self {
        self.inner.grpc_code = Some(code);
        self
    }

    /// Sets the http status text (Skyflow's `error.http_status`, e.g. `Not Found`).
    ///
    /// ```
    /// let err = skyflow_client::Error::api(404, "gone").with_http_status("Not Found");
    /// assert_eq!(err.http_status(), Some("Not Found"));
    /// ```
    #[must_use]
    pub fn with_http_status(mut self, status: impl Into<String>) -> Self {
        self.inner.http_status = Some(status.into());
        self
    }

    /// Sets the request id (the `x-request-id` response header).
    ///
    /// ```
    /// let err = skyflow_client::Error::api(500, "boom").with_request_id("req-1");
    /// assert_eq!(err.request_id(), Some("req-1"));
    /// ```
    #[must_use]
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.inner.request_id = Some(request_id.into());
        self
    }

    /// Sets the details (Skyflow's `error.details`).
    ///
    /// ```
    /// let err = skyflow_client::Error::api(400, "bad")
    ///     .with_details(vec![serde_json::json!({"@type": "x"})]);
    /// assert_eq!(err.details().len(), 1);
    /// ```
    #[must_use]
    pub fn with_details(mut self, details: Vec<serde_json::Value>) -> Self {
        self.inner.details = details;
        self
    }

    /// Attaches the underlying cause, reachable through [`std::error::Error::source`].
    ///
    /// The cause must not carry secrets in its `Display`.
    ///
    /// ```
    /// let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
    /// let err = skyflow_client::Error::auth("cannot read credentials file").with_source(io);
    /// assert!(std::error::Error::source(&err).is_some());
    /// ```
    #[must_use]
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    /// Replaces every occurrence of the given tokens or values in the message with
    /// `<redacted>`: vault messages sometimes quote what the request sent ("Token not
    /// found for …"), and errors must never carry it.
    pub(crate) fn without_secrets(mut self, secrets: &[&str]) -> Self {
        cut_secrets(&mut self.inner.message, secrets);
        self
    }

    /// Which stage failed.
    ///
    /// ```
    /// let err = skyflow_client::Error::timeout("slow");
    /// assert_eq!(err.kind(), skyflow_client::ErrorKind::Timeout);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The human-readable message (the vault's `error.message` for API errors).
    ///
    /// ```
    /// assert_eq!(skyflow_client::Error::api(400, "Invalid table").message(), "Invalid table");
    /// ```
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The request type the error belongs to, when known.
    ///
    /// ```
    /// let err = skyflow_client::Error::validation("QueryRequest", "query", "empty");
    /// assert_eq!(err.operation(), Some("QueryRequest"));
    /// ```
    pub fn operation(&self) -> Option<&str> {
        self.inner.operation.as_deref()
    }

    /// The field the error is about, when known.
    ///
    /// ```
    /// let err = skyflow_client::Error::config("env", "unknown environment");
    /// assert_eq!(err.field(), Some("env"));
    /// ```
    pub fn field(&self) -> Option<&str> {
        self.inner.field.as_deref()
    }

    /// Skyflow's http code: the envelope's `http_code` for API errors, 400 for config and
    /// validation errors, and the HTTP status otherwise when there was a response.
    ///
    /// ```
    /// assert_eq!(skyflow_client::Error::config("vault_id", "empty").http_code(), Some(400));
    /// ```
    pub fn http_code(&self) -> Option<u16> {
        self.inner.http_code
    }

    /// The HTTP status line code of the response, when there was a response.
    ///
    /// ```
    /// assert_eq!(skyflow_client::Error::transport("refused").status(), None);
    /// ```
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// Skyflow's gRPC code, when the vault sent one.
    ///
    /// ```
    /// assert_eq!(skyflow_client::Error::api(400, "x").grpc_code(), None);
    /// ```
    pub fn grpc_code(&self) -> Option<i32> {
        self.inner.grpc_code
    }

    /// Skyflow's http status text (`Bad Request`, `Not Found` …), when the vault sent one.
    ///
    /// ```
    /// assert_eq!(skyflow_client::Error::api(400, "x").http_status(), None);
    /// ```
    pub fn http_status(&self) -> Option<&str> {
        self.inner.http_status.as_deref()
    }

    /// The request id from the `x-request-id` response header, when there was one.
    ///
    /// ```
    /// assert_eq!(skyflow_client::Error::api(400, "x").request_id(), None);
    /// ```
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// Skyflow's `error.details` (empty when absent).
    ///
    /// ```
    /// assert!(skyflow_client::Error::api(400, "x").details().is_empty());
    /// ```
    pub fn details(&self) -> &[serde_json::Value] {
        &self.inner.details
    }

    /// `true` for configuration errors ([`ErrorKind::Config`]): the client, a vault or
    /// connection config, or the credentials given to them is invalid. Compare
    /// [`is_validation`](Self::is_validation).
    ///
    /// ```
    /// assert!(skyflow_client::Error::config("env", "bad").is_config());
    /// ```
    pub fn is_config(&self) -> bool {
        self.inner.kind == ErrorKind::Config
    }

    /// `true` for requests rejected before sending ([`ErrorKind::Validation`]): a vault
    /// request, or the input of a standalone
    /// [`service_account`](crate::service_account) function such as
    /// [`generate_bearer_token`](crate::service_account::generate_bearer_token). Bad
    /// configuration of the client (including credentials given to it) is
    /// [`is_config`](Self::is_config) instead; nothing was sent in either case.
    ///
    /// ```
    /// assert!(skyflow_client::Error::validation("R", "f", "bad").is_validation());
    /// ```
    pub fn is_validation(&self) -> bool {
        self.inner.kind == ErrorKind::Validation
    }

    /// `true` for authentication errors, including a vault answer of 401 or 403.
    ///
    /// ```
    /// assert!(skyflow_client::Error::api(401, "expired").is_auth());
    /// ```
    pub fn is_auth(&self) -> bool {
        self.inner.kind == ErrorKind::Auth || matches!(self.inner.status, Some(401 | 403))
    }

    /// `true` for transport errors.
    ///
    /// ```
    /// assert!(skyflow_client::Error::transport("reset").is_transport());
    /// ```
    pub fn is_transport(&self) -> bool {
        self.inner.kind == ErrorKind::Transport
    }

    /// `true` for timeouts.
    ///
    /// ```
    /// assert!(skyflow_client::Error::timeout("slow").is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }

    /// `true` when the vault answered with an error.
    ///
    /// ```
    /// assert!(skyflow_client::Error::api(500, "boom").is_api());
    /// ```
    pub fn is_api(&self) -> bool {
        self.inner.kind == ErrorKind::Api
    }

    /// `true` when the vault's answer could not be read.
    ///
    /// ```
    /// assert!(skyflow_client::Error::decode("garbage").is_decode());
    /// ```
    pub fn is_decode(&self) -> bool {
        self.inner.kind == ErrorKind::Decode
    }

    /// `true` when the vault answered 404.
    ///
    /// ```
    /// assert!(skyflow_client::Error::api(404, "missing").is_not_found());
    /// ```
    pub fn is_not_found(&self) -> bool {
        self.inner.status == Some(404) || self.inner.http_code == Some(404)
    }
}

impl Inner {
    /// `kind in Operation (field `f`) [code status]: message (request id …)`, each part
    /// only when known.
    fn summary(&self) -> String {
        use fmt::Write as _;
        let mut out = self.kind.to_string();
        if let Some(op) = &self.operation {
            let _ = write!(out, " in {op}");
        }
        if let Some(field) = &self.field {
            let _ = write!(out, " (field `{field}`)");
        }
        if matches!(self.kind, ErrorKind::Api | ErrorKind::Decode)
            && let Some(code) = self.http_code.or(self.status)
        {
            let _ = write!(out, " [{code}");
            if let Some(text) = &self.http_status {
                let _ = write!(out, " {text}");
            }
            out.push(']');
        }
        let _ = write!(out, ": {}", self.message);
        if let Some(id) = &self.request_id {
            let _ = write!(out, " (request id {id})");
        }
        out
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self;
        let mut s = f.debug_struct("Error");
        s.field("kind", &inner.kind)
            .field("message", &inner.message);
        if let Some(op) = &inner.operation {
            s.field("operation", op);
        }
        if let Some(field) = &inner.field {
            s.field("field", field);
        }
        if let Some(code) = inner.http_code {
            s.field("http_code", &code);
        }
        if let Some(status) = inner.status {
            s.field("status", &status);
        }
        if let Some(code) = inner.grpc_code {
            s.field("grpc_code", &code);
        }
        if let Some(text) = &inner.http_status {
            s.field("http_status", text);
        }
        if let Some(id) = &inner.request_id {
            s.field("request_id", id);
        }
        if !inner.details.is_empty() {
            s.field("details", &inner.details);
        }
        if let Some(source) = &inner.source {
            s.field("source", &format_args!("{source}"));
        }
        s.finish()
    }
}

/// A secret at least this many characters long is cut wherever it appears, even inside a
/// longer word: a token or a card number cannot be an ordinary word.
const CUT_ANYWHERE_FROM: usize = 12;

/// Replaces the given tokens or record values in a vault message with `<redacted>`. The
/// one place secrets are cut out of messages: a whole call's error
/// ([`Error::without_secrets`]) and per-record errors (continue-on-error) both use it.
///
/// The rule: a secret is cut where it stands as a whole run, that is where the characters
/// just before and just after it are not letters or digits (or are the message's ends),
/// so `NY` is cut from `value "NY" is invalid` and from `value NY is invalid` but not from
/// `ANY`. A secret of [`CUT_ANYWHERE_FROM`] characters or more is cut wherever it
/// appears. Longer secrets are cut first, so a value that contains another (`Jane Doe`
/// and `Jane`) is cut whole. Empty secrets are ignored.
pub(crate) fn cut_secrets(message: &mut String, secrets: &[&str]) {
    let mut secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in secrets {
        if !message.contains(secret) {
            continue;
        }
        let anywhere = secret.chars().count() >= CUT_ANYWHERE_FROM;
        let not_word = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        let mut cut = String::with_capacity(message.len());
        let mut kept_to = 0;
        for (at, _) in message.match_indices(secret) {
            let end = at + secret.len();
            let whole = not_word(message[..at].chars().next_back())
                && not_word(message[end..].chars().next());
            if anywhere || whole {
                cut.push_str(&message[kept_to..at]);
                cut.push_str("<redacted>");
                kept_to = end;
            }
        }
        cut.push_str(&message[kept_to..]);
        *message = cut;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(message: &str, secrets: &[&str]) -> String {
        let mut message = message.to_owned();
        cut_secrets(&mut message, secrets);
        message
    }

    /// Per-record messages in the shapes a vault writes when it quotes what it was given.
    #[test]
    fn record_values_are_cut_where_they_stand_as_whole_runs() {
        let record = [
            "NY",
            "Jane",
            "Jane Doe",
            "jane@example.com",
            "4111111111111111",
        ];
        let cases = [
            (
                "Invalid value \"NY\" for column state",
                "Invalid value \"<redacted>\" for column state",
            ),
            (
                "Value NY is not one of the column's predefined values",
                "Value <redacted> is not one of the column's predefined values",
            ),
            // A short value inside a word is an ordinary word, not the value.
            ("ANY field is NYC-only", "ANY field is NYC-only"),
            // The longer value is cut whole, not left as " Doe".
            (
                "Duplicate entry 'Jane Doe' for key 'name'",
                "Duplicate entry '<redacted>' for key 'name'",
            ),
            (
                "Error Inserting Records due to unique constraint violation: jane@example.com",
                "Error Inserting Records due to unique constraint violation: <redacted>",
            ),
            // Long secrets are cut even inside a run of letters and digits.
            (
                "card_number=x4111111111111111x does not match the regex",
                "card_number=x<redacted>x does not match the regex",
            ),
            ("", ""),
        ];
        for (message, expected) in cases {
            assert_eq!(cut(message, &record), expected, "{message}");
        }
        assert_eq!(
            cut("Jane met Jane", &["", "Jane"]),
            "<redacted> met <redacted>"
        );
        assert_eq!(
            cut("für Köln: Köln", &["Köln"]),
            "für <redacted>: <redacted>"
        );
    }

    #[test]
    fn error_is_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert_eq!(size_of::<Error>(), size_of::<usize>());
    }

    #[test]
    fn display_names_operation_field_code_and_request_id() {
        let err = Error::api(404, "Token not found")
            .with_operation("DetokenizeRequest")
            .with_http_status("Not Found")
            .with_request_id("abc");
        let text = err.to_string();
        assert_eq!(
            text,
            "vault error in DetokenizeRequest [404 Not Found]: Token not found (request id abc)"
        );
    }

    #[test]
    fn validation_errors_carry_http_code_400() {
        let err = Error::validation("GetRequest", "offset", "cannot be combined with limit");
        assert_eq!(err.http_code(), Some(400));
        assert_eq!(err.status(), None);
        assert!(!err.is_api());
    }

    #[test]
    fn status_401_counts_as_auth() {
        assert!(Error::api(401, "expired").is_auth());
        assert!(Error::api(403, "denied").is_auth());
        assert!(!Error::api(400, "bad").is_auth());
    }
}
