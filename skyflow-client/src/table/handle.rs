//! [`Table`]: the typed operations on one vault table, a thin conversion over the request
//! API of [`crate::vault`].

use std::fmt;
use std::marker::PhantomData;

use super::VaultTable;
use super::builders::{
    Delete, Detokenize, DetokenizeOne, Get, Insert, InsertMany, Lookup, Query, UpdateRecord,
};
use super::column::{ColumnOf, UniqueColumn};
use super::convert::FieldMap;
use super::ops::{GetByColumn, Select, Update};
use super::redaction::{self, FieldDefault, ReadMode};
use super::value::Token;
use crate::client::VaultClient;
use crate::{Error, Result};

impl VaultClient {
    /// The typed operations on the vault table of `T` (a `#[derive(VaultTable)]` struct).
    /// The [`Table`] holds a clone of this handle (cheap), so it and the futures of its
    /// operations are `Send + 'static`: they can be spawned.
    ///
    /// ```no_run
    /// use skyflow::VaultTable;
    /// use skyflow::table::SkyflowId;
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
    /// let jane = Person { id: None, name: "Jane".into() };
    /// let id = tokio::spawn(people.insert(&jane).send()).await.expect("task")?;
    /// let masked = people.get([&id]).masked().send().await?;
    /// println!("{:?}", masked[0].name);
    /// # Ok(()) }
    /// ```
    pub fn table<T: VaultTable>(&self) -> Table<T> {
        Table {
            vault: self.clone(),
            table: PhantomData,
        }
    }
}

/// The typed operations on the vault table of `T`: get one with
/// [`VaultClient::table`].
///
/// Every operation is a builder that ends in `.send().await`. It converts typed records,
/// columns and tokens into one of the untyped requests of [`crate::vault`] and sends it
/// through the same client, so batching, retries, request ids and logging work exactly as
/// for the untyped calls. Columns are named with the constants the derive generates
/// (`Person::EMAIL`), so a misspelt column, a column of another table or an upsert on a
/// column that is not unique does not compile. Errors in the arguments (a value that does
/// not serialize, a record without id) are reported by `send()`, before anything is sent.
///
/// Reads choose their [read mode](redaction) with a method on the builder:
/// `.plain_text()` gives `Vec<Person>`, `.masked()` gives `Vec<PersonView<Masked>>`, and so
/// on; without one, each column is read with the redaction its field declares
/// ([`FieldDefault`]).
///
/// | operation | method | `send()` returns |
/// |---|---|---|
/// | insert | [`insert`](Table::insert), [`insert_many`](Table::insert_many) | ids, or with [`return_tokens`](Insert::return_tokens) the `PersonTokens` |
/// | upsert | [`upsert`](Table::upsert) | as insert |
/// | read | [`get`](Table::get), [`get_by`](Table::get_by), [`get_all`](Table::get_all) | `Vec<Person>` (plain text) or `Vec<PersonView<M>>` |
/// | update | [`update`](Table::update), [`update_record`](Table::update_record) | the id, or the tokens |
/// | delete | [`delete`](Table::delete) | the deleted ids |
/// | detokenize | [`detokenize`](Table::detokenize), [`detokenize_one`](Table::detokenize_one) | the column's type, or its masked, redacted … form |
/// | query | [`query`](Table::query) | `Vec<Person>` or views |
///
/// ```no_run
/// use skyflow::VaultTable;
/// use skyflow::table::{SkyflowId, Update};
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
/// let email: String = people.detokenize_one(tokens.email.as_ref().unwrap()).send().await?;
/// assert_eq!(email, jane.email);
///
/// let masked = people.get([&tokens.id]).masked().send().await?;
/// println!("name on file: {:?}", masked[0].name.as_str());
///
/// people.update(&tokens.id, Update::new().set(Person::NICKNAME, Some("JJ"))).send().await?;
/// let plain: Vec<Person> = people.get([&tokens.id]).plain_text().send().await?;
/// assert_eq!(plain[0].nickname.as_deref(), Some("JJ"));
///
/// people.delete([&tokens.id]).send().await?;
/// # Ok(()) }
/// ```
pub struct Table<T> {
    vault: VaultClient,
    table: PhantomData<fn() -> T>,
}

impl<T> Clone for Table<T> {
    fn clone(&self) -> Self {
        Table {
            vault: self.vault.clone(),
            table: PhantomData,
        }
    }
}

impl<T: VaultTable> fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Table")
            .field("table", &T::TABLE)
            .field("vault_id", &self.vault.vault_id())
            .finish()
    }
}

impl<T: VaultTable> Table<T> {
    /// The vault table name (`#[vault(table = "...")]`).
    pub fn name(&self) -> &'static str {
        T::TABLE
    }

    /// The vault handle the operations go through.
    pub fn vault(&self) -> &VaultClient {
        &self.vault
    }

    /// Inserts one record (its id field is ignored). `send()` returns the new record's
    /// [`SkyflowId`](super::SkyflowId); after [`return_tokens`](Insert::return_tokens), its
    /// tokens view (`PersonTokens`: the id and one typed token per column).
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
    pub fn insert(&self, record: &T) -> Insert<T> {
        Insert::new(self.vault.clone(), record)
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
    pub fn insert_many<'r>(&self, records: impl IntoIterator<Item = &'r T>) -> InsertMany<T>
    where
        T: 'r,
    {
        InsertMany::new(self.vault.clone(), records)
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
    pub fn upsert<C>(&self, column: C, record: &T) -> Insert<T>
    where
        C: ColumnOf<T> + UniqueColumn,
    {
        self.insert(record).upsert(column)
    }

    /// Reads the records with these ids. Choose the read mode on the builder:
    /// [`plain_text`](Get::plain_text) gives `Vec<Person>`, [`masked`](Get::masked) gives
    /// `Vec<PersonView<Masked>>`, [`tokens`](Get::tokens) gives `Vec<PersonTokens>`; the
    /// default reads each column with its declared redaction ([`FieldDefault`]).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient, id: SkyflowId) -> skyflow::Result<()> {
    /// let people = vault.table::<Person>();
    /// let plain = people.get([&id]).plain_text().send().await?;
    /// let masked = people.get([&id]).masked().send().await?;
    /// println!("{} is shown as {:?}", plain[0].name.len(), masked[0].name.as_str());
    /// # Ok(()) }
    /// ```
    pub fn get(&self, ids: impl IntoIterator<Item = impl AsRef<str>>) -> Get<T, FieldDefault> {
        let ids = ids.into_iter().map(|id| id.as_ref().to_owned()).collect();
        Get::new(self.vault.clone(), Ok(Lookup::Ids(ids)))
    }

    /// Reads the records whose unique column holds one of the given values.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// use skyflow::table::GetByColumn;
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String, #[vault(unique)] badge: u32 }
    /// # async fn run(vault: skyflow::VaultClient) -> skyflow::Result<()> {
    /// let by_badge = GetByColumn::new(Person::BADGE, [7, 8]);
    /// let found = vault.table::<Person>().get_by(by_badge).masked().send().await?;
    /// # drop(found); Ok(()) }
    /// ```
    pub fn get_by(&self, lookup: GetByColumn<T>) -> Get<T, FieldDefault> {
        let (column, values) = lookup.into_parts();
        let lookup = values.map(|values| Lookup::Column { column, values });
        Get::new(self.vault.clone(), lookup)
    }

    /// Reads the table's records page by page: set [`offset`](Get::offset),
    /// [`limit`](Get::limit) (the vault returns at most 25 per page) and
    /// [`order`](Get::order) (by skyflow_id).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient) -> skyflow::Result<()> {
    /// let people = vault.table::<Person>();
    /// let mut offset = 0;
    /// loop {
    ///     let page = people.get_all().redacted().offset(offset).limit(25).send().await?;
    ///     if page.is_empty() {
    ///         break;
    ///     }
    ///     offset += page.len() as u64;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_all(&self) -> Get<T, FieldDefault> {
        Get::new(self.vault.clone(), Ok(Lookup::All))
    }

    /// Updates the columns `changes` names on record `id`, and leaves the others as they
    /// are. `send()` returns the id; after
    /// [`return_tokens`](UpdateRecord::return_tokens), the tokens of the changed columns.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// use skyflow::table::Update;
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String, age: u32, state: Option<String> }
    /// # async fn run(vault: skyflow::VaultClient, id: SkyflowId) -> skyflow::Result<()> {
    /// let changes = Update::new().set(Person::AGE, 42).set(Person::STATE, Some("NY"));
    /// vault.table::<Person>().update(&id, changes).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn update(&self, id: impl AsRef<str>, changes: Update<T>) -> UpdateRecord<T> {
        UpdateRecord::new(
            self.vault.clone(),
            Ok(id.as_ref().to_owned()),
            changes.into_fields(),
        )
    }

    /// Writes every column of `record` (which must have its id): `None` fields are
    /// cleared.
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
    pub fn update_record(&self, record: &T) -> UpdateRecord<T> {
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
        UpdateRecord::new(self.vault.clone(), id, record.to_update_fields())
    }

    /// Deletes the records with these ids; `send()` returns the ids the vault deleted.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String }
    /// # async fn run(vault: skyflow::VaultClient, id: SkyflowId) -> skyflow::Result<()> {
    /// let deleted = vault.table::<Person>().delete([&id]).send().await?;
    /// assert_eq!(deleted, [id]);
    /// # Ok(()) }
    /// ```
    pub fn delete(&self, ids: impl IntoIterator<Item = impl AsRef<str>>) -> Delete<T> {
        let ids = ids.into_iter().map(|id| id.as_ref().to_owned()).collect();
        Delete::new(self.vault.clone(), ids)
    }

    /// Detokenizes typed tokens of one column of `T`, in plain text unless the builder
    /// chooses a redaction ([`masked`](Detokenize::masked), …): plain values have the
    /// column's own type, masked ones are [`MaskedValue`](super::MaskedValue)s. Values come
    /// back in token order.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// use skyflow::table::Token;
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, age: u32, ssn: String }
    /// # async fn run(vault: skyflow::VaultClient, t1: Token<PersonAge>, t2: Token<PersonSsn>) -> skyflow::Result<()> {
    /// let people = vault.table::<Person>();
    /// let ages: Vec<u32> = people.detokenize([t1]).send().await?;
    /// let ssn = people.detokenize([t2]).masked().send().await?;
    /// println!("age {}, ssn {:?}", ages[0], ssn[0].as_str());
    /// # Ok(()) }
    /// ```
    pub fn detokenize<C: ColumnOf<T>>(
        &self,
        tokens: impl IntoIterator<Item = Token<C>>,
    ) -> Detokenize<C> {
        Detokenize::new(self.vault.clone(), tokens.into_iter().collect())
    }

    /// Detokenizes one typed token: `send()` returns the column's own type (or, after
    /// [`masked`](DetokenizeOne::masked) and the like, its redacted form).
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// use skyflow::table::Token;
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, age: u32 }
    /// # async fn run(vault: skyflow::VaultClient, token: Token<PersonAge>) -> skyflow::Result<()> {
    /// let age: u32 = vault.table::<Person>().detokenize_one(&token).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn detokenize_one<C: ColumnOf<T>>(&self, token: &Token<C>) -> DetokenizeOne<C> {
        DetokenizeOne::new(self.detokenize([token.clone()]))
    }

    /// Runs a typed [`Select`]. Rows are read with each column's declared redaction unless
    /// the builder chooses a mode ([`plain_text`](Query::plain_text) gives `Vec<Person>`,
    /// [`masked`](Query::masked) gives `Vec<PersonView<Masked>>`, …); the query endpoint
    /// cannot return tokens.
    ///
    /// ```no_run
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// use skyflow::table::{Order, Select};
    /// # #[derive(VaultTable)] #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, name: String, age: u32 }
    /// # async fn run(vault: skyflow::VaultClient) -> skyflow::Result<()> {
    /// let select = Select::new().where_eq(Person::AGE, 41).order_by(Person::NAME, Order::Ascending);
    /// let rows = vault.table::<Person>().query(select).plain_text().send().await?;
    /// # drop(rows); Ok(()) }
    /// ```
    pub fn query(&self, select: Select<T>) -> Query<T, FieldDefault> {
        Query::new(self.vault.clone(), select)
    }
}

pub(crate) fn read_as<T: VaultTable, M: ReadMode>(fields: &FieldMap) -> Result<M::Record<T>> {
    M::read_record::<T>(fields)
}

/// The tokens view of a record from its id and the token map the vault returned.
pub(crate) fn tokens_view<T: VaultTable>(
    skyflow_id: &str,
    tokens: &FieldMap,
) -> Result<T::View<redaction::Tokens>> {
    let mut fields = tokens.clone();
    fields.insert(
        super::convert::SKYFLOW_ID.to_owned(),
        serde_json::Value::String(skyflow_id.to_owned()),
    );
    read_as::<T, redaction::Tokens>(&fields)
}
