//! Change a client's configuration at runtime: add, update and remove vault and
//! connection configs, and replace the client-wide credentials.
//!
//! ```sh
//! cargo run --example client_operations
//! ```
//!
//! With no configuration it runs on the embedded emulator. On a real vault (set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`, `SKYFLOW_CREDENTIALS`) it needs
//! the quickstart `persons` table. It prints ids and settings, never credentials.

mod support;

use std::io::Write;
use std::time::Duration;

use crate::support::{BoxError, Target, check, default_options, run_example};
use skyflow::vault::{GetRequest, RedactionType};
use skyflow::{ConnectionConfig, RetryConfig, Skyflow, TimeoutConfig};

/// A connection to a made-up gateway (no call is made to it).
const GATEWAY: &str = "https://gateway.example.com/v1/cards/{card_id}";

/// Builds an empty client and changes its configuration step by step.
///
/// # Errors
///
/// The client's or the vault's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    // A client with credentials but no vault yet.
    let client = Skyflow::builder()
        .credentials(target.credentials().clone())
        .build()?;
    check(
        client.default_vault().is_err(),
        "no vault before one is added",
    )?;

    // Add a vault config; handles taken from now on use it.
    let config = target.vault_config();
    let vault_id = config.vault_id().to_owned();
    client.add_vault_config(config.clone())?;
    let page = client
        .vault(&vault_id)?
        .get(
            &GetRequest::new("persons")
                .limit(1)
                .redaction_type(RedactionType::Redacted),
        )
        .await;
    // An empty table answers "not found"; either way the call reached the vault.
    check(
        page.is_ok() || page.as_ref().is_err_and(skyflow::Error::is_not_found),
        "the vault answered",
    )?;
    writeln!(
        out,
        "added vault {vault_id}; a handle on it reached the vault"
    )?;

    // Update it: new retry and timeout settings for this vault only. Handles taken
    // earlier keep the old settings.
    let updated = config
        .with_retry(RetryConfig::standard().with_max_attempts(5))
        .with_timeout(TimeoutConfig::standard().with_overall(Duration::from_secs(20)));
    client.update_vault_config(updated)?;
    let stored = client.vault_config(&vault_id)?;
    writeln!(
        out,
        "updated vault {vault_id}: {} attempts, {} s overall timeout",
        stored.retry().map_or(0, |r| r.max_attempts()),
        stored
            .timeout()
            .and_then(|t| t.overall())
            .map_or(0, |d| d.as_secs())
    )?;

    // Connections are managed the same way.
    client.add_connection_config(ConnectionConfig::new("cards", GATEWAY))?;
    client.update_connection_config(
        ConnectionConfig::new("cards", GATEWAY).with_credentials(target.credentials().clone()),
    )?;
    let connection = client.connection_config("cards")?;
    writeln!(
        out,
        "added and updated connection cards: {} (own credentials: {})",
        connection.connection_url(),
        connection.credentials().is_some()
    )?;
    client.remove_connection_config("cards")?;

    // Replace the client-wide credentials; cached tokens of the old ones are dropped.
    client.update_credentials(target.credentials().clone())?;
    let kind = client.credentials().map(|c| format!("{:?}", c.kind()));
    writeln!(
        out,
        "replaced the client-wide credentials (kind {})",
        kind.unwrap_or_default()
    )?;

    // Remove the vault: taking a handle on it is now a configuration error.
    client.remove_vault_config(&vault_id)?;
    let err = client
        .vault(&vault_id)
        .err()
        .ok_or("the removed vault is still configured")?;
    writeln!(
        out,
        "removed vault {vault_id} and connection cards: {} vaults, {} connections left; a new handle fails: {}",
        client.vault_ids().len(),
        client.connection_ids().len(),
        err.kind()
    )?;
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    run_example(default_options(), async |target, out| {
        run(target, out).await
    })
    .await
}
