use skyflow::VaultTable;
use skyflow::table::SkyflowId;

#[derive(VaultTable)]
#[vault(table = "boxes")]
struct Boxed<T> {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    value: T,
}

fn main() {}
