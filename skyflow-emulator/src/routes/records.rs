//! Record endpoints: insert, batch, get (bulk and one), update, delete (bulk and one).

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};

use crate::auth::{Caller, Permission};
use crate::engine::{
    BatchMethod, BatchRequest, DeleteRequest, GetOneRequest, GetRequest, InsertRequest, OrderBy,
    Redaction, UpdateRequest,
};
use crate::envelope::{ApiError, JsonBody};
use crate::routes::{json_with_status, parse_bool, parse_int, query_pairs, run};
use crate::server::{AppState, RequestId};

use super::audit::{Action, Audit};

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
    caller: Caller,
    request_id: RequestId,
    Path((vault, table)): Path<(String, String)>,
    JsonBody(body): JsonBody<InsertRequest>,
) -> Result<Response, ApiError> {
    caller.authorize(&vault, Permission::Write)?;
    state
        .limits()
        .check_records(body.records.len(), "records")?;
    let audit = Audit::new(&state, &caller, &request_id, &vault, Action::Create, "insert_records");
    let v = vault.clone();
    let result = run(&state, move |e| e.insert(&v, &table, body)).await;
    audit.finish(&result);
    Ok(axum::Json(result?).into_response())
}

/// `POST /v1/vaults/{vault}` (batch)
pub(crate) async fn batch(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(vault): Path<String>,
    JsonBody(body): JsonBody<BatchRequest>,
) -> Result<Response, ApiError> {
    let writes = body
        .records
        .iter()
        .any(|r| !matches!(r.method, BatchMethod::Get));
    let permission = if writes { Permission::Write } else { Permission::Read };
    caller.authorize(&vault, permission)?;
    state
        .limits()
        .check_records(body.records.len(), "records")?;
    let audit = Audit::new(&state, &caller, &request_id, &vault, Action::Execute, "batch_operation");
    let v = vault.clone();
    let result = run(&state, move |e| e.batch(&v, body)).await;
    audit.finish(&result);
    let response = result?;
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
            "returnFileMetadata" => {
                req.return_file_metadata = Some(parse_bool(&key, &value)?)
            }
            // Unknown parameters are ignored, like unknown JSON fields.
            _ => {}
        }
    }
    Ok(req)
}

/// `GET /v1/vaults/{vault}/{table}`
pub(crate) async fn get_bulk(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path((vault, table)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.authorize(&vault, Permission::Read)?;
    let req = get_request(raw.as_deref())?;
    state
        .limits()
        .check_records(req.skyflow_ids.len().max(req.column_values.len()), "ids")?;
    let audit = Audit::new(&state, &caller, &request_id, &vault, Action::Read, "get_records");
    let v = vault.clone();
    let t = table.clone();
    let result = run(&state, move |e| e.get(&v, &t, req)).await;
    audit.finish(&result);
    let mut response = result?;
    for record in &mut response.records {
        state.sign_file_urls(&vault, &table, &mut record.fields);
    }
    Ok(axum::Json(response).into_response())
}

/// `GET /v1/vaults/{vault}/{table}/{id}`
pub(crate) async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path((vault, table, id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.authorize(&vault, Permission::Read)?;
    let mut req = GetOneRequest::default();
    for (key, value) in query_pairs(raw.as_deref()) {
        match key.as_str() {
            "redaction" => req.redaction = Some(parse_redaction(&value)?),
            "tokenization" => req.tokenization = Some(parse_bool(&key, &value)?),
            "fields" => req.fields.push(value),
            "downloadURL" => req.download_url = Some(parse_bool(&key, &value)?),
            "returnFileMetadata" => {
                req.return_file_metadata = Some(parse_bool(&key, &value)?)
            }
            _ => {}
        }
    }
    let audit = Audit::new(&state, &caller, &request_id, &vault, Action::Read, "get_record_by_id");
    let v = vault.clone();
    let t = table.clone();
    let result = run(&state, move |e| e.get_one(&v, &t, &id, req)).await;
    audit.finish(&result);
    let mut record = result?;
    state.sign_file_urls(&vault, &table, &mut record.fields);
    Ok(axum::Json(record).into_response())
}

/// `PUT /v1/vaults/{vault}/{table}/{id}`
pub(crate) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path((vault, table, id)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<UpdateRequest>,
) -> Result<Response, ApiError> {
    caller.authorize(&vault, Permission::Write)?;
    let audit = Audit::new(&state, &caller, &request_id, &vault, Action::Update, "update_record");
    let v = vault.clone();
    let result = run(&state, move |e| e.update(&v, &table, &id, body)).await;
    audit.finish(&result);
    Ok(axum::Json(result?).into_response())
}

/// `DELETE /v1/vaults/{vault}/{table}` with a JSON body.
pub(crate) async fn delete_bulk(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path((vault, table)): Path<(String, String)>,
    JsonBody(body): JsonBody<DeleteRequest>,
) -> Result<Response, ApiError> {
    caller.authorize(&vault, Permission::Write)?;
    state
        .limits()
        .check_records(body.skyflow_ids.len(), "ids")?;
    let audit = Audit::new(&state, &caller, &request_id, &vault, Action::Delete, "delete_records");
    let v = vault.clone();
    let result = run(&state, move |e| e.delete(&v, &table, body)).await;
    audit.finish(&result);
    Ok(axum::Json(result?).into_response())
}

/// `DELETE /v1/vaults/{vault}/{table}/{id}`
pub(crate) async fn delete_one(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path((vault, table, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    caller.authorize(&vault, Permission::Write)?;
    let audit = Audit::new(&state, &caller, &request_id, &vault, Action::Delete, "delete_record");
    let v = vault.clone();
    let result = run(&state, move |e| e.delete_one(&v, &table, &id)).await;
    audit.finish(&result);
    Ok(axum::Json(result?).into_response())
}
