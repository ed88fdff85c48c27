use skyflow::VaultTable;
use skyflow::table::SkyflowId;

// `name` is NOT_NULL in the schema.
#[derive(VaultTable)]
#[vault(table = "persons", schema = "schemas/vault.json")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    #[vault(column = "email_address")]
    email: String,
}

fn main() {}
