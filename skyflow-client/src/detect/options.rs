//! Options shared by the de-identify calls: token formats and date-shift transformations.

use serde_json::{Value, json};

use super::EntityType;
use crate::{Error, Result};

/// How a detected entity is replaced in the processed text.
///
/// ```
/// use skyflow_client::detect::TokenType;
/// assert_eq!(TokenType::EntityUniqueCounter.as_str(), "entity_unq_counter");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TokenType {
    /// A vault token such as `[SSN_VqLazzA]`, stored in the vault so that
    /// re-identify restores the original value (`vault_token`).
    VaultToken,
    /// The entity type and a counter, such as `[SSN_1]`; a value repeated in one request
    /// keeps its number (`entity_unq_counter`). Not reversible. The default.
    #[default]
    EntityUniqueCounter,
    /// The entity type only, such as `[SSN]` (`entity_only`). Not reversible.
    EntityOnly,
}

impl TokenType {
    /// The wire value: `vault_token`, `entity_unq_counter` or `entity_only`.
    ///
    /// ```
    /// assert_eq!(skyflow_client::detect::TokenType::VaultToken.as_str(), "vault_token");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            TokenType::VaultToken => "vault_token",
            TokenType::EntityUniqueCounter => "entity_unq_counter",
            TokenType::EntityOnly => "entity_only",
        }
    }
}

/// The token type of every entity: a default, and per-type lists that override it.
///
/// ```
/// use skyflow_client::detect::{EntityType, TokenFormat, TokenType};
///
/// let format = TokenFormat::new(TokenType::EntityOnly)
///     .vault_token([EntityType::Ssn, EntityType::CreditCard])
///     .entity_unique_counter([EntityType::Name]);
/// assert!(format.validate("token_format").is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TokenFormat {
    default: TokenType,
    vault_token: Option<Vec<EntityType>>,
    entity_unique_counter: Option<Vec<EntityType>>,
    entity_only: Option<Vec<EntityType>>,
}

impl TokenFormat {
    /// Every entity gets `default` unless a per-type list says otherwise.
    ///
    /// ```
    /// use skyflow_client::detect::{TokenFormat, TokenType};
    /// let format = TokenFormat::new(TokenType::VaultToken);
    /// assert_eq!(format.default_type(), TokenType::VaultToken);
    /// ```
    pub fn new(default: TokenType) -> Self {
        TokenFormat {
            default,
            ..TokenFormat::default()
        }
    }

    /// The token type of entities no list names.
    ///
    /// ```
    /// use skyflow_client::detect::{TokenFormat, TokenType};
    /// assert_eq!(TokenFormat::default().default_type(), TokenType::EntityUniqueCounter);
    /// ```
    pub fn default_type(&self) -> TokenType {
        self.default
    }

    /// These entity types get vault tokens.
    ///
    /// ```
    /// use skyflow_client::detect::{EntityType, TokenFormat};
    /// let format = TokenFormat::default().vault_token([EntityType::Ssn]);
    /// # let _ = format;
    /// ```
    #[must_use]
    pub fn vault_token(mut self, entities: impl IntoIterator<Item = EntityType>) -> Self {
        self.vault_token = Some(entities.into_iter().collect());
        self
    }

    /// These entity types get counter tokens (`[NAME_1]`).
    ///
    /// ```
    /// use skyflow_client::detect::{EntityType, TokenFormat};
    /// let format = TokenFormat::default().entity_unique_counter([EntityType::Name]);
    /// # let _ = format;
    /// ```
    #[must_use]
    pub fn entity_unique_counter(mut self, entities: impl IntoIterator<Item = EntityType>) -> Self {
        self.entity_unique_counter = Some(entities.into_iter().collect());
        self
    }

    /// These entity types get their type only (`[DOB]`).
    ///
    /// ```
    /// use skyflow_client::detect::{EntityType, TokenFormat};
    /// let format = TokenFormat::default().entity_only([EntityType::Dob]);
    /// # let _ = format;
    /// ```
    #[must_use]
    pub fn entity_only(mut self, entities: impl IntoIterator<Item = EntityType>) -> Self {
        self.entity_only = Some(entities.into_iter().collect());
        self
    }

    fn lists(&self) -> [(&'static str, Option<&[EntityType]>); 3] {
        [
            ("vault_token", self.vault_token.as_deref()),
            ("entity_unq_counter", self.entity_unique_counter.as_deref()),
            ("entity_only", self.entity_only.as_deref()),
        ]
    }

    /// Checks that no entity type is in two lists; `field` prefixes the field named in
    /// the error.
    ///
    /// ```
    /// use skyflow_client::detect::{EntityType, TokenFormat};
    /// let err = TokenFormat::default()
    ///     .vault_token([EntityType::Ssn])
    ///     .entity_only([EntityType::Ssn])
    ///     .validate("token_format")
    ///     .unwrap_err();
    /// assert_eq!(err.field(), Some("token_format.entity_only"));
    /// ```
    pub fn validate(&self, field: &str) -> Result<()> {
        let lists = self
            .lists()
            .map(|(name, list)| (format!("{field}.{name}"), list));
        check_disjoint("TokenFormat", &lists)
    }

    pub(crate) fn to_json(&self) -> Value {
        let list = |l: Option<&[EntityType]>| l.map(entity_list);
        let [(_, vault), (_, counter), (_, only)] = self.lists();
        json!({
            "default": self.default.as_str(),
            "vault_token": list(vault),
            "entity_unq_counter": list(counter),
            "entity_only": list(only),
        })
    }
}

/// Shifts detected dates by a number of days in `[min_days, max_days]`; every date of
/// one request moves by the same number of days, so intervals are kept. The shifted
/// date keeps its format.
///
/// ```
/// use skyflow_client::detect::{DateShift, EntityType};
/// let shift = DateShift::new(10, 30).entities([EntityType::Dob, EntityType::Date]);
/// assert!(shift.validate("transformations.shift_dates").is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateShift {
    min_days: i32,
    max_days: i32,
    entities: Vec<EntityType>,
}

impl DateShift {
    /// A shift of `min_days..=max_days` days (negative moves dates back), applied to
    /// `date` entities unless [`entities`](Self::entities) says otherwise.
    ///
    /// ```
    /// let shift = skyflow_client::detect::DateShift::new(-5, 5);
    /// assert_eq!(shift.min_days(), -5);
    /// ```
    pub fn new(min_days: i32, max_days: i32) -> Self {
        DateShift {
            min_days,
            max_days,
            entities: vec![EntityType::Date],
        }
    }

    /// The entity types whose dates are shifted: `date`, `date_interval` and `dob` only.
    ///
    /// ```
    /// use skyflow_client::detect::{DateShift, EntityType};
    /// let shift = DateShift::new(1, 3).entities([EntityType::Dob]);
    /// assert_eq!(shift.entity_types(), &[EntityType::Dob]);
    /// ```
    #[must_use]
    pub fn entities(mut self, entities: impl IntoIterator<Item = EntityType>) -> Self {
        self.entities = entities.into_iter().collect();
        self
    }

    /// The smallest shift, in days.
    pub fn min_days(&self) -> i32 {
        self.min_days
    }

    /// The largest shift, in days.
    pub fn max_days(&self) -> i32 {
        self.max_days
    }

    /// The entity types shifted.
    pub fn entity_types(&self) -> &[EntityType] {
        &self.entities
    }

    /// Checks the range (`min_days <= max_days`) and the entity types (non-empty, dates
    /// only); `field` prefixes the field named in the error.
    ///
    /// ```
    /// use skyflow_client::detect::{DateShift, EntityType};
    /// let err = DateShift::new(1, 3).entities([EntityType::Ssn]).validate("shift").unwrap_err();
    /// assert_eq!(err.field(), Some("shift.entity_types[0]"));
    /// ```
    pub fn validate(&self, field: &str) -> Result<()> {
        const OP: &str = "DateShift";
        if self.min_days > self.max_days {
            return Err(Error::validation(
                OP,
                format!("{field}.min_days"),
                format!(
                    "must not be greater than max_days ({} > {})",
                    self.min_days, self.max_days
                ),
            ));
        }
        if self.entities.is_empty() {
            return Err(Error::validation(
                OP,
                format!("{field}.entity_types"),
                "must name at least one of date, date_interval, dob",
            ));
        }
        if let Some(i) = self.entities.iter().position(|e| !e.is_date()) {
            return Err(Error::validation(
                OP,
                format!("{field}.entity_types[{i}]"),
                format!(
                    "`{}` cannot be shifted; only date, date_interval and dob can",
                    self.entities[i]
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn to_json(&self) -> Value {
        json!({
            "max_days": self.max_days,
            "min_days": self.min_days,
            "entity_types": entity_list(&self.entities),
        })
    }
}

/// Transformations applied to detected entities instead of tokens; today, date shifting.
///
/// ```
/// use skyflow_client::detect::{DateShift, Transformations};
/// let transformations = Transformations::new().shift_dates(DateShift::new(10, 30));
/// assert!(transformations.date_shift().is_some());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Transformations {
    shift_dates: Option<DateShift>,
}

impl Transformations {
    /// No transformation.
    ///
    /// ```
    /// assert!(skyflow_client::detect::Transformations::new().date_shift().is_none());
    /// ```
    pub fn new() -> Self {
        Transformations::default()
    }

    /// Shifts dates.
    ///
    /// ```
    /// use skyflow_client::detect::{DateShift, Transformations};
    /// let t = Transformations::new().shift_dates(DateShift::new(0, 7));
    /// # let _ = t;
    /// ```
    #[must_use]
    pub fn shift_dates(mut self, shift: DateShift) -> Self {
        self.shift_dates = Some(shift);
        self
    }

    /// The date shift, if any.
    pub fn date_shift(&self) -> Option<&DateShift> {
        self.shift_dates.as_ref()
    }

    pub(crate) fn validate(&self, field: &str) -> Result<()> {
        match &self.shift_dates {
            Some(shift) => shift.validate(&format!("{field}.shift_dates")),
            None => Ok(()),
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        match &self.shift_dates {
            Some(shift) => json!({ "shift_dates": shift.to_json() }),
            None => Value::Null,
        }
    }
}

/// Checks that no entity type is in two of `lists` (field name, entities); the error
/// names the second list and the first.
pub(crate) fn check_disjoint(
    op: &'static str,
    lists: &[(String, Option<&[EntityType]>)],
) -> Result<()> {
    let mut seen: Vec<(EntityType, &str)> = Vec::new();
    for (name, list) in lists {
        for entity in list.unwrap_or_default() {
            if let Some((_, first)) = seen.iter().find(|(e, _)| e == entity) {
                return Err(Error::validation(
                    op,
                    name.clone(),
                    format!("`{entity}` is already listed in {first}"),
                ));
            }
            seen.push((*entity, name));
        }
    }
    Ok(())
}

/// Entity types as a JSON array of wire values.
pub(crate) fn entity_list(entities: &[EntityType]) -> Value {
    Value::Array(
        entities
            .iter()
            .map(|e| Value::String(e.as_str().to_owned()))
            .collect(),
    )
}

/// The options every de-identify call (text or file) takes: entity types, allow and
/// restrict regex lists, token format and transformations.
#[derive(Clone, Debug, Default)]
pub(crate) struct DeidentifyOptions {
    pub(crate) entities: Option<Vec<EntityType>>,
    pub(crate) allow_regex: Option<Vec<String>>,
    pub(crate) restrict_regex: Option<Vec<String>>,
    pub(crate) token_format: Option<TokenFormat>,
    pub(crate) transformations: Option<Transformations>,
}

impl DeidentifyOptions {
    pub(crate) fn validate(&self, op: &'static str) -> Result<()> {
        for (field, list) in [
            ("allow_regex", &self.allow_regex),
            ("restrict_regex", &self.restrict_regex),
        ] {
            if let Some(i) = list
                .as_deref()
                .unwrap_or_default()
                .iter()
                .position(|p| p.is_empty())
            {
                return Err(Error::validation(
                    op,
                    format!("{field}[{i}]"),
                    "must not be an empty pattern",
                ));
            }
        }
        if let Some(format) = &self.token_format {
            format
                .validate("token_format")
                .map_err(|e| e.with_operation(op))?;
        }
        if let Some(transformations) = &self.transformations {
            transformations
                .validate("transformations")
                .map_err(|e| e.with_operation(op))?;
        }
        Ok(())
    }

    /// Adds `entity_types`, `token_type`, `allow_regex`, `restrict_regex` (always, `null`
    /// when unset) and, when `with_transformations`, `transformations`.
    pub(crate) fn write(
        &self,
        body: &mut serde_json::Map<String, Value>,
        with_transformations: bool,
    ) {
        let strings = |l: &Option<Vec<String>>| {
            l.as_ref().map_or(Value::Null, |l| {
                Value::Array(l.iter().cloned().map(Value::String).collect())
            })
        };
        body.insert(
            "entity_types".into(),
            self.entities.as_deref().map_or(Value::Null, entity_list),
        );
        body.insert(
            "token_type".into(),
            self.token_format
                .as_ref()
                .map_or(Value::Null, TokenFormat::to_json),
        );
        body.insert("allow_regex".into(), strings(&self.allow_regex));
        body.insert("restrict_regex".into(), strings(&self.restrict_regex));
        if with_transformations {
            body.insert(
                "transformations".into(),
                self.transformations
                    .as_ref()
                    .map_or(Value::Null, Transformations::to_json),
            );
        }
    }
}
