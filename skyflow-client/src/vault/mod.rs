//! The vault API: one request type and one response type per operation.
//!
//! | Operation | Request | Response | Endpoint |
//! |---|---|---|---|
//! | insert | [`InsertRequest`] | [`InsertResponse`] | `POST /v1/vaults/{vault}/{table}`, or `POST /v1/vaults/{vault}` with continue-on-error |
//! | detokenize | [`DetokenizeRequest`] | [`DetokenizeResponse`] | `POST /v1/vaults/{vault}/detokenize` |
//! | tokenize | [`TokenizeRequest`] | [`TokenizeResponse`] | `POST /v1/vaults/{vault}/tokenize` |
//! | get | [`GetRequest`] | [`GetResponse`] | `GET /v1/vaults/{vault}/{table}` |
//! | update | [`UpdateRequest`] | [`UpdateResponse`] | `PUT /v1/vaults/{vault}/{table}/{id}` |
//! | delete | [`DeleteRequest`] | [`DeleteResponse`] | `DELETE /v1/vaults/{vault}/{table}` |
//! | query | [`QueryRequest`] | [`QueryResponse`] | `POST /v1/vaults/{vault}/query` |
//! | file upload | [`FileUploadRequest`] | [`FileUploadResponse`] | `POST /v2/vaults/{vault}/files/upload` |
//! | file scan status | [`FileScanStatusRequest`] | [`FileScanStatusResponse`] | `GET /v1/vaults/{vault}/{table}/{id}/files/{column}/scan-status` |
//! | delete file | [`DeleteFileRequest`] | [`DeleteFileResponse`] | `DELETE /v1/vaults/{vault}/{table}/{id}/files/{column}` |
//!
//! The operations themselves are methods of [`VaultClient`](crate::VaultClient)
//! (`vault.insert(&request).await`, …); per-call options (a request id, batching) go
//! through [`VaultClient::with_options`](crate::VaultClient::with_options) and
//! [`CallOptions`].
//!
//! Requests are fluent builders; `validate()` runs the checks that run before sending,
//! and every validation error names the request and the field (`values[2]`). Values are
//! JSON ([`serde_json::Value`]); the typed layer turns them into domain types.
//!
//! Large requests are split into batches and the answers merged in input order, see
//! [`batch`] and [`BulkConfig`](crate::BulkConfig).
//!
//! Insert and detokenize answer record by record ([`RecordResults`]): with
//! continue-on-error, a record that fails is a [`RecordError`] at its index, and
//! [`RecordResults::into_ordered`] gives one result per record in request order.
//!
//! The `Debug` output of requests and responses never shows record values or tokens, and
//! the vault's error messages lose what the request carried: the tokens of a detokenize,
//! tokenize or get, and the values and tokens of an insert (a record's error loses that
//! record's values and the request's tokens). A value is cut where it stands as a whole
//! word or quoted run (so a short value such as `NY` does not garble the word `ANY`); a
//! value of 12 characters or more is cut wherever it appears.
//!
//! ```
//! use serde_json::json;
//! use skyflow_client::vault::{GetRequest, InsertRequest, RedactionType};
//!
//! let insert = InsertRequest::new("persons")
//!     .values([json!({ "name": "Jane", "email": "jane@example.com" })])
//!     .upsert("email");
//! assert!(insert.validate().is_ok());
//!
//! let get = GetRequest::new("persons")
//!     .ids(["a8f0c2e1", "0b1d4e2f"])
//!     .redaction_type(RedactionType::Masked);
//! assert!(get.validate().is_ok());
//! ```

/// Writes the getters of a record the vault wrote (an inserted record, the answer to an
/// update), a type with fields `skyflow_id: String` and `tokens: Fields`: its id, its
/// tokens, and one column's token.
macro_rules! written_record_getters {
    ($name:ident) => {
        /// The record's `skyflow_id`.
        pub fn skyflow_id(&self) -> &str {
            &self.skyflow_id
        }

        /// Column → token (empty unless tokens were asked for).
        pub fn tokens(&self) -> &$crate::vault::Fields {
            &self.tokens
        }

        /// The token of one column, when it is a string (`None` for a column without a
        /// token, or whose token is not a string).
        ///
        /// ```
        #[doc = concat!("fn name_token(record: &skyflow_client::vault::", stringify!($name), ") -> Option<&str> {")]
        ///     record.token("name")
        /// }
        /// # let _ = name_token;
        /// ```
        pub fn token(&self, column: &str) -> Option<&str> {
            self.tokens.get(column).and_then(::serde_json::Value::as_str)
        }
    };
}

pub mod batch;
pub(crate) mod common;
mod delete;
mod detokenize;
mod file;
mod get;
mod insert;
mod ops;
mod query;
pub(crate) mod results;
mod tokenize;
mod types;
mod update;

#[cfg(test)]
mod wire_tests;

pub use batch::{Batch, BatchFailure, BatchRequest, BatchResponse, FailedBatch};
pub use delete::{DeleteRequest, DeleteResponse};
pub use detokenize::{DetokenizeData, DetokenizeRequest, DetokenizeResponse, DetokenizedValue};
pub use file::{
    DeleteFileRequest, DeleteFileResponse, FileRequest, FileScanStatusRequest,
    FileScanStatusResponse, FileUploadRequest, FileUploadResponse, file_action,
};
pub use get::{GetRequest, GetResponse};
pub use insert::{InsertRequest, InsertResponse, InsertedRecord};
pub use ops::CallOptions;
pub use query::{QueryRecord, QueryRequest, QueryResponse};
pub use results::{RecordError, RecordResults};
pub use tokenize::{TokenizeRequest, TokenizeResponse};
pub use types::{Fields, FileScanStatus, OrderBy, RedactionType, TokenMode, ValueType};
pub use update::{UpdateRequest, UpdateResponse};

use crate::Result;
use crate::http::{HttpRequest, HttpResponse};

/// A vault call whose request is built without I/O: how to send it and how to read its
/// answer. (File upload reads its file and has its own async `to_http`.)
pub(crate) trait Operation {
    /// The parsed answer.
    type Response;
    /// The request type's name, used in errors and logs.
    const NAME: &'static str;
    /// Validates and describes the HTTP call.
    fn to_http(&self, vault_id: &str) -> Result<HttpRequest>;
    /// Reads a 2xx answer.
    fn parse(resp: HttpResponse) -> Result<Self::Response>;
    /// The tokens and values this request carries that a vault message may quote back
    /// (for example "Token not found for <token>"); they are cut out of errors and logs.
    fn secrets(&self) -> Vec<&str> {
        Vec::new()
    }
    /// Cuts secrets out of the messages an answer carries (per-record errors): by
    /// default nothing; operations with per-record errors cut `secrets`, or each record's
    /// own.
    fn answer_without_secrets(
        &self,
        response: Self::Response,
        _secrets: &[&str],
    ) -> Self::Response {
        response
    }
    /// Reads what sending this request gave: the parsed answer or the call's error, with
    /// this request's [`secrets`](Self::secrets) cut out of every message the vault
    /// wrote (the call's error and per-record errors alike).
    fn answer(&self, sent: Result<HttpResponse>) -> Result<Self::Response> {
        let secrets = self.secrets();
        match sent.and_then(Self::parse) {
            Ok(response) => Ok(self.answer_without_secrets(response, &secrets)),
            Err(err) => Err(err.without_secrets(&secrets)),
        }
    }
}

macro_rules! operation {
    ($($request:ty => $response:ty $(, secrets = $secrets:expr $(, per_record = $per_record:expr)?)?);* $(;)?) => {$(
        impl Operation for $request {
            type Response = $response;
            const NAME: &'static str = stringify!($request);
            fn to_http(&self, vault_id: &str) -> Result<HttpRequest> {
                <$request>::to_http(self, vault_id)
            }
            fn parse(resp: HttpResponse) -> Result<Self::Response> {
                <$response>::from_http(resp)
            }
            $(fn secrets(&self) -> Vec<&str> {
                let secrets: fn(&$request) -> Vec<&str> = $secrets;
                secrets(self)
            }
            $(fn answer_without_secrets(&self, response: $response, secrets: &[&str]) -> $response {
                let per_record: fn(&$request, $response, &[&str]) -> $response = $per_record;
                per_record(self, response, secrets)
            })?)?
        }
    )*};
}

operation! {
    // A record's error loses that record's values and every token of the request.
    InsertRequest => InsertResponse, secrets = InsertRequest::secrets,
        per_record = |request, response, _| response.without_secrets(|i| request.record_secrets(i));
    DetokenizeRequest => DetokenizeResponse, secrets = DetokenizeRequest::secrets,
        per_record = |_, response, secrets| response.without_secrets(|_| secrets.to_vec());
    TokenizeRequest => TokenizeResponse, secrets = TokenizeRequest::secrets;
    GetRequest => GetResponse, secrets = GetRequest::secrets;
    UpdateRequest => UpdateResponse;
    DeleteRequest => DeleteResponse;
    QueryRequest => QueryResponse;
    FileScanStatusRequest => FileScanStatusResponse;
    DeleteFileRequest => DeleteFileResponse;
}
