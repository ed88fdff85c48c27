use skyflow::VaultTable;
use skyflow::table::SkyflowId;

struct Opaque;

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    opaque: Opaque,
}

fn main() {}
