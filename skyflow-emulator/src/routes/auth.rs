//! `POST /v1/auth/sa/oauth/token`: the JWT-bearer token exchange.

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::auth::TokenRequest;
use crate::envelope::{ApiError, JsonBody};
use crate::server::AppState;

/// Verifies the assertion and answers `{"accessToken","tokenType":"Bearer"}`. The request's own
/// `Authorization` header (the SDKs send the placeholder `Bearer token`) is ignored.
pub(crate) async fn token(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<TokenRequest>,
) -> Result<Response, ApiError> {
    let response = state.auth().exchange(body)?;
    Ok(axum::Json(response).into_response())
}
