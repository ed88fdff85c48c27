//! Record endpoints: insert, batch, get (bulk and one), update, delete (bulk and one).

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};

use crate::auth::Permission;
use crate::engine::{
    BatchMethod, BatchRequest, DeleteRequest, GetOneRequest, GetRequest, InsertRequest, OrderBy,
    Redaction, UpdateRequest,
};
use crate::envelope::{ApiError, JsonBody};
use crate::routes::{Call, json_with_status, on_vault, parse_bool, parse_int, query_pairs};
use crate::server::AppState;

fn parse_redaction(value: &str) -> Result<Redaction, ApiError> {
    Redaction::parse(value).ok_or_else(|| {
        ApiError::bad_request(
            "Invalid value for query parameter redaction. Use DEFAULT, REDACTED, MASKED or PLAIN_TEXT.",
        )
    })
}

fn parse_order_by(value: &str) -> Result<OrderBy, ApiError> {
    match value {
        "ASCENDING" => Ok(OrderBy::Ascending),
        "DESCENDING" => Ok(OrderBy::Descending),
        "NONE" => Ok(OrderBy::None),
        _ => Err(ApiError::bad_request(
            "Invalid value for query parameter order_by. Use ASCENDING, DESCENDING or NONE.",
        )),
    }
}

/// `POST /v1/vaults/{vault}/{table}`
pub(crate) async fn insert(
    State(state): State<AppState>,
    call: Call,
    Path((vault, table)): Path<(String, String)>,
    JsonBody(body): JsonBody<InsertRequest>,
) -> Result<Response, ApiError> {
    let call = call.authorize(&vault, Permission::Write)?;
    let ctx = call.ctx;
    let response = on_vault(&state, &vault, move |v| v.insert(&ctx, &table, body)).await?;
    Ok(axum::Json(response).into_response())
}

/// `POST /v1/vaults/{vault}` (batch): 200 when every entry succeeded, 207 otherwise.
pub(crate) async fn batch(
    State(state): State<AppState>,
    call: Call,
    Path(vault): Path<String>,
    JsonBody(body): JsonBody<BatchRequest>,
) -> Result<Response, ApiError> {
    let writes = body
        .records
        .iter()
        .any(|r| !matches!(r.method, BatchMethod::Get));
    let permission = if writes {
        Permission::Write
    } else {
        Permission::Read
    };
    let call = call.authorize(&vault, permission)?;
    let ctx = call.ctx;
    let response = on_vault(&state, &vault, move |v| v.batch(&ctx, body)).await?;
    Ok(json_with_status(response.http_status(), &response))
}

fn get_request(raw: Option<&str>) -> Result<GetRequest, ApiError> {
    let mut req = GetRequest::default();
    for (key, value) in query_pairs(raw) {
        match key.as_str() {
            "skyflow_ids" => req.skyflow_ids.push(value),
            "redaction" => req.redaction = Some(parse_redaction(&value)?),
            "tokenization" => req.tokenization = Some(parse_bool(&key, &value)?),
            "fields" => req.fields.push(value),
            "offset" => req.offset = Some(parse_int(&key, &value)?),
            "limit" => req.limit = Some(parse_int(&key, &value)?),
            "downloadURL" => req.download_url = Some(parse_bool(&key, &value)?),
            "column_name" => req.column_name = Some(value),
            "column_values" => req.column_values.push(value),
            "order_by" => req.order_by = Some(parse_order_by(&value)?),
            "returnFileMetadata" => req.return_file_metadata = Some(parse_bool(&key, &value)?),
            // Unknown parameters are ignored, like unknown JSON fields.
            _ => {}
        }
    }
    Ok(req)
}

/// `GET /v1/vaults/{vault}/{table}`
pub(crate) async fn get_bulk(
    State(state): State<AppState>,
    call: Call,
    Path((vault, table)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let call = call.authorize(&vault, Permission::Read)?;
    let req = get_request(raw.as_deref())?;
    let ctx = call.ctx;
    let response = on_vault(&state, &vault, move |v| v.get(&ctx, &table, req)).await?;
    Ok(axum::Json(response).into_response())
}

/// `GET /v1/vaults/{vault}/{table}/{id}`
pub(crate) async fn get_one(
    State(state): State<AppState>,
    call: Call,
    Path((vault, table, id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let call = call.authorize(&vault, Permission::Read)?;
    let mut req = GetOneRequest::default();
    for (key, value) in query_pairs(raw.as_deref()) {
        match key.as_str() {
            "redaction" => req.redaction = Some(parse_redaction(&value)?),
            "tokenization" => req.tokenization = Some(parse_bool(&key, &value)?),
            "fields" => req.fields.push(value),
            "downloadURL" => req.download_url = Some(parse_bool(&key, &value)?),
            "returnFileMetadata" => req.return_file_metadata = Some(parse_bool(&key, &value)?),
            _ => {}
        }
    }
    let ctx = call.ctx;
    let record = on_vault(&state, &vault, move |v| v.get_one(&ctx, &table, &id, req)).await?;
    Ok(axum::Json(record).into_response())
}

/// `PUT /v1/vaults/{vault}/{table}/{id}`
pub(crate) async fn update(
    State(state): State<AppState>,
    call: Call,
    Path((vault, table, id)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<UpdateRequest>,
) -> Result<Response, ApiError> {
    let call = call.authorize(&vault, Permission::Write)?;
    let ctx = call.ctx;
    let response = on_vault(&state, &vault, move |v| v.update(&ctx, &table, &id, body)).await?;
    Ok(axum::Json(response).into_response())
}

/// `DELETE /v1/vaults/{vault}/{table}` with a JSON body `{"skyflow_ids":[...]}`.
pub(crate) async fn delete_bulk(
    State(state): State<AppState>,
    call: Call,
    Path((vault, table)): Path<(String, String)>,
    JsonBody(body): JsonBody<DeleteRequest>,
) -> Result<Response, ApiError> {
    let call = call.authorize(&vault, Permission::Write)?;
    let ctx = call.ctx;
    let response = on_vault(&state, &vault, move |v| v.delete(&ctx, &table, body)).await?;
    Ok(axum::Json(response).into_response())
}

/// `DELETE /v1/vaults/{vault}/{table}/{id}`
pub(crate) async fn delete_one(
    State(state): State<AppState>,
    call: Call,
    Path((vault, table, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let call = call.authorize(&vault, Permission::Write)?;
    let ctx = call.ctx;
    let response = on_vault(&state, &vault, move |v| v.delete_one(&ctx, &table, &id)).await?;
    Ok(axum::Json(response).into_response())
}
