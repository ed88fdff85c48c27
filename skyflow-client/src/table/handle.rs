//! [`Table`]: the typed operations on one vault table, a thin conversion over the request
//! API of [`crate::vault`].

use std::fmt;
use std::marker::PhantomData;

use serde_json::Value;

use super::VaultTable;
use super::builders::{Get, Insert, InsertMany, Lookup, UpdateRecord};
use super::column::{ColumnOf, UniqueColumn};
use super::convert::FieldMap;
use super::ops::{Detokenize, GetByColumn, Select, Update};
use super::redaction::{self, ReadMode, Redaction, ValueMode};
use super::value::{SkyflowId, Token};
use crate::client::VaultClient;
use crate::vault::{DeleteRequest, DetokenizeRequest, QueryRequest, RedactionType};
use crate::{Error, Result};

/// The [`RedactionType`] of a wire name (`PLAIN_TEXT`, `MASKED`, `REDACTED`, `DEFAULT`).
pub(crate) fn redaction_type(wire: &str) -> RedactionType {
    match wire {
        "PLAIN_TEXT" => RedactionType::PlainText,
        "MASKED" => RedactionType::Masked,
        "REDACTED" => RedactionType::Redacted,
        _ => RedactionType::Default,
    }
}

impl VaultClient {
    /// The typed operations on the vault table of `T` (a `#[derive(VaultTable)]` struct).
    ///
    /// ```no_run
    /// use skyflow::VaultTable;
    /// use skyflow::table::{SkyflowId, redaction::Masked};
    ///
    /// #[derive(VaultTable)]
    /// #[vault(table = "persons")]
    /// struct Person {
    ///     #[vault(skyflow_id)]
    ///     id: Option<SkyflowId>,
    ///     name: String,
    /// }
    ///
    /// # async fn run(vault: skyflow::VaultClient) -> skyflow::Result<()> {
    /// let people = vault.table::<Person>();
    /// let id = people.insert(&Person { id: None, name: "Jane".into() }).send().await?;
    /// let masked = people.get::<Masked>([&id]).send().await?;
    /// println!("{:?}", masked[0].name);
    /// # Ok(()) }
    /// ```
    pub fn table<T: VaultTable>(&self) -> Table<'_, T> {
        Table {
            vault: self,
            table: PhantomData,
        }
    }
}

/// The typed operations on the vault table of `T`: get one with
/// [`VaultClient::table`].
///
/// Every operation converts typed records, columns and tokens into one of the untyped
/// requests of [`crate::vault`] and sends it through the same client, so batching,
/// retries, request ids and logging work exactly as for the untyped calls. Columns are
/// named with the constants the derive generates (`Person::EMAIL`), so a misspelt column, a
/// column of another table or an upsert on a column that is not unique does not compile.
///
/// | operation | method | returns |
/// |---|---|---|
/// | insert | [`insert`](Table::insert), [`insert_many`](Table::insert_many) | ids, or with [`return_tokens`](Insert::return_tokens) the `PersonTokens` |
/// | upsert | [`upsert`](Table::upsert) | as insert |
/// | read | [`get`](Table::get), [`get_by`](Table::get_by), [`get_all`](Table::get_all) | `Vec<Person>` (plain text) or `Vec<PersonView<M>>` |
/// | update | [`update`](Table::update), [`update_record`](Table::update_record) | the id, or the tokens |
/// | delete | [`delete`](Table::delete) | the deleted ids |
/// | detokenize | [`detokenize`](Table::detokenize), [`detokenize_one`](Table::detokenize_one) | the column's type |
/// | query | [`query`](Table::query) | `Vec<Person>` or views |
///
/// ```no_run
/// use skyflow::VaultTable;
/// use skyflow::table::{SkyflowId, Update, redaction::{Masked, PlainText}};
///
/// #[derive(VaultTable)]
/// #[vault(table = "persons")]
/// struct Person {
///     #[vault(skyflow_id)]
///     id: Option<SkyflowId>,
///     name: String,
///     #[vault(unique)]
///     email: String,
///     nickname: Option<String>,
/// }
///
/// # async fn run(vault: skyflow::VaultClient) -> skyflow::Result<()> {
/// let people = vault.table::<Person>();
/// let jane = Person { id: None, name: "Jane".into(), email: "jane@x.com".into(), nickname: None };
///
/// let tokens = people.insert(&jane).return_tokens().send().await?;
/// let email: String = people.detokenize_one(tokens.email.as_ref().unwrap()).await?;
/// assert_eq!(email, jane.email);
///
/// let masked = people.get::<Masked>([&tokens.id]).send().await?;
/// println!("name on file: {:?}", masked[0].name.as_str());
///
/// people.update(&tokens.id, Update::new().set(Person::NICKNAME, Some("JJ".into()))).send().await?;
/// let plain: Vec<Person> = people.get::<PlainText>([&tokens.id]).send().await?;
/// assert_eq!(plain[0].nickname.as_deref(), Some("JJ"));
///
/// people.delete([&tokens.id]).await?;
/// # Ok(()) }
/// ```
pub struct Table<'a, T> {
    vault: &'a VaultClient,
    table: PhantomData<fn() -> T>,
}

impl<T> Clone for Table<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Table<'_, T> {}

impl<T: VaultTable> fmt::Debug for Table<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Table")
            .field("table", &T::TABLE)
            .field("vault_id", &self.vault.vault_id())
            .finish()
    }
}

impl<'a, T: VaultTable> Table<'a, T> {
    /// The vault table name (`#[vault(table = "...")]`).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # fn f(vault: skyflow::VaultClient) {
    /// assert_eq!(vault.table::<Person>().name(), "persons");
    /// # }
    /// ```
    pub fn name(&self) -> &'static str {
        T::TABLE
    }

    /// The vault handle the operations go through.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # fn f(vault: skyflow::VaultClient) {
    /// let people = vault.table::<Person>();
    /// assert_eq!(people.vault().vault_id(), vault.vault_id());
    /// # }
    /// ```
    pub fn vault(&self) -> &'a VaultClient {
        self.vault
    }

    /// Inserts one record (its id field is ignored). `send()` returns the new record's
    /// [`SkyflowId`]; after [`return_tokens`](Insert::return_tokens), its tokens view
    /// (`PersonTokens`: the id and one typed token per column).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient) -> skyflow::Result<()> {
    /// let mut jane = Person { id: None, name: "Jane".into() };
    /// let id = vault.table::<Person>().insert(&jane).send().await?;
    /// jane.id = Some(id);
    /// # Ok(()) }
    /// ```
    pub fn insert(&self, record: &T) -> Insert<'a, T> {
        Insert::new(self.vault, record)
    }

    /// Inserts several records in one call (split into batches as the client's
    /// [`BulkConfig`](crate::BulkConfig) says). `send()` returns one id per record, in input
    /// order; [`return_tokens`](InsertMany::return_tokens) and
    /// [`continue_on_error`](InsertMany::continue_on_error) change what it returns.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient) -> skyflow::Result<()> {
    /// let people = vec![
    ///     Person { id: None, name: "Jane".into() },
    ///     Person { id: None, name: "Raj".into() },
    /// ];
    /// let ids = vault.table::<Person>().insert_many(&people).send().await?;
    /// assert_eq!(ids.len(), 2);
    /// # Ok(()) }
    /// ```
    pub fn insert_many<'r>(&self, records: impl IntoIterator<Item = &'r T>) -> InsertMany<'a, T>
    where
        T: 'r,
    {
        InsertMany::new(self.vault, records)
    }

    /// Inserts `record`, or updates the record whose unique `column` holds the same value.
    /// Only columns marked `#[vault(unique)]` compile.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String, #[vault(unique)] email: String }
    /// # async fn run(vault: skyflow::VaultClient) -> skyflow::Result<()> {
    /// let people = vault.table::<Person>();
    /// let jane = Person { id: None, name: "Jane".into(), email: "jane@x.com".into() };
    /// let first = people.upsert(Person::EMAIL, &jane).send().await?;
    /// let again = people.upsert(Person::EMAIL, &jane).send().await?;
    /// assert_eq!(first, again);
    /// # Ok(()) }
    /// ```
    pub fn upsert<C>(&self, column: C, record: &T) -> Insert<'a, T>
    where
        C: ColumnOf<T> + UniqueColumn,
    {
        self.insert(record).upsert(column)
    }

    /// Reads the records with these ids in read mode `M`: `get::<PlainText>` gives
    /// `Vec<Person>`, `get::<Masked>` gives `Vec<PersonView<Masked>>`, `get::<Tokens>`
    /// gives `Vec<PersonTokens>` (see [`redaction`] for every mode).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// use skyflow::table::redaction::{Masked, PlainText};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient, id: SkyflowId) -> skyflow::Result<()> {
    /// let people = vault.table::<Person>();
    /// let plain: Vec<Person> = people.get::<PlainText>([&id]).send().await?;
    /// let masked = people.get::<Masked>([&id]).send().await?;
    /// println!("{} is shown as {:?}", plain[0].name.len(), masked[0].name.as_str());
    /// # Ok(()) }
    /// ```
    pub fn get<M: ReadMode>(
        &self,
        ids: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Get<'a, T, M> {
        let ids = ids.into_iter().map(|id| id.as_ref().to_owned()).collect();
        Get::new(self.vault, Lookup::Ids(ids))
    }

    /// Reads the records whose unique column holds one of the given values, in read mode
    /// `M`.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// use skyflow::table::{GetByColumn, redaction::Masked};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String, #[vault(unique)] email: String }
    /// # async fn run(vault: skyflow::VaultClient) -> skyflow::Result<()> {
    /// let by_email = GetByColumn::new(Person::EMAIL, ["jane@x.com"])?;
    /// let found = vault.table::<Person>().get_by::<Masked>(by_email).send().await?;
    /// # let _ = found; Ok(()) }
    /// ```
    pub fn get_by<M: ReadMode>(&self, lookup: GetByColumn<T>) -> Get<'a, T, M> {
        let (column, values) = lookup.into_parts();
        Get::new(self.vault, Lookup::Column { column, values })
    }

    /// Reads the table's records page by page, in read mode `M`: set
    /// [`offset`](Get::offset), [`limit`](Get::limit) (the vault returns at most 25 per
    /// page) and [`order`](Get::order) (by skyflow_id).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// use skyflow::table::{Order, redaction::Redacted};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient) -> skyflow::Result<()> {
    /// let people = vault.table::<Person>();
    /// let mut offset = 0;
    /// loop {
    ///     let page = people.get_all::<Redacted>().offset(offset).limit(25).send().await?;
    ///     if page.is_empty() {
    ///         break;
    ///     }
    ///     offset += page.len() as u64;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_all<M: ReadMode>(&self) -> Get<'a, T, M> {
        Get::new(self.vault, Lookup::All)
    }

    /// Updates the columns `changes` names on record `id`, and leaves the others as they
    /// are. `send()` returns the id; after
    /// [`return_tokens`](UpdateRecord::return_tokens), the tokens of the changed columns.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// use skyflow::table::Update;
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String, nickname: Option<String> }
    /// # async fn run(vault: skyflow::VaultClient, id: SkyflowId) -> skyflow::Result<()> {
    /// let changes = Update::new().set(Person::NAME, "Janet").clear(Person::NICKNAME);
    /// vault.table::<Person>().update(&id, changes).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn update(&self, id: impl AsRef<str>, changes: Update<T>) -> UpdateRecord<'a, T> {
        UpdateRecord::new(
            self.vault,
            Ok(id.as_ref().to_owned()),
            changes.into_fields(),
        )
    }

    /// Writes every column of `record` to the stored record with its id (`None` fields
    /// are cleared).
    ///
    /// `send()` fails with a validation error if the record has no id.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient, mut jane: Person) -> skyflow::Result<()> {
    /// jane.name = "Janet".into();
    /// vault.table::<Person>().update_record(&jane).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn update_record(&self, record: &T) -> UpdateRecord<'a, T> {
        let id = record
            .skyflow_id()
            .map(|id| id.as_str().to_owned())
            .ok_or_else(|| {
                Error::validation(
                    "UpdateRequest",
                    T::SKYFLOW_ID_FIELD,
                    format!(
                        "the `{}` record has no skyflow_id; insert it first",
                        T::TABLE
                    ),
                )
            });
        UpdateRecord::new(self.vault, id, record.to_update_fields())
    }

    /// Deletes the records with these ids; returns the ids the vault deleted.
    ///
    /// # Errors
    ///
    /// A validation error for no ids or a blank id; the vault's error otherwise.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient, id: SkyflowId) -> skyflow::Result<()> {
    /// let deleted = vault.table::<Person>().delete([&id]).await?;
    /// assert_eq!(deleted, [id]);
    /// # Ok(()) }
    /// ```
    pub async fn delete(
        &self,
        ids: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<Vec<SkyflowId>> {
        let request =
            DeleteRequest::new(T::TABLE).ids(ids.into_iter().map(|id| id.as_ref().to_owned()));
        let response = self.vault.delete(&request).await?;
        Ok(response
            .into_deleted_ids()
            .into_iter()
            .map(SkyflowId::from)
            .collect())
    }

    /// Detokenizes typed tokens of one column of `T`. Each value comes back as the
    /// request's redaction says: the column's own type for plain text
    /// (`Detokenize::new(..)`), `Masked<V>` after `.with_redaction::<Masked>()`, and so on.
    /// Values are in token order.
    ///
    /// # Errors
    ///
    /// The vault's error (for example a token that does not exist), or a decode error when
    /// a value does not convert to the column's type.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// use skyflow::table::{Detokenize, Token, redaction};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, age: u32, ssn: String }
    /// # async fn run(vault: skyflow::VaultClient, t1: Token<PersonAge>, t2: Token<PersonSsn>) -> skyflow::Result<()> {
    /// let people = vault.table::<Person>();
    /// let ages: Vec<u32> = people.detokenize(Detokenize::new([t1])).await?;
    /// let ssn = people
    ///     .detokenize(Detokenize::new([t2]).with_redaction::<redaction::Masked>())
    ///     .await?;
    /// println!("age {}, ssn {:?}", ages[0], ssn[0].as_str());
    /// # Ok(()) }
    /// ```
    pub async fn detokenize<C, M>(&self, request: Detokenize<C, M>) -> Result<Vec<M::Value<C>>>
    where
        C: ColumnOf<T>,
        M: Redaction,
    {
        const OP: &str = "DetokenizeRequest";
        let count = request.tokens().len();
        let wire = DetokenizeRequest::new()
            .tokens(request.tokens().iter().map(|t| t.expose().to_owned()))
            .redaction_type(redaction_type(M::WIRE));
        let response = self.vault.detokenize(&wire).await?;
        let (values, errors) = response.into_parts();
        if let Some(error) = errors.first() {
            let mut err = Error::api(error.http_code().unwrap_or(400), error.message())
                .with_operation(OP)
                .with_field(format!("tokens[{}]", error.index()));
            if let Some(id) = error.request_id() {
                err = err.with_request_id(id);
            }
            return Err(err);
        }
        let mut out: Vec<Option<M::Value<C>>> = (0..count).map(|_| None).collect();
        for value in values {
            let slot = out.get_mut(value.index()).ok_or_else(|| {
                Error::decode(format!(
                    "the vault answered for token {} of {count}",
                    value.index()
                ))
                .with_operation(OP)
            })?;
            *slot = Some(request.decode(Some(value.value()))?);
        }
        out.into_iter()
            .enumerate()
            .map(|(i, value)| {
                value.ok_or_else(|| {
                    Error::decode(format!("the vault returned no value for tokens[{i}]"))
                        .with_operation(OP)
                })
            })
            .collect()
    }

    /// Detokenizes one typed token as plain text: the value, with the column's type.
    ///
    /// # Errors
    ///
    /// As [`detokenize`](Table::detokenize).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, age: u32 }
    /// # async fn run(vault: skyflow::VaultClient, jane: Person) -> skyflow::Result<()> {
    /// let people = vault.table::<Person>();
    /// let tokens = people.insert(&jane).return_tokens().send().await?;
    /// if let Some(token) = &tokens.age {
    ///     let age: u32 = people.detokenize_one(token).await?;
    ///     assert_eq!(age, jane.age);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn detokenize_one<C: ColumnOf<T>>(&self, token: &Token<C>) -> Result<C::Value> {
        let mut values = self.detokenize(Detokenize::new([token.clone()])).await?;
        values.pop().ok_or_else(|| {
            Error::decode("the vault returned no value").with_operation("DetokenizeRequest")
        })
    }

    /// Runs a typed query and reads its rows in mode `M` (any mode but tokens: the query
    /// endpoint cannot return tokens). `query::<PlainText>` gives `Vec<Person>`.
    ///
    /// # Errors
    ///
    /// A validation error when a filter value does not convert to SQL; the vault's error
    /// otherwise.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// use skyflow::table::{Order, Select, redaction::PlainText};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String, age: u32 }
    /// # async fn run(vault: skyflow::VaultClient) -> skyflow::Result<()> {
    /// let query = Select::new().where_eq(Person::AGE, 41_u32).order_by(Person::NAME, Order::Ascending);
    /// let people: Vec<Person> = vault.table::<Person>().query::<PlainText>(&query).await?;
    /// # let _ = people; Ok(()) }
    /// ```
    pub async fn query<M: ValueMode>(&self, select: &Select<T>) -> Result<Vec<M::Record<T>>> {
        let request = QueryRequest::new(select.to_sql::<M>()?);
        let response = self.vault.query(&request).await?;
        response
            .into_records()
            .into_iter()
            .map(|record| read_as::<T, M>(&record.into_fields()))
            .collect()
    }
}

/// Reads one returned record as `M::Record<T>`.
pub(crate) fn read_as<T: VaultTable, M: ReadMode>(fields: &FieldMap) -> Result<M::Record<T>> {
    M::read_record::<T>(fields)
}

/// A record of ids and tokens as a tokens view reads it.
pub(crate) fn tokens_record(skyflow_id: &str, tokens: &FieldMap) -> FieldMap {
    let mut fields = tokens.clone();
    fields.insert(
        super::convert::SKYFLOW_ID.to_owned(),
        Value::String(skyflow_id.to_owned()),
    );
    fields
}

/// The tokens view of `T` built from an id and a column → token map.
pub(crate) fn tokens_view<T: VaultTable>(
    skyflow_id: &str,
    tokens: &FieldMap,
) -> Result<T::View<redaction::Tokens>> {
    read_as::<T, redaction::Tokens>(&tokens_record(skyflow_id, tokens))
}
