//! Column items: one generated unit type per column, typed by its table and value.

use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::VaultTable;
use super::redaction::Redaction;
use super::value::Sensitive;
use crate::vault::RedactionType;

/// A type that can be stored in a column: anything that serializes to and from JSON with
/// serde (strings, integers, floats, booleans, chrono dates, `Option`s of those, your own
/// serde types, [`Sensitive<T>`](super::Sensitive)).
///
/// It is implemented for every such type; you never implement it yourself.
///
/// ```
/// fn storable<T: skyflow::table::VaultValue>() {}
/// storable::<String>();
/// storable::<Option<i64>>();
/// storable::<chrono::NaiveDate>();
/// ```
pub trait VaultValue: Serialize + DeserializeOwned {}

impl<T: Serialize + DeserializeOwned> VaultValue for T {}

/// A value given for a column whose values have type `V`: a `V`, or a shorthand that
/// converts to it without loss. The typed filters and updates
/// ([`Select::where_eq`](super::Select::where_eq), [`Update::set`](super::Update::set),
/// [`GetByColumn::new`](super::GetByColumn::new)) take it, so literals infer the column's
/// type: `41` for a `u32` column, `"NY"` for a `String` column, `Some("NY")` or `"NY"` for an
/// `Option<String>` column.
///
/// | column type | also accepts |
/// |---|---|
/// | `String` | `&str` |
/// | `Option<V>` | `V`; and `&str`, `Option<&str>` when `V` is `String` |
/// | `Sensitive<V>` | `V`; and `&str` when `V` is `String` |
///
/// ```
/// use skyflow::table::IntoValue;
///
/// fn column_value<V>(value: impl IntoValue<V>) -> V {
///     value.into_value()
/// }
/// let age: u32 = column_value(41);
/// let state: Option<String> = column_value(Some("NY"));
/// let city: Option<String> = column_value("Albany");
/// assert_eq!((age, state.as_deref(), city.as_deref()), (41, Some("NY"), Some("Albany")));
/// ```
pub trait IntoValue<V> {
    /// The value, as the column's type.
    fn into_value(self) -> V;
}

impl<V> IntoValue<V> for V {
    fn into_value(self) -> V {
        self
    }
}

impl IntoValue<String> for &str {
    fn into_value(self) -> String {
        self.to_owned()
    }
}

impl<V> IntoValue<Option<V>> for V {
    fn into_value(self) -> Option<V> {
        Some(self)
    }
}

impl IntoValue<Option<String>> for &str {
    fn into_value(self) -> Option<String> {
        Some(self.to_owned())
    }
}

impl IntoValue<Option<String>> for Option<&str> {
    fn into_value(self) -> Option<String> {
        self.map(str::to_owned)
    }
}

impl<V> IntoValue<Sensitive<V>> for V {
    fn into_value(self) -> Sensitive<V> {
        Sensitive::new(self)
    }
}

impl IntoValue<Sensitive<String>> for &str {
    fn into_value(self) -> Sensitive<String> {
        Sensitive::new(self.to_owned())
    }
}

/// A column of table [`Table`](Column::Table) whose values have type
/// [`Value`](Column::Value).
///
/// `#[derive(VaultTable)]` generates one unit type per column, named after the struct and
/// the field (`Person` + `card_number` = `PersonCardNumber`), and an associated constant
/// on the struct holding it (`Person::CARD_NUMBER`). Pass these wherever the typed API names
/// a column; a misspelt column does not compile.
///
/// ```
/// use skyflow::VaultTable;
/// use skyflow::table::{Column, SkyflowId};
///
/// #[derive(VaultTable)]
/// #[vault(table = "persons")]
/// struct Person {
///     #[vault(skyflow_id)]
///     id: Option<SkyflowId>,
///     #[vault(column = "card_number")]
///     card: String,
/// }
///
/// fn name_of<C: Column>(_: C) -> &'static str {
///     C::NAME
/// }
/// assert_eq!(name_of(Person::CARD), "card_number");
/// assert_eq!(PersonCard::FIELD, "card");
/// ```
pub trait Column: Copy + Default + fmt::Debug + Send + Sync + 'static {
    /// The table the column belongs to.
    type Table: VaultTable;
    /// The Rust type of the column's plain value (the field's type).
    type Value: VaultValue;
    /// The redaction the field declares (`#[vault(redaction = "...")]`), used by
    /// [`redaction::FieldDefault`](super::redaction::FieldDefault) reads.
    type Redaction: Redaction;
    /// The column name in the vault.
    const NAME: &'static str;
    /// The Rust field name.
    const FIELD: &'static str;
    /// The field's Rust type as written in the struct, for messages.
    const RUST_TYPE: &'static str;
}

/// `Self` is a column of table `T`.
///
/// The typed API bounds its column arguments with `ColumnOf<T>`, so a column of another
/// table is a compile error.
///
/// ```
/// use skyflow::VaultTable;
/// use skyflow::table::{ColumnOf, SkyflowId};
///
/// #[derive(VaultTable)]
/// #[vault(table = "persons")]
/// struct Person {
///     #[vault(skyflow_id)]
///     id: Option<SkyflowId>,
///     email: String,
/// }
///
/// fn person_column<C: ColumnOf<Person>>(_: C) {}
/// person_column(Person::EMAIL);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a column of table `{T}`",
    label = "expected a column of `{T}`",
    note = "use one of the column constants that `#[derive(VaultTable)]` generates on `{T}`"
)]
pub trait ColumnOf<T: VaultTable>: Column<Table = T> {}

/// A column marked `#[vault(unique)]`: usable as an upsert key and in get-by-column.
///
/// ```
/// use skyflow::VaultTable;
/// use skyflow::table::{SkyflowId, UniqueColumn};
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
/// fn key<C: UniqueColumn>(_: C) -> &'static str {
///     C::NAME
/// }
/// assert_eq!(key(Person::EMAIL), "email");
/// ```
#[diagnostic::on_unimplemented(
    message = "column `{Self}` is not unique",
    label = "this column is not marked `#[vault(unique)]`",
    note = "upserts and get-by-column need a unique column: mark the field `#[vault(unique)]` \
            (and make the column unique in the vault schema)"
)]
pub trait UniqueColumn: Column {}

/// A value type that can be cleared (set to null) by an update: `Option<T>`.
///
/// ```
/// fn clearable<T: skyflow::table::Nullable>() {}
/// clearable::<Option<String>>();
/// ```
#[diagnostic::on_unimplemented(
    message = "a column of type `{Self}` cannot be cleared",
    label = "only `Option<_>` columns can be set to null",
    note = "change the field's type to `Option<{Self}>` if the column may be empty"
)]
pub trait Nullable {}

impl<T> Nullable for Option<T> {}

/// Metadata of one column, as listed in [`VaultTable::COLUMNS`].
///
/// ```
/// use skyflow::VaultTable;
/// use skyflow::table::SkyflowId;
///
/// #[derive(VaultTable)]
/// #[vault(table = "persons")]
/// struct Person {
///     #[vault(skyflow_id)]
///     id: Option<SkyflowId>,
///     #[vault(unique, redaction = "masked")]
///     email: String,
/// }
///
/// let email = &Person::COLUMNS[0];
/// assert_eq!(email.name(), "email");
/// assert_eq!(email.rust_type(), "String");
/// assert_eq!(email.redaction(), skyflow::vault::RedactionType::Masked);
/// assert!(email.is_unique());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnInfo {
    name: &'static str,
    field: &'static str,
    rust_type: &'static str,
    redaction: RedactionType,
    unique: bool,
}

impl ColumnInfo {
    #[doc(hidden)]
    pub const fn __new(
        name: &'static str,
        field: &'static str,
        rust_type: &'static str,
        redaction: RedactionType,
        unique: bool,
    ) -> Self {
        ColumnInfo {
            name,
            field,
            rust_type,
            redaction,
            unique,
        }
    }

    /// The column name in the vault.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, #[vault(column = "n")] name: String }
    /// assert_eq!(T::COLUMNS[0].name(), "n");
    /// ```
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The Rust field name.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, #[vault(column = "n")] name: String }
    /// assert_eq!(T::COLUMNS[0].field(), "name");
    /// ```
    pub const fn field(&self) -> &'static str {
        self.field
    }

    /// The field's Rust type as written in the struct.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, age: Option<u8> }
    /// assert_eq!(T::COLUMNS[0].rust_type(), "Option<u8>");
    /// ```
    pub const fn rust_type(&self) -> &'static str {
        self.rust_type
    }

    /// The field's declared redaction (`#[vault(redaction = "...")]`,
    /// [`RedactionType::Default`] when not declared).
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, age: u8 }
    /// assert_eq!(T::COLUMNS[0].redaction(), skyflow::vault::RedactionType::Default);
    /// ```
    pub const fn redaction(&self) -> RedactionType {
        self.redaction
    }

    /// Whether the field is marked `#[vault(unique)]`.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, age: u8 }
    /// assert!(!T::COLUMNS[0].is_unique());
    /// ```
    pub const fn is_unique(&self) -> bool {
        self.unique
    }
}

/// A column of table `T` with its value type erased, for lists of columns (field
/// selection). Every generated column converts into it with `into()`.
///
/// ```
/// use skyflow::VaultTable;
/// use skyflow::table::{AnyColumn, SkyflowId};
///
/// #[derive(VaultTable)]
/// #[vault(table = "persons")]
/// struct Person {
///     #[vault(skyflow_id)]
///     id: Option<SkyflowId>,
///     name: String,
///     age: u32,
/// }
///
/// let columns: [AnyColumn<Person>; 2] = [Person::NAME.into(), Person::AGE.into()];
/// assert_eq!(columns[1].name(), "age");
/// ```
pub struct AnyColumn<T> {
    name: &'static str,
    table: PhantomData<fn() -> T>,
}

impl<T: VaultTable> AnyColumn<T> {
    /// The column name in the vault.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{AnyColumn, SkyflowId}};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, age: u8 }
    /// assert_eq!(AnyColumn::from(T::AGE).name(), "age");
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The column's metadata.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{AnyColumn, SkyflowId}};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, age: u8 }
    /// assert_eq!(AnyColumn::from(T::AGE).info().rust_type(), "u8");
    /// ```
    pub fn info(&self) -> &'static ColumnInfo {
        T::column(self.name).unwrap_or_else(|| {
            unreachable!("AnyColumn is only built from a generated column of its table")
        })
    }
}

impl<T, C: ColumnOf<T>> From<C> for AnyColumn<T>
where
    T: VaultTable,
{
    fn from(_: C) -> Self {
        AnyColumn {
            name: C::NAME,
            table: PhantomData,
        }
    }
}

impl<T> Clone for AnyColumn<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for AnyColumn<T> {}

impl<T> PartialEq for AnyColumn<T> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl<T> Eq for AnyColumn<T> {}

impl<T> fmt::Debug for AnyColumn<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AnyColumn").field(&self.name).finish()
    }
}
