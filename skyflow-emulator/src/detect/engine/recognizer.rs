//! Pattern recognizers as data: `data/recognizers.toml` lists, per recognizer, its entity type,
//! regex patterns with base scores, an optional validator, context words that raise the score,
//! negative context words that lower it, and an optional promotion to a more specific type when
//! other context words are near (a date near "born" is a date of birth).
//!
//! Every pattern is compiled once into its own [`Regex`] and searched on its own. (A
//! `RegexSet` prefilter over all patterns cost far more than it saved: its lazy DFA for the union
//! of ~45 patterns thrashed its cache and fell back to the PikeVM, ~85% of the engine's time.)

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;
use serde::Deserialize;

use super::EntityType;
use super::text::{is_word_char, words_after, words_before};
use super::validate::{Validator, Verdict};

/// The recognizer definitions shipped with the emulator.
pub(crate) const SHIPPED: &str = include_str!("data/recognizers.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    recognizer: Vec<Def>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Def {
    id: String,
    entity: String,
    #[serde(default)]
    validator: Option<String>,
    #[serde(default)]
    context: Vec<String>,
    #[serde(default = "default_boost")]
    context_boost: f64,
    #[serde(default = "default_min_with_context")]
    min_with_context: f64,
    #[serde(default = "default_before")]
    context_before: usize,
    #[serde(default = "default_after")]
    context_after: usize,
    #[serde(default)]
    negative_context: Vec<String>,
    #[serde(default = "default_penalty")]
    negative_penalty: f64,
    #[serde(default)]
    trim_end: String,
    #[serde(default)]
    not_after: String,
    #[serde(default)]
    not_followed_by: Option<String>,
    #[serde(default)]
    promote: Option<PromoteDef>,
    pattern: Vec<PatternDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternDef {
    name: String,
    regex: String,
    score: f64,
    /// Case-insensitive matching.
    #[serde(default)]
    ignore_case: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PromoteDef {
    entity: String,
    context: Vec<String>,
    #[serde(default = "default_before")]
    context_before: usize,
}

fn default_boost() -> f64 {
    0.35
}
fn default_min_with_context() -> f64 {
    0.4
}
fn default_before() -> usize {
    5
}
fn default_after() -> usize {
    1
}
fn default_penalty() -> f64 {
    0.35
}

/// Context words of one recognizer, matched ASCII case-insensitively at word starts.
pub(crate) struct Context {
    words: AhoCorasick,
}

impl Context {
    pub(crate) fn new<I, S>(words: I) -> Result<Option<Context>, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let words: Vec<String> = words
            .into_iter()
            .map(|w| w.as_ref().to_ascii_lowercase())
            .collect();
        if words.is_empty() {
            return Ok(None);
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&words)
            .map_err(|e| e.to_string())?;
        Ok(Some(Context { words: ac }))
    }

    /// Whether a context word starts at a word start inside `hay` (an underscore, as in JSON
    /// keys like `customer_ssn`, counts as a separator).
    pub(crate) fn found_in(&self, hay: &str) -> bool {
        let bytes = hay.as_bytes();
        self.words.find_iter(hay).any(|m| {
            let s = m.start();
            s == 0 || !bytes[s - 1].is_ascii_alphanumeric()
        })
    }
}

pub(crate) struct Recognizer {
    pub(crate) id: String,
    pub(crate) entity: EntityType,
    validator: Option<Validator>,
    context: Option<Context>,
    context_boost: f64,
    min_with_context: f64,
    context_before: usize,
    context_after: usize,
    negative: Option<Context>,
    negative_penalty: f64,
    trim_end: Vec<char>,
    not_after: Vec<char>,
    not_followed_by: Option<Regex>,
    promote: Option<(EntityType, Context, usize)>,
    /// Every type this recognizer can report.
    pub(crate) outputs: u128,
}

struct Pattern {
    recognizer: usize,
    score: f64,
    regex: Regex,
    /// The pattern marks its value with a group named `v`.
    value_group: bool,
}

/// All pattern recognizers, compiled.
pub(crate) struct Patterns {
    pub(crate) recognizers: Vec<Recognizer>,
    patterns: Vec<Pattern>,
}

/// A candidate span before overlap resolution.
#[derive(Clone, Debug)]
pub(crate) struct Candidate {
    pub(crate) entity: EntityType,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) score: f64,
    /// Sub-spans with their own types (a name's given and family parts, an address's street,
    /// city, state and ZIP), reported instead of the whole when only they were asked for.
    pub(crate) parts: Vec<(EntityType, usize, usize)>,
}

pub(crate) fn entity(name: &str, id: &str) -> Result<EntityType, String> {
    EntityType::from_wire(name)
        .ok_or_else(|| format!("recognizer {id}: unknown entity type {name:?}"))
}

impl Patterns {
    /// Compiles recognizer definitions from TOML text.
    pub(crate) fn compile(toml_text: &str) -> Result<Patterns, String> {
        let file: File = toml::from_str(toml_text).map_err(|e| format!("recognizer data: {e}"))?;
        let mut recognizers = Vec::new();
        let mut patterns = Vec::new();
        for def in file.recognizer {
            let ty = entity(&def.entity, &def.id)?;
            let validator =
                match &def.validator {
                    Some(name) => Some(Validator::from_name(name).ok_or_else(|| {
                        format!("recognizer {}: unknown validator {name:?}", def.id)
                    })?),
                    None => None,
                };
            let promote = match &def.promote {
                Some(p) => {
                    let to = entity(&p.entity, &def.id)?;
                    let ctx = Context::new(&p.context)?.ok_or_else(|| {
                        format!("recognizer {}: promotion without context", def.id)
                    })?;
                    Some((to, ctx, p.context_before))
                }
                None => None,
            };
            let mut outputs = 1u128 << (ty as u32);
            if let Some((to, _, _)) = &promote {
                outputs |= 1u128 << (*to as u32);
            }
            let index = recognizers.len();
            for p in &def.pattern {
                if !(0.0..=1.0).contains(&p.score) {
                    return Err(format!(
                        "recognizer {} pattern {}: score out of 0..=1",
                        def.id, p.name
                    ));
                }
                let source = if p.ignore_case {
                    format!("(?i:{})", p.regex)
                } else {
                    p.regex.clone()
                };
                let regex = Regex::new(&source)
                    .map_err(|e| format!("recognizer {} pattern {}: {e}", def.id, p.name))?;
                let value_group = regex.capture_names().any(|n| n == Some("v"));
                patterns.push(Pattern {
                    recognizer: index,
                    score: p.score,
                    regex,
                    value_group,
                });
            }
            recognizers.push(Recognizer {
                id: def.id.clone(),
                entity: ty,
                validator,
                context: Context::new(&def.context)?,
                context_boost: def.context_boost,
                min_with_context: def.min_with_context,
                context_before: def.context_before,
                context_after: def.context_after,
                negative: Context::new(&def.negative_context)?,
                negative_penalty: def.negative_penalty,
                trim_end: def.trim_end.chars().collect(),
                not_after: def.not_after.chars().collect(),
                not_followed_by: match &def.not_followed_by {
                    Some(r) => Some(
                        Regex::new(&format!("^(?:{r})"))
                            .map_err(|e| format!("recognizer {}: not_followed_by: {e}", def.id))?,
                    ),
                    None => None,
                },
                promote,
                outputs,
            });
        }
        Ok(Patterns {
            recognizers,
            patterns,
        })
    }

    /// Runs every pattern over `text` and pushes candidates scoring at least `threshold`.
    ///
    /// A pattern that cannot reach the threshold without a context word (a weak base score and
    /// no validator that can prove a value) is skipped when none of its context words occurs in
    /// the text or the structured context, and each of its matches checks context first.
    pub(crate) fn run(
        &self,
        text: &str,
        structured: Option<&str>,
        threshold: f64,
        out: &mut Vec<Candidate>,
    ) {
        // Per recognizer: whether one of its context words occurs anywhere (computed lazily).
        let mut anywhere: Vec<Option<bool>> = vec![None; self.recognizers.len()];
        for pattern in &self.patterns {
            let rec = &self.recognizers[pattern.recognizer];
            let needs_context = pattern.score + 1e-9 < threshold
                && !rec.validator.is_some_and(Validator::can_prove);
            if needs_context {
                let Some(ctx) = &rec.context else { continue };
                let present = *anywhere[pattern.recognizer].get_or_insert_with(|| {
                    ctx.found_in(text) || structured.is_some_and(|s| ctx.found_in(s))
                });
                if !present {
                    continue;
                }
            }
            let spans: Box<dyn Iterator<Item = (usize, usize)>> = if pattern.value_group {
                Box::new(
                    pattern
                        .regex
                        .captures_iter(text)
                        .filter_map(|c| c.name("v"))
                        .map(|m| (m.start(), m.end())),
                )
            } else {
                Box::new(pattern.regex.find_iter(text).map(|m| (m.start(), m.end())))
            };
            for (start, mut end) in spans {
                while end > start {
                    let last = text[..end].chars().next_back().unwrap_or(' ');
                    if rec.trim_end.contains(&last) {
                        end -= last.len_utf8();
                    } else {
                        break;
                    }
                }
                if end == start {
                    continue;
                }
                let near = |ctx: &Option<Context>, start: usize, end: usize, after: usize| {
                    ctx.as_ref().is_some_and(|c| {
                        let before = words_before(text, start, rec.context_before);
                        c.found_in(&text[before..start])
                            || c.found_in(&text[end..after])
                            || structured.is_some_and(|s| c.found_in(s))
                    })
                };
                let mut context_near = None;
                if needs_context {
                    let after = words_after(text, end, rec.context_after);
                    if !near(&rec.context, start, end, after) {
                        continue;
                    }
                    context_near = Some(true);
                }
                let preceding = text[..start].chars().next_back();
                if !bounded(text, start, end)
                    || preceding.is_some_and(|c| rec.not_after.contains(&c))
                    || rec
                        .not_followed_by
                        .as_ref()
                        .is_some_and(|r| r.is_match(&text[end..]))
                {
                    continue;
                }
                let mut score = pattern.score;
                if let Some(v) = rec.validator {
                    match v.check(&text[start..end]) {
                        Verdict::Valid => score = 1.0,
                        Verdict::Unknown => {}
                        Verdict::Invalid => continue,
                        Verdict::ValidPrefix(n) => {
                            end = start + n;
                            score = 1.0;
                        }
                    }
                }
                if score < 1.0
                    && context_near.unwrap_or_else(|| {
                        let after = words_after(text, end, rec.context_after);
                        near(&rec.context, start, end, after)
                    })
                {
                    score = (score + rec.context_boost)
                        .max(rec.min_with_context)
                        .min(1.0);
                }
                if near(&rec.negative, start, end, end) {
                    score -= rec.negative_penalty;
                }
                if score + 1e-9 < threshold {
                    continue;
                }
                let mut entity = rec.entity;
                if let Some((to, ctx, n)) = &rec.promote {
                    let b = words_before(text, start, *n);
                    if ctx.found_in(&text[b..start]) || structured.is_some_and(|s| ctx.found_in(s))
                    {
                        entity = *to;
                    }
                }
                out.push(Candidate {
                    entity,
                    start,
                    end,
                    score: score.min(1.0),
                    parts: Vec::new(),
                });
            }
        }
    }
}

/// A match must not start or end inside a word, nor inside a longer number such as
/// `1.2.3.4.5` or `555-123-4567-89`.
pub(crate) fn bounded(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let first = text[start..end].chars().next();
    let last = text[start..end].chars().next_back();
    let after = text[end..].chars().next();
    let wordy = |c: Option<char>| c.is_some_and(is_word_char);
    if wordy(before) && wordy(first) || wordy(after) && wordy(last) {
        return false;
    }
    let b = text.as_bytes();
    let digit_sep = |c: u8| matches!(c, b'-' | b'.' | b'/' | b':');
    if start >= 2
        && b[start].is_ascii_digit()
        && digit_sep(b[start - 1])
        && b[start - 2].is_ascii_digit()
    {
        return false;
    }
    if end + 1 < b.len()
        && b[end - 1].is_ascii_digit()
        && digit_sep(b[end])
        && b[end + 1].is_ascii_digit()
    {
        return false;
    }
    true
}
