use skyflow::table::SkyflowId;
use skyflow::{VaultClient, VaultTable};

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    #[vault(unique)]
    email: String,
    name: String,
}

async fn save(vault: &VaultClient, person: &Person) -> skyflow::Result<SkyflowId> {
    vault.table::<Person>().upsert(Person::NAME, person).send().await
}

fn main() {
    let _ = save;
}
