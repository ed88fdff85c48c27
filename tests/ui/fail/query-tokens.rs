use skyflow::table::redaction::Tokens;
use skyflow::table::{Select, SkyflowId};
use skyflow::{VaultClient, VaultTable};

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    name: String,
}

async fn tokens(vault: &VaultClient) -> skyflow::Result<Vec<PersonTokens>> {
    vault.table::<Person>().query::<Tokens>(&Select::new()).await
}

fn main() {
    let _ = tokens;
}
