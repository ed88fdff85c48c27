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

async fn card_number(vault: &VaultClient, id: &SkyflowId) -> skyflow::Result<String> {
    let people = vault.table::<Person>().get([id]).masked().send().await?;
    let card: String = people[0].card;
    Ok(card)
}

fn main() {
    let _ = card_number;
}
