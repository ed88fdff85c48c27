//! One bearer source per credentials, shared by every clone of a client.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::BearerSource;
use super::sources::{ServiceAccountSource, StaticSource};
use crate::Result;
use crate::credentials::{Credentials, Secret};
use crate::logging::Logger;

/// Default time before expiry at which a service-account token is refreshed (capped at half
/// the token's lifetime).
pub(crate) const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Hands out the [`BearerSource`] for given credentials, creating it once: every vault and
/// connection using the same credentials (same secret, roles, context and token URI) shares
/// one cached token.
pub(crate) struct TokenCache {
    http: reqwest::Client,
    margin: Duration,
    /// The client's log gate, handed to every source.
    logger: Logger,
    /// Keyed by [`Credentials::identity`], a digest; never log the key.
    sources: Mutex<HashMap<[u8; 32], Arc<dyn BearerSource>>>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self.sources.lock().map(|m| m.len()).unwrap_or_default();
        f.debug_struct("TokenCache")
            .field("margin", &self.margin)
            .field("sources", &len)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// A cache whose token exchanges go through `http` (the client's shared pool) and
    /// whose sources log through `logger` (the client's log gate).
    pub(crate) fn new(http: reqwest::Client, logger: Logger) -> Self {
        TokenCache {
            http,
            margin: DEFAULT_REFRESH_MARGIN,
            logger,
            sources: Mutex::new(HashMap::new()),
        }
    }

    /// Sets how long before expiry service-account tokens are refreshed (never more than
    /// half a token's lifetime). Applies to sources created afterwards.
    #[must_use]
    pub(crate) fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The source for `creds`, created (and the credentials validated) on first request.
    /// Invalid credentials give a configuration error naming the field.
    pub(crate) fn source_for(&self, creds: &Credentials) -> Result<Arc<dyn BearerSource>> {
        let id = creds.identity();
        let mut sources = self
            .sources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(source) = sources.get(&id) {
            return Ok(source.clone());
        }
        creds.validate()?;
        let source: Arc<dyn BearerSource> = match creds.secret() {
            Secret::ApiKey(key) => Arc::new(StaticSource::api_key(key, self.logger.clone())),
            Secret::BearerToken(token) => {
                Arc::new(StaticSource::bearer_token(token, self.logger.clone()))
            }
            Secret::ServiceAccountFile(_) | Secret::ServiceAccountJson(_) => {
                Arc::new(ServiceAccountSource::new(
                    creds,
                    self.http.clone(),
                    self.margin,
                    self.logger.clone(),
                )?)
            }
        };
        sources.insert(id, source.clone());
        Ok(source)
    }

    /// Drops the cached source (and token) for `creds`, if any.
    pub(crate) fn forget(&self, creds: &Credentials) {
        self.sources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&creds.identity());
    }

    /// Number of distinct credentials with a source.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.sources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}
