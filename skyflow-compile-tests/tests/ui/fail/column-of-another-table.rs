use skyflow::VaultTable;
use skyflow::table::{Order, Select, SkyflowId};

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    name: String,
}

#[derive(VaultTable)]
#[vault(table = "accounts")]
struct Account {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    number: String,
}

fn main() {
    let _ = Select::<Person>::new().order_by(Account::NUMBER, Order::Ascending);
}
