//! Audit events: who did what to which records, with the outcome. Never values or tokens.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Who sent a request.
///
/// ```
/// use skyflow_emulator::engine::ActorType;
/// assert_eq!(serde_json::to_string(&ActorType::ServiceAccount).unwrap(), "\"SERVICE_ACCOUNT\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActorType {
    /// A user (API key, personal token).
    #[default]
    User,
    /// A service account.
    ServiceAccount,
}

/// How the caller authenticated.
///
/// ```
/// use skyflow_emulator::engine::AuthMode;
/// assert_eq!(serde_json::to_string(&AuthMode::ApiKey).unwrap(), "\"API_KEY\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthMode {
    /// Okta JWT.
    OktaJwt,
    /// A bearer minted from a service-account assertion.
    ServiceAccountJwt,
    /// A personal access token.
    PatJwt,
    /// An API key.
    #[default]
    ApiKey,
    /// Security token service.
    Sts,
}

/// API or SQL access.
///
/// ```
/// use skyflow_emulator::engine::AccessType;
/// assert_eq!(serde_json::to_string(&AccessType::Sql).unwrap(), "\"SQL\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccessType {
    /// REST API.
    #[default]
    Api,
    /// The query endpoint.
    Sql,
}

/// Facts about the request an operation serves; recorded in its audit event.
///
/// ```
/// use skyflow_emulator::engine::{AuthMode, RequestContext};
/// let mut ctx = RequestContext::system();
/// ctx.auth_mode = AuthMode::ServiceAccountJwt;
/// assert_eq!(ctx.actor, "system");
/// ```
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// The `x-request-id` of the call.
    pub request_id: String,
    /// The caller: client id of a service account, or an API key's label (never the key).
    pub actor: String,
    /// Type of the caller.
    pub actor_type: ActorType,
    /// How the caller authenticated.
    pub auth_mode: AuthMode,
    /// The bearer's `jti`, if any.
    pub jwt_id: Option<String>,
    /// The service account key id, if any.
    pub key_id: Option<String>,
    /// The client's IP address.
    pub ip_address: Option<String>,
    /// HTTP method.
    pub http_method: String,
    /// Request path (no query string; it may hold values).
    pub http_uri: String,
    /// Account id (for `filterOps.accountID`).
    pub account_id: Option<String>,
}

impl RequestContext {
    /// A context for in-process calls (tests, tools): actor `system`, a fresh request id.
    ///
    /// ```
    /// let ctx = skyflow_emulator::engine::RequestContext::system();
    /// assert_eq!(ctx.request_id.len(), 36);
    /// ```
    pub fn system() -> Self {
        RequestContext {
            request_id: uuid::Uuid::new_v4().to_string(),
            actor: "system".into(),
            ..Default::default()
        }
    }
}

/// Which audit events to list (`GET /v1/audit/events` `filterOps.*`, `limit`, `offset`).
///
/// ```
/// use skyflow_emulator::engine::AuditFilter;
/// let f = AuditFilter { vault_id: Some("v".into()), ..Default::default() };
/// assert_eq!(f.limit, None);
/// ```
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only events of this vault.
    pub vault_id: Option<String>,
    /// Only events of this account.
    pub account_id: Option<String>,
    /// Only events of this actor.
    pub actor: Option<String>,
    /// Only events of this request id.
    pub request_id: Option<String>,
    /// Only events with this `actionType` (e.g. `CREATE`, `READ`).
    pub action_type: Option<String>,
    /// Only events with this `resourceType` (e.g. `RECORD`, `TOKEN`).
    pub resource_type: Option<String>,
    /// Only events with this response code.
    pub response_code: Option<u16>,
    /// Oldest first (default newest first).
    pub ascending: bool,
    /// At most this many events (default and maximum 25... 1000 here: default 25).
    pub limit: Option<usize>,
    /// Skip this many.
    pub offset: Option<usize>,
}

/// One audit event, in the OpenAPI `AuditResponseEvent` shape (context, request, response).
///
/// ```
/// use skyflow_emulator::engine::AuditEvent;
/// let v: AuditEvent = serde_json::from_value(serde_json::json!({"context": {}, "request": {}, "response": {}})).unwrap();
/// assert!(v.resource_ids.is_empty());
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditEvent {
    /// `changeID`, `requestID`, actor, authMode…
    pub context: Value,
    /// `apiName`, `vaultID`, `actionType`, `resourceType`, `httpInfo`, `timestamp`…
    pub request: Value,
    /// `code`, `message`, `timestamp`, `nestedResponse`…
    pub response: Value,
    /// Account id.
    #[serde(rename = "accountID", default)]
    pub account_id: String,
    /// Parent account id.
    #[serde(rename = "parentAccountID", default)]
    pub parent_account_id: String,
    /// Resources touched, `TYPE/ID` (e.g. `VAULT/abc`, `RECORD/<skyflow_id>`).
    #[serde(rename = "resourceIDs", default)]
    pub resource_ids: Vec<String>,
}

/// Response of the audit listing: `{"event":[...],"nextOps":{...}}`.
///
/// ```
/// use skyflow_emulator::engine::AuditResponse;
/// let r = AuditResponse { event: vec![], next_ops: serde_json::json!({}) };
/// assert_eq!(serde_json::to_value(&r).unwrap()["event"], serde_json::json!([]));
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditResponse {
    /// The events.
    pub event: Vec<AuditEvent>,
    /// Cursor for the next page (`timestamp`, `changeID`).
    #[serde(rename = "nextOps")]
    pub next_ops: Value,
}

/// An event before it is stored: built by operations, never holds a value.
#[derive(Debug, Clone)]
pub(crate) struct PendingEvent {
    pub vault_id: String,
    pub api_name: &'static str,
    pub action_type: &'static str,
    pub resource_type: &'static str,
    pub access_type: AccessType,
    pub code: u16,
    pub message: String,
    pub resource_ids: Vec<String>,
    pub nested: Vec<(u16, String, String)>,
    pub table: Option<String>,
}
