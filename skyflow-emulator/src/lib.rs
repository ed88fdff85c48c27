//! `skyflow-emulator`: a local Skyflow-compatible vault.
//!
//! It serves Skyflow's Data API (records, tokens, query, files, service-account auth) on
//! loopback so the `skyflow` SDK, its examples and tests, or any HTTP client following
//! Skyflow's API, run with no cloud account.
//!
//! ```no_run
//! # async fn run() -> Result<(), skyflow_emulator::StartError> {
//! use skyflow_emulator::{Emulator, EmulatorOptions};
//!
//! let emulator = Emulator::start(EmulatorOptions::in_memory()).await?;
//! println!("vault {} at {}", emulator.vault_id(), emulator.vault_url());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Modules:
//! - [`embedded`]: [`Emulator`] and [`EmulatorOptions`], the in-process server and the
//!   data-directory contract shared with the `skyflow-emulator` binary;
//! - [`server`]: [`app`], the axum router, its middleware and the shared [`AppState`];
//! - [`auth`]: API keys, service accounts, the token exchange, roles;
//! - [`envelope`]: Skyflow's JSON error envelope;
//! - [`engine`]: the data engine (schemas, storage, records, tokens, files, query, audit)
//!   and its [`Limits`];
//! - [`detect`]: Skyflow Detect, with its local detection engine in [`detect::engine`].

pub mod auth;
pub mod detect;
pub mod embedded;
pub mod engine;
pub mod envelope;
mod provision;
mod routes;
pub mod server;

pub use embedded::{Emulator, EmulatorInfo, EmulatorOptions, StartError, VaultInfo};
pub use engine::Limits;
pub use server::{AppState, app};
