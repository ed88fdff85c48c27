//! Pure tests of the vault request API: validation before sending, batch splitting and
//! redacted `Debug`. No network. (Wire serialization and response parsing are tested
//! inside the crate, in `src/vault/wire_tests.rs`, since they are crate-private.)

use std::pin::Pin;
use std::task::{Context, Poll};

use serde_json::{Value, json};
use skyflow_client::Error;
use skyflow_client::vault::{
    BatchRequest, BatchResponse, DeleteFileRequest, DeleteRequest, DeleteResponse, DetokenizeData,
    DetokenizeRequest, FileScanStatusRequest, FileUploadRequest, GetRequest, InsertRequest,
    InsertResponse, QueryRequest, RedactionType, TokenMode, TokenizeRequest, UpdateRequest,
};

/// Asserts a validation error for `operation` about `field`.
#[track_caller]
fn assert_invalid(result: skyflow_client::Result<()>, operation: &str, field: &str) -> Error {
    let err = result.expect_err("the request should be rejected");
    assert!(err.is_validation(), "not a validation error: {err:?}");
    assert_eq!(err.operation(), Some(operation), "{err}");
    assert_eq!(err.field(), Some(field), "{err}");
    assert_eq!(err.http_code(), Some(400));
    let text = err.to_string();
    assert!(text.contains(operation) && text.contains(field), "{text}");
    err
}

fn persons() -> InsertRequest {
    InsertRequest::new("persons")
}

// ---------------------------------------------------------------- insert

#[test]
fn insert_table_must_be_a_real_name() {
    for table in ["", "   ", ".", ".."] {
        let request = InsertRequest::new(table).value(json!({"name": "Jane"}));
        assert_invalid(request.validate(), "InsertRequest", "table");
    }
}

#[test]
fn insert_values_must_be_non_empty_objects() {
    assert_invalid(persons().validate(), "InsertRequest", "values");
    let request = persons().values([json!({"a": 1}), json!({"b": 2}), json!("Jane")]);
    let err = assert_invalid(request.validate(), "InsertRequest", "values[2]");
    assert!(
        !err.to_string().contains("Jane"),
        "never echo values: {err}"
    );
    let request = persons().values([json!({"a": 1}), json!({})]);
    assert_invalid(request.validate(), "InsertRequest", "values[1]");
    let request = persons().value(json!({" ": 1}));
    assert_invalid(request.validate(), "InsertRequest", "values[0]");
    let request = persons().value(Value::Null);
    assert_invalid(request.validate(), "InsertRequest", "values[0]");
}

#[test]
fn insert_values_accept_any_json_value_types_and_maps() {
    let mut map = serde_json::Map::new();
    map.insert("name".into(), json!(""));
    let request = persons()
        .value(map)
        .value(json!({"age": 41, "tags": ["a"], "meta": {"k": null}, "ok": true}));
    assert!(request.validate().is_ok());
}

#[test]
fn insert_upsert_and_homogeneous_rules() {
    let base = persons().value(json!({"email": "a@x.com"}));
    assert_invalid(
        base.clone().upsert(" ").validate(),
        "InsertRequest",
        "upsert",
    );
    assert_invalid(
        base.clone().upsert("email").homogeneous(true).validate(),
        "InsertRequest",
        "homogeneous",
    );
    assert_invalid(
        base.clone()
            .homogeneous(true)
            .continue_on_error(true)
            .validate(),
        "InsertRequest",
        "homogeneous",
    );
    assert!(base.clone().homogeneous(true).validate().is_ok());
    assert!(
        base.upsert("email")
            .continue_on_error(true)
            .validate()
            .is_ok()
    );
}

#[test]
fn insert_tokens_need_a_token_mode_and_a_mode_needs_tokens() {
    let base = persons().value(json!({"name": "Jane"}));
    assert_invalid(
        base.clone().tokens([json!({"name": "tok"})]).validate(),
        "InsertRequest",
        "tokens",
    );
    assert_invalid(
        base.clone().token_mode(TokenMode::Enable).validate(),
        "InsertRequest",
        "tokens",
    );
    assert_invalid(
        base.clone()
            .tokens([Value::Null])
            .token_mode(TokenMode::Enable)
            .validate(),
        "InsertRequest",
        "tokens",
    );
    assert_invalid(
        base.clone().token_mode(TokenMode::EnableStrict).validate(),
        "InsertRequest",
        "tokens",
    );
    // Empty token maps with DISABLE are the same as no tokens.
    assert!(base.tokens([json!({})]).validate().is_ok());
}

#[test]
fn insert_enable_tokens_must_fit_the_records() {
    let base = persons()
        .values([json!({"name": "Jane", "ssn": "1"}), json!({"name": "Raj"})])
        .token_mode(TokenMode::Enable);
    assert!(
        base.clone()
            .tokens([json!({"name": "t"})])
            .validate()
            .is_ok()
    );
    assert_invalid(
        base.clone()
            .tokens([json!({"name": "t"}), json!({}), json!({"name": "u"})])
            .validate(),
        "InsertRequest",
        "tokens",
    );
    assert_invalid(
        base.clone().tokens([json!("tok")]).validate(),
        "InsertRequest",
        "tokens[0]",
    );
    assert_invalid(
        base.clone()
            .tokens([json!({"name": "t"}), json!({"ssn": "u"})])
            .validate(),
        "InsertRequest",
        "tokens[1].ssn",
    );
    assert_invalid(
        base.clone().tokens([json!({"name": ""})]).validate(),
        "InsertRequest",
        "tokens[0].name",
    );
    assert_invalid(
        base.tokens([json!({"name": 5})]).validate(),
        "InsertRequest",
        "tokens[0].name",
    );
}

#[test]
fn insert_enable_strict_needs_a_token_for_every_column_of_every_record() {
    let base = persons()
        .values([json!({"name": "Jane", "ssn": "1"}), json!({"name": "Raj"})])
        .token_mode(TokenMode::EnableStrict);
    assert!(
        base.clone()
            .tokens([json!({"name": "t1", "ssn": "t2"}), json!({"name": "t3"})])
            .validate()
            .is_ok()
    );
    assert_invalid(
        base.clone()
            .tokens([json!({"name": "t1", "ssn": "t2"})])
            .validate(),
        "InsertRequest",
        "tokens",
    );
    assert_invalid(
        base.clone()
            .tokens([json!({"name": "t1"}), json!({"name": "t3"})])
            .validate(),
        "InsertRequest",
        "tokens[0]",
    );
    assert_invalid(
        base.clone()
            .tokens([json!({"name": "t1", "ssn": "t2"}), Value::Null])
            .validate(),
        "InsertRequest",
        "tokens[1]",
    );
    assert_invalid(
        base.tokens([
            json!({"name": "t1", "ssn": "t2"}),
            json!({"name": "t3", "extra": "t4"}),
        ])
        .validate(),
        "InsertRequest",
        "tokens[1].extra",
    );
}

// ---------------------------------------------------------------- detokenize / tokenize

#[test]
fn detokenize_rules() {
    assert_invalid(
        DetokenizeRequest::new().validate(),
        "DetokenizeRequest",
        "tokens",
    );
    assert_invalid(
        DetokenizeRequest::new().tokens(["tok-1", " "]).validate(),
        "DetokenizeRequest",
        "tokens[1]",
    );
    assert_invalid(
        DetokenizeRequest::new()
            .token_with_redaction("", RedactionType::Masked)
            .validate(),
        "DetokenizeRequest",
        "tokens[0]",
    );
    let ok = DetokenizeRequest::new()
        .tokens(vec![String::from("a"), String::from("b")])
        .tokens([DetokenizeData::new("c")])
        .continue_on_error(true);
    assert!(ok.validate().is_ok());
}

#[test]
fn tokenize_rules() {
    assert_invalid(
        TokenizeRequest::new().validate(),
        "TokenizeRequest",
        "values",
    );
    assert_invalid(
        TokenizeRequest::new().value("", "cg").validate(),
        "TokenizeRequest",
        "values[0].value",
    );
    assert_invalid(
        TokenizeRequest::new()
            .value("4111", "cg")
            .value("5500", "  ")
            .validate(),
        "TokenizeRequest",
        "values[1].column_group",
    );
}

// ---------------------------------------------------------------- get

#[test]
fn get_ids_and_column_lookup_rules() {
    assert_invalid(GetRequest::new(" ").validate(), "GetRequest", "table");
    assert_invalid(
        GetRequest::new("persons")
            .ids(Vec::<String>::new())
            .validate(),
        "GetRequest",
        "ids",
    );
    assert_invalid(
        GetRequest::new("persons").ids(["id1", ""]).validate(),
        "GetRequest",
        "ids[1]",
    );
    assert_invalid(
        GetRequest::new("persons")
            .ids(["id1"])
            .column_values("email", ["a@x.com"])
            .validate(),
        "GetRequest",
        "column_values",
    );
    assert_invalid(
        GetRequest::new("persons")
            .column_values(" ", ["a@x.com"])
            .validate(),
        "GetRequest",
        "column_name",
    );
    assert_invalid(
        GetRequest::new("persons")
            .column_values("email", Vec::<String>::new())
            .validate(),
        "GetRequest",
        "column_values",
    );
    assert!(GetRequest::new("persons").validate().is_ok());
}

#[test]
fn get_return_tokens_rules() {
    assert_invalid(
        GetRequest::new("persons")
            .ids(["id1"])
            .return_tokens(true)
            .redaction_type(RedactionType::PlainText)
            .validate(),
        "GetRequest",
        "redaction_type",
    );
    assert_invalid(
        GetRequest::new("persons")
            .column_values("email", ["a@x.com"])
            .return_tokens(true)
            .validate(),
        "GetRequest",
        "return_tokens",
    );
    assert!(
        GetRequest::new("persons")
            .ids(["id1"])
            .return_tokens(true)
            .validate()
            .is_ok()
    );
}

#[test]
fn get_fields_and_paging_rules() {
    assert_invalid(
        GetRequest::new("persons")
            .fields(Vec::<String>::new())
            .validate(),
        "GetRequest",
        "fields",
    );
    assert_invalid(
        GetRequest::new("persons").fields(["name", ""]).validate(),
        "GetRequest",
        "fields[1]",
    );
    // The API takes offset and limit together (only the Python SDK refuses the pair).
    assert!(
        GetRequest::new("persons")
            .offset(25)
            .limit(25)
            .validate()
            .is_ok()
    );
}

// ---------------------------------------------------------------- update / delete / query

#[test]
fn update_rules() {
    let ok = UpdateRequest::new("persons", "id1").value("name", "Janet");
    assert!(ok.validate().is_ok());
    assert_invalid(
        UpdateRequest::new("", "id1")
            .value("name", "Janet")
            .validate(),
        "UpdateRequest",
        "table",
    );
    assert_invalid(
        UpdateRequest::new("persons", "  ")
            .value("name", "Janet")
            .validate(),
        "UpdateRequest",
        "skyflow_id",
    );
    assert_invalid(
        UpdateRequest::new("persons", "id1").validate(),
        "UpdateRequest",
        "values",
    );
    assert_invalid(
        UpdateRequest::new("persons", "id1")
            .values(json!(["Janet"]))
            .validate(),
        "UpdateRequest",
        "values",
    );
    assert_invalid(
        UpdateRequest::new("persons", "id1")
            .values(json!({"skyflow_id": "id2", "name": "Janet"}))
            .validate(),
        "UpdateRequest",
        "values.skyflow_id",
    );
    assert_invalid(
        UpdateRequest::new("persons", "id1")
            .values(json!({"skyflow_id": "id1"}))
            .validate(),
        "UpdateRequest",
        "values",
    );
}

#[test]
fn update_token_rules() {
    let base = UpdateRequest::new("persons", "id1")
        .value("name", "Janet")
        .value("ssn", "123");
    assert_invalid(
        base.clone().tokens(json!({"name": "t"})).validate(),
        "UpdateRequest",
        "tokens",
    );
    assert_invalid(
        base.clone().token_mode(TokenMode::Enable).validate(),
        "UpdateRequest",
        "tokens",
    );
    assert_invalid(
        base.clone()
            .tokens(json!("t"))
            .token_mode(TokenMode::Enable)
            .validate(),
        "UpdateRequest",
        "tokens",
    );
    assert_invalid(
        base.clone()
            .tokens(json!({"name": "t"}))
            .token_mode(TokenMode::EnableStrict)
            .validate(),
        "UpdateRequest",
        "tokens",
    );
    assert_invalid(
        base.clone()
            .tokens(json!({"age": "t"}))
            .token_mode(TokenMode::Enable)
            .validate(),
        "UpdateRequest",
        "tokens.age",
    );
    assert!(
        base.tokens(json!({"name": "t1", "ssn": "t2"}))
            .token_mode(TokenMode::EnableStrict)
            .validate()
            .is_ok()
    );
}

#[test]
fn delete_rules() {
    assert_invalid(
        DeleteRequest::new("persons").validate(),
        "DeleteRequest",
        "ids",
    );
    assert_invalid(
        DeleteRequest::new("persons").ids(["id1", " "]).validate(),
        "DeleteRequest",
        "ids[1]",
    );
    assert_invalid(
        DeleteRequest::new("").id("id1").validate(),
        "DeleteRequest",
        "table",
    );
}

#[test]
fn query_must_be_a_select() {
    for sql in ["", "   \n"] {
        assert_invalid(QueryRequest::new(sql).validate(), "QueryRequest", "query");
    }
    for sql in [
        "DELETE FROM persons",
        "selection FROM persons",
        "UPDATE persons SET a = 'SELECT'",
        "/* unterminated SELECT",
        "-- SELECT only in a comment",
    ] {
        assert_invalid(QueryRequest::new(sql).validate(), "QueryRequest", "query");
    }
    for sql in [
        "SELECT * FROM persons",
        "  \n\tselect name FROM persons",
        "-- newest first\nSELECT * FROM persons",
        "/* report */ Select(1)",
        "SELECT",
    ] {
        assert!(QueryRequest::new(sql).validate().is_ok(), "{sql}");
    }
}

// ---------------------------------------------------------------- files

#[test]
fn file_upload_rules() {
    let op = "FileUploadRequest";
    assert_invalid(
        FileUploadRequest::new(" ", "scan")
            .file_bytes("a.txt", "x")
            .validate(),
        op,
        "table",
    );
    assert_invalid(
        FileUploadRequest::new("docs", "")
            .file_bytes("a.txt", "x")
            .validate(),
        op,
        "column_name",
    );
    assert_invalid(
        FileUploadRequest::new("docs", "scan")
            .skyflow_id(" ")
            .file_bytes("a.txt", "x")
            .validate(),
        op,
        "skyflow_id",
    );
    assert_invalid(
        FileUploadRequest::new("docs", "scan").validate(),
        op,
        "file",
    );
    assert_invalid(
        FileUploadRequest::new("docs", "scan")
            .file_base64("a.txt", "not base64!")
            .validate(),
        op,
        "file_base64",
    );
    assert_invalid(
        FileUploadRequest::new("docs", "scan")
            .file_bytes(" ", "x")
            .validate(),
        op,
        "file_name",
    );
    assert_invalid(
        FileUploadRequest::new("docs", "scan")
            .file_path("")
            .validate(),
        op,
        "file_path",
    );
    assert_invalid(
        FileUploadRequest::new("docs", "scan")
            .file_path("/")
            .validate(),
        op,
        "file_path",
    );
    assert!(
        FileUploadRequest::new("docs", "scan")
            .file_path("/")
            .file_name("root.bin")
            .validate()
            .is_ok()
    );
}

struct BrokenReader;

impl tokio::io::AsyncRead for BrokenReader {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        _buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Poll::Ready(Err(std::io::Error::other("disk on fire")))
    }
}

#[tokio::test]
async fn file_reader_errors_are_reported_on_the_file_field() {
    let err = FileUploadRequest::new("docs", "scan")
        .file_reader("a.pdf", BrokenReader)
        .await
        .unwrap_err();
    assert!(err.is_validation());
    assert_eq!(err.field(), Some("file"));
    let ok = FileUploadRequest::new("docs", "scan")
        .file_reader("a.pdf", &b"%PDF"[..])
        .await
        .unwrap();
    assert!(ok.validate().is_ok());
}

#[test]
fn file_scan_status_and_delete_file_rules() {
    assert_invalid(
        FileScanStatusRequest::new("", "id1", "scan").validate(),
        "FileScanStatusRequest",
        "table",
    );
    assert_invalid(
        FileScanStatusRequest::new("docs", "id1", " ").validate(),
        "FileScanStatusRequest",
        "column_name",
    );
    assert_invalid(
        DeleteFileRequest::new("docs", "..", "scan").validate(),
        "DeleteFileRequest",
        "skyflow_id",
    );
}

// ---------------------------------------------------------------- splitting

#[test]
fn ten_thousand_records_split_into_contiguous_batches_in_order() {
    let request = persons()
        .values((0..10_000).map(|n| json!({ "n": n })))
        .continue_on_error(true);
    for size in [1, 25, 100, 1_000, 3_333, 10_000, 20_000] {
        let batches = request.split(size);
        assert_eq!(batches.len(), 10_000usize.div_ceil(size), "size {size}");
        let mut next = 0;
        for (i, batch) in batches.iter().enumerate() {
            assert_eq!(batch.index(), i);
            assert_eq!(batch.offset(), next);
            assert_eq!(batch.len(), batch.request().record_count());
            assert!(batch.len() <= size && !batch.is_empty());
            assert!(batch.request().validate().is_ok());
            next = batch.range().end;
        }
        assert_eq!(next, 10_000);
    }
}

#[test]
fn strict_tokens_stay_aligned_in_every_batch() {
    let request = persons()
        .values((0..1_000).map(|n| json!({ "n": n })))
        .tokens((0..1_000).map(|n| json!({ "n": format!("tok-{n}") })))
        .token_mode(TokenMode::EnableStrict);
    for batch in request.split(7) {
        batch
            .request()
            .validate()
            .expect("each batch is valid on its own");
    }
}

#[test]
fn every_list_request_splits() {
    let detok = DetokenizeRequest::new().tokens((0..10_000).map(|i| format!("t{i}")));
    assert_eq!(detok.split(1_000).len(), 10);
    let tok = TokenizeRequest::new().values((0..999).map(|i| (format!("v{i}"), "cg")));
    assert_eq!(tok.split(100).len(), 10);
    assert_eq!(tok.split(100)[9].range(), 900..999);
    let get = GetRequest::new("persons").ids((0..60).map(|i| format!("id{i}")));
    assert_eq!(get.split(25).len(), 3);
    let by_column = GetRequest::new("persons").column_values("email", ["a", "b", "c"]);
    assert_eq!(by_column.split(2).len(), 2);
    let delete = DeleteRequest::new("persons").ids((0..10).map(|i| format!("id{i}")));
    assert_eq!(delete.split(3).len(), 4);
}

#[test]
fn requests_that_cannot_be_split_stay_whole() {
    let paged = GetRequest::new("persons")
        .ids((0..60).map(|i| format!("id{i}")))
        .limit(10);
    assert_eq!(paged.split(25).len(), 1);
    let all = GetRequest::new("persons");
    assert_eq!(all.split(25).len(), 1);
    let empty = DeleteRequest::new("persons");
    let batches = empty.split(10);
    assert_eq!(batches.len(), 1);
    assert!(batches[0].is_empty());
    let unlimited = DeleteRequest::new("persons").ids((0..100).map(|i| format!("id{i}")));
    assert_eq!(unlimited.split(0).len(), 1);
}

#[test]
fn merging_nothing_gives_an_empty_response() {
    let merged = InsertResponse::merge(Vec::<(usize, InsertResponse)>::new());
    assert!(merged.inserted().is_empty() && merged.errors().is_empty());
    let merged = DeleteResponse::merge([
        (5, DeleteResponse::default()),
        (0, DeleteResponse::default()),
    ]);
    assert!(merged.deleted_ids().is_empty());
}

// ---------------------------------------------------------------- Debug and Send

#[test]
fn request_debug_never_prints_values_or_tokens() {
    let outputs = [
        format!(
            "{:?}",
            persons()
                .value(json!({"ssn": "VALUE-SECRET"}))
                .tokens([json!({"ssn": "TOKEN-SECRET"})])
                .token_mode(TokenMode::Enable)
        ),
        format!("{:?}", DetokenizeRequest::new().token("TOKEN-SECRET")),
        format!("{:?}", DetokenizeData::new("TOKEN-SECRET")),
        format!("{:?}", TokenizeRequest::new().value("VALUE-SECRET", "cg")),
        format!(
            "{:?}",
            GetRequest::new("persons").column_values("ssn", ["VALUE-SECRET"])
        ),
        format!(
            "{:?}",
            UpdateRequest::new("persons", "id1")
                .value("ssn", "VALUE-SECRET")
                .tokens(json!({"ssn": "TOKEN-SECRET"}))
        ),
        format!(
            "{:?}",
            QueryRequest::new("SELECT * FROM persons WHERE ssn = 'VALUE-SECRET'")
        ),
        format!(
            "{:#?}",
            FileUploadRequest::new("docs", "scan").file_bytes("a.txt", "VALUE-SECRET")
        ),
        format!(
            "{:?}",
            FileUploadRequest::new("docs", "scan").file_base64("a.txt", "VkFMVUUtU0VDUkVU")
        ),
    ];
    for out in &outputs {
        assert!(!out.contains("SECRET"), "leaked: {out}");
        assert!(!out.contains("VkFMVUUtU0VDUkVU"), "leaked: {out}");
    }
    assert!(outputs[0].contains("persons") && outputs[0].contains("1 records"));
}

#[test]
fn validation_messages_never_echo_values() {
    let err = persons()
        .value(json!({"ssn": "VALUE-SECRET"}))
        .tokens([json!({"ssn": "TOKEN-SECRET", "x": "TOKEN-SECRET"})])
        .token_mode(TokenMode::Enable)
        .validate()
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains("SECRET"));
    let err = QueryRequest::new("DROP TABLE x -- VALUE-SECRET")
        .validate()
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains("SECRET"));
}

#[test]
fn requests_are_send_and_sync() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<InsertRequest>();
    check::<DetokenizeRequest>();
    check::<TokenizeRequest>();
    check::<GetRequest>();
    check::<UpdateRequest>();
    check::<DeleteRequest>();
    check::<QueryRequest>();
    check::<FileUploadRequest>();
    check::<FileScanStatusRequest>();
    check::<DeleteFileRequest>();
}
