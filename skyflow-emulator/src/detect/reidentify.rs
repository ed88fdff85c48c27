//! Re-identify: every bracketed vault token this vault issued is replaced by its value,
//! plain, masked or redacted per entity type; anything else (counter and entity-only
//! tokens, unknown brackets) is left as it is.
//!
//! Renderings: redacted is `*REDACTED*` (as the vault's redaction); masked keeps the last
//! four letters or digits of most types (`XXX-XX-6789`), the first character and the
//! domain of an email address (`jXXX@example.com`), and the first letter of each word of
//! a name (`JXXX DXX`).

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;

use super::engine::EntityType;
use super::options::assign_lists;
use super::tokens::VaultTokens;
use crate::engine::EngineResult;
use crate::envelope::ApiError;

/// `format` as sent.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct FormatWire {
    #[serde(default)]
    pub(crate) redacted: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) masked: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) plaintext: Option<Vec<String>>,
}

/// How a restored value is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shown {
    Plain,
    Masked,
    Redacted,
}

/// The checked `format`.
#[derive(Debug, Default)]
pub(crate) struct Format {
    by_entity: HashMap<EntityType, Shown>,
    /// Callers whose roles cap redaction get masked values instead of plain ones.
    plain_allowed: bool,
}

impl Format {
    pub(crate) fn new(wire: Option<&FormatWire>, plain_allowed: bool) -> Result<Format, ApiError> {
        let by_entity = match wire {
            Some(wire) => assign_lists(
                "format",
                [
                    ("redacted", Shown::Redacted, &wire.redacted),
                    ("masked", Shown::Masked, &wire.masked),
                    ("plaintext", Shown::Plain, &wire.plaintext),
                ],
            )?,
            None => HashMap::new(),
        };
        Ok(Format {
            by_entity,
            plain_allowed,
        })
    }

    fn shown(&self, entity: Option<EntityType>) -> Shown {
        let shown = entity
            .into_iter()
            .flat_map(|e| std::iter::once(e).chain(e.ancestors()))
            .chain(std::iter::once(EntityType::All))
            .find_map(|e| self.by_entity.get(&e).copied())
            .unwrap_or(Shown::Plain);
        if shown == Shown::Plain && !self.plain_allowed {
            Shown::Masked
        } else {
            shown
        }
    }
}

fn bracketed() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\[([A-Za-z0-9_]{1,128})\]").expect("static regex"))
}

/// Restores the vault tokens of `text`.
pub(crate) fn reidentify(
    text: &str,
    tokens: &VaultTokens<'_>,
    format: &Format,
) -> EngineResult<String> {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for caps in bracketed().captures_iter(text) {
        let whole = caps.get(0).expect("group 0");
        let Some(stored) = tokens.resolve(&caps[1])? else {
            continue;
        };
        out.push_str(&text[at..whole.start()]);
        let entity = EntityType::from_wire(&stored.entity.to_ascii_lowercase());
        match format.shown(entity) {
            Shown::Plain => out.push_str(&stored.value),
            Shown::Redacted => out.push_str("*REDACTED*"),
            Shown::Masked => out.push_str(&mask(entity, &stored.value)),
        }
        at = whole.end();
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// The masked form of a value of `entity`.
pub(crate) fn mask(entity: Option<EntityType>, value: &str) -> String {
    match entity {
        Some(EntityType::EmailAddress) => match value.split_once('@') {
            Some((local, domain)) => {
                let mut chars = local.chars();
                let first: String = chars.next().into_iter().collect();
                format!("{first}{}@{domain}", "X".repeat(chars.count()))
            }
            None => keep_last(value, 4),
        },
        Some(e) if e.is_within(EntityType::Name) => value
            .split(' ')
            .map(|word| {
                let mut chars = word.chars();
                let first: String = chars.next().into_iter().collect();
                format!("{first}{}", "X".repeat(chars.count()))
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => keep_last(value, 4),
    }
}

/// Letters and digits become `X`, except the last `keep` of them; separators stay.
fn keep_last(value: &str, keep: usize) -> String {
    let total = value.chars().filter(|c| c.is_alphanumeric()).count();
    let hide = total
        .saturating_sub(keep)
        .max(usize::from(total <= keep) * total);
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                seen += 1;
                if seen <= hide { 'X' } else { c }
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask(Some(EntityType::Ssn), "123-45-6789"), "XXX-XX-6789");
        assert_eq!(
            mask(Some(EntityType::EmailAddress), "jane@example.com"),
            "jXXX@example.com"
        );
        assert_eq!(mask(Some(EntityType::NameGiven), "Jane Doe"), "JXXX DXX");
        assert_eq!(mask(None, "1234"), "XXXX");
    }
}
