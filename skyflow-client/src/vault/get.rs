//! Get records: `GET /v1/vaults/{vault}/{table}?…`.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde_json::Value;

use super::batch::private::{FromFailedBatch, MergeResponse, SplitRequest};
use super::batch::{BatchRequest, BatchResponse};
use super::common::{check_not_blank, check_segment, records_of, vault_path};
use super::types::{Fields, OrderBy, RedactionType};
use crate::http::{Body, HttpRequest, HttpResponse, Method};
use crate::{Error, Result};

const OP: &str = "GetRequest";

/// Reads records of one table: by `skyflow_id`s, by the values of one unique column, or
/// (with neither) the first records of the table.
///
/// - Ids and a column lookup cannot be combined.
/// - `return_tokens(true)` returns tokens instead of values; it cannot be combined with a
///   redaction type or a column lookup.
/// - `offset` and `limit` page through the table (the vault returns at most 25 records
///   per call).
///
/// ```
/// use skyflow_client::vault::{GetRequest, RedactionType};
///
/// let by_ids = GetRequest::new("persons")
///     .ids(["id1", "id2"])
///     .redaction_type(RedactionType::PlainText)
///     .fields(["name", "email"]);
/// assert!(by_ids.validate().is_ok());
///
/// let by_email = GetRequest::new("persons").column_values("email", ["jane@x.com"]);
/// assert!(by_email.validate().is_ok());
/// ```
#[derive(Clone)]
pub struct GetRequest {
    table: String,
    ids: Option<Vec<String>>,
    column_name: Option<String>,
    column_values: Option<Vec<String>>,
    redaction_type: Option<RedactionType>,
    return_tokens: bool,
    fields: Option<Vec<String>>,
    offset: Option<u64>,
    limit: Option<u64>,
    order_by: Option<OrderBy>,
    download_url: Option<bool>,
}

impl GetRequest {
    /// The tokens or values of this request, for cutting them out of vault messages.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        self.column_values
            .iter()
            .flatten()
            .map(String::as_str)
            .collect()
    }
}

impl GetRequest {
    /// A get on `table` with no filter yet.
    ///
    /// ```
    /// let request = skyflow_client::vault::GetRequest::new("persons");
    /// assert!(request.validate().is_ok());
    /// ```
    pub fn new(table: impl Into<String>) -> Self {
        GetRequest {
            table: table.into(),
            ids: None,
            column_name: None,
            column_values: None,
            redaction_type: None,
            return_tokens: false,
            fields: None,
            offset: None,
            limit: None,
            order_by: None,
            download_url: None,
        }
    }

    /// Appends `skyflow_id`s to read. An empty list is an error, not "everything".
    ///
    /// ```
    /// let request = skyflow_client::vault::GetRequest::new("persons").ids(["id1"]);
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn ids<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.ids
            .get_or_insert_with(Vec::new)
            .extend(ids.into_iter().map(Into::into));
        self
    }

    /// Reads the records whose unique column `column_name` has one of `values` (exact
    /// match). Appends to values given before for the same column.
    ///
    /// ```
    /// let request = skyflow_client::vault::GetRequest::new("persons")
    ///     .column_values("email", ["jane@x.com", "raj@x.com"]);
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn column_values<I, S>(mut self, column_name: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.column_name = Some(column_name.into());
        self.column_values
            .get_or_insert_with(Vec::new)
            .extend(values.into_iter().map(Into::into));
        self
    }

    setters! {
        /// How values are redacted (the vault's default when not set).
        ///
        /// ```
        /// use skyflow_client::vault::{GetRequest, RedactionType};
        /// let request = GetRequest::new("persons").redaction_type(RedactionType::Masked);
        /// # let _ = request;
        /// ```
        fn redaction_type(redaction_type: Some(RedactionType));

        /// Return tokens instead of values (default `false`; always sent).
        ///
        /// ```
        /// let request = skyflow_client::vault::GetRequest::new("persons").ids(["id1"]).return_tokens(true);
        /// # let _ = request;
        /// ```
        fn return_tokens(return_tokens: bool);
    }

    /// Appends columns to return (all columns when not set).
    ///
    /// ```
    /// let request = skyflow_client::vault::GetRequest::new("persons").fields(["name"]);
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fields
            .get_or_insert_with(Vec::new)
            .extend(fields.into_iter().map(Into::into));
        self
    }

    setters! {
        /// Number of records to skip.
        ///
        /// ```
        /// let request = skyflow_client::vault::GetRequest::new("persons").offset(25).limit(25);
        /// # let _ = request;
        /// ```
        fn offset(offset: Some(u64));

        /// Maximum number of records to return (the vault caps it at 25).
        ///
        /// ```
        /// let request = skyflow_client::vault::GetRequest::new("persons").limit(10);
        /// # let _ = request;
        /// ```
        fn limit(limit: Some(u64));

        /// Order of the records.
        ///
        /// ```
        /// use skyflow_client::vault::{GetRequest, OrderBy};
        /// let request = GetRequest::new("persons").order_by(OrderBy::Descending);
        /// # let _ = request;
        /// ```
        fn order_by(order_by: Some(OrderBy));

        /// Return download URLs for file columns.
        ///
        /// ```
        /// let request = skyflow_client::vault::GetRequest::new("documents").download_url(true);
        /// # let _ = request;
        /// ```
        fn download_url(download_url: Some(bool));
    }

    /// The table.
    ///
    /// ```
    /// assert_eq!(skyflow_client::vault::GetRequest::new("cards").table(), "cards");
    /// ```
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Checks the request as it would be checked before sending.
    ///
    /// ```
    /// let err = skyflow_client::vault::GetRequest::new("persons")
    ///     .ids(["id1"])
    ///     .column_values("email", ["a@x.com"])
    ///     .validate()
    ///     .unwrap_err();
    /// assert_eq!(err.field(), Some("column_values"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_segment(OP, "table", &self.table)?;
        if let Some(ids) = &self.ids {
            if ids.is_empty() {
                return Err(Error::validation(
                    OP,
                    "ids",
                    "must not be empty (leave ids out to read the first records of the table)",
                ));
            }
            for (i, id) in ids.iter().enumerate() {
                check_not_blank(OP, &format!("ids[{i}]"), id)?;
            }
        }
        if let Some(column) = &self.column_name {
            check_not_blank(OP, "column_name", column)?;
        }
        if self.column_values.as_ref().is_some_and(Vec::is_empty) {
            return Err(Error::validation(OP, "column_values", "must not be empty"));
        }
        let by_column = self.column_values.is_some();
        if self.ids.is_some() && by_column {
            return Err(Error::validation(
                OP,
                "column_values",
                "cannot be combined with ids: read by ids or by one column's values",
            ));
        }
        if self.return_tokens && self.redaction_type.is_some() {
            return Err(Error::validation(
                OP,
                "redaction_type",
                "cannot be combined with return_tokens",
            ));
        }
        if self.return_tokens && by_column {
            return Err(Error::validation(
                OP,
                "return_tokens",
                "cannot be combined with a column_values lookup",
            ));
        }
        if let Some(fields) = &self.fields {
            if fields.is_empty() {
                return Err(Error::validation(OP, "fields", "must not be empty"));
            }
            for (i, field) in fields.iter().enumerate() {
                check_not_blank(OP, &format!("fields[{i}]"), field)?;
            }
        }
        Ok(())
    }

    pub(crate) fn to_http(&self, vault_id: &str) -> Result<HttpRequest> {
        self.validate()?;
        let mut query: Vec<(Cow<'static, str>, String)> = Vec::new();
        for id in self.ids.iter().flatten() {
            query.push(("skyflow_ids".into(), id.clone()));
        }
        if let Some(redaction) = self.redaction_type {
            query.push(("redaction".into(), redaction.as_str().to_owned()));
        }
        query.push(("tokenization".into(), self.return_tokens.to_string()));
        for field in self.fields.iter().flatten() {
            query.push(("fields".into(), field.clone()));
        }
        if let Some(offset) = self.offset {
            query.push(("offset".into(), offset.to_string()));
        }
        if let Some(limit) = self.limit {
            query.push(("limit".into(), limit.to_string()));
        }
        if let Some(download_url) = self.download_url {
            query.push(("downloadURL".into(), download_url.to_string()));
        }
        if let Some(values) = &self.column_values {
            if let Some(column) = &self.column_name {
                query.push(("column_name".into(), column.clone()));
            }
            for value in values {
                query.push(("column_values".into(), value.clone()));
            }
        }
        if let Some(order) = self.order_by {
            query.push(("order_by".into(), order.as_str().to_owned()));
        }
        Ok(HttpRequest {
            operation: OP,
            method: Method::Get,
            path: vault_path("v1", vault_id, &[&self.table])?,
            query,
            body: Body::Empty,
            idempotent: true,
            headers: Vec::new(),
        })
    }
}

impl fmt::Debug for GetRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Ids are not secret; column values are record data and only counted.
        f.debug_struct("GetRequest")
            .field("table", &self.table)
            .field("ids", &self.ids)
            .field("column_name", &self.column_name)
            .field(
                "column_values",
                &self
                    .column_values
                    .as_ref()
                    .map(|v| format!("[{} values]", v.len())),
            )
            .field("redaction_type", &self.redaction_type)
            .field("return_tokens", &self.return_tokens)
            .field("fields", &self.fields)
            .field("offset", &self.offset)
            .field("limit", &self.limit)
            .field("order_by", &self.order_by)
            .field("download_url", &self.download_url)
            .finish()
    }
}

impl SplitRequest for GetRequest {
    fn slice(&self, range: Range<usize>) -> Self {
        // Built field by field: cloning the whole request per batch would be quadratic.
        GetRequest {
            table: self.table.clone(),
            ids: self.ids.as_ref().map(|ids| ids[range.clone()].to_vec()),
            column_name: self.column_name.clone(),
            column_values: match (&self.ids, &self.column_values) {
                (None, Some(values)) => Some(values[range].to_vec()),
                (_, values) => values.clone(),
            },
            redaction_type: self.redaction_type,
            return_tokens: self.return_tokens,
            fields: self.fields.clone(),
            offset: self.offset,
            limit: self.limit,
            order_by: self.order_by,
            download_url: self.download_url,
        }
    }

    fn splittable(&self) -> bool {
        self.offset.is_none() && self.limit.is_none()
    }

    fn validate_all(&self) -> Result<()> {
        self.validate()
    }
}

impl BatchRequest for GetRequest {
    type Response = GetResponse;

    /// The number of ids, or of column values; 0 for a get without either.
    fn record_count(&self) -> usize {
        match (&self.ids, &self.column_values) {
            (Some(ids), _) => ids.len(),
            (None, Some(values)) => values.len(),
            (None, None) => 0,
        }
    }
}

/// The answer to a [`GetRequest`]: each record as column → value (or token), including
/// `skyflow_id`.
///
/// Its `Debug` prints the count only.
///
/// ```
/// fn show(response: &skyflow_client::vault::GetResponse) {
///     for record in response.records() {
///         println!("{:?} has {} columns", record.get("skyflow_id"), record.len());
///     }
/// }
/// # let _ = show;
/// ```
#[derive(Clone, Default)]
pub struct GetResponse {
    records: Vec<Fields>,
}

impl GetResponse {
    /// The records.
    ///
    /// ```
    /// # fn f(r: &skyflow_client::vault::GetResponse) { let _ = r.records().len(); }
    /// ```
    pub fn records(&self) -> &[Fields] {
        &self.records
    }

    /// Takes the records.
    ///
    /// ```
    /// # fn f(r: skyflow_client::vault::GetResponse) { let records = r.into_records(); let _ = records; }
    /// ```
    pub fn into_records(self) -> Vec<Fields> {
        self.records
    }

    /// Sorts the records by `skyflow_id` (records without one keep their place at the end),
    /// after merging the batches of a split get with an order.
    pub(crate) fn sort_by_skyflow_id(&mut self, descending: bool) {
        let key = |r: &Fields| {
            r.get("skyflow_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        self.records.sort_by(|a, b| match (key(a), key(b)) {
            (Some(a), Some(b)) if descending => b.cmp(&a),
            (Some(a), Some(b)) => a.cmp(&b),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
    }

    /// The sort order a split get must restore after merging, if any.
    pub(crate) fn order_of(request: &GetRequest) -> Option<OrderBy> {
        request.order_by.filter(|o| *o != OrderBy::None)
    }

    pub(crate) fn from_http(resp: HttpResponse) -> Result<Self> {
        #[derive(Deserialize)]
        struct RawRecord {
            fields: Fields,
        }
        let records: Vec<RawRecord> = records_of(OP, &resp)?;
        Ok(GetResponse {
            records: records.into_iter().map(|r| r.fields).collect(),
        })
    }
}

impl fmt::Debug for GetResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetResponse")
            .field("records", &self.records.len())
            .finish()
    }
}

impl MergeResponse for GetResponse {
    fn append_shifted(&mut self, _offset: usize, other: Self) {
        self.records.extend(other.records);
    }
}

impl BatchResponse for GetResponse {}

impl FromFailedBatch<GetRequest> for GetResponse {
    fn from_failed_batch(_: &GetRequest, _: Range<usize>, _: &Error) -> Self {
        // Get has no continue-on-error: a failed batch always stops the call.
        GetResponse::default()
    }
}
