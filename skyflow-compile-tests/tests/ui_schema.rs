//! Compile tests of the schema check: structs checked against the vault schema file
//! `tests/ui-schema/schemas/vault.json` with `#[vault(schema = "schemas/vault.json")]`.
//! `ui-schema/pass` must compile; each file of `ui-schema/fail` must fail with the message in
//! its `.stderr` (generated with `TRYBUILD=overwrite` and reviewed).
//!
//! A schema path is relative to the Cargo.toml of the crate being compiled. trybuild compiles
//! the cases as a crate of its own in `<target dir>/tests/trybuild/<this package's name>`, so
//! the schemas are copied there first.
//!
//! Then it shows that cargo re-runs the check when only the schema file, or only
//! `SKYFLOW_VAULT_SCHEMA`, changes: `ui-schema/rebuild/main.rs` is built in a crate beside
//! trybuild's, with the same dependencies and flags so that it reuses trybuild's build of them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The directory trybuild compiles the cases in (its manifest directory).
fn trybuild_project() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target dir holds tmp/")
        .join("tests")
        .join("trybuild")
        .join(env!("CARGO_PKG_NAME"))
}

/// Copies `tests/ui-schema/schemas/*.json` to `<dir>/schemas/`.
fn copy_schemas(dir: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui-schema/schemas");
    let to = dir.join("schemas");
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

/// A vault schema with one table `persons` and one column.
fn schema(column: &str) -> String {
    format!(
        r#"{{"schemas":[{{"name":"persons","fields":[{{"name":"{column}","datatype":"DT_STRING"}}]}}]}}"#
    )
}

/// A crate beside trybuild's with the same manifest (dependencies, features) and one binary,
/// `ui-schema/rebuild/main.rs`.
fn rebuild_project(trybuild: &Path) -> PathBuf {
    let manifest =
        std::fs::read_to_string(trybuild.join("Cargo.toml")).expect("trybuild wrote its manifest");
    let mut kept = String::new();
    let mut in_bin = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        }
        if !in_bin {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    let main = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui-schema/rebuild/main.rs");
    kept.push_str(&format!(
        "\n[[bin]]\nname = \"schema-rebuild\"\npath = {:?}\n",
        main.to_str().unwrap()
    ));
    let dir = trybuild.parent().unwrap().join("schema-rebuild");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Cargo.toml"), kept).unwrap();
    std::fs::copy(trybuild.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

/// The host's target triple, which trybuild builds for.
fn host() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc).arg("-vV").output().expect("rustc runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_owned()
}

/// `cargo build` of the rebuild crate, as trybuild runs it (same target dir, target and
/// flags).
fn build(dir: &Path, env_schema: Option<&str>) -> Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let host = host();
    let flags = r#"["--cfg","trybuild","--verbose","-A","dead_code"]"#;
    let mut cmd = Command::new(cargo);
    cmd.current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.parent().unwrap())
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS")
        .args([
            "build",
            "--offline",
            "--quiet",
            "--color=never",
            "--bin",
            "schema-rebuild",
            "--target",
            &host,
            &format!("--config=build.rustflags={flags}"),
            &format!("--config=target.{host}.rustflags={flags}"),
        ]);
    match env_schema {
        Some(path) => cmd.env("SKYFLOW_VAULT_SCHEMA", path),
        None => cmd.env_remove("SKYFLOW_VAULT_SCHEMA"),
    };
    cmd.output().expect("cargo runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn ui_schema() {
    let trybuild = trybuild_project();
    copy_schemas(&trybuild);
    {
        let cases = trybuild::TestCases::new();
        cases.pass("tests/ui-schema/pass/*.rs");
        cases.compile_fail("tests/ui-schema/fail/*.rs");
    }

    // Changing only the schema file, then only the environment variable, re-runs the check.
    let dir = rebuild_project(&trybuild);
    std::fs::write(dir.join("schema.json"), schema("email")).unwrap();
    std::fs::write(dir.join("other.json"), schema("mail")).unwrap();
    let out = build(&dir, None);
    assert!(out.status.success(), "{}", stderr(&out));

    std::fs::write(dir.join("schema.json"), schema("email_address")).unwrap();
    let out = build(&dir, None);
    assert!(!out.status.success(), "a schema edit must re-run the check");
    assert!(
        stderr(&out)
            .contains("column `email` is not in table `persons` of vault schema `schema.json`"),
        "{}",
        stderr(&out)
    );

    std::fs::write(dir.join("schema.json"), schema("email")).unwrap();
    let out = build(&dir, None);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = build(&dir, Some("other.json"));
    assert!(
        !out.status.success(),
        "setting SKYFLOW_VAULT_SCHEMA must re-run the check"
    );
    assert!(
        stderr(&out).contains(
            "column `email` is not in table `persons` of vault schema `other.json` (from SKYFLOW_VAULT_SCHEMA)"
        ),
        "{}",
        stderr(&out)
    );
}
