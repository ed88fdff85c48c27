use skyflow::table::SkyflowId;
use skyflow::table::redaction::Masked;
use skyflow::{VaultClient, VaultTable};

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    #[vault(column = "card_number")]
    card: String,
}

async fn load(vault: &VaultClient, id: &SkyflowId) -> skyflow::Result<Vec<Person>> {
    vault.table::<Person>().get::<Masked>([id]).send().await
}

fn main() {
    let _ = load;
}
