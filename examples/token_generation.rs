//! Service accounts: get a bearer token from a service account's credentials (a file or
//! a JSON string) and use it, or let the client manage tokens itself.
//!
//! ```sh
//! cargo run --example token_generation
//! ```
//!
//! With no configuration it runs on the embedded emulator and uses the service account it
//! creates. On a real vault (set `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`,
//! `SKYFLOW_CREDENTIALS`) it uses the service account in `SKYFLOW_CREDENTIALS` and needs
//! the quickstart `persons` table. It prints lifetimes and counts, never tokens or keys.

mod support;

use std::io::Write;
use std::time::SystemTime;

use crate::support::{
    BoxError, Target, check, default_options, insert_and_delete, run_example, run_tag,
};
use skyflow::credentials::Credentials;
use skyflow::service_account::{self, BearerTokenOptions};

/// Gets tokens from a file and from a string, uses them, then lets the client do it.
///
/// # Errors
///
/// The vault's or the token endpoint's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    let credentials_json = target.service_account_json()?;

    // From a credentials file (as downloaded when the service account was created).
    let path = std::env::temp_dir().join(format!("skyflow-credentials-{}.json", run_tag()));
    std::fs::write(&path, credentials_json)?;
    let from_file = service_account::generate_bearer_token(&path, &BearerTokenOptions::new()).await;
    std::fs::remove_file(&path)?;
    let token = from_file?;
    let lifetime = token
        .expires_at()
        .and_then(|at| at.duration_since(SystemTime::now()).ok())
        .map_or(0, |left| left.as_secs().div_ceil(60));
    check(!token.is_expired(), "a fresh token is not expired")?;
    writeln!(
        out,
        "generated a {} token from a credentials file: valid for about {lifetime} minutes",
        token.token_type()
    )?;
    // Its Debug output hides the token itself.
    writeln!(out, "the token's Debug output: {token:?}")?;

    // From the credentials JSON as a string, e.g. read from a secret manager.
    let token = service_account::generate_bearer_token_from_creds(
        credentials_json,
        &BearerTokenOptions::new(),
    )
    .await?;
    // Use it as a client's credentials.
    let vault = target.vault_with(Credentials::bearer_token(token.access_token()))?;
    let written = insert_and_delete(&vault, "Token User").await?;
    writeln!(
        out,
        "generated another from the credentials string; a client using it inserted and deleted {written}"
    )?;

    // Usually you give the client the service account itself: it gets a token when it
    // needs one, caches it and replaces it before it expires.
    let vault = target.vault_with(Credentials::service_account_json(credentials_json))?;
    let written = insert_and_delete(&vault, "Token User").await?;
    writeln!(
        out,
        "a client given the service account itself managed its own token and inserted and deleted {written}"
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
