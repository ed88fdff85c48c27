//! The [`BearerSource`]s behind credentials: static values and service accounts.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::jwt;
use super::{Bearer, BearerSource};
use crate::credentials::{Context, Credentials, Secret};
use crate::logging::Logger;
use crate::service_account::exchange::Exchanger;
use crate::service_account::key::{Invalid, ServiceAccountKey};
use crate::{Error, Result};

/// Assumed lifetime of an access token that is not a JWT with `exp`, in seconds. Skyflow's
/// tokens live an hour; a 401 makes the transport refresh early anyway.
const UNKNOWN_LIFETIME_SECS: i64 = 3600;

/// After a failed early refresh (the cached token is still valid), how long to keep using
/// the cached token before trying to renew it again, in seconds.
const EARLY_REFRESH_RETRY_SECS: i64 = 10;

/// An API key or a static bearer token: always the same value, never refreshed.
pub(crate) struct StaticSource {
    bearer: Bearer,
    /// For a static JWT: its expiry, checked before each use.
    expires_at: Option<i64>,
    logger: Logger,
}

impl StaticSource {
    pub(crate) fn api_key(key: &str, logger: Logger) -> Self {
        StaticSource {
            bearer: Bearer::new(key.trim()),
            expires_at: None,
            logger,
        }
    }

    pub(crate) fn bearer_token(token: &str, logger: Logger) -> Self {
        let token = token.trim();
        StaticSource {
            expires_at: jwt::expiry(token),
            bearer: Bearer::new(token),
            logger,
        }
    }
}

impl fmt::Debug for StaticSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticSource")
            .field("bearer", &self.bearer)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl BearerSource for StaticSource {
    async fn bearer(&self) -> Result<Bearer> {
        if let Some(exp) = self.expires_at
            && jwt::now_secs() >= exp
        {
            self.logger
                .error(format_args!("bearer token is invalid or expired"));
            return Err(
                Error::auth("the static bearer token has expired; update the credentials")
                    .with_field("token"),
            );
        }
        Ok(self.bearer.clone())
    }

    async fn refresh(&self, _rejected: &Bearer) -> Result<Option<Bearer>> {
        Ok(None)
    }
}

/// When to refresh a token obtained at `obtained` (seconds) that expires at `expires`:
/// `margin` ahead of expiry, but never more than half the token's lifetime ahead.
pub(crate) fn refresh_at(obtained: i64, expires: i64, margin: Duration) -> i64 {
    let lifetime = expires.saturating_sub(obtained).max(0);
    let margin = i64::try_from(margin.as_secs()).unwrap_or(i64::MAX);
    expires.saturating_sub(margin.min(lifetime / 2))
}

#[derive(Clone)]
struct Cached {
    bearer: Bearer,
    refresh_at: i64,
    expires_at: i64,
}

/// Where a service account's exchanger comes from: validated up front (JSON string) or
/// read from a file on first use.
enum Origin {
    Ready(Arc<Exchanger>),
    File {
        path: PathBuf,
        roles: Vec<String>,
        context: Option<Context>,
        token_uri: Option<String>,
    },
}

/// A service account's bearer tokens: cached, refreshed ahead of expiry, obtained by one
/// exchange at a time.
pub(crate) struct ServiceAccountSource {
    origin: Origin,
    /// The exchanger read from the credentials file; dropped when the token endpoint
    /// refuses the assertion (401), so a rotated file is read again.
    file_exchanger: Mutex<Option<Arc<Exchanger>>>,
    http: reqwest::Client,
    margin: Duration,
    logger: Logger,
    cached: Mutex<Option<Cached>>,
    /// Held while exchanging, so concurrent callers wait for one exchange.
    flight: tokio::sync::Mutex<()>,
}

impl fmt::Debug for ServiceAccountSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountSource")
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl ServiceAccountSource {
    /// A source for service-account credentials; a JSON string is validated now, a file is
    /// read on first use. Errors are configuration errors naming the field.
    pub(crate) fn new(
        creds: &Credentials,
        http: reqwest::Client,
        margin: Duration,
        logger: Logger,
    ) -> Result<Self> {
        let origin = match creds.secret() {
            Secret::ServiceAccountJson(_) => {
                let key = creds
                    .service_account_key()
                    .map_err(|e| e.within("credentials_string").into_config())?;
                Origin::Ready(Arc::new(
                    exchanger_for(creds, key).map_err(Invalid::into_config)?,
                ))
            }
            Secret::ServiceAccountFile(path) => Origin::File {
                path: path.clone(),
                roles: creds.roles().to_vec(),
                context: creds.context().cloned(),
                token_uri: creds.token_uri().map(str::to_owned),
            },
            Secret::ApiKey(_) | Secret::BearerToken(_) => {
                return Err(Error::config(
                    "credentials",
                    "not service-account credentials",
                ));
            }
        };
        Ok(ServiceAccountSource {
            origin,
            file_exchanger: Mutex::new(None),
            http,
            margin,
            logger,
            cached: Mutex::new(None),
            flight: tokio::sync::Mutex::new(()),
        })
    }

    /// The exchanger: ready for a JSON string; for a file, read and parsed on first use
    /// (and again after [`forget_file_key`](Self::forget_file_key)). Call with `flight` held.
    async fn exchanger(&self) -> Result<Arc<Exchanger>> {
        let (path, roles, context, token_uri) = match &self.origin {
            Origin::Ready(ex) => return Ok(ex.clone()),
            Origin::File {
                path,
                roles,
                context,
                token_uri,
            } => (path, roles, context, token_uri),
        };
        if let Some(ex) = self.file_exchanger_slot().clone() {
            return Ok(ex);
        }
        let json = tokio::fs::read_to_string(path).await.map_err(|e| {
            self.logger.error(format_args!(
                "cannot read the credentials file {}",
                path.display()
            ));
            Error::config(
                "path",
                format!(
                    "cannot read credentials file {}: {}",
                    path.display(),
                    e.kind()
                ),
            )
        })?;
        let key = ServiceAccountKey::parse(&json).map_err(|e| e.within("path").into_config())?;
        let ex = Arc::new(
            Exchanger::new(Arc::new(key), roles, context.as_ref(), token_uri.as_deref())
                .map_err(Invalid::into_config)?,
        );
        *self.file_exchanger_slot() = Some(ex.clone());
        Ok(ex)
    }

    fn file_exchanger_slot(&self) -> std::sync::MutexGuard<'_, Option<Arc<Exchanger>>> {
        self.file_exchanger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Drops the key read from the credentials file, so the next exchange reads it again.
    fn forget_file_key(&self) {
        if matches!(self.origin, Origin::File { .. }) {
            *self.file_exchanger_slot() = None;
        }
    }

    fn cached(&self) -> Option<Cached> {
        self.cached
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Exchanges a new token and caches it. Call with `flight` held.
    async fn renew(&self) -> Result<Bearer> {
        let exchanger = self.exchanger().await?;
        self.logger
            .info(format_args!("bearer token generate triggered"));
        let exchanged = exchanger.exchange(&self.http).await.inspect_err(|e| {
            let status = e
                .status()
                .map(|s| format!(" (HTTP {s})"))
                .unwrap_or_default();
            self.logger.error(format_args!(
                "bearer token generation failed: {}{status}",
                e.kind()
            ));
            if e.status() == Some(401) {
                // The endpoint refused the assertion: a credentials file may have been
                // rotated since it was read.
                self.forget_file_key();
            }
        })?;
        let now = jwt::now_secs();
        let expires_at =
            jwt::expiry(&exchanged.access_token).unwrap_or(now + UNKNOWN_LIFETIME_SECS);
        let bearer = Bearer::new(exchanged.access_token);
        *self
            .cached
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Cached {
            bearer: bearer.clone(),
            refresh_at: refresh_at(now, expires_at, self.margin),
            expires_at,
        });
        self.logger.info(format_args!("bearer token generated"));
        Ok(bearer)
    }
}

fn exchanger_for(
    creds: &Credentials,
    key: Arc<ServiceAccountKey>,
) -> std::result::Result<Exchanger, Invalid> {
    Exchanger::new(key, creds.roles(), creds.context(), creds.token_uri())
}

#[async_trait::async_trait]
impl BearerSource for ServiceAccountSource {
    async fn bearer(&self) -> Result<Bearer> {
        if let Some(c) = self.cached()
            && jwt::now_secs() < c.refresh_at
        {
            self.logger.info(format_args!("bearer token reused"));
            return Ok(c.bearer);
        }
        let _flight = self.flight.lock().await;
        // Another caller may have renewed while we waited.
        let Some(c) = self.cached() else {
            return self.renew().await;
        };
        let now = jwt::now_secs();
        if now < c.refresh_at {
            self.logger.info(format_args!("bearer token reused"));
            return Ok(c.bearer);
        }
        if now >= c.expires_at {
            self.logger.info(format_args!("bearer token expired"));
            return self.renew().await;
        }
        self.logger
            .info(format_args!("bearer token due for refresh"));
        match self.renew().await {
            Ok(bearer) => Ok(bearer),
            Err(e) => {
                // The cached token is still valid: keep using it, and try again a little
                // later rather than on every call.
                self.logger.warn(format_args!(
                    "early bearer token refresh failed ({}); using the cached token, which \
                     is still valid",
                    e.kind()
                ));
                let retry_at = now
                    .saturating_add(EARLY_REFRESH_RETRY_SECS)
                    .min(c.expires_at);
                if let Some(cached) = self
                    .cached
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .as_mut()
                    .filter(|cached| cached.bearer == c.bearer)
                {
                    cached.refresh_at = retry_at;
                }
                Ok(c.bearer)
            }
        }
    }

    async fn refresh(&self, rejected: &Bearer) -> Result<Option<Bearer>> {
        let _flight = self.flight.lock().await;
        if let Some(c) = self.cached()
            && &c.bearer != rejected
            && jwt::now_secs() < c.expires_at
        {
            // Someone already replaced the rejected token.
            self.logger.info(format_args!("bearer token reused"));
            return Ok(Some(c.bearer));
        }
        self.logger
            .info(format_args!("bearer token rejected by the server"));
        self.renew().await.map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_margin_is_capped_at_half_the_lifetime() {
        let five_min = Duration::from_secs(300);
        // One-hour token: refresh five minutes early.
        assert_eq!(refresh_at(1000, 4600, five_min), 4300);
        // Ten-minute token: five minutes is exactly half.
        assert_eq!(refresh_at(1000, 1600, five_min), 1300);
        // Two-minute token: at most one minute early.
        assert_eq!(refresh_at(1000, 1120, five_min), 1060);
        // Zero margin: at expiry.
        assert_eq!(refresh_at(1000, 4600, Duration::ZERO), 4600);
        // Already expired when obtained: refresh at expiry (i.e. now).
        assert_eq!(refresh_at(1000, 900, five_min), 900);
    }

    #[tokio::test]
    async fn failed_early_refresh_keeps_the_still_valid_cached_token() {
        use crate::auth::token_server::TokenServer;
        let server = TokenServer::start().await;
        let (captured, _guard) = crate::logging::capture::install();
        let creds = Credentials::service_account_json(server.credentials_json());
        let source = ServiceAccountSource::new(
            &creds,
            reqwest::Client::new(),
            Duration::from_secs(300),
            Logger::new(crate::LogLevel::Warn),
        )
        .unwrap();
        let first = source.bearer().await.unwrap();
        assert_eq!(server.exchanges(), 1);
        let set_times = |refresh_at: i64, expires_at: i64| {
            let mut cached = source.cached.lock().unwrap();
            let cached = cached.as_mut().unwrap();
            cached.refresh_at = refresh_at;
            cached.expires_at = expires_at;
        };
        // Time passes: the token is inside its refresh margin, but still valid.
        let now = jwt::now_secs();
        set_times(now - 1, now + 200);
        server.fail_with(503, r#"{"error":{"message":"token service unavailable"}}"#);
        let second = source.bearer().await.unwrap();
        assert_eq!(second, first, "the cached token is still good");
        assert_eq!(server.rejected(), 1, "a renewal was attempted");
        let text = captured.text();
        assert!(text.contains("WARN"), "{text}");
        assert!(text.contains("early bearer token refresh failed"), "{text}");
        assert!(!text.contains(first.expose()), "{text}");
        // The next call does not hammer the failing endpoint.
        assert_eq!(source.bearer().await.unwrap(), first);
        assert_eq!(server.rejected(), 1);
        // Once the token has expired, a failed renewal fails the call.
        set_times(now - 2, now - 1);
        let err = source.bearer().await.unwrap_err();
        assert_eq!(err.status(), Some(503));
        assert_eq!(server.rejected(), 2);
    }

    #[tokio::test]
    async fn static_sources_never_refresh() {
        let src = StaticSource::api_key(
            "sky-ab1c2-0123456789abcdef0123456789abcdef",
            Logger::new(crate::LogLevel::Off),
        );
        let b = src.bearer().await.unwrap();
        assert_eq!(b.expose(), "sky-ab1c2-0123456789abcdef0123456789abcdef");
        assert!(src.refresh(&b).await.unwrap().is_none());
        assert!(!format!("{src:?}").contains("0123456789abcdef"));
    }
}
