//! Skyflow's vault schema JSON: one model and one parser.
//!
//! A vault schema names the vault's tables and, for each column, its data type (`DT_*`),
//! token policy, default redaction, masking patterns, validation regexes, uniqueness,
//! whether it may be empty, and its column group. Skyflow exports it as JSON, and the same
//! file drives two parts of this project:
//!
//! - `skyflow-emulator --schema FILE` runs a local vault with those tables;
//! - `#[derive(VaultTable)]` with `#[vault(schema = "FILE")]` checks a struct against it at
//!   compile time.
//!
//! Both read it through this crate, so they cannot disagree about the format. It depends
//! on `serde` and `serde_json` only; regexes are kept as text for whoever applies them.
//!
//! ```
//! use skyflow_schema::{DataType, DlpPolicy, SchemaFile, TokenPolicy};
//!
//! let file = SchemaFile::parse(r#"{"schemas": [{
//!     "name": "persons",
//!     "fields": [
//!         {"name": "email", "datatype": "DT_STRING", "tags": [
//!             {"name": "skyflow.options.configuration_tags", "values": ["UNIQUE", "NOT_NULL"]},
//!             {"name": "skyflow.options.default_token_policy", "values": ["DETERMINISTIC_UUID"]},
//!             {"name": "skyflow.options.default_dlp_policy", "values": ["MASK"]}]},
//!         {"name": "age", "datatype": "DT_INT32"}
//!     ]}]}"#)?;
//! let persons = file.vaults()[0].table("persons").unwrap();
//! let email = persons.column("email").unwrap();
//! assert!(email.unique && email.not_null);
//! assert_eq!(email.token_policy, Some(TokenPolicy::DeterministicUuid));
//! assert_eq!(email.dlp_policy, DlpPolicy::Mask);
//! assert_eq!(persons.column("age").unwrap().datatype, DataType::Int32);
//! // Every table has its `skyflow_id` primary key first.
//! assert_eq!(persons.columns[0].name, "skyflow_id");
//! # Ok::<(), skyflow_schema::SchemaError>(())
//! ```

mod error;
mod model;
mod parse;

pub use error::SchemaError;
pub use model::{
    Column, DataType, DlpPolicy, SKYFLOW_ID, TRANSIENT_TTL_MINUTES, Table, TokenPolicy, VaultSchema,
};
pub use parse::SchemaFile;

#[cfg(test)]
mod tests;
