use skyflow::VaultTable;
use skyflow::table::SkyflowId;

#[derive(VaultTable)]
#[vault(tabel = "persons", rename_all = "snakecase")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    #[vault(skyflow_id)]
    other: Option<SkyflowId>,
    #[vault(colum = "full_name", redaction = "PLAIN")]
    name: String,
    #[vault(unique, unique)]
    email: String,
}

fn main() {}
