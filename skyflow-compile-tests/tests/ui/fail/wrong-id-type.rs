use skyflow::VaultTable;

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: String,
    name: String,
}

fn main() {}
