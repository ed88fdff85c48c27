//! Every attribute key, as a typed constant: keys are compared against these, never
//! against raw strings.

use std::fmt::{self, Display};

use syn::{Ident, Path};

#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) struct Symbol(pub(crate) &'static str);

/// The attribute namespace: `#[vault(...)]`.
pub(crate) const VAULT: Symbol = Symbol("vault");

/// Container keys.
pub(crate) const TABLE: Symbol = Symbol("table");
pub(crate) const RENAME_ALL: Symbol = Symbol("rename_all");
pub(crate) const CRATE: Symbol = Symbol("crate");
pub(crate) const SCHEMA: Symbol = Symbol("schema");
pub(crate) const SCHEMA_VAULT: Symbol = Symbol("schema_vault");
pub(crate) const PARTIAL: Symbol = Symbol("partial");

/// Field keys.
pub(crate) const SKYFLOW_ID: Symbol = Symbol("skyflow_id");
pub(crate) const COLUMN: Symbol = Symbol("column");
pub(crate) const REDACTION: Symbol = Symbol("redaction");
pub(crate) const UNIQUE: Symbol = Symbol("unique");
pub(crate) const SKIP: Symbol = Symbol("skip");

pub(crate) const CONTAINER_KEYS: &[Symbol] =
    &[TABLE, RENAME_ALL, CRATE, SCHEMA, SCHEMA_VAULT, PARTIAL];
pub(crate) const FIELD_KEYS: &[Symbol] = &[SKYFLOW_ID, COLUMN, REDACTION, UNIQUE, SKIP];

impl Symbol {
    /// How the key is written, e.g. `#[vault(column = "card_number")]`.
    pub(crate) fn format(self) -> &'static str {
        match self.0 {
            "table" => "#[vault(table = \"persons\")]",
            "rename_all" => "#[vault(rename_all = \"snake_case\")]",
            "crate" => "#[vault(crate = \"skyflow\")]",
            "schema" => "#[vault(schema = \"vault-schema.json\")]",
            "schema_vault" => "#[vault(schema_vault = \"payments\")]",
            "partial" => "#[vault(partial)]",
            "skyflow_id" => "#[vault(skyflow_id)]",
            "column" => "#[vault(column = \"card_number\")]",
            "redaction" => "#[vault(redaction = \"masked\")]",
            "unique" => "#[vault(unique)]",
            "skip" => "#[vault(skip)]",
            _ => "#[vault(...)]",
        }
    }
}

impl PartialEq<Symbol> for Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl PartialEq<Symbol> for &Ident {
    fn eq(&self, word: &Symbol) -> bool {
        *self == word.0
    }
}

impl PartialEq<Symbol> for Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl PartialEq<Symbol> for &Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl Display for Symbol {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.0)
    }
}
