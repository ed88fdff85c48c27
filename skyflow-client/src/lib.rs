//! Runtime of the `skyflow` SDK: configuration, credentials, service-account auth, the
//! transport and the vault API.
//!
//! Applications depend on the `skyflow` facade crate, which re-exports everything here
//! together with the `#[derive(VaultTable)]` macro.
//!
//! # Module map
//!
//! - [`error`]: the one [`Error`] type, its [`ErrorKind`] and [`Result`].
//! - [`table`]: the typed table layer behind `#[derive(VaultTable)]`: columns,
//!   redaction-aware values, typed tokens and record conversion.
//!
//! ```
//! use skyflow_client::{Error, Result};
//!
//! fn check_table(name: &str) -> Result<()> {
//!     if name.trim().is_empty() {
//!         return Err(Error::validation("InsertRequest", "table", "must not be empty"));
//!     }
//!     Ok(())
//! }
//! assert!(check_table("persons").is_ok());
//! ```

pub mod error;
pub mod table;

#[allow(
    dead_code,
    reason = "the token providers and the transport arrive in the next commits"
)]
pub(crate) mod auth;
#[allow(dead_code, reason = "the transport arrives in the next commits")]
pub(crate) mod http;

pub use error::{Error, ErrorKind, Result};
pub use skyflow_derive::VaultTable;
pub use table::VaultTable;

#[doc(hidden)]
pub use table::private as __private;
