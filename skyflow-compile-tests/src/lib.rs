//! Compile tests of the `skyflow` SDK's `#[derive(VaultTable)]`; this library is empty.
//!
//! The tests live in `tests/`: `ui.rs` runs the cases of `tests/ui` (every attribute and use
//! that must compile, and one file per mistake that must not, with the message the user
//! gets), and `ui_schema.rs` runs those of `tests/ui-schema` (structs checked against a vault
//! schema file). Run them with `cargo test -p skyflow-compile-tests`.
//!
//! They are a package of their own, not tests of `skyflow`, because trybuild compiles the
//! cases as a separate crate, in a target dir of its own, with every dependency of the
//! package that runs them. Here that is `skyflow` and the few crates the cases name; as tests
//! of `skyflow` they would compile all of its dev-dependencies, the emulator's included, a
//! second time.
