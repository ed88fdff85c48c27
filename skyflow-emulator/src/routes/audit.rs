//! Audit: one event per data-plane call (who, what, when, outcome; never a value or token),
//! and `GET /v1/audit/events` to list them.

use std::time::SystemTime;

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth::{Caller, CallerKind};
use crate::envelope::ApiError;
use crate::routes::{parse_int, query_pairs};
use crate::server::{AppState, RequestId};

/// The audit `actionType` of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Create,
    Read,
    Update,
    Delete,
    Execute,
}

impl Action {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Action::Create => "CREATE",
            Action::Read => "READ",
            Action::Update => "UPDATE",
            Action::Delete => "DELETE",
            Action::Execute => "EXECUTE",
        }
    }
}

fn rfc3339_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An audit event being recorded: created before the engine call, finished with its outcome.
pub(crate) struct Audit {
    state: AppState,
    vault: String,
    action: Action,
    api_name: &'static str,
    actor: String,
    kind: CallerKind,
    jwt_id: String,
    request_id: String,
    started: SystemTime,
}

impl Audit {
    pub(crate) fn new(
        state: &AppState,
        caller: &Caller,
        request_id: &RequestId,
        vault: &str,
        action: Action,
        api_name: &'static str,
    ) -> Self {
        Self {
            state: state.clone(),
            vault: vault.to_owned(),
            action,
            api_name,
            actor: caller.subject().to_owned(),
            kind: caller.kind(),
            jwt_id: caller.token_id().to_owned(),
            request_id: request_id.0.clone(),
            started: SystemTime::now(),
        }
    }

    /// Records the event with the call's outcome. The message is the HTTP reason phrase, never
    /// the error text (which can name a token).
    pub(crate) fn finish<T>(self, result: &Result<T, ApiError>) {
        let (code, message) = match result {
            Ok(_) => (200u16, String::new()),
            Err(e) => (
                e.status().as_u16(),
                e.status().canonical_reason().unwrap_or("Error").to_owned(),
            ),
        };
        let started: chrono::DateTime<chrono::Utc> = self.started.into();
        let event = json!({
            "context": {
                "changeID": uuid::Uuid::new_v4().to_string(),
                "requestID": self.request_id,
                "traceID": self.request_id,
                "actor": self.actor,
                "actorType": self.kind.actor_type(),
                "accessType": "API",
                "ipAddress": "127.0.0.1",
                "authMode": self.kind.auth_mode(),
                "jwtID": self.jwt_id,
            },
            "request": {
                "apiName": self.api_name,
                "vaultID": self.vault,
                "actionType": self.action.as_str(),
                "resourceType": "RECORD",
                "timestamp": started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            },
            "response": {
                "code": code,
                "message": message,
                "timestamp": rfc3339_now(),
            },
            "resourceIDs": [format!("VAULT/{}", self.vault)],
        });
        if let Err(e) = self
            .state
            .engine()
            .append_audit(&self.vault, self.action.as_str(), &event)
        {
            tracing::warn!(error = %e, "couldn't record an audit event");
        }
    }
}

/// `GET /v1/audit/events`: filters `filterOps.vaultID`, `filterOps.actionType`,
/// `filterOps.context.requestID`, `filterOps.context.actor`, `filterOps.context.authMode`;
/// paging `limit` (default 25) and `offset`. `filterOps.accountID` is required, as in the API
/// (any value: the emulator has one account).
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let mut account = None;
    let mut vault = None;
    let mut action = None;
    let mut context: Vec<(&'static str, String)> = Vec::new();
    let mut limit = 25i64;
    let mut offset = 0i64;
    for (key, value) in query_pairs(raw.as_deref()) {
        match key.as_str() {
            "filterOps.accountID" => account = Some(value),
            "filterOps.vaultID" => vault = Some(value),
            "filterOps.actionType" => action = Some(value),
            "filterOps.context.requestID" => context.push(("requestID", value)),
            "filterOps.context.actor" => context.push(("actor", value)),
            "filterOps.context.authMode" => context.push(("authMode", value)),
            "limit" => limit = parse_int(&key, &value)?,
            "offset" => offset = parse_int(&key, &value)?,
            _ => {}
        }
    }
    if account.as_deref().is_none_or(str::is_empty) {
        return Err(ApiError::bad_request(
            "Invalid request. filterOps.accountID is required.",
        ));
    }
    // Reading the audit log of a vault needs read access to it; without a vault filter the
    // caller sees only the vaults it can read.
    if let Some(vault) = &vault {
        caller.authorize(vault, crate::auth::Permission::Read)?;
    }
    let limit = limit.clamp(1, 1000) as usize;
    let offset = offset as usize;
    let v = vault.clone();
    let events = crate::routes::run(&state, move |e| e.list_audit(v.as_deref(), action.as_deref()))
        .await?;
    let matching: Vec<Value> = events
        .into_iter()
        .filter(|event| {
            let vault_ok = event["request"]["vaultID"]
                .as_str()
                .is_some_and(|v| caller.authorize(v, crate::auth::Permission::Read).is_ok());
            vault_ok
                && context
                    .iter()
                    .all(|(k, want)| event["context"][*k].as_str() == Some(want.as_str()))
        })
        .skip(offset)
        .take(limit)
        .collect();
    let next = matching.last().map(|e| {
        json!({
            "timestamp": e["response"]["timestamp"],
            "changeID": e["context"]["changeID"],
        })
    });
    let mut body = json!({ "event": matching });
    if let Some(next) = next {
        body["nextOps"] = next;
    }
    Ok(axum::Json(body).into_response())
}
