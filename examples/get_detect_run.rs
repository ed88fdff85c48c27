//! Fetch a Detect run by id: start a file de-identify without waiting for it
//! (`wait_time` zero), keep its run id, and fetch the run later with `get_detect_run`, as
//! a job queue or a second process would.
//!
//! ```sh
//! cargo run --example get_detect_run
//! ```
//!
//! With no configuration it runs on the embedded emulator (in memory, on 127.0.0.1); set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV` and `SKYFLOW_CREDENTIALS` to run
//! it against a real vault. It prints the run's status and outputs, never the values.

mod support;

use std::io::Write;
use std::time::Duration;

use skyflow::DetectClient;
use skyflow::detect::{DeidentifyFileRequest, EntityType, GetDetectRunRequest, RunStatus};
use support::BoxError;

/// The note de-identified.
pub const NOTE: &str =
    "Visit note: patient SSN 123-45-6789, follow-up by mail to zoe@example.com.\n";

/// Starts the run, then polls it by id (every half second, at most 60 times).
///
/// # Errors
///
/// Any failed call, or a run that did not succeed in time.
pub async fn run(detect: &DetectClient, out: &mut impl Write) -> Result<(), BoxError> {
    let request = DeidentifyFileRequest::from_bytes("visit.txt", NOTE)
        .entities([EntityType::Ssn, EntityType::EmailAddress])
        .wait_time(Duration::ZERO);
    let started = detect.deidentify_file(&request).await?;
    writeln!(out, "started run {}", started.run_id())?;

    let lookup = GetDetectRunRequest::new(started.run_id());
    let mut run = detect.get_detect_run(&lookup).await?;
    for _ in 0..60 {
        if run.status().is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        run = detect.get_detect_run(&lookup).await?;
    }
    if run.status() != &RunStatus::Success {
        return Err(format!("the run is {:?}", run.status()).into());
    }
    writeln!(out, "run status: {}", run.status().as_str())?;
    for output in run.outputs() {
        writeln!(
            out,
            "  output {} ({}): {} bytes",
            output.file_type(),
            output.extension().unwrap_or("?"),
            output.bytes().len()
        )?;
    }
    let file = run.file().ok_or("no processed file")?;
    write!(out, "{}", String::from_utf8_lossy(file.bytes()))?;
    Ok(())
}

support::detect_main!(run);
