//! The expansion is clean under strict lints in the user's crate.
#![deny(warnings, unused_qualifications, missing_docs, clippy::pedantic)]

use skyflow::VaultTable;
use skyflow::table::{Sensitive, SkyflowId};

/// A person.
#[derive(Debug, VaultTable)]
#[vault(table = "persons", rename_all = "snake_case")]
pub struct Person {
    /// Id.
    #[vault(skyflow_id)]
    pub id: Option<SkyflowId>,
    /// Email.
    #[vault(unique)]
    pub email: String,
    /// Card.
    #[vault(column = "card_number", redaction = "masked")]
    pub card: Sensitive<String>,
    /// Age.
    pub age: Option<u32>,
    /// Not stored.
    #[vault(skip)]
    pub cache: Option<String>,
}

/// A private table.
#[derive(VaultTable)]
#[vault(table = "notes")]
struct Note {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    text: String,
}

fn main() {
    let note = Note { id: None, text: String::new() };
    let _ = (note.id, note.text, Note::TEXT);
    let person = Person {
        id: None,
        email: String::new(),
        card: Sensitive::new(String::new()),
        age: None,
        cache: None,
    };
    let _ = person.to_insert_fields();
}
