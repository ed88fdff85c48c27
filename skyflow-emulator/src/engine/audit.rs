//! Audit events: who did what to which records, with the outcome. Never values or tokens.

use serde::{Deserialize, Serialize};
use serde_json::Value;

mod stored;

pub(crate) use stored::{EventHead, NestedResults};

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
    /// The caller's roles only allow each column's DEFAULT redaction (Vault Editor and Vault
    /// Viewer): values leave get, detokenize and query no clearer than the column's
    /// `default_dlp_policy`, whatever redaction is asked for (inferred; vault-semantics §1.16).
    pub default_redaction_only: bool,
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
    pub nested: NestedResults,
    pub table: Option<String>,
}

/// Read events waiting for a group commit, and whether a thread is committing now.
#[derive(Default)]
pub(crate) struct AuditQueue {
    state: std::sync::Mutex<QueueState>,
    turn: std::sync::Condvar,
}

#[derive(Default)]
struct QueueState {
    pending: Vec<Queued>,
    committing: bool,
}

struct Queued {
    ctx: RequestContext,
    ev: PendingEvent,
    head: EventHead,
    ts: i64,
    done: std::sync::mpsc::Sender<EngineResult<()>>,
}

/// Stores the event `ev` of request `ctx` at time `ts` in the caller's write on `store`.
fn insert_event(
    store: &Store,
    c: &rusqlite::Connection,
    ctx: &RequestContext,
    ev: &PendingEvent,
    head: &EventHead,
    ts: i64,
) -> EngineResult<()> {
    let json = head.finish(ctx, ev, ts);
    insert_audit(
        store,
        c,
        AuditRow {
            change_id: head.change_id.clone(),
            vault_id: ev.vault_id.clone(),
            ts,
            request_id: ctx.request_id.clone(),
            actor: ctx.actor.clone(),
            account_id: ctx.account_id.clone(),
            action_type: ev.action_type,
            resource_type: ev.resource_type,
            code: ev.code,
            event_json: json,
        },
    )
}

use super::error::EngineResult;
use super::ops::{Inner, now_nanos};
use super::store::{AuditQuery, AuditRow, Store, insert_audit};
use stored::rfc3339;

impl Inner {
    /// Writes `ev` inside the caller's write transaction (atomic with the change it records),
    /// its `head` built before the write began.
    pub(crate) fn write_audit_in(
        &self,
        c: &rusqlite::Connection,
        ctx: &RequestContext,
        ev: &PendingEvent,
        head: &EventHead,
    ) -> EngineResult<()> {
        insert_event(&self.store, c, ctx, ev, head, now_nanos())
    }

    /// Durably stores an event that has no write transaction of its own (reads, failed writes)
    /// and returns once it is committed: the caller answers only after its audit event is on
    /// disk, and fails closed if it cannot be stored.
    ///
    /// Group commit: events queue up; whichever waiting thread finds no commit in flight takes
    /// the whole queue and commits it in one transaction, then hands each event its result.
    pub(crate) fn commit_audit(&self, ctx: &RequestContext, ev: PendingEvent) -> EngineResult<()> {
        let (done, result) = std::sync::mpsc::channel();
        let head = EventHead::new(ctx, &ev);
        let q = &self.audit_queue;
        let mut st = q.state.lock().unwrap_or_else(|p| p.into_inner());
        st.pending.push(Queued {
            ctx: ctx.clone(),
            ev,
            head,
            ts: now_nanos(),
            done,
        });
        loop {
            if let Ok(r) = result.try_recv() {
                return r;
            }
            if st.committing {
                st = q.turn.wait(st).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            // Lead one group commit.
            st.committing = true;
            let batch = std::mem::take(&mut st.pending);
            drop(st);
            let store = self.event_store();
            let res = store.write(|tx| {
                for e in &batch {
                    insert_event(store, tx, &e.ctx, &e.ev, &e.head, e.ts)?;
                }
                Ok(())
            });
            for e in batch {
                let _ = e.done.send(res.clone());
            }
            st = q.state.lock().unwrap_or_else(|p| p.into_inner());
            st.committing = false;
            q.turn.notify_all();
        }
    }

    pub(crate) fn audit_events(&self, f: &AuditFilter) -> EngineResult<AuditResponse> {
        let limit = f.limit.unwrap_or(25).clamp(1, 1000);
        let offset = f.offset.unwrap_or(0);
        // Both stores are asked for the first `offset + limit` events; the page is cut from
        // their merge.
        let mut q = AuditQuery {
            code: f.response_code,
            ascending: f.ascending,
            limit: offset.saturating_add(limit),
            offset: 0,
            ..Default::default()
        };
        for (col, v) in [
            ("vault_id", &f.vault_id),
            ("account_id", &f.account_id),
            ("actor", &f.actor),
            ("request_id", &f.request_id),
            ("action_type", &f.action_type),
            ("resource_type", &f.resource_type),
        ] {
            if let Some(v) = v {
                q.equals.push((col, v.as_str()));
            }
        }
        let mut rows = self.store.audit_rows(&q)?;
        if let Some(reads) = &self.read_audit {
            rows = merge_by_time(rows, reads.audit_rows(&q)?, f.ascending);
        }
        let mut event = Vec::with_capacity(limit);
        let mut next = serde_json::json!({});
        for (json, ts, change_id) in rows.iter().skip(offset).take(limit) {
            event.push(stored::parse(json)?);
            next = serde_json::json!({"timestamp": rfc3339(*ts), "changeID": change_id});
        }
        Ok(AuditResponse {
            event,
            next_ops: next,
        })
    }
}

/// Merges two lists of `(event, ts, change_id)`, each in the listing's order, into one by
/// time (oldest first when `ascending`); each list keeps its own order among equal times.
fn merge_by_time(
    a: Vec<(String, i64, String)>,
    b: Vec<(String, i64, String)>,
    ascending: bool,
) -> Vec<(String, i64, String)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => {
                if ascending {
                    x.1 <= y.1
                } else {
                    x.1 >= y.1
                }
            }
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return out,
        };
        out.extend(if take_a { a.next() } else { b.next() });
    }
}
