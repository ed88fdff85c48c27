use skyflow::VaultTable;
use skyflow::table::SkyflowId;

// `name` is NOT_NULL: it always has a value.
#[derive(VaultTable)]
#[vault(table = "persons", schema = "schemas/vault.json")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    name: Option<String>,
}

fn main() {}
