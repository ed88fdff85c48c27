#![doc = include_str!("../README.md")]
//!
//! # Module map
//!
//! The facade re-exports everything of [`skyflow_client`] and the `#[derive(VaultTable)]`
//! macro:
//!
//! - [`Skyflow`] and its builder, with the [`VaultClient`], [`DetectClient`] and
//!   [`ConnectionClient`] handles; [`VaultConfig`], [`Env`], [`RetryConfig`],
//!   [`TimeoutConfig`], [`BulkConfig`], [`LogLevel`].
//! - [`credentials`]: API keys, bearer tokens and service-account credentials, and their
//!   precedence; [`service_account`]: bearer tokens and signed data tokens without a client.
//! - [`vault`]: the untyped request API, one request and response type per operation.
//! - [`table`]: the typed table layer behind `#[derive(VaultTable)]`.
//! - [`Error`], [`ErrorKind`] and [`Result`]; [`logging`].
pub use skyflow_client::*;
