//! The [`BearerSource`]s behind credentials: static values and service accounts.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::OnceCell;

use super::jwt;
use super::{Bearer, BearerSource};
use crate::credentials::{Context, Credentials, Secret};
use crate::service_account::exchange::Exchanger;
use crate::service_account::key::{Invalid, ServiceAccountKey};
use crate::{Error, Result};

/// Assumed lifetime of an access token that is not a JWT with `exp`, in seconds. Skyflow's
/// tokens live an hour; a 401 makes the transport refresh early anyway.
const UNKNOWN_LIFETIME_SECS: i64 = 3600;

/// An API key or a static bearer token: always the same value, never refreshed.
pub(crate) struct StaticSource {
    bearer: Bearer,
    /// For a static JWT: its expiry, checked before each use.
    expires_at: Option<i64>,
}

impl StaticSource {
    pub(crate) fn api_key(key: &str) -> Self {
        StaticSource {
            bearer: Bearer::new(key.trim()),
            expires_at: None,
        }
    }

    pub(crate) fn bearer_token(token: &str) -> Self {
        let token = token.trim();
        StaticSource {
            expires_at: jwt::expiry(token),
            bearer: Bearer::new(token),
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
            tracing::error!("bearer token is invalid or expired");
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
    exchanger: OnceCell<Arc<Exchanger>>,
    http: reqwest::Client,
    margin: Duration,
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
    ) -> Result<Self> {
        let origin = match creds.secret() {
            Secret::ServiceAccountJson(json) => {
                let key = ServiceAccountKey::parse(json)
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
            exchanger: OnceCell::new(),
            http,
            margin,
            cached: Mutex::new(None),
            flight: tokio::sync::Mutex::new(()),
        })
    }

    async fn exchanger(&self) -> Result<&Arc<Exchanger>> {
        self.exchanger
            .get_or_try_init(|| async {
                match &self.origin {
                    Origin::Ready(ex) => Ok(ex.clone()),
                    Origin::File {
                        path,
                        roles,
                        context,
                        token_uri,
                    } => {
                        let json = tokio::fs::read_to_string(path).await.map_err(|e| {
                            tracing::error!(path = %path.display(), "cannot read the credentials file");
                            Error::config(
                                "path",
                                format!(
                                    "cannot read credentials file {}: {}",
                                    path.display(),
                                    e.kind()
                                ),
                            )
                        })?;
                        let key = ServiceAccountKey::parse(&json)
                            .map_err(|e| e.within("path").into_config())?;
                        let ex = Exchanger::new(
                            Arc::new(key),
                            roles,
                            context.as_ref(),
                            token_uri.as_deref(),
                        )
                        .map_err(Invalid::into_config)?;
                        Ok(Arc::new(ex))
                    }
                }
            })
            .await
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
        tracing::info!("bearer token generate triggered");
        let exchanged = exchanger.exchange(&self.http).await.inspect_err(|e| {
            tracing::error!(kind = %e.kind(), status = ?e.status(), "bearer token generation failed");
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
        tracing::info!("bearer token generated");
        Ok(bearer)
    }
}

fn exchanger_for(
    creds: &Credentials,
    key: ServiceAccountKey,
) -> std::result::Result<Exchanger, Invalid> {
    Exchanger::new(
        Arc::new(key),
        creds.roles(),
        creds.context(),
        creds.token_uri(),
    )
}

#[async_trait::async_trait]
impl BearerSource for ServiceAccountSource {
    async fn bearer(&self) -> Result<Bearer> {
        if let Some(c) = self.cached()
            && jwt::now_secs() < c.refresh_at
        {
            tracing::info!("bearer token reused");
            return Ok(c.bearer);
        }
        let _flight = self.flight.lock().await;
        // Another caller may have renewed while we waited.
        match self.cached() {
            Some(c) if jwt::now_secs() < c.refresh_at => {
                tracing::info!("bearer token reused");
                Ok(c.bearer)
            }
            Some(c) => {
                if jwt::now_secs() >= c.expires_at {
                    tracing::info!("bearer token expired");
                } else {
                    tracing::info!("bearer token due for refresh");
                }
                self.renew().await
            }
            None => self.renew().await,
        }
    }

    async fn refresh(&self, rejected: &Bearer) -> Result<Option<Bearer>> {
        let _flight = self.flight.lock().await;
        if let Some(c) = self.cached()
            && &c.bearer != rejected
            && jwt::now_secs() < c.expires_at
        {
            // Someone already replaced the rejected token.
            tracing::info!("bearer token reused");
            return Ok(Some(c.bearer));
        }
        tracing::info!("bearer token rejected by the server");
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
    async fn static_sources_never_refresh() {
        let src = StaticSource::api_key("sky-ab1c2-0123456789abcdef0123456789abcdef");
        let b = src.bearer().await.unwrap();
        assert_eq!(b.expose(), "sky-ab1c2-0123456789abcdef0123456789abcdef");
        assert!(src.refresh(&b).await.unwrap().is_none());
        assert!(!format!("{src:?}").contains("0123456789abcdef"));
    }
}
