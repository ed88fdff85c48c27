//! The [`Skyflow`] client, its builder and the per-vault, per-connection handles.
//!
//! ```no_run
//! use skyflow_client::credentials::Credentials;
//! use skyflow_client::{ConnectionConfig, Env, LogLevel, Skyflow, VaultConfig};
//!
//! # fn main() -> skyflow_client::Result<()> {
//! let client = Skyflow::builder()
//!     .vault_config(VaultConfig::new("a1b2c3", "ebfc9bee4242", Env::Prod))
//!     .connection_config(ConnectionConfig::new("conn1", "https://gw.example.com/route"))
//!     .credentials(Credentials::service_account_file("credentials.json"))
//!     .log_level(LogLevel::Info)
//!     .build()?;
//!
//! let vault = client.vault("a1b2c3")?;        // by id
//! let same = client.default_vault()?;         // the first configured vault
//! assert_eq!(vault.vault_id(), same.vault_id());
//! let conn = client.default_connection()?;
//! # let _ = conn;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use reqwest::header::HeaderMap;

#[cfg(test)]
use crate::auth::BearerSource;
use crate::auth::{DEFAULT_REFRESH_MARGIN, TokenCache};
use crate::config::{
    BulkConfig, ConnectionConfig, LogLevel, RetryConfig, TimeoutConfig, VaultConfig,
};
use crate::connection::{
    INVOKE_OP, InvokeConnectionRequest, InvokeConnectionResponse, split_connection_url,
};
use crate::credentials::Credentials;
use crate::http::transport::allowed_header;
use crate::http::{AuthStyle, HttpShared, Transport};
use crate::logging::Logger;
use crate::vault::CallOptions;
use crate::{Error, Result};

/// A Skyflow client: the vaults and connections it knows, the credentials, the HTTP
/// connection pool, the bearer-token cache and the log level.
///
/// `Skyflow` is cheap to clone (one reference count) and `Send + Sync`; every clone shares
/// the same configuration, pool, token cache and log level, so a change made through one
/// clone is seen by all. Handles ([`VaultClient`], [`DetectClient`], [`ConnectionClient`])
/// are snapshots: they use the configuration and credentials in force when they were taken.
///
/// Credentials are chosen when a handle is taken: the vault's or connection's own, else the
/// client-wide ones, else the `SKYFLOW_CREDENTIALS` environment variable.
///
/// ```
/// use skyflow_client::credentials::Credentials;
/// use skyflow_client::{Env, Skyflow, VaultConfig};
///
/// # fn main() -> skyflow_client::Result<()> {
/// let client = Skyflow::builder()
///     .vault_config(VaultConfig::from_base_url("v1", "http://127.0.0.1:8080"))
///     .credentials(Credentials::api_key("sky-ab1c2-0123456789abcdef0123456789abcdef"))
///     .build()?;
/// let worker = client.clone(); // shares pool, token cache and configuration
/// worker.add_vault_config(VaultConfig::new("v2", "abc123", Env::Sandbox))?;
/// assert_eq!(client.vault_ids(), ["v1", "v2"]);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Skyflow {
    inner: Arc<Inner>,
}

struct Inner {
    state: RwLock<State>,
    http: Arc<HttpShared>,
    tokens: TokenCache,
    retry: RetryConfig,
    timeout: TimeoutConfig,
    bulk: BulkConfig,
    headers: Arc<HeaderMap>,
}

#[derive(Default)]
struct State {
    vaults: Vec<VaultConfig>,
    connections: Vec<ConnectionConfig>,
    credentials: Option<Credentials>,
}

impl fmt::Debug for Skyflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("Skyflow")
            .field("vaults", &state.vaults)
            .field("connections", &state.connections)
            .field("credentials", &state.credentials)
            .field("log_level", &self.inner.http.logger().level())
            .field("retry", &self.inner.retry)
            .field("timeout", &self.inner.timeout)
            .field("bulk", &self.inner.bulk)
            .field(
                "headers",
                &self
                    .inner
                    .headers
                    .keys()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Builds a [`Skyflow`] client.
///
/// ```
/// use std::time::Duration;
/// use skyflow_client::{Env, LogLevel, RetryConfig, Skyflow, TimeoutConfig, VaultConfig};
///
/// # fn main() -> skyflow_client::Result<()> {
/// let client = Skyflow::builder()
///     .vault_config(VaultConfig::new("a1b2c3", "ebfc9bee4242", Env::Prod))
///     .retry(RetryConfig::standard().with_max_attempts(4))
///     .timeout(TimeoutConfig::standard().with_overall(Duration::from_secs(30)))
///     .header("x-skyflow-account-id", "acc-123")
///     .log_level(LogLevel::Warn)
///     .build()?;
/// assert_eq!(client.log_level(), LogLevel::Warn);
///
/// let err = Skyflow::builder().header("x-api-key", "k").build().unwrap_err();
/// assert_eq!(err.field(), Some("headers"));
/// # Ok(())
/// # }
/// ```
#[derive(Default)]
#[must_use]
pub struct SkyflowBuilder {
    vaults: Vec<VaultConfig>,
    connections: Vec<ConnectionConfig>,
    credentials: Option<Credentials>,
    log_level: LogLevel,
    retry: RetryConfig,
    timeout: TimeoutConfig,
    bulk: BulkConfig,
    headers: Vec<(String, String)>,
    refresh_margin: Option<Duration>,
}

impl fmt::Debug for SkyflowBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SkyflowBuilder")
            .field("vaults", &self.vaults)
            .field("connections", &self.connections)
            .field("credentials", &self.credentials)
            .field("log_level", &self.log_level)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("bulk", &self.bulk)
            .field("refresh_margin", &self.refresh_margin)
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl SkyflowBuilder {
    /// Adds a vault. The first vault added is the default one.
    ///
    /// ```
    /// use skyflow_client::{Env, Skyflow, VaultConfig};
    /// let builder = Skyflow::builder().vault_config(VaultConfig::new("v1", "c1", Env::Prod));
    /// # let _ = builder;
    /// ```
    pub fn vault_config(mut self, config: VaultConfig) -> Self {
        self.vaults.push(config);
        self
    }

    /// Adds a connection. The first connection added is the default one.
    ///
    /// ```
    /// use skyflow_client::{ConnectionConfig, Skyflow};
    /// let builder = Skyflow::builder()
    ///     .connection_config(ConnectionConfig::new("c1", "https://gw.example.com/route"));
    /// # let _ = builder;
    /// ```
    pub fn connection_config(mut self, config: ConnectionConfig) -> Self {
        self.connections.push(config);
        self
    }

    /// Sets the client-wide credentials, used by vaults and connections without their own.
    ///
    /// ```
    /// use skyflow_client::{Skyflow, credentials::Credentials};
    /// let builder = Skyflow::builder().credentials(Credentials::service_account_file("sa.json"));
    /// # let _ = builder;
    /// ```
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Sets the log level (default [`LogLevel::Error`]). See [`crate::logging`].
    ///
    /// ```
    /// use skyflow_client::{LogLevel, Skyflow};
    /// let builder = Skyflow::builder().log_level(LogLevel::Info);
    /// # let _ = builder;
    /// ```
    pub fn log_level(mut self, level: LogLevel) -> Self {
        self.log_level = level;
        self
    }

    /// Sets the client-wide retry policy (default [`RetryConfig::standard`]); a vault's own
    /// setting wins.
    ///
    /// ```
    /// use skyflow_client::{RetryConfig, Skyflow};
    /// let builder = Skyflow::builder().retry(RetryConfig::disabled());
    /// # let _ = builder;
    /// ```
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the client-wide timeouts (default [`TimeoutConfig::standard`]); a vault's own
    /// setting wins. Connections use the client-wide timeouts.
    ///
    /// ```
    /// use std::time::Duration;
    /// use skyflow_client::{Skyflow, TimeoutConfig};
    /// let builder = Skyflow::builder()
    ///     .timeout(TimeoutConfig::standard().with_connect(Duration::from_secs(3)));
    /// # let _ = builder;
    /// ```
    pub fn timeout(mut self, timeout: TimeoutConfig) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets how large vault requests are split into batches and how many batches are sent
    /// at once (default [`BulkConfig::standard`]); a vault's own setting wins.
    ///
    /// ```
    /// use skyflow_client::{BulkConfig, Skyflow};
    /// let builder = Skyflow::builder().bulk(BulkConfig::standard().with_concurrency(8));
    /// # let _ = builder;
    /// ```
    pub fn bulk(mut self, bulk: BulkConfig) -> Self {
        self.bulk = bulk;
        self
    }

    /// Adds a header sent with every vault and Detect call. Only `x-request-id`,
    /// `x-skyflow-account-id` and `x-skyflow-account-name` are allowed (as in the Go SDK);
    /// [`build`](Self::build) rejects any other name with a config error on `headers`.
    ///
    /// ```
    /// use skyflow_client::Skyflow;
    /// let builder = Skyflow::builder().header("x-skyflow-account-name", "acme");
    /// # let _ = builder;
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets how long before its expiry a service-account bearer token is replaced
    /// (default 5 minutes, never more than half of a token's lifetime).
    ///
    /// ```
    /// use std::time::Duration;
    /// use skyflow_client::Skyflow;
    /// let builder = Skyflow::builder().token_refresh_margin(Duration::from_secs(60));
    /// # let _ = builder;
    /// ```
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = Some(margin);
        self
    }

    /// Checks everything and builds the client.
    ///
    /// Errors ([`Config`](crate::ErrorKind::Config), naming the field and the config it
    /// belongs to): a vault or connection config that fails its `validate`
    /// (`vaults[<id>].<field>`, `connections[<id>].<field>`, e.g.
    /// `vaults[v2].credentials.api_key`), two vaults or two connections with the same id
    /// (`vaults[<id>].vault_id` / `connections[<id>].connection_id`), invalid client-wide
    /// credentials (`credentials.<field>`), a custom header outside the allow-list
    /// (`headers`), zero attempts (`max_attempts`) or zero timeouts.
    ///
    /// ```
    /// use skyflow_client::{Env, Skyflow, VaultConfig};
    /// let err = Skyflow::builder()
    ///     .vault_config(VaultConfig::new("v1", "c1", Env::Prod))
    ///     .vault_config(VaultConfig::new("v1", "c2", Env::Prod))
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(err.field(), Some("vaults[v1].vault_id"));
    /// ```
    pub fn build(self) -> Result<Skyflow> {
        let mut state = State::default();
        for config in self.vaults {
            add_entry(&mut state.vaults, config)?;
        }
        for config in self.connections {
            add_entry(&mut state.connections, config)?;
        }
        if let Some(credentials) = &self.credentials {
            credentials
                .validate()
                .map_err(|e| in_config("credentials", e))?;
        }
        state.credentials = self.credentials;
        self.retry.validate()?;
        self.timeout.validate()?;
        self.bulk.validate()?;
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let (name, value) =
                allowed_header(name, value, |message| Error::config("headers", message))?;
            headers.insert(name, value);
        }
        let http = Arc::new(HttpShared::new(Logger::new(self.log_level)));
        let tokens = TokenCache::new(http.client(self.timeout.connect())?, http.logger().clone())
            .with_refresh_margin(self.refresh_margin.unwrap_or(DEFAULT_REFRESH_MARGIN));
        let client = Skyflow {
            inner: Arc::new(Inner {
                state: RwLock::new(state),
                http,
                tokens,
                retry: self.retry,
                timeout: self.timeout,
                bulk: self.bulk,
                headers: Arc::new(headers),
            }),
        };
        client.logger().info(format_args!("client initialized"));
        Ok(client)
    }
}

/// Names the configuration an error comes from in its field: `api_key` in the client-wide
/// credentials becomes `credentials.api_key`, `cluster_id` of vault `v2` (with the label
/// `vaults[v2]`) becomes `vaults[v2].cluster_id`.
fn in_config(label: &str, err: Error) -> Error {
    let field = match err.field() {
        Some(field) => format!("{label}.{field}"),
        None => label.to_owned(),
    };
    err.with_field(field)
}

/// A per-id config the client keeps a list of (vaults and connections): the add, update,
/// remove and look-up steps are the same for both.
trait ConfigEntry: Clone {
    /// `vault` or `connection`, as used in messages and log lines.
    const KIND: &'static str;
    /// The field naming the id in error messages.
    const ID_FIELD: &'static str;
    fn entry_id(&self) -> &str;
    fn own_credentials(&self) -> Option<&Credentials>;
    fn check(&self) -> Result<()>;
    fn entries(state: &State) -> &Vec<Self>;
    fn entries_mut(state: &mut State) -> &mut Vec<Self>;

    /// Where a config error is reported, e.g. `vaults[v1]`.
    fn label(&self) -> String {
        format!("{}s[{}]", Self::KIND, self.entry_id().trim())
    }

    fn unknown(id: &str) -> Error {
        Error::config(
            Self::ID_FIELD,
            format!("{} `{id}` is not configured", Self::KIND),
        )
    }
}

impl ConfigEntry for VaultConfig {
    const KIND: &'static str = "vault";
    const ID_FIELD: &'static str = "vault_id";
    fn entry_id(&self) -> &str {
        self.vault_id()
    }
    fn own_credentials(&self) -> Option<&Credentials> {
        self.credentials()
    }
    fn check(&self) -> Result<()> {
        self.validate()
    }
    fn entries(state: &State) -> &Vec<Self> {
        &state.vaults
    }
    fn entries_mut(state: &mut State) -> &mut Vec<Self> {
        &mut state.vaults
    }
}

impl ConfigEntry for ConnectionConfig {
    const KIND: &'static str = "connection";
    const ID_FIELD: &'static str = "connection_id";
    fn entry_id(&self) -> &str {
        self.connection_id()
    }
    fn own_credentials(&self) -> Option<&Credentials> {
        self.credentials()
    }
    fn check(&self) -> Result<()> {
        self.validate()
    }
    fn entries(state: &State) -> &Vec<Self> {
        &state.connections
    }
    fn entries_mut(state: &mut State) -> &mut Vec<Self> {
        &mut state.connections
    }
}

fn add_entry<T: ConfigEntry>(entries: &mut Vec<T>, config: T) -> Result<()> {
    config.check().map_err(|e| in_config(&config.label(), e))?;
    if entries.iter().any(|c| c.entry_id() == config.entry_id()) {
        return Err(in_config(
            &config.label(),
            Error::config(
                T::ID_FIELD,
                format!("{} `{}` is configured twice", T::KIND, config.entry_id()),
            ),
        ));
    }
    entries.push(config);
    Ok(())
}

impl Skyflow {
    /// Starts building a client.
    ///
    /// ```
    /// let client = skyflow_client::Skyflow::builder().build()?;
    /// assert!(client.vault_ids().is_empty());
    /// # Ok::<(), skyflow_client::Error>(())
    /// ```
    pub fn builder() -> SkyflowBuilder {
        SkyflowBuilder::default()
    }

    fn state(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.inner
            .state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn state_mut(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.inner
            .state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn logger(&self) -> &Logger {
        self.inner.http.logger()
    }

    /// Drops the cached token of the credentials a config with `own` credentials uses, so
    /// the next handle exchanges a new one.
    fn forget_tokens(&self, own: Option<&Credentials>) {
        let client_wide = self.state().credentials.clone();
        if let Ok(credentials) = Credentials::select(own, client_wide.as_ref()) {
            self.inner.tokens.forget(&credentials);
        }
    }

    /// Drops the cached token of a removed config's own credentials, unless the client or
    /// another config still uses the same credentials.
    fn forget_unused_tokens(&self, own: Option<&Credentials>) {
        let Some(own) = own else { return };
        let id = own.identity();
        let in_use = {
            let state = self.state();
            let same = |c: Option<&Credentials>| c.is_some_and(|c| c.identity() == id);
            same(state.credentials.as_ref())
                || state.vaults.iter().any(|v| same(v.credentials()))
                || state.connections.iter().any(|c| same(c.credentials()))
        };
        if !in_use {
            self.inner.tokens.forget(own);
        }
    }

    fn add_entry<T: ConfigEntry>(&self, config: T) -> Result<()> {
        let id = config.entry_id().to_owned();
        add_entry(T::entries_mut(&mut self.state_mut()), config)?;
        self.logger().info(format_args!(
            "{kind} config added for {kind} id {id}",
            kind = T::KIND
        ));
        Ok(())
    }

    fn update_entry<T: ConfigEntry>(&self, config: T) -> Result<()> {
        config.check().map_err(|e| in_config(&config.label(), e))?;
        let id = config.entry_id().to_owned();
        let new_credentials = config.own_credentials().cloned();
        let old = {
            let mut state = self.state_mut();
            let slot = T::entries_mut(&mut state)
                .iter_mut()
                .find(|c| c.entry_id() == id)
                .ok_or_else(|| T::unknown(&id))?;
            std::mem::replace(slot, config)
        };
        // An updated config gets a new token exchange (wire protocol §2.5).
        self.forget_tokens(old.own_credentials());
        self.forget_tokens(new_credentials.as_ref());
        self.logger().info(format_args!(
            "{kind} config updated for {kind} id {id}",
            kind = T::KIND
        ));
        Ok(())
    }

    fn remove_entry<T: ConfigEntry>(&self, id: &str) -> Result<T> {
        let removed = {
            let mut state = self.state_mut();
            let entries = T::entries_mut(&mut state);
            let index = entries
                .iter()
                .position(|c| c.entry_id() == id)
                .ok_or_else(|| T::unknown(id))?;
            entries.remove(index)
        };
        self.forget_unused_tokens(removed.own_credentials());
        self.logger().info(format_args!(
            "{kind} config removed for {kind} id {id}",
            kind = T::KIND
        ));
        Ok(removed)
    }

    fn entry<T: ConfigEntry>(&self, id: &str) -> Result<T> {
        T::entries(&self.state())
            .iter()
            .find(|c| c.entry_id() == id)
            .cloned()
            .ok_or_else(|| T::unknown(id))
    }

    fn entry_ids<T: ConfigEntry>(&self) -> Vec<String> {
        T::entries(&self.state())
            .iter()
            .map(|c| c.entry_id().to_owned())
            .collect()
    }

    // ----- handles -------------------------------------------------------------------

    /// A handle for the vault `vault_id`, for records, tokens, query and files.
    ///
    /// Fails with a [`Config`](crate::ErrorKind::Config) error when the vault is not
    /// configured (`vault_id`) or no credentials can be found (`credentials`).
    ///
    /// ```
    /// use skyflow_client::{Skyflow, VaultConfig, credentials::Credentials};
    /// # fn main() -> skyflow_client::Result<()> {
    /// let client = Skyflow::builder()
    ///     .vault_config(VaultConfig::from_base_url("v1", "http://127.0.0.1:8080"))
    ///     .credentials(Credentials::api_key("sky-ab1c2-0123456789abcdef0123456789abcdef"))
    ///     .build()?;
    /// assert_eq!(client.vault("v1")?.vault_id(), "v1");
    /// assert!(client.vault("nope").unwrap_err().is_config());
    /// # Ok(())
    /// # }
    /// ```
    pub fn vault(&self, vault_id: &str) -> Result<VaultClient> {
        self.vault_handle(Some(vault_id))
    }

    /// A handle for the first configured vault.
    ///
    /// ```
    /// use skyflow_client::{Skyflow, VaultConfig, credentials::Credentials};
    /// # fn main() -> skyflow_client::Result<()> {
    /// let client = Skyflow::builder()
    ///     .vault_config(VaultConfig::from_base_url("v1", "http://127.0.0.1:8080"))
    ///     .credentials(Credentials::api_key("sky-ab1c2-0123456789abcdef0123456789abcdef"))
    ///     .build()?;
    /// assert_eq!(client.default_vault()?.vault_id(), "v1");
    /// # Ok(())
    /// # }
    /// ```
    pub fn default_vault(&self) -> Result<VaultClient> {
        self.vault_handle(None)
    }

    fn vault_handle(&self, vault_id: Option<&str>) -> Result<VaultClient> {
        let (vault_id, transport, bulk) = self.vault_transport(vault_id)?;
        self.logger()
            .info(format_args!("vault handle created for vault id {vault_id}"));
        Ok(VaultClient {
            vault_id,
            transport,
            bulk,
            options: Arc::new(CallOptions::new()),
        })
    }

    /// A handle for Skyflow Detect (de-identification) through the vault `vault_id`.
    ///
    /// ```
    /// use skyflow_client::{Skyflow, VaultConfig, credentials::Credentials};
    /// # fn main() -> skyflow_client::Result<()> {
    /// let client = Skyflow::builder()
    ///     .vault_config(VaultConfig::from_base_url("v1", "http://127.0.0.1:8080"))
    ///     .credentials(Credentials::api_key("sky-ab1c2-0123456789abcdef0123456789abcdef"))
    ///     .build()?;
    /// assert_eq!(client.detect("v1")?.vault_id(), "v1");
    /// # Ok(())
    /// # }
    /// ```
    pub fn detect(&self, vault_id: &str) -> Result<DetectClient> {
        let (vault_id, transport, _) = self.vault_transport(Some(vault_id))?;
        self.logger().info(format_args!(
            "detect handle created for vault id {vault_id}"
        ));
        Ok(DetectClient {
            vault_id,
            transport,
        })
    }

    /// A Detect handle for the first configured vault.
    ///
    /// ```
    /// use skyflow_client::{Skyflow, VaultConfig, credentials::Credentials};
    /// # fn main() -> skyflow_client::Result<()> {
    /// let client = Skyflow::builder()
    ///     .vault_config(VaultConfig::from_base_url("v1", "http://127.0.0.1:8080"))
    ///     .credentials(Credentials::api_key("sky-ab1c2-0123456789abcdef0123456789abcdef"))
    ///     .build()?;
    /// assert_eq!(client.default_detect()?.vault_id(), "v1");
    /// # Ok(())
    /// # }
    /// ```
    pub fn default_detect(&self) -> Result<DetectClient> {
        let (vault_id, transport, _) = self.vault_transport(None)?;
        self.logger().info(format_args!(
            "detect handle created for vault id {vault_id}"
        ));
        Ok(DetectClient {
            vault_id,
            transport,
        })
    }

    /// A handle for invoking the connection `connection_id`.
    ///
    /// ```
    /// use skyflow_client::{ConnectionConfig, Skyflow, credentials::Credentials};
    /// # fn main() -> skyflow_client::Result<()> {
    /// let client = Skyflow::builder()
    ///     .connection_config(ConnectionConfig::new("c1", "https://gw.example.com/route"))
    ///     .credentials(Credentials::api_key("sky-ab1c2-0123456789abcdef0123456789abcdef"))
    ///     .build()?;
    /// assert_eq!(client.connection("c1")?.connection_id(), "c1");
    /// # Ok(())
    /// # }
    /// ```
    pub fn connection(&self, connection_id: &str) -> Result<ConnectionClient> {
        self.connection_handle(Some(connection_id))
    }

    /// A handle for the first configured connection.
    ///
    /// ```
    /// use skyflow_client::{ConnectionConfig, Skyflow, credentials::Credentials};
    /// # fn main() -> skyflow_client::Result<()> {
    /// let client = Skyflow::builder()
    ///     .connection_config(ConnectionConfig::new("c1", "https://gw.example.com/route"))
    ///     .credentials(Credentials::api_key("sky-ab1c2-0123456789abcdef0123456789abcdef"))
    ///     .build()?;
    /// assert_eq!(client.default_connection()?.connection_id(), "c1");
    /// # Ok(())
    /// # }
    /// ```
    pub fn default_connection(&self) -> Result<ConnectionClient> {
        self.connection_handle(None)
    }

    fn vault_transport(&self, vault_id: Option<&str>) -> Result<(Arc<str>, Transport, BulkConfig)> {
        let (config, client_credentials) = {
            let state = self.state();
            let config = match vault_id {
                Some(id) => state
                    .vaults
                    .iter()
                    .find(|v| v.vault_id() == id)
                    .ok_or_else(|| VaultConfig::unknown(id))?,
                None => state.vaults.first().ok_or_else(|| {
                    Error::config("vault_id", "no vault is configured; add a vault config")
                })?,
            };
            (config.clone(), state.credentials.clone())
        };
        // The config and the client-wide credentials were validated when they were added.
        let credentials = Credentials::select(config.credentials(), client_credentials.as_ref())?;
        let bearer = self.inner.tokens.source_for(&credentials)?;
        let transport = Transport::new(
            self.inner.http.clone(),
            &config.url_unchecked(),
            bearer,
            config.retry().unwrap_or(self.inner.retry),
            config.timeout().unwrap_or(self.inner.timeout),
            self.inner.headers.clone(),
            AuthStyle::Vault,
        )?
        .for_target("vault_id", config.vault_id());
        let bulk = config.bulk().unwrap_or(self.inner.bulk);
        Ok((Arc::from(config.vault_id()), transport, bulk))
    }

    fn connection_handle(&self, connection_id: Option<&str>) -> Result<ConnectionClient> {
        let (config, client_credentials) = {
            let state = self.state();
            let config = match connection_id {
                Some(id) => state
                    .connections
                    .iter()
                    .find(|c| c.connection_id() == id)
                    .ok_or_else(|| ConnectionConfig::unknown(id))?,
                None => state.connections.first().ok_or_else(|| {
                    Error::config(
                        "connection_id",
                        "no connection is configured; add a connection config",
                    )
                })?,
            };
            (config.clone(), state.credentials.clone())
        };
        let credentials = Credentials::select(config.credentials(), client_credentials.as_ref())?;
        let bearer = self.inner.tokens.source_for(&credentials)?;
        let url = config.connection_url().trim().trim_end_matches('/');
        let (origin, path) = split_connection_url(url);
        let transport = Transport::new(
            self.inner.http.clone(),
            origin,
            bearer,
            config.retry().unwrap_or(self.inner.retry),
            config.timeout().unwrap_or(self.inner.timeout),
            Arc::new(HeaderMap::new()),
            AuthStyle::Connection,
        )?
        .for_target("connection_id", config.connection_id());
        self.logger().info(format_args!(
            "connection handle created for connection id {}",
            config.connection_id()
        ));
        Ok(ConnectionClient {
            connection_id: Arc::from(config.connection_id()),
            url: Arc::from(url),
            path: Arc::from(path),
            transport,
        })
    }

    // ----- vault configs -------------------------------------------------------------

    /// Adds a vault after build. Fails like [`SkyflowBuilder::build`] on an invalid config
    /// or an id already present.
    ///
    /// ```
    /// use skyflow_client::{Env, Skyflow, VaultConfig};
    /// # fn main() -> skyflow_client::Result<()> {
    /// let client = Skyflow::builder().build()?;
    /// client.add_vault_config(VaultConfig::new("v1", "c1", Env::Prod))?;
    /// assert!(client.add_vault_config(VaultConfig::new("v1", "c2", Env::Prod)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_vault_config(&self, config: VaultConfig) -> Result<()> {
        self.add_entry(config)
    }

    /// Replaces the configuration of the vault with the same id. Handles taken earlier keep
    /// the old settings; take a new handle to use the new ones.
    ///
    /// ```
    /// use skyflow_client::{Env, Skyflow, VaultConfig};
    /// # fn main() -> skyflow_client::Result<()> {
    /// let client = Skyflow::builder()
    ///     .vault_config(VaultConfig::new("v1", "c1", Env::Prod))
    ///     .build()?;
    /// client.update_vault_config(VaultConfig::new("v1", "c1", Env::Sandbox))?;
    /// assert_eq!(client.vault_config("v1")?.env(), Env::Sandbox);
    /// # Ok(())
    /// # }
    /// ```
    pub fn update_vault_config(&self, config: VaultConfig) -> Result<()> {
        self.update_entry(config)
    }

    /// Removes a vault and returns its configuration.
    ///
    /// ```
    /// use skyflow_client::{Env, Skyflow, VaultConfig};
    /// # fn main() -> skyflow_client::Result<()> {
    /// let client = Skyflow::builder()
    ///     .vault_config(VaultConfig::new("v1", "c1", Env::Prod))
    ///     .build()?;
    /// let removed = client.remove_vault_config("v1")?;
    /// assert_eq!(removed.vault_id(), "v1");
    /// assert!(client.vault_config("v1").is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn remove_vault_config(&self, vault_id: &str) -> Result<VaultConfig> {
        self.remove_entry(vault_id)
    }

    /// The configuration of a vault.
    ///
    /// ```
    /// use skyflow_client::{Env, Skyflow, VaultConfig};
    /// # fn main() -> skyflow_client::Result<()> {
    /// let client = Skyflow::builder()
    ///     .vault_config(VaultConfig::new("v1", "c1", Env::Prod))
    ///     .build()?;
    /// assert_eq!(client.vault_config("v1")?.cluster_id(), Some("c1"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn vault_config(&self, vault_id: &str) -> Result<VaultConfig> {
        self.entry(vault_id)
    }

    /// The ids of the configured vaults, in order (the first is the default).
    ///
    /// ```
    /// let client = skyflow_client::Skyflow::builder().build()?;
    /// assert!(client.vault_ids().is_empty());
    /// # Ok::<(), skyflow_client::Error>(())
    /// ```
    pub fn vault_ids(&self) -> Vec<String> {
        self.entry_ids::<VaultConfig>()
    }

    // ----- connection configs --------------------------------------------------------

    /// Adds a connection after build.
    ///
    /// ```
    /// use skyflow_client::{ConnectionConfig, Skyflow};
    /// # fn main() -> skyflow_client::Result<()> {
    /// let client = Skyflow::builder().build()?;
    /// client.add_connection_config(ConnectionConfig::new("c1", "https://gw.example.com"))?;
    /// assert_eq!(client.connection_ids(), ["c1"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_connection_config(&self, config: ConnectionConfig) -> Result<()> {
        self.add_entry(config)
    }

    /// Replaces the configuration of the connection with the same id.
    ///
    /// ```
    /// use skyflow_client::{ConnectionConfig, Skyflow};
    /// # fn main() -> skyflow_client::Result<()> {
    /// let client = Skyflow::builder()
    ///     .connection_config(ConnectionConfig::new("c1", "https://a.example.com"))
    ///     .build()?;
    /// client.update_connection_config(ConnectionConfig::new("c1", "https://b.example.com"))?;
    /// assert_eq!(client.connection_config("c1")?.connection_url(), "https://b.example.com");
    /// # Ok(())
    /// # }
    /// ```
    pub fn update_connection_config(&self, config: ConnectionConfig) -> Result<()> {
        self.update_entry(config)
    }

    /// Removes a connection and returns its configuration.
    ///
    /// ```
    /// use skyflow_client::{ConnectionConfig, Skyflow};
    /// # fn main() -> skyflow_client::Result<()> {
    /// let client = Skyflow::builder()
    ///     .connection_config(ConnectionConfig::new("c1", "https://a.example.com"))
    ///     .build()?;
    /// client.remove_connection_config("c1")?;
    /// assert!(client.connection_ids().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn remove_connection_config(&self, connection_id: &str) -> Result<ConnectionConfig> {
        self.remove_entry(connection_id)
    }

    /// The configuration of a connection.
    ///
    /// ```
    /// use skyflow_client::{ConnectionConfig, Skyflow};
    /// # fn main() -> skyflow_client::Result<()> {
    /// let client = Skyflow::builder()
    ///     .connection_config(ConnectionConfig::new("c1", "https://a.example.com"))
    ///     .build()?;
    /// assert_eq!(client.connection_config("c1")?.connection_id(), "c1");
    /// # Ok(())
    /// # }
    /// ```
    pub fn connection_config(&self, connection_id: &str) -> Result<ConnectionConfig> {
        self.entry(connection_id)
    }

    /// The ids of the configured connections, in order (the first is the default).
    ///
    /// ```
    /// let client = skyflow_client::Skyflow::builder().build()?;
    /// assert!(client.connection_ids().is_empty());
    /// # Ok::<(), skyflow_client::Error>(())
    /// ```
    pub fn connection_ids(&self) -> Vec<String> {
        self.entry_ids::<ConnectionConfig>()
    }

    // ----- credentials and logging ---------------------------------------------------

    /// Replaces the client-wide credentials. Handles taken afterwards use them (unless
    /// their vault or connection has its own).
    ///
    /// ```
    /// use skyflow_client::{Skyflow, credentials::Credentials};
    /// # fn main() -> skyflow_client::Result<()> {
    /// let client = Skyflow::builder().build()?;
    /// client.update_credentials(Credentials::service_account_file("sa.json"))?;
    /// assert!(client.credentials().is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub fn update_credentials(&self, credentials: Credentials) -> Result<()> {
        credentials
            .validate()
            .map_err(|e| in_config("credentials", e))?;
        let old = self.state_mut().credentials.replace(credentials.clone());
        // Updated credentials get a new token exchange, even when they are the same.
        if let Some(old) = &old {
            self.inner.tokens.forget(old);
        }
        self.inner.tokens.forget(&credentials);
        self.logger()
            .info(format_args!("client-wide credentials updated"));
        Ok(())
    }

    /// The client-wide credentials, if any (their `Debug` never shows the secret).
    ///
    /// ```
    /// let client = skyflow_client::Skyflow::builder().build()?;
    /// assert!(client.credentials().is_none());
    /// # Ok::<(), skyflow_client::Error>(())
    /// ```
    pub fn credentials(&self) -> Option<Credentials> {
        self.state().credentials.clone()
    }

    /// Changes the log level of this client and all its clones and handles, effective
    /// immediately.
    ///
    /// ```
    /// use skyflow_client::{LogLevel, Skyflow};
    /// let client = Skyflow::builder().build()?;
    /// client.set_log_level(LogLevel::Debug);
    /// assert_eq!(client.log_level(), LogLevel::Debug);
    /// # Ok::<(), skyflow_client::Error>(())
    /// ```
    pub fn set_log_level(&self, level: LogLevel) {
        self.logger().set_level(level);
        self.logger().info(format_args!("log level set to {level}"));
    }

    /// The current log level.
    ///
    /// ```
    /// let client = skyflow_client::Skyflow::builder().build()?;
    /// assert_eq!(client.log_level(), skyflow_client::LogLevel::Error);
    /// # Ok::<(), skyflow_client::Error>(())
    /// ```
    pub fn log_level(&self) -> LogLevel {
        self.logger().level()
    }
}

/// A handle for one vault's data API (records, tokens, query, files).
///
/// Taken with [`Skyflow::vault`] or [`Skyflow::default_vault`]; cheap to clone. The vault
/// operations are methods on this type: [`insert`](Self::insert),
/// [`detokenize`](Self::detokenize), [`tokenize`](Self::tokenize), [`get`](Self::get),
/// [`update`](Self::update), [`delete`](Self::delete), [`query`](Self::query),
/// [`upload_file`](Self::upload_file), [`file_scan_status`](Self::file_scan_status) and
/// [`delete_file`](Self::delete_file).
///
/// Every operation's future is `Send`, so calls can be spawned, and one handle (or its
/// clones) can run calls from many tasks at once; they share the client's connection pool
/// and token cache. Dropping an operation's future cancels the call: batches not yet
/// started are never sent, and a batch in flight is abandoned (the vault may or may not
/// have applied it, as with any request cut off mid-way).
///
/// ```
/// use skyflow_client::{Skyflow, VaultConfig, credentials::Credentials};
/// # fn main() -> skyflow_client::Result<()> {
/// let client = Skyflow::builder()
///     .vault_config(VaultConfig::from_base_url("v1", "http://127.0.0.1:8080"))
///     .credentials(Credentials::api_key("sky-ab1c2-0123456789abcdef0123456789abcdef"))
///     .build()?;
/// let vault = client.default_vault()?;
/// assert_eq!(vault.vault_url(), "http://127.0.0.1:8080");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct VaultClient {
    vault_id: Arc<str>,
    transport: Transport,
    bulk: BulkConfig,
    options: Arc<CallOptions>,
}

impl VaultClient {
    /// The vault id.
    ///
    /// ```no_run
    /// # fn f(vault: skyflow_client::VaultClient) {
    /// println!("talking to vault {}", vault.vault_id());
    /// # }
    /// ```
    pub fn vault_id(&self) -> &str {
        &self.vault_id
    }

    /// The base URL requests go to.
    ///
    /// ```no_run
    /// # fn f(vault: skyflow_client::VaultClient) {
    /// println!("vault URL {}", vault.vault_url());
    /// # }
    /// ```
    pub fn vault_url(&self) -> &str {
        self.transport.base_url()
    }

    /// The batching in force for this handle: the per-call setting given with
    /// [`with_options`](Self::with_options), else the vault's, else the client's.
    ///
    /// ```no_run
    /// # fn f(vault: skyflow_client::VaultClient) {
    /// println!("{} inserts per batch", vault.bulk().insert_batch_size());
    /// # }
    /// ```
    pub fn bulk(&self) -> BulkConfig {
        self.options.bulk_config().unwrap_or(self.bulk)
    }

    /// A copy of this handle whose calls use `options` (a request id, batching); the
    /// original handle is unchanged. Cheap: use it for a single call.
    ///
    /// ```no_run
    /// use serde_json::json;
    /// use skyflow_client::vault::{CallOptions, InsertRequest};
    /// # async fn f(vault: skyflow_client::VaultClient) -> skyflow_client::Result<()> {
    /// let request = InsertRequest::new("persons").values([json!({ "name": "Jane" })]);
    /// let response = vault
    ///     .with_options(CallOptions::new().request_id("import-42"))
    ///     .insert(&request)
    ///     .await?;
    /// # let _ = response; Ok(()) }
    /// ```
    pub fn with_options(&self, options: CallOptions) -> VaultClient {
        VaultClient {
            options: Arc::new(options),
            ..self.clone()
        }
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }

    pub(crate) fn call_options(&self) -> &CallOptions {
        &self.options
    }
}

impl fmt::Debug for VaultClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VaultClient")
            .field("vault_id", &self.vault_id)
            .field("transport", &self.transport)
            .field("bulk", &self.bulk())
            .field("options", &self.options)
            .finish()
    }
}

/// A handle for Skyflow Detect through one vault: de-identify and re-identify text,
/// de-identify files, fetch Detect runs. The operations are its methods
/// ([`deidentify_text`](Self::deidentify_text), [`reidentify_text`](Self::reidentify_text),
/// [`deidentify_file`](Self::deidentify_file), [`get_detect_run`](Self::get_detect_run));
/// their request and response types are in [`crate::detect`].
///
/// Taken with [`Skyflow::detect`] or [`Skyflow::default_detect`]; cheap to clone.
///
/// ```
/// use skyflow_client::{Skyflow, VaultConfig, credentials::Credentials};
/// # fn main() -> skyflow_client::Result<()> {
/// let client = Skyflow::builder()
///     .vault_config(VaultConfig::from_base_url("v1", "http://127.0.0.1:8080"))
///     .credentials(Credentials::api_key("sky-ab1c2-0123456789abcdef0123456789abcdef"))
///     .build()?;
/// let detect = client.default_detect()?;
/// assert_eq!(detect.vault_id(), "v1");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct DetectClient {
    vault_id: Arc<str>,
    transport: Transport,
}

impl DetectClient {
    /// The id of the vault the Detect calls go through.
    ///
    /// ```no_run
    /// # fn f(detect: skyflow_client::DetectClient) {
    /// println!("detect via vault {}", detect.vault_id());
    /// # }
    /// ```
    pub fn vault_id(&self) -> &str {
        &self.vault_id
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }
}

/// A handle for invoking one connection.
///
/// Taken with [`Skyflow::connection`] or [`Skyflow::default_connection`]; cheap to clone.
///
/// ```
/// use skyflow_client::{ConnectionConfig, Skyflow, credentials::Credentials};
/// # fn main() -> skyflow_client::Result<()> {
/// let client = Skyflow::builder()
///     .connection_config(ConnectionConfig::new("c1", "https://gw.example.com/route"))
///     .credentials(Credentials::api_key("sky-ab1c2-0123456789abcdef0123456789abcdef"))
///     .build()?;
/// let conn = client.connection("c1")?;
/// assert_eq!(conn.connection_url(), "https://gw.example.com/route");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ConnectionClient {
    connection_id: Arc<str>,
    /// The connection URL, placeholders included.
    url: Arc<str>,
    /// The URL after its origin (the transport's base URL): path template and query.
    path: Arc<str>,
    transport: Transport,
}

impl ConnectionClient {
    /// The connection id.
    ///
    /// ```no_run
    /// # fn f(conn: skyflow_client::ConnectionClient) {
    /// println!("invoking {}", conn.connection_id());
    /// # }
    /// ```
    pub fn connection_id(&self) -> &str {
        &self.connection_id
    }

    /// The connection URL (without a trailing `/`).
    ///
    /// ```no_run
    /// # fn f(conn: skyflow_client::ConnectionClient) {
    /// println!("URL {}", conn.connection_url());
    /// # }
    /// ```
    pub fn connection_url(&self) -> &str {
        &self.url
    }

    /// Invokes the connection: validates `request`, fills the URL's placeholders, encodes
    /// the body by its content type, adds `x-skyflow-authorization` from the connection's
    /// credentials (through the client's token cache) and sends it with the connection's
    /// timeouts and retries. See [`connection`](crate::connection) for every rule.
    ///
    /// A status of 400 or more is an [`Error`] with the status, the body's message and
    /// the request id.
    ///
    /// ```no_run
    /// use serde_json::json;
    /// use skyflow_client::connection::{InvokeConnectionRequest, RequestMethod};
    /// # async fn run(conn: skyflow_client::ConnectionClient) -> skyflow_client::Result<()> {
    /// let request = InvokeConnectionRequest::new(RequestMethod::Post)
    ///     .path_param("card_id", "c-42")
    ///     .body(json!({ "card_number": "4a1b2c3d-token" }));
    /// match conn.invoke(&request).await {
    ///     Ok(response) => println!("{} {:?}", response.status(), response.json()),
    ///     Err(err) => eprintln!("{} (status {:?}, request id {:?})", err, err.status(), err.request_id()),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn invoke(
        &self,
        request: &InvokeConnectionRequest,
    ) -> Result<InvokeConnectionResponse> {
        self.transport
            .perform(INVOKE_OP, |exchange| async move {
                let http = request.to_http(&self.path)?;
                let response = exchange.send(&http).await?;
                Ok(InvokeConnectionResponse::from_http(response))
            })
            .await
    }
}

#[cfg(test)]
impl Skyflow {
    /// The bearer source a vault handle uses, for tests of sharing.
    pub(crate) fn bearer_source_for_vault(&self, vault_id: &str) -> Result<Arc<dyn BearerSource>> {
        let config = self.vault_config(vault_id)?;
        let credentials = Credentials::resolve(config.credentials(), self.credentials().as_ref())?;
        self.inner.tokens.source_for(&credentials)
    }
}

#[cfg(test)]
mod tests;
