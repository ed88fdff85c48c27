//! Detokenize: turn tokens back into values, with a redaction per token, and keep going
//! past tokens that are not found.
//!
//! ```sh
//! cargo run --example detokenize_records
//! ```
//!
//! With no configuration it runs on the embedded emulator. On a real vault (set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`, `SKYFLOW_CREDENTIALS`) it needs
//! the quickstart `persons` table. It prints masked and redacted values and counts, never
//! plain values or tokens.

mod support;

use std::io::Write;

use crate::support::{BoxError, Target, check, default_options, run_example};
use serde_json::json;
use skyflow::vault::{DeleteRequest, DetokenizeRequest, InsertRequest, RedactionType};

/// Inserts a record for its tokens, detokenizes them three ways, then deletes it.
///
/// # Errors
///
/// The vault's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    let vault = target.vault();
    let person =
        json!({ "name": "Hedy Lamarr", "ssn": "123-45-6721", "date_of_birth": "1984-11-09" });
    let inserted = vault
        .insert(&InsertRequest::new("persons").value(person.clone()))
        .await?;
    let record = &inserted.inserted()[0];
    let token = |column: &str| {
        record
            .token(column)
            .map(str::to_owned)
            .ok_or(format!("no {column} token"))
    };
    let (name, ssn, birth) = (token("name")?, token("ssn")?, token("date_of_birth")?);

    // A list of tokens, all with one redaction.
    let request = DetokenizeRequest::new()
        .tokens([&ssn, &birth])
        .redaction_type(RedactionType::PlainText);
    let response = vault.detokenize(&request).await?;
    check(
        response.detokenized()[0].value() == &person["ssn"],
        "the ssn token gives the ssn",
    )?;
    writeln!(
        out,
        "detokenized 2 tokens as plain text: both match the inserted values (not printed)"
    )?;

    // A redaction per token.
    let request = DetokenizeRequest::new()
        .token_with_redaction(&ssn, RedactionType::Masked)
        .token_with_redaction(&name, RedactionType::Redacted)
        .token_with_redaction(&birth, RedactionType::Default);
    let response = vault.detokenize(&request).await?;
    let shown: Vec<String> = response
        .detokenized()
        .iter()
        .map(|v| v.value().as_str().unwrap_or("-").to_owned())
        .collect();
    writeln!(
        out,
        "detokenized with a redaction each: ssn masked {}, name redacted {}, date of birth as the column's default {}",
        shown[0], shown[1], shown[2]
    )?;

    // Continue on error: a token that is not found is an error at its index, the others
    // still come back.
    let request = DetokenizeRequest::new()
        .token(&ssn)
        .token("no-such-token")
        .token(&birth)
        .redaction_type(RedactionType::Masked)
        .continue_on_error(true);
    let response = vault.detokenize(&request).await?;
    let found: Vec<usize> = response.detokenized().iter().map(|v| v.index()).collect();
    let failed: Vec<usize> = response.errors().iter().map(|e| e.index()).collect();
    check(
        found == [0, 2] && failed == [1],
        "tokens 0 and 2 found, 1 not",
    )?;
    let error = &response.errors()[0];
    check(
        error.message().to_lowercase().contains("not found"),
        "the failed token was not found",
    )?;
    // The error names the token by its index (`tokens[1]`); the vault's message quotes
    // the token, and the SDK cuts it out, so the error can be printed as it is.
    writeln!(
        out,
        "detokenized with continue-on-error: tokens {found:?} found; {error}"
    )?;

    vault
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
