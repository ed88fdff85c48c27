//! Read modes: how values are read from the vault, and the Rust type each mode gives a
//! column's value.
//!
//! A read mode is a marker type. [`ReadMode::Value<C>`] is the type a value of column `C`
//! has when read in that mode:
//!
//! | mode | wire redaction | value of a `String` column |
//! |---|---|---|
//! | [`PlainText`] | `PLAIN_TEXT` | `String` |
//! | [`Masked`] | `MASKED` | [`table::MaskedValue<String>`](crate::table::MaskedValue) |
//! | [`Redacted`] | `REDACTED` | [`table::RedactedValue<String>`](crate::table::RedactedValue) |
//! | [`VaultDefault`] | `DEFAULT` | [`table::DefaultRedacted<String>`](crate::table::DefaultRedacted) |
//! | [`FieldDefault`] | the column's `#[vault(redaction = "...")]` | one of the above |
//! | [`Tokens`] | none (tokens) | `Option<`[`Token<C>`](crate::table::Token)`>` |
//!
//! The value wrappers have their own names ([`MaskedValue`](crate::table::MaskedValue),
//! [`RedactedValue`](crate::table::RedactedValue)), so modes and values never clash in an
//! import.
//!
//! ```
//! use skyflow::table::redaction::{self, ReadMode, ReadPlan, Redaction};
//! use skyflow::vault::RedactionType;
//!
//! assert_eq!(<redaction::Masked as Redaction>::TYPE, RedactionType::Masked);
//! assert_eq!(<redaction::Tokens as ReadMode>::NAME, "tokens");
//! assert_eq!(ReadPlan::Redaction(RedactionType::Masked).to_string(), "MASKED");
//! ```

use std::fmt;

use serde_json::Value;

use super::column::{Column, ColumnInfo};
use super::convert::{FieldMap, decode_plain};
use super::value::{self, Token};
use super::{FromRecord, VaultTable};
use crate::vault::RedactionType;
use crate::{Error, Result};

/// What one read asks the vault for, for one column: values with a [`RedactionType`], or
/// tokens. The wire spelling lives in [`RedactionType`] only.
///
/// ```
/// use skyflow::table::redaction::ReadPlan;
/// use skyflow::vault::RedactionType;
///
/// assert_eq!(ReadPlan::Redaction(RedactionType::PlainText).to_string(), "PLAIN_TEXT");
/// assert_eq!(ReadPlan::Tokens.to_string(), "tokens");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadPlan {
    /// Read values with this redaction.
    Redaction(RedactionType),
    /// Read tokens instead of values.
    Tokens,
}

impl fmt::Display for ReadPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadPlan::Redaction(redaction) => fmt::Display::fmt(redaction, f),
            ReadPlan::Tokens => f.write_str("tokens"),
        }
    }
}

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
    /// This is what the typed reads return: `get(ids).plain_text()` gives `Vec<Person>`,
    /// `get(ids).masked()` gives `Vec<PersonView<Masked>>`.
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

    /// What to request for the column described by `column`. The runtime twin of
    /// [`plan_of`](ReadMode::plan_of), for code that walks [`VaultTable::COLUMNS`].
    ///
    /// ```
    /// use skyflow::VaultTable;
    /// use skyflow::table::{SkyflowId, redaction::{self, ReadMode, ReadPlan}};
    /// use skyflow::vault::RedactionType;
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
    /// let redacted = ReadPlan::Redaction(RedactionType::Redacted);
    /// assert_eq!(redaction::FieldDefault::plan_for(ssn), redacted);
    /// assert_eq!(redaction::Tokens::plan_for(ssn), ReadPlan::Tokens);
    /// ```
    fn plan_for(column: &ColumnInfo) -> ReadPlan;

    /// What to request for column `C`: a redaction, or tokens.
    ///
    /// ```
    /// use skyflow::VaultTable;
    /// use skyflow::table::{SkyflowId, redaction::{self, ReadMode, ReadPlan}};
    /// use skyflow::vault::RedactionType;
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
    /// let masked = ReadPlan::Redaction(RedactionType::Masked);
    /// assert_eq!(redaction::FieldDefault::plan_of::<PersonSsn>(), masked);
    /// assert_eq!(redaction::Tokens::plan_of::<PersonSsn>(), ReadPlan::Tokens);
    /// ```
    fn plan_of<C: Column>() -> ReadPlan;

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
/// use skyflow::vault::RedactionType;
/// assert_eq!(<redaction::VaultDefault as Redaction>::TYPE, RedactionType::Default);
/// ```
pub trait Redaction: ReadMode {
    /// The redaction this mode asks the vault for.
    const TYPE: RedactionType;
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
            and use `get(ids).tokens()` to read tokens"
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
/// use skyflow::vault::RedactionType;
/// assert_eq!(<redaction::PlainText as Redaction>::TYPE, RedactionType::PlainText);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PlainText;

/// Read masked values (`MASKED`): values are [`table::MaskedValue<T>`](crate::table::MaskedValue).
///
/// ```
/// use skyflow::table::redaction::{self, Redaction};
/// use skyflow::vault::RedactionType;
/// assert_eq!(<redaction::Masked as Redaction>::TYPE, RedactionType::Masked);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Masked;

/// Read redacted values (`REDACTED`): values are
/// [`table::RedactedValue<T>`](crate::table::RedactedValue).
///
/// ```
/// use skyflow::table::redaction::{self, Redaction};
/// use skyflow::vault::RedactionType;
/// assert_eq!(<redaction::Redacted as Redaction>::TYPE, RedactionType::Redacted);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Redacted;

/// Read with each column's policy from the vault schema (`DEFAULT`): values are
/// [`table::DefaultRedacted<T>`](crate::table::DefaultRedacted).
///
/// ```
/// use skyflow::table::redaction::{self, Redaction};
/// use skyflow::vault::RedactionType;
/// assert_eq!(<redaction::VaultDefault as Redaction>::TYPE, RedactionType::Default);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct VaultDefault;

/// Read each column with the redaction its field declares (`#[vault(redaction = "...")]`,
/// `"default"` when not set). The SDK asks the vault for exactly that redaction, so a field
/// declared `plain_text` comes back as its own type and a field declared `masked` as
/// [`table::MaskedValue<T>`](crate::table::MaskedValue).
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

    fn plan_for(_column: &ColumnInfo) -> ReadPlan {
        ReadPlan::Redaction(Self::TYPE)
    }

    fn plan_of<C: Column>() -> ReadPlan {
        ReadPlan::Redaction(Self::TYPE)
    }

    fn decode<C: Column>(raw: Option<&Value>) -> Result<C::Value> {
        decode_plain::<C>(raw)
    }

    fn fmt_value<C: Column>(_value: &C::Value, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(HIDDEN)
    }
}

impl Redaction for PlainText {
    const TYPE: RedactionType = RedactionType::PlainText;
}

macro_rules! shown_mode {
    ($mode:ident, $wrapper:ident, $name:literal, $wire:ident) => {
        impl ReadMode for $mode {
            type Value<C: Column> = value::$wrapper<C::Value>;
            type Record<T: VaultTable> = T::View<Self>;
            const NAME: &'static str = $name;

            fn read_record<T: VaultTable>(fields: &FieldMap) -> Result<T::View<Self>> {
                T::View::<Self>::from_record(fields)
            }

            fn plan_for(_column: &ColumnInfo) -> ReadPlan {
                ReadPlan::Redaction(Self::TYPE)
            }

            fn plan_of<C: Column>() -> ReadPlan {
                ReadPlan::Redaction(Self::TYPE)
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
            const TYPE: RedactionType = RedactionType::$wire;
        }
    };
}

shown_mode!(Masked, MaskedValue, "masked", Masked);
shown_mode!(Redacted, RedactedValue, "redacted", Redacted);
shown_mode!(VaultDefault, DefaultRedacted, "vault default", Default);

impl ReadMode for FieldDefault {
    type Value<C: Column> = <C::Redaction as ReadMode>::Value<C>;
    type Record<T: VaultTable> = T::View<Self>;
    const NAME: &'static str = "field default";

    fn read_record<T: VaultTable>(fields: &FieldMap) -> Result<T::View<Self>> {
        T::View::<Self>::from_record(fields)
    }

    fn plan_for(column: &ColumnInfo) -> ReadPlan {
        ReadPlan::Redaction(column.redaction())
    }

    fn plan_of<C: Column>() -> ReadPlan {
        ReadPlan::Redaction(<C::Redaction as Redaction>::TYPE)
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

    fn plan_for(_column: &ColumnInfo) -> ReadPlan {
        ReadPlan::Tokens
    }

    fn plan_of<C: Column>() -> ReadPlan {
        ReadPlan::Tokens
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
