//! Authentication and authorization: API keys, service accounts, the JWT-bearer token
//! exchange, issued access tokens, roles, and signed data tokens.
//!
//! # Model
//!
//! - **API key** (`sky-` + 5 alphanumerics + `-` + 32 hex digits): generated on first start,
//!   sent as `Authorization: Bearer <key>`; it has the owner role on every vault.
//! - **Service accounts**: the emulator holds each account's public key. A client signs an
//!   RS256 assertion (`iss` = `sub` = client id, `key` = key id, `aud` = token URI, `exp`) and
//!   posts it to `POST /v1/auth/sa/oauth/token`. The emulator verifies it and issues an access
//!   token: a JWT signed with the emulator's own secret (HS256), carrying `sub`, `exp`, `jti`
//!   and the granted role ids. Anything other than RS256 in an assertion is rejected, so
//!   `alg: none` and HS256-with-the-public-key forgeries fail.
//! - **Audience**: the assertion's `aud` is accepted when it equals the current token URI or a
//!   token URI this data directory issued before (each start records its token URI in the
//!   store). Restarting the emulator changes its port; credentials files written for an earlier
//!   port keep working. Any other audience (another port, another host, Skyflow's cloud token
//!   URI) is rejected.
//! - **Roles**: every vault has three roles, with ids `owner-<vault_id>`, `editor-<vault_id>`
//!   and `viewer-<vault_id>`. Owner and editor may do everything; viewer may only read: get,
//!   query, detokenize, tokenize, file scan status and downloads, audit. `scope: null` grants
//!   all of the account's roles; `scope: "role:<id> role:<id>"` grants only those, and asking
//!   for a role the account does not hold is a 403.
//! - **Vault binding**: a token whose roles name no role on the requested vault gets 403.
//! - **Signed data tokens**: `signed_token_<jwt>` items in detokenize are RS256 JWTs signed by a
//!   service account (`iss` = `"sdk"`, `key`, `sub`, `tok`, `exp`). They are verified against the
//!   account's public key and accepted only from a bearer token of that same account.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Duration;

use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::engine::ServiceAccountRecord;
use crate::envelope::{ApiError, EXPIRED_TOKEN_MESSAGE};

/// Path of the token exchange endpoint.
pub const TOKEN_PATH: &str = "/v1/auth/sa/oauth/token";

/// Default lifetime of issued access tokens.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(3600);

/// The kinds of role a vault has.
///
/// # Example
///
/// ```
/// use skyflow_emulator::auth::RoleKind;
/// assert_eq!(RoleKind::Viewer.role_id("v1"), "viewer-v1");
/// assert!(!RoleKind::Viewer.allows(skyflow_emulator::auth::Permission::Write));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoleKind {
    /// Everything.
    Owner,
    /// Everything on the data plane.
    Editor,
    /// Read only: get, query, detokenize, tokenize, file status and downloads, audit.
    Viewer,
}

impl RoleKind {
    /// All role kinds.
    pub const ALL: [RoleKind; 3] = [RoleKind::Owner, RoleKind::Editor, RoleKind::Viewer];

    /// The role's id on a vault.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(skyflow_emulator::auth::RoleKind::Owner.role_id("abc"), "owner-abc");
    /// ```
    pub fn role_id(self, vault_id: &str) -> String {
        let kind = match self {
            RoleKind::Owner => "owner",
            RoleKind::Editor => "editor",
            RoleKind::Viewer => "viewer",
        };
        format!("{kind}-{vault_id}")
    }

    /// Whether the role grants a permission.
    ///
    /// # Example
    ///
    /// ```
    /// use skyflow_emulator::auth::{Permission, RoleKind};
    /// assert!(RoleKind::Editor.allows(Permission::Write));
    /// assert!(RoleKind::Viewer.allows(Permission::Read));
    /// ```
    pub fn allows(self, permission: Permission) -> bool {
        match self {
            RoleKind::Owner | RoleKind::Editor => true,
            RoleKind::Viewer => permission == Permission::Read,
        }
    }
}

/// What an operation needs.
///
/// # Example
///
/// ```
/// use skyflow_emulator::auth::Permission;
/// assert_ne!(Permission::Read, Permission::Write);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Reading records, detokenizing, querying, tokenizing existing values.
    Read,
    /// Inserting, updating, deleting records and files.
    Write,
}

struct ServiceAccount {
    record: ServiceAccountRecord,
    key: DecodingKey,
}

/// Who is calling: resolved from the `Authorization` header.
///
/// # Example
///
/// ```
/// // Callers are produced by the server from request headers; handlers check them with
/// // `caller.authorize(vault_id, Permission::Read)`.
/// fn describe(c: &skyflow_emulator::auth::Caller) -> &str { c.subject() }
/// ```
#[derive(Debug, Clone)]
pub struct Caller {
    subject: String,
    kind: CallerKind,
    /// (vault id, role) pairs, or None for every vault with the owner role.
    grants: Option<Vec<(String, RoleKind)>>,
    token_id: String,
    key_id: Option<String>,
}

/// How a caller authenticated.
///
/// # Example
///
/// ```
/// use skyflow_emulator::auth::CallerKind;
/// assert_eq!(CallerKind::ApiKey.auth_mode(), "API_KEY");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    /// The emulator's API key.
    ApiKey,
    /// An access token issued to a service account.
    ServiceAccount,
    /// Auth is disabled; every request acts as the owner.
    Anonymous,
}

impl CallerKind {
    /// The audit `authMode` value.
    ///
    /// # Example
    ///
    /// ```
    /// use skyflow_emulator::auth::CallerKind;
    /// assert_eq!(CallerKind::ServiceAccount.auth_mode(), "SERVICE_ACCOUNT_JWT");
    /// ```
    pub fn auth_mode(self) -> &'static str {
        match self {
            CallerKind::ApiKey => "API_KEY",
            CallerKind::ServiceAccount => "SERVICE_ACCOUNT_JWT",
            // The audit schema has no "none" mode; an unauthenticated emulator acts as a key.
            CallerKind::Anonymous => "API_KEY",
        }
    }

    /// The audit `actorType` value.
    ///
    /// # Example
    ///
    /// ```
    /// use skyflow_emulator::auth::CallerKind;
    /// assert_eq!(CallerKind::ServiceAccount.actor_type(), "SERVICE_ACCOUNT");
    /// ```
    pub fn actor_type(self) -> &'static str {
        match self {
            CallerKind::ServiceAccount | CallerKind::ApiKey => "SERVICE_ACCOUNT",
            CallerKind::Anonymous => "USER",
        }
    }
}

impl Caller {
    /// The caller's identity: the service account's client id, `api-key`, or `anonymous`.
    ///
    /// # Example
    ///
    /// ```
    /// fn who(c: &skyflow_emulator::auth::Caller) -> String { c.subject().to_owned() }
    /// ```
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// How the caller authenticated.
    ///
    /// # Example
    ///
    /// ```
    /// fn kind(c: &skyflow_emulator::auth::Caller) -> skyflow_emulator::auth::CallerKind { c.kind() }
    /// ```
    pub fn kind(&self) -> CallerKind {
        self.kind
    }

    /// The access token's `jti` (empty for API keys).
    ///
    /// # Example
    ///
    /// ```
    /// fn jti(c: &skyflow_emulator::auth::Caller) -> &str { c.token_id() }
    /// ```
    pub fn token_id(&self) -> &str {
        &self.token_id
    }

    /// Checks that the caller may do `permission` on `vault_id`: 403 if its token is bound to
    /// other vaults or its roles do not allow the operation.
    ///
    /// # Example
    ///
    /// ```
    /// use skyflow_emulator::auth::{Caller, Permission};
    /// fn check(c: &Caller) -> bool { c.authorize("vault", Permission::Read).is_ok() }
    /// ```
    pub fn authorize(&self, vault_id: &str, permission: Permission) -> Result<(), ApiError> {
        let Some(grants) = &self.grants else {
            return Ok(());
        };
        let roles: Vec<RoleKind> = grants
            .iter()
            .filter(|(v, _)| v == vault_id)
            .map(|(_, r)| *r)
            .collect();
        if roles.is_empty() {
            return Err(ApiError::forbidden(format!(
                "Permission denied. The bearer token is not valid for vault {vault_id}."
            )));
        }
        if roles.iter().any(|r| r.allows(permission)) {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "Permission denied. The caller's roles don't allow this operation.",
            ))
        }
    }

    /// Whether the caller may read values in plain text on `vault_id`: only the Vault Owner
    /// role (and API keys, which act as the owner). Editor and Viewer roles get each column's
    /// default redaction at most (vault-semantics §1.16).
    ///
    /// # Example
    ///
    /// ```
    /// fn clear(c: &skyflow_emulator::auth::Caller) -> bool { c.plain_text_allowed("vault") }
    /// ```
    pub fn plain_text_allowed(&self, vault_id: &str) -> bool {
        match &self.grants {
            None => true,
            Some(grants) => grants
                .iter()
                .any(|(v, r)| v == vault_id && *r == RoleKind::Owner),
        }
    }

    /// The service account's key id, for service-account callers.
    ///
    /// # Example
    ///
    /// ```
    /// fn key(c: &skyflow_emulator::auth::Caller) -> Option<&str> { c.key_id() }
    /// ```
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// The client id when the caller is a service account.
    pub(crate) fn service_account(&self) -> Option<&str> {
        (self.kind == CallerKind::ServiceAccount).then_some(self.subject.as_str())
    }
}

/// Claims of the access tokens the emulator issues.
#[derive(Debug, Serialize, Deserialize)]
struct AccessClaims {
    iss: String,
    sub: String,
    exp: u64,
    iat: u64,
    jti: String,
    key: String,
    roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ctx: Option<serde_json::Value>,
}

/// The body of `POST /v1/auth/sa/oauth/token`. `Debug` hides the assertion.
#[derive(Deserialize)]
pub(crate) struct TokenRequest {
    #[serde(default)]
    pub(crate) grant_type: Option<String>,
    #[serde(default)]
    pub(crate) assertion: Option<String>,
    #[serde(default)]
    pub(crate) scope: Option<String>,
}

/// The answer of the token exchange. `Debug` hides the access token.
#[derive(Serialize)]
pub(crate) struct TokenResponse {
    #[serde(rename = "accessToken")]
    pub(crate) access_token: String,
    #[serde(rename = "tokenType")]
    pub(crate) token_type: &'static str,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("grant_type", &self.grant_type)
            .field("assertion", &self.assertion.as_ref().map(|_| "<hidden>"))
            .field("scope", &self.scope)
            .finish()
    }
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"<hidden>")
            .field("token_type", &self.token_type)
            .finish()
    }
}

const ISSUER: &str = "skyflow-emulator";
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Clock leeway for assertions and signed data tokens, in seconds.
const LEEWAY_SECS: u64 = 5;

/// The emulator's authority: keys, accounts and token rules.
pub(crate) struct Authority {
    enabled: bool,
    api_key: String,
    /// The primary key was revoked (it is then only looked up in the store, and not found).
    primary_revoked: std::sync::atomic::AtomicBool,
    signing_secret: Vec<u8>,
    token_ttl: Duration,
    roles: HashMap<String, (String, RoleKind)>,
    accounts: RwLock<Vec<ServiceAccount>>,
    token_uri: RwLock<String>,
    /// Token URIs issued by earlier starts on the same data directory.
    earlier_token_uris: RwLock<Vec<String>>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("enabled", &self.enabled)
            .field("token_ttl", &self.token_ttl)
            .finish_non_exhaustive()
    }
}

/// Generates an API key: `sky-` + 5 alphanumerics + `-` + 32 hex digits.
pub(crate) fn generate_api_key() -> String {
    const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let prefix: String = (0..5)
        .map(|_| ALNUM[rng.gen_range(0..ALNUM.len())] as char)
        .collect();
    let hex: String = (0..32)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect();
    format!("sky-{prefix}-{hex}")
}

/// Generates a random hex id of `bytes` bytes.
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.r#gen::<u8>()))
        .collect()
}

fn now_secs() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// Decodes a JWT's payload without verifying it (only to pick the verification key).
fn peek_claims(jwt: &str) -> Option<serde_json::Value> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The `alg` of a JWT's header, read without verifying anything.
fn peek_alg(jwt: &str) -> Option<String> {
    let header = jwt.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header.trim_end_matches('='))
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("alg")?.as_str().map(str::to_owned)
}

impl Authority {
    pub(crate) fn new(
        enabled: bool,
        api_key: String,
        signing_secret: Vec<u8>,
        token_ttl: Duration,
        vault_ids: &[String],
    ) -> Self {
        let mut roles = HashMap::new();
        for vault in vault_ids {
            for kind in RoleKind::ALL {
                roles.insert(kind.role_id(vault), (vault.clone(), kind));
            }
        }
        Self {
            enabled,
            api_key,
            primary_revoked: std::sync::atomic::AtomicBool::new(false),
            signing_secret,
            token_ttl,
            roles,
            accounts: RwLock::new(Vec::new()),
            token_uri: RwLock::new(String::new()),
            earlier_token_uris: RwLock::new(Vec::new()),
        }
    }

    pub(crate) fn knows_role(&self, role_id: &str) -> bool {
        self.roles.contains_key(role_id)
    }

    /// Sets the current token URI and the ones issued by earlier starts (accepted audiences).
    pub(crate) fn set_endpoint(&self, token_uri: &str, earlier: Vec<String>) {
        *self.token_uri.write().unwrap_or_else(|e| e.into_inner()) = token_uri.to_owned();
        *self
            .earlier_token_uris
            .write()
            .unwrap_or_else(|e| e.into_inner()) = earlier;
    }

    pub(crate) fn add_account(&self, record: ServiceAccountRecord) -> Result<(), String> {
        let key = DecodingKey::from_rsa_pem(record.public_key_pem.as_bytes())
            .map_err(|_| "the service account's public key is not an RSA PEM key".to_owned())?;
        let mut accounts = self.accounts.write().unwrap_or_else(|e| e.into_inner());
        accounts.retain(|a| a.record.key_id != record.key_id);
        accounts.push(ServiceAccount { record, key });
        Ok(())
    }

    /// Forgets a service account (its bearer tokens stop working); returns whether it was known.
    pub(crate) fn remove_account(&self, client_id: &str) -> bool {
        let mut accounts = self.accounts.write().unwrap_or_else(|e| e.into_inner());
        let before = accounts.len();
        accounts.retain(|a| a.record.client_id != client_id);
        accounts.len() != before
    }

    /// Stops accepting the primary API key without a store lookup (after it was revoked).
    pub(crate) fn revoke_primary(&self, key: &str) {
        if constant_time_eq(key.as_bytes(), self.api_key.as_bytes()) {
            self.primary_revoked
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The bearer of `header` when it has an API key's shape and is not the primary key (which
    /// is checked in memory): such keys are looked up in the store.
    pub(crate) fn stored_key_candidate(&self, header: Option<&str>) -> Option<String> {
        if !self.enabled {
            return None;
        }
        let (scheme, token) = header?.split_once(' ')?;
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("bearer")
            && is_api_key_shape(token)
            && !constant_time_eq(token.as_bytes(), self.api_key.as_bytes()))
        .then(|| token.to_owned())
    }

    /// The caller of a stored API key: its roles (a key with no roles acts as the owner of its
    /// vault, or of every vault).
    pub(crate) fn api_key_caller(&self, record: &crate::engine::ApiKeyRecord) -> Caller {
        let grants = if record.roles.is_empty() {
            record
                .vault_id
                .as_ref()
                .map(|v| vec![(v.clone(), RoleKind::Owner)])
        } else {
            Some(
                record
                    .roles
                    .iter()
                    .filter_map(|r| self.roles.get(r).cloned())
                    .filter(|(v, _)| record.vault_id.as_ref().is_none_or(|only| only == v))
                    .collect(),
            )
        };
        Caller {
            subject: "api-key".to_owned(),
            kind: CallerKind::ApiKey,
            grants,
            token_id: String::new(),
            key_id: None,
        }
    }

    fn with_account<T>(&self, key_id: &str, f: impl FnOnce(&ServiceAccount) -> T) -> Option<T> {
        let accounts = self.accounts.read().unwrap_or_else(|e| e.into_inner());
        accounts.iter().find(|a| a.record.key_id == key_id).map(f)
    }

    fn audience_ok(&self, aud: &str) -> bool {
        aud == *self.token_uri.read().unwrap_or_else(|e| e.into_inner())
            || self
                .earlier_token_uris
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .any(|u| u == aud)
    }

    /// Verifies a service-account assertion and issues an access token.
    pub(crate) fn exchange(&self, request: TokenRequest) -> Result<TokenResponse, ApiError> {
        match request.grant_type.as_deref() {
            Some(JWT_BEARER_GRANT) => {}
            Some(_) => {
                return Err(ApiError::bad_request(format!(
                    "Invalid grant_type. Only {JWT_BEARER_GRANT} is supported."
                )));
            }
            None => return Err(ApiError::bad_request("Missing grant_type.")),
        }
        let assertion = request
            .assertion
            .filter(|a| !a.is_empty())
            .ok_or_else(|| ApiError::bad_request("Missing assertion."))?;
        let invalid = |why: &str| ApiError::unauthorized(format!("Invalid assertion: {why}."));

        if peek_alg(&assertion).as_deref() != Some("RS256") {
            return Err(invalid("only RS256 assertions are accepted"));
        }
        let header = jsonwebtoken::decode_header(&assertion)
            .map_err(|_| invalid("the assertion is not a JWT"))?;
        if header.alg != Algorithm::RS256 {
            return Err(invalid("only RS256 assertions are accepted"));
        }
        let peeked = peek_claims(&assertion).ok_or_else(|| invalid("unreadable claims"))?;
        let key_id = peeked
            .get("key")
            .and_then(|k| k.as_str())
            .ok_or_else(|| invalid("the key claim is missing"))?
            .to_owned();

        let verified = self
            .with_account(&key_id, |account| {
                let mut validation = Validation::new(Algorithm::RS256);
                validation.leeway = LEEWAY_SECS;
                validation.validate_aud = false;
                validation.set_required_spec_claims(&["exp"]);
                jsonwebtoken::decode::<serde_json::Value>(&assertion, &account.key, &validation)
                    .map(|data| (data.claims, account.record.clone()))
            })
            .ok_or_else(|| invalid("unknown key id"))?;
        let (claims, account) = verified.map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => invalid("the assertion expired"),
            jsonwebtoken::errors::ErrorKind::InvalidSignature => invalid("bad signature"),
            _ => invalid("verification failed"),
        })?;

        let claim = |name: &str| claims.get(name).and_then(|v| v.as_str());
        if claim("iss") != Some(account.client_id.as_str())
            || claim("sub") != Some(account.client_id.as_str())
        {
            return Err(invalid(
                "iss and sub must be the service account's client id",
            ));
        }
        let audience_ok = match claims.get("aud") {
            Some(serde_json::Value::String(aud)) => self.audience_ok(aud),
            Some(serde_json::Value::Array(auds)) => auds
                .iter()
                .filter_map(|a| a.as_str())
                .any(|a| self.audience_ok(a)),
            _ => false,
        };
        if !audience_ok {
            return Err(invalid("wrong audience"));
        }

        let roles = match request.scope.as_deref().map(str::trim) {
            None | Some("") => account.roles.clone(),
            Some(scope) => {
                let mut granted = Vec::new();
                for item in scope.split_whitespace() {
                    let role = item.strip_prefix("role:").ok_or_else(|| {
                        ApiError::bad_request(
                            "Invalid scope. Use space-separated role:<role_id> items.",
                        )
                    })?;
                    if !account.roles.iter().any(|r| r == role) {
                        return Err(ApiError::forbidden(format!(
                            "Invalid scope. The service account doesn't have role {role}."
                        )));
                    }
                    granted.push(role.to_owned());
                }
                granted
            }
        };

        let now = now_secs();
        let access = AccessClaims {
            iss: ISSUER.to_owned(),
            sub: account.client_id.clone(),
            exp: now + self.token_ttl.as_secs().max(1),
            iat: now,
            jti: random_hex(16),
            key: account.key_id.clone(),
            roles,
            ctx: claims.get("ctx").cloned(),
        };
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &access,
            &EncodingKey::from_secret(&self.signing_secret),
        )
        .map_err(|_| ApiError::internal("Couldn't sign the access token."))?;
        Ok(TokenResponse {
            access_token: token,
            token_type: "Bearer",
        })
    }

    /// Resolves the `Authorization` header value into a caller.
    pub(crate) fn authenticate(&self, header: Option<&str>) -> Result<Caller, ApiError> {
        if !self.enabled {
            return Ok(Caller {
                subject: "anonymous".to_owned(),
                kind: CallerKind::Anonymous,
                grants: None,
                token_id: String::new(),
                key_id: None,
            });
        }
        let unauthorized = || {
            ApiError::unauthorized(
                "The request is unauthorized. Make sure you have a valid access token.",
            )
        };
        let header = header.ok_or_else(unauthorized)?;
        let (scheme, token) = header.split_once(' ').ok_or_else(unauthorized)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(unauthorized());
        }
        let token = token.trim();
        if !self
            .primary_revoked
            .load(std::sync::atomic::Ordering::Relaxed)
            && constant_time_eq(token.as_bytes(), self.api_key.as_bytes())
        {
            return Ok(Caller {
                subject: "api-key".to_owned(),
                kind: CallerKind::ApiKey,
                grants: None,
                token_id: String::new(),
                key_id: None,
            });
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_aud = false;
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data = jsonwebtoken::decode::<AccessClaims>(
            token,
            &DecodingKey::from_secret(&self.signing_secret),
            &validation,
        )
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                ApiError::unauthorized(EXPIRED_TOKEN_MESSAGE)
            }
            _ => unauthorized(),
        })?;
        // The exact second of expiry counts as expired, like the SDKs' own check.
        if data.claims.exp <= now_secs() {
            return Err(ApiError::unauthorized(EXPIRED_TOKEN_MESSAGE));
        }
        // The account (and that key of it) must still exist: deleting a service account
        // invalidates the bearer tokens it holds.
        let account_alive = self
            .with_account(&data.claims.key, |a| a.record.client_id == data.claims.sub)
            .unwrap_or(false);
        if !account_alive {
            return Err(unauthorized());
        }
        let grants = data
            .claims
            .roles
            .iter()
            .filter_map(|r| self.roles.get(r).cloned())
            .collect();
        Ok(Caller {
            subject: data.claims.sub,
            kind: CallerKind::ServiceAccount,
            grants: Some(grants),
            token_id: data.claims.jti,
            key_id: Some(data.claims.key),
        })
    }

    /// Verifies a `signed_token_<jwt>` for `caller` and returns the vault token inside it.
    /// The error is the per-token message.
    pub(crate) fn open_signed_token(
        &self,
        signed: &str,
        caller: &Caller,
    ) -> Result<String, String> {
        let jwt = crate::engine::split_signed_token(signed)
            .ok_or_else(|| "Invalid signed token.".to_owned())?;
        if peek_alg(jwt).as_deref() != Some("RS256") {
            return Err("Invalid signed token: only RS256 is accepted.".to_owned());
        }
        let header = jsonwebtoken::decode_header(jwt).map_err(|_| "Invalid signed token.")?;
        if header.alg != Algorithm::RS256 {
            return Err("Invalid signed token: only RS256 is accepted.".to_owned());
        }
        let key_id = peek_claims(jwt)
            .and_then(|c| c.get("key").and_then(|k| k.as_str()).map(str::to_owned))
            .ok_or_else(|| "Invalid signed token: the key claim is missing.".to_owned())?;
        let (claims, account) = self
            .with_account(&key_id, |account| {
                let mut validation = Validation::new(Algorithm::RS256);
                validation.leeway = LEEWAY_SECS;
                validation.validate_aud = false;
                validation.set_issuer(&["sdk"]);
                validation.set_required_spec_claims(&["exp", "sub"]);
                jsonwebtoken::decode::<serde_json::Value>(jwt, &account.key, &validation)
                    .map(|d| (d.claims, account.record.client_id.clone()))
            })
            .ok_or_else(|| "Invalid signed token: unknown key id.".to_owned())?
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    "Signed token is expired.".to_owned()
                }
                _ => "Invalid signed token: verification failed.".to_owned(),
            })?;
        if claims.get("sub").and_then(|s| s.as_str()) != Some(account.as_str()) {
            return Err(
                "Invalid signed token: sub must be the service account's client id.".to_owned(),
            );
        }
        if self.enabled && caller.service_account() != Some(account.as_str()) {
            return Err(
                "Signed tokens can only be detokenized with a bearer token of the service account that signed them."
                    .to_owned(),
            );
        }
        claims
            .get("tok")
            .and_then(|t| t.as_str())
            .map(str::to_owned)
            .ok_or_else(|| "Invalid signed token: the tok claim is missing.".to_owned())
    }
}

/// `sky-` + 5 alphanumerics + `-` + 32 hex digits.
fn is_api_key_shape(token: &str) -> bool {
    let parts: Vec<&str> = token.split('-').collect();
    token.len() == 42
        && parts.len() == 3
        && parts[0] == "sky"
        && parts[1].len() == 5
        && parts[1].chars().all(|c| c.is_ascii_alphanumeric())
        && parts[2].len() == 32
        && parts[2].chars().all(|c| c.is_ascii_hexdigit())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A freshly generated service account: the record kept by the emulator and the credentials
/// JSON handed to the client.
pub(crate) struct NewServiceAccount {
    pub(crate) record: ServiceAccountRecord,
    pub(crate) private_key_pem: String,
}

/// Generates an RSA 2048 key pair and ids for a new service account.
pub(crate) fn generate_service_account(
    client_name: &str,
    roles: Vec<String>,
) -> Result<NewServiceAccount, String> {
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let mut rng = rand::thread_rng();
    let private = rsa::RsaPrivateKey::new(&mut rng, 2048)
        .map_err(|_| "couldn't generate an RSA key".to_owned())?;
    let private_key_pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|_| "couldn't encode the RSA key".to_owned())?
        .to_string();
    let public_key_pem = private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|_| "couldn't encode the RSA public key".to_owned())?;
    Ok(NewServiceAccount {
        record: ServiceAccountRecord {
            client_id: random_hex(16),
            client_name: client_name.to_owned(),
            key_id: random_hex(16),
            public_key_pem,
            roles,
            vault_id: None,
        },
        private_key_pem,
    })
}

/// Builds the credentials JSON (single line) of a service account.
pub(crate) fn credentials_json(
    record: &ServiceAccountRecord,
    private_key_pem: &str,
    token_uri: &str,
) -> String {
    serde_json::json!({
        "clientID": record.client_id,
        "clientName": record.client_name,
        "keyID": record.key_id,
        "tokenURI": token_uri,
        "privateKey": private_key_pem,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_keys_have_skyflow_shape() {
        let key = generate_api_key();
        assert_eq!(key.len(), 42);
        let parts: Vec<&str> = key.split('-').collect();
        assert_eq!(parts[0], "sky");
        assert_eq!(parts[1].len(), 5);
        assert!(parts[2].chars().all(|c| c.is_ascii_hexdigit()) && parts[2].len() == 32);
        assert!(is_api_key_shape(&key));
        assert!(!is_api_key_shape("sky-wrong-secretkeyvalue"));
    }

    #[test]
    fn audience_rules() {
        let a = Authority::new(
            true,
            generate_api_key(),
            vec![1; 32],
            DEFAULT_TOKEN_TTL,
            &[],
        );
        a.set_endpoint(
            "http://127.0.0.1:4000/v1/auth/sa/oauth/token",
            vec!["http://127.0.0.1:3999/v1/auth/sa/oauth/token".to_owned()],
        );
        assert!(a.audience_ok("http://127.0.0.1:4000/v1/auth/sa/oauth/token"));
        // A token URI this data directory issued before.
        assert!(a.audience_ok("http://127.0.0.1:3999/v1/auth/sa/oauth/token"));
        // Any other port or loopback host was never issued here.
        assert!(!a.audience_ok("http://127.0.0.1:5999/v1/auth/sa/oauth/token"));
        assert!(!a.audience_ok("http://localhost:1/v1/auth/sa/oauth/token"));
        assert!(!a.audience_ok("http://127.0.0.1:1/v1/auth/sa/oauth/token"));
        assert!(!a.audience_ok("https://[::1]:8/v1/auth/sa/oauth/token"));
        assert!(!a.audience_ok("https://manage.skyflowapis.com/v1/auth/sa/oauth/token"));
        assert!(!a.audience_ok("http://127.0.0.1:4000/v1/other"));
        assert!(!a.audience_ok("nonsense"));
    }

    #[test]
    fn token_exchange_debug_hides_secrets() {
        let request = TokenRequest {
            grant_type: Some(JWT_BEARER_GRANT.to_owned()),
            assertion: Some("eyJhbGciOiJSUzI1NiJ9.secret-assertion.sig".to_owned()),
            scope: Some("role:owner-v".to_owned()),
        };
        let shown = format!("{request:?}");
        assert!(!shown.contains("secret-assertion"), "{shown}");
        assert!(shown.contains("role:owner-v"), "{shown}");
        let response = TokenResponse {
            access_token: "secret-access-token".to_owned(),
            token_type: "Bearer",
        };
        let shown = format!("{response:?}");
        assert!(!shown.contains("secret-access-token"), "{shown}");
        assert!(shown.contains("Bearer"), "{shown}");
    }

    #[test]
    fn roles_scope_permissions() {
        let caller = Caller {
            subject: "x".into(),
            kind: CallerKind::ServiceAccount,
            grants: Some(vec![("v1".into(), RoleKind::Viewer)]),
            token_id: String::new(),
            key_id: None,
        };
        assert!(caller.authorize("v1", Permission::Read).is_ok());
        assert!(!caller.plain_text_allowed("v1"));
        let owner = Caller {
            grants: Some(vec![("v1".into(), RoleKind::Owner)]),
            ..caller.clone()
        };
        assert!(owner.plain_text_allowed("v1"));
        assert!(!owner.plain_text_allowed("v2"));
        assert_eq!(
            caller
                .authorize("v1", Permission::Write)
                .unwrap_err()
                .status()
                .as_u16(),
            403
        );
        assert_eq!(
            caller
                .authorize("v2", Permission::Read)
                .unwrap_err()
                .status()
                .as_u16(),
            403
        );
    }
}
