//! Upload files into a file column: from a path, from bytes and from base64, into a new
//! record or an existing one; check the scan status; delete the file.
//!
//! ```sh
//! cargo run --example upload_file
//! ```
//!
//! With no configuration it runs on the embedded emulator. On a real vault (set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`, `SKYFLOW_CREDENTIALS`) it needs
//! a `table1` with a file column `file`. It prints ids, sizes and statuses, never file
//! contents, tokens or download URLs.

mod support;

use std::io::Write;

use crate::support::{BoxError, Target, check, default_options, run_example, run_tag};
use base64::Engine as _;
use serde_json::json;
use skyflow::vault::{
    DeleteFileRequest, DeleteRequest, FileScanStatusRequest, FileUploadRequest, GetRequest,
    InsertRequest,
};

/// The made-up statement the example uploads.
const STATEMENT: &[u8] = b"Account statement (example data): balance 1,234.56\n";

/// Uploads three ways, checks, deletes a file, then deletes the records.
///
/// # Errors
///
/// The vault's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    let vault = target.vault();

    // From a path, into a new record (the vault creates it).
    let path = std::env::temp_dir().join(format!("skyflow-statement-{}.txt", run_tag()));
    std::fs::write(&path, STATEMENT)?;
    let uploaded = vault
        .upload_file(&FileUploadRequest::new("table1", "file").file_path(&path))
        .await;
    std::fs::remove_file(&path)?;
    let new_record = uploaded?.skyflow_id().to_owned();
    writeln!(
        out,
        "uploaded a {}-byte file from a path into a new record {new_record}",
        STATEMENT.len()
    )?;

    // From bytes, into an existing record.
    let existing = vault
        .insert(&InsertRequest::new("table1").value(json!({ "name": "File Owner" })))
        .await?
        .inserted()[0]
        .skyflow_id()
        .to_owned();
    let response = vault
        .upload_file(
            &FileUploadRequest::new("table1", "file")
                .skyflow_id(&existing)
                .file_bytes("statement.txt", STATEMENT.to_vec())
                .content_type("text/plain"),
        )
        .await?;
    check(
        response.skyflow_id() == existing,
        "the existing record holds the file",
    )?;
    writeln!(
        out,
        "uploaded the same file from bytes into the existing record {existing}"
    )?;

    // From base64 (decoded before sending), replacing that record's file.
    let encoded = base64::engine::general_purpose::STANDARD.encode(STATEMENT);
    vault
        .upload_file(
            &FileUploadRequest::new("table1", "file")
                .skyflow_id(&existing)
                .file_base64("statement.txt", encoded),
        )
        .await?;
    writeln!(out, "uploaded it again from base64, replacing the file")?;

    // The anti-virus scan status, and a download URL in place of the file column.
    let status = vault
        .file_scan_status(&FileScanStatusRequest::new("table1", &existing, "file"))
        .await?;
    let record = vault
        .get(
            &GetRequest::new("table1")
                .ids([&existing])
                .fields(["file"])
                .download_url(true),
        )
        .await?
        .into_records()
        .remove(0);
    check(
        record["file"]
            .as_str()
            .is_some_and(|url| url.starts_with("http")),
        "the file column holds a download URL",
    )?;
    writeln!(
        out,
        "scan status {}; a get returns a download URL for the file (not printed)",
        status.status()
    )?;

    // Delete the file; the record stays.
    let deleted = vault
        .delete_file(&DeleteFileRequest::new("table1", &existing, "file"))
        .await?;
    check(deleted.deleted(), "the file was deleted")?;
    writeln!(
        out,
        "deleted the file of record {}; the record stays",
        deleted.skyflow_id()
    )?;

    vault
        .delete(&DeleteRequest::new("table1").ids([new_record, existing]))
        .await?;
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
