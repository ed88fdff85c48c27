//! Procedural macros for the `skyflow` SDK.
//!
//! The `#[derive(VaultTable)]` macro lives here; it is re-exported by the `skyflow` crate,
//! which is what applications depend on.
