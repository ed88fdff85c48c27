//! The typed table layer: `#[derive(VaultTable)]` structs, their columns, redaction-aware
//! values and typed tokens.
//!
//! Annotate a struct with `#[derive(VaultTable)]` (see the derive's documentation for every
//! attribute) and the derive generates, next to the struct:
//!
//! - `impl VaultTable for Person`: the table name, the [column list](VaultTable::COLUMNS),
//!   access to the skyflow_id field and conversion to and from the vault's field maps;
//! - one unit type per column (`PersonEmail`, `PersonCardNumber`, …) implementing
//!   [`Column`] and [`ColumnOf<Person>`](ColumnOf), plus [`UniqueColumn`] for
//!   `#[vault(unique)]` fields, and an associated constant per column (`Person::EMAIL`).
//!   The typed API takes these wherever it names a column, so a misspelt column, a column of
//!   another table, or an upsert on a column that is not unique, does not compile;
//! - `PersonView<M>`, the record as read in [read mode](redaction) `M`, and the alias
//!   `PersonTokens = PersonView<redaction::Tokens>`.
//!
//! # Redaction is in the types
//!
//! A plain-text read gives you `Person`: every field has its own type. Any other read gives
//! you a `PersonView<M>` whose fields say how they were read: `MaskedValue<String>`,
//! `RedactedValue<String>`, `DefaultRedacted<String>`, or `Option<Token<PersonSsn>>`. None of
//! these hold the plain value, and none convert into it, so a masked card number can't end up
//! in a `String` field by accident; the only way to a plain value is a new plain-text read
//! (or detokenizing a token). `Debug` of a view never prints plaintext, and
//! [`Sensitive<T>`] keeps plaintext out of `Debug` in your own struct.
//!
//! ```
//! use skyflow::VaultTable;
//! use skyflow::table::{FieldMap, FromRecord, MaskedValue, Sensitive, SkyflowId, Token, redaction};
//!
//! #[derive(Debug, VaultTable)]
//! #[vault(table = "persons")]
//! struct Person {
//!     #[vault(skyflow_id)]
//!     id: Option<SkyflowId>,
//!     name: String,
//!     #[vault(unique)]
//!     email: String,
//!     #[vault(column = "card_number", redaction = "masked")]
//!     card: Sensitive<String>,
//! }
//!
//! // What a MASKED read returns, as the vault sends it.
//! let fields: FieldMap = serde_json::from_value(serde_json::json!({
//!     "skyflow_id": "id-1",
//!     "name": "J***",
//!     "email": "j***@x.com",
//!     "card_number": "XXXX-XXXX-XXXX-1111",
//! }))?;
//! let masked = PersonView::<redaction::Masked>::from_record(&fields)?;
//! let card: &MaskedValue<Sensitive<String>> = &masked.card;
//! assert_eq!(card.as_str(), Some("XXXX-XXXX-XXXX-1111"));
//! assert_eq!(masked.id.as_str(), "id-1");
//!
//! // What an insert with tokens returns: one typed token per column.
//! let fields: FieldMap = serde_json::from_value(serde_json::json!({
//!     "skyflow_id": "id-1", "name": "t-1", "email": "t-2", "card_number": "t-3",
//! }))?;
//! let tokens = PersonTokens::from_record(&fields)?;
//! let card_token: &Option<Token<PersonCard>> = &tokens.card;
//! assert!(card_token.is_some());
//! assert!(!format!("{tokens:?}").contains("t-3"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Typed operations
//!
//! [`VaultClient::table`](crate::VaultClient::table) gives a [`Table`] with every vault
//! operation on typed records: insert (one or many, with tokens, continue on error,
//! bring-your-own tokens), upsert on a unique column, get by ids, by a unique column's
//! values or page by page in any read mode, partial update, delete, typed detokenize and
//! typed queries. Each converts to one untyped request of [`crate::vault`] and back.
//!
//! ```no_run
//! use skyflow::VaultTable;
//! use skyflow::table::{SkyflowId, Update};
//!
//! #[derive(VaultTable)]
//! #[vault(table = "persons")]
//! struct Person {
//!     #[vault(skyflow_id)]
//!     id: Option<SkyflowId>,
//!     name: String,
//!     #[vault(unique)]
//!     email: String,
//! }
//!
//! # async fn run(vault: skyflow::VaultClient) -> skyflow::Result<()> {
//! let people = vault.table::<Person>();
//! let jane = Person { id: None, name: "Jane".into(), email: "jane@x.com".into() };
//! let tokens = people.insert(&jane).return_tokens().send().await?; // PersonTokens
//! let masked = people.get([&tokens.id]).masked().send().await?; // Vec<PersonView<Masked>>
//! println!("{:?}", masked[0].email.as_str());
//! people.update(&tokens.id, Update::new().set(Person::NAME, "Janet")).send().await?;
//! people.delete([&tokens.id]).send().await?;
//! # Ok(()) }
//! ```
//!
//! # Requests built from columns
//!
//! [`GetByColumn`], [`Upsert`], [`Fields`], [`Update`], [`Select`] and
//! [`TokenMap`] describe the typed parts of vault operations. They are plain values that
//! convert to what the request API sends (column names, JSON values, SQL), so the typed
//! operations are a thin layer over the untyped requests.

pub mod builders;
mod column;
mod convert;
mod handle;
mod ops;
#[doc(hidden)]
pub mod private;
pub mod redaction;
mod value;

#[cfg(test)]
mod tests;

use std::fmt;

pub use builders::{
    Delete, Detokenize, DetokenizeOne, Get, Insert, InsertMany, Query, UpdateRecord,
};
pub use column::{
    AnyColumn, Column, ColumnInfo, ColumnOf, IntoValue, Nullable, UniqueColumn, VaultValue,
};
pub use convert::{FieldMap, FieldReader, FieldWriter};
pub use handle::Table;
pub use ops::{Fields, GetByColumn, Order, Patch, Select, TokenMap, Update, Upsert};
pub use redaction::{FieldDefault, Masked, PlainText, Redacted, Tokens, VaultDefault};
pub use value::{DefaultRedacted, MaskedValue, RedactedValue, Sensitive, SkyflowId, Token};

use crate::Result;
use redaction::ReadMode;

/// A struct stored as the records of one vault table. Implement it with
/// `#[derive(VaultTable)]`; see the [module documentation](self) for what the derive
/// generates.
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
///     name: String,
///     age: Option<u32>,
/// }
///
/// assert_eq!(Person::TABLE, "persons");
/// let names: Vec<_> = Person::COLUMNS.iter().map(|c| c.name()).collect();
/// assert_eq!(names, ["name", "age"]);
///
/// let mut jane = Person { id: None, name: "Jane".into(), age: Some(41) };
/// let fields = jane.to_insert_fields()?;
/// assert_eq!(fields["age"], 41);
/// jane.set_skyflow_id(SkyflowId::new("id-1"));
/// assert_eq!(jane.skyflow_id().map(SkyflowId::as_str), Some("id-1"));
/// # Ok::<(), skyflow::Error>(())
/// ```
pub trait VaultTable: Sized + 'static {
    /// The vault table name (`#[vault(table = "...")]`).
    const TABLE: &'static str;

    /// The columns, in field order (the skyflow_id field and skipped fields are not
    /// columns).
    const COLUMNS: &'static [ColumnInfo];

    /// The name of the Rust field marked `#[vault(skyflow_id)]`.
    const SKYFLOW_ID_FIELD: &'static str;

    /// The record as read in mode `M` (the generated `PersonView<M>`).
    type View<M: ReadMode>: FromRecord + fmt::Debug;

    /// The record's id: `None` until it has been inserted.
    fn skyflow_id(&self) -> Option<&SkyflowId>;

    /// Sets the record's id (after an insert).
    fn set_skyflow_id(&mut self, id: SkyflowId);

    /// Writes every column's value, in field order.
    ///
    /// # Errors
    ///
    /// When a value cannot be serialized to JSON.
    fn write_fields(&self, out: &mut FieldWriter) -> Result<()>;

    /// Builds the struct from a plain-text record (as returned by a `PLAIN_TEXT` get or a
    /// query). The id comes from the `skyflow_id` key; skipped fields get their `Default`.
    ///
    /// # Errors
    ///
    /// When a column is missing (for a non-`Option` field) or does not convert to the
    /// field's type. Messages name the column, never the value.
    fn from_fields(fields: &FieldMap) -> Result<Self>;

    /// The field map to insert: every column, leaving out null values (so `None` fields are
    /// not sent).
    ///
    /// # Errors
    ///
    /// When a value cannot be serialized to JSON.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, a: Option<u8>, b: bool }
    /// let fields = T { id: None, a: None, b: true }.to_insert_fields()?;
    /// assert_eq!(serde_json::Value::Object(fields), serde_json::json!({"b": true}));
    /// # Ok::<(), skyflow::Error>(())
    /// ```
    fn to_insert_fields(&self) -> Result<FieldMap> {
        let mut out = FieldWriter::new(false, "InsertRequest");
        self.write_fields(&mut out)?;
        Ok(out.finish())
    }

    /// The field map of a full update: every column, with `null` for `None` fields (which
    /// clears them). The id is not included.
    ///
    /// # Errors
    ///
    /// When a value cannot be serialized to JSON.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, a: Option<u8>, b: bool }
    /// let fields = T { id: None, a: None, b: true }.to_update_fields()?;
    /// assert_eq!(serde_json::Value::Object(fields), serde_json::json!({"a": null, "b": true}));
    /// # Ok::<(), skyflow::Error>(())
    /// ```
    fn to_update_fields(&self) -> Result<FieldMap> {
        let mut out = FieldWriter::new(true, "UpdateRequest");
        self.write_fields(&mut out)?;
        Ok(out.finish())
    }

    /// The metadata of the column named `name`, if the table has one.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::SkyflowId};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, a: Option<u8> }
    /// assert!(T::column("a").is_some());
    /// assert!(T::column("b").is_none());
    /// ```
    fn column(name: &str) -> Option<&'static ColumnInfo> {
        Self::COLUMNS.iter().find(|column| column.name() == name)
    }
}

/// A type built from one record the vault returned (a field map): the struct itself for
/// plain-text reads, and its generated views for other reads.
///
/// ```
/// use skyflow::VaultTable;
/// use skyflow::table::{FieldMap, FromRecord, SkyflowId};
///
/// #[derive(VaultTable)]
/// #[vault(table = "persons")]
/// struct Person {
///     #[vault(skyflow_id)]
///     id: Option<SkyflowId>,
///     name: String,
/// }
///
/// let fields: FieldMap =
///     serde_json::from_value(serde_json::json!({"skyflow_id": "id-1", "name": "Jane"}))?;
/// let jane = Person::from_record(&fields)?;
/// assert_eq!(jane.name, "Jane");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait FromRecord: Sized {
    /// Builds the value from a record's fields.
    ///
    /// # Errors
    ///
    /// When a column does not convert; messages name the column, never the value.
    fn from_record(fields: &FieldMap) -> Result<Self>;
}
