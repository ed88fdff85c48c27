use skyflow::VaultTable;
use skyflow::table::SkyflowId;

// `age` is DT_INT32: a `u32` cannot hold its negative values.
#[derive(VaultTable)]
#[vault(table = "persons", schema = "schemas/vault.json")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    name: String,
    age: Option<u32>,
}

fn main() {}
