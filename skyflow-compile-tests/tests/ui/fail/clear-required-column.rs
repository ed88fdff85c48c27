use skyflow::VaultTable;
use skyflow::table::{SkyflowId, Update};

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    name: String,
}

fn main() {
    let _ = Update::<Person>::new().clear(Person::NAME);
}
