//! The local Detect engine: finds sensitive entities in text without any ML model.
//!
//! Detection runs in four steps:
//! 1. **Candidates.** Pattern recognizers, defined as data in `data/recognizers.toml` (a regex
//!    per pattern with a base score), each searched on its own; a weak pattern that needs a
//!    context word is not searched at all when none of its context words occurs.
//! 2. **Validation.** A recognizer may name a validator (Luhn, SSN rules, IBAN mod-97, ABA, VIN,
//!    IP parsing, calendar dates…): a proven value scores 1.0, an impossible one is dropped.
//! 3. **Context.** Words near the candidate (five before, one after by default), or the
//!    structured-input context ([`AnalyzeOptions::context`]), raise the score by the recognizer's
//!    boost; negative context words (order, invoice…) lower it. A threshold (0.4) decides.
//! 4. **Resolution.** Overlapping candidates are resolved deterministically (score, then length,
//!    then position, then the more specific type); findings come back sorted and non-overlapping.
//!
//! ```
//! use skyflow_emulator::detect::engine::{AnalyzeOptions, Engine, EntityType};
//!
//! let text = "My SSN is 123-45-6789 and my card is 4111 1111 1111 1111.";
//! let findings = Engine::shared().analyze(text, &AnalyzeOptions::default());
//! let found: Vec<_> = findings.iter().map(|f| (f.entity, &text[f.start..f.end])).collect();
//! assert_eq!(
//!     found,
//!     [(EntityType::Ssn, "123-45-6789"), (EntityType::CreditCard, "4111 1111 1111 1111")]
//! );
//! ```

mod address;
mod entity;
mod lists;
mod proper;
mod recognizer;
mod resolve;
mod text;
mod validate;

use std::sync::OnceLock;

pub use entity::EntityType;

use recognizer::{Candidate, Patterns};

/// Scores below this are not reported.
const THRESHOLD: f64 = 0.4;

/// Whether the engine can detect an entity type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// The engine has recognizers for this type (or for types below it).
    Supported,
    /// The engine never reports this type; `reason` says why, for error messages.
    Unsupported {
        /// A sentence explaining why the type cannot be detected locally.
        reason: &'static str,
    },
}

/// Why the semantic types are refused.
const SEMANTIC: &str = "it is a semantic category that needs a language model; the emulator's \
     local Detect engine finds only what patterns, checksums, word lists and context can find";

/// Why types without a shipped recognizer are refused.
const NO_RECOGNIZER: &str = "the emulator's local Detect engine ships no recognizer for it";

/// What to look for in one [`Engine::analyze`] call.
///
/// ```
/// use skyflow_emulator::detect::engine::{AnalyzeOptions, EntityType};
///
/// let only_emails = AnalyzeOptions { entities: Some(&[EntityType::EmailAddress]), context: None };
/// let csv_cell = AnalyzeOptions { entities: None, context: Some("customer_ssn") };
/// # let _ = (only_emails, csv_cell);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct AnalyzeOptions<'a> {
    /// `None` = every supported type. Requested parents include their subtypes.
    pub entities: Option<&'a [EntityType]>,
    /// Extra context for structured input: a JSON key, XML element or CSV column header.
    pub context: Option<&'a str>,
}

/// One detected entity.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The most specific requested type of the span.
    pub entity: EntityType,
    /// Byte offset of the first byte in the analyzed text.
    pub start: usize,
    /// Byte offset one past the last byte (exclusive).
    pub end: usize,
    /// Confidence, `0.0..=1.0`.
    pub score: f64,
    /// Other labels of the same span (its parent types) with their scores, for `entity_scores`.
    pub also: Vec<(EntityType, f64)>,
}

/// The compiled recognizers and word lists. Build it once ([`Engine::shared`]); it is
/// `Send + Sync` and every call to [`Engine::analyze`] is independent.
pub struct Engine {
    patterns: Patterns,
    lists: lists::Lists,
    proper: proper::Proper,
    addresses: address::Addresses,
    /// Bit per [`EntityType`] (by discriminant) that some recognizer can report.
    supported: u128,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field(
                "recognizers",
                &self
                    .patterns
                    .recognizers
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// The bit of one type in a type mask.
pub(crate) fn mask_of(ty: EntityType) -> u128 {
    1u128 << (ty as u32)
}

impl Engine {
    /// The engine built from the data shipped with the emulator, built on first use.
    ///
    /// ```
    /// use skyflow_emulator::detect::engine::{Engine, EntityType, Support};
    ///
    /// assert_eq!(Engine::shared().support(EntityType::Ssn), Support::Supported);
    /// ```
    pub fn shared() -> &'static Engine {
        static SHARED: OnceLock<Engine> = OnceLock::new();
        SHARED.get_or_init(|| {
            Engine::from_data(recognizer::SHIPPED)
                .unwrap_or_else(|e| panic!("shipped Detect data is invalid: {e}"))
        })
    }

    fn from_data(recognizers: &str) -> Result<Engine, String> {
        let patterns = Patterns::compile(recognizers)?;
        let lists = lists::Lists::load()?;
        let addresses = address::Addresses::new(&lists)?;
        let proper = proper::Proper::new()?;
        let mut supported = patterns.recognizers.iter().fold(0, |m, r| m | r.outputs);
        use EntityType as E;
        for ty in [
            E::NameGiven,
            E::NameFamily,
            E::NameMedicalProfessional,
            E::Organization,
            E::OrganizationMedicalFacility,
            E::LocationCity,
            E::LocationState,
            E::LocationCountry,
            E::LocationAddress,
            E::LocationAddressStreet,
            E::LocationZip,
        ] {
            supported |= mask_of(ty);
        }
        // A parent is supported when something below it is.
        for &ty in EntityType::ALL {
            if supported & mask_of(ty) != 0 {
                supported |= ty.ancestors().fold(0, |m, a| m | mask_of(a));
            }
        }
        supported |= mask_of(EntityType::All);
        Ok(Engine {
            patterns,
            lists,
            proper,
            addresses,
            supported,
        })
    }

    /// Whether the engine can detect `entity`, and if not, why.
    ///
    /// ```
    /// use skyflow_emulator::detect::engine::{Engine, EntityType, Support};
    ///
    /// let engine = Engine::shared();
    /// assert_eq!(engine.support(EntityType::EmailAddress), Support::Supported);
    /// assert!(matches!(engine.support(EntityType::Trend), Support::Unsupported { .. }));
    /// ```
    pub fn support(&self, entity: EntityType) -> Support {
        use EntityType as E;
        if self.supported & mask_of(entity) != 0 {
            return Support::Supported;
        }
        let reason = match entity {
            E::Event
            | E::Product
            | E::Project
            | E::CorporateAction
            | E::FinancialMetric
            | E::Trend
            | E::Statistics
            | E::Effect
            | E::PhysicalAttribute
            | E::Occupation => SEMANTIC,
            _ => NO_RECOGNIZER,
        };
        Support::Unsupported { reason }
    }

    /// The mask of supported types a request asks for.
    fn wanted(&self, entities: Option<&[EntityType]>) -> u128 {
        let asked = match entities {
            None => return self.supported,
            Some(list) => list,
        };
        let mut mask = 0;
        for &ty in EntityType::ALL {
            if asked.iter().any(|&a| ty.is_within(a)) {
                mask |= mask_of(ty);
            }
        }
        mask & self.supported
    }

    /// Finds the requested entities in `text`: sorted by start, non-overlapping, with byte offsets
    /// on character boundaries.
    ///
    /// ```
    /// use skyflow_emulator::detect::engine::{AnalyzeOptions, Engine, EntityType};
    ///
    /// let text = "Reach Zoë at zoe@example.com or 192.168.10.4 🙂";
    /// let options = AnalyzeOptions { entities: Some(&[EntityType::EmailAddress]), context: None };
    /// let findings = Engine::shared().analyze(text, &options);
    /// assert_eq!(findings.len(), 1);
    /// assert_eq!(&text[findings[0].start..findings[0].end], "zoe@example.com");
    /// ```
    pub fn analyze(&self, text: &str, options: &AnalyzeOptions<'_>) -> Vec<Finding> {
        let wanted = self.wanted(options.entities);
        if wanted == 0 || text.is_empty() {
            return Vec::new();
        }
        // Every recognizer runs whatever was asked for: a span another type would win keeps that
        // type's claim, so a narrower request reports a subset of the full analysis.
        let mut candidates: Vec<Candidate> = Vec::new();
        self.patterns
            .run(text, options.context, THRESHOLD, &mut candidates);
        self.proper.run(
            &self.lists,
            text,
            options.context,
            THRESHOLD,
            &mut candidates,
        );
        self.addresses.run(&self.lists, text, &mut candidates);
        candidates.retain(|c| c.score + 1e-9 >= THRESHOLD);
        resolve::resolve(candidates, wanted)
    }
}

#[cfg(test)]
mod tests;
