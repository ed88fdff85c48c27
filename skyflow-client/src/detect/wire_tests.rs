//! The bodies the Detect requests send, key by key (Skyflow's wire protocol §4).

use serde_json::{Value, json};

use super::*;
use crate::http::Body;

fn body_of(http: crate::http::HttpRequest) -> Value {
    match http.body {
        Body::Json(v) => v,
        other => panic!("not JSON: {other:?}"),
    }
}

#[test]
fn deidentify_text_sends_every_key() {
    let request = DeidentifyTextRequest::new("My SSN is 123-45-6789");
    let http = request.to_http("v1").unwrap();
    assert_eq!(http.path, "/v1/detect/deidentify/string");
    assert_eq!(
        body_of(http),
        json!({"text":"My SSN is 123-45-6789","vault_id":"v1","entity_types":null,"token_type":null,
               "allow_regex":null,"restrict_regex":null,"transformations":null})
    );

    let request = DeidentifyTextRequest::new("x")
        .entities([EntityType::Ssn, EntityType::Dob])
        .allow_regex(["a+"])
        .restrict_regex(["b"])
        .token_format(
            TokenFormat::new(TokenType::EntityOnly)
                .vault_token([EntityType::Ssn])
                .entity_unique_counter([EntityType::Name]),
        )
        .transformations(
            Transformations::new().shift_dates(DateShift::new(10, 30).entities([EntityType::Dob])),
        );
    assert_eq!(
        body_of(request.to_http("v1").unwrap()),
        json!({"text":"x","vault_id":"v1","entity_types":["ssn","dob"],
               "token_type":{"default":"entity_only","vault_token":["ssn"],"entity_unq_counter":["name"],"entity_only":null},
               "allow_regex":["a+"],"restrict_regex":["b"],
               "transformations":{"shift_dates":{"max_days":30,"min_days":10,"entity_types":["dob"]}}})
    );
}

#[test]
fn reidentify_text_sends_the_format_object() {
    let http = ReidentifyTextRequest::new("t [SSN_abcdefg]")
        .masked_entities([EntityType::Ssn])
        .to_http("v1")
        .unwrap();
    assert_eq!(http.path, "/v1/detect/reidentify/string");
    assert_eq!(
        body_of(http),
        json!({"text":"t [SSN_abcdefg]","vault_id":"v1","format":{"redacted":null,"masked":["ssn"],"plaintext":null}})
    );
}

#[test]
fn files_are_routed_by_extension_with_their_options() {
    let cases = [
        ("a.txt", "/v1/detect/deidentify/file/text", "txt", true),
        ("a.MP3", "/v1/detect/deidentify/file/audio", "mp3", true),
        (
            "a.pdf",
            "/v1/detect/deidentify/file/document/pdf",
            "pdf",
            false,
        ),
        ("a.tiff", "/v1/detect/deidentify/file/image", "tiff", false),
        (
            "a.pptx",
            "/v1/detect/deidentify/file/presentation",
            "pptx",
            false,
        ),
        (
            "a.b.xlsx",
            "/v1/detect/deidentify/file/spreadsheet",
            "xlsx",
            false,
        ),
        (
            "a.docx",
            "/v1/detect/deidentify/file/document",
            "docx",
            false,
        ),
        (
            "a.json",
            "/v1/detect/deidentify/file/structured_text",
            "json",
            true,
        ),
        ("a.jsonl", "/v1/detect/deidentify/file", "jsonl", true),
        ("noext", "/v1/detect/deidentify/file", "", true),
    ];
    for (name, path, format, transformations) in cases {
        let request = DeidentifyFileRequest::from_bytes(name, "hi")
            .pixel_density(300)
            .max_resolution(2000)
            .masking_method(MaskingMethod::Blur)
            .bleep(Bleep::new(-3.0, 1000.0, 0.5, 0.25));
        assert_eq!(request.category().path(), path, "{name}");
        let body = request.body_for_test("v1", b"hi");
        assert_eq!(
            body["file"],
            json!({"base64":"aGk=","data_format":format}),
            "{name}"
        );
        assert_eq!(body["vault_id"], "v1");
        assert_eq!(
            body.get("transformations").is_some(),
            transformations,
            "{name}"
        );
        for key in [
            "entity_types",
            "token_type",
            "allow_regex",
            "restrict_regex",
        ] {
            assert!(body.get(key).is_some(), "{name} lacks {key}");
        }
        let has = |k: &str| body.get(k).is_some();
        assert_eq!(
            has("density") && has("max_resolution"),
            format == "pdf",
            "{name}"
        );
        assert_eq!(
            has("masking_method") && has("output_ocr_text"),
            format == "tiff"
        );
        assert_eq!(
            has("bleep_gain") && has("output_transcription"),
            format == "mp3"
        );
        if format == "pdf" {
            assert_eq!(body["density"], 300);
            assert_eq!(body["max_resolution"], 2000);
        }
        if format == "tiff" {
            assert_eq!(body["masking_method"], "blur");
            assert_eq!(body["output_processed_image"], Value::Null);
        }
        if format == "mp3" {
            assert_eq!(body["bleep_gain"], -3.0);
            assert_eq!(body["bleep_frequency"], 1000.0);
            assert_eq!(body["bleep_start_padding"], 0.5);
            assert_eq!(body["bleep_stop_padding"], 0.25);
        }
    }
}

#[test]
fn validation_names_the_field() {
    let field = |r: crate::Result<()>| r.unwrap_err().field().map(str::to_owned);
    assert_eq!(
        field(DeidentifyTextRequest::new(" \n").validate()).as_deref(),
        Some("text")
    );
    assert_eq!(
        field(
            DeidentifyTextRequest::new("x")
                .allow_regex(["a", ""])
                .validate()
        )
        .as_deref(),
        Some("allow_regex[1]")
    );
    assert_eq!(
        field(
            DeidentifyTextRequest::new("x")
                .transformations(
                    Transformations::new().shift_dates(DateShift::new(1, 2).entities([]))
                )
                .validate()
        )
        .as_deref(),
        Some("transformations.shift_dates.entity_types")
    );
    assert_eq!(
        field(ReidentifyTextRequest::new("").validate()).as_deref(),
        Some("text")
    );
    assert_eq!(
        field(DeidentifyFileRequest::from_bytes(".txt", "x").validate()).as_deref(),
        Some("file_name")
    );
    assert_eq!(
        field(DeidentifyFileRequest::from_bytes(" ", "x").validate()).as_deref(),
        Some("file_name")
    );
    assert_eq!(
        field(DeidentifyFileRequest::from_path("/no/such/file.txt").validate()).as_deref(),
        Some("file_path")
    );
    assert_eq!(
        field(
            DeidentifyFileRequest::from_bytes("a.txt", "x")
                .output_directory("/no/such/dir")
                .validate()
        )
        .as_deref(),
        Some("output_directory")
    );
    assert_eq!(
        field(
            DeidentifyFileRequest::from_bytes("a.mp3", "x")
                .bleep(Bleep::new(f64::NAN, 1.0, 0.0, 0.0))
                .validate()
        )
        .as_deref(),
        Some("bleep.gain")
    );
    assert!(
        DeidentifyFileRequest::from_bytes("a.txt", "x")
            .wait_time(MAX_WAIT_TIME)
            .validate()
            .is_ok()
    );
    let err = GetDetectRunRequest::new("\t").validate().unwrap_err();
    assert_eq!(err.operation(), Some("GetDetectRunRequest"));
}

#[test]
fn run_ids_are_one_encoded_path_segment() {
    let http = GetDetectRunRequest::new("a/b?c").to_http("v 1").unwrap();
    assert_eq!(http.path, "/v1/detect/runs/a%2Fb%3Fc");
    assert_eq!(http.query, vec![("vault_id".into(), "v 1".to_owned())]);
}

#[test]
fn debug_output_hides_text_and_values() {
    let secret = "123-45-6789";
    let request = DeidentifyTextRequest::new(format!("SSN {secret}"));
    assert!(!format!("{request:?}").contains(secret));
    let request = ReidentifyTextRequest::new(format!("SSN {secret}"));
    assert!(!format!("{request:?}").contains(secret));
    let request = DeidentifyFileRequest::from_bytes("a.txt", secret);
    assert!(!format!("{request:?}").contains(secret));
}
