//! Read modes: how values are read from the vault, and the Rust type each mode gives a
//! column's value.
//!
//! A read mode is a marker type. [`ReadMode::Value<C>`] is the type a value of column `C`
//! has when read in that mode:
//!
//! | mode | wire redaction | value of a `String` column |
//! |---|---|---|
//! | [`PlainText`] | `PLAIN_TEXT` | `String` |
//! | [`Masked`] | `MASKED` | [`table::Masked<String>`](crate::table::Masked) |
//! | [`Redacted`] | `REDACTED` | [`table::Redacted<String>`](crate::table::Redacted) |
//! | [`VaultDefault`] | `DEFAULT` | [`table::DefaultRedacted<String>`](crate::table::DefaultRedacted) |
//! | [`FieldDefault`] | the column's `#[vault(redaction = "...")]` | one of the above |
//! | [`Tokens`] | none (tokens) | `Option<`[`Token<C>`](crate::table::Token)`>` |
//!
//! Refer to the modes through this module (`redaction::Masked`), since [`Masked`] and
//! [`Redacted`] share their names with the value wrappers.
//!
//! ```
//! use skyflow::table::redaction::{self, ReadMode, Redaction};
//!
//! assert_eq!(<redaction::Masked as Redaction>::WIRE, "MASKED");
//! assert_eq!(<redaction::PlainText as Redaction>::WIRE, "PLAIN_TEXT");
//! assert_eq!(<redaction::Tokens as ReadMode>::NAME, "tokens");
//! ```

use std::fmt;

use serde_json::Value;

use super::column::{Column, ColumnInfo};
use super::convert::{FieldMap, decode_plain};
use super::value::{self, Token};
use super::{FromRecord, VaultTable};
use crate::{Error, Result};

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// How a read returns values; see the [module docs](self) for the table of modes.
///
/// The trait is sealed: the modes are exactly the ones in this module.
///
/// ```
/// use skyflow::table::redaction::{self, ReadMode};
///
/// fn describe<M: ReadMode>() -> &'static str {
///     M::NAME
/// }
/// assert_eq!(describe::<redaction::Redacted>(), "redacted");
/// ```
pub trait ReadMode: sealed::Sealed + Copy + Default + fmt::Debug + Send + Sync + 'static {
    /// The type a value of column `C` has when read in this mode.
    type Value<C: Column>;

    /// A short lower-case name of the mode, for messages.
    const NAME: &'static str;

    /// The type a whole record of table `T` has when read in this mode: `T` itself for
    /// [`PlainText`], the generated view `T::View<Self>` (`PersonView<Masked>`, …) for
    /// every other mode.
    ///
    /// This is what the typed reads return: `get::<PlainText>` gives `Vec<Person>`,
    /// `get::<Masked>` gives `Vec<PersonView<Masked>>`.
    ///
    /// ```
    /// use skyflow::VaultTable;
    /// use skyflow::table::{SkyflowId, redaction::{self, ReadMode}};
    ///
    /// #[derive(VaultTable)]
    /// #[vault(table = "persons")]
    /// struct Person {
    ///     #[vault(skyflow_id)]
    ///     id: Option<SkyflowId>,
    ///     name: String,
    /// }
    ///
    /// let _plain: <redaction::PlainText as ReadMode>::Record<Person> =
    ///     Person { id: None, name: "Jane".into() };
    /// fn masked(
    ///     record: <redaction::Masked as ReadMode>::Record<Person>,
    /// ) -> PersonView<redaction::Masked> {
    ///     record
    /// }
    /// # let _ = masked;
    /// ```
    type Record<T: VaultTable>;

    /// Builds a [`Record`](ReadMode::Record) of `T` from the field map the vault returned.
    ///
    /// # Errors
    ///
    /// As [`FromRecord::from_record`]: a column that does not convert, or (for views) a
    /// record without `skyflow_id`.
    ///
    /// ```
    /// use skyflow::VaultTable;
    /// use skyflow::table::{FieldMap, SkyflowId, redaction::{self, ReadMode}};
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
    ///     serde_json::from_value(serde_json::json!({"skyflow_id": "id-1", "name": "J***"}))?;
    /// let masked = redaction::Masked::read_record::<Person>(&fields)?;
    /// assert_eq!(masked.name.as_str(), Some("J***"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn read_record<T: VaultTable>(fields: &FieldMap) -> Result<Self::Record<T>>;

    /// The wire redaction to request for the column described by `column`, or `None` when
    /// the read asks for tokens. The runtime twin of
    /// [`wire_redaction`](ReadMode::wire_redaction), for code that walks
    /// [`VaultTable::COLUMNS`].
    ///
    /// ```
    /// use skyflow::VaultTable;
    /// use skyflow::table::{SkyflowId, redaction::{self, ReadMode}};
    ///
    /// #[derive(VaultTable)]
    /// #[vault(table = "persons")]
    /// struct Person {
    ///     #[vault(skyflow_id)]
    ///     id: Option<SkyflowId>,
    ///     #[vault(redaction = "redacted")]
    ///     ssn: String,
    /// }
    ///
    /// let ssn = &Person::COLUMNS[0];
    /// assert_eq!(redaction::FieldDefault::column_redaction(ssn), Some("REDACTED"));
    /// assert_eq!(redaction::Masked::column_redaction(ssn), Some("MASKED"));
    /// assert_eq!(redaction::Tokens::column_redaction(ssn), None);
    /// ```
    fn column_redaction(column: &ColumnInfo) -> Option<&'static str>;

    /// The wire redaction (`PLAIN_TEXT`, `MASKED`, `REDACTED`, `DEFAULT`) to request for
    /// column `C`, or `None` when the read asks for tokens instead.
    ///
    /// ```
    /// use skyflow::VaultTable;
    /// use skyflow::table::{SkyflowId, redaction::{self, ReadMode}};
    ///
    /// #[derive(VaultTable)]
    /// #[vault(table = "persons")]
    /// struct Person {
    ///     #[vault(skyflow_id)]
    ///     id: Option<SkyflowId>,
    ///     #[vault(redaction = "masked")]
    ///     ssn: String,
    /// }
    ///
    /// assert_eq!(redaction::FieldDefault::wire_redaction::<PersonSsn>(), Some("MASKED"));
    /// assert_eq!(redaction::PlainText::wire_redaction::<PersonSsn>(), Some("PLAIN_TEXT"));
    /// assert_eq!(redaction::Tokens::wire_redaction::<PersonSsn>(), None);
    /// ```
    fn wire_redaction<C: Column>() -> Option<&'static str>;

    /// Converts the JSON value the vault returned for column `C` (`None` when the column
    /// was not in the record).
    ///
    /// Errors name the table and column, never the value.
    ///
    /// ```
    /// use skyflow::VaultTable;
    /// use skyflow::table::{SkyflowId, redaction::{self, ReadMode}};
    ///
    /// #[derive(VaultTable)]
    /// #[vault(table = "persons")]
    /// struct Person {
    ///     #[vault(skyflow_id)]
    ///     id: Option<SkyflowId>,
    ///     age: i64,
    /// }
    ///
    /// let masked = redaction::Masked::decode::<PersonAge>(Some(&serde_json::json!("XX")))?;
    /// assert_eq!(masked.as_str(), Some("XX"));
    /// let plain: i64 = redaction::PlainText::decode::<PersonAge>(Some(&serde_json::json!(41)))?;
    /// assert_eq!(plain, 41);
    /// # Ok::<(), skyflow::Error>(())
    /// ```
    fn decode<C: Column>(raw: Option<&Value>) -> Result<Self::Value<C>>;

    /// Formats a value for `Debug` without revealing plaintext: plain values print as
    /// `** redacted **`, masked and redacted values print their (already hidden) text,
    /// tokens print their column only.
    ///
    /// ```
    /// use skyflow::VaultTable;
    /// use skyflow::table::{SkyflowId, redaction::{self, ReadMode}};
    ///
    /// #[derive(VaultTable)]
    /// #[vault(table = "persons")]
    /// struct Person {
    ///     #[vault(skyflow_id)]
    ///     id: Option<SkyflowId>,
    ///     name: String,
    /// }
    ///
    /// struct Show(String);
    /// impl std::fmt::Debug for Show {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         redaction::PlainText::fmt_value::<PersonName>(&self.0, f)
    ///     }
    /// }
    /// assert_eq!(format!("{:?}", Show("Jane".into())), "** redacted **");
    /// ```
    fn fmt_value<C: Column>(value: &Self::Value<C>, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

/// A read mode that is one of Skyflow's four redaction types.
///
/// Columns declare their default redaction (`#[vault(redaction = "...")]`) as one of these.
///
/// ```
/// use skyflow::table::redaction::{self, Redaction};
/// assert_eq!(<redaction::VaultDefault as Redaction>::WIRE, "DEFAULT");
/// ```
pub trait Redaction: ReadMode {
    /// The wire name: `PLAIN_TEXT`, `MASKED`, `REDACTED` or `DEFAULT`.
    const WIRE: &'static str;
}

/// A read mode that returns values rather than tokens: every mode but [`Tokens`].
///
/// Queries take it as their mode bound, because the query endpoint cannot return tokens.
///
/// ```
/// use skyflow::table::redaction::{self, ValueMode};
///
/// fn values_only<M: ValueMode>() {}
/// values_only::<redaction::PlainText>();
/// values_only::<redaction::FieldDefault>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` reads tokens, not values",
    label = "the query endpoint cannot return tokens",
    note = "query with `PlainText`, `Masked`, `Redacted`, `VaultDefault` or `FieldDefault`, \
            and use `get::<Tokens>` to read tokens"
)]
pub trait ValueMode: ReadMode {}

impl ValueMode for PlainText {}
impl ValueMode for Masked {}
impl ValueMode for Redacted {}
impl ValueMode for VaultDefault {}
impl ValueMode for FieldDefault {}

const HIDDEN: &str = "** redacted **";

/// Read plaintext (`PLAIN_TEXT`): values have the field's own type.
///
/// ```
/// use skyflow::table::redaction::{self, Redaction};
/// assert_eq!(<redaction::PlainText as Redaction>::WIRE, "PLAIN_TEXT");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PlainText;

/// Read masked values (`MASKED`): values are [`table::Masked<T>`](crate::table::Masked).
///
/// ```
/// use skyflow::table::redaction::{self, Redaction};
/// assert_eq!(<redaction::Masked as Redaction>::WIRE, "MASKED");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Masked;

/// Read redacted values (`REDACTED`): values are
/// [`table::Redacted<T>`](crate::table::Redacted).
///
/// ```
/// use skyflow::table::redaction::{self, Redaction};
/// assert_eq!(<redaction::Redacted as Redaction>::WIRE, "REDACTED");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Redacted;

/// Read with each column's policy from the vault schema (`DEFAULT`): values are
/// [`table::DefaultRedacted<T>`](crate::table::DefaultRedacted).
///
/// ```
/// use skyflow::table::redaction::{self, Redaction};
/// assert_eq!(<redaction::VaultDefault as Redaction>::WIRE, "DEFAULT");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct VaultDefault;

/// Read each column with the redaction its field declares (`#[vault(redaction = "...")]`,
/// `"default"` when not set). The SDK asks the vault for exactly that redaction, so a field
/// declared `plain_text` comes back as its own type and a field declared `masked` as
/// [`table::Masked<T>`](crate::table::Masked).
///
/// ```
/// use skyflow::table::redaction::{self, ReadMode};
/// assert_eq!(<redaction::FieldDefault as ReadMode>::NAME, "field default");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FieldDefault;

/// Read tokens instead of values: each column is `Option<Token<C>>` (`None` when the vault
/// has no token for it, for example a null value or a column without tokenization).
///
/// ```
/// use skyflow::table::redaction::{self, ReadMode};
/// assert_eq!(<redaction::Tokens as ReadMode>::NAME, "tokens");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Tokens;

impl sealed::Sealed for PlainText {}
impl sealed::Sealed for Masked {}
impl sealed::Sealed for Redacted {}
impl sealed::Sealed for VaultDefault {}
impl sealed::Sealed for FieldDefault {}
impl sealed::Sealed for Tokens {}

impl ReadMode for PlainText {
    type Value<C: Column> = C::Value;
    type Record<T: VaultTable> = T;
    const NAME: &'static str = "plain text";

    fn read_record<T: VaultTable>(fields: &FieldMap) -> Result<T> {
        T::from_fields(fields)
    }

    fn column_redaction(_column: &ColumnInfo) -> Option<&'static str> {
        Some(Self::WIRE)
    }

    fn wire_redaction<C: Column>() -> Option<&'static str> {
        Some(Self::WIRE)
    }

    fn decode<C: Column>(raw: Option<&Value>) -> Result<C::Value> {
        decode_plain::<C>(raw)
    }

    fn fmt_value<C: Column>(_value: &C::Value, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(HIDDEN)
    }
}

impl Redaction for PlainText {
    const WIRE: &'static str = "PLAIN_TEXT";
}

macro_rules! shown_mode {
    ($mode:ident, $wrapper:ident, $name:literal, $wire:literal) => {
        impl ReadMode for $mode {
            type Value<C: Column> = value::$wrapper<C::Value>;
            type Record<T: VaultTable> = T::View<Self>;
            const NAME: &'static str = $name;

            fn read_record<T: VaultTable>(fields: &FieldMap) -> Result<T::View<Self>> {
                T::View::<Self>::from_record(fields)
            }

            fn column_redaction(_column: &ColumnInfo) -> Option<&'static str> {
                Some(Self::WIRE)
            }

            fn wire_redaction<C: Column>() -> Option<&'static str> {
                Some(Self::WIRE)
            }

            fn decode<C: Column>(raw: Option<&Value>) -> Result<Self::Value<C>> {
                Ok(value::$wrapper::from_raw(raw))
            }

            fn fmt_value<C: Column>(
                value: &Self::Value<C>,
                f: &mut fmt::Formatter<'_>,
            ) -> fmt::Result {
                fmt::Debug::fmt(value, f)
            }
        }

        impl Redaction for $mode {
            const WIRE: &'static str = $wire;
        }
    };
}

shown_mode!(Masked, Masked, "masked", "MASKED");
shown_mode!(Redacted, Redacted, "redacted", "REDACTED");
shown_mode!(VaultDefault, DefaultRedacted, "vault default", "DEFAULT");

impl ReadMode for FieldDefault {
    type Value<C: Column> = <C::Redaction as ReadMode>::Value<C>;
    type Record<T: VaultTable> = T::View<Self>;
    const NAME: &'static str = "field default";

    fn read_record<T: VaultTable>(fields: &FieldMap) -> Result<T::View<Self>> {
        T::View::<Self>::from_record(fields)
    }

    fn column_redaction(column: &ColumnInfo) -> Option<&'static str> {
        Some(column.redaction())
    }

    fn wire_redaction<C: Column>() -> Option<&'static str> {
        Some(<C::Redaction as Redaction>::WIRE)
    }

    fn decode<C: Column>(raw: Option<&Value>) -> Result<Self::Value<C>> {
        <C::Redaction as ReadMode>::decode::<C>(raw)
    }

    fn fmt_value<C: Column>(value: &Self::Value<C>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        <C::Redaction as ReadMode>::fmt_value::<C>(value, f)
    }
}

impl ReadMode for Tokens {
    type Value<C: Column> = Option<Token<C>>;
    type Record<T: VaultTable> = T::View<Self>;
    const NAME: &'static str = "tokens";

    fn read_record<T: VaultTable>(fields: &FieldMap) -> Result<T::View<Self>> {
        T::View::<Self>::from_record(fields)
    }

    fn column_redaction(_column: &ColumnInfo) -> Option<&'static str> {
        None
    }

    fn wire_redaction<C: Column>() -> Option<&'static str> {
        None
    }

    fn decode<C: Column>(raw: Option<&Value>) -> Result<Option<Token<C>>> {
        match raw {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(token)) => Ok(Some(Token::from_raw(token.clone()))),
            Some(other) => Err(Error::decode(format!(
                "column `{}` of table `{}`: expected a token string, found {}",
                C::NAME,
                <C::Table as VaultTable>::TABLE,
                super::convert::json_kind(other),
            ))
            .with_field(C::NAME)),
        }
    }

    fn fmt_value<C: Column>(value: &Self::Value<C>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(value, f)
    }
}
