//! `POST /v1/vaults/{vault}/query`.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::auth::{Caller, Permission};
use crate::engine::QueryRequest;
use crate::envelope::{ApiError, JsonBody};
use crate::routes::run;
use crate::server::{AppState, RequestId};

use super::audit::{Action, Audit};

/// `POST /v1/vaults/{vault}/query`
pub(crate) async fn query(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(vault): Path<String>,
    JsonBody(body): JsonBody<QueryRequest>,
) -> Result<Response, ApiError> {
    caller.authorize(&vault, Permission::Read)?;
    let audit = Audit::new(&state, &caller, &request_id, &vault, Action::Read, "execute_query");
    let v = vault.clone();
    let result = run(&state, move |e| e.query(&v, body)).await;
    audit.finish(&result);
    Ok(axum::Json(result?).into_response())
}
