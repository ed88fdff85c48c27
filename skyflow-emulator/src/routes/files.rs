//! File endpoints: v2 and v1 upload, upload status, scan status, delete file, and the signed
//! download URLs the emulator hands out for file columns.

use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::auth::Permission;
use crate::engine::{FileUpload, UploadStatusRequest};
use crate::envelope::{ApiError, JsonBody};
use crate::routes::{Call, on_engine, on_vault};
use crate::server::AppState;

fn multipart_error(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::payload_too_large(
            "The request body is larger than the emulator's body size limit.",
        )
    } else {
        ApiError::bad_request("Invalid multipart body.")
    }
}

fn multipart_rejection(e: MultipartRejection) -> ApiError {
    let _ = e;
    ApiError::bad_request("Invalid request. Expected a multipart/form-data body.")
}

/// The parts of an upload.
#[derive(Default)]
struct UploadParts {
    table: Option<String>,
    column: Option<String>,
    skyflow_id: Option<String>,
    return_file_metadata: bool,
    file: Option<(String, String, Option<String>, Vec<u8>)>,
}

async fn read_parts(mut multipart: Multipart) -> Result<UploadParts, ApiError> {
    let mut parts = UploadParts::default();
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(str::to_owned);
        match (name.as_str(), file_name) {
            ("tableName", None) => parts.table = Some(field.text().await.map_err(multipart_error)?),
            ("columnName", None) => {
                parts.column = Some(field.text().await.map_err(multipart_error)?)
            }
            ("skyflowID", None) => {
                parts.skyflow_id = Some(field.text().await.map_err(multipart_error)?)
            }
            ("returnFileMetadata", None) => {
                let text = field.text().await.map_err(multipart_error)?;
                parts.return_file_metadata = match text.trim() {
                    "" | "false" | "False" => false,
                    "true" | "True" => true,
                    _ => {
                        return Err(ApiError::bad_request(
                            "Invalid value for returnFileMetadata. Expected true or false.",
                        ));
                    }
                };
            }
            (_, Some(file_name)) => {
                if parts.file.is_some() {
                    return Err(ApiError::bad_request(
                        "Invalid request. Each request supports only one file.",
                    ));
                }
                let bytes = field.bytes().await.map_err(multipart_error)?;
                parts.file = Some((name, file_name, content_type, bytes.to_vec()));
            }
            ("file", None) => {
                // A file part without a file name: keep it, named "file".
                let bytes = field.bytes().await.map_err(multipart_error)?;
                parts.file = Some((name, "file".to_owned(), content_type, bytes.to_vec()));
            }
            // Unknown parts are ignored.
            _ => {}
        }
    }
    Ok(parts)
}

fn required(value: Option<String>, part: &str) -> Result<String, ApiError> {
    value
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("Invalid request. {part} is required.")))
}

/// `POST /v2/vaults/{vault}/files/upload` (multipart: tableName, columnName, skyflowID,
/// returnFileMetadata, file).
pub(crate) async fn upload_v2(
    State(state): State<AppState>,
    call: Call,
    Path(vault): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let call = call.authorize(&vault, Permission::Write)?;
    let parts = read_parts(multipart.map_err(multipart_rejection)?).await?;
    let table = required(parts.table, "tableName")?;
    let column = required(parts.column, "columnName")?;
    let (_, file_name, content_type, data) = parts
        .file
        .ok_or_else(|| ApiError::bad_request("Invalid request. file is required."))?;
    let upload = FileUpload {
        table,
        column,
        skyflow_id: parts.skyflow_id.filter(|s| !s.trim().is_empty()),
        file_name,
        content_type,
        data,
        return_file_metadata: parts.return_file_metadata,
    };
    let ctx = call.ctx;
    let response = on_vault(&state, &vault, move |v| v.upload_file(&ctx, upload)).await?;
    Ok(axum::Json(response).into_response())
}

/// `POST /v1/vaults/{vault}/{table}/{id}/files` (multipart: `columnName` + `file`, or one
/// file part named after the column). Answers `{"skyflow_id"}`.
pub(crate) async fn upload_v1(
    State(state): State<AppState>,
    call: Call,
    Path((vault, table, id)): Path<(String, String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let call = call.authorize(&vault, Permission::Write)?;
    let parts = read_parts(multipart.map_err(multipart_rejection)?).await?;
    let (part_name, file_name, content_type, data) = parts
        .file
        .ok_or_else(|| ApiError::bad_request("Invalid request. A file part is required."))?;
    let column = match parts.column.filter(|c| !c.trim().is_empty()) {
        Some(column) => column,
        None if part_name != "file" && !part_name.is_empty() => part_name,
        None => {
            return Err(ApiError::bad_request(
                "Invalid request. columnName is required.",
            ));
        }
    };
    let upload = FileUpload {
        table,
        column,
        skyflow_id: Some(id),
        file_name,
        content_type,
        data,
        return_file_metadata: false,
    };
    let ctx = call.ctx;
    let response = on_vault(&state, &vault, move |v| v.upload_file_v1(&ctx, upload)).await?;
    Ok(axum::Json(response).into_response())
}

/// `POST /v2/vaults/{vault}/files/uploadStatus`
pub(crate) async fn upload_status(
    State(state): State<AppState>,
    call: Call,
    Path(vault): Path<String>,
    JsonBody(body): JsonBody<UploadStatusRequest>,
) -> Result<Response, ApiError> {
    let call = call.authorize(&vault, Permission::Read)?;
    let ctx = call.ctx;
    let response = on_vault(&state, &vault, move |v| v.upload_status(&ctx, body)).await?;
    Ok(axum::Json(response).into_response())
}

/// `GET /v1/vaults/{vault}/{table}/{id}/files/{column}/scan-status`
pub(crate) async fn scan_status(
    State(state): State<AppState>,
    call: Call,
    Path((vault, table, id, column)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let call = call.authorize(&vault, Permission::Read)?;
    let ctx = call.ctx;
    let response = on_vault(&state, &vault, move |v| {
        v.scan_status(&ctx, &table, &id, &column)
    })
    .await?;
    Ok(axum::Json(response).into_response())
}

/// `DELETE /v1/vaults/{vault}/{table}/{id}/files/{column}`
pub(crate) async fn delete_file(
    State(state): State<AppState>,
    call: Call,
    Path((vault, table, id, column)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let call = call.authorize(&vault, Permission::Write)?;
    let ctx = call.ctx;
    let response = on_vault(&state, &vault, move |v| {
        v.delete_file(&ctx, &table, &id, &column)
    })
    .await?;
    Ok(axum::Json(response).into_response())
}

/// Query of a signed download URL.
#[derive(Debug, Deserialize)]
pub(crate) struct DownloadQuery {
    exp: i64,
    sig: String,
}

/// `GET /v1/files/download/{file_id}?exp=&sig=`: serves a file through a URL handed out by
/// get/detokenize with `downloadURL=true`. No `Authorization`: the HMAC signature and expiry
/// are the credential (like a pre-signed S3 URL); a bad or expired URL gets 403.
pub(crate) async fn download(
    State(state): State<AppState>,
    Path(file_id): Path<String>,
    query: Result<Query<DownloadQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query
        .map_err(|_| ApiError::forbidden("Invalid download URL: exp and sig are required."))?;
    let file = on_engine(&state, move |e| e.download_file(&file_id, q.exp, &q.sig)).await?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        file.file_name.replace(['"', '\\', '\r', '\n'], "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, file.content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file.data,
    )
        .into_response())
}
