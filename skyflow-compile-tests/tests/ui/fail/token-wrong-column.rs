use skyflow::table::{SkyflowId, Token};
use skyflow::{VaultClient, VaultTable};

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    email: String,
    ssn: String,
}

async fn email_of(vault: &VaultClient, person: &Person) -> skyflow::Result<Vec<String>> {
    let people = vault.table::<Person>();
    let tokens = people.insert(person).return_tokens().send().await?;
    let ssn: Option<Token<PersonEmail>> = tokens.ssn;
    people.detokenize(ssn).send().await
}

fn main() {
    let _ = email_of;
}
