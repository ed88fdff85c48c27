//! Vault schemas in Skyflow's own JSON format, read through the `skyflow-schema` crate (the
//! same parser `#[derive(VaultTable)]` uses at compile time). This module only adds what the
//! engine needs at run time: regexes compiled, FPT regexes checked, and a `ValueType` per
//! data type.

use std::fmt;

use regex::Regex;

pub use skyflow_schema::{DataType, DlpPolicy, TRANSIENT_TTL_MINUTES, TokenPolicy};

use super::error::{EngineError, EngineResult};
use super::types::ValueType;

const QUICKSTART_JSON: &str = include_str!("../../schemas/quickstart.json");
const TABLE1_JSON: &str = include_str!("../../schemas/table1.json");

/// The detokenize `valueType` of a data type.
///
/// ```
/// use skyflow_emulator::engine::{DataType, ValueType};
/// assert_eq!(ValueType::from(DataType::Bool), ValueType::Bool);
/// ```
impl From<DataType> for ValueType {
    fn from(datatype: DataType) -> ValueType {
        match datatype {
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
}

/// One column of a table: its settings as the schema file gives them ([`Column::spec`]),
/// with the regexes the engine applies compiled once.
///
/// ```
/// use skyflow_emulator::engine::VaultSchema;
/// let s = VaultSchema::quickstart();
/// let c = s.table("persons").unwrap().column("ssn").unwrap();
/// assert_eq!(c.spec.column_group, "persons.ssn");
/// ```
#[derive(Clone)]
pub struct Column {
    /// The column's settings, as `skyflow-schema` parses them (the same model
    /// `#[derive(VaultTable)]` checks structs against).
    pub spec: skyflow_schema::Column,
    /// Masking `find_pattern`, compiled.
    pub find_pattern: Option<Regex>,
    /// `validation.regular_exp`, compiled (all must match a non-null string value).
    pub validations: Vec<Regex>,
    /// `format_preserving_regex` compiled once into a token generator.
    pub(crate) fpt_gen: Option<std::sync::Arc<super::fpt::RegexGen>>,
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
        self.spec.name == skyflow_schema::SKYFLOW_ID
    }

    /// Whether values of this column are transient (tokens expire; get never returns them).
    ///
    /// ```
    /// use skyflow_emulator::engine::VaultSchema;
    /// let s = VaultSchema::quickstart();
    /// assert!(s.table("credit_cards").unwrap().column("cvv").unwrap().is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        self.spec
            .token_policy
            .is_some_and(TokenPolicy::is_transient)
    }

    /// Whether the emulator keeps this column's values unique: a unique column, unless its
    /// tokens are transient (a transient value is never stored, so there is nothing to
    /// compare a new value with: such a column takes any value, and is not an upsert key).
    ///
    /// ```
    /// use skyflow_emulator::engine::VaultSchema;
    /// let s = VaultSchema::default_schema();
    /// assert!(s.table("table1").unwrap().column("email").unwrap().is_unique());
    /// ```
    pub fn is_unique(&self) -> bool {
        self.spec.unique && !self.is_transient()
    }
}

impl fmt::Debug for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Column")
            .field("name", &self.spec.name)
            .field("datatype", &self.spec.datatype)
            .field("token_policy", &self.spec.token_policy)
            .field("dlp_policy", &self.spec.dlp_policy)
            .field("unique", &self.spec.unique)
            .field("column_group", &self.spec.column_group)
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
        self.columns.iter().find(|c| c.spec.name == name)
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
    model: skyflow_schema::VaultSchema,
}

impl VaultSchema {
    /// Parses Skyflow's vault schema JSON of one vault (`{"schemas":[...]}` or an export
    /// wrapping it in `{"vaultSchema":{...}}`). Child schemas become columns named
    /// `<child>.<field>`. Errors name the table, column and tag that is wrong.
    ///
    /// ```
    /// use skyflow_emulator::engine::VaultSchema;
    /// assert!(VaultSchema::from_json("{}").is_err());
    /// ```
    pub fn from_json(json: &str) -> EngineResult<VaultSchema> {
        let model = skyflow_schema::VaultSchema::from_json(json).map_err(invalid)?;
        Self::from_model(model)
    }

    /// Parses a schema file that may hold several vaults (a JSON array of vault schemas),
    /// returning each vault's name (when the file gives one) and schema, in file order.
    ///
    /// ```
    /// use skyflow_emulator::engine::VaultSchema;
    /// let file = r#"[{"name":"a","schemas":[{"name":"t"}]},{"name":"b","schemas":[{"name":"u"}]}]"#;
    /// let vaults = VaultSchema::from_file_json(file).unwrap();
    /// assert_eq!(vaults[1].0.as_deref(), Some("b"));
    /// assert!(vaults[1].1.table("u").is_some());
    /// ```
    pub fn from_file_json(json: &str) -> EngineResult<Vec<(Option<String>, VaultSchema)>> {
        skyflow_schema::SchemaFile::parse(json)
            .map_err(invalid)?
            .into_vaults()
            .into_iter()
            .map(|model| {
                let name = model.name().map(str::to_owned);
                Ok((name, Self::from_model(model)?))
            })
            .collect()
    }

    /// The engine's view of a parsed schema: its regexes compiled and FPT regexes checked.
    fn from_model(model: skyflow_schema::VaultSchema) -> EngineResult<VaultSchema> {
        let tables = model
            .tables()
            .iter()
            .map(|t| {
                Ok(Table {
                    name: t.name.clone(),
                    columns: t
                        .columns
                        .iter()
                        .map(|c| build_column(&t.name, c))
                        .collect::<EngineResult<_>>()?,
                })
            })
            .collect::<EngineResult<_>>()?;
        Ok(VaultSchema { tables, model })
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
    /// assert!(s.table("table1").unwrap().column("email").unwrap().is_unique());
    /// ```
    pub fn default_schema() -> VaultSchema {
        let json = serde_json::json!({ "schemas": combined_raw() }).to_string();
        Self::from_json(&json).expect("default schema is valid")
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
        self.model.column_group(name)
    }

    /// The JSON this schema was parsed from (persisted so a restart reloads it).
    ///
    /// ```
    /// let s = skyflow_emulator::engine::VaultSchema::quickstart();
    /// assert!(s.to_json().contains("credit_cards"));
    /// ```
    pub fn to_json(&self) -> &str {
        self.model.to_json()
    }
}

fn invalid(err: skyflow_schema::SchemaError) -> EngineError {
    EngineError::invalid(format!("Invalid vault schema: {err}"))
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

/// A column of the model with its regexes compiled, and its FPT regex checked to produce
/// tokens.
fn build_column(table: &str, c: &skyflow_schema::Column) -> EngineResult<Column> {
    let at = |tag: &str| {
        format!(
            "Invalid vault schema: table `{table}`, column `{}`, tag `skyflow.{tag}`",
            c.name
        )
    };
    let compile = |tag: &str, pattern: &str| {
        Regex::new(pattern)
            .map_err(|e| EngineError::invalid(format!("{}: bad regex: {e}", at(tag))))
    };
    let find_pattern = c
        .find_pattern
        .as_deref()
        .map(|p| compile("options.find_pattern", p))
        .transpose()?;
    let validations = c
        .validations
        .iter()
        .map(|p| compile("validation.regular_exp", p))
        .collect::<EngineResult<_>>()?;
    let fpt_gen = c
        .fpt_regex
        .as_deref()
        .map(|fpt| {
            super::fpt::RegexGen::new(fpt)
                .map(std::sync::Arc::new)
                .map_err(|e| {
                    EngineError::invalid(format!("{}: {e}", at("options.format_preserving_regex")))
                })
        })
        .transpose()?;
    Ok(Column {
        spec: c.clone(),
        find_pattern,
        validations,
        fpt_gen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quickstart_tags() {
        let s = VaultSchema::quickstart();
        let cc = s.table("credit_cards").unwrap();
        let card = cc.column("card_number").unwrap();
        assert_eq!(card.spec.token_policy, Some(TokenPolicy::DeterministicFpt));
        assert_eq!(card.spec.dlp_policy, DlpPolicy::Mask);
        assert!(card.spec.fpt_regex.is_some());
        assert_eq!(card.validations.len(), 1);
        let cvv = cc.column("cvv").unwrap();
        assert!(cvv.is_transient());
        assert_eq!(cvv.spec.ttl_minutes, 60);
        let dob = s.table("persons").unwrap().column("date_of_birth").unwrap();
        assert_eq!(dob.spec.datatype, DataType::Date);
        assert_eq!(cc.columns[0].spec.name, "skyflow_id");
    }

    #[test]
    fn parses_export_wrapper_and_children() {
        let json = include_str!("../../schemas/test-sample-schema.json");
        let s = VaultSchema::from_json(json).unwrap();
        let t = s.table("table_1").unwrap();
        assert_eq!(t.column("age").unwrap().spec.datatype, DataType::Int32);
        assert!(t.column("name.first_name").is_some());
        assert_eq!(
            t.column("marital_status")
                .unwrap()
                .spec
                .predefined_values
                .len(),
            7
        );
    }

    #[test]
    fn rejects_bad_schemas() {
        for bad in [
            "not json",
            r#"{"schemas":[]}"#,
            r#"{"schemas":[{"name":"t","fields":[{"name":"a","datatype":"DT_STRING","tags":[{"name":"skyflow.options.default_token_policy","values":["NOPE"]}]}]}]}"#,
            r#"{"schemas":[{"name":"t","fields":[{"name":"a","datatype":"DT_STRING","tags":[{"name":"skyflow.validation.regular_exp","values":["("]}]}]}]}"#,
            r#"{"schemas":[{"name":"t","fields":[{"name":"a","datatype":"DT_STRING","tags":[{"name":"skyflow.options.ttl","values":["0"]}]}]}]}"#,
            r#"{"schemas":[{"name":"t","fields":[{"name":"a"},{"name":"a"}]}]}"#,
        ] {
            assert!(VaultSchema::from_json(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn column_groups_must_agree() {
        let json = r#"{"schemas":[{"name":"t","fields":[
          {"name":"a","datatype":"DT_STRING","tags":[{"name":"skyflow.options.column_group","values":["g"]},{"name":"skyflow.options.default_token_policy","values":["DETERMINISTIC_UUID"]}]},
          {"name":"b","datatype":"DT_STRING","tags":[{"name":"skyflow.options.column_group","values":["g"]},{"name":"skyflow.options.default_token_policy","values":["NON_DETERMINISTIC_UUID"]}]}]}]}"#;
        assert!(VaultSchema::from_json(json).is_err());
        let ok = json.replace("NON_DETERMINISTIC_UUID", "DETERMINISTIC_UUID");
        let s = VaultSchema::from_json(&ok).unwrap();
        assert_eq!(s.column_group("g").unwrap().len(), 2);
    }

    #[test]
    fn default_schema_has_table1() {
        let s = VaultSchema::default_schema();
        let t = s.table("table1").unwrap();
        for c in [
            "card_number",
            "cardholder_name",
            "email",
            "ssn",
            "name",
            "file",
        ] {
            assert!(t.column(c).is_some(), "{c}");
        }
        assert_eq!(t.column("file").unwrap().spec.datatype, DataType::File);
        assert!(
            VaultSchema::from_json(s.to_json())
                .unwrap()
                .table("table1")
                .is_some()
        );
    }
}
