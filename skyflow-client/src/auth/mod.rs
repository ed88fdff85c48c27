//! Bearer tokens for requests: where the `Authorization` header comes from.
//!
//! The transport only sees [`BearerSource`]; credentials (API key, static token, service
//! account) implement it. Service-account sources cache the exchanged token, refresh it
//! ahead of expiry and exchange only once under concurrency.

use std::fmt;

use crate::Result;

mod cache;
pub(crate) mod jwt;
mod sources;
#[cfg(test)]
mod tests;
#[cfg(test)]
#[path = "../../tests/support/token_server.rs"]
pub(crate) mod token_server;

pub(crate) use cache::{DEFAULT_REFRESH_MARGIN, TokenCache};
#[cfg(test)]
pub(crate) use sources::StaticSource;

/// A bearer token value. Its `Debug` never prints the token.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Bearer(String);

impl Bearer {
    /// Wraps a token value.
    pub(crate) fn new(value: impl Into<String>) -> Self {
        Bearer(value.into())
    }

    /// The token, for the `Authorization` header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Bearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bearer(** redacted **)")
    }
}

/// Supplies the bearer token the transport puts on each request.
#[async_trait::async_trait]
pub(crate) trait BearerSource: Send + Sync + fmt::Debug {
    /// The token to use now: cached when still fresh, otherwise newly obtained.
    async fn bearer(&self) -> Result<Bearer>;

    /// Called after the server answered 401 to a request sent with `rejected`: returns a
    /// fresh token, exchanging a new one unless another task already replaced `rejected`.
    /// Returns `Ok(None)` when this source cannot refresh (API keys, static tokens).
    async fn refresh(&self, rejected: &Bearer) -> Result<Option<Bearer>>;
}
