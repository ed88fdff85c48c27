//! Bulk import: 10,000 records through the client's batching and bounded concurrency,
//! with progress and per-record errors at their index.
//!
//! ```sh
//! cargo run --example bulk_import
//! ```
//!
//! The client splits each insert into batches (100 records) and sends a few at a time
//! (4); answers are merged back in input order. The example feeds it the records in four
//! chunks to report progress, and uses continue-on-error so that bad records are reported
//! at their index instead of failing the import.
//!
//! With no configuration it runs on the embedded emulator. On a real vault (set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`, `SKYFLOW_CREDENTIALS`) it needs
//! the quickstart `persons` table. It prints counts and indexes, never values or tokens.

mod support;

use std::io::Write;
use std::time::Instant;

use crate::support::{BoxError, Target, check, default_options, run_example};
use serde_json::{Value, json};
use skyflow::BulkConfig;
use skyflow::vault::{CallOptions, DeleteRequest, InsertRequest};

/// Records to import.
pub const RECORDS: usize = 10_000;

/// The records of an import of `records` made invalid on purpose.
fn bad_records(records: usize) -> [usize; 3] {
    [records / 8, records / 2 + 1, records - 1]
}

/// Made-up person `i`; the ones in `bad` have an invalid ssn.
fn person(i: usize, bad: &[usize]) -> Value {
    let ssn = if bad.contains(&i) {
        "invalid".to_owned()
    } else {
        format!("{:03}-{:02}-{:04}", 100 + i % 800, 10 + i % 90, i)
    };
    json!({ "name": format!("Imported Person {i}"), "ssn": ssn, "state": "CA" })
}

/// Imports [`RECORDS`] records, reports, then deletes everything it wrote.
///
/// # Errors
///
/// The vault's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    import(target, out, RECORDS).await
}

/// Imports `records` records (a multiple of 4) in four chunks, then deletes them.
///
/// # Errors
///
/// As [`run`].
pub async fn import(target: &Target, out: &mut impl Write, records: usize) -> Result<(), BoxError> {
    let bad = bad_records(records);
    let chunk = records / 4;
    let bulk = BulkConfig::standard()
        .with_batch_size(100)
        .with_concurrency(4);
    // Options for these calls only; `Skyflow::builder().bulk(..)` sets them client-wide.
    let vault = target
        .vault()
        .with_options(CallOptions::new().bulk(bulk).request_id("bulk-import"));

    let started = Instant::now();
    let mut ids: Vec<String> = Vec::with_capacity(records);
    let mut failed: Vec<(usize, u16)> = Vec::new();
    for offset in (0..records).step_by(chunk) {
        let request = InsertRequest::new("persons")
            .values((offset..offset + chunk).map(|i| person(i, &bad)))
            .return_tokens(false)
            .continue_on_error(true);
        let response = vault.insert(&request).await?;
        ids.extend(
            response
                .inserted()
                .iter()
                .map(|r| r.skyflow_id().to_owned()),
        );
        // `index` is the position in this call's values.
        failed.extend(
            response
                .errors()
                .iter()
                .map(|e| (offset + e.index(), e.http_code().unwrap_or_default())),
        );
        writeln!(
            out,
            "progress: {} of {records} records sent, {} stored, {} rejected",
            offset + chunk,
            ids.len(),
            failed.len()
        )?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let rejected: Vec<usize> = failed.iter().map(|(i, _)| *i).collect();
    check(rejected == bad, "exactly the bad records were rejected")?;
    writeln!(
        out,
        "imported {} records in {seconds:.1} s; rejected at index {rejected:?} (http code {})",
        ids.len(),
        failed[0].1
    )?;

    let deleted = vault
        .delete(&DeleteRequest::new("persons").ids(&ids))
        .await?;
    check(
        deleted.deleted_ids().len() == ids.len(),
        "every record was deleted",
    )?;
    writeln!(
        out,
        "deleted the {} imported records",
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
