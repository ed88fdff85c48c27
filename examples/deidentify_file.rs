//! De-identify a file with Skyflow Detect: a CSV of patients goes to the spreadsheet
//! endpoint (chosen by its extension), the run is polled until it finishes, and the
//! processed file and the entities found are written into an output directory.
//!
//! ```sh
//! cargo run --example deidentify_file
//! ```
//!
//! With no configuration it runs on the embedded emulator (in memory, on 127.0.0.1); set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV` and `SKYFLOW_CREDENTIALS` to run
//! it against a real vault. The files live in a temporary directory removed at the end. It
//! prints the processed CSV (tokens only), never the values.

mod support;

use std::io::Write;
use std::time::Duration;

use skyflow::DetectClient;
use skyflow::detect::{DeidentifyFileRequest, EntityType, RunStatus};
use support::BoxError;

/// The CSV de-identified.
pub const CSV: &str =
    "name,ssn,email\nZoe,123-45-6789,zoe@example.com\nAnn,212-56-7890,ann@example.org\n";

/// Writes [`CSV`] to a temporary file, de-identifies it into a temporary output directory
/// and prints the result.
///
/// # Errors
///
/// Any failed call, or a run that did not succeed.
pub async fn run(detect: &DetectClient, out: &mut impl Write) -> Result<(), BoxError> {
    let dir = tempfile::tempdir()?;
    let input = dir.path().join("patients.csv");
    std::fs::write(&input, CSV)?;
    let output = dir.path().join("out");
    std::fs::create_dir(&output)?;

    let request = DeidentifyFileRequest::from_path(&input)
        .entities([EntityType::Ssn, EntityType::EmailAddress])
        .output_directory(&output)
        .wait_time(Duration::from_secs(30));
    writeln!(
        out,
        "sending patients.csv to the {:?} endpoint",
        request.category()
    )?;
    let response = detect.deidentify_file(&request).await?;
    if response.status() != &RunStatus::Success {
        return Err(format!(
            "run {} ended {:?}: {}",
            response.run_id(),
            response.status(),
            response.message().unwrap_or("no message")
        )
        .into());
    }
    let file = response.file().ok_or("the run has no processed file")?;
    writeln!(
        out,
        "run succeeded: {} bytes of {}, {} words",
        file.bytes().len(),
        file.extension().unwrap_or("?"),
        response.word_count().unwrap_or_default()
    )?;
    write!(out, "{}", String::from_utf8_lossy(file.bytes()))?;
    let mut written: Vec<String> = response
        .written_files()
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    written.sort();
    writeln!(out, "written: {}", written.join(", "))?;
    Ok(())
}

support::detect_main!(run);
