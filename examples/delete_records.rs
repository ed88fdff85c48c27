//! Delete records by their ids, and what deleting an id that does not exist does.
//!
//! ```sh
//! cargo run --example delete_records
//! ```
//!
//! With no configuration it runs on the embedded emulator. On a real vault (set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`, `SKYFLOW_CREDENTIALS`) it needs
//! the quickstart `persons` table. It prints ids and counts, never values or tokens.

mod support;

use std::io::Write;

use crate::support::{BoxError, Target, check, default_options, run_example};
use serde_json::json;
use skyflow::vault::{DeleteRequest, GetRequest, InsertRequest};

/// Inserts three records, deletes them, and checks they are gone.
///
/// # Errors
///
/// The vault's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    let vault = target.vault();
    let request = InsertRequest::new("persons")
        .values([
            json!({ "name": "Sophie Germain", "state": "NY" }),
            json!({ "name": "Maryam Mirzakhani", "state": "CA" }),
            json!({ "name": "Ada Yonath", "state": "MA" }),
        ])
        .return_tokens(false);
    let inserted = vault.insert(&request).await?;
    let ids: Vec<&str> = inserted.inserted().iter().map(|r| r.skyflow_id()).collect();
    writeln!(out, "inserted {} records: {}", ids.len(), ids.join(", "))?;

    // One call deletes many ids (split into batches when there are many).
    let response = vault
        .delete(&DeleteRequest::new("persons").ids(ids.clone()))
        .await?;
    check(
        response.deleted_ids() == ids.as_slice(),
        "every id was deleted",
    )?;
    writeln!(
        out,
        "deleted {} records in one call",
        response.deleted_ids().len()
    )?;

    // They are gone: a get by their ids fails with "not found".
    let err = vault
        .get(&GetRequest::new("persons").ids(ids.clone()))
        .await
        .err()
        .ok_or("the deleted records were still found")?;
    writeln!(
        out,
        "reading them again fails: not found = {}, http status {}",
        err.is_not_found(),
        err.status().unwrap_or_default()
    )?;

    // Deleting an id that does not exist is an error naming the call, not a silent no-op.
    let err = vault
        .delete(&DeleteRequest::new("persons").id(ids[0]))
        .await
        .err()
        .ok_or("a deleted id was deleted again")?;
    writeln!(
        out,
        "deleting one again fails: http status {}, {}",
        err.status().unwrap_or_default(),
        err.message()
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
