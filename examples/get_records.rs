//! Get records by their ids: with a redaction, as tokens, with selected columns, and
//! paged through a whole table.
//!
//! ```sh
//! cargo run --example get_records
//! ```
//!
//! With no configuration it runs on the embedded emulator. On a real vault (set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`, `SKYFLOW_CREDENTIALS`) it needs
//! the quickstart `persons` table. It prints ids, masked values and counts, never plain
//! values or tokens.

mod support;

use std::io::Write;

use crate::support::{BoxError, Target, check, default_options, run_example};
use serde_json::json;
use skyflow::vault::{DeleteRequest, GetRequest, InsertRequest, OrderBy, RedactionType};

/// Inserts three records, reads them several ways, then deletes them.
///
/// # Errors
///
/// The vault's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    let vault = target.vault();
    let people = [
        json!({ "name": "Rosalind Franklin", "ssn": "123-45-6731", "state": "NY" }),
        json!({ "name": "Barbara McClintock", "ssn": "123-45-6732", "state": "CT" }),
        json!({ "name": "Lise Meitner", "ssn": "123-45-6733", "state": "MA" }),
    ];
    let inserted = vault
        .insert(
            &InsertRequest::new("persons")
                .values(people.clone())
                .return_tokens(false),
        )
        .await?;
    let ids: Vec<String> = inserted
        .inserted()
        .iter()
        .map(|r| r.skyflow_id().to_owned())
        .collect();

    // By ids, masked: each column's masking pattern applies.
    let request = GetRequest::new("persons")
        .ids(&ids)
        .redaction_type(RedactionType::Masked);
    let response = vault.get(&request).await?;
    let first = &response.records()[0];
    writeln!(
        out,
        "got {} records by id, masked: the first has ssn {}",
        response.records().len(),
        first["ssn"].as_str().unwrap_or("-")
    )?;

    // Plain text, only the columns asked for.
    let request = GetRequest::new("persons")
        .ids([&ids[1]])
        .fields(["name", "state"])
        .redaction_type(RedactionType::PlainText);
    let response = vault.get(&request).await?;
    let record = &response.records()[0];
    check(
        record["name"] == people[1]["name"] && record.get("ssn").is_none(),
        "only name and state came back, as stored",
    )?;
    writeln!(
        out,
        "got one record as plain text with only name and state: {} columns, matching what was stored",
        record.len()
    )?;

    // Tokens instead of values.
    let request = GetRequest::new("persons")
        .ids([&ids[2]])
        .return_tokens(true);
    let response = vault.get(&request).await?;
    let record = &response.records()[0];
    check(
        record["ssn"] != people[2]["ssn"],
        "the ssn came back as a token",
    )?;
    writeln!(
        out,
        "got one record as tokens: {} columns tokenized (not printed)",
        record.len() - 1
    )?;

    // No ids: page through the table, redacted, newest first.
    let mut offset = 0;
    let mut seen = 0;
    loop {
        let page = GetRequest::new("persons")
            .redaction_type(RedactionType::Redacted)
            .order_by(OrderBy::Descending)
            .offset(offset)
            .limit(2);
        let records = vault.get(&page).await?.into_records();
        if records.is_empty() {
            break;
        }
        offset += records.len() as u64;
        seen += records
            .iter()
            .filter(|r| ids.iter().any(|id| r["skyflow_id"] == id.as_str()))
            .count();
    }
    check(seen == ids.len(), "every record was seen while paging")?;
    writeln!(
        out,
        "paged through persons two records at a time: {offset} records"
    )?;

    vault
        .delete(&DeleteRequest::new("persons").ids(&ids))
        .await?;
    writeln!(out, "deleted the {} records", ids.len())?;
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    run_example(default_options(), async |target, out| {
        run(target, out).await
    })
    .await
}
