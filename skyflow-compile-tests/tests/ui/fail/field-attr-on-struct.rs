use skyflow::VaultTable;
use skyflow::table::SkyflowId;

#[derive(VaultTable)]
#[vault(table = "persons", unique)]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    name: String,
}

fn main() {}
