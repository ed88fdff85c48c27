//! Service-account auth usable without a client.

pub(crate) mod key;

pub use crate::credentials::Context;
