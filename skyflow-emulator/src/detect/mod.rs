//! Skyflow Detect: finding and de-identifying sensitive entities in text and files.
//!
//! [`engine`] is the pure detection engine (recognizers, word lists, overlap resolution); it does
//! no HTTP, storage or token rendering.

pub mod engine;
