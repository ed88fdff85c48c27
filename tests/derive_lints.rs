//! `#[derive(VaultTable)]` output is clean under the strictest lints a user may set; `cargo
//! clippy --all-targets -- -D warnings` checks this file with clippy's pedantic group.
#![deny(warnings, unused_qualifications, missing_docs, clippy::pedantic)]

use skyflow::VaultTable;
use skyflow::table::{FieldMap, FromRecord, MaskedValue, Sensitive, SkyflowId, redaction};

/// A person with every kind of field.
#[derive(Debug, Clone, PartialEq, VaultTable)]
#[vault(table = "persons", rename_all = "snake_case")]
pub struct Person {
    /// The id.
    #[vault(skyflow_id)]
    pub id: Option<SkyflowId>,
    /// Upsert key.
    #[vault(unique)]
    pub email: String,
    /// Sensitive.
    #[vault(column = "card_number", redaction = "masked")]
    pub card: Sensitive<String>,
    /// Optional.
    pub age: Option<u32>,
    /// A date.
    pub born: chrono::NaiveDate,
    /// Not stored.
    #[vault(skip)]
    pub cache: Option<String>,
}

/// A crate-private table.
#[derive(VaultTable)]
#[vault(table = "notes")]
pub(crate) struct Note {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    text: String,
}

#[test]
fn derived_items_work_under_strict_lints() -> Result<(), Box<dyn std::error::Error>> {
    let note = Note {
        id: None,
        text: "hello".into(),
    };
    assert_eq!(note.to_insert_fields()?["text"], "hello");
    assert!(note.id.is_none());
    assert_eq!(Note::TEXT, NoteText);

    let fields: FieldMap = serde_json::from_value(serde_json::json!({
        "skyflow_id": "id-1",
        "email": "j***@x.com",
        "card_number": "XXXX-1111",
        "age": "XX",
        "born": "XXXX-XX-XX",
    }))?;
    let masked = PersonView::<redaction::Masked>::from_record(&fields)?;
    let card: &MaskedValue<Sensitive<String>> = &masked.card;
    assert_eq!(card.as_str(), Some("XXXX-1111"));
    Ok(())
}
