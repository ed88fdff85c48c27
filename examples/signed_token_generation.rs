//! Signed data tokens: wrap data tokens in short-lived JWTs signed by a service account,
//! so that they can be handed out and detokenized only until they expire. No network call
//! is made to sign them.
//!
//! ```sh
//! cargo run --example signed_token_generation
//! ```
//!
//! With no configuration it runs on the embedded emulator and uses the service account it
//! creates. On a real vault (set `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`,
//! `SKYFLOW_CREDENTIALS`) it uses the service account in `SKYFLOW_CREDENTIALS` and needs
//! the quickstart `persons` table. It prints counts and lifetimes, never tokens or keys.

mod support;

use std::io::Write;

use crate::support::{BoxError, Target, check, default_options, jwt_claims, run_example, run_tag};
use serde_json::json;
use skyflow::credentials::Credentials;
use skyflow::service_account::{self, SignedDataTokenOptions};
use skyflow::vault::{DeleteRequest, DetokenizeRequest, InsertRequest, RedactionType};

/// Signs two data tokens, checks their claims, detokenizes one, then cleans up.
///
/// # Errors
///
/// The vault's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    let credentials_json = target.service_account_json()?;
    let person = json!({ "name": "Signed Example", "ssn": "123-45-6781" });
    let inserted = target
        .vault()
        .insert(&InsertRequest::new("persons").value(person.clone()))
        .await?;
    let record = &inserted.inserted()[0];
    let data_tokens = [
        record.token("ssn").ok_or("no ssn token")?,
        record.token("name").ok_or("no name token")?,
    ];

    // Sign them for two minutes, with a context.
    let options = SignedDataTokenOptions::new(data_tokens)
        .with_time_to_live(120)
        .with_ctx("user_42");
    let signed =
        service_account::generate_signed_data_tokens_from_creds(credentials_json, &options)?;
    let claims = jwt_claims(signed[0].signed_token().trim_start_matches("signed_token_"))?;
    let ttl =
        claims["exp"].as_i64().unwrap_or_default() - claims["iat"].as_i64().unwrap_or_default();
    check(
        signed[0].token() == data_tokens[0],
        "results pair with their data tokens",
    )?;
    writeln!(
        out,
        "signed {} data tokens: each valid for {ttl} s, with ctx {} (not printed)",
        signed.len(),
        claims["ctx"]
    )?;

    // From a credentials file works the same way.
    let path = std::env::temp_dir().join(format!("skyflow-credentials-{}.json", run_tag()));
    std::fs::write(&path, credentials_json)?;
    let from_file = service_account::generate_signed_data_tokens(&path, &options);
    std::fs::remove_file(&path)?;
    writeln!(
        out,
        "signed them again from a credentials file: {} tokens",
        from_file?.len()
    )?;

    // A signed data token detokenizes like the data token it wraps, for a caller
    // authenticated as the service account that signed it.
    let vault = target.vault_with(Credentials::service_account_json(credentials_json))?;
    let request = DetokenizeRequest::new()
        .token_with_redaction(signed[0].signed_token(), RedactionType::PlainText);
    let response = vault.detokenize(&request).await?;
    check(
        response.detokenized()[0].value() == &person["ssn"],
        "the signed token detokenizes to the ssn",
    )?;
    writeln!(
        out,
        "detokenized the signed ssn token as the service account: it gives the ssn (not printed)"
    )?;

    target
        .vault()
        .delete(&DeleteRequest::new("persons").id(record.skyflow_id()))
        .await?;
    writeln!(out, "deleted the record")?;
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    run_example(default_options(), async |target, out| {
        run(target, out).await
    })
    .await
}
