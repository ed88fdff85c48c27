//! A bad attribute value gives its one error; code using the generated items
//! (`Person::EMAIL`, `PersonView`, `PersonTokens`) compiles on and adds none.

use skyflow::VaultTable;
use skyflow::table::{FieldMap, FromRecord, Masked, SkyflowId, Update};

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    #[vault(redaction = "mask")]
    email: String,
    name: String,
}

fn uses(fields: &FieldMap) -> skyflow::Result<()> {
    let _ = Update::<Person>::new().set(Person::EMAIL, "jane@example.com");
    let view = PersonView::<Masked>::from_record(fields)?;
    let _ = view.name.as_str();
    let _: Option<PersonTokens> = None;
    Ok(())
}

fn main() {
    let _ = uses;
}
