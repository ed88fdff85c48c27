//! Insert with continue-on-error: good records are stored, bad ones come back as errors at
//! their index, and the call itself succeeds.
//!
//! ```sh
//! cargo run --example insert_continue_on_error
//! ```
//!
//! With no configuration it runs on the embedded emulator. On a real vault (set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`, `SKYFLOW_CREDENTIALS`) it needs
//! the quickstart `persons` table. It prints ids, indexes and the vault's messages, never
//! values or tokens.

mod support;

use std::io::Write;

use crate::support::{BoxError, Target, check, default_options, run_example};
use serde_json::json;
use skyflow::vault::{DeleteRequest, InsertRequest};

/// Inserts three records, one of them invalid, then deletes the two stored.
///
/// # Errors
///
/// The vault's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    let vault = target.vault();
    let request = InsertRequest::new("persons")
        .values([
            json!({ "name": "Mary Jackson", "ssn": "123-45-6711" }),
            json!({ "name": "Dorothy Vaughan", "ssn": "not a valid ssn" }),
            json!({ "name": "Annie Easley", "ssn": "123-45-6713" }),
        ])
        .continue_on_error(true);
    let response = vault.insert(&request).await?;

    let stored: Vec<usize> = response
        .inserted()
        .iter()
        .map(|r| r.request_index())
        .collect();
    let failed: Vec<usize> = response.errors().iter().map(|e| e.index()).collect();
    check(
        stored == [0, 2] && failed == [1],
        "records 0 and 2 stored, 1 failed",
    )?;
    writeln!(
        out,
        "inserted with continue-on-error: records {stored:?} stored, record {failed:?} rejected"
    )?;
    for error in response.errors() {
        // `values[1]: <the vault's message>`, with the request's values cut out.
        writeln!(out, "{error} (http code {:?})", error.http_code())?;
    }

    let ids: Vec<&str> = response.inserted().iter().map(|r| r.skyflow_id()).collect();
    let deleted = vault
        .delete(&DeleteRequest::new("persons").ids(ids))
        .await?;
    writeln!(
        out,
        "deleted the {} stored records",
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
