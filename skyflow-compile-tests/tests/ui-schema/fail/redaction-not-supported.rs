use skyflow::VaultTable;
use skyflow::table::SkyflowId;

// `age` is DT_INT32, which Skyflow does not mask.
#[derive(VaultTable)]
#[vault(table = "persons", schema = "schemas/vault.json")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    name: String,
    #[vault(redaction = "masked")]
    age: i32,
}

fn main() {}
