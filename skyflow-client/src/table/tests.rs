//! Round trips and views of a derived struct, inside the crate (`crate = "crate"`).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::redaction::{ReadMode, ReadPlan};
use super::*;
use crate::vault::RedactionType;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Tier {
    Gold,
    Silver,
}

#[derive(Debug, Clone, PartialEq, crate::VaultTable)]
#[vault(table = "everything", crate = "crate")]
struct Everything {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    text: String,
    #[vault(column = "unicode_text")]
    unicode: String,
    small: i8,
    int: i64,
    big: u64,
    ratio: f64,
    tiny_ratio: f32,
    flag: bool,
    born: NaiveDate,
    seen_local: NaiveDateTime,
    seen_utc: DateTime<Utc>,
    seen_offset: DateTime<FixedOffset>,
    #[vault(unique)]
    email: String,
    nickname: Option<String>,
    age: Option<u32>,
    score: Option<f64>,
    tier: Tier,
    tags: Vec<String>,
    #[vault(redaction = "masked")]
    ssn: Sensitive<String>,
    #[vault(skip)]
    cache: Option<String>,
}

fn sample() -> Everything {
    Everything {
        id: None,
        text: "it's \"quoted\"\nand multi-line".into(),
        unicode: "Zoë 🚀 Ωmega".into(),
        small: -128,
        int: i64::MIN,
        big: u64::MAX,
        ratio: 0.1 + 0.2,
        tiny_ratio: 1.0e-7,
        flag: true,
        born: NaiveDate::from_ymd_opt(1984, 2, 29).unwrap(),
        seen_local: NaiveDate::from_ymd_opt(2024, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 59, 123_456_789)
            .unwrap(),
        seen_utc: DateTime::parse_from_rfc3339("2025-01-02T03:04:05.678Z")
            .unwrap()
            .with_timezone(&Utc),
        seen_offset: DateTime::parse_from_rfc3339("2025-06-30T12:00:00+05:30").unwrap(),
        email: "jane@example.com".into(),
        nickname: Some("JJ".into()),
        age: None,
        score: Some(-1.5e300),
        tier: Tier::Gold,
        tags: vec!["a".into(), "b".into()],
        ssn: Sensitive::new("123-45-6789".into()),
        cache: Some("not stored".into()),
    }
}

/// Sends a field map through JSON text, as the wire does.
fn over_the_wire(fields: &FieldMap) -> FieldMap {
    serde_json::from_str(&serde_json::to_string(fields).unwrap()).unwrap()
}

#[test]
fn every_supported_type_round_trips_exactly() {
    let original = sample();
    let mut fields = over_the_wire(&original.to_insert_fields().unwrap());
    fields.insert("skyflow_id".into(), json!("id-1"));
    let back = Everything::from_fields(&fields).unwrap();

    let mut expected = original.clone();
    expected.id = Some(SkyflowId::new("id-1"));
    expected.cache = None; // skipped fields come back as Default
    assert_eq!(back, expected);
    assert_eq!(back.ratio.to_bits(), original.ratio.to_bits());
    assert_eq!(back.tiny_ratio.to_bits(), original.tiny_ratio.to_bits());
}

#[test]
fn insert_fields_omit_nulls_skip_fields_and_the_id() {
    let mut record = sample();
    record.id = Some(SkyflowId::new("id-1"));
    let fields = record.to_insert_fields().unwrap();
    assert!(!fields.contains_key("age"), "None is omitted on insert");
    assert!(!fields.contains_key("cache"), "skipped fields are not sent");
    assert!(!fields.contains_key("id") && !fields.contains_key("skyflow_id"));
    assert_eq!(fields["unicode_text"], json!("Zoë 🚀 Ωmega"));
    assert_eq!(fields["born"], json!("1984-02-29"));
    assert_eq!(fields["seen_utc"], json!("2025-01-02T03:04:05.678Z"));
    assert_eq!(fields["seen_offset"], json!("2025-06-30T12:00:00+05:30"));
    assert_eq!(fields["big"], json!(u64::MAX));
    assert_eq!(fields["tier"], json!("gold"));
    assert_eq!(fields["ssn"], json!("123-45-6789"));
    assert_eq!(fields.len(), Everything::COLUMNS.len() - 1);
}

#[test]
fn update_fields_keep_nulls_to_clear_columns() {
    let fields = sample().to_update_fields().unwrap();
    assert_eq!(fields["age"], Value::Null);
    assert_eq!(fields.len(), Everything::COLUMNS.len());
}

#[test]
fn missing_optional_columns_read_as_none() {
    let mut fields = sample().to_insert_fields().unwrap();
    fields.remove("nickname");
    let back = Everything::from_fields(&fields).unwrap();
    assert_eq!(back.nickname, None);
    assert_eq!(back.id, None);
}

#[test]
fn decode_errors_name_the_column_but_never_the_value() {
    let mut fields = sample().to_insert_fields().unwrap();
    fields.insert("int".into(), json!("secret-4111"));
    let err = Everything::from_fields(&fields).unwrap_err();
    assert!(err.is_decode());
    assert_eq!(err.field(), Some("int"));
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains("`int`") && shown.contains("everything"),
        "{shown}"
    );
    assert!(shown.contains("i64"), "{shown}");
    assert!(!shown.contains("secret"), "{shown}");

    fields.remove("text");
    fields.insert("int".into(), json!(1));
    let err = Everything::from_fields(&fields).unwrap_err();
    assert!(err.message().contains("missing"), "{}", err.message());
}

#[test]
fn detokenized_strings_convert_to_numbers_booleans_and_dates() {
    type Plain = PlainText;
    assert_eq!(
        <Plain as ReadMode>::decode::<EverythingInt>(Some(&json!("-42"))).unwrap(),
        -42
    );
    assert_eq!(
        <Plain as ReadMode>::decode::<EverythingRatio>(Some(&json!("0.30000000000000004")))
            .unwrap()
            .to_bits(),
        (0.1_f64 + 0.2).to_bits()
    );
    assert!(<Plain as ReadMode>::decode::<EverythingFlag>(Some(&json!("true"))).unwrap());
    assert_eq!(
        <Plain as ReadMode>::decode::<EverythingAge>(Some(&json!("7"))).unwrap(),
        Some(7)
    );
    assert_eq!(
        <Plain as ReadMode>::decode::<EverythingBorn>(Some(&json!("1984-02-29"))).unwrap(),
        NaiveDate::from_ymd_opt(1984, 2, 29).unwrap()
    );
    // A string column keeps digits as text.
    assert_eq!(
        <Plain as ReadMode>::decode::<EverythingText>(Some(&json!("42"))).unwrap(),
        "42"
    );
    assert!(<Plain as ReadMode>::decode::<EverythingInt>(Some(&json!("4x"))).is_err());
}

fn masked_record() -> FieldMap {
    let mut fields = FieldMap::new();
    fields.insert("skyflow_id".into(), json!("id-9"));
    for column in Everything::COLUMNS {
        fields.insert(column.name().into(), json!(format!("X-{}", column.name())));
    }
    fields.insert("age".into(), Value::Null);
    fields
}

#[test]
fn masked_view_holds_masked_text_only() {
    let view = EverythingView::<Masked>::from_record(&masked_record()).unwrap();
    assert_eq!(view.id.as_str(), "id-9");
    let ssn: &MaskedValue<Sensitive<String>> = &view.ssn;
    assert_eq!(ssn.as_str(), Some("X-ssn"));
    // The int column was masked into text that is not an integer: still fine.
    assert_eq!(view.int.as_str(), Some("X-int"));
    assert!(view.age.is_null());
    let cloned = view.clone();
    assert_eq!(cloned.ssn, view.ssn);
}

#[test]
fn redacted_and_default_views() {
    let redacted = EverythingView::<Redacted>::from_record(&masked_record()).unwrap();
    assert_eq!(redacted.email.as_str(), Some("X-email"));
    let default = EverythingView::<VaultDefault>::from_record(&masked_record()).unwrap();
    assert_eq!(default.text.expose_unverified(), Some("X-text"));
    let shown = format!("{default:?}");
    assert!(!shown.contains("X-text"), "{shown}");
}

#[test]
fn field_default_view_follows_each_fields_redaction() {
    let view = EverythingView::<FieldDefault>::from_record(&masked_record()).unwrap();
    let ssn: MaskedValue<Sensitive<String>> = view.ssn;
    let text: DefaultRedacted<String> = view.text;
    assert_eq!(ssn.as_str(), Some("X-ssn"));
    assert_eq!(text.expose_unverified(), Some("X-text"));
    assert_eq!(
        FieldDefault::plan_of::<EverythingSsn>(),
        ReadPlan::Redaction(RedactionType::Masked)
    );
    assert_eq!(
        FieldDefault::plan_of::<EverythingText>(),
        ReadPlan::Redaction(RedactionType::Default)
    );
}

#[test]
fn tokens_view_has_one_typed_token_per_column() {
    let mut fields = masked_record();
    fields.insert("ssn".into(), json!("tok-ssn-secret"));
    let tokens = EverythingTokens::from_record(&fields).unwrap();
    let ssn: Option<Token<EverythingSsn>> = tokens.ssn.clone();
    assert_eq!(ssn.unwrap().expose(), "tok-ssn-secret");
    assert!(tokens.age.is_none());
    let shown = format!("{tokens:?}");
    assert!(!shown.contains("tok-ssn-secret"), "{shown}");
    assert!(shown.contains("EverythingView"), "{shown}");

    fields.insert("ssn".into(), json!(5));
    let err = EverythingTokens::from_record(&fields).unwrap_err();
    assert!(err.message().contains("token"), "{}", err.message());
}

#[test]
fn views_need_an_id() {
    let mut fields = masked_record();
    fields.remove("skyflow_id");
    assert!(EverythingView::<Masked>::from_record(&fields).is_err());
}

#[test]
fn plain_view_debug_hides_plaintext() {
    let mut fields = sample().to_insert_fields().unwrap();
    fields.insert("skyflow_id".into(), json!("id-1"));
    let view = EverythingView::<PlainText>::from_record(&fields).unwrap();
    assert_eq!(view.email, "jane@example.com");
    let shown = format!("{view:?}");
    assert!(!shown.contains("jane@example.com"), "{shown}");
    assert!(!shown.contains("123-45-6789"), "{shown}");
    assert!(shown.contains("id-1"), "{shown}");
}

#[test]
fn metadata_lists_columns_in_field_order() {
    assert_eq!(Everything::TABLE, "everything");
    assert_eq!(Everything::SKYFLOW_ID_FIELD, "id");
    let names: Vec<_> = Everything::COLUMNS.iter().map(ColumnInfo::name).collect();
    assert_eq!(names[..3], ["text", "unicode_text", "small"]);
    assert!(!names.contains(&"cache"));
    let seen = Everything::column("seen_offset").unwrap();
    assert_eq!(seen.rust_type(), "DateTime<FixedOffset>");
    let email = Everything::column("email").unwrap();
    assert!(email.is_unique());
    assert_eq!(
        Everything::column("ssn").unwrap().redaction(),
        RedactionType::Masked
    );
    assert_eq!(EverythingUnicode::NAME, "unicode_text");
    assert_eq!(EverythingUnicode::FIELD, "unicode");
}

#[test]
fn set_skyflow_id_stores_the_id() {
    let mut record = sample();
    assert!(record.skyflow_id().is_none());
    record.set_skyflow_id(SkyflowId::new("id-2"));
    assert_eq!(record.skyflow_id().map(SkyflowId::as_str), Some("id-2"));
}

#[test]
fn update_distinguishes_unchanged_set_and_clear() {
    let update = Update::<Everything>::new()
        .set(Everything::TEXT, "new")
        .clear(Everything::NICKNAME)
        .patch(Everything::AGE, Patch::Unchanged)
        .patch(Everything::SCORE, Patch::Set(2.5));
    assert!(update.is_unchanged(Everything::AGE));
    assert!(!update.is_unchanged(Everything::NICKNAME));
    let shown = format!("{update:?}");
    assert!(!shown.contains("new\""), "{shown}");
    let fields = update.into_fields().unwrap();
    assert_eq!(
        Value::Object(fields),
        json!({"text": "new", "nickname": null, "score": 2.5})
    );

    let update = Update::<Everything>::new().patch(Everything::NICKNAME, Patch::Clear);
    assert_eq!(update.into_fields().unwrap()["nickname"], Value::Null);
    assert!(Update::<Everything>::new().is_empty());
}

#[test]
fn update_from_record_writes_every_column() {
    let fields = Update::from_record(&sample())
        .unwrap()
        .into_fields()
        .unwrap();
    assert_eq!(fields["age"], Value::Null);
    assert_eq!(fields.len(), Everything::COLUMNS.len());
    assert!(!fields.contains_key("skyflow_id"));
}

#[test]
fn get_by_column_uses_raw_strings() {
    let get = GetByColumn::new(Everything::EMAIL, ["a@x.com", "b@x.com"]);
    assert_eq!(get.column_name(), "email");
    assert_eq!(get.values(), ["a@x.com", "b@x.com"]);
    assert!(!format!("{get:?}").contains("a@x.com"));
}

#[test]
fn token_map_and_detokenize_are_typed_by_column() {
    let tokens = TokenMap::<Everything>::new()
        .with(Token::<EverythingSsn>::from_raw("t-ssn"))
        .with(Token::<EverythingEmail>::from_raw("t-email"));
    assert!(!format!("{tokens:?}").contains("t-ssn"));
    assert_eq!(tokens.columns().collect::<Vec<_>>(), ["email", "ssn"]);
    assert_eq!(
        Value::Object(tokens.into_fields()),
        json!({"ssn": "t-ssn", "email": "t-email"})
    );

    let born: NaiveDate = PlainText::decode::<EverythingBorn>(Some(&json!("2000-01-01"))).unwrap();
    assert_eq!(born, NaiveDate::from_ymd_opt(2000, 1, 1).unwrap());
    assert_eq!(
        Redacted::plan_of::<EverythingBorn>().to_string(),
        "REDACTED"
    );
    assert!(Redacted::decode::<EverythingBorn>(None).unwrap().is_null());
}

#[test]
fn select_builds_sql_from_typed_columns() {
    let sql = Select::<Everything>::new()
        .where_eq(Everything::EMAIL, "o'neil@x.com")
        .where_eq(Everything::FLAG, false)
        .where_eq(Everything::AGE, Some(30))
        .where_eq(
            Everything::BORN,
            NaiveDate::from_ymd_opt(1990, 1, 2).unwrap(),
        )
        .order_by(Everything::BORN, Order::Ascending)
        .order_by(Everything::INT, Order::Descending)
        .limit(5)
        .offset(10)
        .to_sql::<VaultDefault>()
        .unwrap();
    let columns: Vec<&str> = Everything::COLUMNS.iter().map(ColumnInfo::name).collect();
    let sql = sql.replace(&columns.join(", "), "<columns>");
    assert_eq!(
        sql,
        "SELECT skyflow_id, <columns> FROM everything WHERE email = 'o''neil@x.com' AND flag = FALSE \
         AND age = 30 AND born = '1990-01-02' ORDER BY born ASC, int DESC LIMIT 5 OFFSET 10"
    );
    let err = Select::<Everything>::new()
        .where_eq(Everything::TAGS, vec!["x".to_owned()])
        .to_sql::<PlainText>()
        .unwrap_err();
    assert_eq!(err.field(), Some("tags"));
}

#[test]
fn select_asks_for_the_modes_redaction_per_column() {
    let plain = Select::<Everything>::new().to_sql::<PlainText>().unwrap();
    assert!(plain.starts_with("SELECT skyflow_id, REDACTION(text, 'PLAIN_TEXT'), "));
    assert!(plain.contains("REDACTION(ssn, 'PLAIN_TEXT') FROM everything"));
    let per_field = Select::<Everything>::new()
        .to_sql::<FieldDefault>()
        .unwrap();
    assert!(per_field.contains(", text, "), "{per_field}");
    assert!(
        per_field.contains("REDACTION(ssn, 'MASKED')"),
        "{per_field}"
    );
}

#[test]
fn fields_selection_keeps_order_and_dedups() {
    let fields: Fields<Everything> = [
        AnyColumn::from(Everything::EMAIL),
        Everything::TEXT.into(),
        Everything::EMAIL.into(),
    ]
    .into_iter()
    .collect();
    assert_eq!(fields.names(), ["email", "text"]);
    assert_eq!(
        Fields::<Everything>::all().names().len(),
        Everything::COLUMNS.len()
    );
    assert_eq!(
        AnyColumn::from(Everything::SSN).info().redaction(),
        RedactionType::Masked
    );
}
