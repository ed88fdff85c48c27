use skyflow::VaultTable;
use skyflow::table::SkyflowId;

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    #[vault(redaction = "mask")]
    card_number: String,
}

fn main() {}
