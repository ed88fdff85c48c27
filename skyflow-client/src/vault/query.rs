//! SQL query: `POST /v1/vaults/{vault}/query`.

use std::fmt;

use serde::Deserialize;
use serde_json::json;

use super::common::{object_or_empty, records_of, vault_path};
use super::types::Fields;
use crate::http::{Body, HttpRequest, HttpResponse, Method};
use crate::{Error, Result};

const OP: &str = "QueryRequest";

/// Runs a read-only SQL `SELECT` on the vault. The vault returns at most 25 records per
/// call (page with `OFFSET`), redacted as each column's default says, never tokens.
///
/// Leading whitespace and SQL comments before `SELECT` are accepted; the keyword is
/// matched case-insensitively.
///
/// ```
/// use skyflow_client::vault::QueryRequest;
/// let request = QueryRequest::new("  select name from persons where skyflow_id = 'id1'");
/// assert!(request.validate().is_ok());
/// assert!(QueryRequest::new("DELETE FROM persons").validate().is_err());
/// ```
#[derive(Clone)]
pub struct QueryRequest {
    query: String,
}

impl QueryRequest {
    /// A query.
    ///
    /// ```
    /// let request = skyflow_client::vault::QueryRequest::new("SELECT * FROM persons");
    /// # let _ = request;
    /// ```
    pub fn new(query: impl Into<String>) -> Self {
        QueryRequest {
            query: query.into(),
        }
    }

    /// Checks the request as it would be checked before sending.
    ///
    /// ```
    /// let err = skyflow_client::vault::QueryRequest::new("  ").validate().unwrap_err();
    /// assert_eq!(err.field(), Some("query"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.query.trim().is_empty() {
            return Err(Error::validation(OP, "query", "must not be blank"));
        }
        if !starts_with_select(&self.query) {
            return Err(Error::validation(
                OP,
                "query",
                "must be a SELECT statement (the vault runs read-only queries only)",
            ));
        }
        Ok(())
    }

    pub(crate) fn to_http(&self, vault_id: &str) -> Result<HttpRequest> {
        self.validate()?;
        Ok(HttpRequest {
            operation: OP,
            method: Method::Post,
            path: vault_path("v1", vault_id, &["query"])?,
            query: Vec::new(),
            body: Body::Json(json!({ "query": self.query })),
            idempotent: true,
            headers: Vec::new(),
        })
    }
}

/// `true` when the first keyword, after whitespace and `--` / `/* */` comments, is
/// `SELECT`.
fn starts_with_select(sql: &str) -> bool {
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, tail)| tail);
        } else if let Some(after) = rest.strip_prefix("/*") {
            match after.split_once("*/") {
                Some((_, tail)) => rest = tail,
                None => return false,
            }
        } else {
            break;
        }
    }
    let Some(head) = rest.get(..6) else {
        return false;
    };
    head.eq_ignore_ascii_case("select")
        && rest[6..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
}

impl fmt::Debug for QueryRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The SQL can hold record values in its WHERE clause.
        f.debug_struct("QueryRequest")
            .field(
                "query",
                &format_args!("[{} chars]", self.query.chars().count()),
            )
            .finish()
    }
}

/// The answer to a [`QueryRequest`].
///
/// Its `Debug` prints the count only.
///
/// ```
/// fn show(response: &skyflow_client::vault::QueryResponse) {
///     for record in response.records() {
///         println!("{} columns", record.fields().len());
///     }
/// }
/// # let _ = show;
/// ```
#[derive(Clone, Default)]
pub struct QueryResponse {
    records: Vec<QueryRecord>,
}

impl QueryResponse {
    /// The records.
    ///
    /// ```
    /// # fn f(r: &skyflow_client::vault::QueryResponse) { let _ = r.records().len(); }
    /// ```
    pub fn records(&self) -> &[QueryRecord] {
        &self.records
    }

    /// Takes the records.
    ///
    /// ```
    /// # fn f(r: skyflow_client::vault::QueryResponse) { let records = r.into_records(); let _ = records; }
    /// ```
    pub fn into_records(self) -> Vec<QueryRecord> {
        self.records
    }

    pub(crate) fn from_http(resp: HttpResponse) -> Result<Self> {
        #[derive(Deserialize)]
        struct RawRecord {
            fields: Fields,
            #[serde(default, deserialize_with = "object_or_empty")]
            tokens: Fields,
        }
        let records: Vec<RawRecord> = records_of(OP, &resp)?;
        Ok(QueryResponse {
            records: records
                .into_iter()
                .map(|r| QueryRecord {
                    fields: r.fields,
                    tokenized_data: r.tokens,
                })
                .collect(),
        })
    }
}

impl fmt::Debug for QueryResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueryResponse")
            .field("records", &self.records.len())
            .finish()
    }
}

/// One row of a query result.
///
/// Its `Debug` prints the column names only.
///
/// ```
/// # fn f(record: &skyflow_client::vault::QueryRecord) {
/// let name = record.fields().get("name");
/// assert!(record.tokenized_data().is_empty());
/// # let _ = name; }
/// ```
#[derive(Clone, Default)]
pub struct QueryRecord {
    fields: Fields,
    tokenized_data: Fields,
}

impl QueryRecord {
    /// Column → value.
    ///
    /// ```
    /// # fn f(r: &skyflow_client::vault::QueryRecord) { let _ = r.fields().len(); }
    /// ```
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// Column → token. Always empty today (the vault's query returns no tokens); kept
    /// as the other Skyflow SDKs expose it.
    ///
    /// ```
    /// # fn f(r: &skyflow_client::vault::QueryRecord) { let _ = r.tokenized_data().len(); }
    /// ```
    pub fn tokenized_data(&self) -> &Fields {
        &self.tokenized_data
    }

    /// Takes the fields.
    ///
    /// ```
    /// # fn f(r: skyflow_client::vault::QueryRecord) { let fields = r.into_fields(); let _ = fields; }
    /// ```
    pub fn into_fields(self) -> Fields {
        self.fields
    }
}

impl fmt::Debug for QueryRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueryRecord")
            .field("columns", &self.fields.keys().collect::<Vec<_>>())
            .field("tokenized_data", &self.tokenized_data.len())
            .finish()
    }
}
