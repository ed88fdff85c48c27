//! Reading schema JSON into the model.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::SchemaError;
use crate::model::{
    Column, DataType, DlpPolicy, SKYFLOW_ID, TRANSIENT_TTL_MINUTES, Table, TokenPolicy, VaultSchema,
};

/// One vault's document: `{"schemas":[...]}`, or an export `{"name", "vaultSchema":{...}}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDoc {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    schemas: Option<Vec<RawTable>>,
    #[serde(default)]
    vault_schema: Option<RawInner>,
}

#[derive(Deserialize)]
struct RawInner {
    #[serde(default)]
    schemas: Option<Vec<RawTable>>,
}

#[derive(Deserialize)]
struct RawTable {
    name: String,
    #[serde(default)]
    fields: Vec<RawField>,
    #[serde(default, rename = "childrenSchemas")]
    children: Option<Vec<RawTable>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawField {
    name: String,
    #[serde(default)]
    datatype: Option<String>,
    #[serde(default)]
    is_array: Option<bool>,
    #[serde(default)]
    is_unique: Option<bool>,
    #[serde(default)]
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
struct RawTag {
    name: String,
    #[serde(default)]
    values: Option<Vec<String>>,
}

/// A schema file: one vault, or several.
///
/// The file is Skyflow's own vault schema JSON, in any of these shapes:
///
/// - `{"schemas": [ table, … ]}`, the schema itself;
/// - `{"name": "…", "vaultSchema": {"schemas": [ … ]}}`, a vault as Skyflow exports it;
/// - `[ vault, vault, … ]`, several vaults (each in one of the shapes above) in one file.
///
/// Each table is `{"name", "fields": [ field, … ], "childrenSchemas": [ … ]}`; each field
/// `{"name", "datatype", "isArray", "isUnique", "tags": [{"name", "values"}]}`. The fields of
/// a child schema become columns named `<child>.<field>`, and every table gets its
/// `skyflow_id` column first.
///
/// ```
/// use skyflow_schema::{DataType, SchemaFile};
///
/// let file = SchemaFile::parse(r#"[
///   {"name": "payments", "vaultSchema": {"schemas": [
///     {"name": "cards", "fields": [{"name": "card_number", "datatype": "DT_STRING"}]}]}},
///   {"name": "people", "vaultSchema": {"schemas": [
///     {"name": "persons", "fields": [{"name": "age", "datatype": "DT_INT32"}]}]}}
/// ]"#)?;
/// assert_eq!(file.vaults().len(), 2);
/// let (vault, persons) = file.tables_named("persons").next().unwrap();
/// assert_eq!(vault.name(), Some("people"));
/// assert_eq!(persons.column("age").unwrap().datatype, DataType::Int32);
/// # Ok::<(), skyflow_schema::SchemaError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaFile {
    vaults: Vec<VaultSchema>,
}

impl SchemaFile {
    /// Parses a schema file, checking everything the format defines: table and column names
    /// are unique, tag values are ones Skyflow has (token and redaction policies, TTLs,
    /// configuration tags), and the columns of one column group agree on their settings.
    ///
    /// # Errors
    ///
    /// A [`SchemaError`] that says what is wrong and where (a line and column, or the vault,
    /// table, column and tag).
    ///
    /// ```
    /// use skyflow_schema::SchemaFile;
    /// assert!(SchemaFile::parse("{}").is_err());
    /// assert!(SchemaFile::parse("[]").is_err());
    /// ```
    pub fn parse(json: &str) -> Result<SchemaFile, SchemaError> {
        if json.trim_start().starts_with('[') {
            let docs: Vec<serde_json::Value> =
                serde_json::from_str(json).map_err(|e| SchemaError::json(&e))?;
            if docs.is_empty() {
                return Err(SchemaError::whole(
                    "not a valid vault schema: the list of vaults is empty",
                ));
            }
            let mut vaults: Vec<VaultSchema> = Vec::new();
            for (index, doc) in docs.into_iter().enumerate() {
                let text = doc.to_string();
                let raw: RawDoc = serde_json::from_value(doc).map_err(|e| {
                    SchemaError::at(format!("vault #{}", index + 1), format!("{e}"))
                })?;
                let label = raw.name.as_ref().map_or_else(
                    || format!("vault #{}", index + 1),
                    |n| format!("vault `{n}`"),
                );
                let vault = build_vault(raw, text, Some(&label))?;
                if let Some(name) = &vault.name
                    && vaults.iter().any(|v| v.name.as_ref() == Some(name))
                {
                    return Err(SchemaError::at(label, "this vault is defined twice"));
                }
                vaults.push(vault);
            }
            Ok(SchemaFile { vaults })
        } else {
            let raw: RawDoc = serde_json::from_str(json).map_err(|e| SchemaError::json(&e))?;
            let vault = build_vault(raw, json.to_owned(), None)?;
            Ok(SchemaFile {
                vaults: vec![vault],
            })
        }
    }

    /// The vaults, in file order.
    pub fn vaults(&self) -> &[VaultSchema] {
        &self.vaults
    }

    /// Takes the vaults out of the file.
    pub fn into_vaults(self) -> Vec<VaultSchema> {
        self.vaults
    }

    /// Every table named `name`, with its vault, in file order.
    pub fn tables_named<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = (&'a VaultSchema, &'a Table)> + 'a {
        self.vaults
            .iter()
            .filter_map(move |v| v.table(name).map(|t| (v, t)))
    }
}

impl VaultSchema {
    /// Parses a file that holds exactly one vault (see [`SchemaFile::parse`] for the shapes
    /// and the checks).
    ///
    /// # Errors
    ///
    /// What [`SchemaFile::parse`] rejects, and a file with several vaults.
    ///
    /// ```
    /// use skyflow_schema::VaultSchema;
    /// let s = VaultSchema::from_json(
    ///     r#"{"schemas":[{"name":"t","fields":[{"name":"a","datatype":"DT_STRING"}]}]}"#,
    /// )?;
    /// assert_eq!(s.tables().len(), 1);
    /// assert!(VaultSchema::from_json(r#"{"schemas":[]}"#).is_err());
    /// # Ok::<(), skyflow_schema::SchemaError>(())
    /// ```
    pub fn from_json(json: &str) -> Result<VaultSchema, SchemaError> {
        let mut vaults = SchemaFile::parse(json)?.vaults;
        if vaults.len() != 1 {
            return Err(SchemaError::whole(format!(
                "expected the schema of one vault, found {} vaults",
                vaults.len()
            )));
        }
        Ok(vaults.remove(0))
    }
}

fn build_vault(raw: RawDoc, json: String, label: Option<&str>) -> Result<VaultSchema, SchemaError> {
    let prefix = |what: String| match label {
        Some(label) => format!("{label}, {what}"),
        None => what,
    };
    let tables = match (raw.schemas, raw.vault_schema) {
        (Some(tables), _) => tables,
        (None, Some(inner)) => inner.schemas.unwrap_or_default(),
        (None, None) => Vec::new(),
    };
    if tables.is_empty() {
        let message = "not a valid vault schema: it needs at least one table in `schemas`";
        return Err(match label {
            Some(label) => SchemaError::at(label, message),
            None => SchemaError::whole(message),
        });
    }
    let mut out: Vec<Table> = Vec::new();
    for raw_table in &tables {
        let table = build_table(raw_table, &prefix)?;
        if out.iter().any(|t| t.name == table.name) {
            return Err(SchemaError::at(
                prefix(format!("table `{}`", table.name)),
                "this table is defined twice",
            ));
        }
        out.push(table);
    }
    let groups = column_groups(&out, &prefix)?;
    Ok(VaultSchema {
        name: raw.name,
        tables: out,
        groups,
        json,
    })
}

/// The members of each column group, checking that they share their settings.
fn column_groups(
    tables: &[Table],
    prefix: &dyn Fn(String) -> String,
) -> Result<BTreeMap<String, Vec<(String, String)>>, SchemaError> {
    let mut groups: BTreeMap<String, Vec<&Column>> = BTreeMap::new();
    let mut members: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for table in tables {
        for column in table.columns.iter().filter(|c| !c.is_skyflow_id()) {
            groups
                .entry(column.column_group.clone())
                .or_default()
                .push(column);
            members
                .entry(column.column_group.clone())
                .or_default()
                .push((table.name.clone(), column.name.clone()));
        }
    }
    for (group, columns) in &groups {
        let first = columns[0];
        for (index, other) in columns.iter().enumerate().skip(1) {
            let same = other.token_policy == first.token_policy
                && other.dlp_policy == first.dlp_policy
                && other.fpt_regex == first.fpt_regex
                && other.replace_pattern == first.replace_pattern
                && other.find_pattern == first.find_pattern
                && other.validations == first.validations;
            if !same {
                let (table, column) = &members[group][index];
                return Err(SchemaError::at(
                    prefix(format!("table `{table}`, column `{column}`")),
                    format!(
                        "the columns of column group `{group}` must share their token policy, redaction, find and replace patterns, FPT regex and validation regexes"
                    ),
                ));
            }
        }
    }
    Ok(members)
}

fn build_table(t: &RawTable, prefix: &dyn Fn(String) -> String) -> Result<Table, SchemaError> {
    let mut columns = Vec::new();
    for f in &t.fields {
        columns.push(build_column(&t.name, f, None, prefix)?);
    }
    for child in t.children.iter().flatten() {
        for f in &child.fields {
            columns.push(build_column(&t.name, f, Some(&child.name), prefix)?);
        }
    }
    match columns.iter().position(Column::is_skyflow_id) {
        Some(pos) => {
            let id = columns.remove(pos);
            columns.insert(0, id);
        }
        None => columns.insert(0, Column::skyflow_id(&t.name)),
    }
    for (i, c) in columns.iter().enumerate() {
        if columns[..i].iter().any(|x| x.name == c.name) {
            return Err(SchemaError::at(
                prefix(format!("table `{}`, column `{}`", t.name, c.name)),
                "this column is defined twice",
            ));
        }
    }
    Ok(Table {
        name: t.name.clone(),
        columns,
    })
}

fn build_column(
    table: &str,
    f: &RawField,
    child: Option<&str>,
    prefix: &dyn Fn(String) -> String,
) -> Result<Column, SchemaError> {
    let name = match child {
        Some(c) => format!("{c}.{}", f.name),
        None => f.name.clone(),
    };
    if name == SKYFLOW_ID {
        return Ok(Column::skyflow_id(table));
    }
    let at = |tag: &str| prefix(format!("table `{table}`, column `{name}`, tag `{tag}`"));
    let mut col = Column {
        name: name.clone(),
        datatype: DataType::parse(f.datatype.as_deref().unwrap_or("DT_STRING")),
        is_array: f.is_array.unwrap_or(false),
        token_policy: None,
        dlp_policy: DlpPolicy::PlainText,
        find_pattern: None,
        replace_pattern: None,
        fpt_regex: None,
        validations: Vec::new(),
        predefined_values: Vec::new(),
        unique: f.is_unique.unwrap_or(false),
        not_null: false,
        column_group: format!("{table}.{name}"),
        ttl_minutes: TRANSIENT_TTL_MINUTES.2,
        operations: Vec::new(),
    };
    for tag in f.tags.iter().flatten() {
        let values = tag.values.clone().unwrap_or_default();
        let first = values.first().map_or("", String::as_str);
        match tag.name.as_str() {
            "skyflow.options.default_token_policy" => {
                let policy = TokenPolicy::parse(first).ok_or_else(|| {
                    SchemaError::at(at(&tag.name), format!("unknown token policy `{first}`"))
                })?;
                col.token_policy = Some(policy);
            }
            "skyflow.options.default_dlp_policy" => {
                col.dlp_policy = DlpPolicy::parse(first).ok_or_else(|| {
                    SchemaError::at(
                        at(&tag.name),
                        format!(
                            "unknown redaction policy `{first}` (expected PLAIN_TEXT, REDACT or MASK)"
                        ),
                    )
                })?;
            }
            "skyflow.options.find_pattern" => col.find_pattern = Some(first.to_owned()),
            "skyflow.options.replace_pattern" => col.replace_pattern = Some(first.to_owned()),
            "skyflow.options.format_preserving_regex" => col.fpt_regex = Some(first.to_owned()),
            "skyflow.validation.regular_exp" => col.validations.clone_from(&values),
            "skyflow.validation.predefinedvalues" => col.predefined_values.clone_from(&values),
            "skyflow.options.unique" => col.unique = first != "false",
            "skyflow.options.configuration_tags" => {
                for v in &values {
                    match v.as_str() {
                        "UNIQUE" => col.unique = true,
                        "NOT_NULL" => col.not_null = true,
                        _ => {}
                    }
                }
            }
            "skyflow.options.column_group" if !first.is_empty() => {
                col.column_group = first.to_owned();
            }
            "skyflow.options.ttl" => {
                let (lo, hi, _) = TRANSIENT_TTL_MINUTES;
                let ttl: u32 = first.parse().map_err(|_| {
                    SchemaError::at(
                        at(&tag.name),
                        format!("`{first}` is not a number of minutes"),
                    )
                })?;
                if !(lo..=hi).contains(&ttl) {
                    return Err(SchemaError::at(
                        at(&tag.name),
                        format!("the TTL must be between {lo} and {hi} minutes, not {ttl}"),
                    ));
                }
                col.ttl_minutes = ttl;
            }
            "skyflow.options.operation" => col.operations.clone_from(&values),
            _ => {}
        }
    }
    Ok(col)
}
