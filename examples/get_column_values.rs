//! Get records by the values of a unique column instead of their ids.
//!
//! ```sh
//! cargo run --example get_column_values
//! ```
//!
//! With no configuration it runs on the embedded emulator. On a real vault (set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`, `SKYFLOW_CREDENTIALS`) it needs
//! a `table1` with a unique `email` column. It prints ids, masked values and counts, never
//! plain values or tokens.

mod support;

use std::io::Write;

use crate::support::{BoxError, Target, check, default_options, run_example, run_tag};
use serde_json::json;
use skyflow::vault::{DeleteRequest, GetRequest, InsertRequest, RedactionType};

/// Inserts two records, reads them back by email, then deletes them.
///
/// # Errors
///
/// The vault's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    let vault = target.vault();
    let tag = run_tag();
    let emails = [
        format!("chien.wu.{tag}@example.com"),
        format!("marie.curie.{tag}@example.com"),
    ];
    let request = InsertRequest::new("table1").values([
        json!({ "email": emails[0], "name": "Chien-Shiung Wu", "ssn": "123-45-6741" }),
        json!({ "email": emails[1], "name": "Marie Curie", "ssn": "123-45-6742" }),
    ]);
    let inserted = vault.insert(&request.return_tokens(false)).await?;
    let ids: Vec<&str> = inserted.inserted().iter().map(|r| r.skyflow_id()).collect();

    // The column must be unique; values are matched exactly.
    let request = GetRequest::new("table1")
        .column_values("email", &emails)
        .redaction_type(RedactionType::Masked);
    let response = vault.get(&request).await?;
    let mut found: Vec<&str> = response
        .records()
        .iter()
        .filter_map(|r| r["skyflow_id"].as_str())
        .collect();
    found.sort_unstable();
    let mut expected = ids.clone();
    expected.sort_unstable();
    check(found == expected, "both records were found by email")?;
    writeln!(
        out,
        "got {} records by email: {}",
        found.len(),
        found.join(", ")
    )?;
    writeln!(
        out,
        "masked as the columns define: ssn {}, name {}",
        response.records()[0]["ssn"].as_str().unwrap_or("-"),
        response.records()[0]["name"].as_str().unwrap_or("-"),
    )?;

    // A value no record has: the vault answers "not found".
    let request =
        GetRequest::new("table1").column_values("email", [format!("nobody.{tag}@example.com")]);
    let err = vault
        .get(&request)
        .await
        .err()
        .ok_or("a record was found for an email no record has")?;
    writeln!(
        out,
        "an email no record has: not found = {}, http status {}",
        err.is_not_found(),
        err.status().unwrap_or_default()
    )?;

    vault.delete(&DeleteRequest::new("table1").ids(ids)).await?;
    writeln!(out, "deleted the 2 records")?;
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    run_example(default_options(), async |target, out| {
        run(target, out).await
    })
    .await
}
