//! Service-account auth usable without a client: bearer tokens, signed data tokens and
//! [`is_expired`].
//!
//! A service account's credentials JSON (`privateKey`, `clientID`, `keyID`, `tokenURI`;
//! snake_case accepted) signs an RS256 assertion that the token endpoint exchanges for a
//! bearer token valid for about an hour. Tokens can be scoped to role ids and carry a context
//! for conditional data access policies.
//!
//! ```no_run
//! use skyflow_client::service_account::{self, BearerTokenOptions, Context};
//!
//! # async fn run() -> skyflow_client::Result<()> {
//! let options = BearerTokenOptions::new()
//!     .with_role_ids(["r1a2b3c4"])
//!     .with_ctx(Context::map([("user_id", "42")]));
//! let token = service_account::generate_bearer_token("credentials.json", &options).await?;
//! assert!(!service_account::is_expired(token.access_token()));
//! println!("{token:?}"); // the token itself is redacted
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub(crate) mod exchange;
pub(crate) mod key;

pub use crate::credentials::Context;
use crate::logging::TARGET;
use crate::{Error, Result};
use exchange::{Exchanger, ctx_claim, sign_data_token};
use key::ServiceAccountKey;

const REDACTED: &str = "** redacted **";
const BEARER_OP: &str = "generate_bearer_token";
const SIGNED_OP: &str = "generate_signed_data_tokens";

/// Options for [`generate_bearer_token`] and [`generate_bearer_token_from_creds`].
///
/// ```
/// use skyflow_client::service_account::BearerTokenOptions;
/// let options = BearerTokenOptions::new()
///     .with_role_ids(["role1", "role2"])
///     .with_ctx("user_42")
///     .with_token_uri("https://manage.example.com/v1/auth/sa/oauth/token");
/// assert_eq!(options.role_ids().len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BearerTokenOptions {
    role_ids: Vec<String>,
    ctx: Option<Context>,
    token_uri: Option<String>,
}

impl BearerTokenOptions {
    /// No roles, no context, the credentials' own token URI.
    ///
    /// ```
    /// let options = skyflow_client::service_account::BearerTokenOptions::new();
    /// assert!(options.role_ids().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Scopes the token to these role ids (`scope: "role:<id> role:<id>"`). An empty id is a
    /// validation error.
    ///
    /// ```
    /// let options = skyflow_client::service_account::BearerTokenOptions::new().with_role_ids(["r1"]);
    /// assert_eq!(options.role_ids(), ["r1"]);
    /// ```
    #[must_use]
    pub fn with_role_ids<I, S>(mut self, role_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.role_ids = role_ids.into_iter().map(Into::into).collect();
        self
    }

    /// Puts a context into the assertion's `ctx` claim. A blank string or an empty map adds
    /// no claim; map keys must match `^[A-Za-z0-9_]+$`.
    ///
    /// ```
    /// use skyflow_client::service_account::{BearerTokenOptions, Context};
    /// let options = BearerTokenOptions::new().with_ctx(Context::map([("tenant", "acme")]));
    /// assert!(options.ctx().is_some());
    /// ```
    #[must_use]
    pub fn with_ctx(mut self, ctx: impl Into<Context>) -> Self {
        self.ctx = Some(ctx.into());
        self
    }

    /// Overrides the credentials' `tokenURI`, both as the assertion's `aud` and as the host
    /// the token is exchanged with.
    ///
    /// ```
    /// let options = skyflow_client::service_account::BearerTokenOptions::new()
    ///     .with_token_uri("https://manage.example.com/v1/auth/sa/oauth/token");
    /// assert!(options.token_uri().is_some());
    /// ```
    #[must_use]
    pub fn with_token_uri(mut self, token_uri: impl Into<String>) -> Self {
        self.token_uri = Some(token_uri.into());
        self
    }

    /// The role ids.
    ///
    /// ```
    /// assert!(skyflow_client::service_account::BearerTokenOptions::new().role_ids().is_empty());
    /// ```
    pub fn role_ids(&self) -> &[String] {
        &self.role_ids
    }

    /// The context, if set.
    ///
    /// ```
    /// assert!(skyflow_client::service_account::BearerTokenOptions::new().ctx().is_none());
    /// ```
    pub fn ctx(&self) -> Option<&Context> {
        self.ctx.as_ref()
    }

    /// The token-URI override, if set.
    ///
    /// ```
    /// assert!(skyflow_client::service_account::BearerTokenOptions::new().token_uri().is_none());
    /// ```
    pub fn token_uri(&self) -> Option<&str> {
        self.token_uri.as_deref()
    }
}

/// A bearer token obtained for a service account. `Debug` hides the token.
///
/// ```no_run
/// # async fn run() -> skyflow_client::Result<()> {
/// use skyflow_client::service_account::{self, BearerTokenOptions};
/// let token = service_account::generate_bearer_token("credentials.json", &BearerTokenOptions::new()).await?;
/// let header = format!("{} {}", token.token_type(), token.access_token());
/// # let _ = header;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken {
    access_token: String,
    token_type: String,
    expires_at: Option<i64>,
}

impl BearerToken {
    pub(crate) fn new(access_token: String, token_type: String) -> Self {
        let expires_at = crate::auth::jwt::expiry(&access_token);
        BearerToken {
            access_token,
            token_type,
            expires_at,
        }
    }

    /// The access token, for an `Authorization: Bearer …` header. Do not log it.
    ///
    /// ```no_run
    /// # async fn run(token: skyflow_client::service_account::BearerToken) {
    /// let value = format!("Bearer {}", token.access_token());
    /// # let _ = value;
    /// # }
    /// ```
    pub fn access_token(&self) -> &str {
        &self.access_token
    }

    /// The token type the endpoint named (normally `Bearer`).
    ///
    /// ```no_run
    /// # fn run(token: skyflow_client::service_account::BearerToken) {
    /// assert_eq!(token.token_type(), "Bearer");
    /// # }
    /// ```
    pub fn token_type(&self) -> &str {
        &self.token_type
    }

    /// When the token expires, read from its `exp` claim; `None` when the token is not a JWT
    /// with an `exp`.
    ///
    /// ```no_run
    /// # fn run(token: skyflow_client::service_account::BearerToken) {
    /// if let Some(at) = token.expires_at() {
    ///     println!("valid until {at:?}");
    /// }
    /// # }
    /// ```
    pub fn expires_at(&self) -> Option<SystemTime> {
        let secs = u64::try_from(self.expires_at?).ok()?;
        UNIX_EPOCH.checked_add(Duration::from_secs(secs))
    }

    /// `true` once the token's `exp` has passed (or when it has none); see [`is_expired`].
    ///
    /// ```no_run
    /// # fn run(token: skyflow_client::service_account::BearerToken) {
    /// assert!(!token.is_expired());
    /// # }
    /// ```
    pub fn is_expired(&self) -> bool {
        match self.expires_at {
            Some(exp) => crate::auth::jwt::now_secs() >= exp,
            None => true,
        }
    }

    /// The access token, consuming `self`.
    ///
    /// ```no_run
    /// # fn run(token: skyflow_client::service_account::BearerToken) {
    /// let raw: String = token.into_access_token();
    /// # let _ = raw;
    /// # }
    /// ```
    pub fn into_access_token(self) -> String {
        self.access_token
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerToken")
            .field("access_token", &REDACTED)
            .field("token_type", &self.token_type)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Options for [`generate_signed_data_tokens`] and
/// [`generate_signed_data_tokens_from_creds`].
///
/// ```
/// use skyflow_client::service_account::SignedDataTokenOptions;
/// let options = SignedDataTokenOptions::new(["tok-1", "tok-2"]).with_time_to_live(120);
/// assert_eq!(options.time_to_live(), 120);
/// ```
#[derive(Clone, PartialEq)]
pub struct SignedDataTokenOptions {
    data_tokens: Vec<String>,
    time_to_live: i64,
    ctx: Option<Context>,
}

impl SignedDataTokenOptions {
    /// Default time to live of a signed data token, in seconds.
    ///
    /// ```
    /// use skyflow_client::service_account::SignedDataTokenOptions;
    /// assert_eq!(SignedDataTokenOptions::new(["t"]).time_to_live(), SignedDataTokenOptions::DEFAULT_TIME_TO_LIVE);
    /// ```
    pub const DEFAULT_TIME_TO_LIVE: i64 = 60;

    /// Signs these data tokens, valid for 60 seconds, without context.
    ///
    /// ```
    /// let options = skyflow_client::service_account::SignedDataTokenOptions::new(vec!["tok".to_string()]);
    /// assert_eq!(options.data_tokens().len(), 1);
    /// ```
    pub fn new<I, S>(data_tokens: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        SignedDataTokenOptions {
            data_tokens: data_tokens.into_iter().map(Into::into).collect(),
            time_to_live: Self::DEFAULT_TIME_TO_LIVE,
            ctx: None,
        }
    }

    /// Seconds the signed tokens stay valid; zero or negative is a validation error.
    ///
    /// ```
    /// let options = skyflow_client::service_account::SignedDataTokenOptions::new(["t"]).with_time_to_live(300);
    /// assert_eq!(options.time_to_live(), 300);
    /// ```
    #[must_use]
    pub fn with_time_to_live(mut self, seconds: i64) -> Self {
        self.time_to_live = seconds;
        self
    }

    /// A context for the `ctx` claim (same rules as [`BearerTokenOptions::with_ctx`]).
    ///
    /// ```
    /// let options = skyflow_client::service_account::SignedDataTokenOptions::new(["t"]).with_ctx("user_42");
    /// assert!(options.ctx().is_some());
    /// ```
    #[must_use]
    pub fn with_ctx(mut self, ctx: impl Into<Context>) -> Self {
        self.ctx = Some(ctx.into());
        self
    }

    /// The data tokens to sign.
    ///
    /// ```
    /// assert_eq!(skyflow_client::service_account::SignedDataTokenOptions::new(["a", "b"]).data_tokens().len(), 2);
    /// ```
    pub fn data_tokens(&self) -> &[String] {
        &self.data_tokens
    }

    /// The time to live in seconds.
    ///
    /// ```
    /// assert_eq!(skyflow_client::service_account::SignedDataTokenOptions::new(["a"]).time_to_live(), 60);
    /// ```
    pub fn time_to_live(&self) -> i64 {
        self.time_to_live
    }

    /// The context, if set.
    ///
    /// ```
    /// assert!(skyflow_client::service_account::SignedDataTokenOptions::new(["a"]).ctx().is_none());
    /// ```
    pub fn ctx(&self) -> Option<&Context> {
        self.ctx.as_ref()
    }
}

impl fmt::Debug for SignedDataTokenOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedDataTokenOptions")
            .field(
                "data_tokens",
                &format_args!("[{} redacted]", self.data_tokens.len()),
            )
            .field("time_to_live", &self.time_to_live)
            .field("ctx", &self.ctx)
            .finish()
    }
}

/// A data token and its signed form (`signed_token_<jwt>`), which detokenize accepts in its
/// place. `Debug` hides both.
///
/// ```no_run
/// use skyflow_client::service_account::{self, SignedDataTokenOptions};
/// let signed = service_account::generate_signed_data_tokens(
///     "credentials.json",
///     &SignedDataTokenOptions::new(["4321-5678"]),
/// )?;
/// for pair in &signed {
///     assert!(pair.signed_token().starts_with("signed_token_"));
/// }
/// # Ok::<(), skyflow_client::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SignedDataToken {
    token: String,
    signed_token: String,
}

impl SignedDataToken {
    /// The original data token.
    ///
    /// ```no_run
    /// # fn run(pair: skyflow_client::service_account::SignedDataToken) {
    /// let original: &str = pair.token();
    /// # let _ = original;
    /// # }
    /// ```
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The signed token: `signed_token_` followed by an RS256 JWT.
    ///
    /// ```no_run
    /// # fn run(pair: skyflow_client::service_account::SignedDataToken) {
    /// assert!(pair.signed_token().starts_with("signed_token_"));
    /// # }
    /// ```
    pub fn signed_token(&self) -> &str {
        &self.signed_token
    }

    /// The pair `(token, signed_token)`.
    ///
    /// ```no_run
    /// # fn run(pair: skyflow_client::service_account::SignedDataToken) {
    /// let (token, signed) = pair.into_pair();
    /// # let _ = (token, signed);
    /// # }
    /// ```
    pub fn into_pair(self) -> (String, String) {
        (self.token, self.signed_token)
    }
}

impl fmt::Debug for SignedDataToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedDataToken")
            .field("token", &REDACTED)
            .field("signed_token", &REDACTED)
            .finish()
    }
}

/// Obtains a bearer token for the service account whose credentials JSON is at `path`.
///
/// Validates the file and the options first (a validation error names the field: `path`,
/// `privateKey`, `clientID`, `keyID`, `tokenURI`, `role_ids`, `ctx`, `token_uri`), then
/// signs an assertion and exchanges it at `{scheme}://{host}/v1/auth/sa/oauth/token` of the
/// token URI. A refused exchange is an [`Auth`](crate::ErrorKind::Auth) error carrying the
/// status, the server's message and the request id.
///
/// ```no_run
/// use skyflow_client::service_account::{self, BearerTokenOptions};
/// # async fn run() -> skyflow_client::Result<()> {
/// let token = service_account::generate_bearer_token(
///     "/etc/skyflow/credentials.json",
///     &BearerTokenOptions::new().with_role_ids(["r1a2b3c4"]),
/// )
/// .await?;
/// # let _ = token;
/// # Ok(())
/// # }
/// ```
pub async fn generate_bearer_token(
    path: impl AsRef<Path>,
    options: &BearerTokenOptions,
) -> Result<BearerToken> {
    let json = read_credentials_file(path.as_ref(), BEARER_OP).await?;
    generate_bearer_token_from_creds(&json, options).await
}

/// Obtains a bearer token for the service account whose credentials JSON is `credentials`.
///
/// Same rules as [`generate_bearer_token`].
///
/// ```no_run
/// use skyflow_client::service_account::{self, BearerTokenOptions};
/// # async fn run() -> skyflow_client::Result<()> {
/// let json = std::env::var("SKYFLOW_CREDENTIALS").unwrap_or_default();
/// let token = service_account::generate_bearer_token_from_creds(&json, &BearerTokenOptions::new()).await?;
/// # let _ = token;
/// # Ok(())
/// # }
/// ```
pub async fn generate_bearer_token_from_creds(
    credentials: &str,
    options: &BearerTokenOptions,
) -> Result<BearerToken> {
    let exchanger = bearer_exchanger(credentials, options)?;
    let http = exchange::default_http_client()?;
    tracing::info!(target: TARGET, "bearer token generate triggered");
    let token = exchanger.exchange(&http).await?;
    tracing::info!(target: TARGET, "bearer token generated");
    Ok(BearerToken::new(token.access_token, token.token_type))
}

fn bearer_exchanger(credentials: &str, options: &BearerTokenOptions) -> Result<Exchanger> {
    let key = ServiceAccountKey::parse(credentials)
        .map_err(|e| e.within("credentials").into_validation(BEARER_OP))?;
    Exchanger::new(
        Arc::new(key),
        &options.role_ids,
        options.ctx.as_ref(),
        options.token_uri.as_deref(),
    )
    .map_err(|mut e| {
        if e.field == "roles" {
            e.field = "role_ids".to_owned();
        }
        if e.field == "tokenURI" {
            e = e.within("credentials");
        }
        e.into_validation(BEARER_OP)
    })
}

/// Signs data tokens with the service account whose credentials JSON is at `path`. No
/// network call.
///
/// Each result pairs a data token with `signed_token_<jwt>`, an RS256 JWT with the claims
/// `iss: "sdk"`, `key` (key id), `sub` (client id), `tok` (the data token), `iat`, `exp`
/// (`iat` + time to live) and, when a context is given, `ctx`. No data tokens give an empty
/// list. Zero or negative time to live, an empty data token, a bad ctx key or bad credentials
/// are validation errors naming the field.
///
/// ```no_run
/// use skyflow_client::service_account::{self, SignedDataTokenOptions};
/// let signed = service_account::generate_signed_data_tokens(
///     "/etc/skyflow/credentials.json",
///     &SignedDataTokenOptions::new(["4321-5678"]).with_time_to_live(120),
/// )?;
/// # let _ = signed;
/// # Ok::<(), skyflow_client::Error>(())
/// ```
pub fn generate_signed_data_tokens(
    path: impl AsRef<Path>,
    options: &SignedDataTokenOptions,
) -> Result<Vec<SignedDataToken>> {
    let path = path.as_ref();
    let json = std::fs::read_to_string(path).map_err(|e| file_error(path, &e, SIGNED_OP))?;
    generate_signed_data_tokens_from_creds(&json, options)
}

/// Signs data tokens with the service account whose credentials JSON is `credentials`.
/// Same rules as [`generate_signed_data_tokens`].
///
/// ```no_run
/// use skyflow_client::service_account::{self, SignedDataTokenOptions};
/// let json = std::fs::read_to_string("credentials.json").unwrap();
/// let signed = service_account::generate_signed_data_tokens_from_creds(
///     &json,
///     &SignedDataTokenOptions::new(["4321-5678"]).with_ctx("user_42"),
/// )?;
/// # let _ = signed;
/// # Ok::<(), skyflow_client::Error>(())
/// ```
pub fn generate_signed_data_tokens_from_creds(
    credentials: &str,
    options: &SignedDataTokenOptions,
) -> Result<Vec<SignedDataToken>> {
    if options.time_to_live <= 0 {
        return Err(Error::validation(
            SIGNED_OP,
            "time_to_live",
            "must be a positive number of seconds",
        ));
    }
    for (i, token) in options.data_tokens.iter().enumerate() {
        if token.trim().is_empty() {
            return Err(Error::validation(
                SIGNED_OP,
                "data_tokens",
                format!("data token at index {i} is empty"),
            ));
        }
    }
    let ctx = ctx_claim(options.ctx.as_ref()).map_err(|e| e.into_validation(SIGNED_OP))?;
    let key = ServiceAccountKey::parse(credentials)
        .map_err(|e| e.within("credentials").into_validation(SIGNED_OP))?;
    let now = crate::auth::jwt::now_secs();
    let signed = options
        .data_tokens
        .iter()
        .map(|token| {
            Ok(SignedDataToken {
                token: token.clone(),
                signed_token: sign_data_token(
                    &key,
                    token,
                    options.time_to_live,
                    ctx.as_ref(),
                    now,
                )?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    tracing::info!(target: TARGET, count = signed.len(), "signed data tokens generated");
    Ok(signed)
}

/// `true` when `token` is expired: it is not a JWT, has no numeric `exp`, or `exp` is not in
/// the future. The signature is not checked; there is no clock-skew leeway.
///
/// ```
/// use skyflow_client::service_account::is_expired;
/// assert!(is_expired("not-a-jwt"));
/// assert!(is_expired(""));
/// ```
pub fn is_expired(token: &str) -> bool {
    let expired = crate::auth::jwt::is_expired_at(token, crate::auth::jwt::now_secs());
    if expired {
        tracing::info!(target: TARGET, "bearer token is invalid or expired");
    }
    expired
}

pub(crate) async fn read_credentials_file(path: &Path, operation: &str) -> Result<String> {
    tokio::fs::read_to_string(path)
        .await
        .map_err(|e| file_error(path, &e, operation))
}

pub(crate) fn file_error(path: &Path, e: &std::io::Error, operation: &str) -> Error {
    // The path is not a secret (the official SDKs print it); the file content is.
    Error::validation(
        operation,
        "path",
        format!(
            "cannot read credentials file {}: {}",
            path.display(),
            e.kind()
        ),
    )
}
