//! Detect endpoints: de-identify and re-identify text, de-identify files (as runs), and
//! read runs.
//!
//! | method | path | what |
//! |---|---|---|
//! | POST | `/v1/detect/deidentify/string` | [`deidentify_string`] |
//! | POST | `/v1/detect/reidentify/string` | [`reidentify_string`] |
//! | POST | `/v1/detect/deidentify/file[/<category>]` | a run per file ([`FileEndpoint`]) |
//! | GET | `/v1/detect/runs/{run_id}?vault_id=` | [`get_run`] |
//!
//! Every call needs the same credentials as the vault routes: de-identify writes (vault
//! tokens are stored), re-identify and runs read. Errors are Skyflow's envelope.

use std::time::Duration;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::auth::Permission;
use crate::detect::files::{self, FileError};
use crate::detect::options::{DeidentifyOptionsWire, Plan, truncate};
use crate::detect::reidentify::{Format, FormatWire, reidentify};
use crate::detect::render::{EntityOut, Renderer, word_count};
use crate::detect::runs::{self, RunState};
use crate::detect::tokens::VaultTokens;
use crate::envelope::{ApiError, JsonBody};
use crate::routes::{Call, on_engine, query_pairs};
use crate::server::AppState;

/// How long `GET /v1/detect/runs/{id}` waits for a run in progress to finish before
/// answering `IN_PROGRESS` (small files finish well within it, so a client's first poll
/// usually sees the result).
const RUN_WAIT: Duration = Duration::from_millis(1500);

/// The Detect routes.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/detect/deidentify/string", post(deidentify_string))
        .route("/v1/detect/reidentify/string", post(reidentify_string))
        .route("/v1/detect/deidentify/file", post(file_generic))
        .route("/v1/detect/deidentify/file/text", post(file_text))
        .route(
            "/v1/detect/deidentify/file/structured_text",
            post(file_structured),
        )
        .route(
            "/v1/detect/deidentify/file/spreadsheet",
            post(file_spreadsheet),
        )
        .route("/v1/detect/deidentify/file/document", post(file_document))
        .route("/v1/detect/deidentify/file/document/pdf", post(file_pdf))
        .route(
            "/v1/detect/deidentify/file/presentation",
            post(file_presentation),
        )
        .route("/v1/detect/deidentify/file/image", post(file_image))
        .route("/v1/detect/deidentify/file/audio", post(file_audio))
        .route("/v1/detect/runs/{run_id}", get(get_run))
}

/// A required, non-blank string field.
fn required<'a>(field: &str, value: &'a Option<String>) -> Result<&'a str, ApiError> {
    match value.as_deref() {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(ApiError::bad_request(format!(
            "Invalid {field}: it is required and must not be empty."
        ))),
    }
}

/// `POST /v1/detect/deidentify/string` body.
#[derive(Debug, Deserialize)]
pub(crate) struct DeidentifyStringBody {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    vault_id: Option<String>,
    #[serde(flatten)]
    options: DeidentifyOptionsWire,
}

#[derive(Debug, Serialize)]
struct DeidentifyStringResponse {
    processed_text: String,
    entities: Vec<EntityOut>,
    word_count: usize,
    character_count: usize,
}

/// `POST /v1/detect/deidentify/string`
pub(crate) async fn deidentify_string(
    State(state): State<AppState>,
    call: Call,
    JsonBody(body): JsonBody<DeidentifyStringBody>,
) -> Result<Response, ApiError> {
    let vault = required("vault_id", &body.vault_id)?.to_owned();
    call.authorize(&vault, Permission::Write)?;
    let text = body
        .text
        .ok_or_else(|| ApiError::bad_request("Invalid text: it is required."))?;
    if text.trim().is_empty() {
        return Err(ApiError::bad_request("Invalid text: it must not be empty."));
    }
    let plan = Plan::new(&body.options, true)?;
    let response = on_engine(&state, move |engine| {
        engine.vault(&vault)?;
        let mut renderer = Renderer::new(&plan, VaultTokens::new(engine, &vault));
        let rendered = renderer.render(&text, None)?;
        Ok(DeidentifyStringResponse {
            word_count: word_count(&rendered.text),
            character_count: text.chars().count(),
            processed_text: rendered.text,
            entities: rendered.entities,
        })
    })
    .await?;
    Ok(axum::Json(response).into_response())
}

/// `POST /v1/detect/reidentify/string` body.
#[derive(Debug, Deserialize)]
pub(crate) struct ReidentifyStringBody {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    vault_id: Option<String>,
    #[serde(default)]
    format: Option<FormatWire>,
}

/// `POST /v1/detect/reidentify/string`
pub(crate) async fn reidentify_string(
    State(state): State<AppState>,
    call: Call,
    JsonBody(body): JsonBody<ReidentifyStringBody>,
) -> Result<Response, ApiError> {
    let vault = required("vault_id", &body.vault_id)?.to_owned();
    let call = call.authorize(&vault, Permission::Read)?;
    let text = body
        .text
        .ok_or_else(|| ApiError::bad_request("Invalid text: it is required."))?;
    if text.trim().is_empty() {
        return Err(ApiError::bad_request("Invalid text: it must not be empty."));
    }
    let format = Format::new(body.format.as_ref(), !call.ctx.default_redaction_only)?;
    let restored = on_engine(&state, move |engine| {
        engine.vault(&vault)?;
        reidentify(&text, &VaultTokens::new(engine, &vault), &format)
    })
    .await?;
    Ok(axum::Json(serde_json::json!({ "text": restored })).into_response())
}

/// The de-identify-file endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileEndpoint {
    Generic,
    Text,
    StructuredText,
    Spreadsheet,
    Document,
    Pdf,
    Presentation,
    Image,
    Audio,
}

impl FileEndpoint {
    /// The `data_format` values the endpoint's schema accepts.
    fn formats(self) -> &'static [&'static str] {
        match self {
            FileEndpoint::Generic => &[
                "mp3", "wav", "pdf", "txt", "csv", "json", "jpg", "jpeg", "tif", "tiff", "png",
                "bmp", "xls", "xlsx", "doc", "docx", "ppt", "pptx", "xml", "dcm", "jsonl",
            ],
            FileEndpoint::Text => &["txt"],
            FileEndpoint::StructuredText => &["json", "xml"],
            FileEndpoint::Spreadsheet => &["csv", "xls", "xlsx"],
            FileEndpoint::Document => &["pdf", "doc", "docx"],
            FileEndpoint::Pdf => &["pdf"],
            FileEndpoint::Presentation => &["ppt", "pptx"],
            FileEndpoint::Image => &["jpg", "jpeg", "tif", "tiff", "png", "bmp"],
            FileEndpoint::Audio => &["mp3", "wav"],
        }
    }

    fn takes_transformations(self) -> bool {
        matches!(
            self,
            FileEndpoint::Generic
                | FileEndpoint::Text
                | FileEndpoint::StructuredText
                | FileEndpoint::Audio
        )
    }
}

/// Why this emulator refuses a format it recognises, or `None` when it processes it.
fn unsupported(format: &str) -> Option<&'static str> {
    match format {
        "txt" | "json" | "jsonl" | "xml" | "csv" | "xlsx" | "docx" | "pptx" | "pdf" => None,
        "jpg" | "jpeg" | "tif" | "tiff" | "png" | "bmp" => {
            Some("image files need OCR, and no local OCR engine is available to this emulator")
        }
        "mp3" | "wav" => Some(
            "audio files need speech recognition, and no local speech engine is available to this emulator",
        ),
        "xls" | "doc" | "ppt" => Some(
            "legacy binary Office files cannot be rewritten locally; save the file as xlsx, docx or pptx",
        ),
        _ => Some("this emulator has no processor for this format"),
    }
}

/// `file` of a de-identify-file body.
#[derive(Debug, Deserialize)]
pub(crate) struct FileData {
    #[serde(default)]
    base64: Option<String>,
    #[serde(default)]
    data_format: Option<String>,
}

/// A de-identify-file body: the file, the common options and every type's extra options.
#[derive(Debug, Deserialize)]
pub(crate) struct FileBody {
    #[serde(default)]
    file: Option<FileData>,
    #[serde(default)]
    vault_id: Option<String>,
    #[serde(flatten)]
    options: DeidentifyOptionsWire,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "type-checked only: image and audio files are refused"
    )]
    output_processed_image: Option<bool>,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "type-checked only: image and audio files are refused"
    )]
    output_ocr_text: Option<bool>,
    #[serde(default)]
    masking_method: Option<String>,
    #[serde(default)]
    density: Option<f64>,
    #[serde(default)]
    max_resolution: Option<f64>,
    #[serde(default)]
    output_transcription: Option<String>,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "type-checked only: image and audio files are refused"
    )]
    output_processed_audio: Option<bool>,
    #[serde(default)]
    bleep_gain: Option<f64>,
    #[serde(default)]
    bleep_frequency: Option<f64>,
    #[serde(default)]
    bleep_start_padding: Option<f64>,
    #[serde(default)]
    bleep_stop_padding: Option<f64>,
}

impl FileBody {
    /// Checks the type-specific options' values.
    fn check_extras(&self) -> Result<(), ApiError> {
        if let Some(method) = &self.masking_method
            && !matches!(method.as_str(), "blur" | "blackbox")
        {
            return Err(ApiError::bad_request(format!(
                "Invalid masking_method: `{}` is not blur or blackbox.",
                truncate(method)
            )));
        }
        if let Some(kind) = &self.output_transcription
            && !matches!(
                kind.as_str(),
                "transcription"
                    | "medical_transcription"
                    | "diarized_transcription"
                    | "medical_diarized_transcription"
            )
        {
            return Err(ApiError::bad_request(format!(
                "Invalid output_transcription: `{}` is not a transcription type.",
                truncate(kind)
            )));
        }
        for (name, value) in [
            ("density", self.density),
            ("max_resolution", self.max_resolution),
        ] {
            if let Some(v) = value
                && (v < 0.0 || v.fract() != 0.0 || v > f64::from(i32::MAX))
            {
                return Err(ApiError::bad_request(format!(
                    "Invalid {name}: it must be a non-negative whole number."
                )));
            }
        }
        for (name, value) in [
            ("bleep_gain", self.bleep_gain),
            ("bleep_frequency", self.bleep_frequency),
            ("bleep_start_padding", self.bleep_start_padding),
            ("bleep_stop_padding", self.bleep_stop_padding),
        ] {
            if let Some(v) = value
                && (!v.is_finite() || name != "bleep_gain" && v < 0.0)
            {
                return Err(ApiError::bad_request(format!(
                    "Invalid {name}: it must be a finite, non-negative number."
                )));
            }
        }
        Ok(())
    }
}

macro_rules! file_endpoints {
    ($($name:ident => $endpoint:ident,)*) => {$(
        #[doc = concat!("`POST` to the ", stringify!($endpoint), " de-identify-file endpoint.")]
        pub(crate) async fn $name(
            state: State<AppState>,
            call: Call,
            body: JsonBody<FileBody>,
        ) -> Result<Response, ApiError> {
            deidentify_file(FileEndpoint::$endpoint, state, call, body).await
        }
    )*};
}

file_endpoints! {
    file_generic => Generic,
    file_text => Text,
    file_structured => StructuredText,
    file_spreadsheet => Spreadsheet,
    file_document => Document,
    file_pdf => Pdf,
    file_presentation => Presentation,
    file_image => Image,
    file_audio => Audio,
}

/// Starts a run for one file: everything is checked first (400 on any bad input), then the
/// file is processed in the background.
async fn deidentify_file(
    endpoint: FileEndpoint,
    State(state): State<AppState>,
    call: Call,
    JsonBody(body): JsonBody<FileBody>,
) -> Result<Response, ApiError> {
    let vault = required("vault_id", &body.vault_id)?.to_owned();
    call.authorize(&vault, Permission::Write)?;
    let file = body
        .file
        .as_ref()
        .ok_or_else(|| ApiError::bad_request("Invalid file: it is required."))?;
    let format = required("file.data_format", &file.data_format)?.to_ascii_lowercase();
    if !endpoint.formats().contains(&format.as_str()) {
        return Err(ApiError::bad_request(format!(
            "Invalid file.data_format: `{}` is not accepted by this endpoint; it accepts {}.",
            truncate(&format),
            endpoint.formats().join(", ")
        )));
    }
    body.check_extras()?;
    if let Some(reason) = unsupported(&format) {
        return Err(ApiError::bad_request(format!(
            "Unsupported file type `{format}`: {reason}."
        )));
    }
    let encoded = required("file.base64", &file.base64)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| ApiError::bad_request("Invalid file.base64: it is not valid base64."))?;
    let plan = Plan::new(&body.options, endpoint.takes_transformations())?;
    let run_id = uuid::Uuid::new_v4().to_string();
    let active = state.inner.detect_runs.begin(&vault, &run_id);
    {
        let (vault, run_id) = (vault.clone(), run_id.clone());
        on_engine(&state, move |engine| {
            engine.vault(&vault)?;
            runs::put(engine, &vault, &run_id, &RunState::in_progress())
        })
        .await?;
    }
    let engine = state.inner.engine.clone();
    let background_id = run_id.clone();
    tokio::task::spawn_blocking(move || {
        // Dropped last: the run stays active until its result is stored.
        let _active = active;
        let mut renderer = Renderer::new(&plan, VaultTokens::new(&engine, &vault));
        let state = match files::process(&format, &bytes, &mut renderer) {
            Ok(processed) => RunState::succeeded(&processed, &format),
            Err(err) => {
                if let FileError::Engine(e) = &err {
                    tracing::error!(error = %e, "detect run failed to store vault tokens");
                }
                RunState::failed(&err)
            }
        };
        if let Err(e) = runs::put(&engine, &vault, &background_id, &state) {
            tracing::error!(error = %e, "detect run result could not be stored");
        }
    });
    Ok(axum::Json(serde_json::json!({ "run_id": run_id })).into_response())
}

/// `GET /v1/detect/runs/{run_id}?vault_id=`
pub(crate) async fn get_run(
    State(state): State<AppState>,
    call: Call,
    Path(run_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let vault = query_pairs(raw.as_deref())
        .into_iter()
        .find(|(k, _)| k == "vault_id")
        .map(|(_, v)| v);
    let vault = required("vault_id", &vault)?.to_owned();
    call.authorize(&vault, Permission::Read)?;
    let deadline = tokio::time::Instant::now() + RUN_WAIT;
    loop {
        let (v, id, active) = (
            vault.clone(),
            run_id.clone(),
            state.inner.detect_runs.clone(),
        );
        let run = on_engine(&state, move |engine| {
            engine.vault(&v)?;
            runs::get(engine, &active, &v, &id)
        })
        .await?;
        let Some(run) = run else {
            return Err(ApiError::not_found(format!(
                "Run {} wasn't found in vault {}.",
                truncate(&run_id),
                truncate(&vault)
            )));
        };
        if !run.is_in_progress() || tokio::time::Instant::now() >= deadline {
            return Ok(axum::Json(run).into_response());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
