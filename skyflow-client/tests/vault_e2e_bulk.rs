//! Batching, request ids, concurrency, cancellation, auth and logging, end to end against
//! the real emulator started in-process on 127.0.0.1 (one in-memory emulator per test).

#[path = "support/emulator.rs"]
mod emulator;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use emulator::{client_for, emails_of, insert_people, person, plain_values, start, start_with};
use serde_json::{Value, json};
use skyflow_client::credentials::Credentials;
use skyflow_client::vault::{
    BatchFailure, CallOptions, DeleteFileRequest, DeleteRequest, DetokenizeRequest,
    FileScanStatusRequest, FileUploadRequest, GetRequest, InsertRequest, InsertResponse, OrderBy,
    QueryRequest, RedactionType, TokenizeRequest, UpdateRequest,
};
use skyflow_client::{BulkConfig, LogLevel, RetryConfig, Skyflow, VaultConfig};

fn ids_of(response: &InsertResponse) -> Vec<String> {
    response
        .inserted()
        .iter()
        .map(|r| r.skyflow_id().to_owned())
        .collect()
}

// ------------------------------------------------------------------------------ 10,000 records

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_records_are_split_sent_and_reassembled_in_order() {
    let v = start().await; // 100 records per batch, 4 in flight
    const N: usize = 10_000;
    let request = InsertRequest::new("table1").values((0..N).map(person));
    let response = v
        .vault
        .insert(&request)
        .await
        .expect("the bulk insert succeeds");
    assert!(response.errors().is_empty());
    assert_eq!(response.inserted().len(), N);
    for (i, record) in response.inserted().iter().enumerate() {
        assert_eq!(record.request_index(), i, "input order");
    }
    let ids = ids_of(&response);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), N, "distinct ids");

    // Every email token, detokenized (split again, 100 per batch): order ↔ values.
    let tokens: Vec<String> = response
        .inserted()
        .iter()
        .map(|r| r.token("email").unwrap().to_owned())
        .collect();
    let values = plain_values(&v.vault, &tokens).await;
    assert_eq!(values.len(), N);
    for (i, value) in values.iter().enumerate() {
        assert_eq!(value, &person(i)["email"], "token {i}");
    }

    // A sample of records read back by id (split into gets of 25).
    let sample: Vec<usize> = (0..N).step_by(97).collect();
    let sample_ids: Vec<String> = sample.iter().map(|&i| ids[i].clone()).collect();
    let emails = emails_of(&v.vault, &sample_ids).await;
    for (k, &i) in sample.iter().enumerate() {
        assert_eq!(
            emails[k].as_deref(),
            person(i)["email"].as_str(),
            "record {i}"
        );
    }
    // And through a vault query, independent of the SDK's merging.
    let query = format!(
        "SELECT email FROM table1 WHERE skyflow_id = '{}'",
        ids[7_777]
    );
    let found = v.vault.query(&QueryRequest::new(query)).await.unwrap();
    assert_eq!(found.records().len(), 1);
}

// ------------------------------------------------------------------------------ partial failures

/// 500 persons where `person(250)` already exists: the batch 200..300 fails on the
/// unique email.
async fn vault_with_a_conflict_at_250(
    bulk: BulkConfig,
) -> (emulator::Vault, InsertRequest, String) {
    let v = start_with(bulk).await;
    let existing = insert_people(&v.vault, 250, 1).await.inserted()[0]
        .skyflow_id()
        .to_owned();
    let request = InsertRequest::new("table1").values((0..500).map(person));
    (v, request, existing)
}

#[tokio::test]
async fn a_failing_batch_stops_the_rest_and_the_error_says_what_was_written() {
    let bulk = BulkConfig::standard()
        .with_insert_batch_size(100)
        .with_concurrency(1);
    let (v, request, _) = vault_with_a_conflict_at_250(bulk).await;
    let err = v.vault.insert(&request).await.unwrap_err();
    assert!(err.is_api(), "{err}");
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.operation(), Some("InsertRequest"));
    assert!(err.request_id().is_some());
    let text = err.to_string();
    assert!(text.contains("batch of records 200..300 failed"), "{text}");
    assert!(text.contains("succeeded: 0..200"), "{text}");
    assert!(text.contains("not sent: 300..500"), "{text}");
    assert!(text.to_lowercase().contains("unique"), "{text}");

    let failure = BatchFailure::<InsertResponse>::from_error(&err).expect("the batch failure");
    assert_eq!(failure.succeeded(), std::slice::from_ref(&(0..200)));
    assert_eq!(failure.failed()[0].range(), 200..300);
    assert_eq!(failure.not_sent(), std::slice::from_ref(&(300..500)));
    let written = failure.completed().inserted();
    assert_eq!(written.len(), 200);
    let indexes: Vec<usize> = written.iter().map(|r| r.request_index()).collect();
    assert_eq!(indexes, (0..200).collect::<Vec<_>>());

    // The written records really exist, with their values.
    let ids: Vec<String> = written.iter().map(|r| r.skyflow_id().to_owned()).collect();
    let emails = emails_of(&v.vault, &ids).await;
    for (i, email) in emails.iter().enumerate() {
        assert_eq!(email.as_deref(), person(i)["email"].as_str());
    }
    // The failed batch wrote nothing, and the batches never sent wrote nothing.
    for missing in [200, 249, 251, 299, 300, 499] {
        let email = person(missing)["email"].as_str().unwrap().to_owned();
        let err = v
            .vault
            .get(&GetRequest::new("table1").column_values("email", [email]))
            .await
            .unwrap_err();
        assert!(err.is_not_found(), "person {missing}: {err}");
    }
}

#[tokio::test]
async fn with_continue_on_error_a_failing_record_is_reported_at_its_index() {
    let bulk = BulkConfig::standard()
        .with_insert_batch_size(100)
        .with_concurrency(4);
    let (v, request, _) = vault_with_a_conflict_at_250(bulk).await;
    let request = request.continue_on_error(true);
    let response = v.vault.insert(&request).await.unwrap();
    assert_eq!(response.inserted().len(), 499);
    assert_eq!(response.errors().len(), 1);
    let error = &response.errors()[0];
    assert_eq!(error.index(), 250);
    assert_eq!(error.http_code(), Some(400));
    assert_eq!(error.field(), "values[250]");
    let indexes: Vec<usize> = response
        .inserted()
        .iter()
        .map(|r| r.request_index())
        .collect();
    let expected: Vec<usize> = (0..500).filter(|&i| i != 250).collect();
    assert_eq!(indexes, expected);
    // The record after the conflict, in the same batch, was written with its values.
    let after = response
        .inserted()
        .iter()
        .find(|r| r.request_index() == 251)
        .unwrap();
    let emails = emails_of(&v.vault, &[after.skyflow_id().to_owned()]).await;
    assert_eq!(emails[0].as_deref(), Some("person251@example.com"));
}

#[tokio::test]
async fn detokenize_errors_keep_their_original_index_across_batches() {
    let v = start_with(BulkConfig::standard().with_detokenize_batch_size(3)).await;
    let response = insert_people(&v.vault, 0, 5).await;
    let mut tokens: Vec<String> = response
        .inserted()
        .iter()
        .map(|r| r.token("email").unwrap().to_owned())
        .collect();
    tokens.insert(4, "missing-a".to_owned());
    tokens.insert(6, "missing-b".to_owned());
    let request = DetokenizeRequest::new()
        .tokens(tokens.clone())
        .redaction_type(RedactionType::PlainText)
        .continue_on_error(true);
    let response = v.vault.detokenize(&request).await.unwrap();
    let errors: Vec<(usize, &str)> = response
        .errors()
        .iter()
        .map(|e| (e.index(), tokens[e.index()].as_str()))
        .collect();
    assert_eq!(errors, [(4, "missing-a"), (6, "missing-b")]);
    let found: Vec<usize> = response.detokenized().iter().map(|d| d.index()).collect();
    assert_eq!(found, [0, 1, 2, 3, 5]);
    assert_eq!(
        response.detokenized()[4].value(),
        &json!("person4@example.com")
    );
}

// ------------------------------------------------------------------------------ split get, delete, tokenize

#[tokio::test]
async fn split_get_delete_and_tokenize_merge_in_input_order() {
    let v = start_with(
        BulkConfig::standard()
            .with_batch_size(40)
            .with_get_batch_size(10),
    )
    .await;
    let response = insert_people(&v.vault, 0, 100).await;
    let ids = ids_of(&response);

    // Get: 100 ids in 10 batches, in input order (reversed here).
    let reversed: Vec<String> = ids.iter().rev().cloned().collect();
    let got = v
        .vault
        .get(
            &GetRequest::new("table1")
                .ids(reversed.clone())
                .redaction_type(RedactionType::PlainText),
        )
        .await
        .unwrap();
    let order: Vec<&str> = got
        .records()
        .iter()
        .map(|r| r["skyflow_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        reversed.iter().map(String::as_str).collect::<Vec<_>>()
    );
    // With an explicit order, the merged records are sorted.
    let got = v
        .vault
        .get(
            &GetRequest::new("table1")
                .ids(reversed.clone())
                .order_by(OrderBy::Ascending),
        )
        .await
        .unwrap();
    let mut sorted = ids.clone();
    sorted.sort();
    let order: Vec<String> = got
        .records()
        .iter()
        .map(|r| r["skyflow_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(order, sorted);

    // By unique column values, split too.
    let emails: Vec<String> = (0..100).map(|i| format!("person{i}@example.com")).collect();
    let got = v
        .vault
        .get(
            &GetRequest::new("table1")
                .column_values("email", emails.clone())
                .redaction_type(RedactionType::PlainText),
        )
        .await
        .unwrap();
    let found: Vec<&str> = got
        .records()
        .iter()
        .map(|r| r["email"].as_str().unwrap())
        .collect();
    assert_eq!(found, emails.iter().map(String::as_str).collect::<Vec<_>>());

    // Tokenize: 100 values in 3 batches, tokens in input order.
    let request = TokenizeRequest::new().values(emails.iter().map(|e| (e.clone(), "table1.email")));
    let tokens = v.vault.tokenize(&request).await.unwrap().into_tokens();
    let expected: Vec<String> = response
        .inserted()
        .iter()
        .map(|r| r.token("email").unwrap().to_owned())
        .collect();
    assert_eq!(tokens, expected);

    // Delete: 60 ids in 2 batches; a batch whose ids are all gone does not fail the call.
    let first = v
        .vault
        .delete(&DeleteRequest::new("table1").ids(ids[..40].to_vec()))
        .await
        .unwrap();
    assert_eq!(first.deleted_ids(), &ids[..40]);
    let again = v
        .vault
        .delete(&DeleteRequest::new("table1").ids(ids[..80].to_vec()))
        .await
        .unwrap();
    assert_eq!(
        again.deleted_ids(),
        &ids[40..80],
        "only the ids that existed"
    );
    // A get whose first batches find nothing still returns what the others find.
    let got = v
        .vault
        .get(&GetRequest::new("table1").ids(ids.clone()))
        .await
        .unwrap();
    assert_eq!(got.records().len(), 20);
    // Nothing found anywhere: the vault's "not found".
    let err = v
        .vault
        .get(&GetRequest::new("table1").ids(ids[..80].to_vec()))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = v
        .vault
        .delete(&DeleteRequest::new("table1").ids(ids[..80].to_vec()))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

// ------------------------------------------------------------------------------ request ids

#[tokio::test]
async fn each_batch_gets_its_own_request_id() {
    let v = start_with(BulkConfig::standard().with_insert_batch_size(100)).await;
    let mut values: Vec<Value> = (0..250).map(person).collect();
    for bad in [5, 105, 205] {
        values[bad] = json!({ "no_such_column": bad });
    }
    let request = InsertRequest::new("table1")
        .values(values)
        .continue_on_error(true);
    let response = v
        .vault
        .with_options(CallOptions::new().request_id("import-42"))
        .insert(&request)
        .await
        .unwrap();
    let ids: Vec<(usize, Option<&str>)> = response
        .errors()
        .iter()
        .map(|e| (e.index(), e.request_id()))
        .collect();
    assert_eq!(
        ids,
        [
            (5, Some("import-42-0")),
            (105, Some("import-42-1")),
            (205, Some("import-42-2"))
        ]
    );

    // A call sent in one piece sends the id unchanged.
    let err = v
        .vault
        .with_options(CallOptions::new().request_id("single-7"))
        .detokenize(&DetokenizeRequest::new().token("missing"))
        .await
        .unwrap_err();
    assert_eq!(err.request_id(), Some("single-7"));
    let err = v
        .vault
        .with_options(CallOptions::new().request_id("update-9"))
        .update(
            &UpdateRequest::new("table1", "00000000-0000-4000-8000-000000000000")
                .value("name", json!("x")),
        )
        .await
        .unwrap_err();
    assert_eq!(err.request_id(), Some("update-9"));

    // A failing batch of a split call reports its own id.
    let request = InsertRequest::new("table1").values((300..550).map(person).chain([person(0)]));
    let err = v
        .vault
        .with_options(
            CallOptions::new()
                .request_id("strict")
                .bulk(BulkConfig::standard().with_concurrency(1)),
        )
        .insert(&request)
        .await
        .unwrap_err();
    assert_eq!(err.request_id(), Some("strict-2"), "{err}");

    // Per-call options leave the handle alone.
    let plain = v
        .vault
        .detokenize(&DetokenizeRequest::new().token("missing"))
        .await
        .unwrap_err();
    assert_ne!(plain.request_id(), Some("single-7"));
}

// ------------------------------------------------------------------------------ batching settings

#[tokio::test]
async fn batching_settings_resolve_call_then_vault_then_client() {
    let v = start_with(BulkConfig::standard().with_batch_size(7)).await;
    assert_eq!(v.vault.bulk().insert_batch_size(), 7);
    let per_vault = Skyflow::builder()
        .vault_config(
            VaultConfig::from_base_url(v.id(), v.emulator.vault_url())
                .with_bulk(BulkConfig::standard().with_batch_size(9)),
        )
        .credentials(Credentials::api_key(v.emulator.api_key()))
        .bulk(BulkConfig::standard().with_batch_size(7))
        .build()
        .unwrap()
        .default_vault()
        .unwrap();
    assert_eq!(per_vault.bulk().insert_batch_size(), 9);
    let per_call = per_vault.with_options(CallOptions::new().bulk(BulkConfig::unbatched()));
    assert_eq!(per_call.bulk().insert_batch_size(), 0);
    assert_eq!(per_vault.bulk().insert_batch_size(), 9);

    // The batch size is what reaches the vault: a vault limited to 10 records per request
    // accepts 25 records in batches of 9 but not unbatched.
    let limited = skyflow_emulator::Emulator::start(
        skyflow_emulator::EmulatorOptions::in_memory()
            .limits(skyflow_emulator::Limits::default().with_max_records_per_request(10)),
    )
    .await
    .unwrap();
    let client = client_for(
        &limited,
        Credentials::api_key(limited.api_key()),
        BulkConfig::standard().with_insert_batch_size(9),
    );
    let vault = client.default_vault().unwrap();
    let request = InsertRequest::new("table1").values((0..25).map(person));
    assert_eq!(vault.insert(&request).await.unwrap().inserted().len(), 25);
    let request = InsertRequest::new("table1").values((100..125).map(person));
    let err = vault
        .with_options(CallOptions::new().bulk(BulkConfig::unbatched()))
        .insert(&request)
        .await
        .unwrap_err();
    assert!(err.is_api() && err.status() == Some(400), "{err}");

    // Zero concurrency is a configuration error.
    let err = Skyflow::builder()
        .bulk(BulkConfig::standard().with_concurrency(0))
        .build()
        .unwrap_err();
    assert!(err.is_config());
    assert_eq!(err.field(), Some("concurrency"));
}

// ------------------------------------------------------------------------------ concurrency, cancellation

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_share_one_client() {
    let v = start_with(BulkConfig::standard().with_batch_size(10)).await;
    let mut tasks = Vec::new();
    for task in 0..16 {
        let vault = v.vault.clone();
        tasks.push(tokio::spawn(async move {
            let first = task * 25;
            let request = InsertRequest::new("table1").values((first..first + 25).map(person));
            let response = vault.insert(&request).await?;
            let tokens: Vec<String> = response
                .inserted()
                .iter()
                .map(|r| r.token("email").unwrap().to_owned())
                .collect();
            let detokenized = vault
                .detokenize(
                    &DetokenizeRequest::new()
                        .tokens(tokens)
                        .redaction_type(RedactionType::PlainText),
                )
                .await?;
            let ids: Vec<String> = response
                .inserted()
                .iter()
                .map(|r| r.skyflow_id().to_owned())
                .collect();
            let got = vault.get(&GetRequest::new("table1").ids(ids)).await?;
            Ok::<_, skyflow_client::Error>((first, detokenized, got.records().len()))
        }));
    }
    for task in tasks {
        let (first, detokenized, got) = task.await.unwrap().unwrap();
        assert_eq!(got, 25);
        for value in detokenized.detokenized() {
            assert_eq!(value.value(), &person(first + value.index())["email"]);
        }
    }
    let count = v
        .vault
        .query(&QueryRequest::new("SELECT COUNT(*) AS n FROM table1"))
        .await
        .unwrap();
    let n = count.records()[0]
        .fields()
        .values()
        .find_map(Value::as_i64)
        .or_else(|| {
            count.records()[0]
                .fields()
                .values()
                .find_map(|v| v.as_str()?.parse().ok())
        });
    assert_eq!(n, Some(400));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_call_leaves_the_client_usable() {
    let v = start_with(
        BulkConfig::standard()
            .with_batch_size(50)
            .with_concurrency(2),
    )
    .await;
    let request = InsertRequest::new("table1").values((0..5_000).map(person));
    // Start the insert, let it get its first batches under way, then drop it.
    let mut call = Box::pin(v.vault.insert(&request));
    let mut finished = false;
    for _ in 0..50 {
        if futures::poll!(call.as_mut()).is_ready() {
            finished = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    drop(call);
    assert!(
        !finished,
        "5,000 records in 100 batches are not done after 50 polls"
    );
    // Whatever was written is whole batches; the client and vault keep working.
    let response = insert_people(&v.vault, 10_000, 3).await;
    let emails = emails_of(&v.vault, &ids_of(&response)).await;
    assert_eq!(emails[2].as_deref(), Some("person10002@example.com"));
}

// ------------------------------------------------------------------------------ auth

#[tokio::test]
async fn service_account_credentials_exchange_a_token_with_the_emulator() {
    let v = start().await;
    for credentials in [
        Credentials::service_account_file(v.emulator.credentials_file()),
        Credentials::service_account_json(v.emulator.credentials_json()),
    ] {
        let client = client_for(&v.emulator, credentials, BulkConfig::standard());
        let vault = client.default_vault().unwrap();
        let response = insert_people(&vault, 0, 2).await;
        let ids = ids_of(&response);
        let emails = emails_of(&vault, &ids).await;
        assert_eq!(emails[1].as_deref(), Some("person1@example.com"));
        vault
            .delete(&DeleteRequest::new("table1").ids(ids))
            .await
            .unwrap();
    }

    // A wrong API key is refused.
    let client = client_for(
        &v.emulator,
        Credentials::api_key("sky-ab1c2-0123456789abcdef0123456789abcdef"),
        BulkConfig::standard(),
    );
    let err = client
        .default_vault()
        .unwrap()
        .query(&QueryRequest::new("SELECT * FROM table1"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
}

// ------------------------------------------------------------------------------ validation sends nothing

#[tokio::test]
async fn a_request_that_fails_validation_sends_nothing() {
    // A stub vault that counts every request it receives.
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = axum::Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            axum::http::StatusCode::OK
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let vault = Skyflow::builder()
        .vault_config(VaultConfig::from_base_url("v1", url))
        .credentials(Credentials::api_key(
            "sky-ab1c2-0123456789abcdef0123456789abcdef",
        ))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
        .default_vault()
        .unwrap();

    let mut errors = vec![
        vault
            .insert(&InsertRequest::new("table1"))
            .await
            .unwrap_err(),
        vault
            .insert(&InsertRequest::new("table1").values((0..500).map(person).chain([json!({})])))
            .await
            .unwrap_err(),
        vault
            .detokenize(&DetokenizeRequest::new())
            .await
            .unwrap_err(),
        vault.tokenize(&TokenizeRequest::new()).await.unwrap_err(),
        vault
            .get(
                &GetRequest::new("table1")
                    .ids(["a"])
                    .column_values("email", ["b"]),
            )
            .await
            .unwrap_err(),
        vault
            .update(&UpdateRequest::new("table1", "id"))
            .await
            .unwrap_err(),
        vault
            .delete(&DeleteRequest::new("table1"))
            .await
            .unwrap_err(),
        vault
            .query(&QueryRequest::new("DELETE FROM table1"))
            .await
            .unwrap_err(),
        vault
            .upload_file(&FileUploadRequest::new("table1", "file"))
            .await
            .unwrap_err(),
        vault
            .file_scan_status(&FileScanStatusRequest::new("table1", " ", "file"))
            .await
            .unwrap_err(),
        vault
            .delete_file(&DeleteFileRequest::new("", "id", "file"))
            .await
            .unwrap_err(),
    ];
    // An invalid request id, on a split call and on a single one.
    let bad_id = vault.with_options(CallOptions::new().request_id("has space"));
    errors.push(
        bad_id
            .insert(&InsertRequest::new("table1").values((0..300).map(person)))
            .await
            .unwrap_err(),
    );
    errors.push(
        bad_id
            .query(&QueryRequest::new("SELECT * FROM table1"))
            .await
            .unwrap_err(),
    );
    for err in &errors {
        assert!(err.is_validation(), "{err}");
        assert!(err.operation().is_some(), "names the request: {err}");
        assert!(err.field().is_some(), "names the field: {err}");
    }
    assert_eq!(errors[1].field(), Some("values[500]"));
    assert_eq!(errors[11].field(), Some("request_id"));
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing reached the server");

    // The stub is reachable: a valid request does arrive.
    let _ = vault
        .query(&QueryRequest::new("SELECT * FROM table1"))
        .await;
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

// ------------------------------------------------------------------------------ logging

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn stages_are_logged_without_values_or_tokens() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let v = start_with(BulkConfig::standard().with_batch_size(2)).await;
    v.client.set_log_level(LogLevel::Debug);
    let response = insert_people(&v.vault, 0, 5).await;
    let tokens: Vec<String> = response
        .inserted()
        .iter()
        .map(|r| r.token("ssn").unwrap().to_owned())
        .collect();
    plain_values(&v.vault, &tokens).await;
    let _ = v
        .vault
        .insert(&InsertRequest::new("table1").values([person(0)]))
        .await
        .unwrap_err();

    // A token the vault does not know: its "not found" message quotes the token, which
    // must be cut out of the error and the logs, whether sent whole or in batches.
    let unknown = "4f1c2e9a-0000-4000-8000-5ecre7t0ken1";
    for request in [
        DetokenizeRequest::new().token(unknown),
        DetokenizeRequest::new().tokens([unknown, tokens[0].as_str(), tokens[1].as_str()]),
    ] {
        let err = v.vault.detokenize(&request).await.unwrap_err();
        assert!(err.is_not_found(), "{err}");
        assert!(
            !err.to_string().contains(unknown),
            "token in the error: {err}"
        );
        assert!(
            !format!("{err:?}").contains(unknown),
            "token in Debug: {err:?}"
        );
    }

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("DetokenizeRequest resulted in failure"),
        "{text}"
    );
    assert!(
        !text.contains(unknown),
        "unknown token leaked into the logs:\n{text}"
    );
    for stage in [
        "InsertRequest: validating request",
        "InsertRequest: request resolved",
        "InsertRequest: method triggered",
        "InsertRequest: success",
        "DetokenizeRequest: success",
        "InsertRequest resulted in failure",
        "in 3 batches",
    ] {
        assert!(text.contains(stage), "missing {stage:?} in:\n{text}");
    }
    for secret in tokens.iter().map(String::as_str).chain([
        "person0@example.com",
        "person4@example.com",
        "Person 3",
        person(1)["ssn"].as_str().unwrap(),
        v.emulator.api_key(),
    ]) {
        assert!(!text.contains(secret), "{secret:?} leaked into the logs");
    }
}
