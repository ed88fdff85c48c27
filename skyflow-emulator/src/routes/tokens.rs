//! Token endpoints: tokenize and detokenize (including signed data tokens).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::auth::{Caller, Permission, SIGNED_TOKEN_PREFIX};
use crate::engine::{DetokenizeRequest, DetokenizeResponse, DetokenizedRecord, TokenizeRequest};
use crate::envelope::{ApiError, JsonBody};
use crate::routes::{json_with_status, run};
use crate::server::{AppState, RequestId};

use super::audit::{Action, Audit};

/// `POST /v1/vaults/{vault}/tokenize`
pub(crate) async fn tokenize(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(vault): Path<String>,
    JsonBody(body): JsonBody<TokenizeRequest>,
) -> Result<Response, ApiError> {
    caller.authorize(&vault, Permission::Read)?;
    state
        .limits()
        .check_records(body.tokenization_parameters.len(), "tokenization parameters")?;
    let audit = Audit::new(&state, &caller, &request_id, &vault, Action::Read, "tokenize");
    let v = vault.clone();
    let result = run(&state, move |e| e.tokenize(&v, body)).await;
    audit.finish(&result);
    Ok(axum::Json(result?).into_response())
}

/// `POST /v1/vaults/{vault}/detokenize`
///
/// Signed data tokens (`signed_token_<jwt>`) are verified here and replaced by the vault token
/// they carry before the engine sees them; the response echoes the token as sent.
pub(crate) async fn detokenize(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(vault): Path<String>,
    JsonBody(mut body): JsonBody<DetokenizeRequest>,
) -> Result<Response, ApiError> {
    caller.authorize(&vault, Permission::Read)?;
    state
        .limits()
        .check_records(body.detokenization_parameters.len(), "detokenization parameters")?;
    let continue_on_error = body.continue_on_error.unwrap_or(false);

    // Unwrap signed tokens; remember the original strings and the failures by position.
    let mut originals: Vec<Option<String>> = Vec::with_capacity(body.detokenization_parameters.len());
    let mut failures: Vec<(usize, String, String)> = Vec::new();
    let mut kept = Vec::with_capacity(body.detokenization_parameters.len());
    for (index, mut param) in body.detokenization_parameters.drain(..).enumerate() {
        if param.token.starts_with(SIGNED_TOKEN_PREFIX) {
            match state.auth().open_signed_token(&param.token, &caller) {
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

    let audit = Audit::new(&state, &caller, &request_id, &vault, Action::Read, "detokenize");
    let v = vault.clone();
    let result = if body.detokenization_parameters.is_empty() && !failures.is_empty() {
        Ok(DetokenizeResponse { records: Vec::new() })
    } else {
        run(&state, move |e| e.detokenize(&v, body)).await
    };
    audit.finish(&result);
    let mut response = result?;

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
