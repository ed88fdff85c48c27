//! Runs every example on the embedded emulator (as `cargo run --example NAME` does with no
//! vault configured), and fails if one fails or prints a secret. The vault, client set-up
//! and service-account examples run through a proxy that records the secrets they used,
//! and their output and logs are checked against those (see `harness`); the Detect and
//! connection examples are checked against the values they de-identify or send. Also checks
//! how the examples choose between the emulator and a real vault.
#![allow(
    clippy::duplicate_mod,
    reason = "each example declares `mod support;` itself, as `cargo run --example` needs"
)]

mod harness;

#[path = "../examples/support/mod.rs"]
mod support;

/// Includes examples by path (their `main` is not called here).
macro_rules! examples {
    ($($name:ident = $path:literal),* $(,)?) => {$(
        #[path = $path]
        #[allow(dead_code, reason = "the example's `main` is not called here")]
        mod $name;
    )*};
}

examples!(
    quickstart = "../examples/quickstart.rs",
    typed_crud = "../examples/typed_crud.rs",
    insert_records = "../examples/insert_records.rs",
    insert_byot = "../examples/insert_byot.rs",
    insert_continue_on_error = "../examples/insert_continue_on_error.rs",
    detokenize_records = "../examples/detokenize_records.rs",
    get_records = "../examples/get_records.rs",
    get_column_values = "../examples/get_column_values.rs",
    update_record = "../examples/update_record.rs",
    delete_records = "../examples/delete_records.rs",
    query_records = "../examples/query_records.rs",
    tokenize_records = "../examples/tokenize_records.rs",
    upload_file = "../examples/upload_file.rs",
    bulk_import = "../examples/bulk_import.rs",
    token_generation = "../examples/token_generation.rs",
    scoped_token_generation = "../examples/scoped_token_generation.rs",
    token_generation_with_context = "../examples/token_generation_with_context.rs",
    signed_token_generation = "../examples/signed_token_generation.rs",
    bearer_token_expiry = "../examples/bearer_token_expiry.rs",
    client_operations = "../examples/client_operations.rs",
    credentials_options = "../examples/credentials_options.rs",
    logging = "../examples/logging.rs",
    deidentify_text = "../examples/deidentify_text.rs",
    reidentify_text = "../examples/reidentify_text.rs",
    deidentify_file = "../examples/deidentify_file.rs",
    get_detect_run = "../examples/get_detect_run.rs",
    invoke_connection = "../examples/invoke_connection.rs",
);

/// A test that runs an example with `run(&Target, &mut out)` through the harness and
/// checks that it printed a few lines and no secret; `$check` sees the [`harness::Run`].
macro_rules! example_test {
    ($name:ident $(, options = $options:expr)? $(, check = $check:expr)?) => {
        #[tokio::test]
        async fn $name() {
            #[allow(unused_variables)]
            let options = support::default_options();
            $(let options = $options;)?
            let run = harness::run(options, async |target, out| $name::run(target, out).await).await;
            let lines = run.lines();
            assert!(
                (1..=12).contains(&lines.len()),
                "a few readable lines, got {}:\n{}",
                lines.len(),
                run.output
            );
            run.assert_no_secrets();
            $(($check)(&run);)?
        }
    };
}

example_test!(
    insert_records,
    check = |run: &harness::Run| {
        assert!(run.output.contains("inserted 2 persons"), "{}", run.output);
        assert!(run.secrets.contains("123-45-6701"), "the proxy saw the ssn");
    }
);
example_test!(insert_byot);
example_test!(insert_continue_on_error);
example_test!(detokenize_records);
example_test!(get_records);
example_test!(get_column_values);
example_test!(update_record);
example_test!(delete_records);
example_test!(query_records);
example_test!(tokenize_records);
example_test!(upload_file);
example_test!(client_operations);
example_test!(credentials_options);
example_test!(logging);
example_test!(token_generation);
example_test!(scoped_token_generation);
example_test!(token_generation_with_context);
example_test!(signed_token_generation);
example_test!(
    bearer_token_expiry,
    options = bearer_token_expiry::emulator_options()
);

use skyflow::Env;

/// Words shaped like a UUID (ids and UUID tokens).
fn uuids(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
        .filter(|w| w.len() == 36 && w.matches('-').count() == 4)
        .collect()
}

/// `true` when `text` holds something shaped like an SSN (`ddd-dd-dddd`): a plaintext SSN
/// or a format-preserving SSN token.
fn has_ssn_shape(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(11).any(|w| {
        w.iter().enumerate().all(|(i, b)| match i {
            3 | 6 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
    })
}

/// Runs an example whose `run` takes the vault handle, through the harness; checks that it
/// printed and logged no secret, and returns its output.
async fn output_of(
    example: impl AsyncFnOnce(&skyflow::VaultClient, &mut Vec<u8>) -> Result<(), support::BoxError>,
) -> String {
    let run = harness::run(support::default_options(), async |target, out| {
        example(target.vault(), out).await
    })
    .await;
    run.assert_no_secrets();
    run.output
}

/// Runs a Detect example on the embedded emulator and returns what it printed.
async fn detect_output_of<F, Fut>(example: F) -> String
where
    F: FnOnce(skyflow::DetectClient) -> Fut,
    Fut: Future<Output = (Vec<u8>, Result<(), support::BoxError>)>,
{
    let target = support::embedded().await.expect("the emulator starts");
    let (out, result) = example(target.detect().clone()).await;
    let text = String::from_utf8(out).expect("utf-8 output");
    if let Err(err) = result {
        panic!("the example failed: {err}\n{text}");
    }
    target.shutdown().await;
    text
}

/// The values the Detect examples de-identify: none may be printed.
const DETECT_SECRETS: [&str; 4] = [
    "123-45-6789",
    "212-56-7890",
    "zoe@example.com",
    "ann@example.org",
];

fn assert_no_detect_secrets(text: &str) {
    for secret in DETECT_SECRETS {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

#[tokio::test]
async fn deidentify_text_prints_tokens_and_positions() {
    let text = detect_output_of(|detect| async move {
        let mut out = Vec::new();
        let result = deidentify_text::run(&detect, &mut out).await;
        (out, result)
    })
    .await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "processed: Hi, I'm Zoë. My SSN is [SSN_1] and my mail is [EMAIL_ADDRESS_1]; my SSN again: [SSN_1].",
        "{text}"
    );
    assert!(
        lines[1].starts_with("  SSN at characters 23..34 -> [SSN_1]"),
        "{text}"
    );
    assert_eq!(lines.len(), 6, "{text}");
    assert!(lines[5].contains("[EMAIL_ADDRESS]"), "{text}");
    assert_no_detect_secrets(&text);
}

#[tokio::test]
async fn reidentify_text_restores_masks_and_redacts() {
    let text = detect_output_of(|detect| async move {
        let mut out = Vec::new();
        let result = reidentify_text::run(&detect, &mut out).await;
        (out, result)
    })
    .await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with("de-identified with 2 vault tokens"),
        "{text}"
    );
    assert_eq!(
        lines[2],
        "masked and redacted: Café order for Zoë: SSN XXX-XX-6789, receipt to *REDACTED* 🎉"
    );
    assert_no_detect_secrets(&text);
}

#[tokio::test]
async fn deidentify_file_writes_the_processed_csv() {
    let text = detect_output_of(|detect| async move {
        let mut out = Vec::new();
        let result = deidentify_file::run(&detect, &mut out).await;
        (out, result)
    })
    .await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "sending patients.csv to the Spreadsheet endpoint");
    assert!(lines[1].starts_with("run succeeded"), "{text}");
    assert_eq!(lines[2], "name,ssn,email");
    assert_eq!(lines[3], "Zoe,[SSN_1],[EMAIL_ADDRESS_1]");
    assert_eq!(lines[4], "Ann,[SSN_2],[EMAIL_ADDRESS_2]");
    assert_eq!(
        lines[5],
        "written: processed-patients-entities.json, processed-patients.csv"
    );
    assert_no_detect_secrets(&text);
}

#[tokio::test]
async fn get_detect_run_fetches_the_run_by_id() {
    let text = detect_output_of(|detect| async move {
        let mut out = Vec::new();
        let result = get_detect_run::run(&detect, &mut out).await;
        (out, result)
    })
    .await;
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("started run "), "{text}");
    assert_eq!(lines[1], "run status: SUCCESS");
    assert!(
        lines[2].starts_with("  output redacted_file (txt)"),
        "{text}"
    );
    assert!(lines[3].starts_with("  output entities (json)"), "{text}");
    assert_eq!(
        lines[4],
        "Visit note: patient SSN [SSN_1], follow-up by mail to [EMAIL_ADDRESS_1]."
    );
    assert_no_detect_secrets(&text);
}

#[tokio::test]
async fn quickstart_runs_and_prints_no_secrets() {
    let text = output_of(async |vault, out| quickstart::run(vault, out).await).await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(
        lines[0].starts_with("inserted a person: skyflow_id "),
        "{text}"
    );
    assert!(lines[0].ends_with(", 5 typed tokens"), "{text}");
    assert!(lines[1].contains("ssn XXX-XX-6789"), "{text}");
    assert!(lines[1].contains("date of birth XXXX-05-17"), "{text}");
    assert!(lines[2].starts_with("detokenized the ssn token"), "{text}");
    assert!(lines[3].starts_with("updated the state"), "{text}");
    assert_eq!(lines[4], "deleted 1 record");

    let jane = quickstart::jane();
    for secret in [jane.ssn.expose(), jane.email.expose(), jane.name.expose()] {
        assert!(!text.contains(secret.as_str()), "{secret} in {text}");
    }
    assert!(!has_ssn_shape(&text), "an ssn or ssn token in {text}");
    // The only UUID printed is the record id (no UUID tokens).
    let mut printed = uuids(&text);
    printed.dedup();
    assert_eq!(printed.len(), 1, "{text}");
}

#[tokio::test]
async fn typed_crud_runs_and_prints_no_secrets() {
    let text = output_of(async |vault, out| typed_crud::run(vault, out).await).await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 9, "{text}");
    assert_eq!(lines[0], "inserted 3 customers");
    assert!(lines[1].starts_with("upserted on email"), "{text}");
    assert!(lines[4].contains("ssn XXX-XX-1001"), "{text}");
    assert_eq!(lines[6], "queried active customers: 2 found, oldest first");
    assert_eq!(
        lines[7],
        "inserted with continue-on-error: 1 stored, record 1 rejected"
    );
    assert_eq!(lines[8], "deleted 4 customers");
    assert!(!has_ssn_shape(&text), "an ssn or ssn token in {text}");
    assert!(!text.contains("customer1"), "a plaintext email in {text}");
    assert!(!text.contains("not an ssn"), "{text}");
    assert!(uuids(&text).len() <= 1, "{text}");
}

#[tokio::test]
async fn invoke_connection_runs_and_prints_only_masked_values() {
    let mut out = Vec::new();
    let result = invoke_connection::run(&mut out).await;
    let text = String::from_utf8(out).expect("utf-8 output");
    if let Err(err) = result {
        panic!("the example failed: {err}\n{text}");
    }
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[1].starts_with("stored a card"), "{text}");
    assert_eq!(
        lines[2],
        "processor received POST /v1/charges/XXXX-XXXX-XXXX-1111 with amount 1250 and cvv XXX",
        "{text}"
    );
    assert!(lines[3].starts_with("answer 200 (request id "), "{text}");
    assert!(lines[3].ends_with("resolves to XXX-XX-1120"), "{text}");
    for secret in [
        invoke_connection::CARD_NUMBER,
        invoke_connection::PROCESSOR_SSN,
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(
        uuids(&text).len() <= 1,
        "only the request id is UUID-shaped: {text}"
    );
}

#[test]
fn the_examples_use_a_real_vault_only_when_all_four_variables_are_set() {
    let none = |_: &str| None;
    assert_eq!(support::select(none).unwrap(), None);
    let blank = |_: &str| Some("  ".to_owned());
    assert_eq!(support::select(blank).unwrap(), None);

    let all = |name: &str| {
        Some(match name {
            "SKYFLOW_ENV" => "sandbox".to_owned(),
            other => format!("{other}-value"),
        })
    };
    let real = support::select(all).unwrap().expect("a real vault");
    assert_eq!(real.vault_id, "SKYFLOW_VAULT_ID-value");
    assert_eq!(real.cluster_id, "SKYFLOW_CLUSTER_ID-value");
    assert_eq!(real.env, Env::Sandbox);

    let some = |name: &str| (name == "SKYFLOW_VAULT_ID").then(|| "v".to_owned());
    let err = support::select(some).unwrap_err().to_string();
    assert!(
        err.contains("missing: SKYFLOW_CLUSTER_ID, SKYFLOW_ENV, SKYFLOW_CREDENTIALS"),
        "{err}"
    );

    let bad_env = |name: &str| Some(if name == "SKYFLOW_ENV" { "moon" } else { "x" }.to_owned());
    assert!(support::select(bad_env).is_err());
}

#[tokio::test]
async fn the_secret_check_fails_on_a_printed_value_token_or_credential() {
    use std::io::Write;

    use skyflow::vault::InsertRequest;

    let mut api_key = String::new();
    let run = harness::run(support::default_options(), async |target, out| {
        api_key = target.emulator().expect("embedded").api_key().to_owned();
        let request = InsertRequest::new("persons")
            .value(serde_json::json!({ "name": "Leaky Example", "ssn": "123-45-9999" }));
        let response = target.vault().insert(&request).await?;
        let token = response.inserted()[0].token("ssn").unwrap_or_default();
        writeln!(out, "the ssn token is {token}")?;
        Ok(())
    })
    .await;
    // The token printed is caught; so is each other kind of secret.
    let found = harness::leaks(&run.output, &run.secrets);
    assert_eq!(found.len(), 1, "{found:?}");
    for text in [
        "name Leaky Example",
        "ssn 123-45-9999",
        api_key.as_str(),
        "signed_token_eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
        "-----BEGIN PRIVATE KEY-----",
        "key sky-ab1c2-0123456789abcdef0123456789abcdef",
    ] {
        assert!(
            !harness::leaks(text, &run.secrets).is_empty(),
            "not caught: {text}"
        );
    }
    assert!(harness::leaks("inserted 1 record", &run.secrets).is_empty());
}

/// The bulk import with 2,000 records instead of 10,000: the same code (four chunks, each
/// split into batches of 100 sent four at a time, three bad records reported at their
/// index), in a fifth of the time. `cargo run --example bulk_import` imports 10,000.
#[tokio::test]
async fn bulk_import() {
    let run = harness::run(support::default_options(), async |target, out| {
        bulk_import::import(target, out, 2_000).await
    })
    .await;
    run.assert_no_secrets();
    let lines = run.lines();
    assert_eq!(lines.len(), 6, "{}", run.output);
    assert_eq!(
        lines[3],
        "progress: 2000 of 2000 records sent, 1997 stored, 3 rejected"
    );
    assert!(
        lines[4].ends_with("rejected at index [250, 1001, 1999] (http code 400)"),
        "{}",
        run.output
    );
}
