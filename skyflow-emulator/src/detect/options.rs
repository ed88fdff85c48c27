//! The options of a de-identify request, as sent on the wire, checked and compiled into a
//! [`Plan`]: entity types, token types per entity, allow and restrict regexes, date shift.

use std::collections::HashMap;

use rand::Rng;
use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use super::engine::{Engine, EntityType, Support};
use crate::envelope::ApiError;

/// Largest compiled size of one user regex.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Most patterns in one allow or restrict list.
const MAX_PATTERNS: usize = 100;
/// Largest date shift, in days, either way (about 100 years).
const MAX_SHIFT_DAYS: i64 = 36_600;

/// `token_type` as sent.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TokenTypeWire {
    #[serde(default)]
    pub(crate) default: Option<String>,
    #[serde(default)]
    pub(crate) vault_token: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) entity_unq_counter: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) entity_only: Option<Vec<String>>,
}

/// `transformations` as sent.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TransformationsWire {
    #[serde(default)]
    pub(crate) shift_dates: Option<ShiftDatesWire>,
}

/// `transformations.shift_dates` as sent.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ShiftDatesWire {
    #[serde(default)]
    pub(crate) min_days: Option<i64>,
    #[serde(default)]
    pub(crate) max_days: Option<i64>,
    #[serde(default)]
    pub(crate) entity_types: Option<Vec<String>>,
}

/// The de-identify options every de-identify endpoint takes.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeidentifyOptionsWire {
    #[serde(default)]
    pub(crate) entity_types: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) token_type: Option<TokenTypeWire>,
    #[serde(default)]
    pub(crate) allow_regex: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) restrict_regex: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) transformations: Option<TransformationsWire>,
    #[serde(default)]
    pub(crate) configuration_id: Option<String>,
}

/// How an entity is replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// `[SSN_a1B2c3D]`, stored for re-identify.
    VaultToken,
    /// `[SSN_1]`.
    Counter,
    /// `[SSN]`.
    EntityOnly,
}

impl TokenKind {
    fn parse(field: &str, value: &str) -> Result<TokenKind, ApiError> {
        match value {
            "vault_token" => Ok(TokenKind::VaultToken),
            "entity_unq_counter" => Ok(TokenKind::Counter),
            "entity_only" => Ok(TokenKind::EntityOnly),
            other => Err(ApiError::bad_request(format!(
                "Invalid {field}: `{other}` is not a token type; use vault_token, entity_unq_counter or entity_only."
            ))),
        }
    }
}

/// Date shifting: one offset for the whole request.
#[derive(Clone, Debug)]
pub(crate) struct Shift {
    pub(crate) days: i64,
    pub(crate) entities: Vec<EntityType>,
}

/// A checked, compiled de-identify request.
#[derive(Debug)]
pub(crate) struct Plan {
    /// `None`: every supported type.
    pub(crate) entities: Option<Vec<EntityType>>,
    pub(crate) default_token: TokenKind,
    pub(crate) token_by_entity: HashMap<EntityType, TokenKind>,
    pub(crate) allow: Vec<Regex>,
    /// Anchored (`^(?:…)$`): a restrict pattern must match the whole entity.
    pub(crate) restrict: Vec<Regex>,
    pub(crate) shift: Option<Shift>,
}

impl Plan {
    /// Checks and compiles the options; every error is a 400 naming the field.
    pub(crate) fn new(
        wire: &DeidentifyOptionsWire,
        with_transformations: bool,
    ) -> Result<Plan, ApiError> {
        if wire.configuration_id.is_some() {
            return Err(ApiError::bad_request(
                "Invalid configuration_id: stored Detect configurations are not supported by this emulator; send the options in the request.",
            ));
        }
        let entities = match &wire.entity_types {
            None => None,
            Some(list) => {
                let parsed = parse_entities("entity_types", list)?;
                if parsed.contains(&EntityType::All) {
                    None
                } else {
                    check_support(&parsed)?;
                    Some(parsed)
                }
            }
        };
        let mut token_by_entity = HashMap::new();
        let mut default_token = TokenKind::Counter;
        if let Some(tokens) = &wire.token_type {
            if let Some(default) = &tokens.default {
                default_token = TokenKind::parse("token_type.default", default)?;
            }
            for (name, kind, list) in [
                ("vault_token", TokenKind::VaultToken, &tokens.vault_token),
                (
                    "entity_unq_counter",
                    TokenKind::Counter,
                    &tokens.entity_unq_counter,
                ),
                ("entity_only", TokenKind::EntityOnly, &tokens.entity_only),
            ] {
                let field = format!("token_type.{name}");
                for entity in parse_entities(&field, list.as_deref().unwrap_or_default())? {
                    if token_by_entity
                        .insert(entity, kind)
                        .is_some_and(|k| k != kind)
                    {
                        return Err(ApiError::bad_request(format!(
                            "Invalid {field}: `{entity}` is listed under two token types."
                        )));
                    }
                }
            }
        }
        let allow = compile_all("allow_regex", wire.allow_regex.as_deref(), false)?;
        let restrict = compile_all("restrict_regex", wire.restrict_regex.as_deref(), true)?;
        let shift = match wire
            .transformations
            .as_ref()
            .and_then(|t| t.shift_dates.as_ref())
        {
            Some(shift) if with_transformations => Some(parse_shift(shift)?),
            Some(_) => {
                return Err(ApiError::bad_request(
                    "Invalid transformations: this endpoint does not take transformations.",
                ));
            }
            None => None,
        };
        Ok(Plan {
            entities,
            default_token,
            token_by_entity,
            allow,
            restrict,
            shift,
        })
    }

    /// The token kind of `entity`: its own mapping, else its nearest ancestor's, else
    /// `all`'s, else the default.
    pub(crate) fn token_kind(&self, entity: EntityType) -> TokenKind {
        std::iter::once(entity)
            .chain(entity.ancestors())
            .chain(std::iter::once(EntityType::All))
            .find_map(|e| self.token_by_entity.get(&e).copied())
            .unwrap_or(self.default_token)
    }

    /// Whether dates of `entity` are shifted.
    pub(crate) fn shifts(&self, entity: EntityType) -> Option<i64> {
        let shift = self.shift.as_ref()?;
        shift
            .entities
            .iter()
            .any(|&e| entity.is_within(e))
            .then_some(shift.days)
    }
}

/// Maps every entity type of three exclusive lists (`{parent}.{name}`) to its list's
/// value; a type in two lists is a 400 naming the second.
pub(crate) fn assign_lists<K: Copy + PartialEq>(
    parent: &str,
    lists: [(&str, K, &Option<Vec<String>>); 3],
) -> Result<HashMap<EntityType, K>, ApiError> {
    let mut by_entity = HashMap::new();
    for (name, value, list) in lists {
        let field = format!("{parent}.{name}");
        for entity in parse_entities(&field, list.as_deref().unwrap_or_default())? {
            if by_entity.insert(entity, value).is_some_and(|v| v != value) {
                return Err(ApiError::bad_request(format!(
                    "Invalid {field}: `{entity}` is already in another {parent} list."
                )));
            }
        }
    }
    Ok(by_entity)
}

/// Parses a list of entity-type wire values.
pub(crate) fn parse_entities(field: &str, list: &[String]) -> Result<Vec<EntityType>, ApiError> {
    list.iter()
        .enumerate()
        .map(|(i, s)| {
            EntityType::from_wire(s).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Invalid {field}[{i}]: `{}` is not a Detect entity type.",
                    truncate(s)
                ))
            })
        })
        .collect()
}

/// Refuses a request whose entity types the engine can detect none of.
fn check_support(entities: &[EntityType]) -> Result<(), ApiError> {
    let engine = Engine::shared();
    let mut reasons = Vec::new();
    for &entity in entities {
        match engine.support(entity) {
            Support::Supported => return Ok(()),
            Support::Unsupported { reason } => reasons.push(format!("`{entity}`: {reason}")),
        }
    }
    if reasons.is_empty() {
        return Err(ApiError::bad_request(
            "Invalid entity_types: the list is empty; omit it to detect every entity type.",
        ));
    }
    Err(ApiError::bad_request(format!(
        "Invalid entity_types: this emulator cannot detect any of the requested types ({}).",
        reasons.join("; ")
    )))
}

fn compile_all(
    field: &str,
    patterns: Option<&[String]>,
    anchored: bool,
) -> Result<Vec<Regex>, ApiError> {
    let patterns = patterns.unwrap_or_default();
    if patterns.len() > MAX_PATTERNS {
        return Err(ApiError::bad_request(format!(
            "Invalid {field}: at most {MAX_PATTERNS} patterns are allowed."
        )));
    }
    patterns
        .iter()
        .enumerate()
        .map(|(i, pattern)| {
            let source = if anchored {
                format!("^(?:{pattern})$")
            } else {
                pattern.clone()
            };
            RegexBuilder::new(&source)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|_| {
                    ApiError::bad_request(format!(
                        "Invalid {field}[{i}]: the pattern is not a valid regular expression (look-around and backreferences are not supported)."
                    ))
                })
        })
        .collect()
}

fn parse_shift(shift: &ShiftDatesWire) -> Result<Shift, ApiError> {
    let min = shift.min_days.unwrap_or(0);
    let max = shift.max_days.unwrap_or(min);
    for (name, value) in [("min_days", min), ("max_days", max)] {
        if value.abs() > MAX_SHIFT_DAYS {
            return Err(ApiError::bad_request(format!(
                "Invalid transformations.shift_dates.{name}: must be between -{MAX_SHIFT_DAYS} and {MAX_SHIFT_DAYS}."
            )));
        }
    }
    if min > max {
        return Err(ApiError::bad_request(
            "Invalid transformations.shift_dates: min_days must not be greater than max_days.",
        ));
    }
    let field = "transformations.shift_dates.entity_types";
    let entities = match &shift.entity_types {
        Some(list) => parse_entities(field, list)?,
        None => vec![EntityType::Date],
    };
    if entities.is_empty() {
        return Err(ApiError::bad_request(format!(
            "Invalid {field}: name at least one of date, date_interval, dob."
        )));
    }
    if let Some((i, e)) = entities.iter().enumerate().find(|(_, e)| {
        !matches!(
            e,
            EntityType::Date | EntityType::DateInterval | EntityType::Dob
        )
    }) {
        return Err(ApiError::bad_request(format!(
            "Invalid {field}[{i}]: `{e}` cannot be shifted; only date, date_interval and dob can."
        )));
    }
    let days = rand::thread_rng().gen_range(min..=max);
    Ok(Shift { days, entities })
}

/// At most 40 characters of a user string, for error messages.
pub(crate) fn truncate(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}
