//! Answers whose records succeed or fail one by one, each result at its index in the
//! request: the one shape behind [`InsertResponse`](super::InsertResponse) and
//! [`DetokenizeResponse`](super::DetokenizeResponse), merged across batches and mapped
//! back to the caller's order by the typed layer.

use std::fmt;
use std::ops::Range;

use super::batch::BatchResponse;
use super::batch::private::{FromFailedBatch, MergeResponse};
use crate::error::cut_secrets;
use crate::{Error, Result};

/// The answer to a request whose records succeed or fail one by one, such as an insert
/// or a detokenize with continue-on-error: the records that succeeded (`T`) and the
/// records that failed ([`RecordError`]), each carrying its index in the request.
///
/// Both lists are in request order. A call split into batches answers with the same
/// shape: indices are shifted back to positions in the original request, and a batch
/// whose whole call failed (continue-on-error) becomes one error per record of that
/// batch. [`into_ordered`](Self::into_ordered) puts every result back at its index.
///
/// Its `Debug` prints counts only.
///
/// ```
/// use skyflow_client::vault::InsertResponse;
///
/// fn report(response: InsertResponse) -> skyflow_client::Result<()> {
///     for (i, result) in response.into_ordered()?.into_iter().enumerate() {
///         match result {
///             Ok(record) => println!("values[{i}] -> {}", record.skyflow_id()),
///             Err(error) => println!("{error}"),
///         }
///     }
///     Ok(())
/// }
/// report(InsertResponse::default()).unwrap();
/// ```
#[derive(Clone)]
pub struct RecordResults<T> {
    pub(super) succeeded: Vec<T>,
    pub(super) errors: Vec<RecordError>,
}

impl<T> Default for RecordResults<T> {
    fn default() -> Self {
        RecordResults {
            succeeded: Vec::new(),
            errors: Vec::new(),
        }
    }
}

impl<T> RecordResults<T> {
    /// The records that succeeded, in request order.
    ///
    /// ```
    /// # fn f(r: &skyflow_client::vault::DetokenizeResponse) {
    /// let found = r.succeeded().len();
    /// # let _ = found; }
    /// ```
    pub fn succeeded(&self) -> &[T] {
        &self.succeeded
    }

    /// The records that failed, in request order (continue-on-error only; without it one
    /// failure fails the whole call).
    ///
    /// ```
    /// # fn f(r: &skyflow_client::vault::InsertResponse) {
    /// for error in r.errors() {
    ///     eprintln!("{error}"); // values[3]: …
    /// }
    /// # }
    /// ```
    pub fn errors(&self) -> &[RecordError] {
        &self.errors
    }

    /// `true` when no record failed.
    ///
    /// ```
    /// # fn f(r: &skyflow_client::vault::InsertResponse) {
    /// assert_eq!(r.is_complete(), r.errors().is_empty());
    /// # }
    /// ```
    pub fn is_complete(&self) -> bool {
        self.errors.is_empty()
    }

    /// Number of results (succeeded and failed).
    pub fn len(&self) -> usize {
        self.succeeded.len() + self.errors.len()
    }

    /// `true` when there is no result at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes the records that succeeded and the errors.
    ///
    /// ```
    /// # fn f(r: skyflow_client::vault::InsertResponse) {
    /// let (inserted, errors) = r.into_parts();
    /// # let _ = (inserted, errors); }
    /// ```
    pub fn into_parts(self) -> (Vec<T>, Vec<RecordError>) {
        (self.succeeded, self.errors)
    }
}

impl<T: private::Indexed> RecordResults<T> {
    /// One result per record, each at its index in the request.
    ///
    /// # Errors
    ///
    /// A decode error when the vault's answers do not cover each index once (an index
    /// answered twice, or one beyond the number of answers).
    ///
    /// ```
    /// # fn f(response: skyflow_client::vault::DetokenizeResponse) -> skyflow_client::Result<()> {
    /// // Every token's value, or the first failure as a `skyflow_client::Error`.
    /// let values = response
    ///     .into_ordered()?
    ///     .into_iter()
    ///     .map(|result| Ok(result?.into_value()))
    ///     .collect::<skyflow_client::Result<Vec<_>>>()?;
    /// # let _ = values; Ok(()) }
    /// ```
    pub fn into_ordered(self) -> Result<Vec<std::result::Result<T, RecordError>>> {
        let count = self.len();
        self.into_slots(count)
    }

    /// One result per record of a request of `count` records; a decode error unless the
    /// answers cover each index below `count` exactly once.
    pub(crate) fn into_slots(
        self,
        count: usize,
    ) -> Result<Vec<std::result::Result<T, RecordError>>> {
        let unmatched = |detail: String| {
            Error::decode(format!(
                "the vault's answer does not match the request: {detail}"
            ))
            .with_operation(T::OPERATION)
        };
        let answered = self.len();
        if answered != count {
            return Err(unmatched(format!("{answered} results for {count} records")));
        }
        let mut slots: Vec<Option<std::result::Result<T, RecordError>>> =
            (0..count).map(|_| None).collect();
        let results = (self.succeeded.into_iter().map(|t| (t.index(), Ok(t))))
            .chain(self.errors.into_iter().map(|e| (e.index, Err(e))));
        for (index, result) in results {
            match slots.get_mut(index) {
                Some(slot @ None) => *slot = Some(result),
                _ => {
                    return Err(unmatched(format!(
                        "a second or out-of-range result for {}[{index}]",
                        T::LIST
                    )));
                }
            }
        }
        // `count` results in `count` slots, none twice: every slot is filled.
        Ok(slots.into_iter().flatten().collect())
    }
}

impl<T> RecordResults<T> {
    /// Cuts the secrets of each failed record (`secrets_of(index)`: the request's tokens
    /// or values that record's message may quote) out of its message.
    pub(crate) fn without_secrets<'s>(
        mut self,
        secrets_of: impl Fn(usize) -> Vec<&'s str>,
    ) -> Self {
        for error in &mut self.errors {
            cut_secrets(&mut error.message, &secrets_of(error.index));
        }
        self
    }
}

impl<T> fmt::Debug for RecordResults<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordResults")
            .field("succeeded", &self.succeeded.len())
            .field("errors", &self.errors.len())
            .finish()
    }
}

impl<T: private::Indexed> MergeResponse for RecordResults<T> {
    fn append_shifted(&mut self, offset: usize, other: Self) {
        self.succeeded
            .extend(other.succeeded.into_iter().map(|mut t| {
                *t.index_mut() += offset;
                t
            }));
        self.errors.extend(other.errors.into_iter().map(|mut e| {
            e.index += offset;
            e
        }));
    }

    fn result_count(&self) -> Option<usize> {
        Some(self.len())
    }
}

impl<T: private::Indexed + Send> BatchResponse for RecordResults<T> {}

impl<Q, T: private::Indexed> FromFailedBatch<Q> for RecordResults<T> {
    fn from_failed_batch(_request: &Q, range: Range<usize>, error: &Error) -> Self {
        RecordResults {
            succeeded: Vec::new(),
            // Indices are relative to the batch, like any sub-response's.
            errors: (0..range.len())
                .map(|index| {
                    RecordError::new::<T>(
                        index,
                        error.message().to_owned(),
                        error.http_code().or(error.status()),
                        error.request_id().map(str::to_owned),
                    )
                })
                .collect(),
        }
    }
}

/// A record that failed on its own (continue-on-error): an insert's value the vault
/// rejected, a token it could not detokenize, or each record of a batch whose whole
/// call failed.
///
/// It carries the record's index in the request, the vault's message, the http code
/// when known and the call's request id, never the record itself: the request's tokens
/// and values are cut out of the message (replaced by `<redacted>`), as they are from a
/// whole call's error. Its `Display` is `{list}[{index}]: {message}` (`values[2]: …`,
/// `tokens[0]: Token not found for <redacted>`); its `Debug` leaves the message out.
/// It converts into the crate's [`Error`] (an API error on field `values[2]`), so `?`
/// works on a per-record result.
///
/// ```
/// # fn f(e: &skyflow_client::vault::RecordError) {
/// eprintln!("{e} (http {:?}, request {:?})", e.http_code(), e.request_id());
/// # }
/// ```
#[derive(Clone)]
pub struct RecordError {
    index: usize,
    operation: &'static str,
    list: &'static str,
    message: String,
    http_code: Option<u16>,
    request_id: Option<String>,
}

impl RecordError {
    /// The error of record `index` of an answer of `T`s.
    pub(super) fn new<T: private::Indexed>(
        index: usize,
        message: String,
        http_code: Option<u16>,
        request_id: Option<String>,
    ) -> Self {
        RecordError {
            index,
            operation: T::OPERATION,
            list: T::LIST,
            message,
            http_code,
            request_id,
        }
    }

    /// Index of the record in the request (`values[i]`, `tokens[i]`).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The vault's message, without the request's tokens and values.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The http code of the record's failure: an insert entry's `Status`, or the code of
    /// the call a failed batch made; `None` for a token the vault could not detokenize
    /// (the vault sends no code per token).
    pub fn http_code(&self) -> Option<u16> {
        self.http_code
    }

    /// The `x-request-id` of the call the record was part of.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The request type the record belongs to (`InsertRequest`, `DetokenizeRequest`).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The field naming the record: `values[2]`, `tokens[0]`.
    ///
    /// ```
    /// # fn f(e: &skyflow_client::vault::RecordError) {
    /// assert!(e.field().ends_with(&format!("[{}]", e.index())));
    /// # }
    /// ```
    pub fn field(&self) -> String {
        format!("{}[{}]", self.list, self.index)
    }
}

impl fmt::Debug for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordError")
            .field("operation", &self.operation)
            .field("index", &self.index)
            .field("http_code", &self.http_code)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field(), self.message)
    }
}

impl std::error::Error for RecordError {}

impl From<RecordError> for Error {
    /// An API error with the record's code (400 when the vault sent none), operation,
    /// field and request id.
    fn from(record: RecordError) -> Self {
        let mut err = Error::api(record.http_code.unwrap_or(400), record.message)
            .with_operation(record.operation)
            .with_field(format!("{}[{}]", record.list, record.index));
        if let Some(id) = record.request_id {
            err = err.with_request_id(id);
        }
        err
    }
}

pub(crate) mod private {
    /// A per-record result that knows its index in the request.
    pub trait Indexed {
        /// The request type, for errors about these records.
        const OPERATION: &'static str;
        /// The request's list of records (`values`, `tokens`), for field names.
        const LIST: &'static str;
        /// The index in the request.
        fn index(&self) -> usize;
        /// The index, to shift it when batches are merged.
        fn index_mut(&mut self) -> &mut usize;
    }
}
