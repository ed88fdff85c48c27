//! Route table and shared handler helpers.
//!
//! | method | path | handler |
//! |---|---|---|
//! | POST | `/v1/auth/sa/oauth/token` | [`auth::token`] |
//! | POST | `/v1/vaults/{vault}` | batch |
//! | POST | `/v1/vaults/{vault}/query` | query |
//! | POST | `/v1/vaults/{vault}/tokenize` | tokenize |
//! | POST | `/v1/vaults/{vault}/detokenize` | detokenize |
//! | POST, GET, DELETE | `/v1/vaults/{vault}/{table}` | insert, bulk get, bulk delete |
//! | GET, PUT, DELETE | `/v1/vaults/{vault}/{table}/{id}` | get one, update, delete one |
//! | POST | `/v1/vaults/{vault}/{table}/{id}/files` | v1 file upload |
//! | DELETE | `/v1/vaults/{vault}/{table}/{id}/files/{column}` | delete file |
//! | GET | `/v1/vaults/{vault}/{table}/{id}/files/{column}/scan-status` | scan status |
//! | POST | `/v2/vaults/{vault}/files/upload` | v2 file upload |
//! | POST | `/v2/vaults/{vault}/files/uploadStatus` | upload status |
//! | GET | `/v1/files/download/{file_id}` | signed file download (URLs made by the engine) |
//! | GET | `/v1/audit/events` | audit events |
//! | POST, GET | `/v1/detect/*` | Detect, see [`detect`] |
//! | any | `/v1/gateway/outboundRoutes/{connection}[/{path}]` | connection gateway |
//!
//! The static segments `query`, `tokenize` and `detokenize` take precedence over `{table}`.

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use serde::Serialize;

use crate::auth::{Caller, CallerKind, Permission};
use crate::engine::{ActorType, AuthMode, EngineResult, RequestContext, Vault};
use crate::envelope::ApiError;
use crate::server::{AppState, RequestId};

pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod detect;
pub(crate) mod files;
pub(crate) mod query;
pub(crate) mod records;
pub(crate) mod tokens;

/// Builds the route table (state is attached by [`crate::server::app`]).
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/sa/oauth/token", post(auth::token))
        .route("/v1/audit/events", get(audit::list))
        .route("/v1/vaults/{vault}", post(records::batch))
        .route("/v1/vaults/{vault}/query", post(query::query))
        .route("/v1/vaults/{vault}/tokenize", post(tokens::tokenize))
        .route("/v1/vaults/{vault}/detokenize", post(tokens::detokenize))
        .route(
            "/v1/vaults/{vault}/{table}",
            post(records::insert)
                .get(records::get_bulk)
                .delete(records::delete_bulk),
        )
        .route(
            "/v1/vaults/{vault}/{table}/{id}",
            get(records::get_one)
                .put(records::update)
                .delete(records::delete_one),
        )
        .route(
            "/v1/vaults/{vault}/{table}/{id}/files",
            post(files::upload_v1),
        )
        .route(
            "/v1/vaults/{vault}/{table}/{id}/files/{column}",
            axum::routing::delete(files::delete_file),
        )
        .route(
            "/v1/vaults/{vault}/{table}/{id}/files/{column}/scan-status",
            get(files::scan_status),
        )
        .route("/v2/vaults/{vault}/files/upload", post(files::upload_v2))
        .route(
            "/v2/vaults/{vault}/files/uploadStatus",
            post(files::upload_status),
        )
        .route("/v1/files/download/{file_id}", get(files::download))
        .merge(detect::router())
        .route(
            "/v1/gateway/outboundRoutes/{connection}",
            any(crate::gateway::invoke),
        )
        .route(
            "/v1/gateway/outboundRoutes/{connection}/{*path}",
            any(crate::gateway::invoke),
        )
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        Caller::from_authorization(header, state).await
    }
}

impl Caller {
    /// The caller an `Authorization` header value (`Bearer <key or token>`) names: the
    /// primary API key, a stored API key, or a bearer token the emulator issued.
    pub(crate) async fn from_authorization(
        header: Option<&str>,
        state: &AppState,
    ) -> Result<Caller, ApiError> {
        match state.auth().authenticate(header) {
            Ok(caller) => Ok(caller),
            Err(e) => {
                // API keys other than the primary one live in the store.
                let Some(key) = state.auth().stored_key_candidate(header) else {
                    return Err(e);
                };
                let engine = state.inner.engine.clone();
                let record = tokio::task::spawn_blocking(move || engine.api_key(&key))
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .flatten();
                match record {
                    Some(record) => Ok(state.auth().api_key_caller(&record)),
                    None => Err(e),
                }
            }
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(|| RequestId(uuid::Uuid::new_v4().to_string())))
    }
}

/// An authenticated call: the caller and the audit context of the request.
pub(crate) struct Call {
    pub(crate) caller: Caller,
    pub(crate) ctx: RequestContext,
}

impl Call {
    /// Checks that the caller may do `permission` on `vault` (403 otherwise) and records in
    /// the context whether its roles cap redaction at the columns' defaults.
    pub(crate) fn authorize(
        mut self,
        vault: &str,
        permission: Permission,
    ) -> Result<Call, ApiError> {
        self.caller.authorize(vault, permission)?;
        self.ctx.default_redaction_only = !self.caller.plain_text_allowed(vault);
        Ok(self)
    }
}

impl FromRequestParts<AppState> for Call {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        Ok(Call::new(caller, parts))
    }
}

impl Call {
    /// The call of `caller` for the request `parts` (its audit context).
    pub(crate) fn new(caller: Caller, parts: &Parts) -> Call {
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        let (actor_type, auth_mode) = match caller.kind() {
            CallerKind::ServiceAccount => (ActorType::ServiceAccount, AuthMode::ServiceAccountJwt),
            CallerKind::ApiKey => (ActorType::ServiceAccount, AuthMode::ApiKey),
            CallerKind::Anonymous => (ActorType::User, AuthMode::ApiKey),
        };
        let ctx = RequestContext {
            request_id,
            actor: caller.subject().to_owned(),
            actor_type,
            auth_mode,
            jwt_id: Some(caller.token_id().to_owned()).filter(|j| !j.is_empty()),
            key_id: caller.key_id().map(str::to_owned),
            ip_address: Some("127.0.0.1".to_owned()),
            http_method: parts.method.to_string(),
            // The path only: query strings can carry values (column_values).
            http_uri: parts.uri.path().to_owned(),
            account_id: None,
            default_redaction_only: false,
        };
        Call { caller, ctx }
    }
}

/// Runs a (synchronous, SQLite-backed) operation on vault `vault` off the async runtime.
/// An unknown vault is the engine's 404.
pub(crate) async fn on_vault<T, F>(state: &AppState, vault: &str, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Vault) -> EngineResult<T> + Send + 'static,
{
    let engine = state.inner.engine.clone();
    let vault = vault.to_owned();
    match tokio::task::spawn_blocking(move || engine.vault(&vault).and_then(|v| f(&v))).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(_) => Err(ApiError::internal(
            "Skyflow emulator experienced an internal error. Check the emulator's logs.",
        )),
    }
}

/// Runs an engine-wide operation off the async runtime.
pub(crate) async fn on_engine<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&crate::engine::Engine) -> EngineResult<T> + Send + 'static,
{
    let engine = state.inner.engine.clone();
    match tokio::task::spawn_blocking(move || f(&engine)).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(_) => Err(ApiError::internal(
            "Skyflow emulator experienced an internal error. Check the emulator's logs.",
        )),
    }
}

/// A JSON response with an explicit status.
pub(crate) fn json_with_status<T: Serialize>(status: u16, body: &T) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (status, axum::Json(body)).into_response()
}

/// Parses a raw query string into (key, value) pairs, keeping repeated keys.
pub(crate) fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Parses a boolean query parameter (`true`/`false`, any case).
pub(crate) fn parse_bool(name: &str, value: &str) -> Result<bool, ApiError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ApiError::bad_request(format!(
            "Invalid value for query parameter {name}. Expected true or false."
        ))),
    }
}

/// Parses a non-negative integer query parameter.
pub(crate) fn parse_int(name: &str, value: &str) -> Result<i64, ApiError> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid value for query parameter {name}. Expected a non-negative integer."
            ))
        })
}
