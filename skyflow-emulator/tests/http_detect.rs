//! The Detect routes over HTTP: text de-identify and re-identify with every option, file
//! runs for every supported type, and the errors. Every response body is validated against
//! Skyflow's Detect OpenAPI document (and a stricter overlay) by the harness.

mod http_support;

use std::io::{Cursor, Read, Write};

use base64::Engine as _;
use reqwest::Method;
use serde_json::{Value, json};

use http_support::{Harness, start, start_with};
use skyflow_emulator::engine::{Engine, EngineConfig};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

async fn deidentify(h: &Harness, text: &str, extra: Value) -> Value {
    let mut body = json!({ "text": text, "vault_id": h.vault() });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    h.call(Method::POST, "/v1/detect/deidentify/string", Some(body))
        .await
        .ok()
        .clone()
}

fn chars(text: &str, start: u64, end: u64) -> String {
    text.chars()
        .skip(start as usize)
        .take((end - start) as usize)
        .collect()
}

/// Every entity's input range holds its value, and its output range its replacement.
fn assert_offsets(input: &str, reply: &Value, bracketed: bool) {
    let processed = reply["processed_text"].as_str().unwrap();
    for e in reply["entities"].as_array().unwrap() {
        let l = &e["location"];
        let value = chars(
            input,
            l["start_index"].as_u64().unwrap(),
            l["end_index"].as_u64().unwrap(),
        );
        assert_eq!(value, e["value"].as_str().unwrap(), "input range of {e}");
        let out = chars(
            processed,
            l["start_index_processed"].as_u64().unwrap(),
            l["end_index_processed"].as_u64().unwrap(),
        );
        let token = e["token"].as_str().unwrap();
        if bracketed {
            assert_eq!(out, format!("[{token}]"), "output range of {e}");
        } else {
            assert_eq!(out, token, "output range of {e}");
        }
    }
    assert_eq!(
        reply["character_count"].as_u64().unwrap() as usize,
        input.chars().count()
    );
}

#[tokio::test]
async fn counter_tokens_are_stable_per_value_and_offsets_are_characters() {
    let h = start().await;
    let text =
        "Zoë’s SSN 123-45-6789 🙂, again 123-45-6789; mail zoe@example.com or ann@example.org end";
    let reply = deidentify(&h, text, json!({"entity_types": ["ssn", "email_address"]})).await;
    assert_eq!(
        reply["processed_text"],
        "Zoë’s SSN [SSN_1] 🙂, again [SSN_1]; mail [EMAIL_ADDRESS_1] or [EMAIL_ADDRESS_2] end"
    );
    assert_offsets(text, &reply, true);
    let e = &reply["entities"][0];
    assert_eq!(e["entity_type"], "SSN");
    assert!(e["entity_scores"]["SSN"].as_f64().unwrap() > 0.0);

    // entity_only, and per-entity lists over a default.
    let reply = deidentify(
        &h,
        text,
        json!({"entity_types": ["ssn", "email_address"],
               "token_type": {"default": "entity_unq_counter", "entity_only": ["ssn"], "vault_token": null, "entity_unq_counter": null}}),
    )
    .await;
    assert_eq!(
        reply["processed_text"],
        "Zoë’s SSN [SSN] 🙂, again [SSN]; mail [EMAIL_ADDRESS_1] or [EMAIL_ADDRESS_2] end"
    );
    assert_offsets(text, &reply, true);
}

#[tokio::test]
async fn vault_tokens_round_trip_through_reidentify() {
    let h = start().await;
    let text = "Naïve café: SSN 123-45-6789 ✅ mail zoe@example.com 🎉 end";
    let reply = deidentify(
        &h,
        text,
        json!({"entity_types": ["ssn", "email_address"], "token_type": {"default": "vault_token"}}),
    )
    .await;
    let processed = reply["processed_text"].as_str().unwrap().to_owned();
    assert!(!processed.contains("123-45-6789") && !processed.contains("zoe@example.com"));
    assert_offsets(text, &reply, true);
    let token = reply["entities"][0]["token"].as_str().unwrap();
    assert!(
        token.starts_with("SSN_") && token.len() == "SSN_".len() + 7,
        "{token}"
    );

    // Same value, same token.
    let again = deidentify(
        &h,
        text,
        json!({"entity_types": ["ssn", "email_address"], "token_type": {"default": "vault_token"}}),
    )
    .await;
    assert_eq!(again["processed_text"], processed);

    let reidentify = |format: Value| {
        let body = json!({"text": processed, "vault_id": h.vault(), "format": format});
        let h = &h;
        async move {
            h.call(Method::POST, "/v1/detect/reidentify/string", Some(body))
                .await
                .ok()["text"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(reidentify(Value::Null).await, text);
    assert_eq!(
        reidentify(json!({"redacted": ["ssn"], "masked": ["email_address"], "plaintext": null}))
            .await,
        "Naïve café: SSN *REDACTED* ✅ mail zXX@example.com 🎉 end"
    );
    assert!(
        reidentify(json!({"masked": ["all"]}))
            .await
            .contains("XXX-XX-6789")
    );

    // Counter tokens are not stored: re-identify leaves them.
    let body = json!({"text": "x [SSN_1] y", "vault_id": h.vault()});
    let reply = h
        .call(Method::POST, "/v1/detect/reidentify/string", Some(body))
        .await;
    assert_eq!(reply.ok()["text"], "x [SSN_1] y");
}

#[tokio::test]
async fn allow_restrict_and_date_shift() {
    let h = start().await;
    let text = "mail zoe@example.com and ann@corp.org, SSN 123-45-6789";
    let reply = deidentify(
        &h,
        text,
        json!({"entity_types": ["ssn", "email_address"], "allow_regex": ["@example\\.com$"], "restrict_regex": ["\\d{3}-\\d{2}-\\d{4}", "corp"]}),
    )
    .await;
    // allowed: kept and not listed; restrict matches the whole SSN but only part of the email.
    assert_eq!(
        reply["processed_text"],
        "mail zoe@example.com and [EMAIL_ADDRESS_1], SSN [RESTRICTED]"
    );
    assert_eq!(reply["entities"].as_array().unwrap().len(), 2);
    assert_offsets(text, &reply, true);

    let text = "Born 1990-01-15, admitted 1990-02-15.";
    for _ in 0..5 {
        let reply = deidentify(
            &h,
            text,
            json!({"entity_types": ["dob", "date"],
                   "transformations": {"shift_dates": {"min_days": 10, "max_days": 30, "entity_types": ["dob", "date"]}}}),
        )
        .await;
        assert_offsets(text, &reply, false);
        let dates: Vec<chrono::NaiveDate> = reply["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                chrono::NaiveDate::parse_from_str(e["token"].as_str().unwrap(), "%Y-%m-%d").unwrap()
            })
            .collect();
        assert_eq!(dates.len(), 2, "{reply}");
        let first = chrono::NaiveDate::from_ymd_opt(1990, 1, 15).unwrap();
        let shift = (dates[0] - first).num_days();
        assert!((10..=30).contains(&shift), "shift {shift}");
        assert_eq!(
            (dates[1] - dates[0]).num_days(),
            31,
            "one offset per request"
        );
    }
}

#[tokio::test]
async fn bad_options_are_400_naming_them() {
    let h = start().await;
    let vault = h.vault();
    let cases = [
        (
            json!({"text": "x", "vault_id": vault, "entity_types": ["ssn", "social"]}),
            "entity_types[1]",
        ),
        (
            json!({"text": "x", "vault_id": vault, "allow_regex": ["("]}),
            "allow_regex[0]",
        ),
        (
            json!({"text": "x", "vault_id": vault, "restrict_regex": ["(?=a)"]}),
            "restrict_regex[0]",
        ),
        (
            json!({"text": "x", "vault_id": vault, "token_type": {"default": "hash"}}),
            "token_type.default",
        ),
        (
            json!({"text": "x", "vault_id": vault, "token_type": {"vault_token": ["ssn"], "entity_only": ["ssn"]}}),
            "token_type.entity_only",
        ),
        (
            json!({"text": "x", "vault_id": vault, "transformations": {"shift_dates": {"min_days": 5, "max_days": 1}}}),
            "min_days",
        ),
        (
            json!({"text": "x", "vault_id": vault, "transformations": {"shift_dates": {"entity_types": ["ssn"]}}}),
            "shift_dates.entity_types[0]",
        ),
        (json!({"text": "  ", "vault_id": vault}), "text"),
        (json!({"text": "x"}), "vault_id"),
        (
            json!({"text": "x", "vault_id": vault, "entity_types": ["trend"]}),
            "trend",
        ),
    ];
    for (body, named) in cases {
        let reply = h
            .call(
                Method::POST,
                "/v1/detect/deidentify/string",
                Some(body.clone()),
            )
            .await;
        let message = reply.expect_error(400);
        assert!(message.contains(named), "{body}: {message}");
    }
    let body = json!({"text": "x", "vault_id": vault, "format": {"masked": ["nope"]}});
    let reply = h
        .call(Method::POST, "/v1/detect/reidentify/string", Some(body))
        .await;
    assert!(reply.expect_error(400).contains("format.masked[0]"));

    let body = json!({"text": "x", "vault_id": "no-such-vault"});
    h.call(Method::POST, "/v1/detect/deidentify/string", Some(body))
        .await
        .expect_error(404);
    let reply = h
        .call_as(
            "wrong",
            Method::POST,
            "/v1/detect/deidentify/string",
            Some(json!({"text": "x", "vault_id": vault})),
        )
        .await;
    reply.expect_error(401);
}

/// Posts a file to de-identify; its run's id.
async fn submit_file(
    h: &Harness,
    endpoint: &str,
    format: &str,
    bytes: &[u8],
    extra: Value,
) -> String {
    let mut body = json!({"file": {"base64": B64.encode(bytes), "data_format": format}, "vault_id": h.vault(),
                          "entity_types": ["ssn", "email_address"], "token_type": null, "allow_regex": null, "restrict_regex": null});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    let path = format!("/v1/detect/deidentify/file{endpoint}");
    let reply = h.call(Method::POST, &path, Some(body)).await;
    reply.ok()["run_id"].as_str().unwrap().to_owned()
}

/// Reads run `run_id` until it is no longer in progress (or 20 reads, each waiting a while
/// on the server's side).
async fn finished_run(h: &Harness, run_id: &str) -> Value {
    let mut run = Value::Null;
    for _ in 0..20 {
        let reply = h
            .call(
                Method::GET,
                &format!("/v1/detect/runs/{run_id}?vault_id={}", h.vault()),
                None,
            )
            .await;
        run = reply.ok().clone();
        if run["status"] != "IN_PROGRESS" {
            break;
        }
    }
    run
}

/// Posts a file and reads its finished run.
async fn run_file(
    h: &Harness,
    endpoint: &str,
    format: &str,
    bytes: &[u8],
    extra: Value,
) -> (Vec<u8>, Value, Value) {
    let run_id = submit_file(h, endpoint, format, bytes, extra).await;
    let run = finished_run(h, &run_id).await;
    assert_eq!(run["status"], "SUCCESS", "{run}");
    assert_eq!(run["outputType"], "BASE64");
    let output = &run["output"][0];
    assert_eq!(output["processedFileType"], "redacted_file");
    assert_eq!(output["processedFileExtension"], format);
    let bytes = B64
        .decode(output["processedFile"].as_str().unwrap())
        .unwrap();
    assert_eq!(run["output"][1]["processedFileType"], "entities");
    let entities: Value = serde_json::from_slice(
        &B64.decode(run["output"][1]["processedFile"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    (bytes, entities, run)
}

const SECRETS: [&str; 3] = ["123-45-6789", "zoe@example.com", "212-56-7890"];

fn assert_clean(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} left in {text}");
    }
}

#[tokio::test]
async fn text_json_xml_and_csv_files_keep_their_structure() {
    let h = start().await;
    let txt = "Patient SSN 123-45-6789, mail zoe@example.com.\nSecond line: SSN 212-56-7890 ✅\n";
    let (out, entities, run) = run_file(
        &h,
        "/text",
        "txt",
        txt.as_bytes(),
        json!({"transformations": null}),
    )
    .await;
    assert_clean(&out);
    let out = String::from_utf8(out).unwrap();
    assert_eq!(out.lines().count(), txt.lines().count());
    assert!(out.contains("[SSN_1]") && out.contains("[SSN_2]"), "{out}");
    assert_eq!(entities.as_array().unwrap().len(), 3);
    assert_eq!(entities[0]["text"], "123-45-6789");
    assert!(
        run["wordCharacterCount"]["characterCount"]
            .as_u64()
            .unwrap()
            > 0
    );

    // Raw text: keys deliberately out of alphabetical order.
    let doc = r#"{"patient": {"ssn": "123-45-6789", "contacts": ["zoe@example.com", {"note": "backup SSN 212-56-7890"}]}, "count": 3, "ok": true}"#;
    let (out, _, _) = run_file(&h, "/structured_text", "json", doc.as_bytes(), json!({})).await;
    assert_clean(&out);
    let parsed: Value = serde_json::from_slice(&out).unwrap();
    // Keys stay in document order.
    let text = String::from_utf8(out.clone()).unwrap();
    let at = |k: &str| text.find(&format!("\"{k}\"")).unwrap();
    assert!(
        at("patient") < at("count") && at("count") < at("ok"),
        "{text}"
    );
    assert!(at("ssn") < at("contacts"), "{text}");
    assert_eq!(parsed["count"], 3);
    assert_eq!(parsed["ok"], true);
    assert_eq!(parsed["patient"].as_object().unwrap().len(), 2);
    assert_eq!(parsed["patient"]["contacts"].as_array().unwrap().len(), 2);
    let ssn = parsed["patient"]["ssn"].as_str().unwrap();
    assert!(ssn.starts_with("[SSN_") && ssn.ends_with(']'), "{ssn}");

    let xml = r#"<?xml version="1.0"?><people><person email="zoe@example.com"><ssn>123-45-6789</ssn><note>AT&amp;T SSN 212-56-7890</note></person></people>"#;
    let (out, _, _) = run_file(&h, "/structured_text", "xml", xml.as_bytes(), json!({})).await;
    assert_clean(&out);
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("<ssn>[SSN_1]</ssn>"), "{out}");
    assert!(out.contains("AT&amp;T SSN [SSN_2]"), "{out}");
    assert_eq!(out.matches('<').count(), xml.matches('<').count());

    let csv = "name,ssn,email\nZoe,123-45-6789,zoe@example.com\nAnn,212-56-7890,\"a, b\"\n";
    let (out, _, _) = run_file(&h, "/spreadsheet", "csv", csv.as_bytes(), json!({})).await;
    assert_clean(&out);
    let mut reader = csv::Reader::from_reader(out.as_slice());
    assert_eq!(reader.headers().unwrap().len(), 3);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.len() == 3));
    assert_eq!(&rows[1][2], "a, b");

    // The generic endpoint routes by data_format too.
    let (out, _, _) = run_file(&h, "", "txt", txt.as_bytes(), json!({})).await;
    assert_clean(&out);
}

/// A zip package with the given parts.
fn package(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in parts {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(content.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// The parts of a zip package.
fn unpack(bytes: &[u8]) -> Vec<(String, String)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut text = String::new();
            file.read_to_string(&mut text).unwrap();
            (file.name().unwrap().into_owned(), text)
        })
        .collect()
}

fn count(xml: &str, tag: &str) -> usize {
    xml.matches(&format!("<{tag}>")).count() + xml.matches(&format!("<{tag} ")).count()
}

#[tokio::test]
async fn office_files_keep_their_parts_and_paragraphs() {
    let h = start().await;
    // A paragraph whose SSN is split across two runs.
    let document = r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>SSN 123-45</w:t></w:r><w:r><w:t>-6789 and mail</w:t></w:r></w:p><w:p><w:r><w:t xml:space="preserve">zoe@example.com </w:t></w:r></w:p><w:p/></w:body></w:document>"#;
    let docx = package(&[
        ("[Content_Types].xml", "<Types/>"),
        ("word/document.xml", document),
    ]);
    let (out, _, _) = run_file(&h, "/document", "docx", &docx, json!({})).await;
    let parts = unpack(&out);
    assert_eq!(parts.len(), 2);
    let body = &parts
        .iter()
        .find(|(n, _)| n == "word/document.xml")
        .unwrap()
        .1;
    assert_clean(body.as_bytes());
    assert_eq!(count(body, "w:p") + body.matches("<w:p/>").count(), 3);
    assert!(body.contains("<w:t>SSN [SSN_1]</w:t>"), "{body}");
    assert!(body.contains("<w:t> and mail</w:t>"), "{body}");

    let slide = r#"<p:sld xmlns:p="p" xmlns:a="a"><p:txBody><a:p><a:r><a:t>Call SSN 212-56-7890</a:t></a:r></a:p><a:p><a:r><a:t>zoe@example.com</a:t></a:r></a:p></p:txBody></p:sld>"#;
    let pptx = package(&[
        ("ppt/slides/slide1.xml", slide),
        ("ppt/slides/slide2.xml", slide),
        ("ppt/presentation.xml", "<p/>"),
    ]);
    let (out, _, run) = run_file(&h, "/presentation", "pptx", &pptx, json!({})).await;
    assert_eq!(run["slides"], 2);
    let parts = unpack(&out);
    assert_eq!(parts.len(), 3);
    for (name, xml) in &parts {
        assert_clean(xml.as_bytes());
        if name.starts_with("ppt/slides/") {
            assert_eq!(count(xml, "a:p"), 2, "{xml}");
        }
    }

    let shared = r#"<sst xmlns="x" count="2"><si><t>123-45-6789</t></si><si><r><t>mail zoe@</t></r><r><t>example.com</t></r></si></sst>"#;
    let sheet = r#"<worksheet xmlns="x"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>SSN 212-56-7890</t></is></c><c r="C1"><v>42</v></c></row></sheetData></worksheet>"#;
    let xlsx = package(&[
        ("xl/sharedStrings.xml", shared),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/workbook.xml", "<workbook/>"),
    ]);
    let (out, _, _) = run_file(&h, "/spreadsheet", "xlsx", &xlsx, json!({})).await;
    let parts = unpack(&out);
    assert_eq!(parts.len(), 3);
    for (name, xml) in &parts {
        assert_clean(xml.as_bytes());
        if name == "xl/sharedStrings.xml" {
            assert_eq!(count(xml, "si"), 2, "{xml}");
        }
        if name == "xl/worksheets/sheet1.xml" {
            assert!(xml.contains("<v>42</v>"), "{xml}");
        }
    }
}

#[tokio::test]
async fn file_errors_are_envelopes() {
    let h = start().await;
    let vault = h.vault();
    let post = |path: &'static str, body: Value| {
        let h = &h;
        async move { h.call(Method::POST, path, Some(body)).await }
    };
    let file = |format: &str| json!({"base64": B64.encode("hi"), "data_format": format});
    let reply = post(
        "/v1/detect/deidentify/file/image",
        json!({"file": file("png"), "vault_id": vault}),
    )
    .await;
    assert!(reply.expect_error(400).contains("png"));
    let reply = post(
        "/v1/detect/deidentify/file/audio",
        json!({"file": file("wav"), "vault_id": vault}),
    )
    .await;
    assert!(reply.expect_error(400).contains("wav"));
    let reply = post(
        "/v1/detect/deidentify/file/text",
        json!({"file": file("csv"), "vault_id": vault}),
    )
    .await;
    assert!(reply.expect_error(400).contains("data_format"));
    let reply = post(
        "/v1/detect/deidentify/file/image",
        json!({"file": file("png"), "vault_id": vault, "masking_method": "smudge"}),
    )
    .await;
    assert!(reply.expect_error(400).contains("masking_method"));
    let reply = post(
        "/v1/detect/deidentify/file/text",
        json!({"file": {"base64": "***", "data_format": "txt"}, "vault_id": vault}),
    )
    .await;
    assert!(reply.expect_error(400).contains("file.base64"));
    let reply = post("/v1/detect/deidentify/file/spreadsheet", json!({"file": file("xlsx"), "vault_id": vault, "transformations": {"shift_dates": {"min_days": 1, "max_days": 2}}})).await;
    assert!(reply.expect_error(400).contains("transformations"));

    // A file that is not what it says fails its run, with the reason.
    let reply = post(
        "/v1/detect/deidentify/file/document",
        json!({"file": file("docx"), "vault_id": vault}),
    )
    .await;
    let run_id = reply.ok()["run_id"].as_str().unwrap().to_owned();
    let run = h
        .call(
            Method::GET,
            &format!("/v1/detect/runs/{run_id}?vault_id={vault}"),
            None,
        )
        .await;
    assert_eq!(run.ok()["status"], "FAILED");
    assert!(run.ok()["message"].as_str().unwrap().contains("DOCX"));

    let reply = h
        .call(
            Method::GET,
            &format!("/v1/detect/runs/no-such-run?vault_id={vault}"),
            None,
        )
        .await;
    reply.expect_error(404);
    let reply = h
        .call(Method::GET, "/v1/detect/runs/no-such-run", None)
        .await;
    assert!(reply.expect_error(400).contains("vault_id"));
}

/// A PDF with one page per entry, each page's text shown by the given operations.
fn pdf_with(pages: Vec<Vec<lopdf::content::Operation>>) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(
        dictionary! {"Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica"},
    );
    let resources = doc.add_object(dictionary! {"Font" => dictionary! {"F1" => font}});
    let count = pages.len() as i64;
    let mut kids = Vec::new();
    for shows in pages {
        let mut operations = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("Td", vec![50.into(), 700.into()]),
        ];
        operations.extend(shows);
        operations.push(Operation::new("ET", vec![]));
        let content = Content { operations }.encode().unwrap();
        let content = doc.add_object(Stream::new(dictionary! {}, content));
        let page = doc.add_object(
            dictionary! {"Type" => "Page", "Parent" => pages_id, "Contents" => content},
        );
        kids.push(Object::Reference(page));
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => count, "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog = doc.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages_id});
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// The strings every page of a PDF shows, page by page.
fn pdf_strings(bytes: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(bytes).unwrap();
    doc.get_pages()
        .into_values()
        .map(|page| {
            let content = lopdf::content::Content::decode(&doc.get_page_content(page)).unwrap();
            let mut text = String::new();
            for op in content.operations {
                for operand in op.operands {
                    let strings = match operand {
                        lopdf::Object::Array(items) => items,
                        other => vec![other],
                    };
                    for s in strings {
                        if let lopdf::Object::String(bytes, _) = s {
                            text.extend(bytes.iter().map(|&b| char::from(b)));
                            text.push('|');
                        }
                    }
                }
            }
            text
        })
        .collect()
}

#[tokio::test]
async fn pdf_text_is_rewritten_page_by_page() {
    use lopdf::Object;
    use lopdf::content::Operation;
    let h = start().await;
    let show = |s: &str| Operation::new("Tj", vec![Object::string_literal(s)]);
    let pdf = pdf_with(vec![
        vec![
            show("Patient SSN 123-45-6789"),
            show("mail zoe@example.com"),
        ],
        vec![Operation::new(
            "TJ",
            vec![Object::Array(vec![
                Object::string_literal("SSN 212-56"),
                (-20).into(),
                Object::string_literal("-7890 end"),
            ])],
        )],
    ]);
    let (out, entities, run) = run_file(
        &h,
        "/document/pdf",
        "pdf",
        &pdf,
        json!({"density": 300, "max_resolution": 2000}),
    )
    .await;
    assert_eq!(run["pages"], 2);
    assert_eq!(entities.as_array().unwrap().len(), 3);
    let pages = pdf_strings(&out);
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0], "Patient SSN [SSN_1]|mail [EMAIL_ADDRESS_1]|");
    assert_eq!(pages[1], "SSN [SSN_2]| end|");
    for page in &pages {
        assert_clean(page.as_bytes());
    }
    assert_clean(&out);
    // The document endpoint takes PDFs too.
    let (out, _, _) = run_file(&h, "/document", "pdf", &pdf, json!({})).await;
    assert_eq!(pdf_strings(&out).len(), 2);
}

/// A run cut off before it finished (the emulator stopped mid-run: `kill -9`, a crash) reads
/// FAILED after the restart, telling the client to submit the file again, instead of
/// `IN_PROGRESS` forever; a finished run keeps its result.
#[tokio::test]
async fn a_run_cut_off_by_a_restart_reads_failed_and_a_finished_run_keeps_its_result() {
    let dir = tempfile::tempdir().unwrap();
    let options = || skyflow_emulator::EmulatorOptions::with_data_dir(dir.path());
    let h = start_with(options()).await;
    let text = b"SSN 123-45-6789, mail zoe@example.com";
    let kept = submit_file(&h, "", "txt", text, json!({})).await;
    let cut = submit_file(&h, "", "txt", text, json!({})).await;
    for id in [&kept, &cut] {
        assert_eq!(finished_run(&h, id).await["status"], "SUCCESS");
    }
    let vault = h.vault();
    h.emulator.shutdown().await;

    // What a process killed while de-identifying the second file leaves in its store: the
    // run's state as stored when it was accepted.
    {
        let engine = Engine::open(EngineConfig::on_disk(dir.path())).unwrap();
        let key = format!("detect-run/{vault}/{cut}");
        let mut state: Value =
            serde_json::from_slice(&engine.meta_get(&key).unwrap().expect("the run is stored"))
                .unwrap();
        state["status"] = json!("IN_PROGRESS");
        state["output"] = json!([]);
        engine
            .meta_put(&key, &serde_json::to_vec(&state).unwrap())
            .unwrap();
    }

    let h = start_with(options()).await;
    for _ in 0..2 {
        let run = finished_run(&h, &cut).await;
        assert_eq!(run["status"], "FAILED", "{run}");
        let message = run["message"].as_str().unwrap();
        assert!(
            message.contains("interrupted") && message.contains("Submit the file again"),
            "{message}"
        );
        assert_eq!(run["output"], json!([]));
    }
    let run = finished_run(&h, &kept).await;
    assert_eq!(run["status"], "SUCCESS", "{run}");
    assert_eq!(run["output"][0]["processedFileType"], "redacted_file");
}
