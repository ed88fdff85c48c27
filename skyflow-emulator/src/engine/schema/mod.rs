//! Vault schemas in Skyflow's own JSON format (`{"schemas":[{name, fields:[{name, datatype,
//! tags:[{name, values}]}]}]}`, optionally wrapped in `{"vaultSchema": ...}` as Skyflow's
//! exports are).

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;
use serde::Deserialize;

use super::error::{EngineError, EngineResult};
use super::types::ValueType;

mod parse;
#[cfg(test)]
mod tests;

use parse::{RawDoc, build_table};

const QUICKSTART_JSON: &str = include_str!("../../../schemas/quickstart.json");
const TABLE1_JSON: &str = include_str!("../../../schemas/table1.json");

/// Minimum, maximum and default TTL of transient tokens, in minutes (vault-semantics §1.3).
pub const TRANSIENT_TTL_MINUTES: (u32, u32, u32) = (1, 20160, 60);

/// A column's data type (`DT_*`).
///
/// ```
/// use skyflow_emulator::engine::DataType;
/// assert_eq!(DataType::parse("DT_INT32"), DataType::Int32);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataType {
    /// `DT_STRING` (also enums).
    String,
    /// `DT_INT32`.
    Int32,
    /// `DT_FLOAT32`.
    Float32,
    /// `DT_BOOL`.
    Bool,
    /// `DT_DATE`.
    Date,
    /// `DT_DATETIME`.
    Datetime,
    /// `DT_TIME`.
    Time,
    /// `DT_FILE`.
    File,
    /// `DT_JSON`.
    Json,
}

impl DataType {
    /// Parses a `DT_*` name; unknown names are treated as strings.
    ///
    /// ```
    /// use skyflow_emulator::engine::DataType;
    /// assert_eq!(DataType::parse("DT_FILE"), DataType::File);
    /// assert_eq!(DataType::parse("DT_WHATEVER"), DataType::String);
    /// ```
    pub fn parse(s: &str) -> DataType {
        match s {
            "DT_INT32" | "DT_INT64" | "DT_INT" => DataType::Int32,
            "DT_FLOAT32" | "DT_FLOAT64" | "DT_FLOAT" | "DT_DOUBLE" => DataType::Float32,
            "DT_BOOL" => DataType::Bool,
            "DT_DATE" => DataType::Date,
            "DT_DATETIME" => DataType::Datetime,
            "DT_TIME" => DataType::Time,
            "DT_FILE" => DataType::File,
            "DT_JSON" => DataType::Json,
            _ => DataType::String,
        }
    }

    /// The detokenize `valueType` of this data type.
    ///
    /// ```
    /// use skyflow_emulator::engine::{DataType, ValueType};
    /// assert_eq!(DataType::Bool.value_type(), ValueType::Bool);
    /// ```
    pub fn value_type(&self) -> ValueType {
        match self {
            DataType::String | DataType::File => ValueType::String,
            DataType::Int32 => ValueType::Integer,
            DataType::Float32 => ValueType::Float,
            DataType::Bool => ValueType::Bool,
            DataType::Date => ValueType::Date,
            DataType::Datetime => ValueType::Datetime,
            DataType::Time => ValueType::Time,
            DataType::Json => ValueType::Json,
        }
    }

    /// Whether format-preserving tokens may be used on this type (string, date, datetime, time,
    /// file).
    ///
    /// ```
    /// use skyflow_emulator::engine::DataType;
    /// assert!(DataType::String.allows_fpt());
    /// assert!(!DataType::Int32.allows_fpt());
    /// ```
    pub fn allows_fpt(&self) -> bool {
        matches!(
            self,
            DataType::String
                | DataType::Date
                | DataType::Datetime
                | DataType::Time
                | DataType::File
        )
    }
}

/// A column's `default_token_policy`.
///
/// ```
/// use skyflow_emulator::engine::TokenPolicy;
/// assert_eq!(TokenPolicy::parse("DETERMINISTIC_FPT"), Some(TokenPolicy::DeterministicFpt));
/// assert!(TokenPolicy::DeterministicUuid.is_deterministic());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPolicy {
    /// Same value → same UUID token.
    DeterministicUuid,
    /// A fresh UUID per occurrence.
    NonDeterministicUuid,
    /// Same value → same token matching `format_preserving_regex` (or the value's shape).
    DeterministicFpt,
    /// A fresh format-preserving token per occurrence.
    NonDeterministicFpt,
    /// Format-preserving token following the regex (treated as deterministic).
    FormatPreservingToken,
    /// A 16-character alphanumeric token not derived from the data (deterministic).
    RandomToken,
    /// A fresh UUID that expires after the column's TTL.
    NonDeterministicTransientUuid,
    /// Card numbers: keeps the first 6 and last 4 digits (deterministic).
    DeterministicPreserveLeft6Right4,
    /// Email: keeps the domain (deterministic).
    DeterministicPreserveEmailDomain,
}

impl TokenPolicy {
    /// Parses the tag value.
    ///
    /// ```
    /// use skyflow_emulator::engine::TokenPolicy;
    /// assert_eq!(TokenPolicy::parse("RANDOM_TOKEN"), Some(TokenPolicy::RandomToken));
    /// ```
    pub fn parse(s: &str) -> Option<TokenPolicy> {
        Some(match s {
            "DETERMINISTIC_UUID" => TokenPolicy::DeterministicUuid,
            "NON_DETERMINISTIC_UUID" => TokenPolicy::NonDeterministicUuid,
            "DETERMINISTIC_FPT" => TokenPolicy::DeterministicFpt,
            "NON_DETERMINISTIC_FPT" => TokenPolicy::NonDeterministicFpt,
            "FORMAT_PRESERVING_TOKEN" => TokenPolicy::FormatPreservingToken,
            "RANDOM_TOKEN" => TokenPolicy::RandomToken,
            "NON_DETERMINISTIC_TRANSIENT_UUID" => TokenPolicy::NonDeterministicTransientUuid,
            "DETERMINISTIC_PRESERVE_LEFT_6_RIGHT_4" => {
                TokenPolicy::DeterministicPreserveLeft6Right4
            }
            "DETERMINISTIC_PRESERVE_EMAIL_DOMAIN" => TokenPolicy::DeterministicPreserveEmailDomain,
            _ => return None,
        })
    }

    /// Whether the same value in one column group always gets the same token.
    ///
    /// ```
    /// use skyflow_emulator::engine::TokenPolicy;
    /// assert!(!TokenPolicy::NonDeterministicUuid.is_deterministic());
    /// ```
    pub fn is_deterministic(self) -> bool {
        matches!(
            self,
            TokenPolicy::DeterministicUuid
                | TokenPolicy::DeterministicFpt
                | TokenPolicy::FormatPreservingToken
                | TokenPolicy::RandomToken
                | TokenPolicy::DeterministicPreserveLeft6Right4
                | TokenPolicy::DeterministicPreserveEmailDomain
        )
    }

    /// Whether tokens expire (transient).
    ///
    /// ```
    /// use skyflow_emulator::engine::TokenPolicy;
    /// assert!(TokenPolicy::NonDeterministicTransientUuid.is_transient());
    /// ```
    pub fn is_transient(self) -> bool {
        self == TokenPolicy::NonDeterministicTransientUuid
    }
}

/// A column's `default_dlp_policy` (what DEFAULT redaction means).
///
/// ```
/// use skyflow_emulator::engine::DlpPolicy;
/// assert_eq!(DlpPolicy::parse("MASK"), Some(DlpPolicy::Mask));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DlpPolicy {
    /// Plain text.
    PlainText,
    /// `*REDACTED*`.
    Redact,
    /// Find/replace masking.
    Mask,
}

impl DlpPolicy {
    /// Parses the tag value (`PLAIN_TEXT`, `REDACT`/`REDACTED`, `MASK`/`MASKED`).
    ///
    /// ```
    /// use skyflow_emulator::engine::DlpPolicy;
    /// assert_eq!(DlpPolicy::parse("REDACTED"), Some(DlpPolicy::Redact));
    /// ```
    pub fn parse(s: &str) -> Option<DlpPolicy> {
        match s {
            "PLAIN_TEXT" => Some(DlpPolicy::PlainText),
            "REDACT" | "REDACTED" => Some(DlpPolicy::Redact),
            "MASK" | "MASKED" => Some(DlpPolicy::Mask),
            _ => None,
        }
    }
}

/// One column of a table, with its parsed tags.
///
/// ```
/// use skyflow_emulator::engine::VaultSchema;
/// let s = VaultSchema::quickstart();
/// let c = s.table("persons").unwrap().column("ssn").unwrap();
/// assert_eq!(c.column_group, "persons.ssn");
/// ```
#[derive(Clone)]
pub struct Column {
    /// Name (case-sensitive).
    pub name: String,
    /// Data type.
    pub datatype: DataType,
    /// `isArray`.
    pub is_array: bool,
    /// Token policy; `None` means the column gets no tokens.
    pub token_policy: Option<TokenPolicy>,
    /// DEFAULT redaction.
    pub dlp_policy: DlpPolicy,
    /// Masking `find_pattern`.
    pub find_pattern: Option<Regex>,
    /// Masking `replace_pattern` (`$1`/`${1}` references).
    pub replace_pattern: Option<String>,
    /// `format_preserving_regex` for FPT tokens.
    pub fpt_regex: Option<String>,
    /// `validation.regular_exp` (all must match a non-null string value).
    pub validations: Vec<Regex>,
    /// `validation.predefinedvalues` (enum); empty = any.
    pub predefined_values: Vec<String>,
    /// Unique column.
    pub unique: bool,
    /// `NOT_NULL` configuration tag.
    pub not_null: bool,
    /// Column group (`table.column` when untagged).
    pub column_group: String,
    /// Transient TTL in minutes.
    pub ttl_minutes: u32,
    /// `skyflow.options.operation` values (EXACT_MATCH, ORDER, AGGREGATION, ALL_OP).
    pub operations: Vec<String>,
}

impl Column {
    /// Whether this is the `skyflow_id` primary key.
    ///
    /// ```
    /// use skyflow_emulator::engine::VaultSchema;
    /// let s = VaultSchema::quickstart();
    /// assert!(s.table("persons").unwrap().column("skyflow_id").unwrap().is_skyflow_id());
    /// ```
    pub fn is_skyflow_id(&self) -> bool {
        self.name == "skyflow_id"
    }

    /// Whether values of this column are transient (tokens expire; get never returns them).
    ///
    /// ```
    /// use skyflow_emulator::engine::VaultSchema;
    /// let s = VaultSchema::quickstart();
    /// assert!(s.table("credit_cards").unwrap().column("cvv").unwrap().is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        self.token_policy.is_some_and(TokenPolicy::is_transient)
    }
}

impl fmt::Debug for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Column")
            .field("name", &self.name)
            .field("datatype", &self.datatype)
            .field("token_policy", &self.token_policy)
            .field("dlp_policy", &self.dlp_policy)
            .field("unique", &self.unique)
            .field("column_group", &self.column_group)
            .finish_non_exhaustive()
    }
}

/// A table: its columns, `skyflow_id` first.
///
/// ```
/// use skyflow_emulator::engine::VaultSchema;
/// let s = VaultSchema::default_schema();
/// assert!(s.table("table1").unwrap().column("card_number").is_some());
/// ```
#[derive(Debug, Clone)]
pub struct Table {
    /// Name (case-sensitive).
    pub name: String,
    /// Columns, `skyflow_id` first.
    pub columns: Vec<Column>,
}

impl Table {
    /// The column named `name`, if any.
    ///
    /// ```
    /// use skyflow_emulator::engine::VaultSchema;
    /// let s = VaultSchema::quickstart();
    /// assert!(s.table("persons").unwrap().column("nope").is_none());
    /// ```
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A vault schema: its tables.
///
/// ```
/// use skyflow_emulator::engine::VaultSchema;
/// let s = VaultSchema::from_json(r#"{"schemas":[{"name":"t","fields":[{"name":"a","datatype":"DT_STRING"}]}]}"#).unwrap();
/// assert_eq!(s.tables().len(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct VaultSchema {
    tables: Vec<Table>,
    groups: BTreeMap<String, Vec<(String, String)>>,
    json: String,
}

impl VaultSchema {
    /// Parses Skyflow's vault schema JSON (`{"schemas":[...]}` or an export wrapping it in
    /// `{"vaultSchema":{...}}`). Child schemas become columns named `<child>.<field>`.
    /// Errors name the table, column and tag that is wrong.
    ///
    /// ```
    /// use skyflow_emulator::engine::VaultSchema;
    /// assert!(VaultSchema::from_json("{}").is_err());
    /// ```
    pub fn from_json(json: &str) -> EngineResult<VaultSchema> {
        let doc: RawDoc = serde_json::from_str(json)
            .map_err(|e| EngineError::invalid(format!("Invalid vault schema JSON: {e}")))?;
        let tables = match (doc.schemas, doc.vault_schema) {
            (Some(t), _) => t,
            (None, Some(inner)) => inner.schemas.unwrap_or_default(),
            (None, None) => Vec::new(),
        };
        if tables.is_empty() {
            return Err(EngineError::invalid(
                "Invalid vault schema: it needs at least one table in `schemas`",
            ));
        }
        let mut out = Vec::new();
        for t in &tables {
            let table = build_table(t)?;
            if out.iter().any(|x: &Table| x.name == table.name) {
                return Err(EngineError::invalid(format!(
                    "Invalid vault schema: table {} is defined twice",
                    table.name
                )));
            }
            out.push(table);
        }
        Self::from_tables(out, json.to_string())
    }

    fn from_tables(tables: Vec<Table>, json: String) -> EngineResult<VaultSchema> {
        let mut groups: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for t in &tables {
            for c in &t.columns {
                if c.is_skyflow_id() {
                    continue;
                }
                groups
                    .entry(c.column_group.clone())
                    .or_default()
                    .push((t.name.clone(), c.name.clone()));
            }
        }
        // All columns of one group must share the token policy and the masking settings.
        for (g, members) in &groups {
            let cols: Vec<&Column> = members
                .iter()
                .filter_map(|(t, c)| {
                    tables
                        .iter()
                        .find(|x| &x.name == t)
                        .and_then(|x| x.column(c))
                })
                .collect();
            let first = cols[0];
            for c in &cols[1..] {
                let same = c.token_policy == first.token_policy
                    && c.dlp_policy == first.dlp_policy
                    && c.fpt_regex == first.fpt_regex
                    && c.replace_pattern == first.replace_pattern
                    && c.find_pattern.as_ref().map(Regex::as_str)
                        == first.find_pattern.as_ref().map(Regex::as_str);
                if !same {
                    return Err(EngineError::invalid(format!(
                        "Invalid vault schema: the columns of column group {g} must share token policy, redaction, find/replace patterns and FPT regex"
                    )));
                }
            }
        }
        Ok(VaultSchema {
            tables,
            groups,
            json,
        })
    }

    /// Skyflow's quickstart vault (tables `credit_cards` and `persons`).
    ///
    /// ```
    /// let s = skyflow_emulator::engine::VaultSchema::quickstart();
    /// assert!(s.table("credit_cards").is_some());
    /// ```
    pub fn quickstart() -> VaultSchema {
        Self::from_json(QUICKSTART_JSON).expect("embedded quickstart schema is valid")
    }

    /// The emulator's default schema: the quickstart vault plus `table1`, whose columns are
    /// the ones the official SDK samples use (card_number, cardholder_name, expiry_month,
    /// expiry_year, cvv, email (unique), ssn, name, phone_number, date_of_birth, age, amount,
    /// is_active, notes, file (DT_FILE)).
    ///
    /// ```
    /// let s = skyflow_emulator::engine::VaultSchema::default_schema();
    /// assert!(s.table("table1").unwrap().column("email").unwrap().unique);
    /// ```
    pub fn default_schema() -> VaultSchema {
        let mut tables = Self::quickstart().tables;
        tables.extend(
            Self::from_json(TABLE1_JSON)
                .expect("embedded table1 schema is valid")
                .tables,
        );
        let json = serde_json::json!({ "schemas": combined_raw() }).to_string();
        Self::from_tables(tables, json).expect("default schema is valid")
    }

    /// The tables.
    ///
    /// ```
    /// assert_eq!(skyflow_emulator::engine::VaultSchema::quickstart().tables().len(), 2);
    /// ```
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// The table named `name` (case-sensitive).
    ///
    /// ```
    /// assert!(skyflow_emulator::engine::VaultSchema::quickstart().table("Persons").is_none());
    /// ```
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The `(table, column)` members of a column group, if the group exists.
    ///
    /// ```
    /// let s = skyflow_emulator::engine::VaultSchema::quickstart();
    /// assert_eq!(s.column_group("persons.ssn").unwrap().len(), 1);
    /// ```
    pub fn column_group(&self, name: &str) -> Option<&[(String, String)]> {
        self.groups.get(name).map(Vec::as_slice)
    }

    /// The JSON this schema was parsed from (persisted so a restart reloads it).
    ///
    /// ```
    /// let s = skyflow_emulator::engine::VaultSchema::quickstart();
    /// assert!(s.to_json().contains("credit_cards"));
    /// ```
    pub fn to_json(&self) -> &str {
        &self.json
    }
}

fn combined_raw() -> Vec<serde_json::Value> {
    let mut v = Vec::new();
    for src in [QUICKSTART_JSON, TABLE1_JSON] {
        let doc: serde_json::Value = serde_json::from_str(src).expect("embedded schema");
        if let Some(arr) = doc["schemas"].as_array() {
            v.extend(arr.iter().cloned());
        }
    }
    v
}
