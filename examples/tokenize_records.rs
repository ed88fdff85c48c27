//! Tokenize: look up the token a value already has in a column group, without storing
//! anything.
//!
//! ```sh
//! cargo run --example tokenize_records
//! ```
//!
//! With no configuration it runs on the embedded emulator, whose column groups are named
//! `<table>.<column>`. On a real vault (set `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`,
//! `SKYFLOW_ENV`, `SKYFLOW_CREDENTIALS`) it needs the quickstart `persons` table and column
//! groups of those names. It prints counts, never values or tokens.

mod support;

use std::io::Write;

use crate::support::{BoxError, Target, check, default_options, run_example};
use serde_json::json;
use skyflow::vault::{DeleteRequest, InsertRequest, TokenizeRequest};

/// Inserts a record, tokenizes its values, then deletes it.
///
/// # Errors
///
/// The vault's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    let vault = target.vault();
    let inserted = vault
        .insert(&InsertRequest::new("persons").value(json!({
            "name": "Mae Jemison", "ssn": "123-45-6771", "email_address": "mae@example.com",
        })))
        .await?;
    let record = &inserted.inserted()[0];

    // Values with the column group they belong to; the tokens come back in order.
    let request = TokenizeRequest::new()
        .value("123-45-6771", "persons.ssn")
        .value("mae@example.com", "persons.email_address");
    let response = vault.tokenize(&request).await?;
    check(
        response.tokens()[0] == record.token("ssn").unwrap_or_default()
            && response.tokens()[1] == record.token("email_address").unwrap_or_default(),
        "tokenize gives the tokens the insert gave",
    )?;
    writeln!(
        out,
        "tokenized 2 values: the same tokens the insert returned (deterministic policy; not printed)"
    )?;

    // Tokenize stores nothing: a value the vault has never seen has no token.
    let err = vault
        .tokenize(&TokenizeRequest::new().value("123-45-6779", "persons.ssn"))
        .await
        .err()
        .ok_or("a new value got a token")?;
    writeln!(
        out,
        "a value the vault does not hold has no token: not found = {}",
        err.is_not_found()
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
