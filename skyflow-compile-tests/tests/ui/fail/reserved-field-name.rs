//! A column field named `table` would generate `Person::TABLE`, shadowing
//! `VaultTable::TABLE`: one error at the field, and the other columns still work.

use skyflow::VaultTable;
use skyflow::table::{Select, SkyflowId};

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    table: String,
    email: String,
}

fn main() {
    let _ = Select::<Person>::new().where_eq(Person::EMAIL, "jane@example.com");
}
