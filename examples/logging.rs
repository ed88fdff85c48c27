//! Logging: the SDK logs through `tracing`, gated by the client's log level, which can be
//! changed at any time. Here the application installs a subscriber of its own and reads
//! the SDK's lines back.
//!
//! ```sh
//! cargo run --example logging
//! ```
//!
//! Without a subscriber, the SDK writes its lines to stderr itself. With one (for example
//! `tracing_subscriber::fmt().init()` in `main`), they go to it, and its filters apply on
//! top: `RUST_LOG=skyflow=info` with an `EnvFilter`. Log lines never hold credentials,
//! tokens or values.
//!
//! With no configuration it runs on the embedded emulator. On a real vault (set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`, `SKYFLOW_CREDENTIALS`) it needs
//! the quickstart `persons` table.

mod support;

use std::io::Write;

use crate::support::{
    BoxError, LogCapture, Target, check, default_options, insert_and_delete, run_example,
};
use serde_json::json;
use skyflow::vault::InsertRequest;
use skyflow::{LogLevel, Skyflow};
use tracing::instrument::WithSubscriber;

/// Makes the same calls at several log levels and reports what was logged.
///
/// # Errors
///
/// The vault's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    // The application's subscriber: plain lines, the SDK's events only (target
    // `skyflow`), every level. Here it writes into memory so the example can count them.
    let lines = LogCapture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(lines.clone())
        .with_env_filter("skyflow=trace")
        .without_time()
        .with_ansi(false)
        .finish();
    let dispatch = tracing::Dispatch::new(subscriber);

    // The client's level (ERROR by default) decides what the SDK emits at all.
    let client = Skyflow::builder()
        .vault_config(target.vault_config())
        .credentials(target.credentials().clone())
        .log_level(LogLevel::Info)
        .build()?;
    let vault = client.default_vault()?;

    for level in [
        LogLevel::Info,
        LogLevel::Debug,
        LogLevel::Error,
        LogLevel::Off,
    ] {
        client.set_log_level(level);
        insert_and_delete(&vault, "Logged Example")
            .with_subscriber(dispatch.clone())
            .await?;
        let captured = lines.take();
        let example = captured
            .iter()
            .find(|l| l.contains("DEBUG"))
            .or(captured.get(2))
            .map_or(String::new(), |l| format!(", e.g. \"{}\"", l.trim()));
        writeln!(out, "at {level}: {} lines{example}", captured.len())?;
    }

    // A failing call is logged at ERROR with the error's message (never a value).
    client.set_log_level(LogLevel::Error);
    let failed = vault
        .insert(&InsertRequest::new("no_such_table").value(json!({ "name": "Nobody" })))
        .with_subscriber(dispatch)
        .await;
    check(failed.is_err(), "the insert into a missing table failed")?;
    let captured = lines.take();
    writeln!(
        out,
        "a failing call at ERROR: {} line, \"{}\"",
        captured.len(),
        captured.first().map_or("", |l| l.trim())
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
