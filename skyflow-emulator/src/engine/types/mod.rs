//! Request and response types of the engine. They (de)serialize to exactly the JSON shapes of
//! Skyflow's Data API (wire-protocol.md §3, data.openapi.json), so the HTTP layer can decode a
//! body straight into a request and encode a response as-is. JSON `null` is treated as absent.
//!
//! Types that carry record values or tokens implement `Debug` by hand and print only keys.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

mod files;
mod records;
mod tokens;

pub use files::*;
pub use records::*;
pub use tokens::*;

/// A JSON object: column name → value (or token).
pub type FieldMap = Map<String, Value>;

/// Redaction level asked for by a caller.
///
/// ```
/// use skyflow_emulator::engine::Redaction;
/// let r: Redaction = serde_json::from_str("\"MASKED\"").unwrap();
/// assert_eq!(r, Redaction::Masked);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Redaction {
    /// The column's `default_dlp_policy`.
    #[default]
    Default,
    /// The literal `*REDACTED*`.
    Redacted,
    /// The column's find/replace masking.
    Masked,
    /// The value as stored.
    PlainText,
}

impl Redaction {
    /// Parses the wire spelling (`DEFAULT`, `REDACTED`, `MASKED`, `PLAIN_TEXT`).
    ///
    /// ```
    /// use skyflow_emulator::engine::Redaction;
    /// assert_eq!(Redaction::parse("PLAIN_TEXT"), Some(Redaction::PlainText));
    /// assert_eq!(Redaction::parse("nope"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Redaction> {
        match s {
            "DEFAULT" => Some(Redaction::Default),
            "REDACTED" => Some(Redaction::Redacted),
            "MASKED" => Some(Redaction::Masked),
            "PLAIN_TEXT" => Some(Redaction::PlainText),
            _ => None,
        }
    }
}

/// Bring-your-own-token mode of insert, update and batch.
///
/// ```
/// use skyflow_emulator::engine::ByotMode;
/// let m: ByotMode = serde_json::from_str("\"ENABLE_STRICT\"").unwrap();
/// assert_eq!(m, ByotMode::EnableStrict);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ByotMode {
    /// Tokens must not be supplied; the vault generates them.
    #[default]
    Disable,
    /// Tokens may be supplied for some fields.
    Enable,
    /// A token must be supplied for every field of every record.
    EnableStrict,
}

/// Sort order of a bulk get.
///
/// ```
/// use skyflow_emulator::engine::OrderBy;
/// let o: OrderBy = serde_json::from_str("\"DESCENDING\"").unwrap();
/// assert_eq!(o, OrderBy::Descending);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderBy {
    /// By `skyflow_id`, ascending (the default).
    #[default]
    Ascending,
    /// By `skyflow_id`, descending.
    Descending,
    /// Insertion order.
    None,
}

fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Prints only the keys of a field map.
struct Keys<'a>(&'a FieldMap);
impl fmt::Debug for Keys<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

macro_rules! keys_only_debug {
    ($t:ty, |$s:ident, $d:ident| $body:expr) => {
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let $s = self;
                let mut $d = f.debug_struct(stringify!($t));
                $body;
                $d.finish_non_exhaustive()
            }
        }
    };
}

keys_only_debug!(RecordInput, |s, d| {
    d.field("fields", &Keys(&s.fields));
    d.field("tokens", &s.tokens.as_ref().map(Keys));
});
keys_only_debug!(InsertRequest, |s, d| {
    d.field("records", &s.records);
    d.field("upsert", &s.upsert);
    d.field("byot", &s.byot);
});
keys_only_debug!(InsertedRecord, |s, d| {
    d.field("skyflow_id", &s.skyflow_id);
    d.field("tokens", &s.tokens.as_ref().map(Keys));
});
keys_only_debug!(InsertResponse, |s, d| {
    d.field("records", &s.records);
});
keys_only_debug!(BatchRecord, |s, d| {
    d.field("table_name", &s.table_name);
    d.field("method", &s.method);
    d.field("fields", &s.fields.as_ref().map(Keys));
});
keys_only_debug!(BatchRequest, |s, d| {
    d.field("records", &s.records);
});
keys_only_debug!(BatchItemResponse, |s, d| {
    d.field("status", &s.status);
});
keys_only_debug!(BatchResponse, |s, d| {
    d.field("vault_id", &s.vault_id);
    d.field("responses", &s.responses);
});
keys_only_debug!(GetRecord, |s, d| {
    d.field("fields", &Keys(&s.fields));
});
keys_only_debug!(GetResponse, |s, d| {
    d.field("records", &s.records);
});
keys_only_debug!(UpdateRequest, |s, d| {
    d.field("record", &s.record);
});
keys_only_debug!(UpdateResponse, |s, d| {
    d.field("skyflow_id", &s.skyflow_id);
    d.field("tokens", &s.tokens.as_ref().map(Keys));
});
keys_only_debug!(GetRequest, |s, d| {
    d.field("skyflow_ids", &s.skyflow_ids.len());
    d.field("redaction", &s.redaction);
    d.field("tokenization", &s.tokenization);
    d.field("fields", &s.fields);
    d.field("offset", &s.offset);
    d.field("limit", &s.limit);
    d.field("column_name", &s.column_name);
    d.field("column_values", &s.column_values.len());
    d.field("order_by", &s.order_by);
});
keys_only_debug!(QueryRequest, |s, d| {
    // The SQL text holds literals (values); only its length is shown.
    d.field("query_chars", &s.query.chars().count());
});
keys_only_debug!(QueryRecord, |s, d| {
    d.field("fields", &Keys(&s.fields));
});
keys_only_debug!(QueryResponse, |s, d| {
    d.field("records", &s.records);
});
keys_only_debug!(TokenizeParameter, |s, d| {
    d.field("column_group", &s.column_group);
    d.field("table", &s.table);
    d.field("column", &s.column);
});
keys_only_debug!(TokenizeRequest, |s, d| {
    d.field("tokenization_parameters", &s.tokenization_parameters);
});
keys_only_debug!(TokenRecord, |_s, d| {
    d.field("token", &"<hidden>");
});
keys_only_debug!(TokenizeResponse, |s, d| {
    d.field("records", &s.records.len());
});
keys_only_debug!(DetokenizeParameter, |s, d| {
    d.field("redaction", &s.redaction);
});
keys_only_debug!(DetokenizeRequest, |s, d| {
    d.field("detokenization_parameters", &s.detokenization_parameters);
});
keys_only_debug!(DetokenizedRecord, |s, d| {
    d.field("value_type", &s.value_type);
    d.field("has_error", &s.error.is_some());
});
keys_only_debug!(DetokenizeResponse, |s, d| {
    d.field("records", &s.records);
});
keys_only_debug!(FileUpload, |s, d| {
    d.field("table", &s.table);
    d.field("column", &s.column);
    d.field("bytes", &s.data.len());
});
keys_only_debug!(FileUploadResponse, |s, d| {
    d.field("skyflow_id", &s.skyflow_id);
});
keys_only_debug!(FileDownload, |s, d| {
    d.field("content_type", &s.content_type);
    d.field("bytes", &s.data.len());
});
