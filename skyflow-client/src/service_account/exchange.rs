//! Signing assertions and exchanging them for bearer tokens (wire-protocol §2.4), and
//! signing data tokens (§2.8).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{Algorithm, Header};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::key::{Invalid, ServiceAccountKey, check_token_uri, exchange_url};
use crate::credentials::{Context, check_roles};
use crate::{Error, Result};

/// Lifetime of an assertion, in seconds.
pub(crate) const ASSERTION_LIFETIME_SECS: i64 = 3600;

const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Everything needed to obtain tokens for one service account with one set of options:
/// validated once, reused for every exchange.
#[derive(Clone)]
pub(crate) struct Exchanger {
    key: Arc<ServiceAccountKey>,
    /// The assertion's `aud`: the token-URI override, or `tokenURI` from the credentials.
    audience: String,
    /// `{scheme}://{host[:port]}/v1/auth/sa/oauth/token`.
    url: String,
    scope: Option<String>,
    ctx: Option<Value>,
}

impl fmt::Debug for Exchanger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exchanger")
            .field("url", &self.url)
            .field("scoped", &self.scope.is_some())
            .field("ctx", &self.ctx.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    key: &'a str,
    aud: &'a str,
    sub: &'a str,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ctx: Option<&'a Value>,
}

#[derive(Serialize)]
struct DataTokenClaims<'a> {
    iss: &'a str,
    key: &'a str,
    exp: i64,
    sub: &'a str,
    tok: &'a str,
    iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ctx: Option<&'a Value>,
}

#[derive(Serialize)]
struct ExchangeBody<'a> {
    grant_type: &'a str,
    assertion: &'a str,
    scope: Option<&'a str>,
}

#[derive(Deserialize)]
struct ExchangeResponse {
    #[serde(rename = "accessToken")]
    access_token: String,
    #[serde(rename = "tokenType", default)]
    token_type: Option<String>,
}

/// A token obtained from the exchange.
pub(crate) struct Exchanged {
    pub(crate) access_token: String,
    pub(crate) token_type: String,
}

/// The `ctx` claim for an optional context, after checking its keys.
pub(crate) fn ctx_claim(ctx: Option<&Context>) -> std::result::Result<Option<Value>, Invalid> {
    match ctx {
        None => Ok(None),
        Some(ctx) => {
            ctx.check()?;
            Ok(ctx.claim())
        }
    }
}

/// `"role:A role:B"`, or `None` without roles; a blank role id is an error.
pub(crate) fn scope(roles: &[String]) -> std::result::Result<Option<String>, Invalid> {
    check_roles(roles)?;
    if roles.is_empty() {
        return Ok(None);
    }
    let parts: Vec<String> = roles.iter().map(|r| format!("role:{}", r.trim())).collect();
    Ok(Some(parts.join(" ")))
}

impl Exchanger {
    /// Validates the options against the parsed key. Errors name the option field
    /// (`role_ids`/`roles`, `ctx`, `token_uri`).
    pub(crate) fn new(
        key: Arc<ServiceAccountKey>,
        roles: &[String],
        ctx: Option<&Context>,
        token_uri: Option<&str>,
    ) -> std::result::Result<Self, Invalid> {
        let scope = scope(roles)?;
        let ctx = ctx_claim(ctx)?;
        let (audience, url): (String, Url) = match token_uri {
            Some(uri) => {
                let url = check_token_uri(uri).map_err(|e| Invalid::new("token_uri", e))?;
                (uri.trim().to_owned(), url)
            }
            None => {
                let url =
                    check_token_uri(&key.token_uri).map_err(|e| Invalid::new("tokenURI", e))?;
                (key.token_uri.clone(), url)
            }
        };
        Ok(Exchanger {
            url: exchange_url(&url),
            key,
            audience,
            scope,
            ctx,
        })
    }

    /// The signed assertion JWT, valid for an hour from `now`.
    pub(crate) fn assertion(&self, now: i64) -> Result<String> {
        let claims = AssertionClaims {
            iss: &self.key.client_id,
            key: &self.key.key_id,
            aud: &self.audience,
            sub: &self.key.client_id,
            exp: now + ASSERTION_LIFETIME_SECS,
            ctx: self.ctx.as_ref(),
        };
        sign(&self.key, &claims)
    }

    /// Signs a fresh assertion and exchanges it at the token endpoint.
    pub(crate) async fn exchange(&self, http: &reqwest::Client) -> Result<Exchanged> {
        let assertion = self.assertion(crate::auth::jwt::now_secs())?;
        let body = ExchangeBody {
            grant_type: GRANT_TYPE,
            assertion: &assertion,
            scope: self.scope.as_deref(),
        };
        let response = http
            .post(&self.url)
            // The generated Skyflow clients send this literal placeholder.
            .header(reqwest::header::AUTHORIZATION, "Bearer token")
            .json(&body)
            .send()
            .await
            .map_err(|e| network_error(&e))?;
        let status = response.status().as_u16();
        let request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await.map_err(|e| network_error(&e))?;
        if !(200..300).contains(&status) {
            return Err(exchange_failure(status, request_id, &bytes, &assertion));
        }
        let parsed: ExchangeResponse = serde_json::from_slice(&bytes).map_err(|_| {
            with_request_id(
                Error::auth(
                    "token endpoint answered without a readable `accessToken` (expected JSON \
                     {\"accessToken\", \"tokenType\"})",
                )
                .with_status(status),
                request_id.clone(),
            )
        })?;
        if parsed.access_token.trim().is_empty() {
            return Err(with_request_id(
                Error::auth("token endpoint answered with an empty `accessToken`")
                    .with_status(status),
                request_id,
            ));
        }
        Ok(Exchanged {
            access_token: parsed.access_token,
            token_type: parsed
                .token_type
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| "Bearer".to_owned()),
        })
    }
}

/// Signs one data token: `signed_token_<jwt>`.
pub(crate) fn sign_data_token(
    key: &ServiceAccountKey,
    token: &str,
    ttl_secs: i64,
    ctx: Option<&Value>,
    now: i64,
) -> Result<String> {
    let claims = DataTokenClaims {
        iss: "sdk",
        key: &key.key_id,
        exp: now.saturating_add(ttl_secs),
        sub: &key.client_id,
        tok: token,
        iat: now,
        ctx,
    };
    Ok(format!("signed_token_{}", sign(key, &claims)?))
}

fn sign<T: Serialize>(key: &ServiceAccountKey, claims: &T) -> Result<String> {
    let header = Header::new(Algorithm::RS256);
    jsonwebtoken::encode(&header, claims, &key.signing_key).map_err(|_| {
        Error::auth("could not sign the JWT with the service account's private key")
            .with_field("privateKey")
    })
}

fn with_request_id(err: Error, request_id: Option<String>) -> Error {
    match request_id {
        Some(id) => err.with_request_id(id),
        None => err,
    }
}

fn network_error(e: &reqwest::Error) -> Error {
    // reqwest's message names the URL (the token endpoint, not a secret) and the cause.
    let message = format!("could not reach the token endpoint: {e}");
    if e.is_timeout() {
        Error::timeout(message)
    } else {
        Error::transport(message)
    }
}

/// An auth error for a non-2xx exchange, carrying Skyflow's error envelope when present.
fn exchange_failure(
    status: u16,
    request_id: Option<String>,
    body: &[u8],
    assertion: &str,
) -> Error {
    let envelope: Option<Value> = serde_json::from_slice(body).ok();
    let error = envelope.as_ref().and_then(|v| v.get("error"));
    let server_message = match error {
        Some(Value::Object(e)) => e.get("message").and_then(Value::as_str).map(str::to_owned),
        Some(Value::String(s)) => Some(s.clone()),
        _ => envelope
            .as_ref()
            .and_then(|v| v.get("message"))
            .and_then(Value::as_str)
            .map(str::to_owned),
    };
    let lead = if status == 401 {
        "authorization failed while retrieving the bearer token"
    } else {
        "failed to generate the bearer token"
    };
    let message = match server_message {
        // The server should never quote the assertion back; make sure we never do.
        Some(m) if !m.is_empty() => format!("{lead}: {}", m.replace(assertion, "** redacted **")),
        _ => format!("{lead} (token endpoint answered {status})"),
    };
    let mut err = Error::auth(message).with_status(status);
    if let Some(Value::Object(e)) = error {
        if let Some(code) = e.get("http_code").and_then(Value::as_u64)
            && let Ok(code) = u16::try_from(code)
        {
            err = err.with_http_code(code);
        }
        if let Some(code) = e.get("grpc_code").and_then(Value::as_i64)
            && let Ok(code) = i32::try_from(code)
        {
            err = err.with_grpc_code(code);
        }
        if let Some(text) = e.get("http_status").and_then(Value::as_str) {
            err = err.with_http_status(text);
        }
        if let Some(Value::Array(details)) = e.get("details") {
            err = err.with_details(details.clone());
        }
    }
    with_request_id(err, request_id)
}

/// The HTTP client used by the standalone functions: rustls, bounded timeouts.
pub(crate) fn default_http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| Error::transport(format!("could not build the HTTP client: {e}")))
}
