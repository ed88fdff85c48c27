//! Detect runs: `GET /v1/detect/runs/{run_id}?vault_id=…`, and the file response built
//! from a run.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use bytes::Bytes;
use serde::Deserialize;

use crate::http::{HttpRequest, HttpResponse, Method, decode_error, json_body};
use crate::vault::common::{check_not_blank, encode_segment};
use crate::{Error, Result};

const OP: &str = "GetDetectRunRequest";

/// Fetches a Detect run (a file de-identify) by its id.
///
/// ```
/// use skyflow_client::detect::GetDetectRunRequest;
/// assert!(GetDetectRunRequest::new("r-9c1f2a3b").validate().is_ok());
/// assert_eq!(GetDetectRunRequest::new(" ").validate().unwrap_err().field(), Some("run_id"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetDetectRunRequest {
    run_id: String,
}

impl GetDetectRunRequest {
    /// A request for the run `run_id` (from a [`DeidentifyFileResponse`]).
    pub fn new(run_id: impl Into<String>) -> Self {
        GetDetectRunRequest {
            run_id: run_id.into(),
        }
    }

    /// The run id.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Checks the request as it is checked before sending: the run id is not blank.
    ///
    /// ```
    /// assert!(skyflow_client::detect::GetDetectRunRequest::new("").validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_not_blank(OP, "run_id", &self.run_id)
    }

    pub(crate) fn to_http(&self, vault_id: &str) -> Result<HttpRequest> {
        self.validate()?;
        Ok(run_request(OP, &self.run_id, vault_id))
    }
}

/// The GET of a run, for `op`.
pub(crate) fn run_request(op: &'static str, run_id: &str, vault_id: &str) -> HttpRequest {
    HttpRequest {
        operation: op,
        method: Method::Get,
        path: format!("/v1/detect/runs/{}", encode_segment(run_id)),
        query: vec![("vault_id".into(), vault_id.to_owned())],
        body: crate::http::Body::Empty,
        idempotent: true,
        headers: Vec::new(),
    }
}

/// The state of a Detect run.
///
/// ```
/// use skyflow_client::detect::RunStatus;
/// assert_eq!(RunStatus::from_wire("SUCCESS"), RunStatus::Success);
/// assert!(RunStatus::Failed.is_finished());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RunStatus {
    /// Still being processed.
    InProgress,
    /// Done; the outputs are there.
    Success,
    /// Failed; see [`DeidentifyFileResponse::message`].
    Failed,
    /// Any other status the service reports, as sent.
    Other(String),
}

impl RunStatus {
    /// Parses the wire value (`IN_PROGRESS`, `SUCCESS`, `FAILED`, …).
    pub fn from_wire(status: &str) -> RunStatus {
        match status {
            "IN_PROGRESS" => RunStatus::InProgress,
            "SUCCESS" => RunStatus::Success,
            "FAILED" => RunStatus::Failed,
            other => RunStatus::Other(other.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            RunStatus::InProgress => "IN_PROGRESS",
            RunStatus::Success => "SUCCESS",
            RunStatus::Failed => "FAILED",
            RunStatus::Other(other) => other,
        }
    }

    /// Whether the run has ended (succeeded or failed).
    pub fn is_finished(&self) -> bool {
        matches!(self, RunStatus::Success | RunStatus::Failed)
    }
}

/// One output file of a run: the processed file, or the entities found (JSON).
///
/// Its `Debug` output shows the size, not the content.
#[derive(Clone, PartialEq, Eq)]
pub struct ProcessedOutput {
    bytes: Bytes,
    base64: String,
    file_type: String,
    extension: Option<String>,
}

impl ProcessedOutput {
    /// The decoded content.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The content as base64, as the service sent it.
    pub fn base64(&self) -> &str {
        &self.base64
    }

    /// What the output is: `redacted_file`, `redacted_text`, `redacted_image`,
    /// `redacted_audio`, `redacted_transcription`, `entities`, … (not a MIME type).
    pub fn file_type(&self) -> &str {
        &self.file_type
    }

    /// The output's file extension (`txt`, `json`, `pdf`, …), when the service names one.
    pub fn extension(&self) -> Option<&str> {
        self.extension.as_deref()
    }
}

impl fmt::Debug for ProcessedOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessedOutput")
            .field("file_type", &self.file_type)
            .field("extension", &self.extension)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// The answer to a file de-identify or to [`GetDetectRunRequest`]: the run's status and,
/// once it succeeded, the processed file, its statistics and the entities found.
///
/// While the run is in progress, only [`run_id`](Self::run_id) and
/// [`status`](Self::status) are set.
///
/// ```
/// fn show(response: &skyflow_client::detect::DeidentifyFileResponse) {
///     println!("run {} is {:?}", response.run_id(), response.status());
///     if let Some(file) = response.file() {
///         println!("{} bytes of {:?}", file.bytes().len(), file.extension());
///     }
/// }
/// # let _ = show;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct DeidentifyFileResponse {
    run_id: String,
    status: RunStatus,
    message: Option<String>,
    outputs: Vec<ProcessedOutput>,
    word_count: Option<u64>,
    char_count: Option<u64>,
    size_in_kb: Option<f64>,
    duration_in_seconds: Option<f64>,
    page_count: Option<u64>,
    slide_count: Option<u64>,
    written: Vec<PathBuf>,
}

impl DeidentifyFileResponse {
    /// The run id; [`get_detect_run`](crate::DetectClient::get_detect_run) fetches the
    /// run again.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// The run's status.
    pub fn status(&self) -> &RunStatus {
        &self.status
    }

    /// The service's message about the run (why it failed, for a failed run).
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The processed file: the run's first output.
    pub fn file(&self) -> Option<&ProcessedOutput> {
        self.outputs.first()
    }

    /// Every output of the run, the processed file first.
    pub fn outputs(&self) -> &[ProcessedOutput] {
        &self.outputs
    }

    /// The outputs listing the entities found (type `entities`, JSON).
    pub fn entities(&self) -> impl Iterator<Item = &ProcessedOutput> {
        self.outputs.iter().filter(|o| o.file_type == "entities")
    }

    /// The number of words processed.
    pub fn word_count(&self) -> Option<u64> {
        self.word_count
    }

    /// The number of characters processed.
    pub fn char_count(&self) -> Option<u64> {
        self.char_count
    }

    /// The size of the processed file, in KB.
    pub fn size_in_kb(&self) -> Option<f64> {
        self.size_in_kb
    }

    /// The length of processed audio, in seconds.
    pub fn duration_in_seconds(&self) -> Option<f64> {
        self.duration_in_seconds
    }

    /// The number of pages of a processed PDF.
    pub fn page_count(&self) -> Option<u64> {
        self.page_count
    }

    /// The number of slides of a processed presentation.
    pub fn slide_count(&self) -> Option<u64> {
        self.slide_count
    }

    /// The files written into the request's output directory.
    pub fn written_files(&self) -> &[PathBuf] {
        &self.written
    }

    /// A run that was still in progress when polling stopped.
    pub(crate) fn in_progress(run_id: &str) -> Self {
        DeidentifyFileResponse {
            run_id: run_id.to_owned(),
            status: RunStatus::InProgress,
            message: None,
            outputs: Vec::new(),
            word_count: None,
            char_count: None,
            size_in_kb: None,
            duration_in_seconds: None,
            page_count: None,
            slide_count: None,
            written: Vec::new(),
        }
    }

    /// Reads a run answer for run `run_id`.
    pub(crate) fn from_http(op: &'static str, run_id: &str, resp: HttpResponse) -> Result<Self> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            status: String,
            #[serde(default)]
            output: Option<Vec<RawOutput>>,
            #[serde(default)]
            message: Option<String>,
            #[serde(default)]
            size: Option<f64>,
            #[serde(default)]
            word_character_count: Option<RawCount>,
            #[serde(default)]
            duration: Option<f64>,
            #[serde(default)]
            pages: Option<u64>,
            #[serde(default)]
            slides: Option<u64>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct RawOutput {
            #[serde(default)]
            processed_file: String,
            #[serde(default)]
            processed_file_type: String,
            #[serde(default)]
            processed_file_extension: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct RawCount {
            word_count: Option<u64>,
            character_count: Option<u64>,
        }
        let raw: Raw = json_body(op, &resp)?;
        let status = RunStatus::from_wire(&raw.status);
        if status == RunStatus::InProgress {
            return Ok(DeidentifyFileResponse::in_progress(run_id));
        }
        let mut outputs = Vec::new();
        for (i, output) in raw.output.unwrap_or_default().into_iter().enumerate() {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(output.processed_file.as_bytes())
                .map_err(|_| {
                    decode_error(
                        op,
                        &resp,
                        format!("output[{i}].processedFile is not base64"),
                    )
                })?;
            outputs.push(ProcessedOutput {
                bytes: Bytes::from(bytes),
                base64: output.processed_file,
                file_type: output.processed_file_type,
                extension: output.processed_file_extension.filter(|e| !e.is_empty()),
            });
        }
        let count = raw.word_character_count;
        Ok(DeidentifyFileResponse {
            run_id: run_id.to_owned(),
            status,
            message: raw.message.filter(|m| !m.is_empty()),
            outputs,
            word_count: count.as_ref().and_then(|c| c.word_count),
            char_count: count.as_ref().and_then(|c| c.character_count),
            size_in_kb: raw.size,
            duration_in_seconds: raw.duration,
            page_count: raw.pages,
            slide_count: raw.slides,
            written: Vec::new(),
        })
    }

    /// Writes every output into `dir` as `processed-<stem>.<ext>`.
    pub(crate) async fn write_outputs(
        &mut self,
        op: &'static str,
        dir: &Path,
        stem: &str,
    ) -> Result<()> {
        let stem = sanitize(stem);
        for (i, output) in self.outputs.iter().enumerate() {
            let ext = output
                .extension
                .as_deref()
                .map(sanitize)
                .unwrap_or_default();
            // The entities output shares the stem of the processed file: tell them apart.
            let name = match (i, ext.is_empty()) {
                (0, false) => format!("processed-{stem}.{ext}"),
                (0, true) => format!("processed-{stem}"),
                (_, false) => format!("processed-{stem}-{}.{ext}", sanitize(&output.file_type)),
                (_, true) => format!("processed-{stem}-{}", sanitize(&output.file_type)),
            };
            let path = dir.join(name);
            tokio::fs::write(&path, &output.bytes)
                .await
                .map_err(|err| {
                    Error::validation(
                        op,
                        "output_directory",
                        format!("`{}` could not be written: {err}", path.display()),
                    )
                })?;
            self.written.push(path);
        }
        Ok(())
    }
}

/// Keeps ASCII letters, digits, `-` and `_` (and `.` inside), so a name from the service
/// can never leave the output directory.
fn sanitize(part: &str) -> String {
    let cleaned: String = part
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    cleaned.trim_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitized_names_stay_in_the_directory() {
        assert_eq!(sanitize("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(sanitize("report 2024"), "report_2024");
        assert_eq!(sanitize(".."), "");
    }
}
