//! Update one record: `PUT /v1/vaults/{vault}/{table}/{skyflow_id}`.

use std::fmt;

use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{
    check_record, check_segment, check_tokens, json_body, kind_of, object_or_empty, vault_path,
};
use super::types::{Fields, TokenMode};
use crate::http::{Body, HttpRequest, HttpResponse, Method};
use crate::{Error, Result};

const OP: &str = "UpdateRequest";

/// Replaces columns of one record, found by `skyflow_id`. Columns not given are kept;
/// a given column is replaced whole.
///
/// With [`TokenMode::Enable`] or [`TokenMode::EnableStrict`], `tokens` supplies your own
/// tokens for the updated columns.
///
/// ```
/// use serde_json::json;
/// use skyflow_client::vault::UpdateRequest;
///
/// let request = UpdateRequest::new("persons", "a8f0c2e1")
///     .values(json!({ "name": "Janet" }))
///     .value("email", "janet@x.com")
///     .return_tokens(true);
/// assert!(request.validate().is_ok());
/// ```
#[derive(Clone)]
pub struct UpdateRequest {
    table: String,
    skyflow_id: String,
    data: Value,
    tokens: Option<Value>,
    token_mode: TokenMode,
    return_tokens: bool,
}

impl UpdateRequest {
    /// An update of record `skyflow_id` in `table`, with no values yet.
    ///
    /// ```
    /// let request = skyflow_client::vault::UpdateRequest::new("persons", "id1");
    /// assert_eq!(request.skyflow_id(), "id1");
    /// ```
    pub fn new(table: impl Into<String>, skyflow_id: impl Into<String>) -> Self {
        UpdateRequest {
            table: table.into(),
            skyflow_id: skyflow_id.into(),
            data: Value::Object(Fields::new()),
            tokens: None,
            token_mode: TokenMode::Disable,
            return_tokens: false,
        }
    }

    /// Sets the new values: a JSON object of column → value. A `skyflow_id` key equal to
    /// the record's id is ignored.
    ///
    /// ```
    /// let request = skyflow_client::vault::UpdateRequest::new("persons", "id1")
    ///     .values(serde_json::json!({ "name": "Janet" }));
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn values(mut self, values: impl Into<Value>) -> Self {
        self.data = values.into();
        self
    }

    /// Sets one column.
    ///
    /// ```
    /// let request = skyflow_client::vault::UpdateRequest::new("persons", "id1").value("age", 41);
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn value(mut self, column: impl Into<String>, value: impl Into<Value>) -> Self {
        if let Value::Object(map) = &mut self.data {
            map.insert(column.into(), value.into());
        }
        self
    }

    /// Sets your own tokens: a JSON object of column → token.
    ///
    /// ```
    /// use skyflow_client::vault::{TokenMode, UpdateRequest};
    /// let request = UpdateRequest::new("persons", "id1")
    ///     .value("name", "Janet")
    ///     .tokens(serde_json::json!({ "name": "tok-name-9" }))
    ///     .token_mode(TokenMode::Enable);
    /// assert!(request.validate().is_ok());
    /// ```
    #[must_use]
    pub fn tokens(mut self, tokens: impl Into<Value>) -> Self {
        self.tokens = Some(tokens.into());
        self
    }

    /// Bring-your-own-token mode (default [`TokenMode::Disable`]).
    ///
    /// ```
    /// use skyflow_client::vault::{TokenMode, UpdateRequest};
    /// let request = UpdateRequest::new("persons", "id1").token_mode(TokenMode::EnableStrict);
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn token_mode(mut self, mode: TokenMode) -> Self {
        self.token_mode = mode;
        self
    }

    /// Return the updated columns' tokens (default `false`).
    ///
    /// ```
    /// let request = skyflow_client::vault::UpdateRequest::new("persons", "id1").return_tokens(true);
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn return_tokens(mut self, return_tokens: bool) -> Self {
        self.return_tokens = return_tokens;
        self
    }

    /// The record's id.
    ///
    /// ```
    /// assert_eq!(skyflow_client::vault::UpdateRequest::new("t", "id9").skyflow_id(), "id9");
    /// ```
    pub fn skyflow_id(&self) -> &str {
        &self.skyflow_id
    }

    /// Checks the request as it would be checked before sending.
    ///
    /// ```
    /// let err = skyflow_client::vault::UpdateRequest::new("persons", " ")
    ///     .value("name", "Janet")
    ///     .validate()
    ///     .unwrap_err();
    /// assert_eq!(err.field(), Some("skyflow_id"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        self.checked_fields().map(drop)
    }

    /// Validates and returns the fields to send (without `skyflow_id`).
    fn checked_fields(&self) -> Result<Fields> {
        check_segment(OP, "table", &self.table)?;
        check_segment(OP, "skyflow_id", &self.skyflow_id)?;
        let mut fields = check_record(OP, "values", &self.data)?.clone();
        if let Some(id) = fields.remove("skyflow_id") {
            if id.as_str() != Some(self.skyflow_id.as_str()) {
                return Err(Error::validation(
                    OP,
                    "values.skyflow_id",
                    "differs from the skyflow_id of the request",
                ));
            }
            if fields.is_empty() {
                return Err(Error::validation(
                    OP,
                    "values",
                    "must contain at least one column besides skyflow_id",
                ));
            }
        }
        let tokens = match &self.tokens {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) if map.is_empty() => None,
            Some(Value::Object(map)) => Some(map),
            Some(other) => {
                return Err(Error::validation(
                    OP,
                    "tokens",
                    format!(
                        "must be a JSON object of column to token, not {}",
                        kind_of(other)
                    ),
                ));
            }
        };
        match (self.token_mode, tokens) {
            (TokenMode::Disable, None) => {}
            (TokenMode::Disable, Some(_)) => {
                return Err(Error::validation(
                    OP,
                    "tokens",
                    "tokens need token_mode ENABLE or ENABLE_STRICT",
                ));
            }
            (mode, None) => {
                return Err(Error::validation(
                    OP,
                    "tokens",
                    format!("token_mode {mode} needs at least one token"),
                ));
            }
            (mode, Some(tokens)) => {
                check_tokens(
                    OP,
                    "tokens",
                    tokens,
                    &fields,
                    mode == TokenMode::EnableStrict,
                )?;
            }
        }
        Ok(fields)
    }

    pub(crate) fn to_http(&self, vault_id: &str) -> Result<HttpRequest> {
        let fields = self.checked_fields()?;
        let tokens = match &self.tokens {
            Some(Value::Object(map)) if !map.is_empty() => Value::Object(map.clone()),
            _ => Value::Null,
        };
        let body = json!({
            "record": { "fields": fields, "tokens": tokens },
            "tokenization": self.return_tokens,
            "byot": self.token_mode.as_str(),
        });
        Ok(HttpRequest {
            operation: OP,
            method: Method::Put,
            path: vault_path("v1", vault_id, &[&self.table, &self.skyflow_id])?,
            query: Vec::new(),
            body: Body::Json(body),
            idempotent: true,
            headers: Vec::new(),
        })
    }
}

impl fmt::Debug for UpdateRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let columns = self.data.as_object().map(|m| m.keys().collect::<Vec<_>>());
        f.debug_struct("UpdateRequest")
            .field("table", &self.table)
            .field("skyflow_id", &self.skyflow_id)
            .field("columns", &columns)
            .field(
                "tokens",
                &self
                    .tokens
                    .as_ref()
                    .and_then(Value::as_object)
                    .map(|m| m.len()),
            )
            .field("token_mode", &self.token_mode)
            .field("return_tokens", &self.return_tokens)
            .finish()
    }
}

/// The answer to an [`UpdateRequest`]: the record's id and, when asked for, the tokens of
/// the updated columns.
///
/// Its `Debug` prints the token column names, not the tokens.
///
/// ```
/// fn show(response: &skyflow_client::vault::UpdateResponse) {
///     println!("{} updated, new name token: {:?}", response.skyflow_id(), response.token("name"));
/// }
/// # let _ = show;
/// ```
#[derive(Clone, Default)]
pub struct UpdateResponse {
    skyflow_id: String,
    tokens: Fields,
}

impl UpdateResponse {
    written_record_getters!(UpdateResponse);

    pub(crate) fn from_http(resp: HttpResponse) -> Result<Self> {
        #[derive(Deserialize)]
        struct Raw {
            skyflow_id: String,
            #[serde(default, deserialize_with = "object_or_empty")]
            tokens: Fields,
        }
        let raw: Raw = json_body(OP, &resp)?;
        Ok(UpdateResponse {
            skyflow_id: raw.skyflow_id,
            tokens: raw.tokens,
        })
    }
}

impl fmt::Debug for UpdateResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateResponse")
            .field("skyflow_id", &self.skyflow_id)
            .field("token_columns", &self.tokens.keys().collect::<Vec<_>>())
            .finish()
    }
}
