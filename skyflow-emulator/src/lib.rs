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
//! # Token lifecycle
//!
//! How a cell's token lives through insert, upsert, update (one record, bulk or batch) and
//! delete, for every token policy. Skyflow documents the deterministic rule; where its docs
//! are silent, the emulator chooses what loses no data and never lets a token resolve to a
//! value it was not issued for.
//!
//! | policy | the same value written again (upsert, update, another record) | the cell's value changes | the record is deleted |
//! |---|---|---|---|
//! | deterministic (`DETERMINISTIC_UUID`, `DETERMINISTIC_FPT`, `DETERMINISTIC_PRESERVE_LEFT_6_RIGHT_4`, `DETERMINISTIC_PRESERVE_EMAIL_DOMAIN`; also `FORMAT_PRESERVING_TOKEN` and `RANDOM_TOKEN`, whose tokens are persistent per value here) | the same token: one value has one token per column group, in every record of the group | the cell takes the new value's token; the old token stays while another cell holds the old value, then is deleted | the token stays while another cell holds the value, then is deleted |
//! | random (`NON_DETERMINISTIC_UUID`, `NON_DETERMINISTIC_FPT`) | the cell keeps its token; another record gets its own token | a new token; the old one is deleted (detokenize answers 404, never the new value) | the cell's token is deleted |
//! | transient (`NON_DETERMINISTIC_TRANSIENT_UUID`) | a fresh token with a full TTL; earlier ones keep resolving to their value until their own TTL | the same: older tokens keep their value until their TTL | tokens live on until their TTL |
//!
//! A BYOT token for a cell that already holds the same value replaces a random token (the
//! old one is deleted) and must equal a deterministic one (else 400). Setting a cell to
//! `null` deletes its persistent token as a change does (and, in a file column, its file).
//!
//! Values are matched in their stored form: a float column stores a whole number as an
//! integer, so `2`, `2.0` and `"2"` are one value with one token. Where a format-preserving
//! policy cannot apply, the token is a UUID: in a column of a number, boolean or JSON type,
//! and with `DETERMINISTIC_PRESERVE_LEFT_6_RIGHT_4` for a value of 10 digits or fewer (no
//! digit is left to change). When a format has no unused token left, the write fails with
//! 400. A unique column with the transient policy is not kept unique: its values are never
//! stored, so there is nothing to compare a new value with.
//!
//! # Storage and durability
//!
//! With a data directory the emulator keeps everything in one SQLite database
//! (`emulator.db`, encrypted at rest with the key in `engine.key`; the audit events of reads
//! go to `read-audit/`):
//! - a write answers only once it is on disk: its transaction is committed and the
//!   write-ahead log synced (`fdatasync`), so neither `kill -9` nor a power cut loses a write
//!   that was answered. Concurrent writes share one commit and one sync (group commit); a
//!   read may see a concurrent write shortly before that write answers;
//! - a write that fails leaves nothing behind, also when it fails on a storage fault (when
//!   SQLite abandons the transaction, on a full disk or an I/O error, the writes that shared
//!   its commit fail with it) or on a bug inside the emulator (a panic, answered with a
//!   500). If a sync of the write-ahead log fails, what the log holds on disk is unknown:
//!   every write not yet synced, and every write from then on, answers 500 until the
//!   emulator is restarted;
//! - records and tokens are stored in the order they are written, so a write appends rows.
//!   Lookups by token, by a deterministic or unique value and by record id go through keyed
//!   hashes held in memory (roughly 100 bytes per token and per record), which the emulator
//!   rebuilds from the database when it starts;
//! - a background thread copies the write-ahead log back into the database file
//!   (checkpoints), so no write waits while the log is copied;
//! - a store written by an older version is migrated when it opens; one written by a newer
//!   version is refused.
//!
//! Modules:
//! - [`embedded`]: [`Emulator`] and [`EmulatorOptions`], the in-process server and the
//!   data-directory contract shared with the `skyflow-emulator` binary;
//! - [`server`]: [`app`], the axum router, its middleware and the shared [`AppState`];
//! - [`auth`]: API keys, service accounts, the token exchange, roles;
//! - [`envelope`]: Skyflow's JSON error envelope;
//! - [`gateway`]: the local connection gateway (Skyflow Connections: detokenize on the way
//!   out, tokenize on the way back);
//! - [`engine`]: the data engine (schemas, storage, records, tokens, files, query, audit)
//!   and its [`Limits`];
//! - [`detect`]: Skyflow Detect, with its local detection engine in [`detect::engine`].

pub mod auth;
pub mod detect;
pub mod embedded;
pub mod engine;
pub mod envelope;
pub mod gateway;
mod provision;
mod routes;
pub mod server;

pub use embedded::{
    ConnectionInfo, Emulator, EmulatorInfo, EmulatorOptions, StartError, VaultInfo,
};
pub use engine::Limits;
pub use server::{AppState, app};
