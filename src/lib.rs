//! `skyflow`: the typed Rust SDK for the Skyflow data privacy vault.
pub use skyflow_client::*;
