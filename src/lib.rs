#![doc = include_str!("../README.md")]
//!
//! The facade re-exports [`skyflow_client`] and the `#[derive(VaultTable)]` macro.
pub use skyflow_client::*;
