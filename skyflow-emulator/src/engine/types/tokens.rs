//! Tokens: tokenize and detokenize.

use super::*;

/// One value to tokenize: with `columnGroup`, or with `table` and `column`.
///
/// ```
/// use skyflow_emulator::engine::TokenizeParameter;
/// let p: TokenizeParameter = serde_json::from_str(r#"{"value":"4111","columnGroup":"cards"}"#).unwrap();
/// assert_eq!(p.column_group.as_deref(), Some("cards"));
/// ```
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct TokenizeParameter {
    /// The value (a string on the wire; other JSON scalars are accepted).
    #[serde(default)]
    pub value: Value,
    /// Column group to look the value up in.
    #[serde(rename = "columnGroup", default)]
    pub column_group: Option<String>,
    /// Table (with `column`).
    #[serde(default)]
    pub table: Option<String>,
    /// Column (with `table`).
    #[serde(default)]
    pub column: Option<String>,
}

/// Body of `POST /v1/vaults/{vault}/tokenize`.
///
/// ```
/// use skyflow_emulator::engine::TokenizeRequest;
/// let r: TokenizeRequest = serde_json::from_str(r#"{"tokenizationParameters":[]}"#).unwrap();
/// assert!(r.tokenization_parameters.is_empty());
/// ```
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct TokenizeRequest {
    /// Values to look up.
    #[serde(
        rename = "tokenizationParameters",
        default,
        deserialize_with = "null_default"
    )]
    pub tokenization_parameters: Vec<TokenizeParameter>,
}

/// One token of a tokenize response.
///
/// ```
/// use skyflow_emulator::engine::TokenRecord;
/// let t = TokenRecord { token: "t".into() };
/// assert_eq!(serde_json::to_string(&t).unwrap(), r#"{"token":"t"}"#);
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenRecord {
    /// The existing token.
    pub token: String,
}

/// Response of tokenize: `{"records":[{"token"}]}` in request order.
///
/// ```
/// use skyflow_emulator::engine::TokenizeResponse;
/// assert_eq!(serde_json::to_string(&TokenizeResponse { records: vec![] }).unwrap(), r#"{"records":[]}"#);
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenizeResponse {
    /// One token per parameter.
    pub records: Vec<TokenRecord>,
}

/// One token to detokenize, with its own redaction.
///
/// ```
/// use skyflow_emulator::engine::DetokenizeParameter;
/// let p: DetokenizeParameter = serde_json::from_str(r#"{"token":"t","redaction":"PLAIN_TEXT"}"#).unwrap();
/// assert_eq!(p.token, "t");
/// ```
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct DetokenizeParameter {
    /// The token. A signed data token (`signed_token_<jwt>`) must be verified and unwrapped
    /// by the HTTP layer first (see [`crate::engine::split_signed_token`]).
    #[serde(default, deserialize_with = "null_default")]
    pub token: String,
    /// Redaction (default DEFAULT).
    #[serde(default)]
    pub redaction: Option<Redaction>,
}

/// Body of `POST /v1/vaults/{vault}/detokenize`.
///
/// ```
/// use skyflow_emulator::engine::DetokenizeRequest;
/// let r: DetokenizeRequest = serde_json::from_str(
///     r#"{"detokenizationParameters":[{"token":"t"}],"continueOnError":true}"#).unwrap();
/// assert_eq!(r.continue_on_error, Some(true));
/// ```
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct DetokenizeRequest {
    /// Tokens to resolve.
    #[serde(
        rename = "detokenizationParameters",
        default,
        deserialize_with = "null_default"
    )]
    pub detokenization_parameters: Vec<DetokenizeParameter>,
    /// Return file values as download URLs.
    #[serde(rename = "downloadURL", default)]
    pub download_url: Option<bool>,
    /// Report missing tokens per record instead of failing the call.
    #[serde(rename = "continueOnError", default)]
    pub continue_on_error: Option<bool>,
}

/// The type of a detokenized value.
///
/// ```
/// use skyflow_emulator::engine::ValueType;
/// assert_eq!(serde_json::to_string(&ValueType::Integer).unwrap(), "\"INTEGER\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ValueType {
    /// Text.
    String,
    /// Whole number.
    Integer,
    /// Number.
    Float,
    /// Boolean.
    Bool,
    /// Date and time.
    Datetime,
    /// JSON.
    Json,
    /// Array.
    Array,
    /// Date.
    Date,
    /// Time.
    Time,
}

/// One record of a detokenize response. `value` is always a string on the wire (OpenAPI).
///
/// ```
/// use skyflow_emulator::engine::DetokenizedRecord;
/// let r = DetokenizedRecord { token: "t".into(), value_type: None, value: None, error: Some("Token not found for t".into()) };
/// assert_eq!(serde_json::to_value(&r).unwrap()["error"], "Token not found for t");
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct DetokenizedRecord {
    /// The token as sent.
    pub token: String,
    /// Type of the value.
    #[serde(rename = "valueType", default, skip_serializing_if = "Option::is_none")]
    pub value_type: Option<ValueType>,
    /// The value, redacted as asked, as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The per-token error (continueOnError).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Response of detokenize.
///
/// ```
/// use skyflow_emulator::engine::DetokenizeResponse;
/// assert_eq!(DetokenizeResponse { records: vec![] }.http_status(), 200);
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct DetokenizeResponse {
    /// One record per token, in request order.
    pub records: Vec<DetokenizedRecord>,
}

impl DetokenizeResponse {
    /// 200 when every token resolved, 207 when some carry `error`.
    ///
    /// ```
    /// use skyflow_emulator::engine::{DetokenizeResponse, DetokenizedRecord};
    /// let r = DetokenizeResponse { records: vec![DetokenizedRecord {
    ///     token: "t".into(), value_type: None, value: None, error: Some("e".into()) }] };
    /// assert_eq!(r.http_status(), 207);
    /// ```
    pub fn http_status(&self) -> u16 {
        if self.records.iter().any(|r| r.error.is_some()) {
            207
        } else {
            200
        }
    }
}
