//! A struct for every datatype of the schema, and one for Skyflow-style persons; `unique` is
//! taken from the schema where the struct does not write it.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use skyflow::VaultTable;
use skyflow::table::{GetByColumn, Sensitive, SkyflowId, Upsert};

#[derive(Debug, VaultTable)]
#[vault(table = "everything", schema = "schemas/vault.json")]
pub struct Everything {
    #[vault(skyflow_id)]
    pub id: Option<SkyflowId>,
    pub text: Option<String>,
    pub count: i32,
    pub ratio: f32,
    pub active: bool,
    pub born: NaiveDate,
    pub seen_at: DateTime<Utc>,
    pub opens: Option<NaiveTime>,
    pub document: Option<String>,
    pub extra: serde_json::Value,
    pub labels: Vec<String>,
    #[vault(redaction = "masked")]
    pub code: Sensitive<String>,
    pub status: String,
}

#[derive(Debug, VaultTable)]
#[vault(table = "persons", schema = "schemas/vault.json")]
pub struct Person {
    #[vault(skyflow_id)]
    pub id: Option<SkyflowId>,
    #[vault(redaction = "masked")]
    pub name: Sensitive<String>,
    #[vault(column = "email_address", unique)]
    pub email: String,
    #[vault(redaction = "redacted")]
    pub age: Option<i32>,
    pub photo: Option<String>,
    #[vault(redaction = "plain_text")]
    pub state: Option<String>,
}

/// A struct that never inserts may leave required columns out.
#[derive(Debug, VaultTable)]
#[vault(table = "persons", schema = "schemas/vault.json", partial)]
pub struct StateOnly {
    #[vault(skyflow_id)]
    pub id: Option<SkyflowId>,
    pub state: Option<String>,
}

fn main() {
    // `code` is unique in the schema: it is an upsert key without `#[vault(unique)]`.
    assert_eq!(Upsert::on(Everything::CODE).column_name(), "code");
    // `email_address` is written unique and is unique in the schema.
    let _by_email = GetByColumn::new(Person::EMAIL, ["jane@example.com"]);
    assert_eq!(Everything::COLUMNS.len(), 12);
    assert_eq!(StateOnly::COLUMNS.len(), 1);
}
