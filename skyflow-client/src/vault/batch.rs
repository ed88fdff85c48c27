//! Splitting large requests into batches and putting the answers back together.
//!
//! The official SDKs send a whole request in one call. For big inputs this SDK splits
//! insert, detokenize, tokenize, get-by-ids (or by column values) and delete requests into
//! [`Batch`]es of a chosen size, sends them with bounded concurrency and merges the
//! sub-responses into one response in input order: every per-record index
//! ([`InsertedRecord::request_index`](super::InsertedRecord::request_index),
//! [`RecordError::index`](super::RecordError::index) …) refers to the position in
//! the original request.
//!
//! When a batch fails:
//! - with continue-on-error (insert and detokenize), the failure becomes one per-record
//!   error for each record of that batch and the other batches go on;
//! - otherwise no further batch is started, batches already in flight are allowed to
//!   finish (so their outcome is known), and the call fails with a [`BatchFailure`] that
//!   says which records succeeded, which batches failed and which were never sent, and
//!   carries the merged response of the batches that succeeded.
//!
//! ```
//! use skyflow_client::vault::{BatchRequest, DeleteRequest};
//!
//! let ids: Vec<String> = (0..250).map(|i| format!("id-{i}")).collect();
//! let request = DeleteRequest::new("persons").ids(ids);
//! let batches = request.split(100);
//! assert_eq!(batches.len(), 3);
//! assert_eq!(batches[2].range(), 200..250);
//! ```

use std::fmt;
use std::future::Future;
use std::ops::Range;

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use self::private::MergeResponse as _;

use crate::{Error, ErrorKind, Result};

/// One batch of a split request: the sub-request and where its records sit in the
/// original request.
///
/// ```
/// use skyflow_client::vault::{BatchRequest, TokenizeRequest};
///
/// let request = TokenizeRequest::new()
///     .value("4111111111111111", "card_cg")
///     .value("5500000000000004", "card_cg")
///     .value("340000000000009", "card_cg");
/// let batches = request.split(2);
/// assert_eq!(batches[1].index(), 1);
/// assert_eq!(batches[1].offset(), 2);
/// assert_eq!(batches[1].len(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct Batch<R> {
    index: usize,
    offset: usize,
    len: usize,
    request: R,
}

impl<R> Batch<R> {
    /// Position of this batch among the batches (0-based).
    ///
    /// ```
    /// use skyflow_client::vault::{BatchRequest, DeleteRequest};
    /// let batches = DeleteRequest::new("t").ids(["a", "b", "c"]).split(1);
    /// assert_eq!(batches.iter().map(|b| b.index()).collect::<Vec<_>>(), [0, 1, 2]);
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// Index, in the original request, of this batch's first record.
    ///
    /// ```
    /// use skyflow_client::vault::{BatchRequest, DeleteRequest};
    /// let batches = DeleteRequest::new("t").ids(["a", "b", "c"]).split(2);
    /// assert_eq!(batches[1].offset(), 2);
    /// ```
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Number of records in this batch.
    ///
    /// ```
    /// use skyflow_client::vault::{BatchRequest, DeleteRequest};
    /// let batches = DeleteRequest::new("t").ids(["a", "b", "c"]).split(2);
    /// assert_eq!(batches[0].len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` when the batch holds no record (only for an empty request).
    ///
    /// ```
    /// use skyflow_client::vault::{BatchRequest, DeleteRequest};
    /// assert!(DeleteRequest::new("t").split(10)[0].is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The records of the original request this batch covers.
    ///
    /// ```
    /// use skyflow_client::vault::{BatchRequest, DeleteRequest};
    /// let batches = DeleteRequest::new("t").ids(["a", "b", "c"]).split(2);
    /// assert_eq!(batches[1].range(), 2..3);
    /// ```
    pub fn range(&self) -> Range<usize> {
        self.offset..self.offset + self.len
    }

    /// The sub-request.
    ///
    /// ```
    /// use skyflow_client::vault::{BatchRequest, DeleteRequest};
    /// let batches = DeleteRequest::new("t").ids(["a", "b", "c"]).split(2);
    /// assert_eq!(batches[1].request().record_count(), 1);
    /// ```
    pub fn request(&self) -> &R {
        &self.request
    }

    /// Takes the sub-request out.
    ///
    /// ```
    /// use skyflow_client::vault::{BatchRequest, DeleteRequest};
    /// let batch = DeleteRequest::new("t").ids(["a"]).split(5).remove(0);
    /// let request: DeleteRequest = batch.into_request();
    /// assert_eq!(request.record_count(), 1);
    /// ```
    pub fn into_request(self) -> R {
        self.request
    }
}

pub(crate) mod private {
    use std::ops::Range;

    use crate::{Error, Result};

    /// The crate-internal half of [`super::BatchRequest`].
    pub trait SplitRequest: Sized {
        /// The sub-request for `range` of the records.
        fn slice(&self, range: Range<usize>) -> Self;
        /// Whether this request can be split at all.
        fn splittable(&self) -> bool {
            true
        }
        /// Validation of the whole request, before anything is sent.
        fn validate_all(&self) -> Result<()>;
        /// Whether a failed batch becomes per-record errors instead of stopping the call.
        fn continues_on_error(&self) -> bool {
            false
        }
    }

    /// Builds a response from a failed batch of request `Q` (continue-on-error only).
    pub trait FromFailedBatch<Q> {
        /// One per-record error for each record of `range` (the batch's records in
        /// `request`), with indices relative to the batch like any sub-response.
        fn from_failed_batch(request: &Q, range: Range<usize>, error: &Error) -> Self;
    }

    /// The crate-internal half of [`super::BatchResponse`].
    pub trait MergeResponse {
        /// Appends `other`, whose per-record indices are relative to `offset`.
        fn append_shifted(&mut self, offset: usize, other: Self);

        /// Number of per-record results, for responses that answer every record of the
        /// request in order (one result per record); `None` when results are not
        /// index-aligned (get, delete).
        fn result_count(&self) -> Option<usize> {
            None
        }
    }
}

/// A request that can be split into batches.
///
/// Implemented by [`InsertRequest`](super::InsertRequest),
/// [`DetokenizeRequest`](super::DetokenizeRequest),
/// [`TokenizeRequest`](super::TokenizeRequest), [`GetRequest`](super::GetRequest) (by ids
/// or column values) and [`DeleteRequest`](super::DeleteRequest). It is sealed.
///
/// ```
/// use skyflow_client::vault::{BatchRequest, InsertRequest};
/// use serde_json::json;
///
/// let request = InsertRequest::new("persons")
///     .values((0..10).map(|i| json!({ "name": format!("n{i}") })));
/// let batches = request.split(4);
/// assert_eq!(
///     batches.iter().map(|b| b.range()).collect::<Vec<_>>(),
///     [0..4, 4..8, 8..10],
/// );
/// ```
pub trait BatchRequest: Clone + Send + Sync + private::SplitRequest {
    /// The response of this request, which sub-responses merge into.
    type Response: BatchResponse + private::FromFailedBatch<Self>;

    /// Number of records (values, tokens, ids …) in the request.
    ///
    /// ```
    /// use skyflow_client::vault::{BatchRequest, DetokenizeRequest};
    /// assert_eq!(DetokenizeRequest::new().tokens(["a", "b"]).record_count(), 2);
    /// ```
    fn record_count(&self) -> usize;

    /// Splits into batches of at most `batch_size` records, in input order.
    ///
    /// A `batch_size` of 0 means "no limit". A request that cannot be split (a get
    /// without ids or column values, or with offset/limit) and an empty request give one
    /// batch holding the whole request.
    ///
    /// ```
    /// use skyflow_client::vault::{BatchRequest, DeleteRequest};
    /// let request = DeleteRequest::new("t").ids(["a", "b", "c"]);
    /// assert_eq!(request.split(0).len(), 1);
    /// assert_eq!(request.split(1).len(), 3);
    /// ```
    fn split(&self, batch_size: usize) -> Vec<Batch<Self>> {
        let total = self.record_count();
        if batch_size == 0 || total <= batch_size || !self.splittable() {
            return vec![Batch {
                index: 0,
                offset: 0,
                len: total,
                request: self.clone(),
            }];
        }
        (0..total)
            .step_by(batch_size)
            .enumerate()
            .map(|(index, start)| {
                let range = start..(start + batch_size).min(total);
                Batch {
                    index,
                    offset: start,
                    len: range.len(),
                    request: self.slice(range),
                }
            })
            .collect()
    }
}

/// A response that sub-responses of batches merge into.
///
/// ```
/// use skyflow_client::vault::{BatchResponse, DeleteResponse};
/// let merged = DeleteResponse::merge(Vec::<(usize, DeleteResponse)>::new());
/// assert!(merged.deleted_ids().is_empty());
/// ```
pub trait BatchResponse: Sized + Default + Send + private::MergeResponse {
    /// Merges sub-responses given with the offset of their batch
    /// ([`Batch::offset`]), in any order, into one response in input order. Per-record
    /// indices are shifted back to positions in the original request.
    ///
    /// ```
    /// use skyflow_client::vault::{BatchResponse, TokenizeResponse};
    /// let merged = TokenizeResponse::merge(Vec::<(usize, TokenizeResponse)>::new());
    /// assert!(merged.tokens().is_empty());
    /// ```
    fn merge<I>(parts: I) -> Self
    where
        I: IntoIterator<Item = (usize, Self)>,
    {
        let mut parts: Vec<(usize, Self)> = parts.into_iter().collect();
        parts.sort_by_key(|(offset, _)| *offset);
        let mut merged = Self::default();
        for (offset, part) in parts {
            merged.append_shifted(offset, part);
        }
        merged
    }
}

/// One batch that failed, with its error.
///
/// ```
/// # fn show(failure: &skyflow_client::vault::BatchFailure<skyflow_client::vault::DeleteResponse>) {
/// for failed in failure.failed() {
///     println!("records {:?}: {}", failed.range(), failed.error());
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct FailedBatch {
    range: Range<usize>,
    error: Error,
}

impl FailedBatch {
    /// The records of the original request in the batch.
    ///
    /// ```
    /// # fn show(f: &skyflow_client::vault::FailedBatch) { let _ = f.range().len(); }
    /// ```
    pub fn range(&self) -> Range<usize> {
        self.range.clone()
    }

    /// Why the batch failed.
    ///
    /// ```
    /// # fn show(f: &skyflow_client::vault::FailedBatch) { let _ = f.error().message(); }
    /// ```
    pub fn error(&self) -> &Error {
        &self.error
    }
}

/// A split call that stopped because a batch failed (continue-on-error off).
///
/// It keeps what the successful batches returned: for an insert, the records that were
/// written, with their original indices. Records of failed batches were not confirmed
/// (a timed-out insert may still have been applied); records of batches never sent were
/// not touched.
///
/// Convert it into the SDK's [`Error`] with [`into_error`](Self::into_error) (or `?`); the
/// error's message then names the ranges, and its source is the batch's own error.
///
/// ```
/// # fn show(failure: skyflow_client::vault::BatchFailure<skyflow_client::vault::InsertResponse>) {
/// println!("written: {:?}", failure.succeeded());
/// println!("not sent: {:?}", failure.not_sent());
/// for record in failure.completed().inserted() {
///     println!("record {} is {}", record.request_index(), record.skyflow_id());
/// }
/// let err: skyflow_client::Error = failure.into();
/// # let _ = err;
/// # }
/// ```
pub struct BatchFailure<R> {
    completed: R,
    succeeded: Vec<Range<usize>>,
    failed: Vec<FailedBatch>,
    not_sent: Vec<Range<usize>>,
    sent_any: bool,
}

impl<R> BatchFailure<R> {
    /// The first failure in input order.
    ///
    /// ```
    /// # fn show(f: &skyflow_client::vault::BatchFailure<skyflow_client::vault::GetResponse>) {
    /// let _ = f.error().is_api();
    /// # }
    /// ```
    pub fn error(&self) -> &Error {
        &self.failed[0].error
    }

    /// Every failed batch, in input order (never empty).
    ///
    /// ```
    /// # fn show(f: &skyflow_client::vault::BatchFailure<skyflow_client::vault::GetResponse>) {
    /// assert!(!f.failed().is_empty());
    /// # }
    /// ```
    pub fn failed(&self) -> &[FailedBatch] {
        &self.failed
    }

    /// Ranges of records whose batches succeeded, merged and in order.
    ///
    /// ```
    /// # fn show(f: &skyflow_client::vault::BatchFailure<skyflow_client::vault::DeleteResponse>) {
    /// let done: usize = f.succeeded().iter().map(|r| r.len()).sum();
    /// # let _ = done;
    /// # }
    /// ```
    pub fn succeeded(&self) -> &[Range<usize>] {
        &self.succeeded
    }

    /// Ranges of records whose batches were never sent, merged and in order.
    ///
    /// ```
    /// # fn show(f: &skyflow_client::vault::BatchFailure<skyflow_client::vault::DeleteResponse>) {
    /// let skipped: usize = f.not_sent().iter().map(|r| r.len()).sum();
    /// # let _ = skipped;
    /// # }
    /// ```
    pub fn not_sent(&self) -> &[Range<usize>] {
        &self.not_sent
    }

    /// The merged response of the batches that succeeded, with original indices.
    ///
    /// ```
    /// # fn show(f: &skyflow_client::vault::BatchFailure<skyflow_client::vault::DeleteResponse>) {
    /// let _ = f.completed().deleted_ids().len();
    /// # }
    /// ```
    pub fn completed(&self) -> &R {
        &self.completed
    }

    /// Takes the merged response of the batches that succeeded.
    ///
    /// ```
    /// # fn show(f: skyflow_client::vault::BatchFailure<skyflow_client::vault::DeleteResponse>) {
    /// let deleted = f.into_completed().into_deleted_ids();
    /// # let _ = deleted;
    /// # }
    /// ```
    pub fn into_completed(self) -> R {
        self.completed
    }

    /// The SDK error for this failure: same kind, codes and request id as the first
    /// failed batch, a message naming the succeeded, failed and unsent ranges, and this
    /// `BatchFailure` as its [`source`](std::error::Error::source) (whose own source is
    /// the batch's error), so [`from_error`](Self::from_error) gets it back. A request
    /// rejected before anything was sent, and a call sent as one batch that failed, give
    /// that error unchanged.
    ///
    /// ```
    /// # fn show(f: skyflow_client::vault::BatchFailure<skyflow_client::vault::DeleteResponse>) {
    /// let err = f.into_error();
    /// eprintln!("{err}");
    /// # }
    /// ```
    pub fn into_error(mut self) -> Error
    where
        R: fmt::Debug + Send + Sync + 'static,
    {
        let whole_call_failed =
            self.failed.len() == 1 && self.succeeded.is_empty() && self.not_sent.is_empty();
        if !self.sent_any || whole_call_failed {
            return self.failed.swap_remove(0).error;
        }
        let error = rewrap(&self.failed[0].error, self.summary());
        error.with_source(self)
    }

    /// The failure behind an error returned by a split vault call (for example
    /// [`VaultClient::insert`](crate::VaultClient::insert) with continue-on-error off):
    /// which records were written, which failed, which were never sent, and what the
    /// successful batches returned. `None` for any other error.
    ///
    /// ```no_run
    /// use skyflow_client::vault::{BatchFailure, InsertRequest, InsertResponse};
    /// # async fn f(vault: skyflow_client::VaultClient, request: InsertRequest) {
    /// if let Err(err) = vault.insert(&request).await {
    ///     if let Some(failure) = BatchFailure::<InsertResponse>::from_error(&err) {
    ///         for record in failure.completed().inserted() {
    ///             println!("values[{}] was written as {}", record.request_index(), record.skyflow_id());
    ///         }
    ///     }
    /// }
    /// # }
    /// ```
    pub fn from_error(error: &Error) -> Option<&BatchFailure<R>>
    where
        R: fmt::Debug + Send + Sync + 'static,
    {
        std::error::Error::source(error)?.downcast_ref::<BatchFailure<R>>()
    }

    fn summary(&self) -> String {
        let first = &self.failed[0];
        let mut text = format!(
            "batch of records {} failed: {}",
            fmt_range(&first.range),
            first.error.message()
        );
        if self.failed.len() > 1 {
            text.push_str(&format!(
                "; other failed batches: {}",
                fmt_ranges(
                    &self.failed[1..]
                        .iter()
                        .map(|f| f.range.clone())
                        .collect::<Vec<_>>()
                )
            ));
        }
        text.push_str("; succeeded: ");
        text.push_str(&fmt_ranges(&self.succeeded));
        text.push_str("; not sent: ");
        text.push_str(&fmt_ranges(&self.not_sent));
        text
    }
}

impl<R: fmt::Debug + Send + Sync + 'static> From<BatchFailure<R>> for Error {
    fn from(failure: BatchFailure<R>) -> Self {
        failure.into_error()
    }
}

impl<R: fmt::Debug> fmt::Debug for BatchFailure<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchFailure")
            .field("failed", &self.failed)
            .field("succeeded", &self.succeeded)
            .field("not_sent", &self.not_sent)
            .field("completed", &self.completed)
            .finish()
    }
}

impl<R> fmt::Display for BatchFailure<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}

impl<R: fmt::Debug> std::error::Error for BatchFailure<R> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.failed[0].error)
    }
}

fn fmt_range(range: &Range<usize>) -> String {
    format!("{}..{}", range.start, range.end)
}

fn fmt_ranges(ranges: &[Range<usize>]) -> String {
    if ranges.is_empty() {
        return "none".to_owned();
    }
    ranges.iter().map(fmt_range).collect::<Vec<_>>().join(", ")
}

/// Joins adjacent ranges (the input is sorted).
fn coalesce(ranges: impl IntoIterator<Item = Range<usize>>) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for range in ranges {
        match out.last_mut() {
            Some(last) if last.end == range.start => last.end = range.end,
            _ => out.push(range),
        }
    }
    out
}

/// A copy of `err` (kind, codes, request id, details) with a new message and no source.
fn rewrap(err: &Error, message: String) -> Error {
    let mut new = match err.kind() {
        ErrorKind::Config => Error::config(err.field().unwrap_or_default(), message),
        ErrorKind::Validation => Error::validation(
            err.operation().unwrap_or_default(),
            err.field().unwrap_or_default(),
            message,
        ),
        ErrorKind::Auth => Error::auth(message),
        ErrorKind::Transport => Error::transport(message),
        ErrorKind::Timeout => Error::timeout(message),
        ErrorKind::Api => Error::api(err.status().or(err.http_code()).unwrap_or(500), message),
        ErrorKind::Decode => Error::decode(message),
    };
    if let Some(op) = err.operation() {
        new = new.with_operation(op);
    }
    if let Some(field) = err.field() {
        new = new.with_field(field);
    }
    if let Some(status) = err.status() {
        new = new.with_status(status);
    }
    if let Some(code) = err.http_code() {
        new = new.with_http_code(code);
    }
    if let Some(code) = err.grpc_code() {
        new = new.with_grpc_code(code);
    }
    if let Some(text) = err.http_status() {
        new = new.with_http_status(text);
    }
    if let Some(id) = err.request_id() {
        new = new.with_request_id(id);
    }
    if !err.details().is_empty() {
        new = new.with_details(err.details().to_vec());
    }
    new
}

/// Sends `request` split into batches of `batch_size` with at most `concurrency` batches
/// in flight, and merges the answers in input order.
///
/// `send` gets each batch (its [`Batch::index`] can name an `x-request-id`). The whole
/// request is validated first; nothing is sent if it is invalid. Dropping the returned
/// future drops the batches in flight.
pub(crate) async fn run_batches<Q, F, Fut>(
    request: &Q,
    batch_size: usize,
    concurrency: usize,
    mut send: F,
) -> std::result::Result<Q::Response, BatchFailure<Q::Response>>
where
    Q: BatchRequest,
    F: FnMut(Batch<Q>) -> Fut,
    Fut: Future<Output = Result<Q::Response>>,
{
    let total = request.record_count();
    if let Err(error) = request.validate_all() {
        return Err(BatchFailure {
            completed: Q::Response::default(),
            succeeded: Vec::new(),
            failed: vec![FailedBatch {
                range: 0..total,
                error,
            }],
            not_sent: std::iter::once(0..total).collect(),
            sent_any: false,
        });
    }

    let batches = request.split(batch_size);
    let ranges: Vec<Range<usize>> = batches.iter().map(Batch::range).collect();
    let mut outcomes: Vec<Option<Result<Q::Response>>> = ranges.iter().map(|_| None).collect();
    let mut pending = batches.into_iter();
    let mut in_flight = FuturesUnordered::new();
    let mut stopped = false;

    loop {
        while !stopped && in_flight.len() < concurrency.max(1) {
            let Some(batch) = pending.next() else { break };
            let index = batch.index();
            let call = send(batch);
            in_flight.push(async move { (index, call.await) });
        }
        let Some((index, result)) = in_flight.next().await else {
            break;
        };
        let outcome = match result {
            Ok(response) => match response.result_count() {
                Some(count) if count != ranges[index].len() => {
                    // Results could not be mapped back to records: treat the batch as
                    // failed rather than mis-assigning them.
                    let error = Error::decode(format!(
                        "the vault answered {count} results for a batch of {} records",
                        ranges[index].len()
                    ));
                    if request.continues_on_error() {
                        use private::FromFailedBatch;
                        Ok(Q::Response::from_failed_batch(
                            request,
                            ranges[index].clone(),
                            &error,
                        ))
                    } else {
                        stopped = true;
                        Err(error)
                    }
                }
                _ => Ok(response),
            },
            Err(error) if request.continues_on_error() => {
                use private::FromFailedBatch;
                Ok(Q::Response::from_failed_batch(
                    request,
                    ranges[index].clone(),
                    &error,
                ))
            }
            Err(error) => {
                stopped = true;
                Err(error)
            }
        };
        outcomes[index] = Some(outcome);
    }

    if !stopped {
        let parts = outcomes
            .into_iter()
            .zip(&ranges)
            .filter_map(|(outcome, range)| {
                outcome
                    .and_then(|o| o.ok())
                    .map(|response| (range.start, response))
            });
        return Ok(Q::Response::merge(parts));
    }

    let mut parts = Vec::new();
    let mut succeeded = Vec::new();
    let mut failed = Vec::new();
    let mut not_sent = Vec::new();
    for (outcome, range) in outcomes.into_iter().zip(ranges) {
        match outcome {
            Some(Ok(response)) => {
                parts.push((range.start, response));
                succeeded.push(range);
            }
            Some(Err(error)) => failed.push(FailedBatch { range, error }),
            None => not_sent.push(range),
        }
    }
    Err(BatchFailure {
        completed: Q::Response::merge(parts),
        succeeded: coalesce(succeeded),
        failed,
        not_sent: coalesce(not_sent),
        sent_any: true,
    })
}
