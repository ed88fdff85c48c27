//! Compiled by `tests/ui_schema.rs` twice with different `schema.json` contents and
//! `SKYFLOW_VAULT_SCHEMA` values, this file never changing: the schema check must re-run.

use skyflow::VaultTable;
use skyflow::table::SkyflowId;

/// Checked against `schema.json`.
#[derive(VaultTable)]
#[vault(table = "persons", schema = "schema.json")]
pub struct Person {
    #[vault(skyflow_id)]
    pub id: Option<SkyflowId>,
    pub email: String,
}

/// Checked against `SKYFLOW_VAULT_SCHEMA`, when it is set.
#[derive(VaultTable)]
#[vault(table = "persons")]
pub struct Contact {
    #[vault(skyflow_id)]
    pub id: Option<SkyflowId>,
    pub email: String,
}

fn main() {
    assert_eq!(Person::COLUMNS.len(), Contact::COLUMNS.len());
}
