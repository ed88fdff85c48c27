//! Detokenize: `POST /v1/vaults/{vault}/detokenize`.

use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde_json::{Value, json};

use super::batch::BatchRequest;
use super::batch::private::SplitRequest;
use super::common::{check_not_blank, error_message, records_of, vault_path};
use super::results::private::Indexed;
use super::results::{RecordError, RecordResults};
use super::types::{RedactionType, ValueType};
use crate::http::{Body, HttpRequest, HttpResponse, Method};
use crate::{Error, Result};

const OP: &str = "DetokenizeRequest";

/// One token to detokenize, with an optional redaction of its own.
///
/// Converts from a token (`&str`, `String`) or a `(token, RedactionType)` pair.
///
/// ```
/// use skyflow_client::vault::{DetokenizeData, RedactionType};
/// let data = DetokenizeData::new("tok-1").redaction_type(RedactionType::Masked);
/// assert_eq!(data.get_redaction_type(), Some(RedactionType::Masked));
/// let from_pair: DetokenizeData = ("tok-2", RedactionType::PlainText).into();
/// # let _ = from_pair;
/// ```
#[derive(Clone)]
pub struct DetokenizeData {
    token: String,
    redaction_type: Option<RedactionType>,
}

impl DetokenizeData {
    /// A token using the request's redaction.
    ///
    /// ```
    /// let data = skyflow_client::vault::DetokenizeData::new("tok-1");
    /// assert_eq!(data.get_redaction_type(), None);
    /// ```
    pub fn new(token: impl Into<String>) -> Self {
        DetokenizeData {
            token: token.into(),
            redaction_type: None,
        }
    }

    setters! {
        /// The redaction for this token only.
        ///
        /// ```
        /// use skyflow_client::vault::{DetokenizeData, RedactionType};
        /// let data = DetokenizeData::new("tok-1").redaction_type(RedactionType::Redacted);
        /// # let _ = data;
        /// ```
        fn redaction_type(redaction_type: Some(RedactionType));
    }

    /// The redaction set for this token, if any.
    ///
    /// ```
    /// assert_eq!(skyflow_client::vault::DetokenizeData::new("t").get_redaction_type(), None);
    /// ```
    pub fn get_redaction_type(&self) -> Option<RedactionType> {
        self.redaction_type
    }
}

impl fmt::Debug for DetokenizeData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DetokenizeData")
            .field("token", &"** redacted **")
            .field("redaction_type", &self.redaction_type)
            .finish()
    }
}

impl From<&str> for DetokenizeData {
    fn from(token: &str) -> Self {
        DetokenizeData::new(token)
    }
}

impl From<String> for DetokenizeData {
    fn from(token: String) -> Self {
        DetokenizeData::new(token)
    }
}

impl From<&String> for DetokenizeData {
    fn from(token: &String) -> Self {
        DetokenizeData::new(token.clone())
    }
}

impl<T: Into<String>> From<(T, RedactionType)> for DetokenizeData {
    fn from((token, redaction): (T, RedactionType)) -> Self {
        DetokenizeData::new(token).redaction_type(redaction)
    }
}

/// Turns tokens back into values.
///
/// Each token uses its own redaction, else the request's
/// [`redaction_type`](Self::redaction_type), else `DEFAULT`. Without continue-on-error,
/// one unknown token fails the whole call; with it, failures come back as
/// [`RecordError`](super::RecordError)s.
///
/// ```
/// use skyflow_client::vault::{DetokenizeRequest, RedactionType};
///
/// let request = DetokenizeRequest::new()
///     .tokens(["tok-1", "tok-2"])
///     .token_with_redaction("tok-3", RedactionType::Masked)
///     .redaction_type(RedactionType::PlainText)
///     .continue_on_error(true);
/// assert!(request.validate().is_ok());
/// ```
#[derive(Clone, Default)]
pub struct DetokenizeRequest {
    data: Vec<DetokenizeData>,
    redaction_type: RedactionType,
    continue_on_error: bool,
    download_url: Option<bool>,
}

impl DetokenizeRequest {
    /// The tokens or values of this request, for cutting them out of vault messages.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        self.data.iter().map(|d| d.token.as_str()).collect()
    }
}

impl DetokenizeRequest {
    /// An empty request.
    ///
    /// ```
    /// use skyflow_client::vault::{BatchRequest, DetokenizeRequest};
    /// assert_eq!(DetokenizeRequest::new().record_count(), 0);
    /// ```
    pub fn new() -> Self {
        DetokenizeRequest::default()
    }

    /// Appends tokens (or [`DetokenizeData`] items).
    ///
    /// ```
    /// use skyflow_client::vault::{DetokenizeRequest, RedactionType};
    /// let request = DetokenizeRequest::new()
    ///     .tokens([("tok-1", RedactionType::Masked), ("tok-2", RedactionType::Default)]);
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn tokens<I, T>(mut self, tokens: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<DetokenizeData>,
    {
        self.data.extend(tokens.into_iter().map(Into::into));
        self
    }

    /// Appends one token.
    ///
    /// ```
    /// let request = skyflow_client::vault::DetokenizeRequest::new().token("tok-1");
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.data.push(DetokenizeData::new(token));
        self
    }

    /// Appends one token with its own redaction.
    ///
    /// ```
    /// use skyflow_client::vault::{DetokenizeRequest, RedactionType};
    /// let request = DetokenizeRequest::new().token_with_redaction("tok-1", RedactionType::Masked);
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn token_with_redaction(
        mut self,
        token: impl Into<String>,
        redaction: RedactionType,
    ) -> Self {
        self.data
            .push(DetokenizeData::new(token).redaction_type(redaction));
        self
    }

    setters! {
        /// Redaction for tokens that have none of their own (default `DEFAULT`).
        ///
        /// ```
        /// use skyflow_client::vault::{DetokenizeRequest, RedactionType};
        /// let request = DetokenizeRequest::new().redaction_type(RedactionType::PlainText);
        /// # let _ = request;
        /// ```
        fn redaction_type(redaction_type: RedactionType);

        /// Report unknown tokens per token instead of failing the call (default `false`).
        ///
        /// ```
        /// let request = skyflow_client::vault::DetokenizeRequest::new().continue_on_error(true);
        /// # let _ = request;
        /// ```
        fn continue_on_error(continue_on_error: bool);

        /// Return download URLs for file tokens (sent as `downloadURL` only when set).
        ///
        /// ```
        /// let request = skyflow_client::vault::DetokenizeRequest::new().download_url(true);
        /// # let _ = request;
        /// ```
        fn download_url(download_url: Some(bool));
    }

    /// Checks the request as it would be checked before sending.
    ///
    /// ```
    /// let err = skyflow_client::vault::DetokenizeRequest::new().token(" ").validate().unwrap_err();
    /// assert_eq!(err.field(), Some("tokens[0]"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.data.is_empty() {
            return Err(Error::validation(
                OP,
                "tokens",
                "must contain at least one token",
            ));
        }
        for (i, data) in self.data.iter().enumerate() {
            check_not_blank(OP, &format!("tokens[{i}]"), &data.token)?;
        }
        Ok(())
    }

    /// The HTTP call for this request, validated first.
    pub(crate) fn to_http(&self, vault_id: &str) -> Result<HttpRequest> {
        self.validate()?;
        let params: Vec<Value> = self
            .data
            .iter()
            .map(|d| {
                json!({
                    "token": d.token,
                    "redaction": d.redaction_type.unwrap_or(self.redaction_type).as_str(),
                })
            })
            .collect();
        let mut body = json!({
            "detokenizationParameters": params,
            "continueOnError": self.continue_on_error,
        });
        if let Some(download_url) = self.download_url {
            body["downloadURL"] = Value::Bool(download_url);
        }
        Ok(HttpRequest {
            operation: OP,
            method: Method::Post,
            path: vault_path("v1", vault_id, &["detokenize"])?,
            query: Vec::new(),
            body: Body::Json(body),
            idempotent: true,
            headers: Vec::new(),
        })
    }
}

impl fmt::Debug for DetokenizeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DetokenizeRequest")
            .field("tokens", &format_args!("[{} tokens]", self.data.len()))
            .field("redaction_type", &self.redaction_type)
            .field("continue_on_error", &self.continue_on_error)
            .field("download_url", &self.download_url)
            .finish()
    }
}

impl BatchRequest for DetokenizeRequest {
    type Response = DetokenizeResponse;

    fn record_count(&self) -> usize {
        self.data.len()
    }
}

impl SplitRequest for DetokenizeRequest {
    fn slice(&self, range: Range<usize>) -> Self {
        DetokenizeRequest {
            data: self.data[range].to_vec(),
            ..self.clone_settings()
        }
    }

    fn validate_all(&self) -> Result<()> {
        self.validate()
    }

    fn continues_on_error(&self) -> bool {
        self.continue_on_error
    }
}

impl DetokenizeRequest {
    fn clone_settings(&self) -> Self {
        DetokenizeRequest {
            data: Vec::new(),
            redaction_type: self.redaction_type,
            continue_on_error: self.continue_on_error,
            download_url: self.download_url,
        }
    }
}

/// The answer to a [`DetokenizeRequest`], as a [`RecordResults`]: the values of the tokens
/// found, and (with continue-on-error) a [`RecordError`] for each token that was not.
/// Neither its `Debug` nor its errors show a token or a value.
///
/// ```
/// fn show(response: &skyflow_client::vault::DetokenizeResponse) {
///     let types: Vec<String> = response
///         .detokenized()
///         .iter()
///         .map(|item| format!("tokens[{}]: {}", item.index(), item.value_type()))
///         .collect();
///     println!("{} found ({types:?}), {} not", types.len(), response.errors().len());
/// }
/// # let _ = show;
/// ```
pub type DetokenizeResponse = RecordResults<DetokenizedValue>;

impl DetokenizeResponse {
    /// The tokens that were found, in request order: the
    /// [`succeeded`](RecordResults::succeeded) records.
    ///
    /// ```
    /// # fn f(r: &skyflow_client::vault::DetokenizeResponse) { let _ = r.detokenized().len(); }
    /// ```
    pub fn detokenized(&self) -> &[DetokenizedValue] {
        &self.succeeded
    }

    pub(crate) fn from_http(resp: HttpResponse) -> Result<Self> {
        #[derive(Deserialize)]
        struct RawRecord {
            #[serde(default)]
            token: Option<String>,
            #[serde(rename = "valueType", default)]
            value_type: Option<String>,
            #[serde(default)]
            value: Value,
        }

        let records: Vec<Value> = records_of(OP, &resp)?;
        let mut response = DetokenizeResponse::default();
        for (index, record) in records.into_iter().enumerate() {
            if let Some(message) = error_message(&record) {
                response.errors.push(RecordError::new::<DetokenizedValue>(
                    index,
                    message,
                    None,
                    resp.request_id.clone(),
                ));
                continue;
            }
            let record: RawRecord = serde_json::from_value(record).map_err(|_| {
                crate::http::decode_error(
                    OP,
                    &resp,
                    format!("records[{index}] does not have the expected shape"),
                )
            })?;
            response.succeeded.push(DetokenizedValue {
                index,
                token: record.token.unwrap_or_default(),
                value: record.value,
                value_type: ValueType::from_wire(record.value_type.as_deref().unwrap_or("")),
            });
        }
        Ok(response)
    }
}

/// One detokenized value.
///
/// `value` is the JSON the vault sent (a string in the API schema); `value_type` says how
/// to read it. Its `Debug` prints neither the token nor the value.
///
/// ```
/// # fn f(v: &skyflow_client::vault::DetokenizedValue) {
/// if let Some(text) = v.value().as_str() {
///     println!("tokens[{}] = {} chars", v.index(), text.len());
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct DetokenizedValue {
    index: usize,
    token: String,
    value: Value,
    value_type: ValueType,
}

impl DetokenizedValue {
    /// Index of the token in the request.
    ///
    /// ```
    /// # fn f(v: &skyflow_client::vault::DetokenizedValue) { let _ = v.index(); }
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// The token.
    ///
    /// ```
    /// # fn f(v: &skyflow_client::vault::DetokenizedValue) { let _ = v.token(); }
    /// ```
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The value (`Null` when the vault sent none).
    ///
    /// ```
    /// # fn f(v: &skyflow_client::vault::DetokenizedValue) { let _ = v.value().is_null(); }
    /// ```
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Takes the value.
    ///
    /// ```
    /// # fn f(v: skyflow_client::vault::DetokenizedValue) { let value = v.into_value(); let _ = value; }
    /// ```
    pub fn into_value(self) -> Value {
        self.value
    }

    /// The value's type.
    ///
    /// ```
    /// # fn f(v: &skyflow_client::vault::DetokenizedValue) { let _ = v.value_type().as_str(); }
    /// ```
    pub fn value_type(&self) -> &ValueType {
        &self.value_type
    }
}

impl fmt::Debug for DetokenizedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DetokenizedValue")
            .field("index", &self.index)
            .field("value_type", &self.value_type)
            .finish_non_exhaustive()
    }
}

impl Indexed for DetokenizedValue {
    const OPERATION: &'static str = OP;
    const LIST: &'static str = "tokens";

    fn index(&self) -> usize {
        self.index
    }

    fn index_mut(&mut self) -> &mut usize {
        &mut self.index
    }
}
