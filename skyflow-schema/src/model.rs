//! The schema model: vaults, tables, columns and the settings their tags carry.

use std::collections::BTreeMap;

/// Minimum, maximum and default TTL of transient tokens, in minutes.
pub const TRANSIENT_TTL_MINUTES: (u32, u32, u32) = (1, 20160, 60);

/// A column's data type (`DT_*`).
///
/// ```
/// use skyflow_schema::DataType;
/// assert_eq!(DataType::parse("DT_INT32"), DataType::Int32);
/// assert_eq!(DataType::Int32.name(), "DT_INT32");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataType {
    /// `DT_STRING` (also enums, which are strings with `predefinedvalues`).
    String,
    /// `DT_INT32` (`DT_INT64` and `DT_INT` are read as this).
    Int32,
    /// `DT_FLOAT32` (`DT_FLOAT64`, `DT_FLOAT` and `DT_DOUBLE` are read as this).
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
    /// Every data type, in the order Skyflow's docs list them.
    pub const ALL: [DataType; 9] = [
        DataType::String,
        DataType::Int32,
        DataType::Float32,
        DataType::Bool,
        DataType::Date,
        DataType::Datetime,
        DataType::Time,
        DataType::File,
        DataType::Json,
    ];

    /// Parses a `DT_*` name. Names Skyflow does not document are read as strings, the way
    /// the vault stores values it has no type for.
    ///
    /// ```
    /// use skyflow_schema::DataType;
    /// assert_eq!(DataType::parse("DT_FILE"), DataType::File);
    /// assert_eq!(DataType::parse("DT_WHATEVER"), DataType::String);
    /// ```
    pub fn parse(name: &str) -> DataType {
        match name {
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

    /// The `DT_*` name, as Skyflow spells it.
    pub fn name(self) -> &'static str {
        match self {
            DataType::String => "DT_STRING",
            DataType::Int32 => "DT_INT32",
            DataType::Float32 => "DT_FLOAT32",
            DataType::Bool => "DT_BOOL",
            DataType::Date => "DT_DATE",
            DataType::Datetime => "DT_DATETIME",
            DataType::Time => "DT_TIME",
            DataType::File => "DT_FILE",
            DataType::Json => "DT_JSON",
        }
    }

    /// Whether format-preserving tokens may be used on this type (string, date, datetime,
    /// time, file).
    ///
    /// ```
    /// use skyflow_schema::DataType;
    /// assert!(DataType::String.allows_fpt());
    /// assert!(!DataType::Int32.allows_fpt());
    /// ```
    pub fn allows_fpt(self) -> bool {
        matches!(
            self,
            DataType::String
                | DataType::Date
                | DataType::Datetime
                | DataType::Time
                | DataType::File
        )
    }

    /// Whether values of this type can be read MASKED (string, enum, date, datetime, time).
    ///
    /// ```
    /// use skyflow_schema::DataType;
    /// assert!(DataType::Date.allows_masking());
    /// assert!(!DataType::Bool.allows_masking());
    /// ```
    pub fn allows_masking(self) -> bool {
        matches!(
            self,
            DataType::String | DataType::Date | DataType::Datetime | DataType::Time
        )
    }

    /// Whether values of this type can be read REDACTED (every type but files).
    ///
    /// ```
    /// use skyflow_schema::DataType;
    /// assert!(DataType::Int32.allows_redaction());
    /// assert!(!DataType::File.allows_redaction());
    /// ```
    pub fn allows_redaction(self) -> bool {
        self != DataType::File
    }
}

/// A column's `skyflow.options.default_token_policy`.
///
/// ```
/// use skyflow_schema::TokenPolicy;
/// assert_eq!(TokenPolicy::parse("DETERMINISTIC_FPT"), Some(TokenPolicy::DeterministicFpt));
/// assert!(TokenPolicy::DeterministicUuid.is_deterministic());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

const TOKEN_POLICIES: [(&str, TokenPolicy); 9] = [
    ("DETERMINISTIC_UUID", TokenPolicy::DeterministicUuid),
    ("NON_DETERMINISTIC_UUID", TokenPolicy::NonDeterministicUuid),
    ("DETERMINISTIC_FPT", TokenPolicy::DeterministicFpt),
    ("NON_DETERMINISTIC_FPT", TokenPolicy::NonDeterministicFpt),
    (
        "FORMAT_PRESERVING_TOKEN",
        TokenPolicy::FormatPreservingToken,
    ),
    ("RANDOM_TOKEN", TokenPolicy::RandomToken),
    (
        "NON_DETERMINISTIC_TRANSIENT_UUID",
        TokenPolicy::NonDeterministicTransientUuid,
    ),
    (
        "DETERMINISTIC_PRESERVE_LEFT_6_RIGHT_4",
        TokenPolicy::DeterministicPreserveLeft6Right4,
    ),
    (
        "DETERMINISTIC_PRESERVE_EMAIL_DOMAIN",
        TokenPolicy::DeterministicPreserveEmailDomain,
    ),
];

impl TokenPolicy {
    /// Parses the tag value; `None` for a policy Skyflow does not have.
    ///
    /// ```
    /// use skyflow_schema::TokenPolicy;
    /// assert_eq!(TokenPolicy::parse("RANDOM_TOKEN"), Some(TokenPolicy::RandomToken));
    /// assert_eq!(TokenPolicy::parse("RANDOM"), None);
    /// ```
    pub fn parse(name: &str) -> Option<TokenPolicy> {
        TOKEN_POLICIES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, p)| *p)
    }

    /// The tag value, as Skyflow spells it.
    pub fn name(self) -> &'static str {
        TOKEN_POLICIES
            .iter()
            .find(|(_, p)| *p == self)
            .map_or("", |(n, _)| n)
    }

    /// Whether the same value in one column group always gets the same token.
    ///
    /// ```
    /// use skyflow_schema::TokenPolicy;
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
    /// use skyflow_schema::TokenPolicy;
    /// assert!(TokenPolicy::NonDeterministicTransientUuid.is_transient());
    /// ```
    pub fn is_transient(self) -> bool {
        self == TokenPolicy::NonDeterministicTransientUuid
    }
}

/// A column's `skyflow.options.default_dlp_policy`: what a DEFAULT read returns.
///
/// ```
/// use skyflow_schema::DlpPolicy;
/// assert_eq!(DlpPolicy::parse("MASK"), Some(DlpPolicy::Mask));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// use skyflow_schema::DlpPolicy;
    /// assert_eq!(DlpPolicy::parse("REDACTED"), Some(DlpPolicy::Redact));
    /// assert_eq!(DlpPolicy::parse("HIDDEN"), None);
    /// ```
    pub fn parse(name: &str) -> Option<DlpPolicy> {
        match name {
            "PLAIN_TEXT" => Some(DlpPolicy::PlainText),
            "REDACT" | "REDACTED" => Some(DlpPolicy::Redact),
            "MASK" | "MASKED" => Some(DlpPolicy::Mask),
            _ => None,
        }
    }
}

/// One column of a table, with the settings of its tags. Patterns and regexes are kept as
/// text; whoever applies them compiles them.
///
/// ```
/// use skyflow_schema::{DataType, VaultSchema};
///
/// let schema = VaultSchema::from_json(
///     r#"{"schemas":[{"name":"persons","fields":[{"name":"ssn","datatype":"DT_STRING"}]}]}"#,
/// )?;
/// let ssn = schema.table("persons").unwrap().column("ssn").unwrap();
/// assert_eq!(ssn.datatype, DataType::String);
/// assert_eq!(ssn.column_group, "persons.ssn");
/// assert!(!ssn.not_null);
/// # Ok::<(), skyflow_schema::SchemaError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Name (case-sensitive); a child schema's fields are named `<child>.<field>`.
    pub name: String,
    /// Data type.
    pub datatype: DataType,
    /// `isArray`.
    pub is_array: bool,
    /// Token policy; `None` means the column gets no tokens.
    pub token_policy: Option<TokenPolicy>,
    /// What DEFAULT redaction means for this column.
    pub dlp_policy: DlpPolicy,
    /// Masking `find_pattern` (a regex).
    pub find_pattern: Option<String>,
    /// Masking `replace_pattern` (`$1`/`${1}` references).
    pub replace_pattern: Option<String>,
    /// `format_preserving_regex` for FPT tokens.
    pub fpt_regex: Option<String>,
    /// `validation.regular_exp` (every one must match a non-null string value).
    pub validations: Vec<String>,
    /// `validation.predefinedvalues` (an enum); empty means any value.
    pub predefined_values: Vec<String>,
    /// Unique (`isUnique`, `skyflow.options.unique` or the `UNIQUE` configuration tag).
    pub unique: bool,
    /// The `NOT_NULL` configuration tag: a record must have a value here.
    pub not_null: bool,
    /// Column group (`table.column` when untagged).
    pub column_group: String,
    /// Transient TTL in minutes.
    pub ttl_minutes: u32,
    /// `skyflow.options.operation` values (EXACT_MATCH, ORDER, AGGREGATION, ALL_OP).
    pub operations: Vec<String>,
}

impl Column {
    /// The `skyflow_id` primary key every table has.
    pub(crate) fn skyflow_id(table: &str) -> Column {
        Column {
            name: SKYFLOW_ID.into(),
            datatype: DataType::String,
            is_array: false,
            token_policy: None,
            dlp_policy: DlpPolicy::PlainText,
            find_pattern: None,
            replace_pattern: None,
            fpt_regex: None,
            validations: Vec::new(),
            predefined_values: Vec::new(),
            unique: true,
            not_null: true,
            column_group: format!("{table}.{SKYFLOW_ID}"),
            ttl_minutes: TRANSIENT_TTL_MINUTES.2,
            operations: vec!["ALL_OP".into()],
        }
    }

    /// Whether this is the `skyflow_id` primary key.
    ///
    /// ```
    /// use skyflow_schema::VaultSchema;
    /// let s = VaultSchema::from_json(r#"{"schemas":[{"name":"t","fields":[]}]}"#)?;
    /// assert!(s.table("t").unwrap().columns[0].is_skyflow_id());
    /// # Ok::<(), skyflow_schema::SchemaError>(())
    /// ```
    pub fn is_skyflow_id(&self) -> bool {
        self.name == SKYFLOW_ID
    }

    /// Whether values of this column are transient (tokens expire; get never returns them).
    pub fn is_transient(&self) -> bool {
        self.token_policy.is_some_and(TokenPolicy::is_transient)
    }
}

/// The name of every table's primary key.
pub const SKYFLOW_ID: &str = "skyflow_id";

/// A table: its columns, `skyflow_id` first.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// use skyflow_schema::VaultSchema;
    /// let s = VaultSchema::from_json(r#"{"schemas":[{"name":"t","fields":[{"name":"a"}]}]}"#)?;
    /// assert!(s.table("t").unwrap().column("a").is_some());
    /// assert!(s.table("t").unwrap().column("A").is_none());
    /// # Ok::<(), skyflow_schema::SchemaError>(())
    /// ```
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// One vault's schema: its tables and column groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultSchema {
    pub(crate) name: Option<String>,
    pub(crate) tables: Vec<Table>,
    pub(crate) groups: BTreeMap<String, Vec<(String, String)>>,
    pub(crate) json: String,
}

impl VaultSchema {
    /// The vault's name, when the file gives one (Skyflow's exports do, as `name`).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The tables.
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// The table named `name` (case-sensitive).
    ///
    /// ```
    /// use skyflow_schema::VaultSchema;
    /// let s = VaultSchema::from_json(r#"{"schemas":[{"name":"persons","fields":[]}]}"#)?;
    /// assert!(s.table("persons").is_some());
    /// assert!(s.table("Persons").is_none());
    /// # Ok::<(), skyflow_schema::SchemaError>(())
    /// ```
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The `(table, column)` members of a column group, if the group exists.
    ///
    /// ```
    /// use skyflow_schema::VaultSchema;
    /// let s = VaultSchema::from_json(r#"{"schemas":[{"name":"t","fields":[{"name":"a"}]}]}"#)?;
    /// assert_eq!(s.column_group("t.a").unwrap(), [("t".to_owned(), "a".to_owned())]);
    /// # Ok::<(), skyflow_schema::SchemaError>(())
    /// ```
    pub fn column_group(&self, name: &str) -> Option<&[(String, String)]> {
        self.groups.get(name).map(Vec::as_slice)
    }

    /// This vault's schema as JSON (`{"schemas":[...]}`, or the text it was parsed from),
    /// which [`VaultSchema::from_json`] reads back to the same schema.
    ///
    /// ```
    /// use skyflow_schema::VaultSchema;
    /// let s = VaultSchema::from_json(r#"{"schemas":[{"name":"t","fields":[]}]}"#)?;
    /// assert_eq!(VaultSchema::from_json(s.to_json())?, s);
    /// # Ok::<(), skyflow_schema::SchemaError>(())
    /// ```
    pub fn to_json(&self) -> &str {
        &self.json
    }
}
