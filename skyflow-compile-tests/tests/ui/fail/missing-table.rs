use skyflow::VaultTable;
use skyflow::table::SkyflowId;

#[derive(VaultTable)]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    name: String,
}

fn main() {
    // The fallback impl keeps this from adding a second error.
    let _ = Person::TABLE;
}
