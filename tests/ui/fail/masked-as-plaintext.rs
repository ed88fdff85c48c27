use skyflow::VaultTable;
use skyflow::table::{FieldMap, FromRecord, SkyflowId, redaction};

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    #[vault(column = "card_number", redaction = "masked")]
    card: String,
}

fn main() {
    let view = PersonView::<redaction::Masked>::from_record(&FieldMap::new()).unwrap();
    let card: String = view.card;
    let _ = card;
}
