//! Schema files on start-up: a file may hold several vaults, and a bad file stops the start
//! with an error that names the file and what is wrong in it.

use skyflow_emulator::{Emulator, EmulatorOptions};

const QUICKSTART: &str = include_str!("../schemas/quickstart.json");
const SAMPLE: &str = include_str!("../schemas/test-sample-schema.json");

#[tokio::test]
async fn one_file_can_hold_several_vaults() {
    let dir = tempfile::tempdir().unwrap();
    let several = dir.path().join("several.json");
    std::fs::write(&several, format!("[{QUICKSTART}, {SAMPLE}]")).unwrap();
    let single = dir.path().join("payments.json");
    std::fs::write(&single, QUICKSTART).unwrap();
    let emulator = Emulator::start(
        EmulatorOptions::in_memory()
            .schema_file(&several)
            .schema_file(&single),
    )
    .await
    .unwrap();
    let names: Vec<&str> = emulator.vaults().iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["several-1", "simpleVaultExample", "payments"]);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_bad_schema_file_names_the_file_and_the_mistake() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"schemas":[{"name":"persons","fields":[{"name":"ssn","tags":[
            {"name":"skyflow.options.default_token_policy","values":["SOMETIMES"]}]}]}]}"#,
    )
    .unwrap();
    let Err(err) = Emulator::start(EmulatorOptions::in_memory().schema_file(&bad)).await else {
        panic!("a bad schema must stop the start");
    };
    let err = err.to_string();
    assert!(err.contains("bad.json"), "{err}");
    assert!(
        err.contains(
            "table `persons`, column `ssn`, tag `skyflow.options.default_token_policy`: unknown token policy `SOMETIMES`"
        ),
        "{err}"
    );
}
