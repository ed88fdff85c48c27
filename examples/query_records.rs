//! Query the vault with SQL: one `SELECT` over vault tables, answered with redaction.
//!
//! ```sh
//! cargo run --example query_records
//! ```
//!
//! With no configuration it runs on the embedded emulator. On a real vault (set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`, `SKYFLOW_CREDENTIALS`) it needs
//! the quickstart `persons` table. It prints ids, counts and masked values, never plain
//! values or tokens.

mod support;

use std::io::Write;

use crate::support::{BoxError, Target, check, default_options, run_example};
use serde_json::json;
use skyflow::vault::{DeleteRequest, InsertRequest, QueryRequest};

/// Inserts three records, queries them, then deletes them.
///
/// # Errors
///
/// The vault's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    let vault = target.vault();
    let request = InsertRequest::new("persons")
        .values([
            json!({ "name": "Jocelyn Bell", "ssn": "123-45-6761", "state": "WA" }),
            json!({ "name": "Vera Rubin", "ssn": "123-45-6762", "state": "WA" }),
            json!({ "name": "Henrietta Leavitt", "ssn": "123-45-6763", "state": "MA" }),
        ])
        .return_tokens(false);
    let inserted = vault.insert(&request).await?;
    let ids: Vec<&str> = inserted.inserted().iter().map(|r| r.skyflow_id()).collect();

    // Every row has its columns in `fields`; REDACTION() picks a column's redaction.
    let sql = "SELECT skyflow_id, REDACTION(ssn, 'MASKED') AS ssn FROM persons \
               WHERE state = 'WA' ORDER BY skyflow_id";
    let response = vault.query(&QueryRequest::new(sql)).await?;
    let ours: Vec<_> = response
        .records()
        .iter()
        .filter(|r| {
            r.fields()["skyflow_id"]
                .as_str()
                .is_some_and(|id| ids.contains(&id))
        })
        .collect();
    check(ours.len() == 2, "the two records in WA were found")?;
    let masked: Vec<&str> = ours
        .iter()
        .map(|r| r.fields()["ssn"].as_str().unwrap_or("-"))
        .collect();
    writeln!(
        out,
        "queried persons in one state: {} records, ssn masked: {}",
        ours.len(),
        masked.join(", ")
    )?;

    // Aggregates work too.
    let response = vault
        .query(&QueryRequest::new("SELECT COUNT(*) AS n FROM persons"))
        .await?;
    let count = response.records()[0].fields()["n"]
        .as_u64()
        .unwrap_or_default();
    writeln!(out, "counted the records of persons: {count}")?;

    // Only a single SELECT is accepted; anything else is refused with a clear error.
    let err = vault
        .query(&QueryRequest::new("DELETE FROM persons"))
        .await
        .err()
        .ok_or("a DELETE was accepted as a query")?;
    writeln!(
        out,
        "a DELETE sent as a query is refused: {}",
        err.message()
    )?;

    vault
        .delete(&DeleteRequest::new("persons").ids(ids))
        .await?;
    writeln!(out, "deleted the 3 records")?;
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    run_example(default_options(), async |target, out| {
        run(target, out).await
    })
    .await
}
