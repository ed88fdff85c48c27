//! Re-identify text with Skyflow Detect: de-identify a sentence with vault tokens (which
//! the vault stores), then restore it three ways: in full, with the SSN masked, and with
//! the email redacted.
//!
//! ```sh
//! cargo run --example reidentify_text
//! ```
//!
//! With no configuration it runs on the embedded emulator (in memory, on 127.0.0.1); set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV` and `SKYFLOW_CREDENTIALS` to run
//! it against a real vault. It prints token shapes and masked text, never the values.

mod support;

use std::io::Write;

use skyflow::DetectClient;
use skyflow::detect::{
    DeidentifyTextRequest, EntityType, ReidentifyTextRequest, TokenFormat, TokenType,
};
use support::BoxError;

/// The text de-identified and restored.
pub const TEXT: &str = "Café order for Zoë: SSN 123-45-6789, receipt to zoe@example.com 🎉";

/// Runs the round trip and prints what each step gives.
///
/// # Errors
///
/// Any failed call, or a restored text that differs from the original.
pub async fn run(detect: &DetectClient, out: &mut impl Write) -> Result<(), BoxError> {
    // 1. Vault tokens: reversible, stored in the vault.
    let request = DeidentifyTextRequest::new(TEXT)
        .entities([EntityType::Ssn, EntityType::EmailAddress])
        .token_format(TokenFormat::new(TokenType::VaultToken));
    let deidentified = detect.deidentify_text(&request).await?;
    let processed = deidentified.processed_text();
    writeln!(
        out,
        "de-identified with {} vault tokens ({} characters)",
        deidentified.entities().len(),
        processed.chars().count()
    )?;

    // 2. Everything back as plain text: exactly the original.
    let restored = detect
        .reidentify_text(&ReidentifyTextRequest::new(processed))
        .await?;
    if restored.processed_text() != TEXT {
        return Err("re-identify did not restore the original text".into());
    }
    writeln!(
        out,
        "restored in full: identical to the original (not printed)"
    )?;

    // 3. The SSN masked and the email redacted.
    let partial = detect
        .reidentify_text(
            &ReidentifyTextRequest::new(processed)
                .masked_entities([EntityType::Ssn])
                .redacted_entities([EntityType::EmailAddress]),
        )
        .await?;
    writeln!(out, "masked and redacted: {}", partial.processed_text())?;
    Ok(())
}

support::detect_main!(run);
