//! `card_number` and `cardNumber` both generate `PersonCardNumber` and
//! `Person::CARD_NUMBER`: one error, at the second field.

use skyflow::VaultTable;
use skyflow::table::SkyflowId;

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    card_number: String,
    #[allow(non_snake_case)]
    #[vault(column = "card_number_2")]
    cardNumber: String,
}

fn main() {
    let _ = Person::CARD_NUMBER;
}
