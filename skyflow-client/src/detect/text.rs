//! De-identify text (`POST /v1/detect/deidentify/string`) and re-identify text
//! (`POST /v1/detect/reidentify/string`).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::options::{DeidentifyOptions, check_disjoint, entity_list};
use super::{EntityType, TextIndex};
use crate::Result;
use crate::http::{Body, HttpRequest, HttpResponse, Method, json_body};
use crate::vault::common::check_not_blank;

const DEIDENTIFY: &str = "DeidentifyTextRequest";
const REIDENTIFY: &str = "ReidentifyTextRequest";

/// The builder methods of the options every de-identify request takes.
macro_rules! deidentify_options {
    ($request:ident, $example:expr) => {
        impl $request {
            /// Looks for these entity types only (the default: every type).
            ///
            /// ```
            /// use skyflow_client::detect::EntityType;
            #[doc = concat!("let request = ", $example)]
            ///     .entities([EntityType::Ssn, EntityType::EmailAddress]);
            /// # let _ = request;
            /// ```
            #[must_use]
            pub fn entities(
                mut self,
                entities: impl IntoIterator<Item = $crate::detect::EntityType>,
            ) -> Self {
                self.options.entities = Some(entities.into_iter().collect());
                self
            }

            /// Regular expressions whose matches stay plain text: a detected entity is
            /// left as it is when any of them matches the entity or a part of it.
            ///
            /// ```
            #[doc = concat!("let request = ", $example)]
            ///     .allow_regex(["@example\\.com$"]);
            /// # let _ = request;
            /// ```
            #[must_use]
            pub fn allow_regex<I, S>(mut self, patterns: I) -> Self
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                self.options.allow_regex = Some(patterns.into_iter().map(Into::into).collect());
                self
            }

            /// Regular expressions that restrict: a detected entity that one of them
            /// matches as a whole becomes `[RESTRICTED]`. Allow wins over restrict.
            ///
            /// ```
            #[doc = concat!("let request = ", $example)]
            ///     .restrict_regex(["^\\d{3}-\\d{2}-\\d{4}$"]);
            /// # let _ = request;
            /// ```
            #[must_use]
            pub fn restrict_regex<I, S>(mut self, patterns: I) -> Self
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                self.options.restrict_regex = Some(patterns.into_iter().map(Into::into).collect());
                self
            }

            /// How entities are replaced (the default: counter tokens, `[SSN_1]`).
            ///
            /// ```
            /// use skyflow_client::detect::{TokenFormat, TokenType};
            #[doc = concat!("let request = ", $example)]
            ///     .token_format(TokenFormat::new(TokenType::VaultToken));
            /// # let _ = request;
            /// ```
            #[must_use]
            pub fn token_format(mut self, format: $crate::detect::TokenFormat) -> Self {
                self.options.token_format = Some(format);
                self
            }

            /// Transformations instead of tokens, such as date shifting.
            ///
            /// ```
            /// use skyflow_client::detect::{DateShift, Transformations};
            #[doc = concat!("let request = ", $example)]
            ///     .transformations(Transformations::new().shift_dates(DateShift::new(10, 30)));
            /// # let _ = request;
            /// ```
            #[must_use]
            pub fn transformations(
                mut self,
                transformations: $crate::detect::Transformations,
            ) -> Self {
                self.options.transformations = Some(transformations);
                self
            }
        }
    };
}
pub(crate) use deidentify_options;

/// De-identifies text: finds sensitive entities and replaces each with a token.
///
/// ```
/// use skyflow_client::detect::{DeidentifyTextRequest, EntityType, TokenFormat, TokenType};
///
/// let request = DeidentifyTextRequest::new("My SSN is 123-45-6789.")
///     .entities([EntityType::Ssn])
///     .token_format(TokenFormat::new(TokenType::VaultToken));
/// assert!(request.validate().is_ok());
/// assert!(DeidentifyTextRequest::new("  ").validate().is_err());
/// ```
#[derive(Clone)]
pub struct DeidentifyTextRequest {
    text: String,
    options: DeidentifyOptions,
}

deidentify_options!(
    DeidentifyTextRequest,
    "skyflow_client::detect::DeidentifyTextRequest::new(\"Jane Doe, jane@example.com\")"
);

impl DeidentifyTextRequest {
    /// A request to de-identify `text` (which must not be blank) with the default
    /// options: every entity type, counter tokens.
    ///
    /// ```
    /// let request = skyflow_client::detect::DeidentifyTextRequest::new("Call me at 555-0100");
    /// assert!(request.validate().is_ok());
    /// ```
    pub fn new(text: impl Into<String>) -> Self {
        DeidentifyTextRequest {
            text: text.into(),
            options: DeidentifyOptions::default(),
        }
    }

    /// Checks the request as it is checked before sending.
    ///
    /// ```
    /// use skyflow_client::detect::{DateShift, DeidentifyTextRequest, Transformations};
    /// let err = DeidentifyTextRequest::new("born 1990-01-01")
    ///     .transformations(Transformations::new().shift_dates(DateShift::new(30, 10)))
    ///     .validate()
    ///     .unwrap_err();
    /// assert_eq!(err.field(), Some("transformations.shift_dates.min_days"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_not_blank(DEIDENTIFY, "text", &self.text)?;
        self.options.validate(DEIDENTIFY)
    }

    pub(crate) fn to_http(&self, vault_id: &str) -> Result<HttpRequest> {
        self.validate()?;
        let mut body = Map::new();
        body.insert("text".into(), Value::String(self.text.clone()));
        body.insert("vault_id".into(), Value::String(vault_id.to_owned()));
        self.options.write(&mut body, true);
        Ok(detect_post(
            DEIDENTIFY,
            "/v1/detect/deidentify/string",
            body,
        ))
    }
}

impl fmt::Debug for DeidentifyTextRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeidentifyTextRequest")
            .field(
                "text",
                &format_args!("[{} chars]", self.text.chars().count()),
            )
            .field("entities", &self.options.entities)
            .field("token_format", &self.options.token_format)
            .field("transformations", &self.options.transformations)
            .finish_non_exhaustive()
    }
}

/// A POST to a Detect endpoint with a JSON body.
pub(crate) fn detect_post(op: &'static str, path: &str, body: Map<String, Value>) -> HttpRequest {
    HttpRequest {
        operation: op,
        method: Method::Post,
        path: path.to_owned(),
        query: Vec::new(),
        body: Body::Json(Value::Object(body)),
        idempotent: true,
        headers: Vec::new(),
    }
}

/// One entity found in de-identified text.
///
/// Positions are character offsets (Unicode scalar values, not bytes), end exclusive:
/// the entity's value is the input's characters `text_index().start..text_index().end`,
/// and its replacement (the bracketed token) the processed text's characters
/// `processed_index().start..processed_index().end`.
///
/// Its `Debug` output shows neither the value nor the token.
#[derive(Clone, PartialEq)]
pub struct EntityInfo {
    token: String,
    value: String,
    text_index: TextIndex,
    processed_index: TextIndex,
    entity: String,
    scores: BTreeMap<String, f64>,
}

impl EntityInfo {
    /// The token that replaced the entity, without brackets (`SSN_1`), or the shifted
    /// date.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The original text of the entity.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Where the entity is in the input text, in characters.
    pub fn text_index(&self) -> TextIndex {
        self.text_index
    }

    /// Where its replacement is in the processed text, in characters.
    pub fn processed_index(&self) -> TextIndex {
        self.processed_index
    }

    /// The entity type as the service names it (upper case, for example `SSN`).
    pub fn entity(&self) -> &str {
        &self.entity
    }

    /// The entity type, when it is one this SDK knows.
    ///
    /// ```
    /// # fn f(info: &skyflow_client::detect::EntityInfo) {
    /// if info.entity_type() == Some(skyflow_client::detect::EntityType::Ssn) {
    ///     println!("an SSN at {:?}", info.text_index());
    /// }
    /// # }
    /// ```
    pub fn entity_type(&self) -> Option<EntityType> {
        self.entity.parse().ok()
    }

    /// Confidence per label (the entity type and its parent types), from 0 to 1.
    pub fn scores(&self) -> &BTreeMap<String, f64> {
        &self.scores
    }
}

impl fmt::Debug for EntityInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntityInfo")
            .field("entity", &self.entity)
            .field("text_index", &self.text_index)
            .field("processed_index", &self.processed_index)
            .field("scores", &self.scores)
            .finish_non_exhaustive()
    }
}

/// The answer to a [`DeidentifyTextRequest`].
///
/// Its `Debug` output shows counts only.
///
/// ```
/// fn show(response: &skyflow_client::detect::DeidentifyTextResponse) {
///     println!("{}", response.processed_text());
///     for entity in response.entities() {
///         println!("{} at {:?}", entity.entity(), entity.text_index());
///     }
/// }
/// # let _ = show;
/// ```
#[derive(Clone, PartialEq)]
pub struct DeidentifyTextResponse {
    processed_text: String,
    entities: Vec<EntityInfo>,
    word_count: u64,
    char_count: u64,
}

impl DeidentifyTextResponse {
    /// The text with every entity replaced.
    pub fn processed_text(&self) -> &str {
        &self.processed_text
    }

    /// The entities found, in text order.
    pub fn entities(&self) -> &[EntityInfo] {
        &self.entities
    }

    /// The number of words, as the service counts them.
    pub fn word_count(&self) -> u64 {
        self.word_count
    }

    /// The number of characters of the input text.
    pub fn char_count(&self) -> u64 {
        self.char_count
    }

    pub(crate) fn from_http(resp: HttpResponse) -> Result<Self> {
        #[derive(Deserialize)]
        struct Raw {
            processed_text: String,
            #[serde(default)]
            entities: Option<Vec<RawEntity>>,
            #[serde(default)]
            word_count: u64,
            #[serde(default)]
            character_count: u64,
        }
        #[derive(Deserialize)]
        struct RawEntity {
            #[serde(default)]
            token: String,
            #[serde(default)]
            value: String,
            location: RawLocation,
            #[serde(default)]
            entity_type: String,
            #[serde(default)]
            entity_scores: Option<BTreeMap<String, f64>>,
        }
        #[derive(Deserialize)]
        struct RawLocation {
            start_index: usize,
            end_index: usize,
            start_index_processed: usize,
            end_index_processed: usize,
        }
        let raw: Raw = json_body(DEIDENTIFY, &resp)?;
        Ok(DeidentifyTextResponse {
            processed_text: raw.processed_text,
            entities: raw
                .entities
                .unwrap_or_default()
                .into_iter()
                .map(|e| EntityInfo {
                    token: e.token,
                    value: e.value,
                    text_index: TextIndex::new(e.location.start_index, e.location.end_index),
                    processed_index: TextIndex::new(
                        e.location.start_index_processed,
                        e.location.end_index_processed,
                    ),
                    entity: e.entity_type,
                    scores: e.entity_scores.unwrap_or_default(),
                })
                .collect(),
            word_count: raw.word_count,
            char_count: raw.character_count,
        })
    }
}

impl fmt::Debug for DeidentifyTextResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeidentifyTextResponse")
            .field(
                "processed_text",
                &format_args!("[{} chars]", self.processed_text.chars().count()),
            )
            .field("entities", &self.entities)
            .field("word_count", &self.word_count)
            .field("char_count", &self.char_count)
            .finish()
    }
}

/// Re-identifies text: replaces the vault tokens in it with the original values, plain,
/// masked or redacted per entity type. Counter and entity-only tokens, which are not
/// stored, stay as they are.
///
/// ```
/// use skyflow_client::detect::{EntityType, ReidentifyTextRequest};
///
/// let request = ReidentifyTextRequest::new("My SSN is [SSN_VqLazzA].")
///     .masked_entities([EntityType::Ssn])
///     .redacted_entities([EntityType::CreditCard]);
/// assert!(request.validate().is_ok());
/// ```
#[derive(Clone)]
pub struct ReidentifyTextRequest {
    text: String,
    redacted: Option<Vec<EntityType>>,
    masked: Option<Vec<EntityType>>,
    plain_text: Option<Vec<EntityType>>,
}

impl ReidentifyTextRequest {
    /// A request to re-identify `text` (which must not be blank); unlisted entity types
    /// come back as plain text.
    ///
    /// ```
    /// let request = skyflow_client::detect::ReidentifyTextRequest::new("Hi [NAME_a1B2c3D]");
    /// assert!(request.validate().is_ok());
    /// ```
    pub fn new(text: impl Into<String>) -> Self {
        ReidentifyTextRequest {
            text: text.into(),
            redacted: None,
            masked: None,
            plain_text: None,
        }
    }

    /// These entity types come back redacted.
    ///
    /// ```
    /// use skyflow_client::detect::{EntityType, ReidentifyTextRequest};
    /// let request = ReidentifyTextRequest::new("x").redacted_entities([EntityType::Ssn]);
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn redacted_entities(mut self, entities: impl IntoIterator<Item = EntityType>) -> Self {
        self.redacted = Some(entities.into_iter().collect());
        self
    }

    /// These entity types come back masked (for example the last four digits).
    ///
    /// ```
    /// use skyflow_client::detect::{EntityType, ReidentifyTextRequest};
    /// let request = ReidentifyTextRequest::new("x").masked_entities([EntityType::CreditCard]);
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn masked_entities(mut self, entities: impl IntoIterator<Item = EntityType>) -> Self {
        self.masked = Some(entities.into_iter().collect());
        self
    }

    /// These entity types come back as plain text.
    ///
    /// ```
    /// use skyflow_client::detect::{EntityType, ReidentifyTextRequest};
    /// let request = ReidentifyTextRequest::new("x").plain_text_entities([EntityType::Name]);
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn plain_text_entities(mut self, entities: impl IntoIterator<Item = EntityType>) -> Self {
        self.plain_text = Some(entities.into_iter().collect());
        self
    }

    /// Checks the request as it is checked before sending: the text is not blank and no
    /// entity type is in two lists.
    ///
    /// ```
    /// use skyflow_client::detect::{EntityType, ReidentifyTextRequest};
    /// let err = ReidentifyTextRequest::new("x")
    ///     .masked_entities([EntityType::Ssn])
    ///     .plain_text_entities([EntityType::Ssn])
    ///     .validate()
    ///     .unwrap_err();
    /// assert_eq!(err.field(), Some("plain_text_entities"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_not_blank(REIDENTIFY, "text", &self.text)?;
        check_disjoint(
            REIDENTIFY,
            &[
                ("redacted_entities".to_owned(), self.redacted.as_deref()),
                ("masked_entities".to_owned(), self.masked.as_deref()),
                ("plain_text_entities".to_owned(), self.plain_text.as_deref()),
            ],
        )
    }

    pub(crate) fn to_http(&self, vault_id: &str) -> Result<HttpRequest> {
        self.validate()?;
        let list = |l: &Option<Vec<EntityType>>| l.as_deref().map_or(Value::Null, entity_list);
        let mut body = Map::new();
        body.insert("text".into(), Value::String(self.text.clone()));
        body.insert("vault_id".into(), Value::String(vault_id.to_owned()));
        body.insert(
            "format".into(),
            json!({
                "redacted": list(&self.redacted),
                "masked": list(&self.masked),
                "plaintext": list(&self.plain_text),
            }),
        );
        Ok(detect_post(
            REIDENTIFY,
            "/v1/detect/reidentify/string",
            body,
        ))
    }
}

impl fmt::Debug for ReidentifyTextRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReidentifyTextRequest")
            .field(
                "text",
                &format_args!("[{} chars]", self.text.chars().count()),
            )
            .field("redacted", &self.redacted)
            .field("masked", &self.masked)
            .field("plain_text", &self.plain_text)
            .finish()
    }
}

/// The answer to a [`ReidentifyTextRequest`]: the restored text.
///
/// Its `Debug` output shows the length only.
///
/// ```
/// fn show(response: &skyflow_client::detect::ReidentifyTextResponse) {
///     println!("{}", response.processed_text());
/// }
/// # let _ = show;
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ReidentifyTextResponse {
    processed_text: String,
}

impl ReidentifyTextResponse {
    /// The text with its vault tokens replaced.
    pub fn processed_text(&self) -> &str {
        &self.processed_text
    }

    /// Takes the text.
    pub fn into_processed_text(self) -> String {
        self.processed_text
    }

    pub(crate) fn from_http(resp: HttpResponse) -> Result<Self> {
        #[derive(Deserialize)]
        struct Raw {
            text: String,
        }
        let raw: Raw = json_body(REIDENTIFY, &resp)?;
        Ok(ReidentifyTextResponse {
            processed_text: raw.text,
        })
    }
}

impl fmt::Debug for ReidentifyTextResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReidentifyTextResponse")
            .field(
                "processed_text",
                &format_args!("[{} chars]", self.processed_text.chars().count()),
            )
            .finish()
    }
}
