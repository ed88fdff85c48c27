use skyflow::VaultTable;

#[derive(VaultTable)]
#[vault(table = "numbers")]
union Number {
    int: i64,
    float: f64,
}

fn main() {}
