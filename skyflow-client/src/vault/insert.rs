//! Insert records: `POST /v1/vaults/{vault}/{table}`, or the batch endpoint
//! `POST /v1/vaults/{vault}` with continue-on-error.

use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde_json::{Value, json};

use super::batch::BatchRequest;
use super::batch::private::SplitRequest;
use super::common::{
    check_not_blank, check_record, check_segment, check_tokens, decode_error, error_message,
    json_body, object_or_empty, vault_path,
};
use super::results::private::Indexed;
use super::results::{RecordError, RecordResults};
use super::types::{Fields, TokenMode};
use crate::http::{Body, HttpRequest, HttpResponse, Method};
use crate::{Error, Result};

const OP: &str = "InsertRequest";

/// Inserts records into one table.
///
/// Values are JSON objects of column → value (build them with `serde_json::json!` or pass
/// a [`Fields`] map). Tokens are returned by default.
///
/// - `continue_on_error(true)` sends the records through the batch endpoint: each record
///   succeeds or fails on its own and failures come back as [`RecordError`]s with the
///   record's index. Otherwise one bad record fails the whole call.
/// - `upsert(column)` updates the record whose unique `column` matches instead of
///   inserting a duplicate.
/// - `tokens(..)` with [`TokenMode::Enable`] or [`TokenMode::EnableStrict`] inserts your
///   own tokens; `tokens[i]` belongs to `values[i]`.
///
/// ```
/// use serde_json::json;
/// use skyflow_client::vault::InsertRequest;
///
/// let request = InsertRequest::new("persons")
///     .values([
///         json!({ "name": "Jane", "ssn": "123-45-6789" }),
///         json!({ "name": "Raj", "ssn": "987-65-4321" }),
///     ])
///     .continue_on_error(true);
/// assert!(request.validate().is_ok());
/// ```
#[derive(Clone)]
pub struct InsertRequest {
    table: String,
    values: Vec<Value>,
    tokens: Option<Vec<Value>>,
    return_tokens: bool,
    continue_on_error: bool,
    upsert: Option<String>,
    homogeneous: bool,
    token_mode: TokenMode,
}

impl InsertRequest {
    /// An insert into `table` with no values yet, returning tokens.
    ///
    /// ```
    /// let request = skyflow_client::vault::InsertRequest::new("persons");
    /// assert_eq!(request.table(), "persons");
    /// ```
    pub fn new(table: impl Into<String>) -> Self {
        InsertRequest {
            table: table.into(),
            values: Vec::new(),
            tokens: None,
            return_tokens: true,
            continue_on_error: false,
            upsert: None,
            homogeneous: false,
            token_mode: TokenMode::Disable,
        }
    }

    /// Appends records; each must be a JSON object of column → value.
    ///
    /// ```
    /// use serde_json::json;
    /// use skyflow_client::vault::{BatchRequest, InsertRequest};
    /// let request = InsertRequest::new("persons").values([json!({ "name": "Jane" })]);
    /// assert_eq!(request.record_count(), 1);
    /// ```
    #[must_use]
    pub fn values<I, V>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        self.values.extend(values.into_iter().map(Into::into));
        self
    }

    /// Appends one record.
    ///
    /// ```
    /// use serde_json::json;
    /// use skyflow_client::vault::{BatchRequest, InsertRequest};
    /// let request = InsertRequest::new("persons")
    ///     .value(json!({ "name": "Jane" }))
    ///     .value(json!({ "name": "Raj" }));
    /// assert_eq!(request.record_count(), 2);
    /// ```
    #[must_use]
    pub fn value(mut self, record: impl Into<Value>) -> Self {
        self.values.push(record.into());
        self
    }

    /// Appends token maps (column → token) for bring-your-own-token inserts; `tokens[i]`
    /// belongs to `values[i]`. Use `Value::Null` for a record without tokens; a shorter
    /// list leaves the remaining records without tokens.
    ///
    /// ```
    /// use serde_json::json;
    /// use skyflow_client::vault::{InsertRequest, TokenMode};
    /// let request = InsertRequest::new("persons")
    ///     .values([json!({ "name": "Jane" })])
    ///     .tokens([json!({ "name": "tok-name-1" })])
    ///     .token_mode(TokenMode::Enable);
    /// assert!(request.validate().is_ok());
    /// ```
    #[must_use]
    pub fn tokens<I, V>(mut self, tokens: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        self.tokens
            .get_or_insert_with(Vec::new)
            .extend(tokens.into_iter().map(Into::into));
        self
    }

    setters! {
        /// Whether the response carries the new records' tokens (default `true`).
        ///
        /// ```
        /// let request = skyflow_client::vault::InsertRequest::new("persons").return_tokens(false);
        /// # let _ = request;
        /// ```
        fn return_tokens(return_tokens: bool);

        /// Insert record by record and report per-record errors instead of failing the call
        /// (default `false`).
        ///
        /// ```
        /// let request = skyflow_client::vault::InsertRequest::new("persons").continue_on_error(true);
        /// # let _ = request;
        /// ```
        fn continue_on_error(continue_on_error: bool);
    }

    /// Upsert on this unique column: a record with the same value is updated instead.
    ///
    /// ```
    /// let request = skyflow_client::vault::InsertRequest::new("persons").upsert("email");
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn upsert(mut self, column: impl Into<String>) -> Self {
        self.upsert = Some(column.into());
        self
    }

    setters! {
        /// Declares that every record has the same columns (default `false`); not allowed
        /// with upsert or continue-on-error.
        ///
        /// ```
        /// let request = skyflow_client::vault::InsertRequest::new("persons").homogeneous(true);
        /// # let _ = request;
        /// ```
        fn homogeneous(homogeneous: bool);

        /// Bring-your-own-token mode (default [`TokenMode::Disable`]).
        ///
        /// ```
        /// use skyflow_client::vault::{InsertRequest, TokenMode};
        /// let request = InsertRequest::new("persons").token_mode(TokenMode::EnableStrict);
        /// # let _ = request;
        /// ```
        fn token_mode(token_mode: TokenMode);
    }

    /// The table.
    ///
    /// ```
    /// assert_eq!(skyflow_client::vault::InsertRequest::new("cards").table(), "cards");
    /// ```
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Checks the request as it would be checked before sending.
    ///
    /// ```
    /// use skyflow_client::vault::InsertRequest;
    /// let err = InsertRequest::new("persons").validate().unwrap_err();
    /// assert_eq!(err.field(), Some("values"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_segment(OP, "table", &self.table)?;
        if self.values.is_empty() {
            return Err(Error::validation(
                OP,
                "values",
                "must contain at least one record",
            ));
        }
        let mut records = Vec::with_capacity(self.values.len());
        for (i, value) in self.values.iter().enumerate() {
            records.push(check_record(OP, &format!("values[{i}]"), value)?);
        }
        if let Some(column) = &self.upsert {
            check_not_blank(OP, "upsert", column)?;
        }
        if self.homogeneous && self.upsert.is_some() {
            return Err(Error::validation(
                OP,
                "homogeneous",
                "cannot be combined with upsert",
            ));
        }
        if self.homogeneous && self.continue_on_error {
            return Err(Error::validation(
                OP,
                "homogeneous",
                "cannot be combined with continue_on_error (the batch endpoint has no homogeneous flag)",
            ));
        }
        let tokens = self.tokens.as_deref().unwrap_or_default();
        let has_tokens = any_token(tokens);
        match self.token_mode {
            TokenMode::Disable => {
                if has_tokens {
                    return Err(Error::validation(
                        OP,
                        "tokens",
                        "tokens need token_mode ENABLE or ENABLE_STRICT",
                    ));
                }
            }
            mode @ (TokenMode::Enable | TokenMode::EnableStrict) => {
                let strict = mode == TokenMode::EnableStrict;
                if !has_tokens {
                    return Err(Error::validation(
                        OP,
                        "tokens",
                        format!("token_mode {mode} needs at least one token"),
                    ));
                }
                if tokens.len() > self.values.len() {
                    return Err(Error::validation(
                        OP,
                        "tokens",
                        format!(
                            "has {} token maps for {} records",
                            tokens.len(),
                            self.values.len()
                        ),
                    ));
                }
                if strict && tokens.len() != self.values.len() {
                    return Err(Error::validation(
                        OP,
                        "tokens",
                        format!(
                            "token_mode ENABLE_STRICT needs one token map per record ({} for {} records)",
                            tokens.len(),
                            self.values.len()
                        ),
                    ));
                }
                for (i, token) in tokens.iter().enumerate() {
                    let field = format!("tokens[{i}]");
                    match token {
                        Value::Null if !strict => {}
                        Value::Object(map) => check_tokens(OP, &field, map, records[i], strict)?,
                        other => {
                            return Err(Error::validation(
                                OP,
                                field,
                                format!(
                                    "must be a JSON object of column to token, not {}",
                                    super::common::kind_of(other)
                                ),
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Every string this request carries (values and tokens, however deeply nested), for
    /// cutting them out of a whole call's error.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        strings_in(self.values.iter().chain(self.tokens.iter().flatten()))
    }

    /// What the error of record `index` may not quote: that record's string values and
    /// every token of the request.
    pub(crate) fn record_secrets(&self, index: usize) -> Vec<&str> {
        strings_in(
            self.values
                .get(index)
                .into_iter()
                .chain(self.tokens.iter().flatten()),
        )
    }

    /// The HTTP call for this request, validated first.
    pub(crate) fn to_http(&self, vault_id: &str) -> Result<HttpRequest> {
        self.validate()?;
        // Token maps that are all null or empty are the same as no tokens.
        let tokens = self.tokens.as_deref().filter(|t| any_token(t));
        let token_of = |i: usize| -> Value {
            tokens
                .and_then(|t| t.get(i))
                .cloned()
                .unwrap_or(Value::Null)
        };
        let upsert = self.upsert.as_deref().map_or(Value::Null, Value::from);
        let (path, body) = if self.continue_on_error {
            let records: Vec<Value> = self
                .values
                .iter()
                .enumerate()
                .map(|(i, fields)| {
                    json!({
                        "fields": fields,
                        "tableName": self.table,
                        "method": "POST",
                        "tokenization": self.return_tokens,
                        "upsert": upsert,
                        "tokens": token_of(i),
                    })
                })
                .collect();
            let body = json!({
                "records": records,
                "continueOnError": true,
                "byot": self.token_mode.as_str(),
            });
            (vault_path("v1", vault_id, &[])?, body)
        } else {
            let records: Vec<Value> = self
                .values
                .iter()
                .enumerate()
                .map(|(i, fields)| match tokens {
                    Some(_) => json!({ "fields": fields, "tokens": token_of(i) }),
                    None => json!({ "fields": fields }),
                })
                .collect();
            let body = json!({
                "records": records,
                "tokenization": self.return_tokens,
                "upsert": upsert,
                "homogeneous": self.homogeneous,
                "byot": self.token_mode.as_str(),
            });
            (vault_path("v1", vault_id, &[&self.table])?, body)
        };
        Ok(HttpRequest {
            operation: OP,
            method: Method::Post,
            path,
            query: Vec::new(),
            body: Body::Json(body),
            idempotent: self.upsert.is_some(),
            headers: Vec::new(),
        })
    }
}

/// `true` when at least one entry is something other than `null` or `{}`.
/// Every string inside `values`, however deeply nested.
fn strings_in<'v>(values: impl IntoIterator<Item = &'v Value>) -> Vec<&'v str> {
    fn push<'v>(value: &'v Value, out: &mut Vec<&'v str>) {
        match value {
            Value::String(s) => out.push(s),
            Value::Array(items) => items.iter().for_each(|v| push(v, out)),
            Value::Object(map) => map.values().for_each(|v| push(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    values.into_iter().for_each(|v| push(v, &mut out));
    out
}

fn any_token(tokens: &[Value]) -> bool {
    tokens
        .iter()
        .any(|t| !t.is_null() && t.as_object().is_none_or(|m| !m.is_empty()))
}

impl fmt::Debug for InsertRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values and tokens are record data: only counts are printed.
        f.debug_struct("InsertRequest")
            .field("table", &self.table)
            .field("values", &format_args!("[{} records]", self.values.len()))
            .field(
                "tokens",
                &format_args!("[{} token maps]", self.tokens.as_ref().map_or(0, Vec::len)),
            )
            .field("return_tokens", &self.return_tokens)
            .field("continue_on_error", &self.continue_on_error)
            .field("upsert", &self.upsert)
            .field("homogeneous", &self.homogeneous)
            .field("token_mode", &self.token_mode)
            .finish()
    }
}

impl SplitRequest for InsertRequest {
    fn slice(&self, range: Range<usize>) -> Self {
        // Built field by field: cloning the whole request per batch would be quadratic.
        let mut part = InsertRequest {
            table: self.table.clone(),
            values: self.values[range.clone()].to_vec(),
            tokens: self.tokens.as_ref().map(|tokens| {
                range
                    .clone()
                    .map(|i| tokens.get(i).cloned().unwrap_or(Value::Null))
                    .collect()
            }),
            return_tokens: self.return_tokens,
            continue_on_error: self.continue_on_error,
            upsert: self.upsert.clone(),
            homogeneous: self.homogeneous,
            token_mode: self.token_mode,
        };
        if self.token_mode == TokenMode::Enable && !part.tokens.as_deref().is_some_and(any_token) {
            // This batch brings no tokens of its own: the vault generates them, exactly as
            // it would have for these records in the whole request.
            part.tokens = None;
            part.token_mode = TokenMode::Disable;
        }
        part
    }

    fn validate_all(&self) -> Result<()> {
        self.validate()
    }

    fn continues_on_error(&self) -> bool {
        self.continue_on_error
    }
}

impl BatchRequest for InsertRequest {
    type Response = InsertResponse;

    fn record_count(&self) -> usize {
        self.values.len()
    }
}

/// The answer to an [`InsertRequest`]: a [`RecordResults`] of [`InsertedRecord`]s
/// (each with its `skyflow_id` and, unless turned off, its tokens) and, with
/// continue-on-error, [`RecordError`]s at the indices of the values that failed.
///
/// ```
/// fn report(response: skyflow_client::vault::InsertResponse) -> skyflow_client::Result<()> {
///     for result in response.into_ordered()? {
///         match result {
///             Ok(record) => println!("values[{}] -> {}", record.request_index(), record.skyflow_id()),
///             Err(error) => println!("{error} (http {:?})", error.http_code()),
///         }
///     }
///     Ok(())
/// }
/// # let _ = report;
/// ```
pub type InsertResponse = RecordResults<InsertedRecord>;

impl InsertResponse {
    /// The records that were inserted (or upserted), in request order: the
    /// [`succeeded`](RecordResults::succeeded) records.
    ///
    /// ```
    /// # fn f(r: &skyflow_client::vault::InsertResponse) {
    /// let ids: Vec<&str> = r.inserted().iter().map(|rec| rec.skyflow_id()).collect();
    /// # let _ = ids; }
    /// ```
    pub fn inserted(&self) -> &[InsertedRecord] {
        &self.succeeded
    }

    /// Reads the answer of either insert endpoint.
    pub(crate) fn from_http(resp: HttpResponse) -> Result<Self> {
        #[derive(Deserialize)]
        struct Raw {
            records: Option<Vec<RawRecord>>,
            responses: Option<Vec<RawEntry>>,
        }
        #[derive(Deserialize)]
        struct RawEntry {
            #[serde(rename = "Status")]
            status: u16,
            #[serde(rename = "Body", default)]
            body: Value,
        }
        #[derive(Deserialize)]
        struct RawBody {
            records: Vec<RawRecord>,
        }

        let raw: Raw = json_body(OP, &resp)?;
        let mut response = InsertResponse::default();
        match (raw.records, raw.responses) {
            (_, Some(entries)) => {
                for (index, entry) in entries.into_iter().enumerate() {
                    if (200..300).contains(&entry.status) {
                        let body: RawBody = serde_json::from_value(entry.body).map_err(|_| {
                            decode_error(
                                OP,
                                &resp,
                                format!("responses[{index}].Body has no readable records"),
                            )
                        })?;
                        response
                            .succeeded
                            .extend(body.records.into_iter().map(|r| r.into_record(index)));
                    } else {
                        response.errors.push(RecordError::new::<InsertedRecord>(
                            index,
                            error_message(&entry.body)
                                .unwrap_or_else(|| "the vault gave no error message".to_owned()),
                            Some(entry.status),
                            resp.request_id.clone(),
                        ));
                    }
                }
            }
            (Some(records), None) => {
                response.succeeded = records
                    .into_iter()
                    .enumerate()
                    .map(|(index, r)| r.into_record(index))
                    .collect();
            }
            (None, None) => {
                return Err(decode_error(
                    OP,
                    &resp,
                    "the response body has neither `records` nor `responses`",
                ));
            }
        }
        Ok(response)
    }
}

#[derive(Deserialize)]
struct RawRecord {
    skyflow_id: String,
    #[serde(default, deserialize_with = "object_or_empty")]
    tokens: Fields,
}

impl RawRecord {
    fn into_record(self, request_index: usize) -> InsertedRecord {
        InsertedRecord {
            request_index,
            skyflow_id: self.skyflow_id,
            tokens: self.tokens,
        }
    }
}

/// One inserted record: its index in the request, its `skyflow_id` and its tokens.
///
/// Its `Debug` prints the token column names, not the tokens.
///
/// ```
/// # fn f(record: &skyflow_client::vault::InsertedRecord) {
/// if let Some(token) = record.token("ssn") {
///     println!("values[{}].ssn is now {token}", record.request_index());
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct InsertedRecord {
    request_index: usize,
    skyflow_id: String,
    tokens: Fields,
}

impl InsertedRecord {
    /// Index of the record in the request's values.
    ///
    /// ```
    /// # fn f(r: &skyflow_client::vault::InsertedRecord) { let _ = r.request_index(); }
    /// ```
    pub fn request_index(&self) -> usize {
        self.request_index
    }

    written_record_getters!(InsertedRecord);
}

impl fmt::Debug for InsertedRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InsertedRecord")
            .field("request_index", &self.request_index)
            .field("skyflow_id", &self.skyflow_id)
            .field("token_columns", &self.tokens.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Indexed for InsertedRecord {
    const OPERATION: &'static str = OP;
    const LIST: &'static str = "values";

    fn index(&self) -> usize {
        self.request_index
    }

    fn index_mut(&mut self) -> &mut usize {
        &mut self.request_index
    }
}
