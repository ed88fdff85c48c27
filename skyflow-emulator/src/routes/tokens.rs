//! Token endpoints: tokenize and detokenize (including signed data tokens).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::auth::Permission;
use crate::engine::SIGNED_TOKEN_PREFIX;
use crate::engine::{DetokenizeRequest, DetokenizeResponse, DetokenizedRecord, TokenizeRequest};
use crate::envelope::{ApiError, JsonBody};
use crate::routes::{Call, json_with_status, on_vault};
use crate::server::AppState;

/// `POST /v1/vaults/{vault}/tokenize`
pub(crate) async fn tokenize(
    State(state): State<AppState>,
    call: Call,
    Path(vault): Path<String>,
    JsonBody(body): JsonBody<TokenizeRequest>,
) -> Result<Response, ApiError> {
    let call = call.authorize(&vault, Permission::Read)?;
    let ctx = call.ctx;
    let response = on_vault(&state, &vault, move |v| v.tokenize(&ctx, body)).await?;
    Ok(axum::Json(response).into_response())
}

/// `POST /v1/vaults/{vault}/detokenize`
///
/// Signed data tokens (`signed_token_<jwt>`) are verified here and replaced by the vault token
/// they carry before the engine sees them; the response echoes the token as sent.
pub(crate) async fn detokenize(
    State(state): State<AppState>,
    call: Call,
    Path(vault): Path<String>,
    JsonBody(mut body): JsonBody<DetokenizeRequest>,
) -> Result<Response, ApiError> {
    let call = call.authorize(&vault, Permission::Read)?;
    let continue_on_error = body.continue_on_error.unwrap_or(false);

    // Unwrap signed tokens; remember the original strings and the failures by position.
    let mut originals: Vec<Option<String>> =
        Vec::with_capacity(body.detokenization_parameters.len());
    let mut failures: Vec<(usize, String, String)> = Vec::new();
    let mut kept = Vec::with_capacity(body.detokenization_parameters.len());
    for (index, mut param) in body.detokenization_parameters.drain(..).enumerate() {
        if param.token.starts_with(SIGNED_TOKEN_PREFIX) {
            match state.auth().open_signed_token(&param.token, &call.caller) {
                Ok(inner) => {
                    originals.push(Some(std::mem::replace(&mut param.token, inner)));
                    kept.push(param);
                }
                Err(message) => {
                    if !continue_on_error {
                        return Err(ApiError::unauthorized(message));
                    }
                    failures.push((index, param.token, message));
                }
            }
        } else {
            originals.push(None);
            kept.push(param);
        }
    }
    body.detokenization_parameters = kept;

    let ctx = call.ctx;
    let mut response = if body.detokenization_parameters.is_empty() && !failures.is_empty() {
        DetokenizeResponse {
            records: Vec::new(),
        }
    } else {
        on_vault(&state, &vault, move |v| v.detokenize(&ctx, body)).await?
    };

    for (record, original) in response.records.iter_mut().zip(originals) {
        if let Some(original) = original {
            record.token = original;
        }
    }
    for (index, token, message) in failures {
        let at = index.min(response.records.len());
        response.records.insert(
            at,
            DetokenizedRecord {
                token,
                value_type: None,
                value: None,
                error: Some(message),
            },
        );
    }
    Ok(json_with_status(response.http_status(), &response))
}
