// The read mode is chosen on the builder.
use skyflow::table::{GetByColumn, SkyflowId};
use skyflow::{VaultClient, VaultTable};

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    #[vault(unique)]
    email: String,
}

async fn find(vault: &VaultClient) -> skyflow::Result<Vec<Person>> {
    let by_email = GetByColumn::new(Person::EMAL, ["jane@example.com"]);
    vault.table::<Person>().get_by(by_email).plain_text().send().await
}

fn main() {
    let _ = find;
}
