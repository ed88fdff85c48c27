//! What happens when a bearer token expires: a client given a service account gets a new
//! token by itself; a client given a static bearer token refuses to send it once expired.
//!
//! ```sh
//! cargo run --example bearer_token_expiry
//! ```
//!
//! With no configuration it runs on the embedded emulator, started so that its tokens live
//! [`TOKEN_LIFETIME`] instead of an hour, and waits for them to expire. On a real vault
//! (set `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`, `SKYFLOW_CREDENTIALS`)
//! tokens live an hour, so it shows the token's lifetime and skips the waiting. It needs
//! the quickstart `persons` table and prints lifetimes and log lines, never tokens or
//! keys.

mod support;

use std::io::Write;
use std::time::{Duration, SystemTime};

use crate::support::{
    BoxError, LogCapture, Target, check, default_options, insert_and_delete, run_example,
};
use serde_json::json;
use skyflow::credentials::Credentials;
use skyflow::service_account::{self, BearerTokenOptions};
use skyflow::vault::InsertRequest;
use skyflow::{LogLevel, Skyflow};
use skyflow_emulator::EmulatorOptions;
use tracing::instrument::WithSubscriber;

/// How long the embedded emulator's tokens live in this example.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3);

/// The embedded emulator, issuing tokens that live [`TOKEN_LIFETIME`].
pub fn emulator_options() -> EmulatorOptions {
    default_options().token_ttl(TOKEN_LIFETIME)
}

/// Uses both kinds of client before and after the tokens expire.
///
/// # Errors
///
/// The vault's or the token endpoint's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    let credentials_json = target.service_account_json()?;

    // A token of our own, and a client that sends it as it is.
    let token = service_account::generate_bearer_token_from_creds(
        credentials_json,
        &BearerTokenOptions::new(),
    )
    .await?;
    let lifetime = token
        .expires_at()
        .and_then(|at| at.duration_since(SystemTime::now()).ok())
        .unwrap_or_default();
    writeln!(
        out,
        "generated a token that expires in {} s",
        lifetime.as_secs_f64().round()
    )?;
    let static_token = target.vault_with(Credentials::bearer_token(token.access_token()))?;

    // A client given the service account. Its INFO log lines, read back through a
    // subscriber, show what it does with tokens.
    let logs = LogCapture::default();
    let managed = Skyflow::builder()
        .vault_config(target.vault_config())
        .credentials(Credentials::service_account_json(credentials_json))
        .log_level(LogLevel::Info)
        .build()?
        .default_vault()?;
    insert_and_delete(&managed, "Expiry Example")
        .with_subscriber(logs.subscriber(tracing::Level::INFO))
        .await?;
    writeln!(
        out,
        "service-account client, two calls: {}",
        token_events(&logs)
    )?;

    if !target.is_embedded() {
        writeln!(
            out,
            "real vault: tokens live an hour, so the rest runs only on the emulator"
        )?;
        return Ok(());
    }
    tokio::time::sleep(lifetime + Duration::from_millis(500)).await;
    check(token.is_expired(), "our token has expired")?;

    insert_and_delete(&managed, "Expiry Example")
        .with_subscriber(logs.subscriber(tracing::Level::INFO))
        .await?;
    writeln!(
        out,
        "after expiry, two more calls: {} (both calls succeeded)",
        token_events(&logs)
    )?;

    let request = InsertRequest::new("persons").value(json!({ "name": "Expiry Example" }));
    let err = static_token
        .insert(&request)
        .await
        .err()
        .ok_or("an expired static token was sent")?;
    writeln!(
        out,
        "static-token client after expiry: refused before sending ({}: {})",
        err.kind(),
        err.message()
    )?;
    Ok(())
}

/// The token events among the captured log lines, e.g. `generated, reused`.
fn token_events(logs: &LogCapture) -> String {
    let events: Vec<String> = logs
        .take()
        .iter()
        .filter_map(|line| line.split("bearer token ").nth(1))
        .filter(|event| *event != "generate triggered")
        .map(str::to_owned)
        .collect();
    format!("token {}", events.join(", "))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    run_example(emulator_options(), async |target, out| {
        run(target, out).await
    })
    .await
}
