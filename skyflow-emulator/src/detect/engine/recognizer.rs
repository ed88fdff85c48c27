//! Pattern recognizers as data: `data/recognizers.toml` lists, per recognizer, its entity type,
//! regex patterns with base scores, an optional validator, context words that raise the score,
//! negative context words that lower it, and an optional promotion to a more specific type when
//! other context words are near (a date near "born" is a date of birth).
//!
//! Most patterns can only start with a digit, an upper-case letter or a punctuation mark such as
//! `+` or `(`, and a match that starts inside a word is always rejected ([`bounded`]). Those
//! patterns are not searched one by one: one anchored DFA over all of them is run once at each
//! word start (and each such punctuation mark) and says which of them match there; the pattern's
//! own anchored leftmost-first DFA then gives the exact end its regex would give. The other
//! patterns (those that may start with a lower-case letter or anywhere) run their own [`Regex`].
//! (A `RegexSet` prefilter over all patterns, used before, cost far more than it saved: its lazy
//! DFA for the union of ~45 Unicode patterns thrashed and fell back to the PikeVM.)

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::Regex;
use regex_automata::dfa::{Automaton, OverlappingState, StartKind, dense};
use regex_automata::{Anchored, Input, MatchKind as DfaMatchKind};
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
    starts: Starts,
    /// Patterns not in `starts`, searched with their own regex.
    others: Vec<usize>,
    /// The context words of every recognizer with a pattern that needs one at the engine's
    /// threshold, in one automaton (pattern id → recognizer), to learn in one pass which of them
    /// have a context word anywhere in a text.
    gate: AhoCorasick,
    gate_owner: Vec<usize>,
    /// Recognizers whose words are in `gate`.
    gated: Vec<bool>,
}

/// Bytes a pattern run from word starts may begin with: digits, upper-case ASCII letters and
/// ASCII punctuation (never a lower-case letter, which would make every word a start).
fn start_byte_allowed(b: u8) -> bool {
    b.is_ascii_digit() || b.is_ascii_uppercase() || b.is_ascii_punctuation()
}

/// Patterns run from word starts: one DFA says which match at a position, each pattern's own
/// DFA gives the end.
struct Starts {
    /// Pattern index (into [`Patterns::patterns`]) by pattern id of `any`.
    members: Vec<usize>,
    /// All members, anchored, every match reported.
    any: dense::DFA<Vec<u32>>,
    /// Per member, its own anchored leftmost-first DFA (the regex crate's semantics).
    each: Vec<dense::DFA<Vec<u32>>>,
    /// Bytes some member can start with.
    first: [bool; 256],
}

/// An anchored dense DFA of `sources` reporting matches as `kind` says.
fn anchored_dfa(sources: &[&str], kind: DfaMatchKind) -> Result<dense::DFA<Vec<u32>>, String> {
    dense::Builder::new()
        .configure(
            dense::Config::new()
                .match_kind(kind)
                .start_kind(StartKind::Anchored)
                .dfa_size_limit(Some(8 << 20))
                .determinize_size_limit(Some(8 << 20)),
        )
        .build_many(sources)
        .map_err(|e| e.to_string())
}

/// The bytes an anchored DFA can leave its start state with.
fn first_bytes(dfa: &dense::DFA<Vec<u32>>) -> Result<[bool; 256], String> {
    let start = dfa
        .start_state_forward(&Input::new("").anchored(Anchored::Yes))
        .map_err(|e| e.to_string())?;
    let mut first = [false; 256];
    for (b, f) in (0..=255u8).zip(first.iter_mut()) {
        *f = !dfa.is_dead_state(dfa.next_state(start, b));
    }
    Ok(first)
}

impl Starts {
    /// Splits `sources` into members (returned `Starts`) and the indexes of the others.
    fn build(sources: &[(String, bool)]) -> Result<(Starts, Vec<usize>), String> {
        let (mut members, mut each, mut others) = (Vec::new(), Vec::new(), Vec::new());
        let mut first = [false; 256];
        for (index, (source, value_group)) in sources.iter().enumerate() {
            // Value-group patterns need captures; members are limited to 64 (a u64 mask).
            let own = (!value_group && members.len() < 64)
                .then(|| anchored_dfa(&[source.as_str()], DfaMatchKind::LeftmostFirst).ok())
                .flatten();
            let Some(own) = own else {
                others.push(index);
                continue;
            };
            let own_first = first_bytes(&own)?;
            if (0..=255u8).any(|b| own_first[usize::from(b)] && !start_byte_allowed(b)) {
                others.push(index);
                continue;
            }
            for (f, o) in first.iter_mut().zip(own_first) {
                *f |= o;
            }
            members.push(index);
            each.push(own);
        }
        let member_sources: Vec<&str> = members.iter().map(|&i| sources[i].0.as_str()).collect();
        let any = anchored_dfa(&member_sources, DfaMatchKind::All)?;
        Ok((
            Starts {
                members,
                any,
                each,
                first,
            },
            others,
        ))
    }

    /// Calls `found(pattern index, start, end)` for every member match that starts at a word
    /// start (or at punctuation), with the end the pattern's regex would report there.
    fn scan(&self, text: &str, mut found: impl FnMut(usize, usize, usize)) {
        let bytes = text.as_bytes();
        for (p, &b) in bytes.iter().enumerate() {
            if !self.first[usize::from(b)] {
                continue;
            }
            // A match starting with a word character must start a word.
            if b.is_ascii_alphanumeric() && p > 0 {
                let prev = bytes[p - 1];
                let inside = if prev.is_ascii() {
                    prev.is_ascii_alphanumeric() || prev == b'_'
                } else {
                    text[..p].chars().next_back().is_some_and(is_word_char)
                };
                if inside {
                    continue;
                }
            }
            let input = Input::new(text).span(p..text.len()).anchored(Anchored::Yes);
            let mut state = OverlappingState::start();
            let mut matched = 0u64;
            while let Ok(()) = self.any.try_search_overlapping_fwd(&input, &mut state) {
                match state.get_match() {
                    Some(m) => matched |= 1 << m.pattern().as_usize(),
                    None => break,
                }
            }
            while matched != 0 {
                let id = matched.trailing_zeros() as usize;
                matched &= matched - 1;
                if let Ok(Some(end)) = self.each[id].try_search_fwd(&input) {
                    found(self.members[id], p, end.offset());
                }
            }
        }
    }
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
        let mut sources = Vec::new();
        let defs = file.recognizer;
        for def in &defs {
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
                sources.push((source, value_group));
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
        let (starts, others) = Starts::build(&sources)?;
        let (mut words, mut gate_owner) = (Vec::new(), Vec::new());
        let mut gated = vec![false; recognizers.len()];
        for pattern in &patterns {
            let rec = &recognizers[pattern.recognizer];
            if needs_context(rec, pattern, super::THRESHOLD) && !gated[pattern.recognizer] {
                gated[pattern.recognizer] = true;
                for w in &defs[pattern.recognizer].context {
                    words.push(w.to_ascii_lowercase());
                    gate_owner.push(pattern.recognizer);
                }
            }
        }
        let gate = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&words)
            .map_err(|e| e.to_string())?;
        Ok(Patterns {
            recognizers,
            patterns,
            starts,
            others,
            gate,
            gate_owner,
            gated,
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
        // Per recognizer: whether one of its context words starts a word anywhere (one pass).
        let mut anywhere = vec![false; self.recognizers.len()];
        if self
            .patterns
            .iter()
            .any(|p| self.needs_context(p, threshold))
        {
            for hay in std::iter::once(text).chain(structured) {
                let bytes = hay.as_bytes();
                for m in self.gate.find_overlapping_iter(hay) {
                    let s = m.start();
                    if s == 0 || !bytes[s - 1].is_ascii_alphanumeric() {
                        anywhere[self.gate_owner[m.pattern().as_usize()]] = true;
                    }
                }
            }
        }
        let active: Vec<bool> = self
            .patterns
            .iter()
            .map(|p| {
                !self.needs_context(p, threshold)
                    || !self.gated[p.recognizer]
                    || anywhere[p.recognizer]
            })
            .collect();
        let consider = |index: usize, start: usize, end: usize, out: &mut Vec<Candidate>| {
            if active[index] {
                self.consider(
                    &self.patterns[index],
                    text,
                    start,
                    end,
                    structured,
                    threshold,
                    out,
                );
            }
        };
        self.starts
            .scan(text, |index, start, end| consider(index, start, end, out));
        for &index in &self.others {
            if !active[index] {
                continue;
            }
            let pattern = &self.patterns[index];
            if pattern.value_group {
                for c in pattern.regex.captures_iter(text) {
                    if let Some(m) = c.name("v") {
                        consider(index, m.start(), m.end(), out);
                    }
                }
            } else {
                for m in pattern.regex.find_iter(text) {
                    consider(index, m.start(), m.end(), out);
                }
            }
        }
    }

    /// Whether `pattern` can reach `threshold` only with a context word.
    fn needs_context(&self, pattern: &Pattern, threshold: f64) -> bool {
        needs_context(&self.recognizers[pattern.recognizer], pattern, threshold)
    }

    /// Scores one match of `pattern` and pushes it when it reaches `threshold`.
    #[allow(clippy::too_many_arguments)]
    fn consider(
        &self,
        pattern: &Pattern,
        text: &str,
        start: usize,
        mut end: usize,
        structured: Option<&str>,
        threshold: f64,
        out: &mut Vec<Candidate>,
    ) {
        let rec = &self.recognizers[pattern.recognizer];
        while end > start {
            let last = text[..end].chars().next_back().unwrap_or(' ');
            if rec.trim_end.contains(&last) {
                end -= last.len_utf8();
            } else {
                break;
            }
        }
        if end == start {
            return;
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
        if self.needs_context(pattern, threshold) {
            let after = words_after(text, end, rec.context_after);
            if !near(&rec.context, start, end, after) {
                return;
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
            return;
        }
        let mut score = pattern.score;
        if let Some(v) = rec.validator {
            match v.check(&text[start..end]) {
                Verdict::Valid => score = 1.0,
                Verdict::Unknown => {}
                Verdict::Invalid => return,
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
            return;
        }
        let mut entity = rec.entity;
        if let Some((to, ctx, n)) = &rec.promote {
            let b = words_before(text, start, *n);
            if ctx.found_in(&text[b..start]) || structured.is_some_and(|s| ctx.found_in(s)) {
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

/// Whether `pattern` of `rec` can reach `threshold` only with a context word: a weak base score
/// and no validator that can prove a value.
fn needs_context(rec: &Recognizer, pattern: &Pattern, threshold: f64) -> bool {
    pattern.score + 1e-9 < threshold && !rec.validator.is_some_and(Validator::can_prove)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-start scan finds, for every member pattern, exactly what the pattern's own regex
    /// finds when anchored at each word start (or punctuation mark).
    #[test]
    fn start_scan_agrees_with_each_regex_anchored_at_word_starts() {
        let patterns = Patterns::compile(SHIPPED).expect("shipped recognizers compile");
        assert!(
            patterns.starts.members.len() >= 25,
            "most patterns run from word starts ({} do)",
            patterns.starts.members.len()
        );
        let text = "SSN 123-45-6789, card 4111 1111 1111 1111 exp 11/2027 cvv 123; call \
            (415) 555-0132 or +44 20 7946 0958, 415.555.0133; IP 10.0.0.12/24 and 2001:db8::1; \
            born 04/12/1988 at 10:30 pm, seen 2024-02-29 (12-Mar-2023); IBAN GB82 WEST 1234 \
            5698 7654 32, routing 011000015, acct 000123456789, MBI 1EG4-TE5-MK73, NPI \
            1245319599, DL D1234567 passport X12345678, ZIP 02139-4307, EIN 12-3456789. \
            x12345 4111-1111-1111-1111 ab123-45-6789 Ünits 42 Å9 _77 ÿ123456789 (0)20 7946";
        let mut scanned = Vec::new();
        patterns
            .starts
            .scan(text, |index, start, end| scanned.push((index, start, end)));
        let mut expected = Vec::new();
        for &index in &patterns.starts.members {
            let anchored =
                Regex::new(&format!("^(?:{})", patterns.patterns[index].regex.as_str())).unwrap();
            for (p, c) in text.char_indices() {
                let word_start =
                    !is_word_char(c) || !text[..p].chars().next_back().is_some_and(is_word_char);
                if word_start && let Some(m) = anchored.find(&text[p..]) {
                    expected.push((index, p, p + m.end()));
                }
            }
        }
        scanned.sort_unstable();
        expected.sort_unstable();
        assert!(expected.len() > 40, "the sample exercises the patterns");
        assert_eq!(scanned, expected);
    }
}
