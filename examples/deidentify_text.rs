//! De-identify text with Skyflow Detect: find the sensitive entities in a sentence and
//! replace each with a token, then list what was found and where.
//!
//! ```sh
//! cargo run --example deidentify_text
//! ```
//!
//! With no configuration it runs on the embedded emulator (in memory, on 127.0.0.1); set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV` and `SKYFLOW_CREDENTIALS` to run
//! it against a real vault. It prints the processed text (tokens only) and the entity
//! types with their positions, never the values.

mod support;

use std::io::Write;

use skyflow::DetectClient;
use skyflow::detect::{DeidentifyTextRequest, EntityType, TokenFormat, TokenType};
use support::BoxError;

/// The text de-identified.
pub const TEXT: &str = "Hi, I'm Zoë. My SSN is 123-45-6789 and my mail is zoe@example.com; \
                        my SSN again: 123-45-6789.";

/// De-identifies [`TEXT`] with counter tokens (`[SSN_1]`), then with entity-only tokens for
/// emails, and prints both results.
///
/// # Errors
///
/// Any failed call.
pub async fn run(detect: &DetectClient, out: &mut impl Write) -> Result<(), BoxError> {
    // 1. Counter tokens: the same value gets the same number.
    let request =
        DeidentifyTextRequest::new(TEXT).entities([EntityType::Ssn, EntityType::EmailAddress]);
    let response = detect.deidentify_text(&request).await?;
    writeln!(out, "processed: {}", response.processed_text())?;
    for entity in response.entities() {
        let at = entity.text_index();
        let score = entity
            .scores()
            .get(entity.entity())
            .copied()
            .unwrap_or_default();
        writeln!(
            out,
            "  {} at characters {}..{} -> [{}] (score {score:.2})",
            entity.entity(),
            at.start,
            at.end,
            entity.token()
        )?;
    }
    writeln!(
        out,
        "{} characters, {} words",
        response.char_count(),
        response.word_count()
    )?;

    // 2. Per-type token formats: emails become their type only.
    let request = DeidentifyTextRequest::new(TEXT)
        .entities([EntityType::Ssn, EntityType::EmailAddress])
        .token_format(
            TokenFormat::new(TokenType::EntityUniqueCounter)
                .entity_only([EntityType::EmailAddress]),
        );
    let response = detect.deidentify_text(&request).await?;
    writeln!(out, "entity-only emails: {}", response.processed_text())?;
    Ok(())
}

support::detect_main!(run);
