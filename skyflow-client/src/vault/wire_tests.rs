//! Wire tests: the exact requests the vault operations produce and how answers are read.
//! Pure: no network. Examples come from wire-protocol.md §3.
#![allow(
    clippy::single_range_in_vec_init,
    reason = "expected range lists with one range"
)]

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use serde_json::{Value, json};

use super::batch::run_batches;
use super::*;
use crate::Error;
use crate::http::{Body, HttpRequest, HttpResponse, Method, Part};

const VAULT: &str = "v123";

fn ok(body: &str) -> HttpResponse {
    HttpResponse {
        status: 200,
        request_id: Some("req-1".to_owned()),
        headers: reqwest::header::HeaderMap::new(),
        body: Bytes::from(body.to_owned()),
    }
}

fn json_body(req: &HttpRequest) -> &Value {
    match &req.body {
        Body::Json(v) => v,
        other => panic!("expected a JSON body, got {other:?}"),
    }
}

fn query(req: &HttpRequest) -> Vec<(String, String)> {
    req.query
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

// ---------------------------------------------------------------- serialization

#[test]
fn insert_plain_body_matches_the_wire_example() {
    let req = InsertRequest::new("persons")
        .values([
            json!({"name": "Jane", "ssn": "123-45-6789"}),
            json!({"name": "Raj", "ssn": "987-65-4321"}),
        ])
        .to_http(VAULT)
        .unwrap();
    assert_eq!(req.method, Method::Post);
    assert_eq!(req.path, "/v1/vaults/v123/persons");
    assert_eq!(req.operation, "InsertRequest");
    assert!(
        !req.idempotent,
        "a plain insert must not be retried blindly"
    );
    assert!(req.query.is_empty());
    let expected: Value = serde_json::from_str(
        r#"{"records":[{"fields":{"name":"Jane","ssn":"123-45-6789"}},{"fields":{"name":"Raj","ssn":"987-65-4321"}}],"tokenization":true,"upsert":null,"homogeneous":false,"byot":"DISABLE"}"#,
    )
    .unwrap();
    assert_eq!(json_body(&req), &expected);
}

#[test]
fn insert_byot_body_matches_the_wire_example() {
    let req = InsertRequest::new("persons")
        .value(json!({"name": "Jane"}))
        .tokens([json!({"name": "tok-name-1"})])
        .token_mode(TokenMode::Enable)
        .to_http(VAULT)
        .unwrap();
    let expected: Value = serde_json::from_str(
        r#"{"records":[{"fields":{"name":"Jane"},"tokens":{"name":"tok-name-1"}}],"tokenization":true,"upsert":null,"homogeneous":false,"byot":"ENABLE"}"#,
    )
    .unwrap();
    assert_eq!(json_body(&req), &expected);
}

#[test]
fn insert_with_tokens_sends_null_for_records_without_tokens() {
    let req = InsertRequest::new("persons")
        .values([json!({"name": "Jane"}), json!({"name": "Raj"})])
        .tokens([json!({"name": "tok-1"})])
        .token_mode(TokenMode::Enable)
        .return_tokens(false)
        .to_http(VAULT)
        .unwrap();
    let body = json_body(&req);
    assert_eq!(body["records"][0]["tokens"], json!({"name": "tok-1"}));
    assert_eq!(body["records"][1]["tokens"], Value::Null);
    assert!(
        body["records"][1]
            .as_object()
            .unwrap()
            .contains_key("tokens")
    );
    assert_eq!(body["tokenization"], json!(false));
}

#[test]
fn insert_with_upsert_and_homogeneous_flags() {
    let req = InsertRequest::new("persons")
        .value(json!({"email": "jane@x.com"}))
        .upsert("email")
        .to_http(VAULT)
        .unwrap();
    assert_eq!(json_body(&req)["upsert"], json!("email"));
    assert!(req.idempotent, "an upsert can be repeated safely");

    let req = InsertRequest::new("persons")
        .value(json!({"email": "jane@x.com"}))
        .homogeneous(true)
        .to_http(VAULT)
        .unwrap();
    assert_eq!(json_body(&req)["homogeneous"], json!(true));
    assert_eq!(json_body(&req)["upsert"], Value::Null);
}

#[test]
fn insert_continue_on_error_uses_the_batch_endpoint() {
    let req = InsertRequest::new("persons")
        .values([json!({"name": "Jane"}), json!({"name": ""})])
        .continue_on_error(true)
        .to_http(VAULT)
        .unwrap();
    assert_eq!(req.path, "/v1/vaults/v123");
    assert!(!req.idempotent);
    let expected: Value = serde_json::from_str(
        r#"{"records":[{"fields":{"name":"Jane"},"tableName":"persons","method":"POST","tokenization":true,"upsert":null,"tokens":null},{"fields":{"name":""},"tableName":"persons","method":"POST","tokenization":true,"upsert":null,"tokens":null}],"continueOnError":true,"byot":"DISABLE"}"#,
    )
    .unwrap();
    assert_eq!(json_body(&req), &expected);
}

#[test]
fn batch_insert_carries_per_record_upsert_and_tokens() {
    let req = InsertRequest::new("persons")
        .values([json!({"name": "Jane"}), json!({"name": "Raj"})])
        .tokens([json!({"name": "tok-1"}), json!({"name": "tok-2"})])
        .token_mode(TokenMode::EnableStrict)
        .upsert("name")
        .continue_on_error(true)
        .to_http(VAULT)
        .unwrap();
    let body = json_body(&req);
    assert_eq!(body["byot"], json!("ENABLE_STRICT"));
    assert_eq!(body["records"][1]["tokens"], json!({"name": "tok-2"}));
    assert_eq!(body["records"][1]["upsert"], json!("name"));
    assert!(body.get("homogeneous").is_none());
    assert!(req.idempotent);
}

#[test]
fn get_by_ids_query_matches_the_wire_example() {
    let req = GetRequest::new("persons")
        .ids(["id1", "id2"])
        .redaction_type(RedactionType::PlainText)
        .fields(["name", "email"])
        .to_http("v1")
        .unwrap();
    assert_eq!(req.method, Method::Get);
    assert_eq!(req.path, "/v1/vaults/v1/persons");
    assert!(req.idempotent);
    assert!(matches!(req.body, Body::Empty));
    assert_eq!(
        query(&req),
        pairs(&[
            ("skyflow_ids", "id1"),
            ("skyflow_ids", "id2"),
            ("redaction", "PLAIN_TEXT"),
            ("tokenization", "false"),
            ("fields", "name"),
            ("fields", "email"),
        ])
    );
}

#[test]
fn get_by_column_values_query_matches_the_wire_example() {
    let req = GetRequest::new("persons")
        .column_values("email", ["jane@x.com"])
        .to_http("v1")
        .unwrap();
    assert_eq!(
        query(&req),
        pairs(&[
            ("tokenization", "false"),
            ("column_name", "email"),
            ("column_values", "jane@x.com"),
        ])
    );
}

#[test]
fn get_sends_offset_limit_as_strings_and_order_by() {
    let req = GetRequest::new("persons")
        .offset(50)
        .limit(25)
        .download_url(true)
        .order_by(OrderBy::Descending)
        .return_tokens(true)
        .to_http("v1")
        .unwrap();
    assert_eq!(
        query(&req),
        pairs(&[
            ("tokenization", "true"),
            ("offset", "50"),
            ("limit", "25"),
            ("downloadURL", "true"),
            ("order_by", "DESCENDING"),
        ])
    );
}

#[test]
fn update_body_matches_the_wire_example() {
    let req = UpdateRequest::new("persons", "id1")
        .values(json!({"skyflow_id": "id1", "name": "Janet"}))
        .return_tokens(true)
        .to_http("v1")
        .unwrap();
    assert_eq!(req.method, Method::Put);
    assert_eq!(req.path, "/v1/vaults/v1/persons/id1");
    assert!(req.idempotent);
    let expected: Value = serde_json::from_str(
        r#"{"record":{"fields":{"name":"Janet"},"tokens":null},"tokenization":true,"byot":"DISABLE"}"#,
    )
    .unwrap();
    assert_eq!(json_body(&req), &expected);
}

#[test]
fn update_with_tokens() {
    let req = UpdateRequest::new("persons", "id1")
        .value("name", "Janet")
        .tokens(json!({"name": "tok-9"}))
        .token_mode(TokenMode::EnableStrict)
        .to_http("v1")
        .unwrap();
    let body = json_body(&req);
    assert_eq!(body["record"]["tokens"], json!({"name": "tok-9"}));
    assert_eq!(body["byot"], json!("ENABLE_STRICT"));
    assert_eq!(body["tokenization"], json!(false));
}

#[test]
fn delete_query_tokenize_detokenize_bodies() {
    let req = DeleteRequest::new("persons")
        .ids(["id1", "id2"])
        .to_http("v1")
        .unwrap();
    assert_eq!(
        (req.method, req.path.as_str()),
        (Method::Delete, "/v1/vaults/v1/persons")
    );
    assert!(req.idempotent);
    assert_eq!(json_body(&req), &json!({"skyflow_ids": ["id1", "id2"]}));

    let sql = "SELECT * FROM persons WHERE skyflow_id='id1'";
    let req = QueryRequest::new(sql).to_http("v1").unwrap();
    assert_eq!(
        (req.method, req.path.as_str()),
        (Method::Post, "/v1/vaults/v1/query")
    );
    assert!(req.idempotent);
    assert_eq!(json_body(&req), &json!({"query": sql}));

    let req = TokenizeRequest::new()
        .value("4111111111111111", "card_number_cg")
        .to_http("v1")
        .unwrap();
    assert_eq!(req.path, "/v1/vaults/v1/tokenize");
    assert!(req.idempotent);
    assert_eq!(
        json_body(&req),
        &json!({"tokenizationParameters":[{"value":"4111111111111111","columnGroup":"card_number_cg"}]})
    );

    let req = DetokenizeRequest::new()
        .token_with_redaction("tok-1", RedactionType::PlainText)
        .token("tok-2")
        .to_http("v1")
        .unwrap();
    assert_eq!(req.path, "/v1/vaults/v1/detokenize");
    assert!(req.idempotent);
    let expected: Value = serde_json::from_str(
        r#"{"detokenizationParameters":[{"token":"tok-1","redaction":"PLAIN_TEXT"},{"token":"tok-2","redaction":"DEFAULT"}],"continueOnError":false}"#,
    )
    .unwrap();
    assert_eq!(json_body(&req), &expected);
}

#[test]
fn detokenize_request_redaction_is_the_default_for_tokens_without_one() {
    let req = DetokenizeRequest::new()
        .tokens([
            DetokenizeData::new("a"),
            ("b", RedactionType::Masked).into(),
        ])
        .redaction_type(RedactionType::Redacted)
        .continue_on_error(true)
        .download_url(true)
        .to_http("v1")
        .unwrap();
    let body = json_body(&req);
    assert_eq!(body["detokenizationParameters"][0]["redaction"], "REDACTED");
    assert_eq!(body["detokenizationParameters"][1]["redaction"], "MASKED");
    assert_eq!(body["continueOnError"], json!(true));
    assert_eq!(body["downloadURL"], json!(true));
}

#[test]
fn path_segments_are_percent_encoded() {
    let req = GetRequest::new("my table/x?y#z%")
        .to_http("vault é")
        .unwrap();
    assert_eq!(
        req.path,
        "/v1/vaults/vault%20%C3%A9/my%20table%2Fx%3Fy%23z%25"
    );
    let req = UpdateRequest::new("persons", "../admin")
        .value("a", 1)
        .to_http("v1")
        .unwrap();
    assert_eq!(req.path, "/v1/vaults/v1/persons/..%2Fadmin");
    let req = FileScanStatusRequest::new("docs", "id 1", "scan/col")
        .to_http("v1")
        .unwrap();
    assert_eq!(
        req.path,
        "/v1/vaults/v1/docs/id%201/files/scan%2Fcol/scan-status"
    );
    assert_eq!(req.method, Method::Get);
    let req = DeleteFileRequest::new("docs", "id1", "scan")
        .to_http("v1")
        .unwrap();
    assert_eq!(req.path, "/v1/vaults/v1/docs/id1/files/scan");
    assert_eq!(req.method, Method::Delete);
    assert!(req.idempotent);
}

#[test]
fn blank_vault_id_is_a_config_error() {
    let err = DeleteRequest::new("t").id("a").to_http(" ").unwrap_err();
    assert!(err.is_config());
    assert_eq!(err.field(), Some("vault_id"));
}

fn parts_of(req: &HttpRequest) -> Vec<(String, String)> {
    let Body::Multipart(parts) = &req.body else {
        panic!("expected multipart");
    };
    parts
        .iter()
        .map(|p| match p {
            Part::Text { name, value } => (name.to_string(), value.clone()),
            Part::File {
                name,
                file_name,
                content_type,
                bytes,
            } => (
                name.to_string(),
                format!(
                    "{file_name}|{content_type}|{}",
                    String::from_utf8_lossy(bytes)
                ),
            ),
        })
        .collect()
}

#[tokio::test]
async fn file_upload_parts_follow_the_wire_order() {
    let req = FileUploadRequest::new("documents", "scan")
        .file_bytes("note.TXT", "hello")
        .to_http("v1")
        .await
        .unwrap();
    assert_eq!(req.method, Method::Post);
    assert_eq!(req.path, "/v2/vaults/v1/files/upload");
    assert!(!req.idempotent);
    assert_eq!(
        parts_of(&req),
        pairs(&[
            ("tableName", "documents"),
            ("columnName", "scan"),
            ("skyflowID", ""),
            ("returnFileMetadata", "false"),
            ("file", "note.TXT|text/plain|hello"),
        ])
    );
}

#[tokio::test]
async fn file_upload_from_path_base64_and_reader() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("passport.pdf");
    std::fs::write(&path, b"%PDF-1.4").unwrap();

    let req = FileUploadRequest::new("documents", "scan")
        .skyflow_id("id1")
        .file_path(&path)
        .to_http("v1")
        .await
        .unwrap();
    let parts = parts_of(&req);
    assert_eq!(parts[2], ("skyflowID".to_owned(), "id1".to_owned()));
    assert_eq!(
        parts[4].1,
        "passport.pdf|application/pdf|%PDF-1.4".to_owned()
    );

    let req = FileUploadRequest::new("documents", "scan")
        .file_path(&path)
        .file_name("renamed.png")
        .to_http("v1")
        .await
        .unwrap();
    assert_eq!(parts_of(&req)[4].1, "renamed.png|image/png|%PDF-1.4");

    let req = FileUploadRequest::new("documents", "scan")
        .file_base64("a.bin", "aGVs\nbG8")
        .to_http("v1")
        .await
        .unwrap();
    assert_eq!(parts_of(&req)[4].1, "a.bin|application/octet-stream|hello");

    let req = FileUploadRequest::new("documents", "scan")
        .file_reader("r.csv", &b"a,b\n1,2\n"[..])
        .await
        .unwrap()
        .content_type("text/x-custom")
        .to_http("v1")
        .await
        .unwrap();
    assert_eq!(parts_of(&req)[4].1, "r.csv|text/x-custom|a,b\n1,2\n");

    let err = FileUploadRequest::new("documents", "scan")
        .file_path(dir.path().join("missing.pdf"))
        .to_http("v1")
        .await
        .unwrap_err();
    assert!(err.is_validation());
    assert_eq!(err.field(), Some("file_path"));
}

// ---------------------------------------------------------------- parsing

#[test]
fn parses_plain_insert_response() {
    let resp = InsertResponse::from_http(ok(
        r#"{"records":[{"skyflow_id":"a8f0","tokens":{"name":"5c1c","ssn":"4f2a"}},{"skyflow_id":"0b1d","tokens":null}]}"#,
    ))
    .unwrap();
    assert_eq!(resp.inserted().len(), 2);
    assert!(resp.is_complete());
    assert_eq!(resp.inserted()[0].request_index(), 0);
    assert_eq!(resp.inserted()[0].skyflow_id(), "a8f0");
    assert_eq!(resp.inserted()[0].token("ssn"), Some("4f2a"));
    assert_eq!(resp.inserted()[1].request_index(), 1);
    assert!(resp.inserted()[1].tokens().is_empty());
}

#[test]
fn parses_batch_insert_response_with_mixed_statuses() {
    let resp = InsertResponse::from_http(ok(r#"{"vaultID":"v123","responses":[
        {"Status":200,"Body":{"records":[{"skyflow_id":"id-1","tokens":{"name":"tok-1"}}]}},
        {"Status":400,"Body":{"error":"Insert failed. Column name is required"}},
        {"Status":200,"Body":{"records":[{"skyflow_id":"id-3"}]}},
        {"Status":500,"Body":{"error":{"message":"internal","http_code":500}}},
        {"Status":404,"Body":{}}
    ]}"#))
    .unwrap();
    let inserted: Vec<(usize, &str)> = resp
        .inserted()
        .iter()
        .map(|r| (r.request_index(), r.skyflow_id()))
        .collect();
    assert_eq!(inserted, [(0, "id-1"), (2, "id-3")]);
    assert_eq!(resp.inserted()[0].token("name"), Some("tok-1"));
    let errors: Vec<(usize, Option<u16>, &str)> = resp
        .errors()
        .iter()
        .map(|e| (e.index(), e.http_code(), e.message()))
        .collect();
    assert_eq!(
        errors,
        [
            (1, Some(400), "Insert failed. Column name is required"),
            (3, Some(500), "internal"),
            (4, Some(404), "the vault gave no error message"),
        ]
    );
    assert!(
        resp.errors()
            .iter()
            .all(|e| e.request_id() == Some("req-1"))
    );
    assert!(!resp.is_complete());
}

#[test]
fn parses_detokenize_response_with_per_record_errors() {
    let resp = DetokenizeResponse::from_http(ok(r#"{"records":[
        {"token":"tok-1","valueType":"STRING","value":"4111111111111111"},
        {"token":"tok-2","error":"Token not found"},
        {"token":"tok-3","valueType":"INTEGER","value":"42"},
        {"token":"tok-4","valueType":"JSON","value":{"a":1}},
        {"token":"tok-5"}
    ]}"#))
    .unwrap();
    let ok: Vec<(usize, &str, &Value, &ValueType)> = resp
        .detokenized()
        .iter()
        .map(|d| (d.index(), d.token(), d.value(), d.value_type()))
        .collect();
    assert_eq!(
        ok,
        [
            (0, "tok-1", &json!("4111111111111111"), &ValueType::String),
            (2, "tok-3", &json!("42"), &ValueType::Integer),
            (3, "tok-4", &json!({"a": 1}), &ValueType::Json),
            (4, "tok-5", &Value::Null, &ValueType::None),
        ]
    );
    assert_eq!(resp.errors().len(), 1);
    let err = &resp.errors()[0];
    assert_eq!(
        (err.index(), err.field(), err.message(), err.request_id()),
        (1, "tokens[1]".to_owned(), "Token not found", Some("req-1"))
    );
    assert_eq!(err.http_code(), None);
}

#[test]
fn per_record_results_go_back_to_their_index_once_each() {
    let detok = || {
        DetokenizeResponse::from_http(ok(r#"{"records":[
            {"token":"tok-1","valueType":"STRING","value":"a"},
            {"token":"tok-2","error":"Token not found"}
        ]}"#))
        .unwrap()
    };
    // Merged from two batches: results interleave back into request order.
    let merged = DetokenizeResponse::merge([(2, detok()), (0, detok())]);
    let ordered: Vec<std::result::Result<String, String>> = merged
        .into_ordered()
        .unwrap()
        .into_iter()
        .map(|r| r.map(|v| v.token().to_owned()).map_err(|e| e.to_string()))
        .collect();
    assert_eq!(
        ordered,
        [
            Ok("tok-1".to_owned()),
            Err("tokens[1]: Token not found".to_owned()),
            Ok("tok-1".to_owned()),
            Err("tokens[3]: Token not found".to_owned()),
        ]
    );

    // The same index answered twice, or fewer answers than records: a decode error.
    let twice = DetokenizeResponse::merge([(0, detok()), (0, detok())]);
    let err = twice.into_ordered().unwrap_err();
    assert!(err.is_decode(), "{err:?}");
    assert_eq!(err.operation(), Some("DetokenizeRequest"));
    let err = detok().into_slots(3).unwrap_err();
    assert!(err.message().contains("2 results for 3 records"), "{err}");

    // Per-record messages lose the request's secrets, the call's errors the same way.
    let scrubbed = DetokenizeResponse::from_http(ok(r#"{"records":[
        {"token":"tok-SECRET","error":"Token not found for tok-SECRET"}]}"#))
    .unwrap()
    .without_secrets(|_| vec!["tok-SECRET"]);
    assert_eq!(
        scrubbed.errors()[0].message(),
        "Token not found for <redacted>"
    );
    let err = Error::api(404, "Token not found for tok-SECRET").without_secrets(&["tok-SECRET"]);
    assert_eq!(err.message(), scrubbed.errors()[0].message());
}

#[test]
fn parses_the_other_responses() {
    let tokens =
        TokenizeResponse::from_http(ok(r#"{"records":[{"token":"t1"},{"token":"t2"}]}"#)).unwrap();
    assert_eq!(tokens.tokens(), ["t1", "t2"]);

    let get = GetResponse::from_http(ok(
        r#"{"records":[{"fields":{"skyflow_id":"id1","name":"Jane","age":41}},{"fields":{"skyflow_id":"id2","name":null},"tokens":{"x":"y"}}]}"#,
    ))
    .unwrap();
    assert_eq!(get.records().len(), 2);
    assert_eq!(get.records()[0]["skyflow_id"], json!("id1"));
    assert_eq!(get.records()[0]["age"], json!(41));
    assert_eq!(get.records()[1]["name"], Value::Null);

    let update =
        UpdateResponse::from_http(ok(r#"{"skyflow_id":"id1","tokens":{"name":"tok-9"}}"#)).unwrap();
    assert_eq!(update.skyflow_id(), "id1");
    assert_eq!(update.token("name"), Some("tok-9"));
    let update = UpdateResponse::from_http(ok(r#"{"skyflow_id":"id1"}"#)).unwrap();
    assert!(update.tokens().is_empty());

    let delete = DeleteResponse::from_http(ok(r#"{"RecordIDResponse":["id1","id2"]}"#)).unwrap();
    assert_eq!(delete.deleted_ids(), ["id1", "id2"]);

    let query = QueryResponse::from_http(ok(
        r#"{"records":[{"fields":{"name":"Jane","ssn":"XXX-XX-6789"}}]}"#,
    ))
    .unwrap();
    assert_eq!(query.records()[0].fields()["ssn"], json!("XXX-XX-6789"));
    assert!(query.records()[0].tokenized_data().is_empty());

    let upload =
        FileUploadResponse::from_http(ok(r#"{"skyflowID":"id-new","fileMetadata":{}}"#)).unwrap();
    assert_eq!(upload.skyflow_id(), "id-new");

    let scan = FileScanStatusResponse::from_http(ok(r#"{"av_scan_status":"SCAN_CLEAN"}"#)).unwrap();
    assert_eq!(scan.status(), &FileScanStatus::Clean);
    let scan = FileScanStatusResponse::from_http(ok(r#"{"av_scan_status":"SCAN_NEW"}"#)).unwrap();
    assert_eq!(scan.status(), &FileScanStatus::Other("SCAN_NEW".into()));

    let deleted =
        DeleteFileResponse::from_http(ok(r#"{"skyflow_id":"id1","deleted":true}"#)).unwrap();
    assert_eq!((deleted.skyflow_id(), deleted.deleted()), ("id1", true));
}

fn assert_decode(err: Error, op: &str) {
    assert!(err.is_decode(), "{err:?}");
    assert_eq!(err.status(), Some(200));
    assert_eq!(err.request_id(), Some("req-1"));
    assert_eq!(err.operation(), Some(op));
}

#[test]
fn garbage_2xx_bodies_are_decode_errors() {
    for body in ["", "<html>oops</html>", "{\"records\":", "null", "[]"] {
        assert_decode(
            InsertResponse::from_http(ok(body)).unwrap_err(),
            "InsertRequest",
        );
        assert_decode(GetResponse::from_http(ok(body)).unwrap_err(), "GetRequest");
        assert_decode(
            DetokenizeResponse::from_http(ok(body)).unwrap_err(),
            "DetokenizeRequest",
        );
        assert_decode(
            TokenizeResponse::from_http(ok(body)).unwrap_err(),
            "TokenizeRequest",
        );
        assert_decode(
            UpdateResponse::from_http(ok(body)).unwrap_err(),
            "UpdateRequest",
        );
        assert_decode(
            DeleteResponse::from_http(ok(body)).unwrap_err(),
            "DeleteRequest",
        );
        assert_decode(
            QueryResponse::from_http(ok(body)).unwrap_err(),
            "QueryRequest",
        );
        assert_decode(
            FileUploadResponse::from_http(ok(body)).unwrap_err(),
            "FileUploadRequest",
        );
        assert_decode(
            FileScanStatusResponse::from_http(ok(body)).unwrap_err(),
            "FileScanStatusRequest",
        );
        assert_decode(
            DeleteFileResponse::from_http(ok(body)).unwrap_err(),
            "DeleteFileRequest",
        );
    }
}

#[test]
fn wrong_shapes_are_decode_errors_that_do_not_quote_the_body() {
    let secret = "4111111111111111";
    let cases: Vec<Error> = vec![
        InsertResponse::from_http(ok(&format!(r#"{{"records":"{secret}"}}"#))).unwrap_err(),
        InsertResponse::from_http(ok(r#"{"vaultID":"v"}"#)).unwrap_err(),
        InsertResponse::from_http(ok(&format!(
            r#"{{"responses":[{{"Status":200,"Body":{{"records":"{secret}"}}}}]}}"#
        )))
        .unwrap_err(),
        InsertResponse::from_http(ok(r#"{"responses":[{"Body":{}}]}"#)).unwrap_err(),
        GetResponse::from_http(ok(&format!(r#"{{"records":[{{"name":"{secret}"}}]}}"#)))
            .unwrap_err(),
        DetokenizeResponse::from_http(ok(&format!(
            r#"{{"records":[{{"token":5,"value":"{secret}"}}]}}"#
        )))
        .unwrap_err(),
        TokenizeResponse::from_http(ok(&format!(r#"{{"records":[{{"tok":"{secret}"}}]}}"#)))
            .unwrap_err(),
        DeleteResponse::from_http(ok(&format!(r#"{{"RecordIDResponse":"{secret}"}}"#)))
            .unwrap_err(),
    ];
    for err in cases {
        assert!(err.is_decode(), "{err:?}");
        assert!(!err.to_string().contains(secret), "{err}");
        assert!(!format!("{err:?}").contains(secret), "{err:?}");
    }
}

#[test]
fn response_debug_never_prints_values_or_tokens() {
    let insert = InsertResponse::from_http(ok(r#"{"responses":[
        {"Status":200,"Body":{"records":[{"skyflow_id":"id-1","tokens":{"ssn":"TOKEN-SECRET"}}]}},
        {"Status":400,"Body":{"error":"value VALUE-SECRET is invalid"}}]}"#))
    .unwrap();
    let detok = DetokenizeResponse::from_http(ok(r#"{"records":[
        {"token":"TOKEN-SECRET","valueType":"STRING","value":"VALUE-SECRET"},
        {"token":"TOKEN-SECRET","error":"Token not found for TOKEN-SECRET"}]}"#))
    .unwrap();
    let tokens =
        TokenizeResponse::from_http(ok(r#"{"records":[{"token":"TOKEN-SECRET"}]}"#)).unwrap();
    let get =
        GetResponse::from_http(ok(r#"{"records":[{"fields":{"ssn":"VALUE-SECRET"}}]}"#)).unwrap();
    let update = UpdateResponse::from_http(ok(
        r#"{"skyflow_id":"id1","tokens":{"ssn":"TOKEN-SECRET"}}"#,
    ))
    .unwrap();
    let query =
        QueryResponse::from_http(ok(r#"{"records":[{"fields":{"ssn":"VALUE-SECRET"}}]}"#)).unwrap();
    let outputs = [
        format!("{insert:?}"),
        format!("{:?}", insert.inserted()),
        format!("{:?}", insert.errors()),
        format!("{detok:?}"),
        format!("{:?}", detok.detokenized()),
        format!("{:?}", detok.errors()),
        format!("{tokens:?}"),
        format!("{get:?}"),
        format!("{update:?}"),
        format!("{query:?}"),
        format!("{:?}", query.records()),
        format!("{insert:#?}"),
    ];
    for out in &outputs {
        assert!(!out.contains("SECRET"), "leaked in {out}");
    }
    assert!(outputs[0].contains("succeeded: 1"), "{}", outputs[0]);
    assert!(
        outputs[1].contains("id-1"),
        "ids are not secret: {}",
        outputs[1]
    );
    assert!(outputs[1].contains("ssn"), "column names are not secret");
}

// ---------------------------------------------------------------- batch runner

/// An in-memory vault answering insert calls: record `{"n": i}` gets id `id-i`, and a
/// record with `"bad": true` fails with 400 on the batch endpoint.
fn fake_insert(req: &HttpRequest) -> HttpResponse {
    let body = json_body(req);
    let records = body["records"].as_array().unwrap();
    let id_of = |r: &Value| format!("id-{}", r["fields"]["n"]);
    let text = if body.get("continueOnError").is_some() {
        let responses: Vec<Value> = records
            .iter()
            .map(|r| {
                if r["fields"]["bad"] == json!(true) {
                    json!({"Status": 400, "Body": {"error": "bad record"}})
                } else {
                    json!({"Status": 200, "Body": {"records": [{"skyflow_id": id_of(r), "tokens": {"n": "tok"}}]}})
                }
            })
            .collect();
        json!({"vaultID": VAULT, "responses": responses})
    } else {
        let out: Vec<Value> = records
            .iter()
            .map(|r| json!({"skyflow_id": id_of(r)}))
            .collect();
        json!({ "records": out })
    };
    ok(&text.to_string())
}

/// Yields a number of times that varies with `seed`, so batches finish out of order.
async fn jitter(seed: usize) {
    for _ in 0..(seed * 7919) % 13 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn ten_thousand_inserts_are_split_sent_and_merged_in_order() {
    let request = InsertRequest::new("persons").values((0..10_000).map(|n| json!({ "n": n })));
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let merged = run_batches(&request, 100, 8, move |batch: Batch<InsertRequest>| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            jitter(batch.index()).await;
            let http = batch.request().to_http(VAULT)?;
            InsertResponse::from_http(fake_insert(&http))
        }
    })
    .await
    .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 100);
    assert_eq!(merged.inserted().len(), 10_000);
    for (i, record) in merged.inserted().iter().enumerate() {
        assert_eq!(record.request_index(), i);
        assert_eq!(record.skyflow_id(), format!("id-{i}"));
    }
}

#[tokio::test]
async fn continue_on_error_maps_record_and_batch_failures_to_original_indices() {
    let request = InsertRequest::new("persons")
        .values((0..1_000).map(|n| {
            if n % 97 == 0 {
                json!({ "n": n, "bad": true })
            } else {
                json!({ "n": n })
            }
        }))
        .continue_on_error(true);
    let merged = run_batches(&request, 50, 4, |batch: Batch<InsertRequest>| async move {
        jitter(batch.index()).await;
        if batch.index() == 7 {
            return Err(Error::api(503, "unavailable").with_request_id("req-batch-7"));
        }
        let http = batch.request().to_http(VAULT)?;
        InsertResponse::from_http(fake_insert(&http))
    })
    .await
    .unwrap();

    let failed_batch: Vec<usize> = (350..400).collect();
    let bad: Vec<usize> = (0..1_000)
        .filter(|n| n % 97 == 0 && !failed_batch.contains(n))
        .collect();
    let mut expected_errors: Vec<usize> = bad.iter().copied().chain(failed_batch.clone()).collect();
    expected_errors.sort_unstable();
    let errors: Vec<usize> = merged.errors().iter().map(RecordError::index).collect();
    assert_eq!(errors, expected_errors);
    for e in merged.errors() {
        if failed_batch.contains(&e.index()) {
            assert_eq!(e.http_code(), Some(503));
            assert_eq!(e.request_id(), Some("req-batch-7"));
        } else {
            assert_eq!(e.http_code(), Some(400));
            assert_eq!(e.message(), "bad record");
        }
    }
    assert_eq!(merged.inserted().len(), 1_000 - expected_errors.len());
    for record in merged.inserted() {
        assert_eq!(
            record.skyflow_id(),
            format!("id-{}", record.request_index())
        );
    }
}

#[tokio::test]
async fn without_continue_on_error_the_first_failure_stops_and_reports_what_was_written() {
    let request = InsertRequest::new("persons").values((0..1_000).map(|n| json!({ "n": n })));
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let failure = run_batches(&request, 100, 1, move |batch: Batch<InsertRequest>| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            if batch.index() == 3 {
                return Err(Error::api(
                    400,
                    "Error Inserting Records due to unique constraint violation",
                )
                .with_grpc_code(9)
                .with_request_id("req-3"));
            }
            let http = batch.request().to_http(VAULT)?;
            InsertResponse::from_http(fake_insert(&http))
        }
    })
    .await
    .unwrap_err();
    assert_eq!(
        calls.load(Ordering::SeqCst),
        4,
        "no batch starts after the failure"
    );
    assert_eq!(failure.succeeded(), [0..300]);
    assert_eq!(failure.failed().len(), 1);
    assert_eq!(failure.failed()[0].range(), 300..400);
    assert_eq!(failure.not_sent(), [400..1000]);
    assert_eq!(failure.error().request_id(), Some("req-3"));
    let written: Vec<usize> = failure
        .completed()
        .inserted()
        .iter()
        .map(|r| r.request_index())
        .collect();
    assert_eq!(written, (0..300).collect::<Vec<_>>());
    assert!(!format!("{failure:?}").is_empty());

    let err = failure.into_error();
    assert!(err.is_api());
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.grpc_code(), Some(9));
    assert_eq!(err.request_id(), Some("req-3"));
    let text = err.to_string();
    assert!(text.contains("300..400"), "{text}");
    assert!(text.contains("succeeded: 0..300"), "{text}");
    assert!(text.contains("not sent: 400..1000"), "{text}");
    let source = std::error::Error::source(&err).expect("the batch error is the source");
    assert!(source.to_string().contains("unique constraint"));
}

#[tokio::test]
async fn batches_in_flight_finish_after_a_failure_and_concurrency_is_bounded() {
    let request = DeleteRequest::new("persons").ids((0..100).map(|i| format!("id-{i}")));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (now, max) = (in_flight.clone(), peak.clone());
    let failure = run_batches(&request, 10, 4, move |batch: Batch<DeleteRequest>| {
        let (now, max) = (now.clone(), max.clone());
        async move {
            let current = now.fetch_add(1, Ordering::SeqCst) + 1;
            max.fetch_max(current, Ordering::SeqCst);
            // Batch 1 fails quickly; the others take a while.
            let turns = if batch.index() == 1 { 3 } else { 20 };
            for _ in 0..turns {
                tokio::task::yield_now().await;
            }
            now.fetch_sub(1, Ordering::SeqCst);
            if batch.index() == 1 {
                return Err(Error::transport("connection reset"));
            }
            let http = batch.request().to_http(VAULT)?;
            let ids = json_body(&http)["skyflow_ids"].clone();
            DeleteResponse::from_http(ok(&json!({ "RecordIDResponse": ids }).to_string()))
        }
    })
    .await
    .unwrap_err();
    assert_eq!(peak.load(Ordering::SeqCst), 4);
    assert_eq!(failure.failed()[0].range(), 10..20);
    assert_eq!(failure.succeeded(), [0..10, 20..40]);
    assert_eq!(failure.not_sent(), [40..100]);
    let deleted = failure.completed().deleted_ids();
    assert_eq!(deleted.len(), 30);
    assert_eq!(deleted[0], "id-0");
    assert_eq!(deleted[10], "id-20");
    assert!(failure.into_error().is_transport());
}

#[tokio::test]
async fn an_invalid_request_sends_nothing() {
    let request = InsertRequest::new("persons").values([json!({"n": 1}), json!({})]);
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let failure = run_batches(&request, 1, 2, move |_batch: Batch<InsertRequest>| {
        counter.fetch_add(1, Ordering::SeqCst);
        async { Ok(InsertResponse::default()) }
    })
    .await
    .unwrap_err();
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(failure.not_sent(), [0..2]);
    let err = failure.into_error();
    assert!(err.is_validation());
    assert_eq!(err.field(), Some("values[1]"));
    assert!(
        std::error::Error::source(&err).is_none(),
        "returned unchanged"
    );
}

#[tokio::test]
async fn detokenize_batches_keep_tokens_and_indices() {
    let request = DetokenizeRequest::new()
        .tokens((0..250).map(|i| format!("tok-{i}")))
        .continue_on_error(true);
    let merged = run_batches(&request, 100, 3, |batch: Batch<DetokenizeRequest>| async move {
        jitter(batch.index() + 1).await;
        if batch.index() == 2 {
            return Err(Error::timeout("no answer"));
        }
        let http = batch.request().to_http(VAULT)?;
        let records: Vec<Value> = json_body(&http)["detokenizationParameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let token = p["token"].as_str().unwrap();
                if token.ends_with('7') {
                    json!({"token": token, "error": "Token not found"})
                } else {
                    json!({"token": token, "valueType": "STRING", "value": token.replace("tok", "val")})
                }
            })
            .collect();
        DetokenizeResponse::from_http(ok(&json!({ "records": records }).to_string()))
    })
    .await
    .unwrap();
    for value in merged.detokenized() {
        assert_eq!(value.token(), format!("tok-{}", value.index()));
        assert_eq!(value.value(), &json!(format!("val-{}", value.index())));
    }
    for error in merged.errors() {
        assert_eq!(error.field(), format!("tokens[{}]", error.index()));
    }
    let timed_out: Vec<usize> = merged
        .errors()
        .iter()
        .filter(|e| e.message() == "no answer")
        .map(RecordError::index)
        .collect();
    assert_eq!(timed_out, (200..250).collect::<Vec<_>>());
    assert_eq!(merged.detokenized().len() + merged.errors().len(), 250);
    let indices: Vec<usize> = merged.detokenized().iter().map(|d| d.index()).collect();
    assert!(indices.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test]
async fn tokenize_and_get_batches_merge_in_input_order() {
    let request = TokenizeRequest::new().values((0..1_000).map(|i| (format!("v{i}"), "cg")));
    let merged = run_batches(
        &request,
        64,
        5,
        |batch: Batch<TokenizeRequest>| async move {
            jitter(batch.index()).await;
            let http = batch.request().to_http(VAULT)?;
            let records: Vec<Value> = json_body(&http)["tokenizationParameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| json!({"token": format!("t-{}", p["value"].as_str().unwrap())}))
                .collect();
            TokenizeResponse::from_http(ok(&json!({ "records": records }).to_string()))
        },
    )
    .await
    .unwrap();
    let expected: Vec<String> = (0..1_000).map(|i| format!("t-v{i}")).collect();
    assert_eq!(merged.tokens(), expected.as_slice());

    let request = GetRequest::new("persons").ids((0..95).map(|i| format!("id-{i}")));
    let merged = run_batches(&request, 10, 4, |batch: Batch<GetRequest>| async move {
        jitter(batch.index()).await;
        let http = batch.request().to_http(VAULT)?;
        let records: Vec<Value> = http
            .query
            .iter()
            .filter(|(k, _)| k == "skyflow_ids")
            .map(|(_, id)| json!({"fields": {"skyflow_id": id}}))
            .collect();
        GetResponse::from_http(ok(&json!({ "records": records }).to_string()))
    })
    .await
    .unwrap();
    let ids: Vec<String> = merged
        .records()
        .iter()
        .map(|r| r["skyflow_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, (0..95).map(|i| format!("id-{i}")).collect::<Vec<_>>());
}

#[test]
fn split_insert_with_enable_tokens_keeps_alignment_and_stays_valid() {
    let request = InsertRequest::new("persons")
        .values((0..10).map(|n| json!({ "n": n })))
        .tokens([json!({"n": "tok-0"}), Value::Null, json!({"n": "tok-2"})])
        .token_mode(TokenMode::Enable);
    let batches = request.split(2);
    assert_eq!(batches.len(), 5);
    let first = batches[0].request().to_http(VAULT).unwrap();
    assert_eq!(json_body(&first)["byot"], "ENABLE");
    assert_eq!(
        json_body(&first)["records"][0]["tokens"],
        json!({"n": "tok-0"})
    );
    assert_eq!(json_body(&first)["records"][1]["tokens"], Value::Null);
    let second = batches[1].request().to_http(VAULT).unwrap();
    assert_eq!(
        json_body(&second)["records"][0]["tokens"],
        json!({"n": "tok-2"})
    );
    assert_eq!(json_body(&second)["records"][1]["tokens"], Value::Null);
    // Batches without any token fall back to vault-generated tokens.
    let third = batches[2].request().to_http(VAULT).unwrap();
    assert_eq!(json_body(&third)["byot"], "DISABLE");
    assert!(json_body(&third)["records"][0].get("tokens").is_none());
}

#[test]
fn merge_shifts_indices_of_parts_given_out_of_order() {
    let part = |body: &str| InsertResponse::from_http(ok(body)).unwrap();
    let a = part(
        r#"{"responses":[{"Status":200,"Body":{"records":[{"skyflow_id":"a0"}]}},{"Status":400,"Body":{"error":"x"}}]}"#,
    );
    let b = part(
        r#"{"responses":[{"Status":400,"Body":{"error":"y"}},{"Status":200,"Body":{"records":[{"skyflow_id":"b1"}]}}]}"#,
    );
    let merged = InsertResponse::merge([(2, b), (0, a)]);
    let inserted: Vec<(usize, &str)> = merged
        .inserted()
        .iter()
        .map(|r| (r.request_index(), r.skyflow_id()))
        .collect();
    assert_eq!(inserted, [(0, "a0"), (3, "b1")]);
    let errors: Vec<(usize, &str)> = merged
        .errors()
        .iter()
        .map(|e| (e.index(), e.message()))
        .collect();
    assert_eq!(errors, [(1, "x"), (2, "y")]);
}

#[test]
fn every_request_and_response_is_send_and_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<InsertRequest>();
    check::<InsertResponse>();
    check::<DetokenizeRequest>();
    check::<DetokenizeResponse>();
    check::<TokenizeRequest>();
    check::<TokenizeResponse>();
    check::<GetRequest>();
    check::<GetResponse>();
    check::<UpdateRequest>();
    check::<UpdateResponse>();
    check::<DeleteRequest>();
    check::<DeleteResponse>();
    check::<QueryRequest>();
    check::<QueryResponse>();
    check::<FileUploadRequest>();
    check::<FileUploadResponse>();
    check::<FileScanStatusRequest>();
    check::<FileScanStatusResponse>();
    check::<DeleteFileRequest>();
    check::<DeleteFileResponse>();
    check::<BatchFailure<InsertResponse>>();
}

#[test]
fn the_file_upload_future_is_send() {
    fn check<F: Future + Send>(_: F) {}
    let request = FileUploadRequest::new("t", "c").file_path("x");
    check(request.to_http("v1"));
    check(FileUploadRequest::new("t", "c").file_reader("n", &b""[..]));
    let insert = InsertRequest::new("t");
    check(run_batches(
        &insert,
        10,
        2,
        |_b: Batch<InsertRequest>| async { Ok(InsertResponse::default()) },
    ));
}

#[tokio::test]
async fn a_batch_answering_the_wrong_number_of_results_is_not_misassigned() {
    let request = TokenizeRequest::new().values((0..30).map(|i| (format!("v{i}"), "cg")));
    let failure = run_batches(
        &request,
        10,
        1,
        |batch: Batch<TokenizeRequest>| async move {
            let count = if batch.index() == 1 { 9 } else { 10 };
            let records: Vec<Value> = (0..count)
                .map(|i| json!({"token": format!("t{i}")}))
                .collect();
            TokenizeResponse::from_http(ok(&json!({ "records": records }).to_string()))
        },
    )
    .await
    .unwrap_err();
    assert!(failure.error().is_decode());
    assert_eq!(failure.failed()[0].range(), 10..20);
    assert_eq!(failure.completed().tokens().len(), 10);

    let request = DetokenizeRequest::new()
        .tokens((0..20).map(|i| format!("tok-{i}")))
        .continue_on_error(true);
    let merged = run_batches(
        &request,
        10,
        2,
        |batch: Batch<DetokenizeRequest>| async move {
            let count = if batch.index() == 0 { 11 } else { 10 };
            let records: Vec<Value> = (0..count)
                .map(|i| json!({"token": format!("tok-{}", batch.offset() + i), "value": "v"}))
                .collect();
            DetokenizeResponse::from_http(ok(&json!({ "records": records }).to_string()))
        },
    )
    .await
    .unwrap();
    let failed: Vec<usize> = merged.errors().iter().map(RecordError::index).collect();
    assert_eq!(failed, (0..10).collect::<Vec<_>>());
    assert_eq!(merged.errors()[3].field(), "tokens[3]");
    let found: Vec<usize> = merged.detokenized().iter().map(|d| d.index()).collect();
    assert_eq!(found, (10..20).collect::<Vec<_>>());
}

#[test]
fn empty_token_maps_without_byot_are_not_sent() {
    let req = InsertRequest::new("persons")
        .value(json!({"name": "Jane"}))
        .tokens([json!({})])
        .to_http(VAULT)
        .unwrap();
    assert!(json_body(&req)["records"][0].get("tokens").is_none());
}

/// An insert with continue-on-error whose records the vault rejects quoting their values
/// (the emulator never quotes a value, so the vault's answer is written here): each
/// record's error loses that record's values and the request's tokens, in its message,
/// `Display` and `Debug`; a whole call's error loses every value of the request.
#[test]
fn insert_errors_never_quote_the_records_values_or_tokens() {
    let request = InsertRequest::new("persons")
        .values([
            json!({"name": "Jane Doe", "state": "NY", "card": {"number": "4111111111111111"}}),
            json!({"name": "Ann", "state": "CA"}),
        ])
        .tokens([json!({"name": "tok-jane-0001"}), json!(null)])
        .continue_on_error(true);
    let answer = ok(r#"{"vaultID":"v123","responses":[
        {"Status":409,"Body":{"error":"Duplicate entry 'Jane Doe' (NY, card 4111111111111111) for key 'name'"}},
        {"Status":400,"Body":{"error":{"message":"Value \"CA\" for column state; token tok-jane-0001 taken. Ann"}}}]}"#);
    let response = request.answer(Ok(answer)).unwrap();
    let errors = response.errors();
    assert_eq!(
        errors[0].message(),
        "Duplicate entry '<redacted>' (<redacted>, card <redacted>) for key 'name'"
    );
    assert_eq!(
        errors[1].message(),
        "Value \"<redacted>\" for column state; token <redacted> taken. <redacted>"
    );
    let shown = format!("{errors:?} {} {} {response:?}", errors[0], errors[1]);
    for secret in [
        "Jane Doe",
        "NY",
        "4111111111111111",
        "CA",
        "Ann",
        "tok-jane-0001",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }

    let whole = request
        .answer(Err(Error::api(409, "unique constraint violation: Ann, NY")))
        .unwrap_err();
    assert_eq!(
        whole.message(),
        "unique constraint violation: <redacted>, <redacted>"
    );
}
