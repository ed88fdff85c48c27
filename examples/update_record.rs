//! Update a record: change some columns, leave the others, and get the new tokens back.
//!
//! ```sh
//! cargo run --example update_record
//! ```
//!
//! With no configuration it runs on the embedded emulator. On a real vault (set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`, `SKYFLOW_CREDENTIALS`) it needs
//! the quickstart `persons` table. It prints ids and counts, never values or tokens.

mod support;

use std::io::Write;

use crate::support::{BoxError, Target, check, default_options, run_example, run_tag};
use serde_json::json;
use skyflow::vault::{
    DeleteRequest, GetRequest, InsertRequest, RedactionType, TokenMode, UpdateRequest,
};

/// Inserts a record, updates it twice, then deletes it.
///
/// # Errors
///
/// The vault's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    let vault = target.vault();
    let inserted = vault
        .insert(&InsertRequest::new("persons").value(json!({
            "name": "Emmy Noether", "ssn": "123-45-6751", "state": "PA",
        })))
        .await?;
    let id = inserted.inserted()[0].skyflow_id().to_owned();

    // Update two columns and ask for their tokens.
    let request = UpdateRequest::new("persons", &id)
        .value("state", "NJ")
        .value("ssn", "123-45-6752")
        .return_tokens(true);
    let response = vault.update(&request).await?;
    check(response.skyflow_id() == id, "the same record was updated")?;
    writeln!(
        out,
        "updated state and ssn of {id}: {} new tokens (not printed)",
        response.tokens().len()
    )?;

    let request = GetRequest::new("persons")
        .ids([&id])
        .redaction_type(RedactionType::PlainText);
    let record = vault.get(&request).await?.into_records().remove(0);
    check(
        record["state"] == "NJ"
            && record["ssn"] == "123-45-6752"
            && record["name"] == "Emmy Noether",
        "the two columns changed, the name did not",
    )?;
    writeln!(
        out,
        "read it back: the two columns changed, the others as they were"
    )?;

    // With your own token for the updated column (bring your own token).
    let token = format!("state-token-{}", run_tag());
    let request = UpdateRequest::new("persons", &id)
        .value("state", "NY")
        .tokens(json!({ "state": token }))
        .token_mode(TokenMode::Enable)
        .return_tokens(true);
    let response = vault.update(&request).await?;
    check(
        response.token("state") == Some(token.as_str()),
        "our token is used",
    )?;
    writeln!(
        out,
        "updated state again with a token of our own: the vault uses ours"
    )?;

    vault.delete(&DeleteRequest::new("persons").id(&id)).await?;
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
