use skyflow::table::redaction::PlainText;
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
    let by_email = GetByColumn::new(Person::EMAL, ["jane@example.com"])?;
    vault.table::<Person>().get_by::<PlainText>(by_email).send().await
}

fn main() {
    let _ = find;
}
