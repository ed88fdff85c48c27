//! The Detect API: de-identify and re-identify text, de-identify files, and fetch
//! Detect runs. One request type and one response type per operation.
//!
//! | Operation | Request | Response | Endpoint |
//! |---|---|---|---|
//! | de-identify text | [`DeidentifyTextRequest`] | [`DeidentifyTextResponse`] | `POST /v1/detect/deidentify/string` |
//! | re-identify text | [`ReidentifyTextRequest`] | [`ReidentifyTextResponse`] | `POST /v1/detect/reidentify/string` |
//! | de-identify a file | [`DeidentifyFileRequest`] | [`DeidentifyFileResponse`] | `POST /v1/detect/deidentify/file/…` by extension ([`FileCategory`]), then `GET /v1/detect/runs/{id}` |
//! | get a run | [`GetDetectRunRequest`] | [`DeidentifyFileResponse`] | `GET /v1/detect/runs/{id}` |
//!
//! The operations are methods of [`DetectClient`](crate::DetectClient). Entity types are
//! the [`EntityType`] enum; how each entity is replaced is a [`TokenFormat`]; dates can
//! be shifted instead ([`Transformations`], [`DateShift`]). Requests are validated before
//! anything is sent, and every validation error names the field.
//!
//! Entity positions are character offsets (not bytes) with an exclusive end, in the
//! input ([`EntityInfo::text_index`]) and in the processed text
//! ([`EntityInfo::processed_index`]).
//!
//! The `Debug` output of requests and responses never shows the text, values or tokens.
//!
//! ```
//! use skyflow_client::detect::{
//!     DeidentifyTextRequest, EntityType, ReidentifyTextRequest, TokenFormat, TokenType,
//! };
//!
//! let deidentify = DeidentifyTextRequest::new("My SSN is 123-45-6789, email jane@example.com")
//!     .entities([EntityType::Ssn, EntityType::EmailAddress])
//!     .token_format(TokenFormat::new(TokenType::VaultToken))
//!     .allow_regex(["@example\\.com$"]);
//! assert!(deidentify.validate().is_ok());
//!
//! let reidentify = ReidentifyTextRequest::new("My SSN is [SSN_a1B2c3D]")
//!     .masked_entities([EntityType::Ssn]);
//! assert!(reidentify.validate().is_ok());
//! ```

mod entity;
mod file;
mod ops;
mod options;
mod run;
mod text;

pub use entity::EntityType;
pub use file::{
    Bleep, DeidentifyFileRequest, FileCategory, MAX_WAIT_TIME, MaskingMethod, Transcription,
};
pub use options::{DateShift, TokenFormat, TokenType, Transformations};
pub use run::{DeidentifyFileResponse, GetDetectRunRequest, ProcessedOutput, RunStatus};
pub use text::{
    DeidentifyTextRequest, DeidentifyTextResponse, EntityInfo, ReidentifyTextRequest,
    ReidentifyTextResponse,
};

/// A range of character offsets (not bytes), `start` inclusive, `end` exclusive.
///
/// ```
/// use skyflow_client::detect::TextIndex;
/// let index = TextIndex::new(10, 21);
/// let text = "My SSN is 123-45-6789";
/// let value: String = text.chars().skip(index.start).take(index.len()).collect();
/// assert_eq!(value, "123-45-6789");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct TextIndex {
    /// The first character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
}

impl TextIndex {
    /// The range `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        TextIndex { start, end }
    }

    /// The number of characters covered.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether the range is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The characters of `text` in this range.
    ///
    /// ```
    /// let index = skyflow_client::detect::TextIndex::new(3, 5);
    /// assert_eq!(index.slice("héllo wörld"), "lo");
    /// ```
    pub fn slice<'a>(&self, text: &'a str) -> &'a str {
        let byte = |chars: usize| {
            text.char_indices()
                .nth(chars)
                .map_or(text.len(), |(at, _)| at)
        };
        let start = byte(self.start);
        let end = byte(self.end).max(start);
        &text[start..end]
    }
}

#[cfg(test)]
mod wire_tests;
