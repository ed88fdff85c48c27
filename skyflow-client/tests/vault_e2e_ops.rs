//! Every vault operation and every option, end to end against the real emulator started
//! in-process on 127.0.0.1 (one in-memory emulator per test).

#[path = "support/emulator.rs"]
mod emulator;

use emulator::{Vault, emails_of, insert_people, person, plain_values, start};
use serde_json::{Value, json};
use skyflow_client::BulkConfig;
use skyflow_client::vault::{
    CallOptions, DeleteFileRequest, DeleteRequest, DetokenizeRequest, FileScanStatus,
    FileScanStatusRequest, FileUploadRequest, GetRequest, InsertRequest, OrderBy, QueryRequest,
    RedactionType, TokenMode, TokenizeRequest, UpdateRequest,
};

fn ids_of(response: &skyflow_client::vault::InsertResponse) -> Vec<String> {
    response
        .inserted()
        .iter()
        .map(|r| r.skyflow_id().to_owned())
        .collect()
}

fn token_of(response: &skyflow_client::vault::InsertResponse, i: usize, column: &str) -> String {
    response.inserted()[i]
        .token(column)
        .unwrap_or_else(|| panic!("record {i} has a {column} token"))
        .to_owned()
}

// ------------------------------------------------------------------------------ insert

#[tokio::test]
async fn insert_returns_ids_and_tokens_and_stores_the_values() {
    let v = start().await;
    let response = insert_people(&v.vault, 0, 3).await;
    assert!(response.errors().is_empty());
    for (i, record) in response.inserted().iter().enumerate() {
        assert_eq!(record.request_index(), i);
        for column in ["name", "email", "ssn"] {
            assert!(record.token(column).is_some(), "token for {column}");
        }
        // Format-preserving token for the ssn.
        let ssn = record.token("ssn").unwrap();
        assert_eq!(ssn.len(), 11, "{ssn:?} keeps the ssn format");
    }
    let ids = ids_of(&response);
    let emails = emails_of(&v.vault, &ids).await;
    for (i, email) in emails.iter().enumerate() {
        assert_eq!(email.as_deref(), person(i)["email"].as_str());
    }

    // Tokens off: ids only.
    let request = InsertRequest::new("table1")
        .values([person(10)])
        .return_tokens(false);
    let response = v.vault.insert(&request).await.unwrap();
    assert_eq!(response.inserted().len(), 1);
    assert!(response.inserted()[0].tokens().is_empty());
    assert!(!response.inserted()[0].skyflow_id().is_empty());
}

#[tokio::test]
async fn insert_with_continue_on_error_reports_each_failure_at_its_index() {
    let v = start().await;
    let request = InsertRequest::new("table1")
        .values([
            person(0),
            json!({ "no_such_column": "x" }),
            person(2),
            json!({ "email": "not an email" }),
            person(4),
        ])
        .continue_on_error(true);
    let response = v.vault.insert(&request).await.unwrap();
    let inserted: Vec<usize> = response
        .inserted()
        .iter()
        .map(|r| r.request_index())
        .collect();
    assert_eq!(inserted, [0, 2, 4]);
    assert!(response.inserted()[1].token("email").is_some());
    let errors: Vec<usize> = response.errors().iter().map(|e| e.index()).collect();
    assert_eq!(errors, [1, 3]);
    for error in response.errors() {
        assert_eq!(error.http_code(), Some(400));
        assert!(!error.message().is_empty());
        assert!(error.request_id().is_some(), "the call's request id");
    }
    assert!(!response.is_complete());
    // The good records are really there.
    let ids = ids_of(&response);
    let emails = emails_of(&v.vault, &ids).await;
    assert_eq!(emails[1].as_deref(), person(2)["email"].as_str());

    // Tokens off on the batch endpoint.
    let request = InsertRequest::new("table1")
        .values([person(5)])
        .continue_on_error(true)
        .return_tokens(false);
    let response = v.vault.insert(&request).await.unwrap();
    assert!(response.inserted()[0].tokens().is_empty());
}

#[tokio::test]
async fn upsert_updates_the_record_with_the_same_unique_value() {
    let v = start().await;
    let first = insert_people(&v.vault, 0, 1).await;
    let id = first.inserted()[0].skyflow_id().to_owned();
    let request = InsertRequest::new("table1")
        .values([json!({ "email": "person0@example.com", "name": "Upserted Name" })])
        .upsert("email");
    let response = v.vault.insert(&request).await.unwrap();
    assert_eq!(response.inserted()[0].skyflow_id(), id, "same record");
    let got = v
        .vault
        .get(
            &GetRequest::new("table1")
                .column_values("email", ["person0@example.com"])
                .redaction_type(RedactionType::PlainText),
        )
        .await
        .unwrap();
    assert_eq!(got.records().len(), 1);
    assert_eq!(got.records()[0]["name"], "Upserted Name");

    // A new unique value inserts.
    let request = InsertRequest::new("table1")
        .values([json!({ "email": "new@example.com", "name": "New" })])
        .upsert("email");
    let response = v.vault.insert(&request).await.unwrap();
    assert_ne!(response.inserted()[0].skyflow_id(), id);

    // Upsert through the batch endpoint too.
    let request = InsertRequest::new("table1")
        .values([json!({ "email": "new@example.com", "name": "Newer" })])
        .upsert("email")
        .continue_on_error(true);
    let again = v.vault.insert(&request).await.unwrap();
    assert_eq!(
        again.inserted()[0].skyflow_id(),
        response.inserted()[0].skyflow_id()
    );
}

#[tokio::test]
async fn homogeneous_insert_requires_the_same_columns() {
    let v = start().await;
    let request = InsertRequest::new("table1")
        .values([person(0), person(1)])
        .homogeneous(true);
    assert_eq!(v.vault.insert(&request).await.unwrap().inserted().len(), 2);
    let request = InsertRequest::new("table1")
        .values([person(2), json!({ "name": "Only A Name" })])
        .homogeneous(true);
    let err = v.vault.insert(&request).await.unwrap_err();
    assert!(err.is_api(), "{err}");
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.operation(), Some("InsertRequest"));
}

#[tokio::test]
async fn bring_your_own_tokens_in_every_mode() {
    let v = start().await;
    // DISABLE (explicit): the vault makes the tokens.
    let request = InsertRequest::new("table1")
        .values([json!({ "name": "Vault Made" })])
        .token_mode(TokenMode::Disable);
    let made = v.vault.insert(&request).await.unwrap();
    assert!(made.inserted()[0].token("name").is_some());

    // ENABLE: my token for some columns, the vault's for the others.
    let request = InsertRequest::new("table1")
        .values([json!({ "name": "Own Token", "cvv": "123" })])
        .tokens([json!({ "name": "my-name-token-0001" })])
        .token_mode(TokenMode::Enable);
    let response = v.vault.insert(&request).await.unwrap();
    assert_eq!(
        response.inserted()[0].token("name"),
        Some("my-name-token-0001")
    );
    assert!(response.inserted()[0].token("cvv").is_some());
    let values = plain_values(&v.vault, &["my-name-token-0001".to_owned()]).await;
    assert_eq!(values, [json!("Own Token")]);

    // ENABLE with continue-on-error goes through the batch endpoint.
    let request = InsertRequest::new("table1")
        .values([
            json!({ "name": "Batch Own" }),
            json!({ "name": "Batch Vault" }),
        ])
        .tokens([json!({ "name": "my-name-token-0002" }), Value::Null])
        .token_mode(TokenMode::Enable)
        .continue_on_error(true);
    let response = v.vault.insert(&request).await.unwrap();
    assert_eq!(
        response.inserted()[0].token("name"),
        Some("my-name-token-0002")
    );
    assert_eq!(response.inserted().len(), 2);

    // ENABLE_STRICT: a token for every column of every record.
    let request = InsertRequest::new("table1")
        .values([json!({ "name": "Strict", "cvv": "456" })])
        .tokens([json!({ "name": "strict-name-0001", "cvv": "strict-cvv-0001" })])
        .token_mode(TokenMode::EnableStrict);
    let response = v.vault.insert(&request).await.unwrap();
    assert_eq!(response.inserted()[0].token("cvv"), Some("strict-cvv-0001"));
    let values = plain_values(
        &v.vault,
        &["strict-name-0001".to_owned(), "strict-cvv-0001".to_owned()],
    )
    .await;
    assert_eq!(values, [json!("Strict"), json!("456")]);

    // A token already mapped to another value is refused by the vault.
    let request = InsertRequest::new("table1")
        .values([json!({ "name": "Someone Else" })])
        .tokens([json!({ "name": "my-name-token-0001" })])
        .token_mode(TokenMode::Enable);
    let err = v.vault.insert(&request).await.unwrap_err();
    assert!(err.is_api(), "{err}");
}

// ------------------------------------------------------------------------------ detokenize, tokenize

#[tokio::test]
async fn detokenize_with_a_redaction_per_token() {
    let v = start().await;
    let response = insert_people(&v.vault, 0, 1).await;
    let ssn = token_of(&response, 0, "ssn");
    let name = token_of(&response, 0, "name");
    let request = DetokenizeRequest::new()
        .token_with_redaction(ssn.clone(), RedactionType::PlainText)
        .token_with_redaction(ssn.clone(), RedactionType::Masked)
        .token_with_redaction(ssn.clone(), RedactionType::Redacted)
        .token_with_redaction(name.clone(), RedactionType::Default)
        .token(name.clone());
    let response = v.vault.detokenize(&request).await.unwrap();
    let values: Vec<&Value> = response.detokenized().iter().map(|d| d.value()).collect();
    let plain = person(0)["ssn"].as_str().unwrap().to_owned();
    assert_eq!(values[0], &json!(plain));
    assert_eq!(values[1], &json!(format!("XXX-XX-{}", &plain[7..])));
    assert_eq!(values[2], &json!("*REDACTED*"));
    // table1.name masks by default: first letter, stars, last two.
    assert_eq!(values[3], &json!("P*** 0"));
    assert_eq!(values[4], values[3], "no redaction given means DEFAULT");
    assert_eq!(response.detokenized()[0].token(), ssn);
    assert_eq!(response.detokenized()[0].value_type().as_str(), "STRING");

    // The request-wide redaction applies where no per-token one is given.
    let request = DetokenizeRequest::new()
        .token(name.clone())
        .redaction_type(RedactionType::PlainText);
    let response = v.vault.detokenize(&request).await.unwrap();
    assert_eq!(response.detokenized()[0].value(), &json!("Person 0"));
}

#[tokio::test]
async fn detokenize_missing_tokens_with_and_without_continue_on_error() {
    let v = start().await;
    let response = insert_people(&v.vault, 0, 2).await;
    let email0 = token_of(&response, 0, "email");
    let email1 = token_of(&response, 1, "email");
    let tokens = [email0, "no-such-token".to_owned(), email1];

    let request = DetokenizeRequest::new()
        .tokens(tokens.clone())
        .redaction_type(RedactionType::PlainText)
        .continue_on_error(true);
    let response = v.vault.detokenize(&request).await.unwrap();
    let found: Vec<(usize, &Value)> = response
        .detokenized()
        .iter()
        .map(|d| (d.index(), d.value()))
        .collect();
    assert_eq!(
        found,
        [
            (0, &json!("person0@example.com")),
            (2, &json!("person1@example.com"))
        ]
    );
    assert_eq!(response.errors().len(), 1);
    let error = &response.errors()[0];
    assert_eq!(error.index(), 1);
    assert_eq!(error.field(), "tokens[1]");
    assert!(error.message().to_lowercase().contains("not found"));
    assert!(error.request_id().is_some());

    // Without continue-on-error the call fails: token not found.
    let request = DetokenizeRequest::new().tokens(tokens);
    let err = v.vault.detokenize(&request).await.unwrap_err();
    assert!(err.is_api() && err.is_not_found(), "{err}");
    assert_eq!(err.operation(), Some("DetokenizeRequest"));
    assert!(err.request_id().is_some());
}

#[tokio::test]
async fn per_token_errors_never_quote_the_token() {
    // The emulator, like Skyflow, answers "Token not found for <token>" per token.
    let v = start().await;
    let secret = ["tok-SECRET-7f3a9c", "tok-SECRET-2b81d0"];
    let request = DetokenizeRequest::new()
        .tokens(secret)
        .continue_on_error(true);
    let whole = v.vault.detokenize(&request).await.unwrap();
    // Split into one batch per token: each batch's answer is read on its own.
    let split = v
        .vault
        .with_options(CallOptions::new().bulk(BulkConfig::standard().with_batch_size(1)))
        .detokenize(&request)
        .await
        .unwrap();
    for response in [&whole, &split] {
        assert!(response.detokenized().is_empty());
        assert_eq!(response.errors().len(), 2);
        for (i, error) in response.errors().iter().enumerate() {
            assert_eq!(error.index(), i, "the index says which token failed");
            assert_eq!(error.field(), format!("tokens[{i}]"));
            assert!(
                error.message().contains("Token not found"),
                "{}",
                error.message()
            );
            for shown in [
                error.message().to_owned(),
                error.to_string(),
                format!("{error:?}"),
                format!("{response:?}"),
            ] {
                for token in secret {
                    assert!(!shown.contains(token), "{shown}");
                }
            }
            assert_eq!(
                error.to_string(),
                format!("tokens[{i}]: {}", error.message())
            );
        }
    }
}

#[tokio::test]
async fn tokenize_with_column_groups() {
    let v = start().await;
    let response = insert_people(&v.vault, 0, 2).await;
    let email1 = token_of(&response, 1, "email");
    let ssn0 = token_of(&response, 0, "ssn");
    let request = TokenizeRequest::new()
        .value("person1@example.com", "table1.email")
        .value(person(0)["ssn"].as_str().unwrap(), "table1.ssn")
        .values([("person0@example.com", "table1.email")]);
    let tokens = v.vault.tokenize(&request).await.unwrap().into_tokens();
    assert_eq!(tokens.len(), 3);
    assert_eq!(tokens[0], email1, "existing values keep their token");
    assert_eq!(tokens[1], ssn0);
    assert_eq!(tokens[2], token_of(&response, 0, "email"));

    // Tokenize only returns tokens already issued; it stores nothing.
    let err = v
        .vault
        .tokenize(&TokenizeRequest::new().value("someone.new@example.com", "table1.email"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = v
        .vault
        .get(&GetRequest::new("table1").column_values("email", ["someone.new@example.com"]))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");

    let err = v
        .vault
        .tokenize(&TokenizeRequest::new().value("x", "no.such_group"))
        .await
        .unwrap_err();
    assert!(err.is_api(), "{err}");
}

// ------------------------------------------------------------------------------ get

#[tokio::test]
async fn get_by_ids_and_by_unique_column_values_with_every_option() {
    let v = start().await;
    let response = insert_people(&v.vault, 0, 4).await;
    let ids = ids_of(&response);

    // By ids, plain text, selected fields.
    let got = v
        .vault
        .get(
            &GetRequest::new("table1")
                .ids([ids[2].clone(), ids[0].clone()])
                .redaction_type(RedactionType::PlainText)
                .fields(["skyflow_id", "name", "ssn"]),
        )
        .await
        .unwrap();
    assert_eq!(got.records().len(), 2);
    let first = &got.records()[0];
    assert_eq!(first["skyflow_id"], ids[2].as_str());
    assert_eq!(first["name"], "Person 2");
    assert_eq!(first["ssn"], person(2)["ssn"]);
    assert!(first.get("email").is_none(), "only the selected fields");

    // Redaction levels.
    let one = |r: RedactionType| {
        GetRequest::new("table1")
            .ids([ids[1].clone()])
            .redaction_type(r)
            .fields(["ssn"])
    };
    let masked = v.vault.get(&one(RedactionType::Masked)).await.unwrap();
    let plain_ssn = person(1)["ssn"].as_str().unwrap().to_owned();
    assert_eq!(
        masked.records()[0]["ssn"],
        format!("XXX-XX-{}", &plain_ssn[7..])
    );
    let redacted = v.vault.get(&one(RedactionType::Redacted)).await.unwrap();
    assert_eq!(redacted.records()[0]["ssn"], "*REDACTED*");
    let default = v.vault.get(&one(RedactionType::Default)).await.unwrap();
    assert_eq!(default.records()[0]["ssn"], masked.records()[0]["ssn"]);

    // Tokens instead of values.
    let tokens = v
        .vault
        .get(
            &GetRequest::new("table1")
                .ids([ids[3].clone()])
                .return_tokens(true),
        )
        .await
        .unwrap();
    assert_eq!(
        tokens.records()[0]["email"],
        json!(token_of(&response, 3, "email"))
    );

    // By unique column values.
    let got = v
        .vault
        .get(
            &GetRequest::new("table1")
                .column_values("email", ["person3@example.com", "person1@example.com"])
                .redaction_type(RedactionType::PlainText),
        )
        .await
        .unwrap();
    let mut names: Vec<&str> = got
        .records()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["Person 1", "Person 3"]);

    // A non-unique column is refused by the vault.
    let err = v
        .vault
        .get(&GetRequest::new("table1").column_values("name", ["Person 1"]))
        .await
        .unwrap_err();
    assert!(err.is_api() && err.status() == Some(400), "{err}");
}

#[tokio::test]
async fn get_first_records_with_offset_limit_and_order() {
    let v = start().await;
    let response = insert_people(&v.vault, 0, 6).await;
    let mut sorted = ids_of(&response);
    sorted.sort();

    let page = |offset: Option<u64>, limit: Option<u64>, order: OrderBy| {
        let mut request = GetRequest::new("table1")
            .redaction_type(RedactionType::PlainText)
            .order_by(order);
        if let Some(offset) = offset {
            request = request.offset(offset);
        }
        if let Some(limit) = limit {
            request = request.limit(limit);
        }
        request
    };
    let ids_in = |got: &skyflow_client::vault::GetResponse| -> Vec<String> {
        got.records()
            .iter()
            .map(|r| r["skyflow_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = v
        .vault
        .get(&page(None, None, OrderBy::Ascending))
        .await
        .unwrap();
    assert_eq!(ids_in(&all), sorted);
    let desc = v
        .vault
        .get(&page(None, Some(2), OrderBy::Descending))
        .await
        .unwrap();
    assert_eq!(ids_in(&desc), [sorted[5].clone(), sorted[4].clone()]);
    let middle = v
        .vault
        .get(&page(Some(2), Some(3), OrderBy::Ascending))
        .await
        .unwrap();
    assert_eq!(ids_in(&middle), sorted[2..5]);
    // Insertion order.
    let unordered = v.vault.get(&page(None, None, OrderBy::None)).await.unwrap();
    assert_eq!(ids_in(&unordered), ids_of(&response));

    // The vault refuses a limit above 25.
    let err = v
        .vault
        .get(&page(None, Some(26), OrderBy::Ascending))
        .await
        .unwrap_err();
    assert!(err.is_api() && err.status() == Some(400), "{err}");
}

// ------------------------------------------------------------------------------ update, delete, query

#[tokio::test]
async fn update_with_and_without_tokens_and_with_own_tokens() {
    let v = start().await;
    let response = insert_people(&v.vault, 0, 1).await;
    let id = response.inserted()[0].skyflow_id().to_owned();

    let request = UpdateRequest::new("table1", id.clone())
        .value("name", json!("Renamed Person"))
        .return_tokens(true);
    let updated = v.vault.update(&request).await.unwrap();
    assert_eq!(updated.skyflow_id(), id);
    let token = updated.token("name").expect("a token for name").to_owned();
    assert_eq!(
        plain_values(&v.vault, &[token]).await,
        [json!("Renamed Person")]
    );

    let request = UpdateRequest::new("table1", id.clone())
        .values(json!({ "age": 77 }))
        .return_tokens(false);
    let updated = v.vault.update(&request).await.unwrap();
    assert!(updated.tokens().is_empty());

    let request = UpdateRequest::new("table1", id.clone())
        .value("name", json!("Own Token Name"))
        .tokens(json!({ "name": "update-own-token-1" }))
        .token_mode(TokenMode::Enable)
        .return_tokens(true);
    let updated = v.vault.update(&request).await.unwrap();
    assert_eq!(updated.token("name"), Some("update-own-token-1"));

    let got = v
        .vault
        .get(
            &GetRequest::new("table1")
                .ids([id.clone()])
                .redaction_type(RedactionType::PlainText),
        )
        .await
        .unwrap();
    assert_eq!(got.records()[0]["name"], "Own Token Name");
    assert_eq!(got.records()[0]["age"], 77);

    // A record that does not exist.
    let request = UpdateRequest::new("table1", "00000000-0000-4000-8000-000000000000")
        .value("name", json!("Nobody"));
    let err = v.vault.update(&request).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.operation(), Some("UpdateRequest"));
}

#[tokio::test]
async fn delete_many_records() {
    let v = start().await;
    let response = insert_people(&v.vault, 0, 5).await;
    let ids = ids_of(&response);
    let deleted = v
        .vault
        .delete(&DeleteRequest::new("table1").ids(ids[..3].to_vec()))
        .await
        .unwrap();
    assert_eq!(deleted.deleted_ids(), &ids[..3]);
    let left = emails_of(&v.vault, &ids).await;
    assert_eq!(left[..3], [None, None, None]);
    assert!(left[3].is_some() && left[4].is_some());

    let err = v
        .vault
        .delete(&DeleteRequest::new("table1").ids(ids[..1].to_vec()))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "deleting again: {err}");
}

#[tokio::test]
async fn query_selects_records() {
    let v = start().await;
    insert_people(&v.vault, 0, 3).await;
    let response = v
        .vault
        .query(&QueryRequest::new(
            "SELECT * FROM table1 WHERE email = 'person1@example.com'",
        ))
        .await
        .unwrap();
    assert_eq!(response.records().len(), 1);
    let record = &response.records()[0];
    assert!(record.fields().get("skyflow_id").is_some());
    assert!(record.tokenized_data().is_empty());

    let count = v
        .vault
        .query(&QueryRequest::new("SELECT COUNT(*) AS n FROM table1"))
        .await
        .unwrap();
    assert_eq!(count.records().len(), 1);
}

// ------------------------------------------------------------------------------ files

#[tokio::test]
async fn file_upload_from_every_source_scan_status_and_delete() {
    let v = start().await;
    let existing = insert_people(&v.vault, 0, 1).await.inserted()[0]
        .skyflow_id()
        .to_owned();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("statement.txt");
    std::fs::write(&path, b"from a path").unwrap();

    // From a path, into a new record.
    let from_path = v
        .vault
        .upload_file(&FileUploadRequest::new("table1", "file").file_path(&path))
        .await
        .unwrap();
    assert!(!from_path.skyflow_id().is_empty());
    assert_ne!(from_path.skyflow_id(), existing);

    // From bytes, into the existing record.
    let from_bytes = v
        .vault
        .upload_file(
            &FileUploadRequest::new("table1", "file")
                .skyflow_id(existing.clone())
                .file_bytes("bytes.txt", b"from bytes".to_vec()),
        )
        .await
        .unwrap();
    assert_eq!(from_bytes.skyflow_id(), existing);

    // From base64, and from an async reader.
    let from_base64 = v
        .vault
        .upload_file(
            &FileUploadRequest::new("table1", "file").file_base64("b64.txt", "ZnJvbSBiYXNlNjQ="),
        )
        .await
        .unwrap();
    let reader = tokio::fs::File::open(&path).await.unwrap();
    let from_reader = v
        .vault
        .upload_file(
            &FileUploadRequest::new("table1", "file")
                .skyflow_id(from_base64.skyflow_id())
                .file_reader("reader.txt", reader)
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(from_reader.skyflow_id(), from_base64.skyflow_id());

    // The stored contents, through download URLs (get and detokenize).
    let http = reqwest::Client::new();
    let download = |url: String| {
        let http = http.clone();
        async move {
            assert!(url.starts_with("http://127.0.0.1"), "{url}");
            let resp = http.get(&url).send().await.unwrap();
            assert_eq!(resp.status(), 200);
            resp.bytes().await.unwrap().to_vec()
        }
    };
    let got = v
        .vault
        .get(
            &GetRequest::new("table1")
                .ids([
                    from_path.skyflow_id().to_owned(),
                    existing.clone(),
                    from_base64.skyflow_id().to_owned(),
                ])
                .download_url(true)
                .fields(["skyflow_id", "file"]),
        )
        .await
        .unwrap();
    let urls: Vec<String> = got
        .records()
        .iter()
        .map(|r| r["file"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(download(urls[0].clone()).await, b"from a path");
    assert_eq!(download(urls[1].clone()).await, b"from bytes");
    assert_eq!(
        download(urls[2].clone()).await,
        b"from a path",
        "replaced by the reader upload"
    );
    let without = v
        .vault
        .get(
            &GetRequest::new("table1")
                .ids([existing.clone()])
                .download_url(false)
                .redaction_type(RedactionType::PlainText)
                .fields(["file"]),
        )
        .await
        .unwrap();
    assert_eq!(without.records()[0]["file"], "bytes.txt");

    let tokens = v
        .vault
        .get(
            &GetRequest::new("table1")
                .ids([existing.clone()])
                .return_tokens(true)
                .fields(["file"]),
        )
        .await
        .unwrap();
    let file_token = tokens.records()[0]["file"].as_str().unwrap().to_owned();
    let detokenized = v
        .vault
        .detokenize(
            &DetokenizeRequest::new()
                .token(file_token)
                .download_url(true),
        )
        .await
        .unwrap();
    let url = detokenized.detokenized()[0]
        .value()
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(download(url).await, b"from bytes");

    // Scan status, then delete the file.
    let status = v
        .vault
        .file_scan_status(&FileScanStatusRequest::new(
            "table1",
            existing.clone(),
            "file",
        ))
        .await
        .unwrap();
    assert_eq!(status.status(), &FileScanStatus::Clean);
    let deleted = v
        .vault
        .delete_file(&DeleteFileRequest::new("table1", existing.clone(), "file"))
        .await
        .unwrap();
    assert!(deleted.deleted());
    assert_eq!(deleted.skyflow_id(), existing);
    let after = v
        .vault
        .get(
            &GetRequest::new("table1")
                .ids([existing.clone()])
                .redaction_type(RedactionType::PlainText),
        )
        .await
        .unwrap();
    assert!(after.records()[0].get("file").is_none(), "the file is gone");
    assert_eq!(
        after.records()[0]["email"],
        "person0@example.com",
        "the record stays"
    );

    // Uploading into a column that is not a file column fails at the vault.
    let err = v
        .vault
        .upload_file(&FileUploadRequest::new("table1", "name").file_bytes("a.txt", "x"))
        .await
        .unwrap_err();
    assert!(err.is_api(), "{err}");
    assert_eq!(err.operation(), Some("FileUploadRequest"));
}

// ------------------------------------------------------------------------------ failures

#[tokio::test]
async fn vault_failures_surface_with_message_code_and_request_id() {
    let v: Vault = start().await;
    insert_people(&v.vault, 0, 1).await;

    // Unknown table.
    let err = v
        .vault
        .insert(&InsertRequest::new("no_such_table").values([json!({ "a": 1 })]))
        .await
        .unwrap_err();
    assert!(err.is_api(), "{err}");
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.http_code(), Some(400));
    assert!(err.message().contains("no_such_table"), "{err}");
    assert!(
        err.message().starts_with("Invalid request"),
        "a call sent in one piece keeps the vault's message: {err}"
    );
    assert!(err.request_id().is_some());
    assert!(err.http_status().is_some());
    assert!(err.grpc_code().is_some());

    // Duplicate unique value.
    let err = v
        .vault
        .insert(&InsertRequest::new("table1").values([person(0)]))
        .await
        .unwrap_err();
    assert!(err.is_api(), "{err}");
    assert!(err.message().to_lowercase().contains("unique"), "{err}");
    assert!(
        !err.to_string().contains("person0@example.com"),
        "the error does not quote the value: {err}"
    );

    // Token not found.
    let err = v
        .vault
        .detokenize(&DetokenizeRequest::new().token("missing-token"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");

    // A query the vault refuses.
    let err = v
        .vault
        .query(&QueryRequest::new("SELECT * FROM no_such_table"))
        .await
        .unwrap_err();
    assert!(err.is_api(), "{err}");
    assert_eq!(err.operation(), Some("QueryRequest"));
    let err = v
        .vault
        .query(&QueryRequest::new("SELECT * FROM table1 WHERE"))
        .await
        .unwrap_err();
    assert!(err.is_api() && err.status() == Some(400), "{err}");

    // Get of ids that do not exist.
    let err = v
        .vault
        .get(&GetRequest::new("table1").ids(["00000000-0000-4000-8000-000000000000"]))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}
