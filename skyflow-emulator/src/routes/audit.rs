//! `GET /v1/audit/events`: the data-plane audit log kept by the engine (who did what, when,
//! with which outcome; never a value or token).

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};

use crate::auth::{Caller, Permission};
use crate::engine::AuditFilter;
use crate::envelope::ApiError;
use crate::routes::{on_engine, parse_int, query_pairs};
use crate::server::AppState;

/// Lists audit events. Filters: `filterOps.vaultID`, `filterOps.actionType`,
/// `filterOps.resourceType`, `filterOps.responseCode`, `filterOps.context.requestID`,
/// `filterOps.context.actor`; `sortOps.orderBy` (`ASCENDING`/`DESCENDING`, default newest
/// first); paging `limit` (default 25) and `offset`. `filterOps.accountID` is required, as in
/// the API (any value: the emulator has one account). A caller bound to some vaults sees only
/// their events. Calls on many items (batch, detokenize) list one `response.nestedResponse`
/// entry per item, in request order: its code, message and identifier (`RECORD/<table>` for a
/// batch entry, `TOKEN/<table>.<column>` for a token, `TOKEN/` for a token not found; never the
/// token itself).
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let mut filter = AuditFilter::default();
    let mut account = None;
    for (key, value) in query_pairs(raw.as_deref()) {
        match key.as_str() {
            "filterOps.accountID" => account = Some(value),
            "filterOps.vaultID" => filter.vault_id = Some(value),
            "filterOps.actionType" => filter.action_type = Some(value),
            "filterOps.resourceType" => filter.resource_type = Some(value),
            "filterOps.responseCode" => {
                let code = parse_int(&key, &value)?;
                filter.response_code = Some(u16::try_from(code).map_err(|_| {
                    ApiError::bad_request("Invalid value for filterOps.responseCode.")
                })?);
            }
            "filterOps.context.requestID" => filter.request_id = Some(value),
            "filterOps.context.actor" => filter.actor = Some(value),
            "sortOps.orderBy" => filter.ascending = value == "ASCENDING",
            "limit" => filter.limit = Some(parse_int(&key, &value)? as usize),
            "offset" => filter.offset = Some(parse_int(&key, &value)? as usize),
            _ => {}
        }
    }
    if account.as_deref().is_none_or(str::is_empty) {
        return Err(ApiError::bad_request(
            "Invalid request. filterOps.accountID is required.",
        ));
    }
    if let Some(vault) = &filter.vault_id {
        caller.authorize(vault, Permission::Read)?;
    }
    let mut response = on_engine(&state, move |e| e.audit_events(&filter)).await?;
    // A caller bound to some vaults only sees those vaults' events.
    response.event.retain(|event| {
        event.request["vaultID"]
            .as_str()
            .is_none_or(|v| caller.authorize(v, Permission::Read).is_ok())
    });
    Ok(axum::Json(response).into_response())
}
