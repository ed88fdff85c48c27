//! Starts the real `skyflow-emulator` in-process on 127.0.0.1 (in memory) and builds a
//! client for its default vault. Included by path by the `vault_e2e_*` test binaries.
#![allow(dead_code)]

use serde_json::{Value, json};
use skyflow_client::credentials::Credentials;
use skyflow_client::vault::{
    BatchRequest, DetokenizeRequest, GetRequest, InsertRequest, InsertResponse, RedactionType,
};
use skyflow_client::{BulkConfig, RetryConfig, Skyflow, VaultClient, VaultConfig};
use skyflow_emulator::{Emulator, EmulatorOptions};

/// A running emulator and a client authenticated with its API key.
pub struct Vault {
    pub emulator: Emulator,
    pub client: Skyflow,
    pub vault: VaultClient,
}

impl Vault {
    /// The emulator's vault id.
    pub fn id(&self) -> &str {
        self.emulator.vault_id()
    }
}

/// An emulator with the default vault (quickstart tables plus `table1`) and a client using
/// its API key, standard batching and no retries (so failures show at once).
pub async fn start() -> Vault {
    start_with(BulkConfig::standard()).await
}

/// Like [`start`], with this batching client-wide.
pub async fn start_with(bulk: BulkConfig) -> Vault {
    let emulator = Emulator::start(EmulatorOptions::in_memory())
        .await
        .expect("the emulator starts");
    let client = client_for(&emulator, Credentials::api_key(emulator.api_key()), bulk);
    let vault = client.default_vault().expect("vault handle");
    Vault {
        emulator,
        client,
        vault,
    }
}

/// A client for the emulator's default vault with `credentials`.
pub fn client_for(emulator: &Emulator, credentials: Credentials, bulk: BulkConfig) -> Skyflow {
    Skyflow::builder()
        .vault_config(VaultConfig::from_base_url(
            emulator.vault_id(),
            emulator.vault_url(),
        ))
        .credentials(credentials)
        .retry(RetryConfig::disabled())
        .bulk(bulk)
        .build()
        .expect("client builds")
}

/// A `table1` record whose values are derived from `i` (unique email, valid ssn and card).
pub fn person(i: usize) -> Value {
    json!({
        "name": format!("Person {i}"),
        "email": format!("person{i}@example.com"),
        "ssn": format!("{:03}-{:02}-{:04}", 100 + i % 800, 10 + i % 80, i % 10_000),
        "age": (i % 90) as i64,
    })
}

/// Inserts `count` persons (`person(first..first+count)`) into `table1` and returns the
/// response (tokens on).
pub async fn insert_people(vault: &VaultClient, first: usize, count: usize) -> InsertResponse {
    let request = InsertRequest::new("table1").values((first..first + count).map(person));
    let response = vault.insert(&request).await.expect("insert succeeds");
    assert_eq!(response.inserted().len(), count);
    response
}

/// The plain-text `email` of each id, fetched with get (any batch split).
pub async fn emails_of(vault: &VaultClient, ids: &[String]) -> Vec<Option<String>> {
    let request = GetRequest::new("table1")
        .ids(ids.to_vec())
        .redaction_type(RedactionType::PlainText)
        .fields(["skyflow_id", "email"]);
    assert_eq!(request.record_count(), ids.len());
    let response = vault.get(&request).await.expect("get succeeds");
    ids.iter()
        .map(|id| {
            response
                .records()
                .iter()
                .find(|r| r.get("skyflow_id").and_then(Value::as_str) == Some(id))
                .and_then(|r| r.get("email"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect()
}

/// Detokenizes `tokens` as plain text; returns the values in order.
pub async fn plain_values(vault: &VaultClient, tokens: &[String]) -> Vec<Value> {
    let request = DetokenizeRequest::new()
        .tokens(tokens.to_vec())
        .redaction_type(RedactionType::PlainText);
    let response = vault
        .detokenize(&request)
        .await
        .expect("detokenize succeeds");
    assert!(response.errors().is_empty());
    response
        .detokenized()
        .iter()
        .enumerate()
        .map(|(i, v)| {
            assert_eq!(v.index(), i, "values come back in input order");
            v.value().clone()
        })
        .collect()
}
