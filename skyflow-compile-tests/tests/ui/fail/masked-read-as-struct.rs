use skyflow::table::SkyflowId;
// The read mode is chosen on the builder.
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
    vault.table::<Person>().get([id]).masked().send().await
}

fn main() {
    let _ = load;
}
