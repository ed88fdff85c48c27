//! The vault operations, as methods of [`VaultClient`], and the per-call [`CallOptions`].
//!
//! Every operation validates its request before anything is sent, logs its stages
//! ("validating request", "request resolved", "method triggered", "success", or the
//! failure) without values, and returns the typed response or the one [`Error`] type.
//!
//! Insert, detokenize, tokenize, get (by ids or column values) and delete are split into
//! batches as the handle's [`BulkConfig`] says; see [`super::batch`] for how the answers
//! are merged and how a failed batch is reported.

use std::fmt;
use std::sync::{Mutex, PoisonError};

use reqwest::header::HeaderValue;

use super::batch::{Batch, BatchRequest, run_batches};
use super::{
    DeleteFileRequest, DeleteFileResponse, DeleteRequest, DeleteResponse, DetokenizeRequest,
    DetokenizeResponse, FileScanStatusRequest, FileScanStatusResponse, FileUploadRequest,
    FileUploadResponse, GetRequest, GetResponse, InsertRequest, InsertResponse, Operation, OrderBy,
    QueryRequest, QueryResponse, TokenizeRequest, TokenizeResponse, UpdateRequest, UpdateResponse,
};
use crate::client::VaultClient;
use crate::config::BulkConfig;
use crate::http::HttpRequest;
use crate::{Error, Result};

const REQUEST_ID: &str = "x-request-id";

/// Options for the calls made through one handle, set with
/// [`VaultClient::with_options`].
///
/// - [`request_id`](Self::request_id): the `x-request-id` header sent with the call, so
///   the vault's logs and the errors you get carry your id. A call split into several
///   batches sends `{id}-{batch}` with each batch (`import-42-0`, `import-42-1`, …, in
///   input order); a call sent in one piece sends the id unchanged. Without it, the
///   client-wide `x-request-id` header (if any) is sent, and the vault assigns one.
/// - [`bulk`](Self::bulk): batching for these calls, replacing the vault's and the
///   client's [`BulkConfig`].
///
/// ```
/// use skyflow_client::BulkConfig;
/// use skyflow_client::vault::CallOptions;
///
/// let options = CallOptions::new()
///     .request_id("import-42")
///     .bulk(BulkConfig::standard().with_batch_size(500));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    request_id: Option<String>,
    bulk: Option<BulkConfig>,
}

impl CallOptions {
    /// No options: the handle's defaults.
    ///
    /// ```
    /// let options = skyflow_client::vault::CallOptions::new();
    /// # let _ = options;
    /// ```
    pub fn new() -> Self {
        CallOptions::default()
    }

    /// Sends `id` as `x-request-id` (with `-{batch}` appended when the call is split).
    /// It must be a non-blank, visible-ASCII header value; anything else fails the call
    /// with a validation error on `request_id` before anything is sent.
    ///
    /// ```
    /// let options = skyflow_client::vault::CallOptions::new().request_id("nightly-sync-7");
    /// # let _ = options;
    /// ```
    #[must_use]
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// Batching for these calls.
    ///
    /// ```
    /// use skyflow_client::{BulkConfig, vault::CallOptions};
    /// let options = CallOptions::new().bulk(BulkConfig::unbatched());
    /// # let _ = options;
    /// ```
    #[must_use]
    pub fn bulk(mut self, bulk: BulkConfig) -> Self {
        self.bulk = Some(bulk);
        self
    }

    pub(crate) fn bulk_config(&self) -> Option<BulkConfig> {
        self.bulk
    }
}

/// Checks a caller's request id before anything is sent.
fn check_request_id(op: &'static str, id: Option<&str>) -> Result<()> {
    let Some(id) = id else { return Ok(()) };
    let visible = id.bytes().all(|b| (0x21..0x7f).contains(&b));
    if id.is_empty() || !visible || HeaderValue::from_str(id).is_err() {
        return Err(Error::validation(
            op,
            "request_id",
            "must be a non-blank header value of visible ASCII characters without spaces",
        ));
    }
    Ok(())
}

/// Number of batches `request` is split into with `batch_size` (as `BatchRequest::split`).
fn batch_count<Q: BatchRequest>(request: &Q, batch_size: usize) -> usize {
    let total = request.record_count();
    if batch_size == 0 || total <= batch_size || !request.splittable() {
        1
    } else {
        total.div_ceil(batch_size)
    }
}

impl VaultClient {
    /// Inserts records.
    ///
    /// Requests with more values than the insert batch size ([`BulkConfig`], default 100)
    /// are split into batches sent a few at a time (default 4); the response lists every
    /// record in input order, with [`request_index`](super::InsertedRecord::request_index)
    /// its position in the request's values.
    ///
    /// - With continue-on-error, records (and whole batches) fail on their own: each failure
    ///   is a [`RecordError`](super::RecordError) at the record's index and the call
    ///   succeeds.
    /// - Without it, the first failing batch stops the call: no further batch is started,
    ///   and the error's message names the records written (succeeded batches), failed and
    ///   never sent. [`BatchFailure::from_error`](super::BatchFailure::from_error) gives the
    ///   written records and their `skyflow_id`s back. An insert sent in one piece fails
    ///   as a whole.
    ///
    /// ```no_run
    /// use serde_json::json;
    /// use skyflow_client::vault::InsertRequest;
    /// # async fn run(vault: skyflow_client::VaultClient) -> skyflow_client::Result<()> {
    /// let request = InsertRequest::new("persons")
    ///     .values([json!({ "name": "Jane", "ssn": "123-45-6789" })])
    ///     .continue_on_error(true);
    /// let response = vault.insert(&request).await?;
    /// for record in response.inserted() {
    ///     println!("values[{}] -> {}", record.request_index(), record.skyflow_id());
    /// }
    /// for error in response.errors() {
    ///     eprintln!("{error}"); // values[2]: <the vault's message>
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn insert(&self, request: &InsertRequest) -> Result<InsertResponse> {
        let size = self.bulk().insert_batch_size();
        self.split(request, size, None).await
    }

    /// Detokenizes tokens, each with its own redaction, optionally as download URLs for
    /// file tokens.
    ///
    /// Split into batches of the detokenize batch size (default 100); the values and
    /// errors come back in input order with their original
    /// [`index`](super::DetokenizedValue::index). Without continue-on-error, a token that
    /// is not found fails its batch and stops the call.
    ///
    /// ```no_run
    /// use skyflow_client::vault::{DetokenizeRequest, RedactionType};
    /// # async fn run(vault: skyflow_client::VaultClient) -> skyflow_client::Result<()> {
    /// let request = DetokenizeRequest::new()
    ///     .token("4f2a-1c9e")
    ///     .token_with_redaction("9b1d-77aa", RedactionType::Masked)
    ///     .continue_on_error(true);
    /// let response = vault.detokenize(&request).await?;
    /// for value in response.detokenized() {
    ///     println!("token {} -> {}", value.index(), value.value());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn detokenize(&self, request: &DetokenizeRequest) -> Result<DetokenizeResponse> {
        let size = self.bulk().detokenize_batch_size();
        self.split(request, size, None).await
    }

    /// Tokenizes values with their column groups, without storing anything.
    ///
    /// Split into batches of the tokenize batch size (default 100); the tokens come back in
    /// input order.
    ///
    /// ```no_run
    /// use skyflow_client::vault::TokenizeRequest;
    /// # async fn run(vault: skyflow_client::VaultClient) -> skyflow_client::Result<()> {
    /// let request = TokenizeRequest::new().value("4111111111111111", "card_number_cg");
    /// let response = vault.tokenize(&request).await?;
    /// println!("{}", response.tokens()[0]);
    /// # Ok(()) }
    /// ```
    pub async fn tokenize(&self, request: &TokenizeRequest) -> Result<TokenizeResponse> {
        let size = self.bulk().tokenize_batch_size();
        self.split(request, size, None).await
    }

    /// Reads records: by `skyflow_id`s, by the values of one unique column, or the first
    /// records of the table (with offset, limit and order).
    ///
    /// A get by ids or column values with more entries than the get batch size (default
    /// 25, the vault's maximum per call) is split into batches. A batch that finds
    /// nothing does not fail the call as long as another batch finds records (as a single
    /// call finding some of its ids would not); when nothing at all is found the vault's
    /// "not found" error is returned. Records come back batch after batch in input order;
    /// with an explicit [`order_by`](GetRequest::order_by) (ascending or descending) the
    /// merged records are sorted by `skyflow_id` (when selected in `fields`).
    ///
    /// ```no_run
    /// use skyflow_client::vault::{GetRequest, RedactionType};
    /// # async fn run(vault: skyflow_client::VaultClient) -> skyflow_client::Result<()> {
    /// let request = GetRequest::new("persons")
    ///     .ids(["a8f0c2e1", "0b1d4e2f"])
    ///     .redaction_type(RedactionType::Masked);
    /// for record in vault.get(&request).await?.records() {
    ///     println!("{:?}", record.get("name"));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, request: &GetRequest) -> Result<GetResponse> {
        let size = self.bulk().get_batch_size();
        let batches = batch_count(request, size);
        let mut response = self
            .split(
                request,
                size,
                Some(|r: &GetResponse| r.records().is_empty()),
            )
            .await?;
        if batches > 1
            && let Some(order) = GetResponse::order_of(request)
        {
            response.sort_by_skyflow_id(order == OrderBy::Descending);
        }
        Ok(response)
    }

    /// Updates one record (by `skyflow_id`), optionally with your own tokens, and returns
    /// its tokens when asked.
    ///
    /// ```no_run
    /// use serde_json::json;
    /// use skyflow_client::vault::UpdateRequest;
    /// # async fn run(vault: skyflow_client::VaultClient) -> skyflow_client::Result<()> {
    /// let request = UpdateRequest::new("persons", "a8f0c2e1")
    ///     .value("name", json!("Janet"))
    ///     .return_tokens(true);
    /// let response = vault.update(&request).await?;
    /// println!("{} has new token {:?}", response.skyflow_id(), response.token("name"));
    /// # Ok(()) }
    /// ```
    pub async fn update(&self, request: &UpdateRequest) -> Result<UpdateResponse> {
        self.single(request).await
    }

    /// Deletes records by `skyflow_id`.
    ///
    /// Split into batches of the delete batch size (default 100). Ids that do not exist
    /// are left out of [`deleted_ids`](DeleteResponse::deleted_ids); the call fails with
    /// "not found" only when none of the ids exists.
    ///
    /// ```no_run
    /// use skyflow_client::vault::DeleteRequest;
    /// # async fn run(vault: skyflow_client::VaultClient) -> skyflow_client::Result<()> {
    /// let request = DeleteRequest::new("persons").ids(["a8f0c2e1", "0b1d4e2f"]);
    /// let response = vault.delete(&request).await?;
    /// println!("deleted {}", response.deleted_ids().len());
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, request: &DeleteRequest) -> Result<DeleteResponse> {
        let size = self.bulk().delete_batch_size();
        self.split(
            request,
            size,
            Some(|r: &DeleteResponse| r.deleted_ids().is_empty()),
        )
        .await
    }

    /// Runs a SQL `SELECT` on the vault (at most 25 records per call; page with `OFFSET`).
    ///
    /// ```no_run
    /// use skyflow_client::vault::QueryRequest;
    /// # async fn run(vault: skyflow_client::VaultClient) -> skyflow_client::Result<()> {
    /// let request = QueryRequest::new("SELECT * FROM persons WHERE state = 'CA'");
    /// for record in vault.query(&request).await?.records() {
    ///     println!("{:?}", record.fields().get("name"));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn query(&self, request: &QueryRequest) -> Result<QueryResponse> {
        self.single(request).await
    }

    /// Uploads a file into a file column, of an existing record or of a new one; a path is
    /// read when the call is made.
    ///
    /// ```no_run
    /// use skyflow_client::vault::FileUploadRequest;
    /// # async fn run(vault: skyflow_client::VaultClient) -> skyflow_client::Result<()> {
    /// let request = FileUploadRequest::new("documents", "scan").file_path("passport.pdf");
    /// let response = vault.upload_file(&request).await?;
    /// println!("stored in record {}", response.skyflow_id());
    /// # Ok(()) }
    /// ```
    pub async fn upload_file(&self, request: &FileUploadRequest) -> Result<FileUploadResponse> {
        const OP: &str = "FileUploadRequest";
        let id = self.call_options_request_id();
        let vault_id = self.vault_id();
        self.transport()
            .perform(OP, |exchange| async move {
                check_request_id(OP, id)?;
                let mut http = request.to_http(vault_id).await?;
                with_request_id(&mut http, id.map(str::to_owned));
                FileUploadResponse::from_http(exchange.send(&http).await?)
            })
            .await
    }

    /// The anti-virus scan status of a record's file.
    ///
    /// ```no_run
    /// use skyflow_client::vault::FileScanStatusRequest;
    /// # async fn run(vault: skyflow_client::VaultClient) -> skyflow_client::Result<()> {
    /// let request = FileScanStatusRequest::new("documents", "a8f0c2e1", "scan");
    /// let status = vault.file_scan_status(&request).await?;
    /// println!("clean: {}", status.status().is_clean());
    /// # Ok(()) }
    /// ```
    pub async fn file_scan_status(
        &self,
        request: &FileScanStatusRequest,
    ) -> Result<FileScanStatusResponse> {
        self.single(request).await
    }

    /// Deletes the file in a record's file column (the record stays).
    ///
    /// ```no_run
    /// use skyflow_client::vault::DeleteFileRequest;
    /// # async fn run(vault: skyflow_client::VaultClient) -> skyflow_client::Result<()> {
    /// let request = DeleteFileRequest::new("documents", "a8f0c2e1", "scan");
    /// assert!(vault.delete_file(&request).await?.deleted());
    /// # Ok(()) }
    /// ```
    pub async fn delete_file(&self, request: &DeleteFileRequest) -> Result<DeleteFileResponse> {
        self.single(request).await
    }

    fn call_options_request_id(&self) -> Option<&str> {
        self.call_options().request_id.as_deref()
    }

    /// One call, not split: validation, the request, the answer.
    async fn single<Q>(&self, request: &Q) -> Result<Q::Response>
    where
        Q: Operation + Sync,
    {
        let id = self.call_options_request_id();
        let vault_id = self.vault_id();
        self.transport()
            .perform(Q::NAME, |exchange| async move {
                check_request_id(Q::NAME, id)?;
                let mut http = request.to_http(vault_id)?;
                with_request_id(&mut http, id.map(str::to_owned));
                request.answer(exchange.send(&http).await)
            })
            .await
    }

    /// A call split into batches of `batch_size`, sent with the handle's concurrency and
    /// merged in input order.
    ///
    /// `empty_when`: for get and delete, a batch answering "not found" counts as an
    /// empty answer when the call has several batches; the call then fails with that
    /// error only if the merged answer is empty by this test.
    async fn split<Q>(
        &self,
        request: &Q,
        batch_size: usize,
        empty_when: Option<fn(&<Q as BatchRequest>::Response) -> bool>,
    ) -> Result<<Q as BatchRequest>::Response>
    where
        Q: BatchRequest + Operation<Response = <Q as BatchRequest>::Response>,
        <Q as BatchRequest>::Response: fmt::Debug + Send + Sync + 'static,
    {
        let op = Q::NAME;
        let base_id = self.call_options_request_id();
        let concurrency = self.bulk().concurrency().max(1);
        let vault_id = self.vault_id();
        self.transport()
            .perform(op, |exchange| async move {
                check_request_id(op, base_id)?;
                request.validate_all()?;
                let batches = batch_count(request, batch_size);
                if batches == 1 {
                    // Sent whole: no slicing, no copy of the request, the vault's error
                    // unchanged.
                    let mut http = Operation::to_http(request, vault_id)?;
                    with_request_id(&mut http, base_id.map(str::to_owned));
                    return request.answer(exchange.send(&http).await);
                }
                exchange.logger().debug(format_args!(
                    "{op}: {} records in {batches} batches of at most {batch_size}, {concurrency} at a time",
                    request.record_count()
                ));
                let tolerate_not_found = empty_when.is_some();
                let not_found: Mutex<Option<Error>> = Mutex::new(None);
                let not_found_ref = &not_found;
                let exchange = &exchange;
                let result = run_batches(request, batch_size, concurrency, |batch: Batch<Q>| {
                    let header = base_id.map(|id| format!("{id}-{}", batch.index()));
                    async move {
                        let mut http = Operation::to_http(batch.request(), vault_id)?;
                        with_request_id(&mut http, header);
                        match exchange.send_batch(batch.index(), &http).await {
                            Err(err)
                                if tolerate_not_found && err.is_api() && err.is_not_found() =>
                            {
                                not_found_ref
                                    .lock()
                                    .unwrap_or_else(PoisonError::into_inner)
                                    .get_or_insert(err.without_secrets(&batch.request().secrets()));
                                Ok(Default::default())
                            }
                            sent => batch.request().answer(sent),
                        }
                    }
                })
                .await;
                let not_found = not_found
                    .into_inner()
                    .unwrap_or_else(PoisonError::into_inner);
                match result {
                    Ok(response) => match (empty_when, not_found) {
                        (Some(is_empty), Some(err)) if is_empty(&response) => Err(err),
                        _ => Ok(response),
                    },
                    Err(failure) => Err(failure.into_error()),
                }
            })
            .await
    }
}

/// Adds the caller's `x-request-id` to a call.
fn with_request_id(http: &mut HttpRequest, id: Option<String>) {
    if let Some(id) = id {
        http.headers.push((REQUEST_ID.to_owned(), id));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::Skyflow;
    use crate::config::VaultConfig;
    use crate::credentials::Credentials;

    fn require_send<T: Send>(value: T) -> T {
        value
    }

    fn vault() -> VaultClient {
        Skyflow::builder()
            .vault_config(VaultConfig::from_base_url("v1", "http://127.0.0.1:9"))
            .credentials(Credentials::api_key(
                "sky-ab1c2-0123456789abcdef0123456789abcdef",
            ))
            .build()
            .unwrap()
            .default_vault()
            .unwrap()
    }

    /// Compile-time check: every operation's future is `Send` (so it can be spawned).
    /// The futures are created and dropped without being polled: nothing is sent.
    #[test]
    fn every_operation_future_is_send() {
        let vault = vault();
        let insert = InsertRequest::new("t").values([json!({ "a": 1 })]);
        let detokenize = DetokenizeRequest::new().token("t");
        let tokenize = TokenizeRequest::new().value("v", "g");
        let get = GetRequest::new("t").ids(["a"]);
        let update = UpdateRequest::new("t", "id").value("a", json!(1));
        let delete = DeleteRequest::new("t").ids(["a"]);
        let query = QueryRequest::new("SELECT 1");
        let upload = FileUploadRequest::new("t", "c").file_bytes("a.txt", "x");
        let scan = FileScanStatusRequest::new("t", "id", "c");
        let delete_file = DeleteFileRequest::new("t", "id", "c");
        drop(require_send(vault.insert(&insert)));
        drop(require_send(vault.detokenize(&detokenize)));
        drop(require_send(vault.tokenize(&tokenize)));
        drop(require_send(vault.get(&get)));
        drop(require_send(vault.update(&update)));
        drop(require_send(vault.delete(&delete)));
        drop(require_send(vault.query(&query)));
        drop(require_send(vault.upload_file(&upload)));
        drop(require_send(vault.file_scan_status(&scan)));
        drop(require_send(vault.delete_file(&delete_file)));
        fn require_send_sync_static<T: Send + Sync + Clone + 'static>() {}
        require_send_sync_static::<VaultClient>();
        require_send_sync_static::<CallOptions>();
    }

    #[test]
    fn request_ids_are_checked_before_sending() {
        assert!(check_request_id("InsertRequest", None).is_ok());
        assert!(check_request_id("InsertRequest", Some("abc-1")).is_ok());
        for bad in ["", " ", "a b", "tab\there", "é"] {
            let err = check_request_id("InsertRequest", Some(bad)).unwrap_err();
            assert!(err.is_validation());
            assert_eq!(err.field(), Some("request_id"));
            assert_eq!(err.operation(), Some("InsertRequest"));
        }
    }

    #[test]
    fn batch_count_matches_split() {
        let request = DeleteRequest::new("t").ids((0..250).map(|i| format!("id-{i}")));
        for size in [0, 1, 7, 100, 250, 251, 1000] {
            assert_eq!(
                batch_count(&request, size),
                request.split(size).len(),
                "batch size {size}"
            );
        }
        let paged = GetRequest::new("t").limit(5);
        assert_eq!(batch_count(&paged, 1), paged.split(1).len());
    }
}
