use skyflow::VaultTable;

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    name: String,
}

fn main() {}
