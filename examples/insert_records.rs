//! Insert records with the plain request API: several records at once with their tokens,
//! a homogeneous insert without tokens, and an upsert on a unique column.
//!
//! ```sh
//! cargo run --example insert_records
//! ```
//!
//! With no configuration it runs on the embedded emulator (in memory, on 127.0.0.1). On a
//! real vault (set `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`,
//! `SKYFLOW_CREDENTIALS`) it needs the quickstart `persons` table and a `table1` with a
//! unique `email` column. It prints ids and counts, never values or tokens.

mod support;

use std::io::Write;

use crate::support::{BoxError, Target, check, default_options, run_example, run_tag};
use serde_json::json;
use skyflow::vault::{DeleteRequest, InsertRequest};

/// Inserts, upserts, then deletes what it wrote, writing what it does to `out`.
///
/// # Errors
///
/// The vault's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    let vault = target.vault();

    // Several records in one call; the response holds each record's id and, since
    // `return_tokens` is on by default, one token per column.
    let request = InsertRequest::new("persons").values([
        json!({ "name": "Ada Lovelace", "email_address": "ada@example.com",
                "ssn": "123-45-6701", "date_of_birth": "1985-12-10", "state": "NY" }),
        json!({ "name": "Alan Turing", "email_address": "alan@example.com",
                "ssn": "123-45-6702", "date_of_birth": "1982-06-23", "state": "CA" }),
    ]);
    let response = vault.insert(&request).await?;
    check(response.is_complete(), "both records were inserted")?;
    let mut ids: Vec<String> = Vec::new();
    for record in response.inserted() {
        check(
            record.token("ssn").is_some_and(|t| t != "123-45-6701"),
            "the ssn comes back as a token, not as the value",
        )?;
        ids.push(record.skyflow_id().to_owned());
    }
    writeln!(
        out,
        "inserted 2 persons: {} (each with {} column tokens, not printed)",
        ids.join(", "),
        response.inserted()[0].tokens().len()
    )?;

    // Records with the same columns can be sent as homogeneous; without tokens the
    // response holds only the ids.
    let request = InsertRequest::new("persons")
        .values([
            json!({ "name": "Grace Hopper", "state": "VA" }),
            json!({ "name": "Edsger Dijkstra", "state": "TX" }),
        ])
        .homogeneous(true)
        .return_tokens(false);
    let response = vault.insert(&request).await?;
    check(
        response.inserted().iter().all(|r| r.tokens().is_empty()),
        "no tokens were returned",
    )?;
    ids.extend(
        response
            .inserted()
            .iter()
            .map(|r| r.skyflow_id().to_owned()),
    );
    writeln!(
        out,
        "inserted 2 more, homogeneous and without tokens: {} records in persons so far",
        ids.len()
    )?;

    // Upsert on a unique column: a second insert with the same email updates the record
    // that has it instead of adding one.
    let email = format!("upsert.{}@example.com", run_tag());
    let first = vault
        .insert(&InsertRequest::new("table1").value(json!({ "email": email, "name": "Before" })))
        .await?;
    let second = vault
        .insert(
            &InsertRequest::new("table1")
                .value(json!({ "email": email, "name": "After" }))
                .upsert("email"),
        )
        .await?;
    let id = first.inserted()[0].skyflow_id();
    check(
        second.inserted()[0].skyflow_id() == id,
        "the upsert updated the existing record",
    )?;
    writeln!(
        out,
        "upserted on table1.email: record {id} updated, not duplicated"
    )?;

    let deleted = vault
        .delete(&DeleteRequest::new("persons").ids(&ids))
        .await?;
    vault.delete(&DeleteRequest::new("table1").id(id)).await?;
    writeln!(
        out,
        "deleted the {} persons and the table1 record",
        deleted.deleted_ids().len()
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
