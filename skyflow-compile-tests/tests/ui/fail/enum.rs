use skyflow::VaultTable;

#[derive(VaultTable)]
#[vault(table = "persons")]
enum Person {
    Adult { name: String },
    Child { name: String },
}

fn main() {}
