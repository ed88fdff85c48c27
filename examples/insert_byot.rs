//! Bring your own tokens: insert records with tokens you supply, in every token mode
//! (`DISABLE`, `ENABLE`, `ENABLE_STRICT`).
//!
//! ```sh
//! cargo run --example insert_byot
//! ```
//!
//! With no configuration it runs on the embedded emulator. On a real vault (set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`, `SKYFLOW_CREDENTIALS`) it needs
//! the quickstart `persons` table. It prints ids and counts, never values or tokens.

mod support;

use std::io::Write;

use crate::support::{BoxError, Target, check, default_options, run_example, run_tag};
use serde_json::json;
use skyflow::vault::{DeleteRequest, DetokenizeRequest, InsertRequest, RedactionType, TokenMode};

/// Inserts with tokens of its own in each mode, then deletes what it wrote.
///
/// # Errors
///
/// The vault's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    let vault = target.vault();
    // Your tokens must be unique in the vault; a run tag keeps them apart between runs.
    let tag = run_tag();
    let name_token = format!("name-token-{tag}");
    let record = json!({ "name": "Katherine Johnson", "state": "WV" });

    // DISABLE (the default): the vault makes every token; supplying one is refused before
    // anything is sent.
    let refused = InsertRequest::new("persons")
        .value(record.clone())
        .tokens([json!({ "name": name_token })])
        .validate()
        .err()
        .ok_or("tokens were accepted with DISABLE")?;
    writeln!(
        out,
        "DISABLE: your tokens are refused before sending (field {})",
        refused.field().unwrap_or("-")
    )?;

    // ENABLE: tokens for some columns; the vault makes the others.
    let request = InsertRequest::new("persons")
        .value(record.clone())
        .tokens([json!({ "name": name_token })])
        .token_mode(TokenMode::Enable);
    let response = vault.insert(&request).await?;
    let inserted = &response.inserted()[0];
    check(
        inserted.token("name") == Some(name_token.as_str()),
        "the record holds our name token",
    )?;
    let detokenized = vault
        .detokenize(
            &DetokenizeRequest::new()
                .token_with_redaction(name_token.as_str(), RedactionType::PlainText),
        )
        .await?;
    check(
        detokenized.detokenized()[0].value() == &record["name"],
        "our token detokenizes to the name",
    )?;
    let mut ids = vec![inserted.skyflow_id().to_owned()];
    writeln!(
        out,
        "ENABLE: inserted {} with our token for name and a vault token for state; ours detokenizes to the name",
        inserted.skyflow_id()
    )?;

    // ENABLE_STRICT: every column of every record needs a token.
    let missing = InsertRequest::new("persons")
        .value(record.clone())
        .tokens([json!({ "name": format!("name-token-2-{tag}") })])
        .token_mode(TokenMode::EnableStrict)
        .validate()
        .err()
        .ok_or("a missing token was accepted with ENABLE_STRICT")?;
    // (The name differs: a deterministic column gives one value one token.)
    let request = InsertRequest::new("persons")
        .value(json!({ "name": "Christine Darden", "state": "VA" }))
        .tokens([json!({
            "name": format!("name-token-3-{tag}"),
            "state": format!("state-token-3-{tag}"),
        })])
        .token_mode(TokenMode::EnableStrict);
    let response = vault.insert(&request).await?;
    ids.push(response.inserted()[0].skyflow_id().to_owned());
    writeln!(
        out,
        "ENABLE_STRICT: a record missing a token is refused (field {}); with a token for every column it is inserted as {}",
        missing.field().unwrap_or("-"),
        ids[1]
    )?;

    let deleted = vault
        .delete(&DeleteRequest::new("persons").ids(&ids))
        .await?;
    writeln!(out, "deleted {} records", deleted.deleted_ids().len())?;
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    run_example(default_options(), async |target, out| {
        run(target, out).await
    })
    .await
}
