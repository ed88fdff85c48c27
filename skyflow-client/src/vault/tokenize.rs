//! Tokenize: `POST /v1/vaults/{vault}/tokenize`.

use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde_json::{Value, json};

use super::batch::private::{FromFailedBatch, MergeResponse, SplitRequest};
use super::batch::{BatchRequest, BatchResponse};
use super::common::{check_not_blank, records_of, vault_path};
use crate::http::{Body, HttpRequest, HttpResponse, Method};
use crate::{Error, Result};

const OP: &str = "TokenizeRequest";

/// Gets the tokens of values in a column group, without inserting anything. The vault
/// returns the existing token of each value (deterministic column groups).
///
/// ```
/// use skyflow_client::vault::TokenizeRequest;
/// let request = TokenizeRequest::new()
///     .value("4111111111111111", "card_number_cg")
///     .values([("5500000000000004", "card_number_cg")]);
/// assert!(request.validate().is_ok());
/// ```
#[derive(Clone, Default)]
pub struct TokenizeRequest {
    values: Vec<(String, String)>,
}

impl TokenizeRequest {
    /// The tokens or values of this request, for cutting them out of vault messages.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        self.values
            .iter()
            .map(|(value, _)| value.as_str())
            .collect()
    }
}

impl TokenizeRequest {
    /// An empty request.
    ///
    /// ```
    /// use skyflow_client::vault::{BatchRequest, TokenizeRequest};
    /// assert_eq!(TokenizeRequest::new().record_count(), 0);
    /// ```
    pub fn new() -> Self {
        TokenizeRequest::default()
    }

    /// Appends one value and the column group whose tokens it should get.
    ///
    /// ```
    /// let request = skyflow_client::vault::TokenizeRequest::new().value("123-45-6789", "ssn_cg");
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn value(mut self, value: impl Into<String>, column_group: impl Into<String>) -> Self {
        self.values.push((value.into(), column_group.into()));
        self
    }

    /// Appends `(value, column group)` pairs.
    ///
    /// ```
    /// let request = skyflow_client::vault::TokenizeRequest::new()
    ///     .values([("a@x.com", "email_cg"), ("b@x.com", "email_cg")]);
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn values<I, V, G>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = (V, G)>,
        V: Into<String>,
        G: Into<String>,
    {
        self.values
            .extend(values.into_iter().map(|(v, g)| (v.into(), g.into())));
        self
    }

    /// Checks the request as it would be checked before sending.
    ///
    /// ```
    /// let err = skyflow_client::vault::TokenizeRequest::new()
    ///     .value("4111", " ")
    ///     .validate()
    ///     .unwrap_err();
    /// assert_eq!(err.field(), Some("values[0].column_group"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.values.is_empty() {
            return Err(Error::validation(
                OP,
                "values",
                "must contain at least one value",
            ));
        }
        for (i, (value, group)) in self.values.iter().enumerate() {
            if value.is_empty() {
                return Err(Error::validation(
                    OP,
                    format!("values[{i}].value"),
                    "must not be empty",
                ));
            }
            check_not_blank(OP, &format!("values[{i}].column_group"), group)?;
        }
        Ok(())
    }

    pub(crate) fn to_http(&self, vault_id: &str) -> Result<HttpRequest> {
        self.validate()?;
        let params: Vec<Value> = self
            .values
            .iter()
            .map(|(value, group)| json!({ "value": value, "columnGroup": group }))
            .collect();
        Ok(HttpRequest {
            operation: OP,
            method: Method::Post,
            path: vault_path("v1", vault_id, &["tokenize"])?,
            query: Vec::new(),
            body: Body::Json(json!({ "tokenizationParameters": params })),
            idempotent: true,
            headers: Vec::new(),
        })
    }
}

impl fmt::Debug for TokenizeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenizeRequest")
            .field("values", &format_args!("[{} values]", self.values.len()))
            .finish()
    }
}

impl SplitRequest for TokenizeRequest {
    fn slice(&self, range: Range<usize>) -> Self {
        TokenizeRequest {
            values: self.values[range].to_vec(),
        }
    }

    fn validate_all(&self) -> Result<()> {
        self.validate()
    }
}

impl BatchRequest for TokenizeRequest {
    type Response = TokenizeResponse;

    fn record_count(&self) -> usize {
        self.values.len()
    }
}

/// The answer to a [`TokenizeRequest`]: one token per value, in request order.
///
/// Its `Debug` prints the count only.
///
/// ```
/// fn show(response: &skyflow_client::vault::TokenizeResponse) {
///     println!("{} tokens", response.tokens().len());
/// }
/// # let _ = show;
/// ```
#[derive(Clone, Default)]
pub struct TokenizeResponse {
    tokens: Vec<String>,
}

impl TokenizeResponse {
    /// The tokens; `tokens()[i]` belongs to the request's `i`-th value.
    ///
    /// ```
    /// # fn f(r: &skyflow_client::vault::TokenizeResponse) { let _ = r.tokens().first(); }
    /// ```
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// Takes the tokens.
    ///
    /// ```
    /// # fn f(r: skyflow_client::vault::TokenizeResponse) { let tokens: Vec<String> = r.into_tokens(); let _ = tokens; }
    /// ```
    pub fn into_tokens(self) -> Vec<String> {
        self.tokens
    }

    pub(crate) fn from_http(resp: HttpResponse) -> Result<Self> {
        #[derive(Deserialize)]
        struct RawRecord {
            token: String,
        }
        let records: Vec<RawRecord> = records_of(OP, &resp)?;
        Ok(TokenizeResponse {
            tokens: records.into_iter().map(|r| r.token).collect(),
        })
    }
}

impl fmt::Debug for TokenizeResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenizeResponse")
            .field("tokens", &self.tokens.len())
            .finish()
    }
}

impl MergeResponse for TokenizeResponse {
    fn append_shifted(&mut self, _offset: usize, other: Self) {
        self.tokens.extend(other.tokens);
    }

    fn result_count(&self) -> Option<usize> {
        Some(self.tokens.len())
    }
}

impl BatchResponse for TokenizeResponse {}

impl FromFailedBatch<TokenizeRequest> for TokenizeResponse {
    fn from_failed_batch(_: &TokenizeRequest, _: Range<usize>, _: &Error) -> Self {
        // Tokenize has no continue-on-error: a failed batch always stops the call.
        TokenizeResponse::default()
    }
}
