//! `skyflow`: a typed Rust SDK for the [Skyflow](https://www.skyflow.com/) data privacy vault.
//!
//! This is the crate applications depend on. It re-exports everything of the runtime crate
//! `skyflow-client`: the client and its configuration, credentials and service-account auth,
//! the HTTP transport (timeouts, retries, automatic token refresh) and the vault API. The
//! `#[derive(VaultTable)]` macro for typed tables (crate `skyflow-derive`) will be
//! re-exported here once it is written.
//!
//! Building a client does no network call; the example below points it at a local vault
//! (such as the `skyflow-emulator` of this workspace) through an explicit base URL.
//!
//! ```
//! use std::time::Duration;
//! use skyflow::credentials::Credentials;
//! use skyflow::{Env, LogLevel, RetryConfig, Skyflow, TimeoutConfig, VaultConfig};
//!
//! # fn main() -> skyflow::Result<()> {
//! let client = Skyflow::builder()
//!     // A vault at an explicit base URL, e.g. the local emulator ...
//!     .vault_config(VaultConfig::from_base_url("local", "http://127.0.0.1:8080"))
//!     // ... or one in Skyflow's cloud: https://{cluster_id}.vault.skyflowapis.com
//!     .vault_config(VaultConfig::new("a1b2c3d4", "ebfc9bee4242", Env::Prod))
//!     .credentials(Credentials::api_key("sky-ab1c2-0123456789abcdef0123456789abcdef"))
//!     .retry(RetryConfig::standard().with_max_attempts(4))
//!     .timeout(TimeoutConfig::standard().with_attempt_timeout(Duration::from_secs(10)))
//!     .log_level(LogLevel::Warn)
//!     .build()?;
//!
//! let vault = client.vault("local")?;
//! assert_eq!(vault.vault_url(), "http://127.0.0.1:8080");
//! assert_eq!(client.default_vault()?.vault_id(), "local"); // the first one configured
//! # Ok(())
//! # }
//! ```
//!
//! # Module map
//!
//! - [`client`]: [`Skyflow`], its [`SkyflowBuilder`], and the [`VaultClient`],
//!   [`DetectClient`] and [`ConnectionClient`] handles.
//! - [`config`]: [`VaultConfig`], [`ConnectionConfig`], [`Env`], [`RetryConfig`],
//!   [`TimeoutConfig`] and [`LogLevel`].
//! - [`credentials`]: API keys, static bearer tokens, service-account files and JSON,
//!   `SKYFLOW_CREDENTIALS`, and which credentials a vault or connection uses.
//! - [`service_account`]: bearer tokens and signed data tokens from service-account
//!   credentials, usable without a client.
//! - [`vault`]: the request and response types of the vault operations (insert, get,
//!   update, delete, query, tokenize, detokenize, files) and batching.
//! - [`logging`]: what the SDK logs, at which level, and where it goes.
//! - [`error`]: the one [`Error`] type, its [`ErrorKind`] and [`Result`].
//!
//! Detect (de-identify and re-identify) and connection invocation are coming: their
//! handles exist, their operations do not yet.

pub use skyflow_client::*;
