//! Typed descriptions of the column-naming parts of vault operations: get by column, upsert
//! key, field selection, partial update, bring-your-own tokens, typed detokenize and typed
//! queries. Each converts to what the untyped request API sends.
//!
//! None of these types print values in `Debug`: they show column names and counts only.

use std::fmt;
use std::marker::PhantomData;

use serde_json::Value;

use super::VaultTable;
use super::column::{AnyColumn, ColumnOf, IntoValue, Nullable, UniqueColumn};
use super::convert::{FieldMap, encode, json_kind};
use super::redaction::{ReadPlan, ValueMode};
use super::value::Token;
use crate::vault::RedactionType;
use crate::{Error, Result};

/// Turns a column value into the raw string the get endpoint's `column_values` takes.
fn wire_string(value: Value, operation: &str, column: &str) -> Result<String> {
    match value {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(Error::validation(
            operation,
            column,
            format!(
                "column values must be strings, numbers or booleans, found {}",
                json_kind(&other)
            ),
        )),
    }
}

/// Get records by the values of a unique column (the get endpoint's `column_name` and
/// `column_values`).
///
/// The column must be a column of `T` marked `#[vault(unique)]`, and the values must have
/// the column's type; both are checked at compile time.
///
/// ```
/// use skyflow::VaultTable;
/// use skyflow::table::{GetByColumn, SkyflowId};
///
/// #[derive(VaultTable)]
/// #[vault(table = "persons")]
/// struct Person {
///     #[vault(skyflow_id)]
///     id: Option<SkyflowId>,
///     #[vault(unique)]
///     email: String,
///     #[vault(unique)]
///     badge: u32,
/// }
///
/// let by_email = GetByColumn::new(Person::EMAIL, ["jane@x.com", "raj@x.com"]);
/// assert_eq!(by_email.column_name(), "email");
/// assert_eq!(by_email.values(), ["jane@x.com", "raj@x.com"]);
///
/// let by_badge = GetByColumn::new(Person::BADGE, [7]);
/// assert_eq!(by_badge.values(), ["7"]);
/// ```
pub struct GetByColumn<T> {
    column: &'static str,
    values: Result<Vec<String>>,
    table: PhantomData<fn() -> T>,
}

impl<T: VaultTable> GetByColumn<T> {
    /// Looks up records whose `column` holds one of `values`. A value that does not
    /// serialize to a JSON string, number or boolean fails the get when it is sent.
    pub fn new<C, I>(column: C, values: I) -> Self
    where
        C: ColumnOf<T> + UniqueColumn,
        I: IntoIterator,
        I::Item: IntoValue<C::Value>,
    {
        let _ = column;
        let values = values
            .into_iter()
            .map(|value| {
                let json = encode::<C>(&value.into_value(), "GetRequest")?;
                wire_string(json, "GetRequest", C::NAME)
            })
            .collect::<Result<Vec<_>>>();
        GetByColumn {
            column: C::NAME,
            values,
            table: PhantomData,
        }
    }

    /// The column name (`column_name`).
    pub fn column_name(&self) -> &'static str {
        self.column
    }

    /// The values as the request sends them (`column_values`); empty when one of them did
    /// not convert (the get then fails with that error when sent).
    pub fn values(&self) -> &[String] {
        self.values.as_deref().unwrap_or_default()
    }

    pub(crate) fn into_parts(self) -> (&'static str, Result<Vec<String>>) {
        (self.column, self.values)
    }
}

impl<T> fmt::Debug for GetByColumn<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetByColumn")
            .field("column", &self.column)
            .field("values", &self.values.as_ref().map_or(0, Vec::len))
            .finish()
    }
}

/// The upsert key of an insert: a column of `T` marked `#[vault(unique)]`.
///
/// ```
/// use skyflow::VaultTable;
/// use skyflow::table::{SkyflowId, Upsert};
///
/// #[derive(VaultTable)]
/// #[vault(table = "persons")]
/// struct Person {
///     #[vault(skyflow_id)]
///     id: Option<SkyflowId>,
///     #[vault(unique)]
///     email: String,
/// }
///
/// assert_eq!(Upsert::on(Person::EMAIL).column_name(), "email");
/// ```
pub struct Upsert<T> {
    column: &'static str,
    table: PhantomData<fn() -> T>,
}

impl<T: VaultTable> Upsert<T> {
    /// Upsert on `column`: a record whose `column` matches is updated, otherwise a new one
    /// is inserted.
    pub fn on<C: ColumnOf<T> + UniqueColumn>(column: C) -> Self {
        let _ = column;
        Upsert {
            column: C::NAME,
            table: PhantomData,
        }
    }

    /// The column name the request sends as `upsert`.
    pub fn column_name(&self) -> &'static str {
        self.column
    }
}

impl<T> Clone for Upsert<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Upsert<T> {}

impl<T> fmt::Debug for Upsert<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Upsert").field(&self.column).finish()
    }
}

/// A selection of columns of `T` (the get endpoint's `fields`).
///
/// ```
/// use skyflow::VaultTable;
/// use skyflow::table::{Fields, SkyflowId};
///
/// #[derive(VaultTable)]
/// #[vault(table = "persons")]
/// struct Person {
///     #[vault(skyflow_id)]
///     id: Option<SkyflowId>,
///     name: String,
///     email: String,
///     age: u8,
/// }
///
/// let fields = Fields::new().with(Person::EMAIL).with(Person::AGE);
/// assert_eq!(fields.names(), ["email", "age"]);
/// assert_eq!(Fields::<Person>::all().names(), ["name", "email", "age"]);
/// ```
pub struct Fields<T> {
    columns: Vec<&'static str>,
    table: PhantomData<fn() -> T>,
}

impl<T: VaultTable> Fields<T> {
    /// No columns yet.
    pub fn new() -> Self {
        Fields {
            columns: Vec::new(),
            table: PhantomData,
        }
    }

    /// Every column of `T`.
    pub fn all() -> Self {
        Fields {
            columns: T::COLUMNS.iter().map(super::ColumnInfo::name).collect(),
            table: PhantomData,
        }
    }

    /// Adds a column (once; adding it again has no effect).
    #[must_use]
    pub fn with(mut self, column: impl Into<AnyColumn<T>>) -> Self {
        let name = column.into().name();
        if !self.columns.contains(&name) {
            self.columns.push(name);
        }
        self
    }

    /// The column names, in the order added.
    pub fn names(&self) -> &[&'static str] {
        &self.columns
    }
}

impl<T: VaultTable> Default for Fields<T> {
    fn default() -> Self {
        Fields::new()
    }
}

impl<T> Clone for Fields<T> {
    fn clone(&self) -> Self {
        Fields {
            columns: self.columns.clone(),
            table: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Fields<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Fields").field(&self.columns).finish()
    }
}

impl<T: VaultTable, C: Into<AnyColumn<T>>> FromIterator<C> for Fields<T> {
    fn from_iter<I: IntoIterator<Item = C>>(iter: I) -> Self {
        iter.into_iter().fold(Fields::new(), Fields::with)
    }
}

/// The change to one optional column in a partial update: leave it alone, set it, or clear
/// it (set it to null).
///
/// A bare `Option<V>` can't tell "leave it" from "clear it"; `Patch` can.
///
/// ```
/// use skyflow::table::Patch;
///
/// let nickname: Patch<String> = Patch::default();
/// assert!(nickname.is_unchanged());
/// assert_eq!(Patch::from(Some(3)), Patch::Set(3));
/// assert_eq!(Patch::<i32>::from(None), Patch::Clear);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Patch<V> {
    /// Leave the column as it is.
    #[default]
    Unchanged,
    /// Set the column to this value.
    Set(V),
    /// Set the column to null.
    Clear,
}

impl<V> Patch<V> {
    /// `true` for [`Patch::Unchanged`].
    pub fn is_unchanged(&self) -> bool {
        matches!(self, Patch::Unchanged)
    }
}

impl<V> From<Option<V>> for Patch<V> {
    /// `Some(v)` sets, `None` clears.
    fn from(value: Option<V>) -> Self {
        value.map_or(Patch::Clear, Patch::Set)
    }
}

impl<V> fmt::Debug for Patch<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Patch::Unchanged => f.write_str("Unchanged"),
            Patch::Set(_) => f.write_str("Set(** redacted **)"),
            Patch::Clear => f.write_str("Clear"),
        }
    }
}

/// A partial update of one record of `T`: only the columns you name are sent; the others
/// stay as they are. Send it with
/// [`Table::update`](super::Table::update).
///
/// [`set`](Update::set) takes a value of the column's type, [`clear`](Update::clear) only
/// compiles for `Option` columns, and [`patch`](Update::patch) applies a [`Patch`]. A column
/// is in one of three states: unchanged (not named), set, or cleared (set to null).
///
/// ```
/// use skyflow::VaultTable;
/// use skyflow::table::{Patch, SkyflowId, Update};
///
/// #[derive(VaultTable)]
/// #[vault(table = "persons")]
/// struct Person {
///     #[vault(skyflow_id)]
///     id: Option<SkyflowId>,
///     name: String,
///     nickname: Option<String>,
///     age: Option<u32>,
///     city: Option<String>,
/// }
///
/// let update = Update::<Person>::new()
///     .set(Person::NAME, "Janet")
///     .clear(Person::NICKNAME)
///     .patch(Person::AGE, Patch::Set(42))
///     .patch(Person::CITY, Patch::Unchanged);
/// assert!(update.is_unchanged(Person::CITY));
///
/// let fields = update.into_fields()?;
/// assert_eq!(
///     serde_json::Value::Object(fields),
///     serde_json::json!({"name": "Janet", "nickname": null, "age": 42}),
/// );
/// # Ok::<(), skyflow::Error>(())
/// ```
pub struct Update<T> {
    fields: FieldMap,
    error: Option<Error>,
    table: PhantomData<fn() -> T>,
}

impl<T: VaultTable> Update<T> {
    /// An update that changes nothing yet.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{SkyflowId, Update}};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, a: Option<u8> }
    /// assert!(Update::<T>::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Update {
            fields: FieldMap::new(),
            error: None,
            table: PhantomData,
        }
    }

    /// An update that sets every column to the record's values (`None` fields are cleared).
    /// The record's id is not part of it.
    ///
    /// # Errors
    ///
    /// When a value does not serialize.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{SkyflowId, Update}};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, a: Option<u8>, b: bool }
    /// let record = T { id: Some("id-1".into()), a: None, b: true };
    /// let fields = Update::from_record(&record)?.into_fields()?;
    /// assert_eq!(serde_json::Value::Object(fields), serde_json::json!({"a": null, "b": true}));
    /// # Ok::<(), skyflow::Error>(())
    /// ```
    pub fn from_record(record: &T) -> Result<Self> {
        Ok(Update {
            fields: record.to_update_fields()?,
            error: None,
            table: PhantomData,
        })
    }

    fn put<C: ColumnOf<T>>(mut self, value: &C::Value) -> Self {
        if self.error.is_none() {
            match encode::<C>(value, "UpdateRequest") {
                Ok(json) => {
                    self.fields.insert(C::NAME.to_owned(), json);
                }
                Err(err) => self.error = Some(err),
            }
        }
        self
    }

    /// Sets `column` to `value` (of the column's type).
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{SkyflowId, Update}};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, age: Option<u8> }
    /// let fields = Update::<T>::new().set(T::AGE, Some(7)).into_fields()?;
    /// assert_eq!(fields["age"], 7);
    /// # Ok::<(), skyflow::Error>(())
    /// ```
    #[must_use]
    pub fn set<C: ColumnOf<T>>(self, column: C, value: impl IntoValue<C::Value>) -> Self {
        let _ = column;
        self.put::<C>(&value.into_value())
    }

    /// Clears `column` (sets it to null). Only `Option` columns can be cleared.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{SkyflowId, Update}};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, age: Option<u8> }
    /// let fields = Update::<T>::new().clear(T::AGE).into_fields()?;
    /// assert!(fields["age"].is_null());
    /// # Ok::<(), skyflow::Error>(())
    /// ```
    #[must_use]
    pub fn clear<C>(mut self, column: C) -> Self
    where
        C: ColumnOf<T>,
        C::Value: Nullable,
    {
        let _ = column;
        self.fields.insert(C::NAME.to_owned(), Value::Null);
        self
    }

    /// Applies a [`Patch`] to an optional column: `Unchanged` leaves it out of the update,
    /// `Set(v)` sets it to `Some(v)`, `Clear` sets it to null.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{Patch, SkyflowId, Update}};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, age: Option<u8> }
    /// let update = Update::<T>::new().patch(T::AGE, Patch::Unchanged);
    /// assert!(update.is_unchanged(T::AGE));
    /// ```
    #[must_use]
    pub fn patch<C, V>(self, column: C, patch: Patch<V>) -> Self
    where
        C: ColumnOf<T, Value = Option<V>>,
    {
        match patch {
            Patch::Unchanged => self,
            Patch::Set(value) => self.put::<C>(&Some(value)),
            Patch::Clear => self.clear(column),
        }
    }

    /// `true` when the update leaves `column` as it is.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{SkyflowId, Update}};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, a: u8, b: u8 }
    /// let update = Update::<T>::new().set(T::A, 1);
    /// assert!(!update.is_unchanged(T::A));
    /// assert!(update.is_unchanged(T::B));
    /// ```
    pub fn is_unchanged<C: ColumnOf<T>>(&self, column: C) -> bool {
        let _ = column;
        !self.fields.contains_key(C::NAME)
    }

    /// `true` when the update names no column.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{SkyflowId, Update}};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, a: u8 }
    /// assert!(!Update::<T>::new().set(T::A, 1).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.error.is_none()
    }

    /// The fields to send (`record.fields` of the update request).
    ///
    /// # Errors
    ///
    /// When a value given to [`set`](Update::set) or [`patch`](Update::patch) did not
    /// serialize.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{SkyflowId, Update}};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, a: u8 }
    /// assert_eq!(Update::<T>::new().set(T::A, 1).into_fields()?.len(), 1);
    /// # Ok::<(), skyflow::Error>(())
    /// ```
    pub fn into_fields(self) -> Result<FieldMap> {
        match self.error {
            Some(err) => Err(err),
            None => Ok(self.fields),
        }
    }
}

impl<T: VaultTable> Default for Update<T> {
    fn default() -> Self {
        Update::new()
    }
}

impl<T> fmt::Debug for Update<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Update")
            .field("columns", &self.fields.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// The tokens you bring for one record of `T` (insert or update with BYOT): one
/// [`Token<C>`] per column, checked to belong to `T`.
///
/// ```
/// use skyflow::VaultTable;
/// use skyflow::table::{SkyflowId, Token, TokenMap};
///
/// #[derive(VaultTable)]
/// #[vault(table = "persons")]
/// struct Person {
///     #[vault(skyflow_id)]
///     id: Option<SkyflowId>,
///     ssn: String,
/// }
///
/// let tokens = TokenMap::<Person>::new().with(Token::<PersonSsn>::from_raw("tok-ssn"));
/// assert_eq!(tokens.into_fields()["ssn"], "tok-ssn");
/// ```
pub struct TokenMap<T> {
    tokens: FieldMap,
    table: PhantomData<fn() -> T>,
}

impl<T: VaultTable> TokenMap<T> {
    /// No tokens yet.
    pub fn new() -> Self {
        TokenMap {
            tokens: FieldMap::new(),
            table: PhantomData,
        }
    }

    /// Adds the token of one column (replacing an earlier one for the same column).
    #[must_use]
    pub fn with<C: ColumnOf<T>>(mut self, token: Token<C>) -> Self {
        self.tokens
            .insert(C::NAME.to_owned(), Value::String(token.into_raw()));
        self
    }

    /// The column names that have a token.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.tokens.keys().map(String::as_str)
    }

    /// The column → token map the request sends as `tokens`.
    pub fn into_fields(self) -> FieldMap {
        self.tokens
    }
}

impl<T: VaultTable> Default for TokenMap<T> {
    fn default() -> Self {
        TokenMap::new()
    }
}

impl<T> fmt::Debug for TokenMap<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenMap")
            .field("columns", &self.tokens.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Sort direction of [`Select::order_by`].
///
/// ```
/// assert_eq!(skyflow::table::Order::Descending.as_sql(), "DESC");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    /// Smallest first.
    Ascending,
    /// Largest first.
    Descending,
}

impl Order {
    /// `ASC` or `DESC`.
    pub fn as_sql(self) -> &'static str {
        match self {
            Order::Ascending => "ASC",
            Order::Descending => "DESC",
        }
    }
}

/// A typed query over table `T`: the record's columns, with equality filters on columns,
/// ordering by columns, `LIMIT` and `OFFSET`. Run it with
/// [`Table::query`](super::Table::query), which reads its rows in a read mode (the query
/// endpoint itself answers with each column's default redaction, so the SQL asks for the
/// mode's redaction with `REDACTION(column, '...')`).
///
/// ```
/// use skyflow::VaultTable;
/// use skyflow::table::{Order, Select, SkyflowId, redaction};
///
/// #[derive(VaultTable)]
/// #[vault(table = "persons")]
/// struct Person {
///     #[vault(skyflow_id)]
///     id: Option<SkyflowId>,
///     name: String,
///     city: Option<String>,
///     age: u32,
/// }
///
/// let query = Select::<Person>::new()
///     .where_eq(Person::NAME, "O'Brien")
///     .where_null(Person::CITY)
///     .order_by(Person::AGE, Order::Descending)
///     .limit(10);
/// assert_eq!(
///     query.to_sql::<redaction::PlainText>()?,
///     "SELECT skyflow_id, REDACTION(name, 'PLAIN_TEXT'), REDACTION(city, 'PLAIN_TEXT'), \
///      REDACTION(age, 'PLAIN_TEXT') FROM persons WHERE name = 'O''Brien' AND city IS NULL \
///      ORDER BY age DESC LIMIT 10",
/// );
/// assert_eq!(
///     Select::<Person>::new().to_sql::<redaction::VaultDefault>()?,
///     "SELECT skyflow_id, name, city, age FROM persons",
/// );
/// # Ok::<(), skyflow::Error>(())
/// ```
pub struct Select<T> {
    filters: Vec<(&'static str, Value)>,
    order: Vec<(&'static str, Order)>,
    limit: Option<u64>,
    offset: Option<u64>,
    error: Option<Error>,
    table: PhantomData<fn() -> T>,
}

impl<T: VaultTable> Select<T> {
    /// Every record of `T`.
    pub fn new() -> Self {
        Select {
            filters: Vec::new(),
            order: Vec::new(),
            limit: None,
            offset: None,
            error: None,
            table: PhantomData,
        }
    }

    /// Keeps records whose `column` equals `value` (`IS NULL` for a null value). Filters
    /// combine with `AND`.
    #[must_use]
    pub fn where_eq<C: ColumnOf<T>>(mut self, column: C, value: impl IntoValue<C::Value>) -> Self {
        let _ = column;
        if self.error.is_none() {
            match encode::<C>(&value.into_value(), "QueryRequest") {
                Ok(json) => self.filters.push((C::NAME, json)),
                Err(err) => self.error = Some(err),
            }
        }
        self
    }

    /// Keeps records whose `column` is null (`IS NULL`). Only `Option` columns can be null.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{Select, SkyflowId, redaction}};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, city: Option<String> }
    /// assert_eq!(
    ///     Select::<T>::new().where_null(T::CITY).to_sql::<redaction::VaultDefault>()?,
    ///     "SELECT skyflow_id, city FROM t WHERE city IS NULL",
    /// );
    /// # Ok::<(), skyflow::Error>(())
    /// ```
    #[must_use]
    pub fn where_null<C>(mut self, column: C) -> Self
    where
        C: ColumnOf<T>,
        C::Value: Nullable,
    {
        let _ = column;
        self.filters.push((C::NAME, Value::Null));
        self
    }

    /// Orders by `column`; later calls break ties of earlier ones.
    #[must_use]
    pub fn order_by<C: ColumnOf<T>>(mut self, column: C, order: Order) -> Self {
        let _ = column;
        self.order.push((C::NAME, order));
        self
    }

    setters! {
        /// Returns at most `limit` records (the vault returns at most 25 per query).
        fn limit(limit: Some(u64));

        /// Skips the first `offset` records.
        fn offset(offset: Some(u64));
    }

    /// The SQL the query request sends to read the rows in mode `M`: `skyflow_id`, then
    /// every column, each wrapped in `REDACTION(column, '...')` unless `M` asks for the
    /// column's default redaction. It holds the filter values: treat it as a secret.
    ///
    /// # Errors
    ///
    /// When a filter value did not serialize, or is an array or object.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{Select, SkyflowId, redaction}};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, a: u8 }
    /// assert_eq!(
    ///     Select::<T>::new().offset(25).to_sql::<redaction::Masked>()?,
    ///     "SELECT skyflow_id, REDACTION(a, 'MASKED') FROM t OFFSET 25",
    /// );
    /// # Ok::<(), skyflow::Error>(())
    /// ```
    pub fn to_sql<M: ValueMode>(&self) -> Result<String> {
        if let Some(err) = &self.error {
            return Err(Error::validation(
                "QueryRequest",
                err.field().unwrap_or("query"),
                err.message(),
            ));
        }
        let mut sql = String::from("SELECT skyflow_id");
        for column in T::COLUMNS {
            sql.push_str(", ");
            match M::plan_for(column) {
                // The query endpoint answers with each column's default redaction.
                ReadPlan::Redaction(RedactionType::Default) | ReadPlan::Tokens => {
                    sql.push_str(column.name());
                }
                ReadPlan::Redaction(redaction) => {
                    sql.push_str(&format!("REDACTION({}, '{redaction}')", column.name()));
                }
            }
        }
        sql.push_str(" FROM ");
        sql.push_str(T::TABLE);
        for (i, (column, value)) in self.filters.iter().enumerate() {
            sql.push_str(if i == 0 { " WHERE " } else { " AND " });
            sql.push_str(column);
            match value {
                Value::Null => sql.push_str(" IS NULL"),
                Value::Bool(b) => sql.push_str(if *b { " = TRUE" } else { " = FALSE" }),
                Value::Number(n) => {
                    sql.push_str(" = ");
                    sql.push_str(&n.to_string());
                }
                Value::String(s) => {
                    sql.push_str(" = '");
                    sql.push_str(&s.replace('\'', "''"));
                    sql.push('\'');
                }
                other => {
                    return Err(Error::validation(
                        "QueryRequest",
                        *column,
                        format!(
                            "filter values must be strings, numbers, booleans or null, found {}",
                            json_kind(other)
                        ),
                    ));
                }
            }
        }
        for (i, (column, order)) in self.order.iter().enumerate() {
            sql.push_str(if i == 0 { " ORDER BY " } else { ", " });
            sql.push_str(column);
            sql.push(' ');
            sql.push_str(order.as_sql());
        }
        if let Some(limit) = self.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        if let Some(offset) = self.offset {
            sql.push_str(&format!(" OFFSET {offset}"));
        }
        Ok(sql)
    }
}

impl<T: VaultTable> Default for Select<T> {
    fn default() -> Self {
        Select::new()
    }
}

impl<T> fmt::Debug for Select<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field(
                "filters",
                &self.filters.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
            )
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .finish()
    }
}
