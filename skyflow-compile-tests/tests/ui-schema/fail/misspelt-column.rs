use skyflow::VaultTable;
use skyflow::table::SkyflowId;

#[derive(VaultTable)]
#[vault(table = "persons", schema = "schemas/vault.json")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    name: String,
    #[vault(column = "email_adress")]
    email: String,
}

fn main() {}
