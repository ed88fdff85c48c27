use skyflow::VaultTable;
use skyflow::table::{GetByColumn, SkyflowId};

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    #[vault(unique)]
    email: String,
}

fn main() {
    let _ = GetByColumn::new(Person::EMAL, ["jane@example.com"]);
}
