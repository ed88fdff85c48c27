//! Conversion between typed values and the vault's JSON field maps.
//!
//! Values go through serde one field at a time (`serde_json::to_value` /
//! `serde_json::from_value`), so strings, integers, floats, booleans, chrono dates
//! (as ISO 8601 strings) and `Option`s round-trip exactly. Error messages name the table
//! and column and describe the JSON kind, never the value.

use serde_json::Value;

use super::VaultTable;
use super::column::Column;
use super::redaction::ReadMode;
use super::value::SkyflowId;
use crate::{Error, Result};

/// A record as the vault sends and receives it: column name → JSON value.
///
/// ```
/// use skyflow::table::FieldMap;
/// let mut fields = FieldMap::new();
/// fields.insert("name".into(), serde_json::json!("Jane"));
/// assert_eq!(fields.len(), 1);
/// ```
pub type FieldMap = serde_json::Map<String, Value>;

/// The key under which records carry their id.
pub(crate) const SKYFLOW_ID: &str = "skyflow_id";

pub(crate) use crate::http::json_kind;

fn table_of<C: Column>() -> &'static str {
    <C::Table as VaultTable>::TABLE
}

/// Serializes a column value. The error names the column, not the value.
pub(crate) fn encode<C: Column>(value: &C::Value, operation: &str) -> Result<Value> {
    serde_json::to_value(value).map_err(|_| {
        Error::validation(
            operation,
            C::NAME,
            format!(
                "the value of column `{}` of table `{}` (type `{}`) could not be serialized \
                 to JSON",
                C::NAME,
                table_of::<C>(),
                C::RUST_TYPE,
            ),
        )
    })
}

/// Reads a plain value of column `C` from what the vault returned.
///
/// A missing column reads as `null` (so `Option` fields become `None`). Detokenize
/// returns every value as a string, so a string that holds a JSON number or boolean is
/// accepted for numeric and boolean fields.
pub(crate) fn decode_plain<C: Column>(raw: Option<&Value>) -> Result<C::Value> {
    let value = raw.cloned().unwrap_or(Value::Null);
    let kind = json_kind(&value);
    let value = match serde_json::from_value::<C::Value>(value) {
        Ok(decoded) => return Ok(decoded),
        Err(_) => raw,
    };
    if let Some(Value::String(text)) = value
        && let Ok(parsed @ (Value::Number(_) | Value::Bool(_))) =
            serde_json::from_str::<Value>(text.trim())
        && let Ok(decoded) = serde_json::from_value::<C::Value>(parsed)
    {
        return Ok(decoded);
    }
    let found = if raw.is_none() {
        "no value (the column is missing from the record)"
    } else {
        kind
    };
    Err(Error::decode(format!(
        "column `{}` of table `{}`: expected `{}`, found {found}",
        C::NAME,
        table_of::<C>(),
        C::RUST_TYPE,
    ))
    .with_field(C::NAME))
}

/// Builds a record's field map, one column at a time. Generated
/// [`VaultTable::write_fields`] implementations call [`write`](FieldWriter::write) for each
/// column; you only meet this type if you implement [`VaultTable`] by hand.
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
///     nickname: Option<String>,
/// }
///
/// let jane = Person { id: None, name: "Jane".into(), nickname: None };
/// // Inserts leave out null values; full updates send them, to clear the column.
/// assert_eq!(jane.to_insert_fields()?.len(), 1);
/// assert_eq!(jane.to_update_fields()?["nickname"], serde_json::Value::Null);
/// # Ok::<(), skyflow::Error>(())
/// ```
#[derive(Debug)]
pub struct FieldWriter {
    fields: FieldMap,
    keep_nulls: bool,
    operation: &'static str,
}

impl FieldWriter {
    pub(crate) fn new(keep_nulls: bool, operation: &'static str) -> Self {
        FieldWriter {
            fields: FieldMap::new(),
            keep_nulls,
            operation,
        }
    }

    /// Writes the value of column `C`.
    ///
    /// # Errors
    ///
    /// When the value cannot be serialized to JSON (for example a map with non-string
    /// keys).
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{FieldMap, FieldWriter, SkyflowId}};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, age: u8 }
    /// let t = T { id: None, age: 7 };
    /// assert_eq!(t.to_insert_fields()?["age"], 7);
    /// # Ok::<(), skyflow::Error>(())
    /// ```
    pub fn write<C: Column>(&mut self, value: &C::Value) -> Result<()> {
        let json = encode::<C>(value, self.operation)?;
        if self.keep_nulls || !json.is_null() {
            self.fields.insert(C::NAME.to_owned(), json);
        }
        Ok(())
    }

    pub(crate) fn finish(self) -> FieldMap {
        self.fields
    }
}

/// Reads a record's field map, one column at a time. Generated code uses it to build the
/// struct and its views; you only meet it if you implement [`VaultTable`] by hand.
///
/// ```
/// use skyflow::table::{FieldMap, FieldReader};
///
/// let mut fields = FieldMap::new();
/// fields.insert("skyflow_id".into(), serde_json::json!("id-1"));
/// let reader = FieldReader::new(&fields);
/// assert_eq!(reader.skyflow_id()?.unwrap().as_str(), "id-1");
/// # Ok::<(), skyflow::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FieldReader<'a> {
    fields: &'a FieldMap,
}

impl<'a> FieldReader<'a> {
    /// Reads from `fields`.
    ///
    /// ```
    /// let fields = skyflow::table::FieldMap::new();
    /// let reader = skyflow::table::FieldReader::new(&fields);
    /// assert!(reader.skyflow_id()?.is_none());
    /// # Ok::<(), skyflow::Error>(())
    /// ```
    pub fn new(fields: &'a FieldMap) -> Self {
        FieldReader { fields }
    }

    /// The record's `skyflow_id`, if present.
    ///
    /// # Errors
    ///
    /// When `skyflow_id` is present but not a string.
    ///
    /// ```
    /// let mut fields = skyflow::table::FieldMap::new();
    /// fields.insert("skyflow_id".into(), serde_json::json!(5));
    /// assert!(skyflow::table::FieldReader::new(&fields).skyflow_id().is_err());
    /// ```
    pub fn skyflow_id(&self) -> Result<Option<SkyflowId>> {
        match self.fields.get(SKYFLOW_ID) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(id)) => Ok(Some(SkyflowId::new(id.clone()))),
            Some(other) => Err(Error::decode(format!(
                "`skyflow_id` must be a string, found {}",
                json_kind(other)
            ))
            .with_field(SKYFLOW_ID)),
        }
    }

    /// The record's `skyflow_id`, which must be present.
    ///
    /// # Errors
    ///
    /// When `skyflow_id` is missing or not a string.
    ///
    /// ```
    /// let fields = skyflow::table::FieldMap::new();
    /// assert!(skyflow::table::FieldReader::new(&fields).required_skyflow_id().is_err());
    /// ```
    pub fn required_skyflow_id(&self) -> Result<SkyflowId> {
        self.skyflow_id()?
            .ok_or_else(|| Error::decode("the record has no `skyflow_id`").with_field(SKYFLOW_ID))
    }

    /// The plain value of column `C`.
    ///
    /// # Errors
    ///
    /// When the value does not convert to `C::Value`. The message names the column and the
    /// JSON kind found, never the value.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{FieldMap, FieldReader, SkyflowId}};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, age: u8 }
    /// let mut fields = FieldMap::new();
    /// fields.insert("age".into(), serde_json::json!(9));
    /// assert_eq!(FieldReader::new(&fields).plain::<TAge>()?, 9);
    /// # Ok::<(), skyflow::Error>(())
    /// ```
    pub fn plain<C: Column>(&self) -> Result<C::Value> {
        decode_plain::<C>(self.fields.get(C::NAME))
    }

    /// The value of column `C` as read in mode `M`.
    ///
    /// # Errors
    ///
    /// As [`ReadMode::decode`].
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{FieldMap, FieldReader, SkyflowId, redaction}};
    /// # #[derive(VaultTable)] #[vault(table = "t")]
    /// # struct T { #[vault(skyflow_id)] id: Option<SkyflowId>, age: u8 }
    /// let mut fields = FieldMap::new();
    /// fields.insert("age".into(), serde_json::json!("*REDACTED*"));
    /// let age = FieldReader::new(&fields).read::<TAge, redaction::Redacted>()?;
    /// assert_eq!(age.as_str(), Some("*REDACTED*"));
    /// # Ok::<(), skyflow::Error>(())
    /// ```
    pub fn read<C: Column, M: ReadMode>(&self) -> Result<M::Value<C>> {
        M::decode::<C>(self.fields.get(C::NAME))
    }
}
