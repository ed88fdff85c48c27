//! `POST /v1/vaults/{vault}/query`.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::auth::Permission;
use crate::engine::QueryRequest;
use crate::envelope::{ApiError, JsonBody};
use crate::routes::{Call, on_vault};
use crate::server::AppState;

/// `POST /v1/vaults/{vault}/query`: one SELECT, parsed, checked and run read-only by the engine.
pub(crate) async fn query(
    State(state): State<AppState>,
    call: Call,
    Path(vault): Path<String>,
    JsonBody(body): JsonBody<QueryRequest>,
) -> Result<Response, ApiError> {
    let call = call.authorize(&vault, Permission::Read)?;
    let ctx = call.ctx;
    let response = on_vault(&state, &vault, move |v| v.query(&ctx, &body.query)).await?;
    Ok(axum::Json(response).into_response())
}
