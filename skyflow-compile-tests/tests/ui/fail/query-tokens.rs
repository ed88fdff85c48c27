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

fn tokens(vault: &VaultClient) {
    let _query = vault.table::<Person>().query(Select::new()).mode::<Tokens>();
}

fn main() {
    let _ = tokens;
}
