use skyflow::VaultTable;
use skyflow::table::{SkyflowId, Upsert};

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    #[vault(unique)]
    email: String,
    name: String,
}

fn main() {
    let _ = Upsert::<Person>::on(Person::NAME);
}
