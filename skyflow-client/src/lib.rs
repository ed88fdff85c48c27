//! Runtime of the `skyflow` SDK: configuration, credentials, service-account auth, the
//! transport and the vault API.
//!
//! Applications depend on the `skyflow` facade crate, which re-exports everything here
//! together with the `#[derive(VaultTable)]` macro.
//!
//! ```no_run
//! use skyflow_client::credentials::Credentials;
//! use skyflow_client::{Env, LogLevel, RetryConfig, Skyflow, VaultConfig};
//!
//! # fn main() -> skyflow_client::Result<()> {
//! let client = Skyflow::builder()
//!     // a vault in Skyflow's cloud: https://{cluster_id}.vault.skyflowapis.com
//!     .vault_config(VaultConfig::new("a1b2c3d4", "ebfc9bee4242", Env::Prod))
//!     // or any base URL, e.g. the local emulator
//!     .vault_config(VaultConfig::from_base_url("local", "http://127.0.0.1:8080"))
//!     .credentials(Credentials::service_account_file("credentials.json"))
//!     .retry(RetryConfig::standard().with_max_attempts(4))
//!     .log_level(LogLevel::Info)
//!     .build()?;
//!
//! let vault = client.default_vault()?; // the first vault configured
//! println!("using vault {}", vault.vault_id());
//! # Ok(())
//! # }
//! ```
//!
//! # Details
//!
//! - [`Skyflow`] is `Clone + Send + Sync` and cheap to clone; clones share one HTTP
//!   connection pool, one bearer-token cache, the configuration and the log level.
//! - Credentials are picked per vault or connection: its own, else the client-wide ones,
//!   else the `SKYFLOW_CREDENTIALS` environment variable (or, when it is unset, the nearest
//!   `.env` file that sets it).
//! - Calls get timeouts ([`TimeoutConfig`]: connect, overall and per attempt) and retries
//!   ([`RetryConfig`]) configurable for the client and per vault; a 401 is retried once
//!   with a fresh token, and a failed token exchange is retried like a failed attempt.
//! - Every failure is an [`Error`] with a [`kind`](Error::kind) and, for vault answers,
//!   Skyflow's http code, gRPC code, http status, message, request id and details.
//! - Logging goes through `tracing` (see [`logging`]); secrets are never logged.
//!
//! # Vault operations
//!
//! A [`VaultClient`] runs every vault operation: `insert`, `detokenize`, `tokenize`,
//! `get`, `update`, `delete`, `query`, `upload_file`, `file_scan_status` and
//! `delete_file`, each taking its request type from [`vault`] and returning its response
//! type. Requests are validated before anything is sent; large inserts, detokenizes,
//! tokenizes, gets and deletes are split into batches ([`BulkConfig`]) and their answers
//! merged in input order.
//!
//! ```no_run
//! use serde_json::json;
//! use skyflow_client::credentials::Credentials;
//! use skyflow_client::vault::{CallOptions, InsertRequest};
//! use skyflow_client::{BulkConfig, Skyflow, VaultConfig};
//!
//! # async fn run() -> skyflow_client::Result<()> {
//! let client = Skyflow::builder()
//!     .vault_config(VaultConfig::from_base_url("a1b2c3d4", "http://127.0.0.1:8080"))
//!     .credentials(Credentials::service_account_file("credentials.json"))
//!     .bulk(BulkConfig::standard().with_batch_size(200).with_concurrency(4))
//!     .build()?;
//! let vault = client.default_vault()?;
//!
//! let request = InsertRequest::new("persons")
//!     .values([
//!         json!({ "name": "Jane", "ssn": "123-45-6789" }),
//!         json!({ "name": "Raj", "ssn": "987-65-4321" }),
//!     ])
//!     .continue_on_error(true);
//! let response = vault
//!     .with_options(CallOptions::new().request_id("import-42"))
//!     .insert(&request)
//!     .await?;
//! for record in response.inserted() {
//!     println!("values[{}] -> {} {:?}", record.request_index(), record.skyflow_id(), record.token("ssn"));
//! }
//! for error in response.errors() {
//!     eprintln!("{error}"); // values[2]: <the vault's message>
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Detect
//!
//! A [`DetectClient`] de-identifies text (`deidentify_text`) and files (`deidentify_file`,
//! routed by extension, polled as a run, optionally written to a directory),
//! re-identifies text (`reidentify_text`) and fetches runs (`get_detect_run`), with the
//! request and response types of [`detect`].
//!
//! # Module map
//!
//! - [`client`]: [`Skyflow`], its builder and the [`VaultClient`], [`DetectClient`] and
//!   [`ConnectionClient`] handles; the vault operations are methods of [`VaultClient`].
//! - [`detect`]: one request and one response type per Detect operation, [`EntityType`](detect::EntityType),
//!   token formats and date shifting.
//! - [`vault`]: one request and one response type per vault operation, the per-call
//!   [`CallOptions`](vault::CallOptions), and [`vault::batch`] (splitting and merging,
//!   [`BatchFailure`](vault::BatchFailure)).
//! - [`connection`]: [`InvokeConnectionRequest`](connection::InvokeConnectionRequest) and
//!   [`InvokeConnectionResponse`](connection::InvokeConnectionResponse), run by
//!   [`ConnectionClient::invoke`]: methods, path and query parameters, headers, every body
//!   encoding, and how answers and errors are read.
//! - [`config`]: [`VaultConfig`], [`ConnectionConfig`], [`Env`], [`RetryConfig`],
//!   [`TimeoutConfig`], [`BulkConfig`], [`LogLevel`].
//! - [`credentials`]: [`Credentials`](credentials::Credentials) and their precedence.
//! - [`service_account`]: bearer tokens from service-account credentials, without a client.
//! - [`logging`]: what is logged, and where it goes.
//! - [`error`]: the one [`Error`] type, its [`ErrorKind`] and [`Result`].
//! - [`table`]: the typed table layer behind `#[derive(VaultTable)]`: columns,
//!   redaction-aware values, typed tokens, record conversion, and the typed operations
//!   ([`VaultClient::table`] gives a [`table::Table`]).
//! - [`vault`]: the untyped request API, one request and response type per operation.

/// Writes builder setters that store their argument in a field, each with the docs written
/// above it. `fn name(field: Type);` stores the value, `fn name(field: Some(Type));` stores
/// `Some(value)`; every setter is public, `#[must_use]` and returns `Self`.
macro_rules! setters {
    () => {};
    ($(#[$doc:meta])* fn $name:ident($field:ident: Some($ty:ty)); $($rest:tt)*) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, $field: $ty) -> Self {
            self.$field = Some($field);
            self
        }
        setters!($($rest)*);
    };
    ($(#[$doc:meta])* fn $name:ident($field:ident: $ty:ty); $($rest:tt)*) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, $field: $ty) -> Self {
            self.$field = $field;
            self
        }
        setters!($($rest)*);
    };
}

pub mod client;
pub mod config;
pub mod connection;
pub mod credentials;
pub mod detect;
pub mod error;
pub mod logging;
pub mod service_account;
pub mod table;
pub mod vault;

pub(crate) mod auth;
pub(crate) mod http;

pub use client::{ConnectionClient, DetectClient, Skyflow, SkyflowBuilder, VaultClient};
pub use config::{
    BulkConfig, ConnectionConfig, Env, LogLevel, RetryConfig, TimeoutConfig, VaultConfig,
};
pub use error::{Error, ErrorKind, Result};
pub use skyflow_derive::VaultTable;
pub use table::VaultTable;

#[doc(hidden)]
pub use table::private as __private;
