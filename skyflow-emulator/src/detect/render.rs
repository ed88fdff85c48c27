//! De-identification of text with a [`Plan`]: detection by the engine, then allow and
//! restrict regexes, date shifting and tokens, with every position converted from bytes to
//! characters.
//!
//! Decisions where Skyflow's behaviour is not documented:
//! - an entity an `allow_regex` matches stays in the text and is left out of `entities`;
//! - an entity a `restrict_regex` matches as a whole becomes `[RESTRICTED]`, with token
//!   `RESTRICTED`;
//! - a shifted date replaces the original without brackets, and is its `token`;
//! - counter numbers are per entity type, start at 1 and are kept for a repeated value
//!   across the whole request (for files: across the whole file).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::dates::shift_date;
use super::engine::{AnalyzeOptions, Engine, EntityType};
use super::options::{Plan, TokenKind};
use super::tokens::VaultTokens;
use crate::engine::EngineResult;

/// A detected entity in the response shape of `POST /v1/detect/deidentify/string`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct EntityOut {
    pub(crate) token: String,
    pub(crate) value: String,
    pub(crate) location: Location,
    pub(crate) entity_type: String,
    pub(crate) entity_scores: BTreeMap<String, f64>,
}

/// Character offsets, end exclusive.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub(crate) struct Location {
    pub(crate) start_index: usize,
    pub(crate) end_index: usize,
    pub(crate) start_index_processed: usize,
    pub(crate) end_index_processed: usize,
}

/// One de-identified piece of text.
#[derive(Debug, Clone)]
pub(crate) struct Rendered {
    pub(crate) text: String,
    pub(crate) entities: Vec<EntityOut>,
}

/// The state of one de-identify request: its plan, its counters and its vault.
pub(crate) struct Renderer<'a> {
    plan: &'a Plan,
    tokens: VaultTokens<'a>,
    counters: HashMap<EntityType, HashMap<String, usize>>,
}

impl<'a> Renderer<'a> {
    pub(crate) fn new(plan: &'a Plan, tokens: VaultTokens<'a>) -> Self {
        Renderer {
            plan,
            tokens,
            counters: HashMap::new(),
        }
    }

    /// De-identifies `text`; `context` is the key, element or column the text came from.
    pub(crate) fn render(&mut self, text: &str, context: Option<&str>) -> EngineResult<Rendered> {
        let options = AnalyzeOptions {
            entities: self.plan.entities.as_deref(),
            context,
        };
        let findings = Engine::shared().analyze(text, &options);
        let mut out = String::with_capacity(text.len());
        let mut entities = Vec::with_capacity(findings.len());
        let mut byte_at = 0; // bytes of `text` consumed
        let mut chars_in = 0; // characters of `text` consumed
        let mut chars_out = 0; // characters written to `out`
        for finding in findings {
            if finding.start < byte_at || finding.end > text.len() || finding.start >= finding.end {
                continue; // the engine promises sorted, disjoint spans; never trust blindly
            }
            let value = &text[finding.start..finding.end];
            if self.plan.allow.iter().any(|re| re.is_match(value)) {
                continue;
            }
            let gap = &text[byte_at..finding.start];
            let gap_chars = gap.chars().count();
            out.push_str(gap);
            chars_in += gap_chars;
            chars_out += gap_chars;

            let (token, replacement) = self.replacement(finding.entity, value)?;
            let value_chars = value.chars().count();
            let replacement_chars = replacement.chars().count();
            out.push_str(&replacement);
            let mut scores = BTreeMap::new();
            scores.insert(finding.entity.as_label().to_owned(), round(finding.score));
            for (label, score) in &finding.also {
                scores.insert(label.as_label().to_owned(), round(*score));
            }
            entities.push(EntityOut {
                token,
                value: value.to_owned(),
                location: Location {
                    start_index: chars_in,
                    end_index: chars_in + value_chars,
                    start_index_processed: chars_out,
                    end_index_processed: chars_out + replacement_chars,
                },
                entity_type: finding.entity.as_label().to_owned(),
                entity_scores: scores,
            });
            chars_in += value_chars;
            chars_out += replacement_chars;
            byte_at = finding.end;
        }
        out.push_str(&text[byte_at..]);
        Ok(Rendered {
            text: out,
            entities,
        })
    }

    /// The token of an entity (as reported) and what replaces it in the text.
    fn replacement(&mut self, entity: EntityType, value: &str) -> EngineResult<(String, String)> {
        if self.plan.restrict.iter().any(|re| re.is_match(value)) {
            return Ok(("RESTRICTED".to_owned(), "[RESTRICTED]".to_owned()));
        }
        if let Some(days) = self.plan.shifts(entity)
            && let Some(shifted) = shift_date(value, days)
        {
            return Ok((shifted.clone(), shifted));
        }
        let label = entity.as_label();
        let token = match self.plan.token_kind(entity) {
            TokenKind::EntityOnly => label.to_owned(),
            TokenKind::Counter => {
                let seen = self.counters.entry(entity).or_default();
                let next = seen.len() + 1;
                let n = *seen.entry(value.to_owned()).or_insert(next);
                format!("{label}_{n}")
            }
            TokenKind::VaultToken => self.tokens.tokenize(entity, value)?,
        };
        let bracketed = format!("[{token}]");
        Ok((token, bracketed))
    }
}

/// Scores with four decimals, as Skyflow reports them.
fn round(score: f64) -> f64 {
    (score.clamp(0.0, 1.0) * 10_000.0).round() / 10_000.0
}

/// Words of a text: runs of non-whitespace.
pub(crate) fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}
