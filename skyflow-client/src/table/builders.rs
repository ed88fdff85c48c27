//! The fluent builders behind [`Table`](super::Table)'s operations. Each ends in
//! `.send().await`, converts to one untyped request of [`crate::vault`] and converts the
//! answer back to typed records.
//!
//! Builders hold converted field maps, never references to your records, so the futures
//! they return are `Send` whatever your struct is. Their `Debug` shows counts and column
//! names, never values or tokens.

use std::fmt;
use std::marker::PhantomData;

use serde_json::Value;

use super::VaultTable;
use super::column::{AnyColumn, ColumnOf, UniqueColumn};
use super::convert::{FieldMap, SKYFLOW_ID};
use super::handle::{read_as, tokens_view};
use super::ops::Select;
use super::ops::{Fields, Order, TokenMap, Upsert};
use super::redaction::{
    FieldDefault, Masked, PlainText, ReadMode, ReadPlan, Redacted, Redaction, Tokens, ValueMode,
    VaultDefault,
};
use super::value::SkyflowId;
use crate::client::VaultClient;
use crate::vault::{
    DeleteRequest, DetokenizeRequest, GetRequest, InsertRequest, OrderBy, QueryRequest,
    RecordError, RedactionType, TokenMode, UpdateRequest,
};
use crate::{Error, Result};

/// The named read-mode methods of a read builder, each a call of its `mode::<N>()`.
macro_rules! read_modes {
    ($builder:ident<$param:ident>; $($method:ident => $mode:ident),* $(,)?) => {$(
        #[doc = concat!(
            "Reads in [`", stringify!($mode), "`](crate::table::redaction::", stringify!($mode),
            ") mode (see [`redaction`](crate::table::redaction) for what each mode returns)."
        )]
        pub fn $method(self) -> $builder<$param, $mode> {
            self.mode::<$mode>()
        }
    )*};
}

mod sealed {
    pub trait Sealed {}
}

/// What a write returns per record: [`Ids`] (the default) or [`WithTokens`].
///
/// Sealed: the two markers are the only implementations.
///
/// ```
/// use skyflow::table::builders::{Ids, Returning, WithTokens};
/// assert!(!Ids::RETURN_TOKENS);
/// assert!(WithTokens::RETURN_TOKENS);
/// ```
pub trait Returning: sealed::Sealed + Send + Sync + 'static {
    /// What one written record of `T` gives back.
    type Output<T: VaultTable>;

    /// Whether the request asks the vault for tokens.
    const RETURN_TOKENS: bool;

    /// Builds the output from the record's id and the tokens the vault returned.
    ///
    /// # Errors
    ///
    /// When a token is not a string.
    ///
    /// ```
    /// use skyflow::VaultTable;
    /// use skyflow::table::{FieldMap, SkyflowId};
    /// use skyflow::table::builders::{Ids, Returning, WithTokens};
    ///
    /// #[derive(VaultTable)]
    /// #[vault(table = "persons")]
    /// struct Person {
    ///     #[vault(skyflow_id)]
    ///     id: Option<SkyflowId>,
    ///     ssn: String,
    /// }
    ///
    /// let mut tokens = FieldMap::new();
    /// tokens.insert("ssn".into(), serde_json::json!("tok-1"));
    /// assert_eq!(Ids::output::<Person>("id-1", &tokens)?.as_str(), "id-1");
    /// let view = WithTokens::output::<Person>("id-1", &tokens)?;
    /// assert_eq!(view.ssn.map(|t| t.into_raw()).as_deref(), Some("tok-1"));
    /// # Ok::<(), skyflow::Error>(())
    /// ```
    fn output<T: VaultTable>(skyflow_id: &str, tokens: &FieldMap) -> Result<Self::Output<T>>;
}

/// Writes return the record's [`SkyflowId`] (the default).
///
/// ```
/// use skyflow::table::builders::{Ids, Returning};
/// assert!(!Ids::RETURN_TOKENS);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ids;

/// Writes return the record's tokens view (`PersonTokens`: its id and one typed token per
/// column).
///
/// ```
/// use skyflow::table::builders::{Returning, WithTokens};
/// assert!(WithTokens::RETURN_TOKENS);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WithTokens;

impl sealed::Sealed for Ids {}
impl sealed::Sealed for WithTokens {}

impl Returning for Ids {
    type Output<T: VaultTable> = SkyflowId;
    const RETURN_TOKENS: bool = false;

    fn output<T: VaultTable>(skyflow_id: &str, _tokens: &FieldMap) -> Result<SkyflowId> {
        Ok(SkyflowId::new(skyflow_id))
    }
}

impl Returning for WithTokens {
    type Output<T: VaultTable> = T::View<Tokens>;
    const RETURN_TOKENS: bool = true;

    fn output<T: VaultTable>(skyflow_id: &str, tokens: &FieldMap) -> Result<T::View<Tokens>> {
        tokens_view::<T>(skyflow_id, tokens)
    }
}

/// An insert that stops at the first failure: `send()` returns one output per record, or
/// the error (the default).
///
/// ```
/// # use skyflow::table::builders::StopOnError;
/// let _ = StopOnError;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StopOnError;

/// An insert that goes on past failed records: `send()` returns an [`InsertResults`] with
/// one result per record.
///
/// ```
/// # use skyflow::table::builders::ContinueOnError;
/// let _ = ContinueOnError;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContinueOnError;

const INSERT: &str = "InsertRequest";

/// Inserts several records of `T`; built by [`Table::insert_many`](super::Table::insert_many).
///
/// - `R`: what each record returns, [`Ids`] or (after
///   [`return_tokens`](InsertMany::return_tokens)) [`WithTokens`];
/// - `E`: [`StopOnError`], or (after [`continue_on_error`](InsertMany::continue_on_error))
///   [`ContinueOnError`].
///
/// ```no_run
/// # use skyflow::{VaultTable, table::SkyflowId};
/// # #[derive(VaultTable)] #[vault(table = "persons")]
/// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String, #[vault(unique)] email: String }
/// # async fn run(vault: skyflow::VaultClient, people: Vec<Person>) -> skyflow::Result<()> {
/// let results = vault
///     .table::<Person>()
///     .insert_many(&people)
///     .return_tokens()
///     .continue_on_error()
///     .send()
///     .await?;
/// for error in results.errors() {
///     eprintln!("{error}"); // values[1]: <the vault's message>
/// }
/// for tokens in results.inserted() {
///     println!("inserted {}", tokens.id);
/// }
/// # Ok(()) }
/// ```
#[must_use = "an insert does nothing until you `.send().await` it"]
pub struct InsertMany<T, R = Ids, E = StopOnError> {
    vault: VaultClient,
    records: Vec<FieldMap>,
    tokens: Vec<Value>,
    token_mode: Option<TokenMode>,
    upsert: Option<&'static str>,
    error: Option<Error>,
    marker: Marker<T, R, E>,
}

/// The type parameters of a builder, held without owning anything.
type Marker<T, R, E> = PhantomData<fn() -> (T, R, E)>;

impl<T: VaultTable> InsertMany<T> {
    pub(crate) fn new<'r>(vault: VaultClient, records: impl IntoIterator<Item = &'r T>) -> Self
    where
        T: 'r,
    {
        let mut error = None;
        let mut maps = Vec::new();
        for (i, record) in records.into_iter().enumerate() {
            match record.to_insert_fields() {
                Ok(fields) => maps.push(fields),
                Err(err) => {
                    if error.is_none() {
                        let field = format!("values[{i}].{}", err.field().unwrap_or("?"));
                        error = Some(Error::validation(INSERT, field, err.message()));
                    }
                }
            }
        }
        InsertMany {
            vault,
            records: maps,
            tokens: Vec::new(),
            token_mode: None,
            upsert: None,
            error,
            marker: PhantomData,
        }
    }
}

impl<T: VaultTable, R: Returning, E> InsertMany<T, R, E> {
    fn retype<R2, E2>(self) -> InsertMany<T, R2, E2> {
        InsertMany {
            vault: self.vault,
            records: self.records,
            tokens: self.tokens,
            token_mode: self.token_mode,
            upsert: self.upsert,
            error: self.error,
            marker: PhantomData,
        }
    }

    /// Ask the vault for tokens: each record then returns its tokens view
    /// (`PersonTokens`) instead of its id alone.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, ssn: String }
    /// # async fn run(vault: skyflow::VaultClient, people: Vec<Person>) -> skyflow::Result<()> {
    /// let tokens: Vec<PersonTokens> =
    ///     vault.table::<Person>().insert_many(&people).return_tokens().send().await?;
    /// # let _ = tokens; Ok(()) }
    /// ```
    pub fn return_tokens(self) -> InsertMany<T, WithTokens, E> {
        self.retype()
    }

    /// Go on past records the vault rejects: `send()` then returns an [`InsertResults`]
    /// with each record's output or error (with its index), instead of failing the call.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient, people: Vec<Person>) -> skyflow::Result<()> {
    /// let results = vault.table::<Person>().insert_many(&people).continue_on_error().send().await?;
    /// println!("{} inserted, {} failed", results.inserted().count(), results.errors().count());
    /// # Ok(()) }
    /// ```
    pub fn continue_on_error(self) -> InsertMany<T, R, ContinueOnError> {
        self.retype()
    }

    /// Upsert on a unique column: a record whose `column` matches an existing record
    /// updates it instead of inserting a new one. Only `#[vault(unique)]` columns compile.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, #[vault(unique)] email: String }
    /// # async fn run(vault: skyflow::VaultClient, people: Vec<Person>) -> skyflow::Result<()> {
    /// vault.table::<Person>().insert_many(&people).upsert(Person::EMAIL).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn upsert<C>(mut self, column: C) -> Self
    where
        C: ColumnOf<T> + UniqueColumn,
    {
        self.upsert = Some(Upsert::<T>::on(column).column_name());
        self
    }

    /// Bring your own tokens: one optional [`TokenMap`] per record, in record order
    /// (`None` lets the vault generate that record's tokens). Sets the token mode to
    /// `ENABLE` unless [`token_mode`](InsertMany::token_mode) says otherwise.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::{SkyflowId, Token, TokenMap}};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, ssn: String }
    /// # async fn run(vault: skyflow::VaultClient, a: Person, b: Person) -> skyflow::Result<()> {
    /// let mine = TokenMap::new().with(Token::<PersonSsn>::from_raw("123-00-0001"));
    /// vault
    ///     .table::<Person>()
    ///     .insert_many([&a, &b])
    ///     .tokens([Some(mine), None])
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn tokens(
        mut self,
        tokens: impl IntoIterator<Item = impl Into<Option<TokenMap<T>>>>,
    ) -> Self {
        self.tokens = tokens
            .into_iter()
            .map(|map| match map.into() {
                Some(map) => Value::Object(map.into_fields()),
                None => Value::Null,
            })
            .collect();
        self
    }

    /// The bring-your-own-token mode (`ENABLE` when tokens are given, `DISABLE`
    /// otherwise); `ENABLE_STRICT` requires a token for every column of every record.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::{SkyflowId, Token, TokenMap}};
    /// use skyflow::vault::TokenMode;
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, ssn: String }
    /// # async fn run(vault: skyflow::VaultClient, a: Person) -> skyflow::Result<()> {
    /// let mine = TokenMap::new().with(Token::<PersonSsn>::from_raw("123-00-0001"));
    /// vault
    ///     .table::<Person>()
    ///     .insert_many([&a])
    ///     .tokens([mine])
    ///     .token_mode(TokenMode::EnableStrict)
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn token_mode(mut self, mode: TokenMode) -> Self {
        self.token_mode = Some(mode);
        self
    }

    fn request(self, continue_on_error: bool) -> Result<(VaultClient, usize, InsertRequest)> {
        if let Some(err) = self.error {
            return Err(err);
        }
        let count = self.records.len();
        let mut request = InsertRequest::new(T::TABLE)
            .values(self.records.into_iter().map(Value::Object))
            .return_tokens(R::RETURN_TOKENS)
            .continue_on_error(continue_on_error);
        if let Some(column) = self.upsert {
            request = request.upsert(column);
        }
        let has_tokens = !self.tokens.is_empty();
        if has_tokens {
            request = request.tokens(self.tokens);
        }
        let mode = self.token_mode.unwrap_or(if has_tokens {
            TokenMode::Enable
        } else {
            TokenMode::Disable
        });
        Ok((self.vault, count, request.token_mode(mode)))
    }
}

/// Sends the insert; one result per record, in input order.
async fn run_insert<T: VaultTable, R: Returning>(
    vault: &VaultClient,
    count: usize,
    request: InsertRequest,
) -> Result<Vec<std::result::Result<R::Output<T>, RecordError>>> {
    let results = vault.insert(&request).await?.into_slots(count)?;
    results
        .into_iter()
        .map(|result| match result {
            Ok(record) => R::output::<T>(record.skyflow_id(), record.tokens()).map(Ok),
            Err(error) => Ok(Err(error)),
        })
        .collect()
}

impl<T: VaultTable, R: Returning> InsertMany<T, R, StopOnError> {
    /// Sends the insert; returns one output per record, in input order.
    ///
    /// # Errors
    ///
    /// A validation error (no records, a value that does not serialize, tokens that do
    /// not fit the token mode) before anything is sent; the vault's error otherwise.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient, people: Vec<Person>) -> skyflow::Result<()> {
    /// let ids: Vec<SkyflowId> = vault.table::<Person>().insert_many(&people).send().await?;
    /// # let _ = ids; Ok(()) }
    /// ```
    pub async fn send(self) -> Result<Vec<R::Output<T>>> {
        let (vault, count, request) = self.request(false)?;
        let results = run_insert::<T, R>(&vault, count, request).await?;
        results
            .into_iter()
            .map(|result| result.map_err(Error::from))
            .collect()
    }
}

impl<T: VaultTable, R: Returning> InsertMany<T, R, ContinueOnError> {
    /// Sends the insert; returns each record's output or error, in input order.
    ///
    /// # Errors
    ///
    /// A validation error before anything is sent, or an error of the call as a whole
    /// (auth, transport). Errors of single records are in the [`InsertResults`].
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient, people: Vec<Person>) -> skyflow::Result<()> {
    /// let results = vault.table::<Person>().insert_many(&people).continue_on_error().send().await?;
    /// assert_eq!(results.len(), people.len());
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<InsertResults<R::Output<T>>> {
        let (vault, count, request) = self.request(true)?;
        let records = run_insert::<T, R>(&vault, count, request).await?;
        Ok(InsertResults { records })
    }
}

impl<T, R, E> fmt::Debug for InsertMany<T, R, E>
where
    T: VaultTable,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InsertMany")
            .field("table", &T::TABLE)
            .field("records", &self.records.len())
            .field("token_maps", &self.tokens.len())
            .field("token_mode", &self.token_mode)
            .field("upsert", &self.upsert)
            .finish_non_exhaustive()
    }
}

/// The outcome of an insert with continue-on-error: one result per record, in input
/// order; a failed record's [`RecordError`] carries its index, the vault's message, http
/// code and request id.
///
/// ```no_run
/// # use skyflow::{VaultTable, table::SkyflowId};
/// # #[derive(VaultTable)] #[vault(table = "persons")]
/// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
/// # async fn run(vault: skyflow::VaultClient, people: Vec<Person>) -> skyflow::Result<()> {
/// let results = vault.table::<Person>().insert_many(&people).continue_on_error().send().await?;
/// for (i, result) in results.records().iter().enumerate() {
///     match result {
///         Ok(id) => println!("values[{i}] -> {id}"),
///         Err(error) => println!("values[{i}] failed with http {:?}", error.http_code()),
///     }
/// }
/// # Ok(()) }
/// ```
pub struct InsertResults<O> {
    records: Vec<std::result::Result<O, RecordError>>,
}

impl<O> InsertResults<O> {
    /// Each record's result, in input order.
    ///
    /// ```no_run
    /// # fn f(results: skyflow::table::builders::InsertResults<skyflow::table::SkyflowId>) {
    /// let failed = results.records().iter().filter(|r| r.is_err()).count();
    /// # let _ = failed; }
    /// ```
    pub fn records(&self) -> &[std::result::Result<O, RecordError>] {
        &self.records
    }

    /// The outputs of the records that were inserted, in input order.
    ///
    /// ```no_run
    /// # fn f(results: skyflow::table::builders::InsertResults<skyflow::table::SkyflowId>) {
    /// let ids: Vec<&skyflow::table::SkyflowId> = results.inserted().collect();
    /// # let _ = ids; }
    /// ```
    pub fn inserted(&self) -> impl Iterator<Item = &O> {
        self.records.iter().filter_map(|r| r.as_ref().ok())
    }

    /// The errors of the records that failed, in input order.
    ///
    /// ```no_run
    /// # fn f(results: skyflow::table::builders::InsertResults<skyflow::table::SkyflowId>) {
    /// for error in results.errors() {
    ///     eprintln!("values[{}]: {}", error.index(), error.message());
    /// }
    /// # }
    /// ```
    pub fn errors(&self) -> impl Iterator<Item = &RecordError> {
        self.records.iter().filter_map(|r| r.as_ref().err())
    }

    /// `true` when every record was inserted.
    ///
    /// ```no_run
    /// # fn f(results: skyflow::table::builders::InsertResults<skyflow::table::SkyflowId>) {
    /// assert_eq!(results.is_complete(), results.errors().count() == 0);
    /// # }
    /// ```
    pub fn is_complete(&self) -> bool {
        self.records.iter().all(std::result::Result::is_ok)
    }

    /// The number of records (inserted and failed).
    ///
    /// ```no_run
    /// # fn f(results: skyflow::table::builders::InsertResults<skyflow::table::SkyflowId>) {
    /// assert_eq!(results.len(), results.records().len());
    /// # }
    /// ```
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// `true` for an insert of no records.
    ///
    /// ```no_run
    /// # fn f(results: skyflow::table::builders::InsertResults<skyflow::table::SkyflowId>) {
    /// assert_eq!(results.is_empty(), results.len() == 0);
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Each record's result, in input order.
    ///
    /// ```no_run
    /// # fn f(results: skyflow::table::builders::InsertResults<skyflow::table::SkyflowId>) {
    /// let results: Vec<Result<_, _>> = results.into_records();
    /// # let _ = results; }
    /// ```
    pub fn into_records(self) -> Vec<std::result::Result<O, RecordError>> {
        self.records
    }
}

impl<O> fmt::Debug for InsertResults<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InsertResults")
            .field("inserted", &self.inserted().count())
            .field("errors", &self.errors().collect::<Vec<_>>())
            .finish()
    }
}

/// Inserts one record of `T`; built by [`Table::insert`](super::Table::insert) and
/// [`Table::upsert`](super::Table::upsert). `R` is what `send()` returns: the
/// [`SkyflowId`] ([`Ids`]), or after [`return_tokens`](Insert::return_tokens) the tokens
/// view ([`WithTokens`]).
///
/// ```no_run
/// # use skyflow::{VaultTable, table::SkyflowId};
/// # #[derive(VaultTable)] #[vault(table = "persons")]
/// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, ssn: String }
/// # async fn run(vault: skyflow::VaultClient, jane: Person) -> skyflow::Result<()> {
/// let tokens: PersonTokens = vault.table::<Person>().insert(&jane).return_tokens().send().await?;
/// println!("inserted {} ({} tokens)", tokens.id, usize::from(tokens.ssn.is_some()));
/// # Ok(()) }
/// ```
#[must_use = "an insert does nothing until you `.send().await` it"]
pub struct Insert<T, R = Ids> {
    inner: InsertMany<T, R, StopOnError>,
}

impl<T: VaultTable> Insert<T> {
    pub(crate) fn new(vault: VaultClient, record: &T) -> Self {
        Insert {
            inner: InsertMany::new(vault, [record]),
        }
    }
}

impl<T: VaultTable, R: Returning> Insert<T, R> {
    /// Ask the vault for tokens: `send()` then returns the tokens view (`PersonTokens`).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, ssn: String }
    /// # async fn run(vault: skyflow::VaultClient, jane: Person) -> skyflow::Result<()> {
    /// let tokens = vault.table::<Person>().insert(&jane).return_tokens().send().await?;
    /// # let _ = tokens; Ok(()) }
    /// ```
    pub fn return_tokens(self) -> Insert<T, WithTokens> {
        Insert {
            inner: self.inner.return_tokens(),
        }
    }

    /// Upsert on a unique column (see [`Table::upsert`](super::Table::upsert)).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, #[vault(unique)] email: String }
    /// # async fn run(vault: skyflow::VaultClient, jane: Person) -> skyflow::Result<()> {
    /// vault.table::<Person>().insert(&jane).upsert(Person::EMAIL).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn upsert<C>(self, column: C) -> Self
    where
        C: ColumnOf<T> + UniqueColumn,
    {
        Insert {
            inner: self.inner.upsert(column),
        }
    }

    /// Bring your own tokens for this record (token mode `ENABLE`).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::{SkyflowId, Token, TokenMap}};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, ssn: String }
    /// # async fn run(vault: skyflow::VaultClient, jane: Person) -> skyflow::Result<()> {
    /// let mine = TokenMap::new().with(Token::<PersonSsn>::from_raw("123-00-0001"));
    /// vault.table::<Person>().insert(&jane).tokens(mine).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn tokens(self, tokens: TokenMap<T>) -> Self {
        Insert {
            inner: self.inner.tokens([tokens]),
        }
    }

    /// The bring-your-own-token mode (see [`InsertMany::token_mode`]).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::{SkyflowId, Token, TokenMap}};
    /// use skyflow::vault::TokenMode;
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, ssn: String }
    /// # async fn run(vault: skyflow::VaultClient, jane: Person) -> skyflow::Result<()> {
    /// let mine = TokenMap::new().with(Token::<PersonSsn>::from_raw("123-00-0001"));
    /// vault
    ///     .table::<Person>()
    ///     .insert(&jane)
    ///     .tokens(mine)
    ///     .token_mode(TokenMode::EnableStrict)
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn token_mode(self, mode: TokenMode) -> Self {
        Insert {
            inner: self.inner.token_mode(mode),
        }
    }

    /// Sends the insert; returns the record's id (or its tokens view).
    ///
    /// # Errors
    ///
    /// A validation error before anything is sent; the vault's error otherwise (for
    /// example a value the column's validation rejects, or a duplicate unique value).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, ssn: String }
    /// # async fn run(vault: skyflow::VaultClient, jane: Person) -> skyflow::Result<()> {
    /// let id: SkyflowId = vault.table::<Person>().insert(&jane).send().await?;
    /// # let _ = id; Ok(()) }
    /// ```
    pub async fn send(self) -> Result<R::Output<T>> {
        let mut outputs = self.inner.send().await?;
        // One record sent, so one result (checked against the count when read).
        outputs.pop().ok_or_else(|| {
            Error::decode("the vault returned nothing for values[0]").with_operation(INSERT)
        })
    }
}

impl<T: VaultTable, R> fmt::Debug for Insert<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Insert")
            .field("table", &T::TABLE)
            .field("token_mode", &self.inner.token_mode)
            .field("upsert", &self.inner.upsert)
            .finish_non_exhaustive()
    }
}

/// Which records a [`Get`] reads.
pub(crate) enum Lookup {
    Ids(Vec<String>),
    Column {
        column: &'static str,
        values: Vec<String>,
    },
    All,
}

/// Reads records of `T` in read mode `M`; built by [`Table::get`](super::Table::get),
/// [`Table::get_by`](super::Table::get_by) and [`Table::get_all`](super::Table::get_all).
/// `send()` returns `Vec<M::Record<T>>`: `Vec<Person>` for plain text, `Vec<PersonView<M>>`
/// otherwise.
///
/// For [`FieldDefault`], whose columns may ask for
/// different redactions, the builder sends one request per redaction (each selecting its
/// columns) and joins the records by skyflow_id.
///
/// ```no_run
/// # use skyflow::{VaultTable, table::SkyflowId};
/// use skyflow::table::Order;
/// # #[derive(VaultTable)] #[vault(table = "persons")]
/// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String, ssn: String }
/// # async fn run(vault: skyflow::VaultClient) -> skyflow::Result<()> {
/// let page = vault
///     .table::<Person>()
///     .get_all()
///     .masked()
///     .field(Person::SSN)
///     .order(Order::Descending)
///     .limit(10)
///     .send()
///     .await?;
/// for person in &page {
///     println!("{}: {:?}", person.id, person.ssn.as_str());
/// }
/// # Ok(()) }
/// ```
#[must_use = "a get does nothing until you `.send().await` it"]
pub struct Get<T, M = FieldDefault> {
    vault: VaultClient,
    lookup: Lookup,
    /// An argument that did not convert, reported by `send()`.
    error: Option<Error>,
    fields: Option<Vec<&'static str>>,
    offset: Option<u64>,
    limit: Option<u64>,
    order: Option<Order>,
    marker: PhantomData<fn() -> (T, M)>,
}

impl<T: VaultTable> Get<T> {
    pub(crate) fn new(vault: VaultClient, lookup: Result<Lookup>) -> Self {
        let (lookup, error) = match lookup {
            Ok(lookup) => (lookup, None),
            Err(err) => (Lookup::All, Some(err)),
        };
        Get {
            vault,
            lookup,
            error,
            fields: None,
            offset: None,
            limit: None,
            order: None,
            marker: PhantomData,
        }
    }
}

impl<T: VaultTable, M: ReadMode> Get<T, M> {
    /// Reads in mode `N` instead: the one place a generic caller names a mode. Everyone
    /// else uses the named methods ([`plain_text`](Self::plain_text),
    /// [`masked`](Self::masked), …).
    pub fn mode<N: ReadMode>(self) -> Get<T, N> {
        Get {
            vault: self.vault,
            lookup: self.lookup,
            error: self.error,
            fields: self.fields,
            offset: self.offset,
            limit: self.limit,
            order: self.order,
            marker: PhantomData,
        }
    }

    read_modes! {
        Get<T>;
        plain_text => PlainText,
        masked => Masked,
        redacted => Redacted,
        vault_default => VaultDefault,
        field_default => FieldDefault,
        tokens => Tokens,
    }

    /// Reads only this column (repeatable); the others come back as missing, which is
    /// `None` for `Option` fields and views, and a decode error for other fields of a
    /// plain-text read.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// use skyflow::table::redaction::Masked;
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String, ssn: String }
    /// # async fn run(vault: skyflow::VaultClient, id: SkyflowId) -> skyflow::Result<()> {
    /// let ssn_only = vault.table::<Person>().get([&id]).masked().field(Person::SSN).send().await?;
    /// assert!(ssn_only[0].name.is_null());
    /// # Ok(()) }
    /// ```
    pub fn field(mut self, column: impl Into<AnyColumn<T>>) -> Self {
        let name = column.into().name();
        let fields = self.fields.get_or_insert_with(Vec::new);
        if !fields.contains(&name) {
            fields.push(name);
        }
        self
    }

    /// Reads only these columns (see [`field`](Get::field)).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// use skyflow::table::Fields;
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String, ssn: String }
    /// # async fn run(vault: skyflow::VaultClient, id: SkyflowId) -> skyflow::Result<()> {
    /// let fields = Fields::new().with(Person::NAME).with(Person::SSN);
    /// let people = vault.table::<Person>().get([&id]).masked().fields(fields).send().await?;
    /// # let _ = people; Ok(()) }
    /// ```
    pub fn fields(mut self, fields: Fields<T>) -> Self {
        for name in fields.names() {
            let list = self.fields.get_or_insert_with(Vec::new);
            if !list.contains(name) {
                list.push(name);
            }
        }
        self
    }

    /// Skips the first `offset` records.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// use skyflow::table::redaction::Redacted;
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient) -> skyflow::Result<()> {
    /// let second_page = vault.table::<Person>().get_all().redacted().offset(25).limit(25).send().await?;
    /// # let _ = second_page; Ok(()) }
    /// ```
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Returns at most `limit` records (the vault caps a page at 25).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// use skyflow::table::redaction::Redacted;
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient) -> skyflow::Result<()> {
    /// let first_five = vault.table::<Person>().get_all().redacted().limit(5).send().await?;
    /// # let _ = first_five; Ok(()) }
    /// ```
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Orders the records by skyflow_id (the only order the get endpoint offers; use
    /// [`Table::query`](super::Table::query) to order by columns).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// use skyflow::table::Order;
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient) -> skyflow::Result<()> {
    /// let newest_ids_first = vault
    ///     .table::<Person>()
    ///     .get_all()
    ///     .redacted()
    ///     .order(Order::Descending)
    ///     .send()
    ///     .await?;
    /// # let _ = newest_ids_first; Ok(()) }
    /// ```
    pub fn order(mut self, order: Order) -> Self {
        self.order = Some(order);
        self
    }

    fn base_request(&self) -> GetRequest {
        let mut request = GetRequest::new(T::TABLE);
        match &self.lookup {
            Lookup::Ids(ids) => request = request.ids(ids.iter().cloned()),
            Lookup::Column { column, values } => {
                request = request.column_values(*column, values.iter().cloned());
            }
            Lookup::All => {}
        }
        if let Some(offset) = self.offset {
            request = request.offset(offset);
        }
        if let Some(limit) = self.limit {
            request = request.limit(limit);
        }
        if let Some(order) = self.order {
            request = request.order_by(match order {
                Order::Ascending => OrderBy::Ascending,
                Order::Descending => OrderBy::Descending,
            });
        }
        request
    }

    /// The requests to send: one per distinct read plan among the columns read, each with
    /// its plan and, when it must select, its columns.
    fn plan(&self) -> Vec<(ReadPlan, Option<Vec<&'static str>>)> {
        let columns: Vec<&'static super::ColumnInfo> = match &self.fields {
            Some(names) => names.iter().filter_map(|name| T::column(name)).collect(),
            None => T::COLUMNS.iter().collect(),
        };
        let mut groups: Vec<(ReadPlan, Vec<&'static str>)> = Vec::new();
        for column in columns {
            let plan = M::plan_for(column);
            match groups.iter_mut().find(|(p, _)| *p == plan) {
                Some((_, names)) => names.push(column.name()),
                None => groups.push((plan, vec![column.name()])),
            }
        }
        match groups.len() {
            // A table with no columns: ids only, any redaction will do.
            0 => vec![(
                ReadPlan::Redaction(RedactionType::Default),
                self.fields.clone(),
            )],
            1 => vec![(groups[0].0, self.fields.clone())],
            _ => groups
                .into_iter()
                .map(|(redaction, names)| (redaction, Some(names)))
                .collect(),
        }
    }

    /// Sends the get (one request, or one per redaction for `FieldDefault`) and reads the
    /// records.
    ///
    /// # Errors
    ///
    /// A validation error before anything is sent (for example no ids); the vault's error;
    /// or a decode error naming the column whose value does not convert to the field's
    /// type.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient, id: SkyflowId) -> skyflow::Result<()> {
    /// let people: Vec<Person> = vault.table::<Person>().get([&id]).plain_text().send().await?;
    /// # let _ = people; Ok(()) }
    /// ```
    pub async fn send(self) -> Result<Vec<M::Record<T>>> {
        if let Some(err) = self.error {
            return Err(err);
        }
        let mut merged: Option<Vec<FieldMap>> = None;
        for (plan, fields) in self.plan() {
            let mut request = self.base_request();
            request = match plan {
                ReadPlan::Redaction(redaction) => request.redaction_type(redaction),
                ReadPlan::Tokens => request.return_tokens(true),
            };
            if let Some(fields) = fields {
                request = request.fields(std::iter::once(SKYFLOW_ID).chain(fields.iter().copied()));
            }
            let records = self.vault.get(&request).await?.into_records();
            merged = Some(match merged {
                None => records,
                Some(mut so_far) => {
                    join_by_id(&mut so_far, records);
                    so_far
                }
            });
        }
        merged
            .unwrap_or_default()
            .iter()
            .map(read_as::<T, M>)
            .collect()
    }
}

/// Adds the columns of `more` to the record of `into` with the same skyflow_id.
fn join_by_id(into: &mut [FieldMap], more: Vec<FieldMap>) {
    let id_of = |record: &FieldMap| {
        record
            .get(SKYFLOW_ID)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut by_id: std::collections::HashMap<String, FieldMap> = more
        .into_iter()
        .filter_map(|record| id_of(&record).map(|id| (id, record)))
        .collect();
    for record in into {
        if let Some(extra) = id_of(record).and_then(|id| by_id.remove(&id)) {
            record.extend(extra);
        }
    }
}

impl<T: VaultTable, M: ReadMode> fmt::Debug for Get<T, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lookup = match &self.lookup {
            Lookup::Ids(ids) => format!("{} ids", ids.len()),
            Lookup::Column { column, values } => format!("{} values of {column}", values.len()),
            Lookup::All => "all".to_owned(),
        };
        f.debug_struct("Get")
            .field("table", &T::TABLE)
            .field("mode", &M::NAME)
            .field("lookup", &lookup)
            .field("fields", &self.fields)
            .field("offset", &self.offset)
            .field("limit", &self.limit)
            .field("order", &self.order)
            .finish()
    }
}

/// Updates one record of `T`; built by [`Table::update`](super::Table::update) and
/// [`Table::update_record`](super::Table::update_record). `send()` returns the id
/// ([`Ids`]), or after [`return_tokens`](UpdateRecord::return_tokens) the tokens view,
/// with tokens for the columns the update wrote.
///
/// ```no_run
/// # use skyflow::{VaultTable, table::SkyflowId};
/// use skyflow::table::Update;
/// # #[derive(VaultTable)] #[vault(table = "persons")]
/// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
/// # async fn run(vault: skyflow::VaultClient, id: SkyflowId) -> skyflow::Result<()> {
/// let tokens = vault
///     .table::<Person>()
///     .update(&id, Update::new().set(Person::NAME, "Janet"))
///     .return_tokens()
///     .send()
///     .await?;
/// assert!(tokens.name.is_some());
/// # Ok(()) }
/// ```
#[must_use = "an update does nothing until you `.send().await` it"]
pub struct UpdateRecord<T, R = Ids> {
    vault: VaultClient,
    id: Result<String>,
    fields: Result<FieldMap>,
    tokens: Option<FieldMap>,
    token_mode: Option<TokenMode>,
    marker: PhantomData<fn() -> (T, R)>,
}

impl<T: VaultTable> UpdateRecord<T> {
    pub(crate) fn new(vault: VaultClient, id: Result<String>, fields: Result<FieldMap>) -> Self {
        UpdateRecord {
            vault,
            id,
            fields,
            tokens: None,
            token_mode: None,
            marker: PhantomData,
        }
    }
}

impl<T: VaultTable, R: Returning> UpdateRecord<T, R> {
    /// Ask the vault for the tokens of the written columns: `send()` then returns the
    /// tokens view (`PersonTokens`).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient, jane: Person) -> skyflow::Result<()> {
    /// let tokens = vault.table::<Person>().update_record(&jane).return_tokens().send().await?;
    /// # let _ = tokens; Ok(()) }
    /// ```
    pub fn return_tokens(self) -> UpdateRecord<T, WithTokens> {
        UpdateRecord {
            vault: self.vault,
            id: self.id,
            fields: self.fields,
            tokens: self.tokens,
            token_mode: self.token_mode,
            marker: PhantomData,
        }
    }

    /// Bring your own tokens for the written columns (token mode `ENABLE`).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::{SkyflowId, Token, TokenMap, Update}};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, ssn: String }
    /// # async fn run(vault: skyflow::VaultClient, id: SkyflowId) -> skyflow::Result<()> {
    /// vault
    ///     .table::<Person>()
    ///     .update(&id, Update::new().set(Person::SSN, "123-45-6789"))
    ///     .tokens(TokenMap::new().with(Token::<PersonSsn>::from_raw("999-00-0001")))
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn tokens(mut self, tokens: TokenMap<T>) -> Self {
        self.tokens = Some(tokens.into_fields());
        self
    }

    /// The bring-your-own-token mode (`ENABLE` when tokens are given, `DISABLE`
    /// otherwise).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::{SkyflowId, Token, TokenMap, Update}};
    /// use skyflow::vault::TokenMode;
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, ssn: String }
    /// # async fn run(vault: skyflow::VaultClient, id: SkyflowId) -> skyflow::Result<()> {
    /// vault
    ///     .table::<Person>()
    ///     .update(&id, Update::new().set(Person::SSN, "123-45-6789"))
    ///     .tokens(TokenMap::new().with(Token::<PersonSsn>::from_raw("999-00-0001")))
    ///     .token_mode(TokenMode::EnableStrict)
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn token_mode(mut self, mode: TokenMode) -> Self {
        self.token_mode = Some(mode);
        self
    }

    /// Sends the update.
    ///
    /// # Errors
    ///
    /// A validation error before anything is sent (no id, no column named, a value that
    /// does not serialize); the vault's error otherwise.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::{SkyflowId, Update}};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient, id: SkyflowId) -> skyflow::Result<()> {
    /// let same: SkyflowId = vault
    ///     .table::<Person>()
    ///     .update(&id, Update::new().set(Person::NAME, "Janet"))
    ///     .send()
    ///     .await?;
    /// assert_eq!(same, id);
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<R::Output<T>> {
        let id = self.id?;
        let fields = self.fields?;
        let mut request = UpdateRequest::new(T::TABLE, id)
            .values(Value::Object(fields))
            .return_tokens(R::RETURN_TOKENS);
        let has_tokens = self.tokens.as_ref().is_some_and(|t| !t.is_empty());
        if let Some(tokens) = self.tokens.filter(|t| !t.is_empty()) {
            request = request.tokens(Value::Object(tokens));
        }
        request = request.token_mode(self.token_mode.unwrap_or(if has_tokens {
            TokenMode::Enable
        } else {
            TokenMode::Disable
        }));
        let response = self.vault.update(&request).await?;
        R::output::<T>(response.skyflow_id(), response.tokens())
    }
}

impl<T: VaultTable, R> fmt::Debug for UpdateRecord<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateRecord")
            .field("table", &T::TABLE)
            .field("id", &self.id.as_ref().ok())
            .field(
                "columns",
                &self
                    .fields
                    .as_ref()
                    .map(|f| f.keys().collect::<Vec<_>>())
                    .ok(),
            )
            .field("token_mode", &self.token_mode)
            .finish_non_exhaustive()
    }
}

/// Deletes records of `T` by id; built by [`Table::delete`](super::Table::delete).
/// `send()` returns the ids the vault deleted (ids that do not exist are left out; the
/// call fails with "not found" only when none exists).
///
/// ```no_run
/// # use skyflow::{VaultTable, table::SkyflowId};
/// # #[derive(VaultTable)] #[vault(table = "persons")]
/// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
/// # async fn run(vault: skyflow::VaultClient, a: SkyflowId, b: SkyflowId) -> skyflow::Result<()> {
/// let deleted = vault.table::<Person>().delete([&a, &b]).send().await?;
/// println!("deleted {} records", deleted.len());
/// # Ok(()) }
/// ```
#[must_use = "a delete does nothing until you `.send().await` it"]
pub struct Delete<T> {
    vault: VaultClient,
    ids: Vec<String>,
    table: PhantomData<fn() -> T>,
}

impl<T: VaultTable> Delete<T> {
    pub(crate) fn new(vault: VaultClient, ids: Vec<String>) -> Self {
        Delete {
            vault,
            ids,
            table: PhantomData,
        }
    }

    /// Sends the delete.
    ///
    /// # Errors
    ///
    /// A validation error for no ids or a blank id, before anything is sent; the vault's
    /// error otherwise.
    pub async fn send(self) -> Result<Vec<SkyflowId>> {
        let request = DeleteRequest::new(T::TABLE).ids(self.ids);
        let response = self.vault.delete(&request).await?;
        Ok(response
            .into_deleted_ids()
            .into_iter()
            .map(SkyflowId::from)
            .collect())
    }
}

impl<T: VaultTable> fmt::Debug for Delete<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delete")
            .field("table", &T::TABLE)
            .field("ids", &self.ids.len())
            .finish()
    }
}

const DETOKENIZE: &str = "DetokenizeRequest";

/// Detokenizes typed tokens of column `C` with redaction `M` (plain text unless a method
/// chooses another); built by [`Table::detokenize`](super::Table::detokenize). `send()`
/// returns one `M::Value<C>` per token, in token order: the column's own type for plain
/// text, [`MaskedValue`](super::MaskedValue) after [`masked`](Self::masked), and so on.
///
/// ```no_run
/// # use skyflow::{VaultTable, table::SkyflowId};
/// use skyflow::table::Token;
/// # #[derive(VaultTable)] #[vault(table = "persons")]
/// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, ssn: String }
/// # async fn run(vault: skyflow::VaultClient, tokens: Vec<Token<PersonSsn>>) -> skyflow::Result<()> {
/// let masked = vault.table::<Person>().detokenize(tokens).masked().send().await?;
/// for ssn in &masked {
///     println!("{:?}", ssn.as_str());
/// }
/// # Ok(()) }
/// ```
#[must_use = "a detokenize does nothing until you `.send().await` it"]
pub struct Detokenize<C, M = PlainText> {
    vault: VaultClient,
    tokens: Vec<super::Token<C>>,
    mode: PhantomData<fn() -> M>,
}

impl<C: super::Column> Detokenize<C> {
    pub(crate) fn new(vault: VaultClient, tokens: Vec<super::Token<C>>) -> Self {
        Detokenize {
            vault,
            tokens,
            mode: PhantomData,
        }
    }
}

impl<C: super::Column, M: Redaction> Detokenize<C, M> {
    /// Detokenizes with redaction `N` instead: the one place a generic caller names a
    /// mode; everyone else uses [`plain_text`](Self::plain_text),
    /// [`masked`](Self::masked), ….
    pub fn mode<N: Redaction>(self) -> Detokenize<C, N> {
        Detokenize {
            vault: self.vault,
            tokens: self.tokens,
            mode: PhantomData,
        }
    }

    read_modes! {
        Detokenize<C>;
        plain_text => PlainText,
        masked => Masked,
        redacted => Redacted,
        vault_default => VaultDefault,
    }

    /// Sends the detokenize.
    ///
    /// # Errors
    ///
    /// The vault's error (for example a token that does not exist, named by its index
    /// `tokens[i]`), or a decode error when a value does not convert to the column's type.
    pub async fn send(self) -> Result<Vec<M::Value<C>>> {
        let count = self.tokens.len();
        let request = DetokenizeRequest::new()
            .tokens(self.tokens.iter().map(|t| t.expose().to_owned()))
            .redaction_type(M::TYPE);
        let results = self.vault.detokenize(&request).await?.into_slots(count)?;
        results
            .into_iter()
            .map(|result| match result {
                Ok(value) => <M as ReadMode>::decode::<C>(Some(value.value())),
                Err(error) => Err(error.into()),
            })
            .collect()
    }
}

impl<C: super::Column, M: Redaction> fmt::Debug for Detokenize<C, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Detokenize")
            .field("column", &C::NAME)
            .field("tokens", &self.tokens.len())
            .field("redaction", &M::TYPE)
            .finish()
    }
}

/// Detokenizes one typed token; built by
/// [`Table::detokenize_one`](super::Table::detokenize_one). `send()` returns the value as
/// [`Detokenize`] would for a single token.
///
/// ```no_run
/// # use skyflow::{VaultTable, table::SkyflowId};
/// use skyflow::table::Token;
/// # #[derive(VaultTable)] #[vault(table = "persons")]
/// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, ssn: String }
/// # async fn run(vault: skyflow::VaultClient, token: Token<PersonSsn>) -> skyflow::Result<()> {
/// let ssn = vault.table::<Person>().detokenize_one(&token).redacted().send().await?;
/// # drop(ssn); Ok(()) }
/// ```
#[must_use = "a detokenize does nothing until you `.send().await` it"]
pub struct DetokenizeOne<C, M = PlainText> {
    inner: Detokenize<C, M>,
}

impl<C: super::Column> DetokenizeOne<C> {
    pub(crate) fn new(inner: Detokenize<C>) -> Self {
        DetokenizeOne { inner }
    }
}

impl<C: super::Column, M: Redaction> DetokenizeOne<C, M> {
    /// Detokenizes with redaction `N` instead (for generic callers; see
    /// [`Detokenize::mode`]).
    pub fn mode<N: Redaction>(self) -> DetokenizeOne<C, N> {
        DetokenizeOne {
            inner: self.inner.mode(),
        }
    }

    read_modes! {
        DetokenizeOne<C>;
        plain_text => PlainText,
        masked => Masked,
        redacted => Redacted,
        vault_default => VaultDefault,
    }

    /// Sends the detokenize.
    ///
    /// # Errors
    ///
    /// As [`Detokenize::send`].
    pub async fn send(self) -> Result<M::Value<C>> {
        let mut values = self.inner.send().await?;
        values
            .pop()
            .ok_or_else(|| Error::decode("the vault returned no value").with_operation(DETOKENIZE))
    }
}

impl<C: super::Column, M: Redaction> fmt::Debug for DetokenizeOne<C, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DetokenizeOne").field(&self.inner).finish()
    }
}

/// Runs a typed [`Select`] and reads its rows in mode `M` (each column's declared
/// redaction unless a method chooses another); built by
/// [`Table::query`](super::Table::query).
///
/// ```no_run
/// # use skyflow::{VaultTable, table::SkyflowId};
/// use skyflow::table::Select;
/// # #[derive(VaultTable)] #[vault(table = "persons")]
/// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String, age: u32 }
/// # async fn run(vault: skyflow::VaultClient) -> skyflow::Result<()> {
/// let adults = Select::new().where_eq(Person::AGE, 41).limit(10);
/// let rows = vault.table::<Person>().query(adults).masked().send().await?;
/// # drop(rows); Ok(()) }
/// ```
#[must_use = "a query does nothing until you `.send().await` it"]
pub struct Query<T, M = FieldDefault> {
    vault: VaultClient,
    select: Select<T>,
    mode: PhantomData<fn() -> M>,
}

impl<T: VaultTable> Query<T> {
    pub(crate) fn new(vault: VaultClient, select: Select<T>) -> Self {
        Query {
            vault,
            select,
            mode: PhantomData,
        }
    }
}

impl<T: VaultTable, M: ValueMode> Query<T, M> {
    /// Reads in mode `N` instead (for generic callers; everyone else uses the named
    /// methods).
    pub fn mode<N: ValueMode>(self) -> Query<T, N> {
        Query {
            vault: self.vault,
            select: self.select,
            mode: PhantomData,
        }
    }

    read_modes! {
        Query<T>;
        plain_text => PlainText,
        masked => Masked,
        redacted => Redacted,
        vault_default => VaultDefault,
        field_default => FieldDefault,
    }

    /// Sends the query.
    ///
    /// # Errors
    ///
    /// A validation error for a filter value that did not serialize, before anything is
    /// sent; the vault's error; or a decode error naming a column that does not convert.
    pub async fn send(self) -> Result<Vec<M::Record<T>>> {
        let request = QueryRequest::new(self.select.to_sql::<M>()?);
        let response = self.vault.query(&request).await?;
        response
            .into_records()
            .into_iter()
            .map(|record| read_as::<T, M>(&record.into_fields()))
            .collect()
    }
}

impl<T: VaultTable, M: ValueMode> fmt::Debug for Query<T, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query")
            .field("select", &self.select)
            .field("mode", &M::NAME)
            .finish()
    }
}
