use skyflow::table::{SkyflowId, Token};
use skyflow::{VaultClient, VaultTable};

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    name: String,
}

#[derive(VaultTable)]
#[vault(table = "accounts")]
struct Account {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    number: String,
}

async fn number(vault: &VaultClient, token: &Token<AccountNumber>) -> skyflow::Result<String> {
    vault.table::<Person>().detokenize_one(token).send().await
}

fn main() {
    let _ = number;
}
