//! Skyflow Detect: finding and de-identifying sensitive entities in text and files.
//!
//! [`engine`] is the pure detection engine (recognizers, word lists, overlap resolution); it does
//! no HTTP, storage or token rendering. The rest of this module is the Detect service behind
//! the `/v1/detect/*` routes: it checks a request's options, renders tokens (vault tokens
//! kept in the vault's encrypted store, counters, entity-only, `[RESTRICTED]`), shifts
//! dates, re-identifies, and de-identifies files as background runs. A finished run survives a
//! restart; a run the emulator was still working on when it stopped reads `FAILED` afterwards,
//! with a message to submit the file again (it would otherwise read `IN_PROGRESS` forever).

pub mod engine;

pub(crate) mod dates;
pub(crate) mod files;
pub(crate) mod options;
pub(crate) mod reidentify;
pub(crate) mod render;
pub(crate) mod runs;
pub(crate) mod tokens;
