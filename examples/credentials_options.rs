//! Every kind of credentials, and which one a vault uses when several are set: its own,
//! else the client's, else the `SKYFLOW_CREDENTIALS` environment variable.
//!
//! ```sh
//! cargo run --example credentials_options
//! ```
//!
//! With no configuration it runs on the embedded emulator, with its API key and its
//! service account. On a real vault (set `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`,
//! `SKYFLOW_ENV`, `SKYFLOW_CREDENTIALS`) it uses the service account in
//! `SKYFLOW_CREDENTIALS` (and `SKYFLOW_API_KEY` if set) and needs the quickstart `persons`
//! table. It prints kinds and outcomes, never credentials.

mod support;

use std::io::Write;

use crate::support::{BoxError, Target, default_options, run_example, run_tag};
use skyflow::credentials::Credentials;
use skyflow::service_account::{self, BearerTokenOptions};
use skyflow::vault::{GetRequest, RedactionType};
use skyflow::{Skyflow, VaultClient};

/// A well-formed API key that no vault knows.
const UNKNOWN_API_KEY: &str = "sky-abcde-0123456789abcdef0123456789abcdef";

/// Makes a call with each kind of credentials, then shows the precedence.
///
/// # Errors
///
/// The vault's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    let json = target.service_account_json()?;
    let path = std::env::temp_dir().join(format!("skyflow-credentials-{}.json", run_tag()));
    std::fs::write(&path, json)?;
    let result = every_kind(target, json, &path, out).await;
    std::fs::remove_file(&path)?;
    result?;

    // Precedence: the vault's own credentials win over the client's.
    let client = Skyflow::builder()
        .vault_config(
            target
                .vault_config()
                .with_credentials(Credentials::service_account_json(json)),
        )
        .credentials(Credentials::api_key(UNKNOWN_API_KEY))
        .build()?;
    reaches(&client.default_vault()?).await?;
    writeln!(
        out,
        "precedence: a vault's own credentials win over the client's (an unknown API key here)"
    )?;

    // Without its own, the vault uses the client's: the unknown key is refused.
    let client = Skyflow::builder()
        .vault_config(target.vault_config())
        .credentials(Credentials::api_key(UNKNOWN_API_KEY))
        .build()?;
    let err = reaches(&client.default_vault()?)
        .await
        .err()
        .ok_or("an unknown API key was accepted")?;
    writeln!(
        out,
        "without its own, a vault uses the client's: the unknown key gets {err}"
    )?;

    // With neither, SKYFLOW_CREDENTIALS (or a .env file that sets it) is used.
    let from_env = Credentials::from_env()?;
    writeln!(
        out,
        "with neither, SKYFLOW_CREDENTIALS is used; here it holds {}",
        from_env.map_or("nothing".to_owned(), |c| format!(
            "{:?} credentials",
            c.kind()
        ))
    )?;

    // One credentials object holds exactly one kind.
    let err = Credentials::from_json_str(&format!(
        r#"{{"api_key": "{UNKNOWN_API_KEY}", "path": "credentials.json"}}"#
    ))
    .err()
    .ok_or("two kinds were accepted")?;
    writeln!(
        out,
        "two kinds in one credentials object are refused (field {})",
        err.field().unwrap_or("-")
    )?;
    Ok(())
}

/// One call with each kind of credentials.
async fn every_kind(
    target: &Target,
    json: &str,
    path: &std::path::Path,
    out: &mut impl Write,
) -> Result<(), BoxError> {
    let token =
        service_account::generate_bearer_token_from_creds(json, &BearerTokenOptions::new()).await?;
    let mut kinds = vec![
        Credentials::service_account_json(json),
        Credentials::service_account_file(path),
        Credentials::bearer_token(token.access_token()),
    ];
    let api_key = match target.emulator() {
        Some(emulator) => Some(emulator.api_key().to_owned()),
        None => std::env::var("SKYFLOW_API_KEY").ok(),
    };
    kinds.extend(api_key.map(Credentials::api_key));
    let mut used: Vec<String> = Vec::new();
    for credentials in &kinds {
        reaches(&target.vault_with(credentials.clone())?).await?;
        used.push(format!("{:?}", credentials.kind()));
    }
    writeln!(out, "each kind reached the vault: {}", used.join(", "))?;
    // Debug output names the kind and hides the secret.
    writeln!(
        out,
        "Debug output of the last: {:?}",
        kinds[kinds.len() - 1]
    )?;
    Ok(())
}

/// One read on the vault (an empty table's "not found" counts as reaching it).
async fn reaches(vault: &VaultClient) -> Result<(), skyflow::Error> {
    let request = GetRequest::new("persons")
        .limit(1)
        .redaction_type(RedactionType::Redacted);
    match vault.get(&request).await {
        Ok(_) => Ok(()),
        Err(err) if err.is_not_found() => Ok(()),
        Err(err) => Err(err),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    run_example(default_options(), async |target, out| {
        run(target, out).await
    })
    .await
}
