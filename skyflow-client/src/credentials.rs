//! Credentials: how the SDK authenticates to the vault.
//!
//! A [`Credentials`] value holds exactly one kind of secret:
//!
//! - an API key ([`Credentials::api_key`]), sent as is;
//! - a static bearer token ([`Credentials::bearer_token`]), a JWT that must not be expired;
//! - a service account's credentials file ([`Credentials::service_account_file`]) or the same
//!   JSON as a string ([`Credentials::service_account_json`]); the SDK signs an assertion with
//!   the account's private key, exchanges it for a bearer token, caches that token and
//!   refreshes it before it expires.
//!
//! Service-account credentials can carry role ids ([`with_roles`](Credentials::with_roles)),
//! a context ([`with_context`](Credentials::with_context)) and a token-URI override
//! ([`with_token_uri`](Credentials::with_token_uri)); the SDK applies them to the tokens it
//! obtains.
//!
//! Which credentials a vault or connection uses: its own, else the client-wide ones, else the
//! `SKYFLOW_CREDENTIALS` environment variable ([`Credentials::resolve`]).
//!
//! ```
//! use skyflow_client::credentials::Credentials;
//!
//! let creds = Credentials::service_account_file("/etc/skyflow/credentials.json")
//!     .with_roles(["r1a2b3c4", "r5d6e7f8"])
//!     .with_context("user_42");
//! creds.validate()?;
//!
//! // Debug output never shows a secret.
//! let key = Credentials::api_key("sky-ab1c2-0123456789abcdef0123456789abcdef");
//! assert!(!format!("{key:?}").contains("0123456789abcdef"));
//! # Ok::<(), skyflow_client::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::service_account::key::{Invalid, ServiceAccountKey, check_token_uri};
use crate::{Error, Result};

mod dotenv;

/// The environment variable read when neither a vault/connection config nor the client
/// carries credentials. Its value is a service account's credentials JSON.
///
/// ```
/// assert_eq!(skyflow_client::credentials::ENV_VAR, "SKYFLOW_CREDENTIALS");
/// ```
pub const ENV_VAR: &str = "SKYFLOW_CREDENTIALS";

const REDACTED: &str = "** redacted **";

/// The context (`ctx` claim) put into service-account tokens, used by context-aware
/// (conditional) data access policies.
///
/// A string is sent as is; a map's keys become policy variables `request.context.<key>` and
/// must match `^[A-Za-z0-9_]+$`. A blank string or an empty map means "no context".
///
/// ```
/// use skyflow_client::credentials::Context;
///
/// let text = Context::from("user_42");
/// let map = Context::map([("user_id", "42"), ("region", "eu")]);
/// assert!(map.validate().is_ok());
/// assert!(Context::map([("user-id", "42")]).validate().is_err());
/// # let _ = text;
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Context {
    /// A plain string.
    Text(String),
    /// Key/value pairs; keys match `^[A-Za-z0-9_]+$`, values are any JSON.
    Map(BTreeMap<String, Value>),
}

impl Context {
    /// A map context from key/value pairs.
    ///
    /// ```
    /// use skyflow_client::credentials::Context;
    /// let ctx = Context::map([("tenant", serde_json::json!("acme")), ("level", serde_json::json!(3))]);
    /// assert!(matches!(ctx, Context::Map(m) if m.len() == 2));
    /// ```
    pub fn map<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<Value>,
    {
        Context::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// Checks the map keys (`^[A-Za-z0-9_]+$`). The error names the field `ctx` and the key.
    ///
    /// ```
    /// use skyflow_client::credentials::Context;
    /// let err = Context::map([("bad-key", 1)]).validate().unwrap_err();
    /// assert_eq!(err.field(), Some("ctx"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        self.check().map_err(|e| e.into_validation("Context"))
    }

    pub(crate) fn check(&self) -> std::result::Result<(), Invalid> {
        if let Context::Map(map) = self {
            for key in map.keys() {
                let ok =
                    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                if !ok {
                    return Err(Invalid::new(
                        "ctx",
                        format!("invalid key '{key}': keys must match ^[A-Za-z0-9_]+$"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The claim value, or `None` for a blank string or an empty map.
    pub(crate) fn claim(&self) -> Option<Value> {
        match self {
            Context::Text(s) if s.trim().is_empty() => None,
            Context::Text(s) => Some(Value::String(s.clone())),
            Context::Map(m) if m.is_empty() => None,
            Context::Map(m) => Some(Value::Object(
                m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            )),
        }
    }
}

impl From<&str> for Context {
    fn from(value: &str) -> Self {
        Context::Text(value.to_owned())
    }
}

impl From<String> for Context {
    fn from(value: String) -> Self {
        Context::Text(value)
    }
}

impl<V: Into<Value>> From<BTreeMap<String, V>> for Context {
    fn from(value: BTreeMap<String, V>) -> Self {
        Context::map(value)
    }
}

impl<V: Into<Value>> From<HashMap<String, V>> for Context {
    fn from(value: HashMap<String, V>) -> Self {
        Context::map(value)
    }
}

/// Which kind of secret a [`Credentials`] value holds.
///
/// ```
/// use skyflow_client::credentials::{Credentials, CredentialsKind};
/// let creds = Credentials::service_account_file("creds.json");
/// assert_eq!(creds.kind(), CredentialsKind::ServiceAccountFile);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialsKind {
    /// A Skyflow API key (`api_key`).
    ApiKey,
    /// A static bearer token (`token`).
    BearerToken,
    /// Path to a service account's credentials JSON file (`path`).
    ServiceAccountFile,
    /// A service account's credentials JSON as a string (`credentials_string`).
    ServiceAccountJson,
}

impl CredentialsKind {
    /// The key naming this kind in a credentials object (`api_key`, `token`, `path`,
    /// `credentials_string`).
    ///
    /// ```
    /// use skyflow_client::credentials::CredentialsKind;
    /// assert_eq!(CredentialsKind::ServiceAccountJson.field(), "credentials_string");
    /// ```
    pub fn field(self) -> &'static str {
        match self {
            CredentialsKind::ApiKey => "api_key",
            CredentialsKind::BearerToken => "token",
            CredentialsKind::ServiceAccountFile => "path",
            CredentialsKind::ServiceAccountJson => "credentials_string",
        }
    }

    /// `true` for the two service-account kinds.
    ///
    /// ```
    /// use skyflow_client::credentials::CredentialsKind;
    /// assert!(CredentialsKind::ServiceAccountFile.is_service_account());
    /// assert!(!CredentialsKind::ApiKey.is_service_account());
    /// ```
    pub fn is_service_account(self) -> bool {
        matches!(
            self,
            CredentialsKind::ServiceAccountFile | CredentialsKind::ServiceAccountJson
        )
    }
}

#[derive(Clone, PartialEq)]
pub(crate) enum Secret {
    ApiKey(String),
    BearerToken(String),
    ServiceAccountFile(PathBuf),
    ServiceAccountJson(String),
}

type ParsedKey = std::result::Result<Arc<ServiceAccountKey>, Invalid>;

#[derive(Clone)]
struct Inner {
    secret: Secret,
    roles: Vec<String>,
    context: Option<Context>,
    token_uri: Option<String>,
    /// For a credentials JSON string: the parsed key (or why it does not parse), computed
    /// once. Parsing an RSA key is expensive, and validation and token sources need it.
    parsed: OnceLock<ParsedKey>,
}

impl PartialEq for Inner {
    fn eq(&self, other: &Self) -> bool {
        // `parsed` is derived from `secret`.
        self.secret == other.secret
            && self.roles == other.roles
            && self.context == other.context
            && self.token_uri == other.token_uri
    }
}

/// Credentials for a vault, a connection or the whole client: exactly one kind of secret,
/// plus optional role ids, context and token-URI override for service accounts.
///
/// Cheap to clone. `Debug` never prints the secret.
///
/// Build one with a constructor, or read a credentials object (`api_key`, `token`, `path`,
/// `credentials_string`, with optional `roles`, `context`, `token_uri`) with
/// [`from_json_str`](Credentials::from_json_str) or serde.
///
/// ```
/// use skyflow_client::credentials::Credentials;
///
/// let creds = Credentials::from_json_str(r#"{"path": "/etc/skyflow/sa.json", "roles": ["r1"]}"#)?;
/// assert_eq!(creds.roles(), ["r1"]);
///
/// let two = Credentials::from_json_str(r#"{"path": "a.json", "token": "x.y.z"}"#);
/// assert!(two.unwrap_err().message().contains("token, path"));
/// # Ok::<(), skyflow_client::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct Credentials {
    inner: Arc<Inner>,
}

impl Credentials {
    fn new(secret: Secret) -> Self {
        Credentials {
            inner: Arc::new(Inner {
                secret,
                roles: Vec::new(),
                context: None,
                token_uri: None,
                parsed: OnceLock::new(),
            }),
        }
    }

    /// A Skyflow API key, sent as `Authorization: Bearer <key>`.
    ///
    /// The format is checked by [`validate`](Self::validate) the way the official SDKs check
    /// a config: the key starts with `sky-` and is exactly 42 characters long; we also reject
    /// whitespace anywhere in it. The finer shape of real keys (`sky-`, five letters or
    /// digits, `-`, then 32 hex digits) is deliberately not enforced, since the official
    /// SDKs' config validation does not enforce it either (wire protocol §2.1).
    ///
    /// ```
    /// use skyflow_client::credentials::Credentials;
    /// assert!(Credentials::api_key("sky-ab1c2-0123456789abcdef0123456789abcdef").validate().is_ok());
    /// assert!(Credentials::api_key("sky-short").validate().is_err());
    /// assert!(Credentials::api_key("sky-ab1c2-0123456789abcdef 123456789abcdef").validate().is_err());
    /// ```
    pub fn api_key(key: impl Into<String>) -> Self {
        Credentials::new(Secret::ApiKey(key.into()))
    }

    /// A static bearer token (a JWT), sent as is. [`validate`](Self::validate) rejects a
    /// token that is not a JWT, has no `exp`, or has expired.
    ///
    /// ```
    /// use skyflow_client::credentials::Credentials;
    /// let err = Credentials::bearer_token("opaque-token").validate().unwrap_err();
    /// assert_eq!(err.field(), Some("token"));
    /// ```
    pub fn bearer_token(token: impl Into<String>) -> Self {
        Credentials::new(Secret::BearerToken(token.into()))
    }

    /// The path of a service account's credentials JSON file. The file is read when the
    /// first token is needed.
    ///
    /// ```
    /// use skyflow_client::credentials::Credentials;
    /// let creds = Credentials::service_account_file("/etc/skyflow/credentials.json");
    /// assert!(creds.validate().is_ok());
    /// ```
    pub fn service_account_file(path: impl Into<PathBuf>) -> Self {
        Credentials::new(Secret::ServiceAccountFile(path.into()))
    }

    /// A service account's credentials JSON as a string (camelCase `privateKey`, `clientID`,
    /// `keyID`, `tokenURI`, or their snake_case forms).
    ///
    /// ```
    /// use skyflow_client::credentials::Credentials;
    /// let err = Credentials::service_account_json(r#"{"clientID": "c"}"#).validate().unwrap_err();
    /// assert_eq!(err.field(), Some("credentials_string.privateKey"));
    /// ```
    pub fn service_account_json(json: impl Into<String>) -> Self {
        Credentials::new(Secret::ServiceAccountJson(json.into()))
    }

    /// Role ids to scope service-account tokens to (`scope: "role:<id> ..."`).
    ///
    /// ```
    /// use skyflow_client::credentials::Credentials;
    /// let creds = Credentials::service_account_file("sa.json").with_roles(["r1", "r2"]);
    /// assert_eq!(creds.roles().len(), 2);
    /// ```
    #[must_use]
    pub fn with_roles<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Arc::make_mut(&mut self.inner).roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// The context (`ctx` claim) for service-account tokens: a string or a map.
    ///
    /// ```
    /// use skyflow_client::credentials::{Context, Credentials};
    /// let creds = Credentials::service_account_file("sa.json")
    ///     .with_context(Context::map([("user_id", "42")]));
    /// assert!(creds.context().is_some());
    /// ```
    #[must_use]
    pub fn with_context(mut self, context: impl Into<Context>) -> Self {
        Arc::make_mut(&mut self.inner).context = Some(context.into());
        self
    }

    /// Overrides the service account's `tokenURI`: it becomes the assertion's `aud` and the
    /// host tokens are exchanged with.
    ///
    /// ```
    /// use skyflow_client::credentials::Credentials;
    /// let creds = Credentials::service_account_file("sa.json")
    ///     .with_token_uri("https://manage.example.com/v1/auth/sa/oauth/token");
    /// assert!(creds.validate().is_ok());
    /// ```
    #[must_use]
    pub fn with_token_uri(mut self, token_uri: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.inner).token_uri = Some(token_uri.into());
        self
    }

    /// Which kind of secret this holds.
    ///
    /// ```
    /// use skyflow_client::credentials::{Credentials, CredentialsKind};
    /// assert_eq!(Credentials::bearer_token("t").kind(), CredentialsKind::BearerToken);
    /// ```
    pub fn kind(&self) -> CredentialsKind {
        match &self.inner.secret {
            Secret::ApiKey(_) => CredentialsKind::ApiKey,
            Secret::BearerToken(_) => CredentialsKind::BearerToken,
            Secret::ServiceAccountFile(_) => CredentialsKind::ServiceAccountFile,
            Secret::ServiceAccountJson(_) => CredentialsKind::ServiceAccountJson,
        }
    }

    /// The role ids (empty when none).
    ///
    /// ```
    /// use skyflow_client::credentials::Credentials;
    /// assert!(Credentials::service_account_file("sa.json").roles().is_empty());
    /// ```
    pub fn roles(&self) -> &[String] {
        &self.inner.roles
    }

    /// The context, if set.
    ///
    /// ```
    /// use skyflow_client::credentials::Credentials;
    /// assert!(Credentials::service_account_file("sa.json").context().is_none());
    /// ```
    pub fn context(&self) -> Option<&Context> {
        self.inner.context.as_ref()
    }

    /// The token-URI override, if set.
    ///
    /// ```
    /// use skyflow_client::credentials::Credentials;
    /// assert!(Credentials::service_account_file("sa.json").token_uri().is_none());
    /// ```
    pub fn token_uri(&self) -> Option<&str> {
        self.inner.token_uri.as_deref()
    }

    /// The credentials file path, for [`CredentialsKind::ServiceAccountFile`].
    ///
    /// ```
    /// use skyflow_client::credentials::Credentials;
    /// let creds = Credentials::service_account_file("sa.json");
    /// assert_eq!(creds.path().unwrap().to_str(), Some("sa.json"));
    /// ```
    pub fn path(&self) -> Option<&Path> {
        match &self.inner.secret {
            Secret::ServiceAccountFile(p) => Some(p),
            _ => None,
        }
    }

    pub(crate) fn secret(&self) -> &Secret {
        &self.inner.secret
    }

    /// The parsed key of a credentials JSON string, parsed on first use and kept with the
    /// credentials (clones share it). Errors name the field inside the JSON
    /// (`privateKey`, …); other kinds are an error on `credentials`.
    pub(crate) fn service_account_key(&self) -> ParsedKey {
        match &self.inner.secret {
            Secret::ServiceAccountJson(json) => self
                .inner
                .parsed
                .get_or_init(|| ServiceAccountKey::parse(json).map(Arc::new))
                .clone(),
            _ => Err(Invalid::new(
                "credentials",
                "not a service account's credentials JSON",
            )),
        }
    }

    /// Checks the credentials without any network call or file access.
    ///
    /// - API key: starts with `sky-`, exactly 42 characters, no whitespace.
    /// - Bearer token: a JWT with an `exp` in the future (decoded, not verified).
    /// - File path: not empty (the file is read when the first token is needed).
    /// - JSON string: parses, has `privateKey`, `clientID`, `keyID` and `tokenURI`, the
    ///   private key is a PEM RSA key (PKCS#8 or PKCS#1) and the token URI is https (or http
    ///   to a loopback host).
    /// - Roles: no empty id. Context: map keys match `^[A-Za-z0-9_]+$`. Token URI: as above.
    ///   Roles, context and token URI apply to service accounts only.
    ///
    /// Errors are of kind [`Config`](crate::ErrorKind::Config) and name the field; they never
    /// contain the secret.
    ///
    /// ```
    /// use skyflow_client::credentials::Credentials;
    /// let err = Credentials::service_account_file("sa.json").with_roles(["r1", ""]).validate().unwrap_err();
    /// assert_eq!(err.field(), Some("roles"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        self.check().map_err(Invalid::into_config)
    }

    pub(crate) fn check(&self) -> std::result::Result<(), Invalid> {
        let inner = &*self.inner;
        match &inner.secret {
            Secret::ApiKey(key) => check_api_key(key)?,
            Secret::BearerToken(token) => {
                if token.trim().is_empty() {
                    return Err(Invalid::new("token", "must not be empty"));
                }
                if crate::auth::jwt::is_expired_at(token.trim(), crate::auth::jwt::now_secs()) {
                    return Err(Invalid::new(
                        "token",
                        "bearer token is invalid or expired (it must be a JWT with a future `exp`)",
                    ));
                }
            }
            Secret::ServiceAccountFile(path) => {
                if path.as_os_str().is_empty() {
                    return Err(Invalid::new("path", "must not be empty"));
                }
            }
            Secret::ServiceAccountJson(json) => {
                if json.trim().is_empty() {
                    return Err(Invalid::new("credentials_string", "must not be empty"));
                }
                self.service_account_key()
                    .map_err(|e| e.within("credentials_string"))?;
            }
        }
        let service_account = self.kind().is_service_account();
        let only_sa = |field: &str| {
            Invalid::new(
                field,
                "applies only to service-account credentials (path or credentials_string)",
            )
        };
        if !inner.roles.is_empty() {
            if !service_account {
                return Err(only_sa("roles"));
            }
            check_roles(&inner.roles)?;
        }
        if let Some(ctx) = &inner.context {
            if !service_account && ctx.claim().is_some() {
                return Err(only_sa("context"));
            }
            ctx.check()
                .map_err(|e| Invalid::new("context", e.message))?;
        }
        if let Some(uri) = &inner.token_uri {
            if !service_account {
                return Err(only_sa("token_uri"));
            }
            check_token_uri(uri).map_err(|e| Invalid::new("token_uri", e))?;
        }
        Ok(())
    }

    /// Reads a credentials object from JSON: exactly one of `api_key`, `token`, `path`,
    /// `credentials_string` (null or empty values count as absent), plus optional `roles`
    /// (array of strings), `context` (string or object) and `token_uri`. The camelCase forms
    /// `apiKey`, `credentialsString`, `tokenUri`/`tokenURI` are accepted too; other keys are
    /// rejected.
    ///
    /// The result is [validated](Self::validate). Errors are of kind
    /// [`Config`](crate::ErrorKind::Config), name the field and never quote a value.
    ///
    /// ```
    /// use skyflow_client::credentials::{Credentials, CredentialsKind};
    /// let creds = Credentials::from_json_str(
    ///     r#"{"api_key": "sky-ab1c2-0123456789abcdef0123456789abcdef"}"#,
    /// )?;
    /// assert_eq!(creds.kind(), CredentialsKind::ApiKey);
    /// assert!(Credentials::from_json_str("{}").is_err());
    /// # Ok::<(), skyflow_client::Error>(())
    /// ```
    pub fn from_json_str(json: &str) -> Result<Self> {
        let value = Invalid::json(json).map_err(Invalid::into_config)?;
        let creds = Credentials::from_value(value).map_err(Invalid::into_config)?;
        creds.validate()?;
        Ok(creds)
    }

    fn from_value(value: Value) -> std::result::Result<Self, Invalid> {
        let Value::Object(map) = value else {
            return Err(Invalid::new("credentials", "must be a JSON object"));
        };
        let mut kinds: Vec<(&'static str, String)> = Vec::new();
        let mut empty: Vec<&'static str> = Vec::new();
        let mut roles = None;
        let mut context = None;
        let mut token_uri = None;
        for (key, value) in map {
            let canonical = match key.as_str() {
                "api_key" | "apiKey" => "api_key",
                "token" => "token",
                "path" => "path",
                "credentials_string" | "credentialsString" => "credentials_string",
                "roles" => "roles",
                "context" | "ctx" => "context",
                "token_uri" | "tokenUri" | "tokenURI" => "token_uri",
                other => {
                    return Err(Invalid::new(
                        "credentials",
                        format!(
                            "unknown key `{other}` (expected api_key, token, path, \
                             credentials_string, roles, context, token_uri)"
                        ),
                    ));
                }
            };
            match canonical {
                "roles" => {
                    roles = match value {
                        Value::Null => None,
                        Value::Array(items) => Some(
                            items
                                .into_iter()
                                .map(|item| match item {
                                    Value::String(s) => Ok(s),
                                    _ => Err(Invalid::new("roles", "must be an array of strings")),
                                })
                                .collect::<std::result::Result<Vec<_>, _>>()?,
                        ),
                        _ => return Err(Invalid::new("roles", "must be an array of strings")),
                    }
                }
                "context" => {
                    context = match value {
                        Value::Null => None,
                        Value::String(s) => Some(Context::Text(s)),
                        Value::Object(m) => Some(Context::Map(m.into_iter().collect())),
                        _ => return Err(Invalid::new("context", "must be a string or an object")),
                    }
                }
                "token_uri" => {
                    token_uri = match value {
                        Value::Null => None,
                        Value::String(s) => Some(s),
                        _ => return Err(Invalid::new("token_uri", "must be a string")),
                    }
                }
                kind => match value {
                    Value::Null => {}
                    Value::String(s) if s.trim().is_empty() => empty.push(kind),
                    Value::String(s) => kinds.push((kind, s)),
                    _ => return Err(Invalid::new(kind, "must be a string")),
                },
            }
        }
        // Report in a stable order.
        let order = ["api_key", "token", "path", "credentials_string"];
        kinds.sort_by_key(|(k, _)| order.iter().position(|o| o == k));
        let (kind, value) = match kinds.len() {
            1 => kinds.remove(0),
            0 => {
                return Err(match empty.first() {
                    Some(field) => Invalid::new(*field, "must not be empty"),
                    None => Invalid::new(
                        "credentials",
                        "no credentials given: set exactly one of api_key, token, path, \
                         credentials_string",
                    ),
                });
            }
            _ => {
                let names: Vec<&str> = kinds.iter().map(|(k, _)| *k).collect();
                return Err(Invalid::new(
                    "credentials",
                    format!(
                        "multiple credentials given ({}): set exactly one of api_key, token, \
                         path, credentials_string",
                        names.join(", ")
                    ),
                ));
            }
        };
        let secret = match kind {
            "api_key" => Secret::ApiKey(value),
            "token" => Secret::BearerToken(value),
            "path" => Secret::ServiceAccountFile(PathBuf::from(value)),
            _ => Secret::ServiceAccountJson(value),
        };
        Ok(Credentials {
            inner: Arc::new(Inner {
                secret,
                roles: roles.unwrap_or_default(),
                context,
                token_uri,
                parsed: OnceLock::new(),
            }),
        })
    }

    /// Service-account credentials from the `SKYFLOW_CREDENTIALS` environment variable, or
    /// `None` when it is unset or blank.
    ///
    /// When the variable is not set in the environment, it is looked up in a `.env` file,
    /// as the official SDKs do: the nearest `.env` at or above the current directory is read
    /// (`KEY=value` lines, optional `export `, single or double quotes, `#` comments). A
    /// variable set in the environment always wins over the file, and the environment is
    /// never modified.
    ///
    /// The value is a service account's credentials JSON. Surrounding whitespace is trimmed;
    /// compact JSON, pretty-printed JSON and a PEM with real line breaks are all accepted.
    /// A value that does not parse is a [`Config`](crate::ErrorKind::Config) error whose
    /// field starts with `SKYFLOW_CREDENTIALS`.
    ///
    /// ```
    /// use skyflow_client::credentials::Credentials;
    /// match Credentials::from_env()? {
    ///     Some(creds) => println!("using {:?}", creds.kind()),
    ///     None => println!("SKYFLOW_CREDENTIALS is not set"),
    /// }
    /// # Ok::<(), skyflow_client::Error>(())
    /// ```
    pub fn from_env() -> Result<Option<Self>> {
        let cwd = std::env::current_dir().ok();
        Credentials::from_env_or_dotenv(std::env::var_os(ENV_VAR), cwd.as_deref())
    }

    /// [`from_env`](Self::from_env) with the variable's value `var` (from the process
    /// environment) and the directory the `.env` search starts from: when the variable is
    /// not set, the nearest `.env` file at or above `start` is read for it. The process
    /// environment is left as it is.
    pub(crate) fn from_env_or_dotenv(
        var: Option<std::ffi::OsString>,
        start: Option<&Path>,
    ) -> Result<Option<Self>> {
        let raw = match var {
            Some(value) => Some(value),
            None => start
                .and_then(|dir| dotenv::lookup(dir, ENV_VAR))
                .map(std::ffi::OsString::from),
        };
        Credentials::from_env_value(raw)
    }

    /// [`from_env`](Self::from_env) for a given value of the variable. The credentials made
    /// from the last value seen are kept, so resolving them again (each time a handle is
    /// taken) does not parse the private key again.
    fn from_env_value(raw: Option<std::ffi::OsString>) -> Result<Option<Self>> {
        let Some(raw) = raw else {
            return Ok(None);
        };
        let Some(raw) = raw.to_str() else {
            return Err(Error::config(ENV_VAR, "is not valid UTF-8"));
        };
        let value = raw.trim();
        if value.is_empty() {
            return Ok(None);
        }
        static LAST: Mutex<Option<Credentials>> = Mutex::new(None);
        let creds = {
            let mut last = LAST
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match &*last {
                Some(c) if matches!(c.secret(), Secret::ServiceAccountJson(j) if j == value) => {
                    c.clone()
                }
                _ => {
                    let c = Credentials::service_account_json(value);
                    *last = Some(c.clone());
                    c
                }
            }
        };
        creds.check().map_err(|e| {
            let field = e
                .field
                .strip_prefix("credentials_string")
                .map(|rest| format!("{ENV_VAR}{rest}"))
                .unwrap_or_else(|| format!("{ENV_VAR}.{}", e.field));
            Error::config(field, e.message)
        })?;
        Ok(Some(creds))
    }

    /// Picks the credentials a vault or connection uses: its own (`config`), else the
    /// client-wide ones, else `SKYFLOW_CREDENTIALS` ([`from_env`](Self::from_env)), else a
    /// [`Config`](crate::ErrorKind::Config) error on the field `credentials`.
    ///
    /// The chosen credentials are validated.
    ///
    /// ```
    /// use skyflow_client::credentials::Credentials;
    /// let vault = Credentials::service_account_file("vault-sa.json");
    /// let client = Credentials::service_account_file("client-sa.json");
    /// let chosen = Credentials::resolve(Some(&vault), Some(&client))?;
    /// assert_eq!(chosen, vault);
    /// let chosen = Credentials::resolve(None, Some(&client))?;
    /// assert_eq!(chosen, client);
    /// # Ok::<(), skyflow_client::Error>(())
    /// ```
    pub fn resolve(
        config: Option<&Credentials>,
        client_wide: Option<&Credentials>,
    ) -> Result<Self> {
        if let Some(creds) = config.or(client_wide) {
            creds.validate()?;
        }
        Credentials::select(config, client_wide)
    }

    /// [`resolve`](Self::resolve) for credentials that were validated already (when the
    /// client was built or the config added): picks without checking them again. The
    /// environment variable is still checked.
    pub(crate) fn select(
        config: Option<&Credentials>,
        client_wide: Option<&Credentials>,
    ) -> Result<Self> {
        if let Some(creds) = config.or(client_wide) {
            return Ok(creds.clone());
        }
        Credentials::from_env()?.ok_or_else(|| {
            Error::config(
                "credentials",
                format!(
                    "no credentials: set them on the vault or connection config, on the client, \
                     or in the {ENV_VAR} environment variable"
                ),
            )
        })
    }

    /// A digest identifying these credentials (secret, roles, context, token URI), used to
    /// share one token cache per credentials. Never log it.
    pub(crate) fn identity(&self) -> [u8; 32] {
        let inner = &*self.inner;
        let mut h = Sha256::new();
        let mut field = |tag: &str, bytes: &[u8]| {
            h.update(tag.as_bytes());
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        match &inner.secret {
            Secret::ApiKey(k) => field("api_key", k.as_bytes()),
            Secret::BearerToken(t) => field("token", t.as_bytes()),
            Secret::ServiceAccountFile(p) => field("path", p.as_os_str().as_encoded_bytes()),
            Secret::ServiceAccountJson(j) => field("credentials_string", j.as_bytes()),
        }
        for role in &inner.roles {
            field("role", role.as_bytes());
        }
        if let Some(ctx) = inner.context.as_ref().and_then(Context::claim) {
            field("ctx", ctx.to_string().as_bytes());
        }
        if let Some(uri) = &inner.token_uri {
            field("token_uri", uri.as_bytes());
        }
        h.finalize().into()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        let mut s = f.debug_struct("Credentials");
        s.field("kind", &self.kind());
        match &inner.secret {
            // A path is not a secret (the official SDKs log it); the file content is.
            Secret::ServiceAccountFile(p) => s.field("path", p),
            _ => s.field("secret", &REDACTED),
        };
        if !inner.roles.is_empty() {
            s.field("roles", &inner.roles);
        }
        if let Some(ctx) = &inner.context {
            s.field("context", ctx);
        }
        if let Some(uri) = &inner.token_uri {
            s.field("token_uri", uri);
        }
        s.finish()
    }
}

impl<'de> serde::Deserialize<'de> for Credentials {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let creds = Credentials::from_value(value)
            .and_then(|c| c.check().map(|()| c))
            .map_err(|e| {
                serde::de::Error::custom(format!("credentials: `{}` {}", e.field, e.message))
            })?;
        Ok(creds)
    }
}

fn check_api_key(key: &str) -> std::result::Result<(), Invalid> {
    if key.is_empty() {
        return Err(Invalid::new("api_key", "must not be empty"));
    }
    // The official SDKs' config validation: prefix and length only (wire protocol §2.1).
    let ok = key.starts_with("sky-")
        && key.chars().count() == 42
        && !key.chars().any(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(Invalid::new(
            "api_key",
            "is not a Skyflow API key (expected 42 characters starting with `sky-`, without \
             whitespace)",
        ))
    }
}

/// No role id may be blank.
pub(crate) fn check_roles(roles: &[String]) -> std::result::Result<(), Invalid> {
    for (i, role) in roles.iter().enumerate() {
        if role.trim().is_empty() {
            return Err(Invalid::new(
                "roles",
                format!("role id at index {i} is empty"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_needs_the_prefix_42_characters_and_no_whitespace() {
        // (valid, key)
        let cases = [
            (true, "sky-ab1c2-0123456789abcdef0123456789ABCDEF"),
            // Like the official SDKs' config validation, the inner shape is not checked.
            (true, "sky-ab1c2-0123456789abcdef0123456789abcdeg"),
            (true, "sky-ab_c2-0123456789abcdef0123456789abcdef"),
            (true, "sky-ab1c2_0123456789abcdef0123456789abcdef"),
            // 42 characters, not bytes.
            (true, "sky-ab1c2-0123456789abcdef0123456789abcdeé"),
            (false, "skx-ab1c2-0123456789abcdef0123456789abcdef"),
            (false, "SKY-ab1c2-0123456789abcdef0123456789abcdef"),
            (false, "sky-ab1c2-0123456789abcdef0123456789abcdef0"),
            (false, "sky-ab1c2-0123456789abcdef0123456789abcde"),
            (false, "sky-ab1c2-0123456789abcdef 123456789abcdef"),
            (false, "sky-ab1c2-0123456789abcdef0123456789abcde\n"),
            (false, " sky-ab1c2-0123456789abcdef0123456789abcde"),
            (false, ""),
        ];
        for (valid, key) in cases {
            assert_eq!(check_api_key(key).is_ok(), valid, "{key:?}");
        }
    }

    #[test]
    fn identity_differs_by_options() {
        let a = Credentials::service_account_file("sa.json");
        let b = a.clone().with_roles(["r1"]);
        let c = a.clone().with_context("x");
        assert_ne!(a.identity(), b.identity());
        assert_ne!(a.identity(), c.identity());
        assert_eq!(a.identity(), a.clone().identity());
        // A blank context is no context.
        assert_eq!(a.identity(), a.clone().with_context("  ").identity());
    }

    #[test]
    fn env_credentials_come_from_a_dotenv_file_when_the_variable_is_unset() {
        let json = crate::auth::token_server::credentials_json(
            "https://manage.example.com/v1/auth/sa/oauth/token",
        );
        let root = tempfile::tempdir().unwrap();
        let project = root.path().join("project").join("src");
        std::fs::create_dir_all(&project).unwrap();
        std::fs::write(
            root.path().join(".env"),
            format!("# local settings\nexport {ENV_VAR}='{json}'\nOTHER=1\n"),
        )
        .unwrap();

        let found = Credentials::from_env_or_dotenv(None, Some(&project))
            .unwrap()
            .expect("read from .env");
        assert_eq!(found, Credentials::service_account_json(json.clone()));

        // A variable set in the environment wins over the file, even when blank.
        let blank = Credentials::from_env_or_dotenv(Some("  ".into()), Some(&project)).unwrap();
        assert!(blank.is_none());
        // No start directory: no file.
        assert!(
            Credentials::from_env_or_dotenv(None, None)
                .unwrap()
                .is_none()
        );

        // A broken value in the file is reported on the variable.
        std::fs::write(
            root.path().join("project").join(".env"),
            format!("{ENV_VAR}=\"{{\\\"clientID\\\": \\\"c\\\"}}\"\n"),
        )
        .unwrap();
        let err = Credentials::from_env_or_dotenv(None, Some(&project)).unwrap_err();
        assert!(err.is_config());
        assert_eq!(err.field(), Some("SKYFLOW_CREDENTIALS.privateKey"), "{err}");
        assert!(!err.to_string().contains("clientID"), "{err}");
    }
}
