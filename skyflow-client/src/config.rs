//! Client configuration: vaults, connections, environments, retries, timeouts, log level.
//!
//! ```
//! use std::time::Duration;
//! use skyflow_client::{ConnectionConfig, Env, RetryConfig, TimeoutConfig, VaultConfig};
//!
//! let vault = VaultConfig::new("a1b2c3", "ebfc9bee4242", Env::Sandbox)
//!     .with_retry(RetryConfig::standard().with_max_attempts(5))
//!     .with_timeout(TimeoutConfig::standard().with_overall(Duration::from_secs(20)));
//! assert_eq!(
//!     vault.vault_url().unwrap(),
//!     "https://ebfc9bee4242.vault.skyflowapis-preview.com"
//! );
//!
//! let local = VaultConfig::from_base_url("a1b2c3", "http://127.0.0.1:8080");
//! assert_eq!(local.vault_url().unwrap(), "http://127.0.0.1:8080");
//!
//! let conn = ConnectionConfig::new("conn-1", "https://gw.example.com/v1/gateway/outboundRoutes/abc");
//! assert_eq!(conn.connection_id(), "conn-1");
//! ```

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::credentials::Credentials;
use crate::{Error, Result};

/// `Display` (the value's `as_str()`) and `FromStr` (a name of `$all` or an alias,
/// ignoring case and surrounding spaces; else a config error on `$field`) for the
/// config enums that have one upper-case name per variant.
macro_rules! names {
    ($ty:ty, $field:literal, $unknown:literal, [$($all:expr),+ $(,)?]
        $(, aliases: [$(($alias:literal, $target:expr)),+])?) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = Error;

            fn from_str(s: &str) -> Result<Self> {
                let aliases: &[(&str, $ty)] = &[$($(($alias, $target)),+)?];
                let name = |v: &$ty| v.as_str();
                let s = s.trim();
                [$($all),+]
                    .into_iter()
                    .find(|v| name(v).eq_ignore_ascii_case(s))
                    .or_else(|| aliases.iter().find(|(a, _)| a.eq_ignore_ascii_case(s)).map(|(_, v)| *v))
                    .ok_or_else(|| Error::config($field, $unknown))
            }
        }
    };
}

/// A Skyflow environment; it picks the domain of the vault URL.
///
/// | Variant | Vault URL |
/// |---|---|
/// | `Prod` | `https://{cluster_id}.vault.skyflowapis.com` |
/// | `Sandbox` | `https://{cluster_id}.vault.skyflowapis-preview.com` |
/// | `Dev` | `https://{cluster_id}.vault.skyflowapis.dev` |
/// | `Stage` | `https://{cluster_id}.vault.skyflowapis.tech` |
///
/// Parses from `"PROD"`, `"sandbox"`, … (case-insensitive); anything else is a
/// configuration error naming `env`.
///
/// ```
/// use skyflow_client::Env;
/// let env: Env = "sandbox".parse()?;
/// assert_eq!(env, Env::Sandbox);
/// assert_eq!(Env::default(), Env::Prod);
/// assert_eq!("qa".parse::<Env>().unwrap_err().field(), Some("env"));
/// # Ok::<(), skyflow_client::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Env {
    /// Production: `vault.skyflowapis.com`.
    #[default]
    Prod,
    /// Sandbox (trial and preview accounts): `vault.skyflowapis-preview.com`.
    Sandbox,
    /// Development: `vault.skyflowapis.dev`.
    Dev,
    /// Staging: `vault.skyflowapis.tech`.
    Stage,
}

impl Env {
    /// The domain vault hosts of this environment live under.
    ///
    /// ```
    /// assert_eq!(skyflow_client::Env::Dev.domain(), "vault.skyflowapis.dev");
    /// ```
    pub fn domain(self) -> &'static str {
        match self {
            Env::Prod => "vault.skyflowapis.com",
            Env::Sandbox => "vault.skyflowapis-preview.com",
            Env::Dev => "vault.skyflowapis.dev",
            Env::Stage => "vault.skyflowapis.tech",
        }
    }

    /// The upper-case name used by the other Skyflow SDKs (`PROD`, `SANDBOX`, `DEV`, `STAGE`).
    ///
    /// ```
    /// assert_eq!(skyflow_client::Env::Stage.as_str(), "STAGE");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Env::Prod => "PROD",
            Env::Sandbox => "SANDBOX",
            Env::Dev => "DEV",
            Env::Stage => "STAGE",
        }
    }
}

names! {
    Env, "env", "unknown environment; expected one of PROD, SANDBOX, DEV, STAGE",
    [Env::Prod, Env::Sandbox, Env::Dev, Env::Stage]
}

/// How much the SDK logs. Ordered from most to least verbose; the default is `Error`.
///
/// See [`crate::logging`] for what each level shows and where it goes.
///
/// ```
/// use skyflow_client::LogLevel;
/// assert_eq!(LogLevel::default(), LogLevel::Error);
/// assert_eq!("warn".parse::<LogLevel>()?, LogLevel::Warn);
/// assert!(LogLevel::Debug < LogLevel::Info);
/// # Ok::<(), skyflow_client::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(u8)]
pub enum LogLevel {
    /// Everything, including one line per HTTP attempt.
    Debug = 0,
    /// Lifecycle and per-operation stage lines, plus warnings and errors.
    Info = 1,
    /// Warnings (retries, deprecations) and errors.
    Warn = 2,
    /// Failures only.
    #[default]
    Error = 3,
    /// Nothing at all.
    Off = 4,
}

impl LogLevel {
    pub(crate) fn from_u8(value: u8) -> LogLevel {
        match value {
            0 => LogLevel::Debug,
            1 => LogLevel::Info,
            2 => LogLevel::Warn,
            3 => LogLevel::Error,
            _ => LogLevel::Off,
        }
    }

    /// The upper-case name (`DEBUG`, `INFO`, `WARN`, `ERROR`, `OFF`).
    ///
    /// ```
    /// assert_eq!(skyflow_client::LogLevel::Warn.as_str(), "WARN");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
            LogLevel::Off => "OFF",
        }
    }
}

names! {
    LogLevel, "log_level", "unknown log level; expected one of DEBUG, INFO, WARN, ERROR, OFF",
    [LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error, LogLevel::Off],
    aliases: [("WARNING", LogLevel::Warn)]
}

/// When and how often a failed call is tried again.
///
/// Retried: connection failures, attempts that ran out of their
/// [attempt timeout](TimeoutConfig::with_attempt_timeout), and answers 408, 429 and 5xx. A
/// call that is not idempotent (a plain insert) is retried only when it never reached the
/// server, which includes a failed bearer-token exchange (the token endpoint unreachable,
/// timing out or answering 408, 429 or 5xx). Waits grow exponentially from
/// `initial_backoff` up to `max_backoff`, with full jitter by default. A `Retry-After`
/// header (seconds or HTTP date) replaces the computed wait and is honoured as asked, even
/// beyond `max_backoff`. Retries never run past the overall timeout: when the next wait
/// would end after it, the call fails at once with the last error.
///
/// A 401 answer is a separate matter: the SDK fetches a fresh bearer token and sends the
/// call once more, whatever this configuration says.
///
/// ```
/// use std::time::Duration;
/// use skyflow_client::RetryConfig;
///
/// let retry = RetryConfig::standard()
///     .with_max_attempts(5)
///     .with_initial_backoff(Duration::from_millis(100));
/// assert_eq!(retry.max_attempts(), 5);
/// assert_eq!(RetryConfig::disabled().max_attempts(), 1);
/// assert_eq!(RetryConfig::default(), RetryConfig::standard());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryConfig {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    jitter: bool,
}

impl RetryConfig {
    /// Three attempts in total, waits starting at 500 ms and capped at 10 s, full jitter.
    ///
    /// ```
    /// let retry = skyflow_client::RetryConfig::standard();
    /// assert_eq!(retry.max_attempts(), 3);
    /// assert!(retry.jitter());
    /// ```
    pub fn standard() -> Self {
        RetryConfig {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
            jitter: true,
        }
    }

    /// A single attempt: nothing is retried (except once after a 401 with a fresh token).
    ///
    /// ```
    /// assert_eq!(skyflow_client::RetryConfig::disabled().max_attempts(), 1);
    /// ```
    pub fn disabled() -> Self {
        RetryConfig {
            max_attempts: 1,
            ..RetryConfig::standard()
        }
    }

    setters! {
        /// Sets the total number of attempts, the first one included (at least 1; 0 is
        /// rejected when the configuration is used).
        ///
        /// ```
        /// let retry = skyflow_client::RetryConfig::standard().with_max_attempts(4);
        /// assert_eq!(retry.max_attempts(), 4);
        /// ```
        fn with_max_attempts(max_attempts: u32);

        /// Sets the wait before the first retry; later waits double.
        ///
        /// ```
        /// use std::time::Duration;
        /// let retry = skyflow_client::RetryConfig::standard()
        ///     .with_initial_backoff(Duration::from_millis(50));
        /// assert_eq!(retry.initial_backoff(), Duration::from_millis(50));
        /// ```
        fn with_initial_backoff(initial_backoff: Duration);

        /// Sets the longest computed wait between two attempts (a server's `Retry-After` is
        /// honoured even when longer).
        ///
        /// ```
        /// use std::time::Duration;
        /// let retry = skyflow_client::RetryConfig::standard().with_max_backoff(Duration::from_secs(2));
        /// assert_eq!(retry.max_backoff(), Duration::from_secs(2));
        /// ```
        fn with_max_backoff(max_backoff: Duration);

        /// Turns full jitter on or off (on by default). With jitter each wait is random between
        /// zero and the exponential value, which spreads out clients that failed together.
        ///
        /// ```
        /// let retry = skyflow_client::RetryConfig::standard().with_jitter(false);
        /// assert!(!retry.jitter());
        /// ```
        fn with_jitter(jitter: bool);
    }

    /// Total number of attempts, the first one included.
    ///
    /// ```
    /// assert_eq!(skyflow_client::RetryConfig::standard().max_attempts(), 3);
    /// ```
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Wait before the first retry.
    ///
    /// ```
    /// use std::time::Duration;
    /// assert_eq!(
    ///     skyflow_client::RetryConfig::standard().initial_backoff(),
    ///     Duration::from_millis(500)
    /// );
    /// ```
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// Longest wait between two attempts.
    ///
    /// ```
    /// use std::time::Duration;
    /// assert_eq!(skyflow_client::RetryConfig::standard().max_backoff(), Duration::from_secs(10));
    /// ```
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// Whether waits are randomized.
    ///
    /// ```
    /// assert!(skyflow_client::RetryConfig::standard().jitter());
    /// ```
    pub fn jitter(&self) -> bool {
        self.jitter
    }

    pub(crate) fn validate(&self) -> Result<()> {
        ensure(
            self.max_attempts > 0,
            "max_attempts",
            "must be at least 1 (the first attempt counts)",
        )
    }
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig::standard()
    }
}

/// How long the SDK waits for the network.
///
/// - `connect`: the longest time to open a connection (TCP and TLS);
/// - `overall`: the longest time a whole call may take, from getting the bearer token
///   through every retry and backoff to reading the response. When it runs out the call
///   fails with a [`Timeout`](crate::ErrorKind::Timeout) error.
/// - `attempt` (off by default): the longest time one attempt (sending the request and
///   reading the response) may take. An attempt that runs out is a failed attempt, retried
///   like a 5xx answer: only for idempotent calls, within the [`RetryConfig`].
///
/// ```
/// use std::time::Duration;
/// use skyflow_client::TimeoutConfig;
///
/// let t = TimeoutConfig::standard().with_overall(Duration::from_secs(5));
/// assert_eq!(t.connect(), Some(Duration::from_secs(10)));
/// assert_eq!(t.overall(), Some(Duration::from_secs(5)));
/// assert_eq!(TimeoutConfig::disabled().overall(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeoutConfig {
    connect: Option<Duration>,
    overall: Option<Duration>,
    attempt: Option<Duration>,
}

impl TimeoutConfig {
    /// 10 s to connect, 60 s for a whole call (the official SDKs' request timeout).
    ///
    /// ```
    /// use std::time::Duration;
    /// let t = skyflow_client::TimeoutConfig::standard();
    /// assert_eq!(t.overall(), Some(Duration::from_secs(60)));
    /// ```
    pub fn standard() -> Self {
        TimeoutConfig {
            connect: Some(Duration::from_secs(10)),
            overall: Some(Duration::from_secs(60)),
            attempt: None,
        }
    }

    /// No limits at all (the operating system's connect timeout still applies).
    ///
    /// ```
    /// let t = skyflow_client::TimeoutConfig::disabled();
    /// assert_eq!(t.connect(), None);
    /// ```
    pub fn disabled() -> Self {
        TimeoutConfig {
            connect: None,
            overall: None,
            attempt: None,
        }
    }

    setters! {
        /// Sets the connect timeout.
        ///
        /// ```
        /// use std::time::Duration;
        /// let t = skyflow_client::TimeoutConfig::standard().with_connect(Duration::from_secs(2));
        /// assert_eq!(t.connect(), Some(Duration::from_secs(2)));
        /// ```
        fn with_connect(connect: Some(Duration));

        /// Sets the overall timeout of a call.
        ///
        /// ```
        /// use std::time::Duration;
        /// let t = skyflow_client::TimeoutConfig::standard().with_overall(Duration::from_secs(3));
        /// assert_eq!(t.overall(), Some(Duration::from_secs(3)));
        /// ```
        fn with_overall(overall: Some(Duration));

        /// Sets a time limit for each attempt. A hung attempt is then abandoned and, for an
        /// idempotent call, retried, instead of using up the whole overall timeout.
        ///
        /// ```
        /// use std::time::Duration;
        /// use skyflow_client::TimeoutConfig;
        /// let t = TimeoutConfig::standard().with_attempt_timeout(Duration::from_secs(5));
        /// assert_eq!(t.attempt_timeout(), Some(Duration::from_secs(5)));
        /// assert_eq!(TimeoutConfig::standard().attempt_timeout(), None);
        /// ```
        fn with_attempt_timeout(attempt: Some(Duration));
    }

    /// Removes the connect timeout.
    ///
    /// ```
    /// let t = skyflow_client::TimeoutConfig::standard().disable_connect();
    /// assert_eq!(t.connect(), None);
    /// ```
    #[must_use]
    pub fn disable_connect(mut self) -> Self {
        self.connect = None;
        self
    }

    /// Removes the overall timeout: a call may then wait for the server forever.
    ///
    /// ```
    /// let t = skyflow_client::TimeoutConfig::standard().disable_overall();
    /// assert_eq!(t.overall(), None);
    /// ```
    #[must_use]
    pub fn disable_overall(mut self) -> Self {
        self.overall = None;
        self
    }

    /// The connect timeout, if any.
    ///
    /// ```
    /// assert!(skyflow_client::TimeoutConfig::standard().connect().is_some());
    /// ```
    pub fn connect(&self) -> Option<Duration> {
        self.connect
    }

    /// The overall timeout of a call, if any.
    ///
    /// ```
    /// assert!(skyflow_client::TimeoutConfig::standard().overall().is_some());
    /// ```
    pub fn overall(&self) -> Option<Duration> {
        self.overall
    }

    /// The time limit of each attempt, if any.
    ///
    /// ```
    /// assert_eq!(skyflow_client::TimeoutConfig::disabled().attempt_timeout(), None);
    /// ```
    pub fn attempt_timeout(&self) -> Option<Duration> {
        self.attempt
    }

    pub(crate) fn validate(&self) -> Result<()> {
        for (field, timeout) in [
            ("attempt_timeout", self.attempt),
            ("connect_timeout", self.connect),
            ("overall_timeout", self.overall),
        ] {
            ensure(
                !timeout.is_some_and(|d| d.is_zero()),
                field,
                "must be greater than zero",
            )?;
        }
        Ok(())
    }
}

impl Default for TimeoutConfig {
    fn default() -> Self {
        TimeoutConfig::standard()
    }
}

/// How the SDK splits large requests into batches and how many batches it sends at once.
///
/// The official SDKs send a whole request in one call. This SDK splits insert, detokenize,
/// tokenize, get (by ids or column values) and delete requests with more records than
/// the operation's batch size, sends at most `concurrency` batches at a time, and merges
/// the answers into one response in input order (see [`crate::vault::batch`]).
///
/// Defaults ([`standard`](Self::standard)): 100 records per insert, detokenize, tokenize
/// and delete batch; 25 ids or column values per get batch (the vault returns at most 25
/// records per get); 4 batches in flight. A batch size of 0 turns splitting off for that
/// operation.
///
/// Set it client-wide ([`SkyflowBuilder::bulk`](crate::SkyflowBuilder::bulk)), per vault
/// ([`VaultConfig::with_bulk`]) or per call
/// ([`CallOptions::bulk`](crate::vault::CallOptions::bulk)); the most specific wins.
///
/// ```
/// use skyflow_client::BulkConfig;
///
/// let bulk = BulkConfig::standard().with_batch_size(500).with_concurrency(8);
/// assert_eq!(bulk.insert_batch_size(), 500);
/// assert_eq!(bulk.delete_batch_size(), 500);
/// assert_eq!(bulk.get_batch_size(), 25); // get has its own setting
/// assert_eq!(bulk.concurrency(), 8);
/// assert_eq!(BulkConfig::default(), BulkConfig::standard());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkConfig {
    insert: usize,
    detokenize: usize,
    tokenize: usize,
    get: usize,
    delete: usize,
    concurrency: usize,
}

impl BulkConfig {
    /// 100 records per insert, detokenize, tokenize and delete batch, 25 per get batch,
    /// 4 batches in flight.
    ///
    /// ```
    /// let bulk = skyflow_client::BulkConfig::standard();
    /// assert_eq!(bulk.insert_batch_size(), 100);
    /// assert_eq!(bulk.get_batch_size(), 25);
    /// assert_eq!(bulk.concurrency(), 4);
    /// ```
    pub fn standard() -> Self {
        BulkConfig {
            insert: 100,
            detokenize: 100,
            tokenize: 100,
            get: 25,
            delete: 100,
            concurrency: 4,
        }
    }

    /// Never splits: every request is sent whole, as the official SDKs do.
    ///
    /// ```
    /// let bulk = skyflow_client::BulkConfig::unbatched();
    /// assert_eq!(bulk.insert_batch_size(), 0);
    /// assert_eq!(bulk.get_batch_size(), 0);
    /// ```
    pub fn unbatched() -> Self {
        BulkConfig {
            insert: 0,
            detokenize: 0,
            tokenize: 0,
            get: 0,
            delete: 0,
            concurrency: 1,
        }
    }

    /// Sets the batch size of insert, detokenize, tokenize and delete (0: no splitting).
    /// Get keeps its own size, see [`with_get_batch_size`](Self::with_get_batch_size).
    ///
    /// ```
    /// let bulk = skyflow_client::BulkConfig::standard().with_batch_size(250);
    /// assert_eq!(bulk.tokenize_batch_size(), 250);
    /// ```
    #[must_use]
    pub fn with_batch_size(mut self, records: usize) -> Self {
        self.insert = records;
        self.detokenize = records;
        self.tokenize = records;
        self.delete = records;
        self
    }

    setters! {
        /// Sets the insert batch size (0: no splitting).
        ///
        /// ```
        /// let bulk = skyflow_client::BulkConfig::standard().with_insert_batch_size(300);
        /// assert_eq!(bulk.insert_batch_size(), 300);
        /// ```
        fn with_insert_batch_size(insert: usize);

        /// Sets the detokenize batch size (0: no splitting).
        ///
        /// ```
        /// let bulk = skyflow_client::BulkConfig::standard().with_detokenize_batch_size(50);
        /// assert_eq!(bulk.detokenize_batch_size(), 50);
        /// ```
        fn with_detokenize_batch_size(detokenize: usize);

        /// Sets the tokenize batch size (0: no splitting).
        ///
        /// ```
        /// let bulk = skyflow_client::BulkConfig::standard().with_tokenize_batch_size(50);
        /// assert_eq!(bulk.tokenize_batch_size(), 50);
        /// ```
        fn with_tokenize_batch_size(tokenize: usize);

        /// Sets how many ids (or column values) go into one get (0: no splitting). Skyflow
        /// returns at most 25 records per get, so raise it only for a vault known to allow
        /// more (the local emulator does).
        ///
        /// ```
        /// let bulk = skyflow_client::BulkConfig::standard().with_get_batch_size(10);
        /// assert_eq!(bulk.get_batch_size(), 10);
        /// ```
        fn with_get_batch_size(get: usize);

        /// Sets the delete batch size (0: no splitting).
        ///
        /// ```
        /// let bulk = skyflow_client::BulkConfig::standard().with_delete_batch_size(1000);
        /// assert_eq!(bulk.delete_batch_size(), 1000);
        /// ```
        fn with_delete_batch_size(delete: usize);

        /// Sets the most batches of one call in flight at once (at least 1; 0 is rejected
        /// when the configuration is used).
        ///
        /// ```
        /// let bulk = skyflow_client::BulkConfig::standard().with_concurrency(16);
        /// assert_eq!(bulk.concurrency(), 16);
        /// ```
        fn with_concurrency(concurrency: usize);
    }

    /// Records per insert batch (0: no splitting).
    ///
    /// ```
    /// assert_eq!(skyflow_client::BulkConfig::standard().insert_batch_size(), 100);
    /// ```
    pub fn insert_batch_size(&self) -> usize {
        self.insert
    }

    /// Tokens per detokenize batch (0: no splitting).
    ///
    /// ```
    /// assert_eq!(skyflow_client::BulkConfig::standard().detokenize_batch_size(), 100);
    /// ```
    pub fn detokenize_batch_size(&self) -> usize {
        self.detokenize
    }

    /// Values per tokenize batch (0: no splitting).
    ///
    /// ```
    /// assert_eq!(skyflow_client::BulkConfig::standard().tokenize_batch_size(), 100);
    /// ```
    pub fn tokenize_batch_size(&self) -> usize {
        self.tokenize
    }

    /// Ids or column values per get batch (0: no splitting).
    ///
    /// ```
    /// assert_eq!(skyflow_client::BulkConfig::standard().get_batch_size(), 25);
    /// ```
    pub fn get_batch_size(&self) -> usize {
        self.get
    }

    /// Ids per delete batch (0: no splitting).
    ///
    /// ```
    /// assert_eq!(skyflow_client::BulkConfig::standard().delete_batch_size(), 100);
    /// ```
    pub fn delete_batch_size(&self) -> usize {
        self.delete
    }

    /// Most batches of one call in flight at once.
    ///
    /// ```
    /// assert_eq!(skyflow_client::BulkConfig::standard().concurrency(), 4);
    /// ```
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    pub(crate) fn validate(&self) -> Result<()> {
        ensure(
            self.concurrency > 0,
            "concurrency",
            "must be at least 1 batch in flight",
        )
    }
}

impl Default for BulkConfig {
    fn default() -> Self {
        BulkConfig::standard()
    }
}

/// One vault the client talks to.
///
/// The vault URL comes from the cluster id and the environment, or from an explicit base URL
/// (a local emulator, a private endpoint or a proxy), which wins when both are given.
/// Credentials, retries and timeouts are optional; when absent, the client-wide ones apply.
///
/// ```
/// use skyflow_client::{Env, VaultConfig};
///
/// let cfg = VaultConfig::new("a1b2c3", "ebfc9bee4242", Env::Prod);
/// assert_eq!(cfg.vault_id(), "a1b2c3");
/// assert_eq!(cfg.cluster_id(), Some("ebfc9bee4242"));
/// assert_eq!(cfg.vault_url()?, "https://ebfc9bee4242.vault.skyflowapis.com");
///
/// let proxied = cfg.with_base_url("https://vault-proxy.internal:8443");
/// assert_eq!(proxied.vault_url()?, "https://vault-proxy.internal:8443");
/// # Ok::<(), skyflow_client::Error>(())
/// ```
// `Debug` is derived: credentials print redacted (their own `Debug`).
#[derive(Clone, Debug)]
pub struct VaultConfig {
    vault_id: String,
    cluster_id: Option<String>,
    env: Env,
    base_url: Option<String>,
    credentials: Option<Credentials>,
    retry: Option<RetryConfig>,
    timeout: Option<TimeoutConfig>,
    bulk: Option<BulkConfig>,
}

impl VaultConfig {
    /// A vault reached at `https://{cluster_id}.{env domain}`.
    ///
    /// ```
    /// let cfg = skyflow_client::VaultConfig::new("v1", "c1", skyflow_client::Env::Dev);
    /// assert_eq!(cfg.env(), skyflow_client::Env::Dev);
    /// ```
    pub fn new(vault_id: impl Into<String>, cluster_id: impl Into<String>, env: Env) -> Self {
        VaultConfig {
            vault_id: vault_id.into(),
            cluster_id: Some(cluster_id.into()),
            env,
            base_url: None,
            credentials: None,
            retry: None,
            timeout: None,
            bulk: None,
        }
    }

    /// A vault reached at an explicit base URL, e.g. `http://127.0.0.1:8080` for the
    /// local emulator. Paths such as `/v1/vaults/{vault_id}` are appended to it.
    ///
    /// ```
    /// let cfg = skyflow_client::VaultConfig::from_base_url("v1", "http://127.0.0.1:8080");
    /// assert_eq!(cfg.cluster_id(), None);
    /// assert_eq!(cfg.base_url(), Some("http://127.0.0.1:8080"));
    /// ```
    pub fn from_base_url(vault_id: impl Into<String>, base_url: impl Into<String>) -> Self {
        VaultConfig {
            vault_id: vault_id.into(),
            cluster_id: None,
            env: Env::Prod,
            base_url: Some(base_url.into()),
            credentials: None,
            retry: None,
            timeout: None,
            bulk: None,
        }
    }

    /// Sets the cluster id (the first label of the vault host).
    ///
    /// ```
    /// let cfg = skyflow_client::VaultConfig::from_base_url("v1", "http://127.0.0.1:1")
    ///     .with_cluster_id("c9");
    /// assert_eq!(cfg.cluster_id(), Some("c9"));
    /// ```
    #[must_use]
    pub fn with_cluster_id(mut self, cluster_id: impl Into<String>) -> Self {
        self.cluster_id = Some(cluster_id.into());
        self
    }

    setters! {
        /// Sets the environment.
        ///
        /// ```
        /// use skyflow_client::{Env, VaultConfig};
        /// let cfg = VaultConfig::new("v1", "c1", Env::Prod).with_env(Env::Sandbox);
        /// assert_eq!(cfg.env(), Env::Sandbox);
        /// ```
        fn with_env(env: Env);
    }

    /// Sets an explicit base URL, used instead of the cluster id and environment.
    ///
    /// ```
    /// use skyflow_client::{Env, VaultConfig};
    /// let cfg = VaultConfig::new("v1", "c1", Env::Prod).with_base_url("http://localhost:9000/");
    /// assert_eq!(cfg.vault_url()?, "http://localhost:9000");
    /// # Ok::<(), skyflow_client::Error>(())
    /// ```
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    setters! {
        /// Sets the credentials for this vault; they win over the client-wide credentials and
        /// the `SKYFLOW_CREDENTIALS` environment variable.
        ///
        /// ```
        /// use skyflow_client::{Env, VaultConfig, credentials::Credentials};
        /// let cfg = VaultConfig::new("v1", "c1", Env::Prod)
        ///     .with_credentials(Credentials::service_account_file("vault-sa.json"));
        /// assert!(cfg.credentials().is_some());
        /// ```
        fn with_credentials(credentials: Some(Credentials));

        /// Sets retries for this vault, replacing the client-wide setting.
        ///
        /// ```
        /// use skyflow_client::{Env, RetryConfig, VaultConfig};
        /// let cfg = VaultConfig::new("v1", "c1", Env::Prod).with_retry(RetryConfig::disabled());
        /// assert_eq!(cfg.retry(), Some(RetryConfig::disabled()));
        /// ```
        fn with_retry(retry: Some(RetryConfig));

        /// Sets timeouts for this vault, replacing the client-wide setting.
        ///
        /// ```
        /// use skyflow_client::{Env, TimeoutConfig, VaultConfig};
        /// let cfg = VaultConfig::new("v1", "c1", Env::Prod).with_timeout(TimeoutConfig::disabled());
        /// assert_eq!(cfg.timeout(), Some(TimeoutConfig::disabled()));
        /// ```
        fn with_timeout(timeout: Some(TimeoutConfig));

        /// Sets how large requests to this vault are split into batches, replacing the
        /// client-wide setting (see [`BulkConfig`]).
        ///
        /// ```
        /// use skyflow_client::{BulkConfig, Env, VaultConfig};
        /// let cfg = VaultConfig::new("v1", "c1", Env::Prod)
        ///     .with_bulk(BulkConfig::standard().with_concurrency(8));
        /// assert_eq!(cfg.bulk().map(|b| b.concurrency()), Some(8));
        /// ```
        fn with_bulk(bulk: Some(BulkConfig));
    }

    /// This vault's batching setting, if it overrides the client's.
    ///
    /// ```
    /// let cfg = skyflow_client::VaultConfig::new("v1", "c1", skyflow_client::Env::Prod);
    /// assert_eq!(cfg.bulk(), None);
    /// ```
    pub fn bulk(&self) -> Option<BulkConfig> {
        self.bulk
    }

    /// The vault id.
    ///
    /// ```
    /// let cfg = skyflow_client::VaultConfig::new("v1", "c1", skyflow_client::Env::Prod);
    /// assert_eq!(cfg.vault_id(), "v1");
    /// ```
    pub fn vault_id(&self) -> &str {
        &self.vault_id
    }

    /// The cluster id, if set.
    ///
    /// ```
    /// let cfg = skyflow_client::VaultConfig::new("v1", "c1", skyflow_client::Env::Prod);
    /// assert_eq!(cfg.cluster_id(), Some("c1"));
    /// ```
    pub fn cluster_id(&self) -> Option<&str> {
        self.cluster_id.as_deref()
    }

    /// The environment.
    ///
    /// ```
    /// let cfg = skyflow_client::VaultConfig::new("v1", "c1", skyflow_client::Env::Stage);
    /// assert_eq!(cfg.env(), skyflow_client::Env::Stage);
    /// ```
    pub fn env(&self) -> Env {
        self.env
    }

    /// The explicit base URL, if set.
    ///
    /// ```
    /// let cfg = skyflow_client::VaultConfig::new("v1", "c1", skyflow_client::Env::Prod);
    /// assert_eq!(cfg.base_url(), None);
    /// ```
    pub fn base_url(&self) -> Option<&str> {
        self.base_url.as_deref()
    }

    /// This vault's own credentials, if set.
    ///
    /// ```
    /// let cfg = skyflow_client::VaultConfig::new("v1", "c1", skyflow_client::Env::Prod);
    /// assert!(cfg.credentials().is_none());
    /// ```
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    /// This vault's retry setting, if it overrides the client's.
    ///
    /// ```
    /// let cfg = skyflow_client::VaultConfig::new("v1", "c1", skyflow_client::Env::Prod);
    /// assert_eq!(cfg.retry(), None);
    /// ```
    pub fn retry(&self) -> Option<RetryConfig> {
        self.retry
    }

    /// This vault's timeouts, if they override the client's.
    ///
    /// ```
    /// let cfg = skyflow_client::VaultConfig::new("v1", "c1", skyflow_client::Env::Prod);
    /// assert_eq!(cfg.timeout(), None);
    /// ```
    pub fn timeout(&self) -> Option<TimeoutConfig> {
        self.timeout
    }

    /// The URL requests go to: the explicit base URL without a trailing `/`, or
    /// `https://{cluster_id}.{domain}`. Fails like [`validate`](Self::validate).
    ///
    /// ```
    /// use skyflow_client::{Env, VaultConfig};
    /// let cfg = VaultConfig::new("v1", "abc123", Env::Stage);
    /// assert_eq!(cfg.vault_url()?, "https://abc123.vault.skyflowapis.tech");
    /// # Ok::<(), skyflow_client::Error>(())
    /// ```
    pub fn vault_url(&self) -> Result<String> {
        self.validate()?;
        Ok(self.url_unchecked())
    }

    /// The URL without validating the config first (it was validated when added).
    pub(crate) fn url_unchecked(&self) -> String {
        match (&self.base_url, &self.cluster_id) {
            (Some(base), _) => base.trim().trim_end_matches('/').to_owned(),
            (None, Some(cluster)) => format!("https://{}.{}", cluster.trim(), self.env.domain()),
            (None, None) => String::new(),
        }
    }

    /// Checks the configuration: a non-blank vault id, a non-blank cluster id unless a base
    /// URL is given, a base URL that is an `http`/`https` URL with a host, valid credentials
    /// when set, and valid retry and timeout settings. Errors name the field; a problem
    /// with the credentials is on `credentials.<field>` (e.g. `credentials.api_key`). The
    /// client adds the vault, as in `vaults[<id>].credentials.api_key`.
    ///
    /// ```
    /// use skyflow_client::{Env, VaultConfig};
    /// let err = VaultConfig::new(" ", "c1", Env::Prod).validate().unwrap_err();
    /// assert_eq!(err.field(), Some("vault_id"));
    /// let err = VaultConfig::new("v1", "", Env::Prod).validate().unwrap_err();
    /// assert_eq!(err.field(), Some("cluster_id"));
    /// let err = VaultConfig::from_base_url("v1", "not a url").validate().unwrap_err();
    /// assert_eq!(err.field(), Some("base_url"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.vault_id.trim().is_empty() {
            return Err(Error::config("vault_id", "vault id must not be empty"));
        }
        match &self.base_url {
            Some(base) => {
                check_http_url(base, "base_url")?;
            }
            None => {
                let cluster = self.cluster_id.as_deref().unwrap_or("");
                if cluster.trim().is_empty() {
                    return Err(Error::config(
                        "cluster_id",
                        format!(
                            "cluster id of vault `{}` must not be empty (or give a base URL)",
                            self.vault_id
                        ),
                    ));
                }
                if !cluster
                    .trim()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-')
                {
                    return Err(Error::config(
                        "cluster_id",
                        "cluster id may only hold letters, digits and `-`",
                    ));
                }
            }
        }
        check_overrides(
            self.credentials.as_ref(),
            self.retry.as_ref(),
            self.timeout.as_ref(),
        )?;
        if let Some(bulk) = &self.bulk {
            bulk.validate()?;
        }
        Ok(())
    }
}

/// One connection (a Skyflow gateway route) the client can invoke.
///
/// ```
/// use skyflow_client::ConnectionConfig;
/// let cfg = ConnectionConfig::new("conn-1", "https://abc.gateway.skyflowapis.com/v1/route");
/// assert_eq!(cfg.connection_url(), "https://abc.gateway.skyflowapis.com/v1/route");
/// assert!(cfg.validate().is_ok());
/// ```
#[derive(Clone, Debug)]
pub struct ConnectionConfig {
    connection_id: String,
    connection_url: String,
    credentials: Option<Credentials>,
    retry: Option<RetryConfig>,
    timeout: Option<TimeoutConfig>,
}

impl ConnectionConfig {
    /// A connection with its id and URL. The URL may hold `{name}` path-parameter
    /// placeholders.
    ///
    /// ```
    /// let cfg = skyflow_client::ConnectionConfig::new("c1", "https://gw.example.com/cards/{card_id}");
    /// assert_eq!(cfg.connection_id(), "c1");
    /// ```
    pub fn new(connection_id: impl Into<String>, connection_url: impl Into<String>) -> Self {
        ConnectionConfig {
            connection_id: connection_id.into(),
            connection_url: connection_url.into(),
            credentials: None,
            retry: None,
            timeout: None,
        }
    }

    setters! {
        /// Sets retries for invocations of this connection, replacing the client-wide setting.
        /// Only idempotent methods (GET, PUT, DELETE) are retried after the request may have
        /// reached the connection; POST and PATCH are retried only when they were never sent.
        ///
        /// ```
        /// use skyflow_client::{ConnectionConfig, RetryConfig};
        /// let cfg = ConnectionConfig::new("c1", "https://gw.example.com")
        ///     .with_retry(RetryConfig::standard().with_max_attempts(5));
        /// assert_eq!(cfg.retry().map(|r| r.max_attempts()), Some(5));
        /// ```
        fn with_retry(retry: Some(RetryConfig));

        /// Sets timeouts for invocations of this connection, replacing the client-wide setting.
        ///
        /// ```
        /// use std::time::Duration;
        /// use skyflow_client::{ConnectionConfig, TimeoutConfig};
        /// let cfg = ConnectionConfig::new("c1", "https://gw.example.com")
        ///     .with_timeout(TimeoutConfig::standard().with_overall(Duration::from_secs(5)));
        /// assert_eq!(cfg.timeout().and_then(|t| t.overall()), Some(Duration::from_secs(5)));
        /// ```
        fn with_timeout(timeout: Some(TimeoutConfig));
    }

    /// This connection's retry setting, if it overrides the client's.
    pub fn retry(&self) -> Option<RetryConfig> {
        self.retry
    }

    /// This connection's timeouts, if they override the client's.
    pub fn timeout(&self) -> Option<TimeoutConfig> {
        self.timeout
    }

    setters! {
        /// Sets the credentials for this connection; they win over the client-wide credentials
        /// and the `SKYFLOW_CREDENTIALS` environment variable.
        ///
        /// ```
        /// use skyflow_client::{ConnectionConfig, credentials::Credentials};
        /// let cfg = ConnectionConfig::new("c1", "https://gw.example.com")
        ///     .with_credentials(Credentials::service_account_file("conn-sa.json"));
        /// assert!(cfg.credentials().is_some());
        /// ```
        fn with_credentials(credentials: Some(Credentials));
    }

    /// This connection's own credentials, if set.
    ///
    /// ```
    /// let cfg = skyflow_client::ConnectionConfig::new("c1", "https://gw.example.com");
    /// assert!(cfg.credentials().is_none());
    /// ```
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    /// The connection id.
    ///
    /// ```
    /// let cfg = skyflow_client::ConnectionConfig::new("c1", "https://gw.example.com");
    /// assert_eq!(cfg.connection_id(), "c1");
    /// ```
    pub fn connection_id(&self) -> &str {
        &self.connection_id
    }

    /// The connection URL as configured.
    ///
    /// ```
    /// let cfg = skyflow_client::ConnectionConfig::new("c1", "https://gw.example.com");
    /// assert_eq!(cfg.connection_url(), "https://gw.example.com");
    /// ```
    pub fn connection_url(&self) -> &str {
        &self.connection_url
    }

    /// Checks the configuration: a non-blank id, an `http`/`https` URL with a host, valid
    /// credentials when set, and valid retry and timeout settings. Errors name the field (`credentials.<field>` for the
    /// credentials); the client adds the connection, as in `connections[<id>].connection_url`.
    ///
    /// ```
    /// use skyflow_client::ConnectionConfig;
    /// let err = ConnectionConfig::new("c1", "ftp://x").validate().unwrap_err();
    /// assert_eq!(err.field(), Some("connection_url"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.connection_id.trim().is_empty() {
            return Err(Error::config(
                "connection_id",
                "connection id must not be empty",
            ));
        }
        check_http_url(&self.connection_url, "connection_url")?;
        check_overrides(
            self.credentials.as_ref(),
            self.retry.as_ref(),
            self.timeout.as_ref(),
        )
    }
}

/// A config error on `field` unless the setting `holds`.
fn ensure(holds: bool, field: &'static str, message: &'static str) -> Result<()> {
    if holds {
        Ok(())
    } else {
        Err(Error::config(field, message))
    }
}

/// Checks the settings a vault or a connection may set in place of the client's.
fn check_overrides(
    credentials: Option<&Credentials>,
    retry: Option<&RetryConfig>,
    timeout: Option<&TimeoutConfig>,
) -> Result<()> {
    if let Some(credentials) = credentials {
        credentials.validate().map_err(within_credentials)?;
    }
    if let Some(retry) = retry {
        retry.validate()?;
    }
    if let Some(timeout) = timeout {
        timeout.validate()?;
    }
    Ok(())
}

/// `api_key` becomes `credentials.api_key`.
fn within_credentials(err: Error) -> Error {
    let field = match err.field() {
        Some(field) => format!("credentials.{field}"),
        None => "credentials".to_owned(),
    };
    err.with_field(field)
}

fn check_http_url(value: &str, field: &'static str) -> Result<()> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::config(field, "URL must not be empty"));
    }
    let url = url::Url::parse(value)
        .map_err(|e| Error::config(field, format!("not a valid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::config(field, "URL scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::config(field, "URL must have a host"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_parses_case_insensitively_and_names_the_field() {
        assert_eq!("PROD".parse::<Env>().unwrap(), Env::Prod);
        assert_eq!("Sandbox".parse::<Env>().unwrap(), Env::Sandbox);
        assert_eq!(" dev ".parse::<Env>().unwrap(), Env::Dev);
        assert_eq!("stage".parse::<Env>().unwrap(), Env::Stage);
        let err = "production".parse::<Env>().unwrap_err();
        assert!(err.is_config());
        assert_eq!(err.field(), Some("env"));
    }

    #[test]
    fn all_four_domains() {
        let url = |env| VaultConfig::new("v", "abc123", env).vault_url().unwrap();
        assert_eq!(url(Env::Prod), "https://abc123.vault.skyflowapis.com");
        assert_eq!(
            url(Env::Sandbox),
            "https://abc123.vault.skyflowapis-preview.com"
        );
        assert_eq!(url(Env::Dev), "https://abc123.vault.skyflowapis.dev");
        assert_eq!(url(Env::Stage), "https://abc123.vault.skyflowapis.tech");
    }

    #[test]
    fn explicit_base_url_wins_over_cluster() {
        let cfg = VaultConfig::new("v", "abc123", Env::Prod).with_base_url("http://127.0.0.1:9/");
        assert_eq!(cfg.vault_url().unwrap(), "http://127.0.0.1:9");
    }

    #[test]
    fn vault_validation_names_fields() {
        let field = |cfg: VaultConfig| cfg.validate().unwrap_err().field().map(str::to_owned);
        assert_eq!(
            field(VaultConfig::new("", "c", Env::Prod)).as_deref(),
            Some("vault_id")
        );
        assert_eq!(
            field(VaultConfig::new("v", " ", Env::Prod)).as_deref(),
            Some("cluster_id")
        );
        assert_eq!(
            field(VaultConfig::new("v", "a/b", Env::Prod)).as_deref(),
            Some("cluster_id")
        );
        assert_eq!(
            field(VaultConfig::from_base_url("v", "127.0.0.1:80")).as_deref(),
            Some("base_url")
        );
        assert_eq!(
            field(VaultConfig::from_base_url("v", "mailto:x@y")).as_deref(),
            Some("base_url")
        );
        assert_eq!(
            field(
                VaultConfig::new("v", "c", Env::Prod)
                    .with_retry(RetryConfig::standard().with_max_attempts(0))
            )
            .as_deref(),
            Some("max_attempts")
        );
        assert_eq!(
            field(
                VaultConfig::new("v", "c", Env::Prod)
                    .with_timeout(TimeoutConfig::standard().with_overall(Duration::ZERO))
            )
            .as_deref(),
            Some("overall_timeout")
        );
    }

    #[test]
    fn connection_validation_names_fields() {
        let err = ConnectionConfig::new(" ", "https://x.example")
            .validate()
            .unwrap_err();
        assert_eq!(err.field(), Some("connection_id"));
        let err = ConnectionConfig::new("c", "").validate().unwrap_err();
        assert_eq!(err.field(), Some("connection_url"));
        let err = ConnectionConfig::new("c", "no scheme")
            .validate()
            .unwrap_err();
        assert_eq!(err.field(), Some("connection_url"));
        assert!(
            ConnectionConfig::new("c", "https://gw.example.com/cards/{card_id}/pay")
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn log_level_round_trips() {
        for level in [
            LogLevel::Debug,
            LogLevel::Info,
            LogLevel::Warn,
            LogLevel::Error,
            LogLevel::Off,
        ] {
            assert_eq!(LogLevel::from_u8(level as u8), level);
            assert_eq!(level.as_str().parse::<LogLevel>().unwrap(), level);
        }
        assert_eq!(
            "loud".parse::<LogLevel>().unwrap_err().field(),
            Some("log_level")
        );
    }
}
