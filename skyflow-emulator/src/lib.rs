//! skyflow-emulator: a local Skyflow-compatible vault (Skyflow's Data API over SQLite).
//!
//! The [`engine`] module is the data engine (schemas, storage, records, tokens, files,
//! query, audit); the HTTP server is built on top of it.

pub mod engine;
