//! Every Detect operation and option through the client, end to end against the real
//! emulator started in-process on 127.0.0.1. (The emulator's own HTTP tests validate the
//! same responses against Skyflow's Detect OpenAPI document.)

#[path = "support/emulator.rs"]
mod emulator;

use std::io::{Cursor, Read, Write};
use std::time::Duration;

use emulator::start;
use skyflow_client::DetectClient;
use skyflow_client::detect::{
    Bleep, DateShift, DeidentifyFileRequest, DeidentifyTextRequest, EntityType, FileCategory,
    GetDetectRunRequest, MaskingMethod, ReidentifyTextRequest, RunStatus, TokenFormat, TokenType,
    Transcription, Transformations,
};

async fn detect() -> (emulator::Vault, DetectClient) {
    let vault = start().await;
    let detect = vault.client.default_detect().expect("detect handle");
    (vault, detect)
}

const TEXT: &str =
    "Zoë’s SSN is 123-45-6789 🙂 and her mail zoe@example.com; SSN again 123-45-6789 — fin";

#[tokio::test]
async fn deidentify_text_with_counters_positions_and_scores() {
    let (_vault, detect) = detect().await;
    let request =
        DeidentifyTextRequest::new(TEXT).entities([EntityType::Ssn, EntityType::EmailAddress]);
    let response = detect.deidentify_text(&request).await.unwrap();
    assert_eq!(
        response.processed_text(),
        "Zoë’s SSN is [SSN_1] 🙂 and her mail [EMAIL_ADDRESS_1]; SSN again [SSN_1] — fin"
    );
    assert_eq!(response.entities().len(), 3);
    assert_eq!(response.char_count(), TEXT.chars().count() as u64);
    assert!(response.word_count() > 0);
    for entity in response.entities() {
        assert_eq!(entity.text_index().slice(TEXT), entity.value());
        assert_eq!(
            entity.processed_index().slice(response.processed_text()),
            format!("[{}]", entity.token())
        );
        assert!(entity.scores()[entity.entity()] > 0.0);
    }
    assert_eq!(response.entities()[0].entity_type(), Some(EntityType::Ssn));
    // Debug shows neither values nor the processed text.
    let debug = format!("{response:?}");
    assert!(
        !debug.contains("123-45-6789") && !debug.contains("SSN_1"),
        "{debug}"
    );
}

#[tokio::test]
async fn token_formats_regexes_and_date_shift() {
    let (_vault, detect) = detect().await;
    let request = DeidentifyTextRequest::new(TEXT)
        .entities([EntityType::Ssn, EntityType::EmailAddress])
        .token_format(
            TokenFormat::new(TokenType::VaultToken)
                .entity_only([EntityType::Ssn])
                .entity_unique_counter([EntityType::EmailAddress]),
        );
    let response = detect.deidentify_text(&request).await.unwrap();
    assert_eq!(
        response.processed_text(),
        "Zoë’s SSN is [SSN] 🙂 and her mail [EMAIL_ADDRESS_1]; SSN again [SSN] — fin"
    );

    let request = DeidentifyTextRequest::new(TEXT)
        .entities([EntityType::Ssn, EntityType::EmailAddress])
        .allow_regex(["example\\.com"])
        .restrict_regex(["\\d{3}-\\d{2}-\\d{4}"]);
    let response = detect.deidentify_text(&request).await.unwrap();
    assert_eq!(
        response.processed_text(),
        "Zoë’s SSN is [RESTRICTED] 🙂 and her mail zoe@example.com; SSN again [RESTRICTED] — fin"
    );

    let text = "Admitted 2024-01-10, discharged 2024-01-20.";
    let request = DeidentifyTextRequest::new(text)
        .entities([EntityType::Date, EntityType::Dob])
        .transformations(
            Transformations::new()
                .shift_dates(DateShift::new(5, 9).entities([EntityType::Date, EntityType::Dob])),
        );
    let response = detect.deidentify_text(&request).await.unwrap();
    let dates: Vec<chrono::NaiveDate> = response
        .entities()
        .iter()
        .map(|e| chrono::NaiveDate::parse_from_str(e.token(), "%Y-%m-%d").unwrap())
        .collect();
    assert_eq!(dates.len(), 2, "{response:?}");
    let shift = (dates[0] - chrono::NaiveDate::from_ymd_opt(2024, 1, 10).unwrap()).num_days();
    assert!((5..=9).contains(&shift), "{shift}");
    assert_eq!((dates[1] - dates[0]).num_days(), 10);
    for entity in response.entities() {
        assert_eq!(
            entity.processed_index().slice(response.processed_text()),
            entity.token()
        );
    }
}

#[tokio::test]
async fn vault_tokens_round_trip_with_every_format() {
    let (_vault, detect) = detect().await;
    let request = DeidentifyTextRequest::new(TEXT)
        .entities([EntityType::Ssn, EntityType::EmailAddress])
        .token_format(TokenFormat::new(TokenType::VaultToken));
    let response = detect.deidentify_text(&request).await.unwrap();
    let processed = response.processed_text();
    assert!(!processed.contains("123-45-6789") && !processed.contains("zoe@example.com"));
    for entity in response.entities() {
        assert_eq!(entity.text_index().slice(TEXT), entity.value());
        assert_eq!(
            entity.processed_index().slice(processed),
            format!("[{}]", entity.token())
        );
    }

    let plain = detect
        .reidentify_text(&ReidentifyTextRequest::new(processed))
        .await
        .unwrap();
    assert_eq!(plain.processed_text(), TEXT);

    let mixed = detect
        .reidentify_text(
            &ReidentifyTextRequest::new(processed)
                .redacted_entities([EntityType::EmailAddress])
                .masked_entities([EntityType::Ssn]),
        )
        .await
        .unwrap();
    assert_eq!(
        mixed.processed_text(),
        "Zoë’s SSN is XXX-XX-6789 🙂 and her mail *REDACTED*; SSN again XXX-XX-6789 — fin"
    );
    let explicit = detect
        .reidentify_text(
            &ReidentifyTextRequest::new(processed).plain_text_entities([EntityType::All]),
        )
        .await
        .unwrap();
    assert_eq!(explicit.processed_text(), TEXT);
}

#[tokio::test]
async fn errors_name_the_field_locally_and_from_the_emulator() {
    let (_vault, detect) = detect().await;
    let err = detect
        .deidentify_text(&DeidentifyTextRequest::new("   "))
        .await
        .unwrap_err();
    assert!(err.is_validation());
    assert_eq!(err.field(), Some("text"));
    assert_eq!(err.operation(), Some("DeidentifyTextRequest"));

    let err = detect
        .deidentify_text(&DeidentifyTextRequest::new("x").allow_regex(["(unclosed"]))
        .await
        .unwrap_err();
    assert!(err.is_api());
    assert_eq!(err.status(), Some(400));
    assert!(err.message().contains("allow_regex[0]"), "{err}");

    let err = detect
        .deidentify_text(&DeidentifyTextRequest::new("x").entities([EntityType::Trend]))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.message().contains("trend"), "{err}");

    let err = detect
        .get_detect_run(&GetDetectRunRequest::new("no-such-run"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(err.is_not_found());

    let err = detect
        .deidentify_file(&DeidentifyFileRequest::from_bytes(
            "scan.png",
            vec![0x89, b'P', b'N', b'G'],
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.message().contains("png"), "{err}");

    let err = detect
        .deidentify_file(
            &DeidentifyFileRequest::from_bytes("a.txt", "x").wait_time(Duration::from_secs(65)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("wait_time"));
}

#[tokio::test]
async fn files_from_path_bytes_and_reader_are_routed_polled_and_written() {
    let (_vault, detect) = detect().await;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("notes.txt");
    std::fs::write(&input, "Patient SSN 123-45-6789, mail zoe@example.com.\n").unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();

    let request = DeidentifyFileRequest::from_path(&input)
        .entities([EntityType::Ssn, EntityType::EmailAddress])
        .transformations(Transformations::new().shift_dates(DateShift::new(1, 2)))
        .output_directory(&out)
        .wait_time(Duration::from_secs(10));
    assert_eq!(request.category(), FileCategory::Text);
    let response = detect.deidentify_file(&request).await.unwrap();
    assert_eq!(response.status(), &RunStatus::Success);
    let file = response.file().unwrap();
    assert_eq!(file.file_type(), "redacted_file");
    assert_eq!(file.extension(), Some("txt"));
    let text = std::str::from_utf8(file.bytes()).unwrap();
    assert_eq!(text, "Patient SSN [SSN_1], mail [EMAIL_ADDRESS_1].\n");
    assert_eq!(response.entities().count(), 1);
    assert!(response.word_count().unwrap() > 0);
    assert!(response.char_count().unwrap() > 0);
    assert_eq!(response.written_files().len(), 2);
    assert_eq!(
        std::fs::read(out.join("processed-notes.txt")).unwrap(),
        file.bytes().as_ref()
    );
    let entities: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("processed-notes-entities.json")).unwrap())
            .unwrap();
    assert_eq!(entities.as_array().unwrap().len(), 2);

    // The same run, fetched again by id.
    let run = detect
        .get_detect_run(&GetDetectRunRequest::new(response.run_id()))
        .await
        .unwrap();
    assert_eq!(run.status(), &RunStatus::Success);
    assert_eq!(run.file().unwrap().bytes(), file.bytes());

    // Bytes: JSON keeps its keys.
    let json = r#"{"ssn":"123-45-6789","nested":{"email":"zoe@example.com","n":3}}"#;
    let response = detect
        .deidentify_file(
            &DeidentifyFileRequest::from_bytes("record.json", json)
                .entities([EntityType::Ssn, EntityType::EmailAddress]),
        )
        .await
        .unwrap();
    let parsed: serde_json::Value =
        serde_json::from_slice(response.file().unwrap().bytes()).unwrap();
    assert_eq!(parsed["nested"]["n"], 3);
    assert_eq!(parsed["ssn"], "[SSN_1]");
    assert_eq!(parsed["nested"]["email"], "[EMAIL_ADDRESS_1]");

    // An async reader: a CSV keeps its shape.
    let csv = "name,ssn\nZoe,123-45-6789\nAnn,212-56-7890\n";
    let request = DeidentifyFileRequest::from_reader("people.csv", csv.as_bytes())
        .await
        .unwrap()
        .entities([EntityType::Ssn]);
    assert_eq!(request.category(), FileCategory::Spreadsheet);
    let response = detect.deidentify_file(&request).await.unwrap();
    let out = std::str::from_utf8(response.file().unwrap().bytes()).unwrap();
    assert_eq!(out, "name,ssn\nZoe,[SSN_1]\nAnn,[SSN_2]\n");

    // A DOCX keeps its paragraphs.
    let document = r#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>SSN 123-45-6789</w:t></w:r></w:p><w:p><w:r><w:t>mail zoe@example.com</w:t></w:r></w:p></w:body></w:document>"#;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(document.as_bytes()).unwrap();
    let docx = zip.finish().unwrap().into_inner();
    let response = detect
        .deidentify_file(
            &DeidentifyFileRequest::from_bytes("letter.docx", docx)
                .entities([EntityType::Ssn, EntityType::EmailAddress]),
        )
        .await
        .unwrap();
    let mut archive =
        zip::ZipArchive::new(Cursor::new(response.file().unwrap().bytes().to_vec())).unwrap();
    let mut body = String::new();
    archive
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut body)
        .unwrap();
    assert_eq!(body.matches("<w:p>").count(), 2);
    assert!(
        !body.contains("123-45-6789") && !body.contains("zoe@example.com"),
        "{body}"
    );
}

#[tokio::test]
async fn type_options_are_sent_and_refused_types_say_so() {
    let (_vault, detect) = detect().await;
    // Image and audio options reach the emulator, which refuses the types with a reason.
    let image = DeidentifyFileRequest::from_bytes("scan.jpg", "x")
        .output_processed_image(true)
        .output_ocr_text(true)
        .masking_method(MaskingMethod::Blackbox);
    let err = detect.deidentify_file(&image).await.unwrap_err();
    assert!(err.message().contains("OCR"), "{err}");
    let audio = DeidentifyFileRequest::from_bytes("call.mp3", "x")
        .output_transcription(Transcription::Diarized)
        .output_processed_audio(true)
        .bleep(Bleep::new(-3.0, 1000.0, 0.1, 0.2));
    let err = detect.deidentify_file(&audio).await.unwrap_err();
    assert!(err.message().contains("mp3"), "{err}");
    // PDF options are accepted; a file that is no PDF fails its run.
    let pdf = DeidentifyFileRequest::from_bytes("form.pdf", "%PDF-1.4")
        .pixel_density(300)
        .max_resolution(2000);
    let response = detect.deidentify_file(&pdf).await.unwrap();
    assert_eq!(response.status(), &RunStatus::Failed);
    assert!(response.message().unwrap().contains("PDF"), "{response:?}");

    // A run that fails comes back FAILED with the emulator's reason.
    let broken = DeidentifyFileRequest::from_bytes("broken.xlsx", "not a zip");
    let response = detect.deidentify_file(&broken).await.unwrap();
    assert_eq!(response.status(), &RunStatus::Failed);
    assert!(response.message().unwrap().contains("XLSX"));
    assert!(response.file().is_none());
}
