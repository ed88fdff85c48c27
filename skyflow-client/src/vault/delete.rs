//! Delete records: `DELETE /v1/vaults/{vault}/{table}` with the ids in the body.

use std::ops::Range;

use serde::Deserialize;
use serde_json::json;

use super::batch::private::{FromFailedBatch, MergeResponse, SplitRequest};
use super::batch::{BatchRequest, BatchResponse};
use super::common::{check_not_blank, check_segment, json_body, vault_path};
use crate::http::{Body, HttpRequest, HttpResponse, Method};
use crate::{Error, Result};

const OP: &str = "DeleteRequest";

/// Deletes records of one table by `skyflow_id`.
///
/// ```
/// use skyflow_client::vault::DeleteRequest;
/// let request = DeleteRequest::new("persons").ids(["id1", "id2"]);
/// assert!(request.validate().is_ok());
/// ```
#[derive(Debug, Clone)]
pub struct DeleteRequest {
    table: String,
    ids: Vec<String>,
}

impl DeleteRequest {
    /// A delete on `table` with no ids yet.
    ///
    /// ```
    /// let request = skyflow_client::vault::DeleteRequest::new("persons");
    /// assert!(request.validate().is_err());
    /// ```
    pub fn new(table: impl Into<String>) -> Self {
        DeleteRequest {
            table: table.into(),
            ids: Vec::new(),
        }
    }

    /// Appends ids to delete.
    ///
    /// ```
    /// let request = skyflow_client::vault::DeleteRequest::new("persons").ids(vec!["id1".to_string()]);
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn ids<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.ids.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Appends one id.
    ///
    /// ```
    /// let request = skyflow_client::vault::DeleteRequest::new("persons").id("id1");
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.ids.push(id.into());
        self
    }

    /// Checks the request as it would be checked before sending.
    ///
    /// ```
    /// let err = skyflow_client::vault::DeleteRequest::new("persons").validate().unwrap_err();
    /// assert_eq!(err.field(), Some("ids"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_segment(OP, "table", &self.table)?;
        if self.ids.is_empty() {
            return Err(Error::validation(OP, "ids", "must contain at least one id"));
        }
        for (i, id) in self.ids.iter().enumerate() {
            check_not_blank(OP, &format!("ids[{i}]"), id)?;
        }
        Ok(())
    }

    pub(crate) fn to_http(&self, vault_id: &str) -> Result<HttpRequest> {
        self.validate()?;
        Ok(HttpRequest {
            operation: OP,
            method: Method::Delete,
            path: vault_path("v1", vault_id, &[&self.table])?,
            query: Vec::new(),
            body: Body::Json(json!({ "skyflow_ids": self.ids })),
            idempotent: true,
            headers: Vec::new(),
        })
    }
}

impl SplitRequest for DeleteRequest {
    fn slice(&self, range: Range<usize>) -> Self {
        DeleteRequest {
            table: self.table.clone(),
            ids: self.ids[range].to_vec(),
        }
    }

    fn validate_all(&self) -> Result<()> {
        self.validate()
    }
}

impl BatchRequest for DeleteRequest {
    type Response = DeleteResponse;

    fn record_count(&self) -> usize {
        self.ids.len()
    }
}

/// The answer to a [`DeleteRequest`]: the ids the vault deleted.
///
/// ```
/// fn show(response: &skyflow_client::vault::DeleteResponse) {
///     println!("deleted {:?}", response.deleted_ids());
/// }
/// # let _ = show;
/// ```
#[derive(Debug, Clone, Default)]
pub struct DeleteResponse {
    deleted_ids: Vec<String>,
}

impl DeleteResponse {
    /// The deleted ids.
    ///
    /// ```
    /// # fn f(r: &skyflow_client::vault::DeleteResponse) { let _ = r.deleted_ids().len(); }
    /// ```
    pub fn deleted_ids(&self) -> &[String] {
        &self.deleted_ids
    }

    /// Takes the deleted ids.
    ///
    /// ```
    /// # fn f(r: skyflow_client::vault::DeleteResponse) { let ids = r.into_deleted_ids(); let _ = ids; }
    /// ```
    pub fn into_deleted_ids(self) -> Vec<String> {
        self.deleted_ids
    }

    pub(crate) fn from_http(resp: HttpResponse) -> Result<Self> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(rename = "RecordIDResponse")]
            ids: Vec<String>,
        }
        let raw: Raw = json_body(OP, &resp)?;
        Ok(DeleteResponse {
            deleted_ids: raw.ids,
        })
    }
}

impl MergeResponse for DeleteResponse {
    fn append_shifted(&mut self, _offset: usize, other: Self) {
        self.deleted_ids.extend(other.deleted_ids);
    }
}

impl BatchResponse for DeleteResponse {}

impl FromFailedBatch<DeleteRequest> for DeleteResponse {
    fn from_failed_batch(_: &DeleteRequest, _: Range<usize>, _: &Error) -> Self {
        // Delete has no continue-on-error: a failed batch always stops the call.
        DeleteResponse::default()
    }
}
