//! Shared by the `typed_*` tests: the real emulator, started in-process on 127.0.0.1 with
//! its data in memory, and a client for its first vault. Each test starts its own.
#![allow(dead_code, reason = "each test binary uses a different part")]

use chrono::NaiveDate;
use skyflow::VaultTable;
use skyflow::credentials::Credentials;
use skyflow::table::{Sensitive, SkyflowId};
use skyflow::{RetryConfig, Skyflow, VaultClient, VaultConfig};
use skyflow_emulator::{Emulator, EmulatorOptions};

/// A running emulator and a handle on its first vault.
pub struct Vault {
    pub emulator: Emulator,
    pub vault: VaultClient,
}

/// The emulator with its default vault (the quickstart tables and `table1`).
pub async fn start() -> Vault {
    start_with(EmulatorOptions::in_memory()).await
}

/// The emulator with one vault built from `schema` (Skyflow vault-schema JSON), written to
/// a temporary file.
pub async fn start_with_schema(schema: &serde_json::Value) -> Vault {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("custom.json");
    std::fs::write(&path, schema.to_string()).expect("the schema file is written");
    let vault = start_with(EmulatorOptions::in_memory().schema_file(&path)).await;
    drop(dir);
    vault
}

async fn start_with(options: EmulatorOptions) -> Vault {
    let emulator = Emulator::start(options).await.expect("the emulator starts");
    let client = Skyflow::builder()
        .vault_config(VaultConfig::from_base_url(
            emulator.vault_id(),
            emulator.vault_url(),
        ))
        .credentials(Credentials::api_key(emulator.api_key()))
        .retry(RetryConfig::disabled())
        .build()
        .expect("the client builds");
    let vault = client.default_vault().expect("a vault handle");
    Vault { emulator, vault }
}

/// A customer in `table1`: strings, a unique email, a sensitive SSN, an integer, a float, a
/// boolean, a date and optional fields.
#[derive(Debug, Clone, PartialEq, VaultTable)]
#[vault(table = "table1")]
pub struct Customer {
    #[vault(skyflow_id)]
    pub id: Option<SkyflowId>,
    pub name: String,
    #[vault(unique)]
    pub email: String,
    pub ssn: Sensitive<String>,
    pub age: Option<i32>,
    pub amount: f64,
    pub is_active: bool,
    pub date_of_birth: Option<NaiveDate>,
    pub notes: Option<String>,
}

/// Customer number `i`: every value derived from `i`, the optional fields set for even `i`
/// and left empty for odd `i`.
pub fn customer(i: u32) -> Customer {
    let even = i.is_multiple_of(2);
    Customer {
        id: None,
        name: format!("Customer {i}"),
        email: format!("customer{i}@example.com"),
        ssn: Sensitive::new(format!("{:03}-{:02}-{:04}", 100 + i, 10 + i % 80, 1000 + i)),
        age: even.then_some(20 + i as i32),
        amount: f64::from(i) * 10.25 - 3.5,
        is_active: even,
        date_of_birth: even.then(|| NaiveDate::from_ymd_opt(1980 + i as i32, 2, 28).unwrap()),
        notes: even.then(|| format!("note for {i}: \"quoted\", Zoë")),
    }
}

/// `record` with its id set.
pub fn with_id(mut record: Customer, id: &SkyflowId) -> Customer {
    record.set_skyflow_id(id.clone());
    record
}
