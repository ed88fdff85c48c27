//! Records: insert, batch, get, update, delete and query.

use super::*;

/// One record of an insert or update: `fields` and optional BYOT `tokens`.
///
/// ```
/// use skyflow_emulator::engine::RecordInput;
/// let r: RecordInput = serde_json::from_str(r#"{"fields":{"name":"Jane"},"tokens":null}"#).unwrap();
/// assert_eq!(r.fields["name"], "Jane");
/// assert!(r.tokens.is_none());
/// ```
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct RecordInput {
    /// Column → value.
    #[serde(default, deserialize_with = "null_default")]
    pub fields: FieldMap,
    /// Column → token (BYOT), or absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<FieldMap>,
}

/// Body of `POST /v1/vaults/{vault}/{table}`.
///
/// ```
/// use skyflow_emulator::engine::InsertRequest;
/// let r: InsertRequest = serde_json::from_str(
///     r#"{"records":[{"fields":{"name":"Jane"}}],"tokenization":true,"upsert":null,"homogeneous":false,"byot":"DISABLE"}"#,
/// ).unwrap();
/// assert_eq!(r.records.len(), 1);
/// assert_eq!(r.tokenization, Some(true));
/// ```
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct InsertRequest {
    /// Records to insert.
    #[serde(default, deserialize_with = "null_default")]
    pub records: Vec<RecordInput>,
    /// Return tokens (default false).
    #[serde(default)]
    pub tokenization: Option<bool>,
    /// Name of a unique column to upsert on.
    #[serde(default)]
    pub upsert: Option<String>,
    /// Every record has the same fields (default false); cannot be combined with upsert.
    #[serde(default)]
    pub homogeneous: Option<bool>,
    /// BYOT mode (default DISABLE).
    #[serde(default)]
    pub byot: Option<ByotMode>,
}

/// One inserted record in an [`InsertResponse`].
///
/// ```
/// use skyflow_emulator::engine::InsertedRecord;
/// let r = InsertedRecord { skyflow_id: "id".into(), tokens: None };
/// assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"skyflow_id":"id"}"#);
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct InsertedRecord {
    /// The record's id.
    pub skyflow_id: String,
    /// Column → token, when tokenization was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<FieldMap>,
}

/// Response of insert: `{"records":[{"skyflow_id","tokens"?}]}`.
///
/// ```
/// use skyflow_emulator::engine::InsertResponse;
/// let r = InsertResponse { records: vec![] };
/// assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"records":[]}"#);
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct InsertResponse {
    /// One entry per request record, in order.
    pub records: Vec<InsertedRecord>,
}

/// Method of a batch entry.
///
/// ```
/// use skyflow_emulator::engine::BatchMethod;
/// let m: BatchMethod = serde_json::from_str("\"PUT\"").unwrap();
/// assert_eq!(m, BatchMethod::Put);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum BatchMethod {
    /// Insert (or upsert).
    Post,
    /// Update the record `ID`.
    Put,
    /// Get the record `ID`.
    Get,
    /// Delete the record `ID`.
    Delete,
    /// No operation (rejected).
    None,
}

/// One entry of a batch request.
///
/// ```
/// use skyflow_emulator::engine::BatchRecord;
/// let r: BatchRecord = serde_json::from_str(
///     r#"{"fields":{"name":"Jane"},"tableName":"persons","method":"POST","tokenization":true,"upsert":null,"tokens":null}"#,
/// ).unwrap();
/// assert_eq!(r.table_name, "persons");
/// ```
#[derive(Clone, Serialize, Deserialize)]
pub struct BatchRecord {
    /// Field values (POST, PUT).
    #[serde(default)]
    pub fields: Option<FieldMap>,
    /// Table of the operation.
    #[serde(rename = "tableName")]
    pub table_name: String,
    /// Operation.
    pub method: BatchMethod,
    /// Group id: entries of one group run in order (all entries run in order here).
    #[serde(rename = "batchID", default)]
    pub batch_id: Option<String>,
    /// Redaction for GET.
    #[serde(default)]
    pub redaction: Option<Redaction>,
    /// Return tokens (POST, PUT, GET).
    #[serde(default)]
    pub tokenization: Option<bool>,
    /// Record id (PUT, GET, DELETE).
    #[serde(rename = "ID", default)]
    pub id: Option<String>,
    /// Return file URLs (GET).
    #[serde(rename = "downloadURL", default)]
    pub download_url: Option<bool>,
    /// Unique column to upsert on (POST).
    #[serde(default)]
    pub upsert: Option<String>,
    /// BYOT tokens (POST, PUT).
    #[serde(default)]
    pub tokens: Option<FieldMap>,
    /// Return file metadata (GET).
    #[serde(rename = "returnFileMetadata", default)]
    pub return_file_metadata: Option<bool>,
}

/// Body of `POST /v1/vaults/{vault}` (batch).
///
/// ```
/// use skyflow_emulator::engine::BatchRequest;
/// let r: BatchRequest = serde_json::from_str(r#"{"records":[],"continueOnError":true,"byot":"DISABLE"}"#).unwrap();
/// assert_eq!(r.continue_on_error, Some(true));
/// ```
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct BatchRequest {
    /// The operations, run in order.
    #[serde(default, deserialize_with = "null_default")]
    pub records: Vec<BatchRecord>,
    /// Keep going after a failed entry (default false: the first failure fails the call and
    /// nothing is applied).
    #[serde(rename = "continueOnError", default)]
    pub continue_on_error: Option<bool>,
    /// BYOT mode for POST/PUT entries.
    #[serde(default)]
    pub byot: Option<ByotMode>,
}

/// One entry of a batch response: `{"Status": 200, "Body": {...}}`; a failed entry has
/// `Body = {"error": "<message>"}`.
///
/// ```
/// use skyflow_emulator::engine::BatchItemResponse;
/// let r = BatchItemResponse { status: 400, body: serde_json::json!({"error": "x"}) };
/// assert_eq!(serde_json::to_value(&r).unwrap()["Status"], 400);
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct BatchItemResponse {
    /// 200 on success, 400 for a client error, 500 for a server fault.
    #[serde(rename = "Status")]
    pub status: u16,
    /// The single-call response body of the entry, or `{"error": message}`.
    #[serde(rename = "Body")]
    pub body: Value,
}

/// Response of batch: `{"vaultID", "responses": [...]}`.
///
/// ```
/// use skyflow_emulator::engine::BatchResponse;
/// let r = BatchResponse { vault_id: "v".into(), responses: vec![] };
/// assert_eq!(r.http_status(), 200);
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct BatchResponse {
    /// The vault.
    #[serde(rename = "vaultID")]
    pub vault_id: String,
    /// One entry per request entry, in order.
    pub responses: Vec<BatchItemResponse>,
}

impl BatchResponse {
    /// 200 when every entry succeeded, 207 when some failed (continueOnError).
    ///
    /// ```
    /// use skyflow_emulator::engine::{BatchItemResponse, BatchResponse};
    /// let r = BatchResponse { vault_id: "v".into(), responses: vec![
    ///     BatchItemResponse { status: 400, body: serde_json::json!({"error": "x"}) }] };
    /// assert_eq!(r.http_status(), 207);
    /// ```
    pub fn http_status(&self) -> u16 {
        if self.responses.iter().all(|r| r.status == 200) {
            200
        } else {
            207
        }
    }
}

/// Parameters of a bulk get (`GET /v1/vaults/{vault}/{table}`), decoded from the query string.
///
/// ```
/// use skyflow_emulator::engine::{GetRequest, Redaction};
/// let g = GetRequest { skyflow_ids: vec!["id1".into()], redaction: Some(Redaction::PlainText), ..Default::default() };
/// assert_eq!(g.skyflow_ids.len(), 1);
/// ```
#[derive(Clone, Default)]
pub struct GetRequest {
    /// Record ids (repeated `skyflow_ids`).
    pub skyflow_ids: Vec<String>,
    /// Redaction (default DEFAULT).
    pub redaction: Option<Redaction>,
    /// Return tokens in `fields` instead of values; only with `skyflow_ids`.
    pub tokenization: Option<bool>,
    /// Columns to return (all when empty).
    pub fields: Vec<String>,
    /// Records to skip.
    pub offset: Option<i64>,
    /// At most this many records (at most `Limits::max_rows`, default 25).
    pub limit: Option<i64>,
    /// Return file columns as download URLs.
    pub download_url: Option<bool>,
    /// A unique column to match `column_values` against.
    pub column_name: Option<String>,
    /// Values of `column_name` (repeated `column_values`).
    pub column_values: Vec<String>,
    /// Order by `skyflow_id`.
    pub order_by: Option<OrderBy>,
    /// Add `fileMetadata` for file columns.
    pub return_file_metadata: Option<bool>,
}

/// Parameters of `GET /v1/vaults/{vault}/{table}/{id}`.
///
/// ```
/// use skyflow_emulator::engine::GetOneRequest;
/// let g = GetOneRequest::default();
/// assert!(g.fields.is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct GetOneRequest {
    /// Redaction (default DEFAULT).
    pub redaction: Option<Redaction>,
    /// Return tokens in `fields` instead of values.
    pub tokenization: Option<bool>,
    /// Columns to return (all when empty).
    pub fields: Vec<String>,
    /// Return file columns as download URLs.
    pub download_url: Option<bool>,
    /// Add `fileMetadata` for file columns.
    pub return_file_metadata: Option<bool>,
}

/// Metadata of a stored file.
///
/// ```
/// use skyflow_emulator::engine::FileMetadata;
/// let m = FileMetadata { file_name: "a.txt".into(), file_size_kb: 1, file_type: "text/plain".into() };
/// assert_eq!(serde_json::to_value(&m).unwrap()["fileSizeKB"], 1);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileMetadata {
    /// The file name given at upload.
    #[serde(rename = "fileName")]
    pub file_name: String,
    /// Size in KB, rounded up.
    #[serde(rename = "fileSizeKB")]
    pub file_size_kb: u64,
    /// MIME type sniffed from the content (falls back to the declared type).
    #[serde(rename = "fileType")]
    pub file_type: String,
}

/// One record of a get: values (or tokens) in `fields`, including `skyflow_id`.
///
/// ```
/// use skyflow_emulator::engine::GetRecord;
/// let r = GetRecord { fields: Default::default(), file_metadata: None };
/// assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"fields":{}}"#);
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct GetRecord {
    /// Column → value (redacted as asked) or token.
    pub fields: FieldMap,
    /// File column → metadata, when asked for.
    #[serde(
        rename = "fileMetadata",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub file_metadata: Option<BTreeMap<String, FileMetadata>>,
}

/// Response of a bulk get: `{"records":[{"fields":{...}}]}`.
///
/// ```
/// use skyflow_emulator::engine::GetResponse;
/// assert_eq!(serde_json::to_string(&GetResponse { records: vec![] }).unwrap(), r#"{"records":[]}"#);
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct GetResponse {
    /// The records found.
    pub records: Vec<GetRecord>,
}

/// Body of `PUT /v1/vaults/{vault}/{table}/{id}`.
///
/// ```
/// use skyflow_emulator::engine::UpdateRequest;
/// let u: UpdateRequest = serde_json::from_str(
///     r#"{"record":{"fields":{"name":"Janet"},"tokens":null},"tokenization":true,"byot":"DISABLE"}"#,
/// ).unwrap();
/// assert_eq!(u.record.fields["name"], "Janet");
/// ```
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct UpdateRequest {
    /// The fields to replace, and optional BYOT tokens.
    #[serde(default, deserialize_with = "null_default")]
    pub record: RecordInput,
    /// Return tokens (default false).
    #[serde(default)]
    pub tokenization: Option<bool>,
    /// BYOT mode (default DISABLE).
    #[serde(default)]
    pub byot: Option<ByotMode>,
}

/// Response of update (and of the v1 file upload): `{"skyflow_id","tokens"?}`.
///
/// ```
/// use skyflow_emulator::engine::UpdateResponse;
/// let r = UpdateResponse { skyflow_id: "id".into(), tokens: None };
/// assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"skyflow_id":"id"}"#);
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct UpdateResponse {
    /// The record's id.
    pub skyflow_id: String,
    /// Column → token, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<FieldMap>,
}

/// Body of `DELETE /v1/vaults/{vault}/{table}`: `{"skyflow_ids":[...]}`; `["*"]` deletes all.
///
/// ```
/// use skyflow_emulator::engine::DeleteRequest;
/// let d: DeleteRequest = serde_json::from_str(r#"{"skyflow_ids":["*"]}"#).unwrap();
/// assert_eq!(d.skyflow_ids, vec!["*"]);
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeleteRequest {
    /// Ids to delete.
    #[serde(default, deserialize_with = "null_default")]
    pub skyflow_ids: Vec<String>,
}

/// Response of a bulk delete: `{"RecordIDResponse":[ids]}` (or `["*"]`).
///
/// ```
/// use skyflow_emulator::engine::DeleteResponse;
/// let r = DeleteResponse { record_id_response: vec!["*".into()] };
/// assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"RecordIDResponse":["*"]}"#);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeleteResponse {
    /// The deleted ids.
    #[serde(rename = "RecordIDResponse")]
    pub record_id_response: Vec<String>,
}

/// Response of a single delete or a file delete: `{"skyflow_id","deleted":true}`.
///
/// ```
/// use skyflow_emulator::engine::DeletedResponse;
/// let r = DeletedResponse { skyflow_id: "id".into(), deleted: true };
/// assert_eq!(serde_json::to_value(&r).unwrap()["deleted"], true);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeletedResponse {
    /// The record's id.
    pub skyflow_id: String,
    /// Always true on success.
    pub deleted: bool,
}

/// Body of `POST /v1/vaults/{vault}/query`.
///
/// ```
/// use skyflow_emulator::engine::QueryRequest;
/// let q: QueryRequest = serde_json::from_str(r#"{"query":"SELECT * FROM persons"}"#).unwrap();
/// assert!(q.query.starts_with("SELECT"));
/// ```
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct QueryRequest {
    /// The SQL text.
    #[serde(default, deserialize_with = "null_default")]
    pub query: String,
}

/// One row of a query result.
///
/// ```
/// use skyflow_emulator::engine::QueryRecord;
/// let r = QueryRecord { fields: Default::default() };
/// assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"fields":{}}"#);
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct QueryRecord {
    /// Output column → value (redacted).
    pub fields: FieldMap,
}

/// Response of query: `{"records":[{"fields":{...}}]}`.
///
/// ```
/// use skyflow_emulator::engine::QueryResponse;
/// assert_eq!(serde_json::to_string(&QueryResponse { records: vec![] }).unwrap(), r#"{"records":[]}"#);
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct QueryResponse {
    /// At most `Limits::max_rows` rows.
    pub records: Vec<QueryRecord>,
}
