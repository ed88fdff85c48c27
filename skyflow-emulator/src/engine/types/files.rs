//! Files: upload, scan and upload status, download.

use super::*;

/// A file upload (v2 multipart, decoded by the HTTP layer).
///
/// ```
/// use skyflow_emulator::engine::FileUpload;
/// let f = FileUpload { table: "table1".into(), column: "file".into(), skyflow_id: None,
///     file_name: "a.txt".into(), content_type: Some("text/plain".into()), data: b"hi".to_vec(),
///     return_file_metadata: true };
/// assert_eq!(f.data.len(), 2);
/// ```
#[derive(Clone)]
pub struct FileUpload {
    /// Table (`tableName`).
    pub table: String,
    /// File column (`columnName`).
    pub column: String,
    /// Record id (`skyflowID`); `None` or empty creates a new record.
    pub skyflow_id: Option<String>,
    /// The part's file name.
    pub file_name: String,
    /// The part's declared content type.
    pub content_type: Option<String>,
    /// The bytes.
    pub data: Vec<u8>,
    /// Return `fileMetadata`.
    pub return_file_metadata: bool,
}

/// Response of the v2 upload: `{"skyflowID","fileMetadata"?}`.
///
/// ```
/// use skyflow_emulator::engine::FileUploadResponse;
/// let r = FileUploadResponse { skyflow_id: "id".into(), file_metadata: None };
/// assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"skyflowID":"id"}"#);
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct FileUploadResponse {
    /// The record that holds the file.
    #[serde(rename = "skyflowID")]
    pub skyflow_id: String,
    /// Column → metadata, when asked for.
    #[serde(
        rename = "fileMetadata",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub file_metadata: Option<BTreeMap<String, FileMetadata>>,
}

/// Response of the scan-status endpoint: `{"av_scan_status": "SCAN_CLEAN"}`.
///
/// ```
/// use skyflow_emulator::engine::ScanStatusResponse;
/// let r = ScanStatusResponse { av_scan_status: "SCAN_CLEAN".into() };
/// assert_eq!(serde_json::to_value(&r).unwrap()["av_scan_status"], "SCAN_CLEAN");
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScanStatusResponse {
    /// `SCAN_CLEAN` for a stored file, `SCAN_FILE_NOT_FOUND` when none is stored.
    pub av_scan_status: String,
}

/// One record of an upload-status request.
///
/// ```
/// use skyflow_emulator::engine::UploadStatusRecord;
/// let r: UploadStatusRecord = serde_json::from_str(r#"{"tableName":"t","skyflowID":"i","fileFields":["f"]}"#).unwrap();
/// assert_eq!(r.file_fields, vec!["f"]);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadStatusRecord {
    /// Table.
    #[serde(rename = "tableName")]
    pub table_name: String,
    /// Record id.
    #[serde(rename = "skyflowID")]
    pub skyflow_id: String,
    /// File columns.
    #[serde(rename = "fileFields", default)]
    pub file_fields: Vec<String>,
}

/// Body of `POST /v2/vaults/{vault}/files/uploadStatus`.
///
/// ```
/// use skyflow_emulator::engine::UploadStatusRequest;
/// let r: UploadStatusRequest = serde_json::from_str(r#"{"records":[]}"#).unwrap();
/// assert!(r.records.is_empty());
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UploadStatusRequest {
    /// Records to report on.
    #[serde(default)]
    pub records: Vec<UploadStatusRecord>,
}

/// One record of an upload-status response: `{"fields":{"skyflow_id", col: {...}}, "tableName"}`.
///
/// ```
/// use skyflow_emulator::engine::UploadStatusResponseRecord;
/// let r = UploadStatusResponseRecord { fields: Default::default(), table_name: "t".into() };
/// assert_eq!(serde_json::to_value(&r).unwrap()["tableName"], "t");
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UploadStatusResponseRecord {
    /// `skyflow_id` and per-column `{file_status, av_scan_status, mimetype_status}`.
    pub fields: FieldMap,
    /// Table.
    #[serde(rename = "tableName")]
    pub table_name: String,
}

/// Response of upload status.
///
/// ```
/// use skyflow_emulator::engine::UploadStatusResponse;
/// assert!(UploadStatusResponse { records: vec![] }.records.is_empty());
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UploadStatusResponse {
    /// One record per request record.
    pub records: Vec<UploadStatusResponseRecord>,
}

/// A file served through a verified download URL.
///
/// ```
/// use skyflow_emulator::engine::FileDownload;
/// let f = FileDownload { file_name: "a.txt".into(), content_type: "text/plain".into(), data: vec![] };
/// assert_eq!(f.file_name, "a.txt");
/// ```
#[derive(Clone)]
pub struct FileDownload {
    /// Name given at upload.
    pub file_name: String,
    /// MIME type.
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
}
