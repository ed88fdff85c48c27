//! Compile tests for `#[derive(VaultTable)]`: every attribute and combination that must
//! compile (`ui/pass`), and one file per mistake that must not, with the message we give
//! (`ui/fail/*.stderr`, generated with `TRYBUILD=overwrite` and reviewed).
//!
//! The snapshots are for the workspace's one stable toolchain; re-bless them when it
//! changes.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
