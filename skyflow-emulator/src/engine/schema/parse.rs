//! Parsing Skyflow's schema JSON into [`Table`]s and [`Column`]s: the raw document shapes,
//! the tags of each field and the checks that make a schema usable.

use super::*;

#[derive(Deserialize)]
pub(super) struct RawDoc {
    #[serde(default)]
    pub(super) schemas: Option<Vec<RawTable>>,
    #[serde(default, rename = "vaultSchema")]
    pub(super) vault_schema: Option<Box<RawDoc>>,
}

#[derive(Deserialize)]
pub(super) struct RawTable {
    pub(super) name: String,
    #[serde(default)]
    pub(super) fields: Vec<RawField>,
    #[serde(default, rename = "childrenSchemas")]
    pub(super) children: Option<Vec<RawTable>>,
}

#[derive(Deserialize)]
pub(super) struct RawField {
    pub(super) name: String,
    #[serde(default)]
    pub(super) datatype: Option<String>,
    #[serde(default, rename = "isArray")]
    pub(super) is_array: Option<bool>,
    #[serde(default, rename = "isUnique")]
    pub(super) is_unique: Option<bool>,
    #[serde(default)]
    pub(super) tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
pub(super) struct RawTag {
    pub(super) name: String,
    #[serde(default)]
    pub(super) values: Option<Vec<String>>,
}

pub(super) fn build_table(t: &RawTable) -> EngineResult<Table> {
    let mut columns = Vec::new();
    for f in &t.fields {
        columns.push(build_column(&t.name, f, None)?);
    }
    for child in t.children.iter().flatten() {
        for f in &child.fields {
            columns.push(build_column(&t.name, f, Some(&child.name))?);
        }
    }
    if !columns.iter().any(Column::is_skyflow_id) {
        columns.insert(0, skyflow_id_column(&t.name));
    } else {
        let pos = columns.iter().position(Column::is_skyflow_id).unwrap_or(0);
        let c = columns.remove(pos);
        columns.insert(0, c);
    }
    for (i, c) in columns.iter().enumerate() {
        if columns[..i].iter().any(|x| x.name == c.name) {
            return Err(EngineError::invalid(format!(
                "Invalid vault schema: column {}.{} is defined twice",
                t.name, c.name
            )));
        }
    }
    Ok(Table {
        name: t.name.clone(),
        columns,
    })
}

fn skyflow_id_column(table: &str) -> Column {
    Column {
        name: "skyflow_id".into(),
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
        column_group: format!("{table}.skyflow_id"),
        ttl_minutes: TRANSIENT_TTL_MINUTES.2,
        operations: vec!["ALL_OP".into()],
    }
}

fn build_column(table: &str, f: &RawField, child: Option<&str>) -> EngineResult<Column> {
    let name = match child {
        Some(c) => format!("{c}.{}", f.name),
        None => f.name.clone(),
    };
    if name == "skyflow_id" {
        return Ok(skyflow_id_column(table));
    }
    let at = |tag: &str| format!("Invalid vault schema: column {table}.{name}, tag {tag}");
    let datatype = DataType::parse(f.datatype.as_deref().unwrap_or("DT_STRING"));
    let mut col = Column {
        name: name.clone(),
        datatype,
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
        let first = values.first().map(String::as_str).unwrap_or("");
        match tag.name.as_str() {
            "skyflow.options.default_token_policy" => {
                let p = TokenPolicy::parse(first).ok_or_else(|| {
                    EngineError::invalid(format!("{}: unknown policy {first}", at(&tag.name)))
                })?;
                col.token_policy = Some(p);
            }
            "skyflow.options.default_dlp_policy" => {
                col.dlp_policy = DlpPolicy::parse(first).ok_or_else(|| {
                    EngineError::invalid(format!("{}: unknown policy {first}", at(&tag.name)))
                })?;
            }
            "skyflow.options.find_pattern" => {
                let re = Regex::new(first).map_err(|e| {
                    EngineError::invalid(format!("{}: bad regex: {e}", at(&tag.name)))
                })?;
                col.find_pattern = Some(re);
            }
            "skyflow.options.replace_pattern" => col.replace_pattern = Some(first.to_string()),
            "skyflow.options.format_preserving_regex" => {
                crate::engine::fpt::check_regex(first)
                    .map_err(|e| EngineError::invalid(format!("{}: {e}", at(&tag.name))))?;
                col.fpt_regex = Some(first.to_string());
            }
            "skyflow.validation.regular_exp" => {
                for v in &values {
                    let re = Regex::new(v).map_err(|e| {
                        EngineError::invalid(format!("{}: bad regex: {e}", at(&tag.name)))
                    })?;
                    col.validations.push(re);
                }
            }
            "skyflow.validation.predefinedvalues" => col.predefined_values = values.clone(),
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
                col.column_group = first.to_string();
            }
            "skyflow.options.ttl" => {
                let ttl: u32 = first.parse().map_err(|_| {
                    EngineError::invalid(format!("{}: not a number of minutes", at(&tag.name)))
                })?;
                let (lo, hi, _) = TRANSIENT_TTL_MINUTES;
                if !(lo..=hi).contains(&ttl) {
                    return Err(EngineError::invalid(format!(
                        "{}: the TTL must be between {lo} and {hi} minutes",
                        at(&tag.name)
                    )));
                }
                col.ttl_minutes = ttl;
            }
            "skyflow.options.operation" => col.operations = values.clone(),
            _ => {}
        }
    }
    Ok(col)
}
