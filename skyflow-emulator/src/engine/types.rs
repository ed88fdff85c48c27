//! Request and response types of the engine. They (de)serialize to exactly the JSON shapes of
//! Skyflow's Data API (wire-protocol.md §3, data.openapi.json), so the HTTP layer can decode a
//! body straight into a request and encode a response as-is. JSON `null` is treated as absent.
//!
//! Types that carry record values or tokens implement `Debug` by hand and print only keys.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A JSON object: column name → value (or token).
pub type FieldMap = Map<String, Value>;

/// Redaction level asked for by a caller.
///
/// ```
/// use skyflow_emulator::engine::Redaction;
/// let r: Redaction = serde_json::from_str("\"MASKED\"").unwrap();
/// assert_eq!(r, Redaction::Masked);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Redaction {
    /// The column's `default_dlp_policy`.
    #[default]
    Default,
    /// The literal `*REDACTED*`.
    Redacted,
    /// The column's find/replace masking.
    Masked,
    /// The value as stored.
    PlainText,
}

impl Redaction {
    /// Parses the wire spelling (`DEFAULT`, `REDACTED`, `MASKED`, `PLAIN_TEXT`).
    ///
    /// ```
    /// use skyflow_emulator::engine::Redaction;
    /// assert_eq!(Redaction::parse("PLAIN_TEXT"), Some(Redaction::PlainText));
    /// assert_eq!(Redaction::parse("nope"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Redaction> {
        match s {
            "DEFAULT" => Some(Redaction::Default),
            "REDACTED" => Some(Redaction::Redacted),
            "MASKED" => Some(Redaction::Masked),
            "PLAIN_TEXT" => Some(Redaction::PlainText),
            _ => None,
        }
    }
}

/// Bring-your-own-token mode of insert, update and batch.
///
/// ```
/// use skyflow_emulator::engine::ByotMode;
/// let m: ByotMode = serde_json::from_str("\"ENABLE_STRICT\"").unwrap();
/// assert_eq!(m, ByotMode::EnableStrict);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ByotMode {
    /// Tokens must not be supplied; the vault generates them.
    #[default]
    Disable,
    /// Tokens may be supplied for some fields.
    Enable,
    /// A token must be supplied for every field of every record.
    EnableStrict,
}

/// Sort order of a bulk get.
///
/// ```
/// use skyflow_emulator::engine::OrderBy;
/// let o: OrderBy = serde_json::from_str("\"DESCENDING\"").unwrap();
/// assert_eq!(o, OrderBy::Descending);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderBy {
    /// By `skyflow_id`, ascending (the default).
    #[default]
    Ascending,
    /// By `skyflow_id`, descending.
    Descending,
    /// Insertion order.
    None,
}

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

/// One value to tokenize: with `columnGroup`, or with `table` and `column`.
///
/// ```
/// use skyflow_emulator::engine::TokenizeParameter;
/// let p: TokenizeParameter = serde_json::from_str(r#"{"value":"4111","columnGroup":"cards"}"#).unwrap();
/// assert_eq!(p.column_group.as_deref(), Some("cards"));
/// ```
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct TokenizeParameter {
    /// The value (a string on the wire; other JSON scalars are accepted).
    #[serde(default)]
    pub value: Value,
    /// Column group to look the value up in.
    #[serde(rename = "columnGroup", default)]
    pub column_group: Option<String>,
    /// Table (with `column`).
    #[serde(default)]
    pub table: Option<String>,
    /// Column (with `table`).
    #[serde(default)]
    pub column: Option<String>,
}

/// Body of `POST /v1/vaults/{vault}/tokenize`.
///
/// ```
/// use skyflow_emulator::engine::TokenizeRequest;
/// let r: TokenizeRequest = serde_json::from_str(r#"{"tokenizationParameters":[]}"#).unwrap();
/// assert!(r.tokenization_parameters.is_empty());
/// ```
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct TokenizeRequest {
    /// Values to look up.
    #[serde(
        rename = "tokenizationParameters",
        default,
        deserialize_with = "null_default"
    )]
    pub tokenization_parameters: Vec<TokenizeParameter>,
}

/// One token of a tokenize response.
///
/// ```
/// use skyflow_emulator::engine::TokenRecord;
/// let t = TokenRecord { token: "t".into() };
/// assert_eq!(serde_json::to_string(&t).unwrap(), r#"{"token":"t"}"#);
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenRecord {
    /// The existing token.
    pub token: String,
}

/// Response of tokenize: `{"records":[{"token"}]}` in request order.
///
/// ```
/// use skyflow_emulator::engine::TokenizeResponse;
/// assert_eq!(serde_json::to_string(&TokenizeResponse { records: vec![] }).unwrap(), r#"{"records":[]}"#);
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenizeResponse {
    /// One token per parameter.
    pub records: Vec<TokenRecord>,
}

/// One token to detokenize, with its own redaction.
///
/// ```
/// use skyflow_emulator::engine::DetokenizeParameter;
/// let p: DetokenizeParameter = serde_json::from_str(r#"{"token":"t","redaction":"PLAIN_TEXT"}"#).unwrap();
/// assert_eq!(p.token, "t");
/// ```
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct DetokenizeParameter {
    /// The token. A signed data token (`signed_token_<jwt>`) must be verified and unwrapped
    /// by the HTTP layer first (see [`crate::engine::split_signed_token`]).
    #[serde(default, deserialize_with = "null_default")]
    pub token: String,
    /// Redaction (default DEFAULT).
    #[serde(default)]
    pub redaction: Option<Redaction>,
}

/// Body of `POST /v1/vaults/{vault}/detokenize`.
///
/// ```
/// use skyflow_emulator::engine::DetokenizeRequest;
/// let r: DetokenizeRequest = serde_json::from_str(
///     r#"{"detokenizationParameters":[{"token":"t"}],"continueOnError":true}"#).unwrap();
/// assert_eq!(r.continue_on_error, Some(true));
/// ```
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct DetokenizeRequest {
    /// Tokens to resolve.
    #[serde(
        rename = "detokenizationParameters",
        default,
        deserialize_with = "null_default"
    )]
    pub detokenization_parameters: Vec<DetokenizeParameter>,
    /// Return file values as download URLs.
    #[serde(rename = "downloadURL", default)]
    pub download_url: Option<bool>,
    /// Report missing tokens per record instead of failing the call.
    #[serde(rename = "continueOnError", default)]
    pub continue_on_error: Option<bool>,
}

/// The type of a detokenized value.
///
/// ```
/// use skyflow_emulator::engine::ValueType;
/// assert_eq!(serde_json::to_string(&ValueType::Integer).unwrap(), "\"INTEGER\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ValueType {
    /// Text.
    String,
    /// Whole number.
    Integer,
    /// Number.
    Float,
    /// Boolean.
    Bool,
    /// Date and time.
    Datetime,
    /// JSON.
    Json,
    /// Array.
    Array,
    /// Date.
    Date,
    /// Time.
    Time,
}

/// One record of a detokenize response. `value` is always a string on the wire (OpenAPI).
///
/// ```
/// use skyflow_emulator::engine::DetokenizedRecord;
/// let r = DetokenizedRecord { token: "t".into(), value_type: None, value: None, error: Some("Token not found for t".into()) };
/// assert_eq!(serde_json::to_value(&r).unwrap()["error"], "Token not found for t");
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct DetokenizedRecord {
    /// The token as sent.
    pub token: String,
    /// Type of the value.
    #[serde(rename = "valueType", default, skip_serializing_if = "Option::is_none")]
    pub value_type: Option<ValueType>,
    /// The value, redacted as asked, as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The per-token error (continueOnError).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Response of detokenize.
///
/// ```
/// use skyflow_emulator::engine::DetokenizeResponse;
/// assert_eq!(DetokenizeResponse { records: vec![] }.http_status(), 200);
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct DetokenizeResponse {
    /// One record per token, in request order.
    pub records: Vec<DetokenizedRecord>,
}

impl DetokenizeResponse {
    /// 200 when every token resolved, 207 when some carry `error`.
    ///
    /// ```
    /// use skyflow_emulator::engine::{DetokenizeResponse, DetokenizedRecord};
    /// let r = DetokenizeResponse { records: vec![DetokenizedRecord {
    ///     token: "t".into(), value_type: None, value: None, error: Some("e".into()) }] };
    /// assert_eq!(r.http_status(), 207);
    /// ```
    pub fn http_status(&self) -> u16 {
        if self.records.iter().any(|r| r.error.is_some()) {
            207
        } else {
            200
        }
    }
}

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

fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Prints only the keys of a field map.
struct Keys<'a>(&'a FieldMap);
impl fmt::Debug for Keys<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

macro_rules! keys_only_debug {
    ($t:ty, |$s:ident, $d:ident| $body:expr) => {
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let $s = self;
                let mut $d = f.debug_struct(stringify!($t));
                $body;
                $d.finish_non_exhaustive()
            }
        }
    };
}

keys_only_debug!(RecordInput, |s, d| {
    d.field("fields", &Keys(&s.fields));
    d.field("tokens", &s.tokens.as_ref().map(Keys));
});
keys_only_debug!(InsertRequest, |s, d| {
    d.field("records", &s.records);
    d.field("upsert", &s.upsert);
    d.field("byot", &s.byot);
});
keys_only_debug!(InsertedRecord, |s, d| {
    d.field("skyflow_id", &s.skyflow_id);
    d.field("tokens", &s.tokens.as_ref().map(Keys));
});
keys_only_debug!(InsertResponse, |s, d| {
    d.field("records", &s.records);
});
keys_only_debug!(BatchRecord, |s, d| {
    d.field("table_name", &s.table_name);
    d.field("method", &s.method);
    d.field("fields", &s.fields.as_ref().map(Keys));
});
keys_only_debug!(BatchRequest, |s, d| {
    d.field("records", &s.records);
});
keys_only_debug!(BatchItemResponse, |s, d| {
    d.field("status", &s.status);
});
keys_only_debug!(BatchResponse, |s, d| {
    d.field("vault_id", &s.vault_id);
    d.field("responses", &s.responses);
});
keys_only_debug!(GetRecord, |s, d| {
    d.field("fields", &Keys(&s.fields));
});
keys_only_debug!(GetResponse, |s, d| {
    d.field("records", &s.records);
});
keys_only_debug!(UpdateRequest, |s, d| {
    d.field("record", &s.record);
});
keys_only_debug!(UpdateResponse, |s, d| {
    d.field("skyflow_id", &s.skyflow_id);
    d.field("tokens", &s.tokens.as_ref().map(Keys));
});
keys_only_debug!(GetRequest, |s, d| {
    d.field("skyflow_ids", &s.skyflow_ids.len());
    d.field("redaction", &s.redaction);
    d.field("tokenization", &s.tokenization);
    d.field("fields", &s.fields);
    d.field("offset", &s.offset);
    d.field("limit", &s.limit);
    d.field("column_name", &s.column_name);
    d.field("column_values", &s.column_values.len());
    d.field("order_by", &s.order_by);
});
keys_only_debug!(QueryRequest, |s, d| {
    // The SQL text holds literals (values); only its length is shown.
    d.field("query_chars", &s.query.chars().count());
});
keys_only_debug!(QueryRecord, |s, d| {
    d.field("fields", &Keys(&s.fields));
});
keys_only_debug!(QueryResponse, |s, d| {
    d.field("records", &s.records);
});
keys_only_debug!(TokenizeParameter, |s, d| {
    d.field("column_group", &s.column_group);
    d.field("table", &s.table);
    d.field("column", &s.column);
});
keys_only_debug!(TokenizeRequest, |s, d| {
    d.field("tokenization_parameters", &s.tokenization_parameters);
});
keys_only_debug!(TokenRecord, |_s, d| {
    d.field("token", &"<hidden>");
});
keys_only_debug!(TokenizeResponse, |s, d| {
    d.field("records", &s.records.len());
});
keys_only_debug!(DetokenizeParameter, |s, d| {
    d.field("redaction", &s.redaction);
});
keys_only_debug!(DetokenizeRequest, |s, d| {
    d.field("detokenization_parameters", &s.detokenization_parameters);
});
keys_only_debug!(DetokenizedRecord, |s, d| {
    d.field("value_type", &s.value_type);
    d.field("has_error", &s.error.is_some());
});
keys_only_debug!(DetokenizeResponse, |s, d| {
    d.field("records", &s.records);
});
keys_only_debug!(FileUpload, |s, d| {
    d.field("table", &s.table);
    d.field("column", &s.column);
    d.field("bytes", &s.data.len());
});
keys_only_debug!(FileUploadResponse, |s, d| {
    d.field("skyflow_id", &s.skyflow_id);
});
keys_only_debug!(FileDownload, |s, d| {
    d.field("content_type", &s.content_type);
    d.field("bytes", &s.data.len());
});
