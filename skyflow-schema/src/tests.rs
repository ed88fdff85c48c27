//! The parser on the schema files the emulator ships, and on every kind of mistake.

use crate::{DataType, DlpPolicy, SchemaFile, TokenPolicy, VaultSchema};

const QUICKSTART: &str = include_str!("../../skyflow-emulator/schemas/quickstart.json");
const TABLE1: &str = include_str!("../../skyflow-emulator/schemas/table1.json");
const SAMPLE: &str = include_str!("../../skyflow-emulator/schemas/test-sample-schema.json");

fn field(name: &str, datatype: &str, tags: &str) -> String {
    format!(r#"{{"name":"{name}","datatype":"{datatype}","tags":[{tags}]}}"#)
}

fn tag(name: &str, values: &[&str]) -> String {
    let values: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    format!(r#"{{"name":"{name}","values":[{}]}}"#, values.join(","))
}

fn one_table(fields: &[String]) -> String {
    format!(
        r#"{{"schemas":[{{"name":"t","fields":[{}]}}]}}"#,
        fields.join(",")
    )
}

#[test]
fn reads_the_quickstart_vault() {
    let s = VaultSchema::from_json(QUICKSTART).unwrap();
    assert_eq!(s.name(), None);
    let names: Vec<&str> = s.tables().iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["credit_cards", "persons"]);
    let cc = s.table("credit_cards").unwrap();
    assert_eq!(cc.columns[0].name, "skyflow_id");
    assert!(cc.columns[0].unique && cc.columns[0].not_null);
    let card = cc.column("card_number").unwrap();
    assert_eq!(card.token_policy, Some(TokenPolicy::DeterministicFpt));
    assert_eq!(card.dlp_policy, DlpPolicy::Mask);
    assert!(card.fpt_regex.is_some());
    assert_eq!(card.find_pattern.as_deref(), Some("[0-9 -]*([0-9 -]{4}$)"));
    assert_eq!(card.validations.len(), 1);
    let cvv = cc.column("cvv").unwrap();
    assert!(cvv.is_transient());
    assert_eq!(cvv.ttl_minutes, 60);
    let persons = s.table("persons").unwrap();
    assert_eq!(
        persons.column("date_of_birth").unwrap().datatype,
        DataType::Date
    );
    assert!(!persons.column("name").unwrap().not_null);
    assert_eq!(s.column_group("persons.ssn").unwrap().len(), 1);
}

#[test]
fn reads_table1_with_every_datatype_it_uses() {
    let s = VaultSchema::from_json(TABLE1).unwrap();
    let t = s.table("table1").unwrap();
    for (column, datatype) in [
        ("email", DataType::String),
        ("age", DataType::Int32),
        ("amount", DataType::Float32),
        ("is_active", DataType::Bool),
        ("date_of_birth", DataType::Date),
        ("file", DataType::File),
    ] {
        assert_eq!(t.column(column).unwrap().datatype, datatype, "{column}");
    }
    assert!(t.column("email").unwrap().unique);
    assert!(!t.column("name").unwrap().unique);
}

#[test]
fn reads_an_export_with_children_and_enums() {
    let s = VaultSchema::from_json(SAMPLE).unwrap();
    assert_eq!(s.name(), Some("simpleVaultExample"));
    let t = s.table("table_1").unwrap();
    assert_eq!(t.column("age").unwrap().datatype, DataType::Int32);
    assert!(t.column("name.first_name").is_some());
    assert_eq!(
        t.column("marital_status").unwrap().predefined_values.len(),
        7
    );
    assert_eq!(
        t.column("ssn").unwrap().token_policy,
        Some(TokenPolicy::FormatPreservingToken)
    );
}

#[test]
fn reads_several_vaults_from_one_file() {
    let file = SchemaFile::parse(&format!("[{QUICKSTART}, {SAMPLE}]")).unwrap();
    assert_eq!(file.vaults().len(), 2);
    assert_eq!(file.vaults()[1].name(), Some("simpleVaultExample"));
    assert_eq!(file.tables_named("persons").count(), 1);
    assert_eq!(file.tables_named("nope").count(), 0);
    // Each vault keeps JSON of its own that reads back to the same schema.
    for vault in file.vaults() {
        assert_eq!(&VaultSchema::from_json(vault.to_json()).unwrap(), vault);
    }
    let err = VaultSchema::from_json(&format!("[{QUICKSTART}, {SAMPLE}]")).unwrap_err();
    assert!(err.message().contains("found 2 vaults"), "{err}");
}

#[test]
fn reads_every_datatype_and_setting() {
    let mut fields: Vec<String> = DataType::ALL
        .iter()
        .map(|d| field(&d.name()[3..].to_ascii_lowercase(), d.name(), ""))
        .collect();
    fields.push(field(
        "code",
        "DT_STRING",
        &[
            tag("skyflow.options.unique", &["true"]),
            tag("skyflow.options.configuration_tags", &["NOT_NULL", "INDEX"]),
            tag(
                "skyflow.options.default_token_policy",
                &["NON_DETERMINISTIC_TRANSIENT_UUID"],
            ),
            tag("skyflow.options.ttl", &["15"]),
            tag("skyflow.options.default_dlp_policy", &["REDACTED"]),
            tag("skyflow.options.replace_pattern", &["X${1}"]),
            tag("skyflow.validation.regular_exp", &["^[A-Z]+$", "^.{2,8}$"]),
            tag("skyflow.validation.predefinedvalues", &["AB", "CD"]),
            tag("skyflow.options.operation", &["EXACT_MATCH"]),
            tag("skyflow.options.column_group", &["codes"]),
            tag("skyflow.options.sensitivity", &["HIGH"]),
        ]
        .join(","),
    ));
    let json = one_table(&fields).replace(
        r#""name":"file""#,
        r#""name":"file","isArray":true,"isUnique":true"#,
    );
    let s = VaultSchema::from_json(&json).unwrap();
    let t = s.table("t").unwrap();
    for datatype in DataType::ALL {
        let name = datatype.name()[3..].to_ascii_lowercase();
        assert_eq!(t.column(&name).unwrap().datatype, datatype);
        assert_eq!(DataType::parse(datatype.name()), datatype);
    }
    assert!(t.column("file").unwrap().is_array && t.column("file").unwrap().unique);
    let code = t.column("code").unwrap();
    assert!(code.unique && code.not_null && code.is_transient());
    assert_eq!(code.ttl_minutes, 15);
    assert_eq!(code.dlp_policy, DlpPolicy::Redact);
    assert_eq!(code.validations, ["^[A-Z]+$", "^.{2,8}$"]);
    assert_eq!(code.predefined_values, ["AB", "CD"]);
    assert_eq!(code.operations, ["EXACT_MATCH"]);
    assert_eq!(code.replace_pattern.as_deref(), Some("X${1}"));
    assert_eq!(s.column_group("codes").unwrap().len(), 1);
    for (name, policy) in [
        ("DETERMINISTIC_UUID", TokenPolicy::DeterministicUuid),
        (
            "DETERMINISTIC_PRESERVE_EMAIL_DOMAIN",
            TokenPolicy::DeterministicPreserveEmailDomain,
        ),
        (
            "DETERMINISTIC_PRESERVE_LEFT_6_RIGHT_4",
            TokenPolicy::DeterministicPreserveLeft6Right4,
        ),
    ] {
        assert_eq!(TokenPolicy::parse(name), Some(policy));
        assert_eq!(policy.name(), name);
    }
}

#[test]
fn says_where_json_breaks() {
    let err =
        SchemaFile::parse("{\n  \"schemas\": [\n    {\"name\": \"t\",, }\n  ]\n}").unwrap_err();
    assert_eq!((err.line(), err.column().is_some()), (Some(3), true));
    assert!(err.to_string().starts_with("line 3, column "), "{err}");
    let err = SchemaFile::parse("{\"schemas\": [{\"name\": \"t\", \"fields\": {}}]}").unwrap_err();
    assert!(
        err.message()
            .contains("invalid type: map, expected a sequence"),
        "{err}"
    );
    assert_eq!(err.line(), Some(1));
    let err = SchemaFile::parse("").unwrap_err();
    assert!(err.message().contains("EOF"), "{err}");
}

#[test]
fn names_the_table_column_and_tag_of_a_bad_value() {
    let cases = [
        (
            one_table(&[field(
                "a",
                "DT_STRING",
                &tag("skyflow.options.default_token_policy", &["NOPE"]),
            )]),
            "table `t`, column `a`, tag `skyflow.options.default_token_policy`: unknown token policy `NOPE`",
        ),
        (
            one_table(&[field(
                "a",
                "DT_STRING",
                &tag("skyflow.options.default_dlp_policy", &["HIDE"]),
            )]),
            "table `t`, column `a`, tag `skyflow.options.default_dlp_policy`: unknown redaction policy `HIDE`",
        ),
        (
            one_table(&[field("a", "DT_STRING", &tag("skyflow.options.ttl", &["0"]))]),
            "tag `skyflow.options.ttl`: the TTL must be between 1 and 20160 minutes, not 0",
        ),
        (
            one_table(&[field(
                "a",
                "DT_STRING",
                &tag("skyflow.options.ttl", &["soon"]),
            )]),
            "`soon` is not a number of minutes",
        ),
        (
            one_table(&[field("a", "DT_STRING", ""), field("a", "DT_INT32", "")]),
            "table `t`, column `a`: this column is defined twice",
        ),
        (
            r#"{"schemas":[{"name":"t","fields":[]},{"name":"t","fields":[]}]}"#.to_owned(),
            "table `t`: this table is defined twice",
        ),
        (r#"{"schemas":[]}"#.to_owned(), "at least one table"),
        ("{}".to_owned(), "at least one table"),
        ("[]".to_owned(), "the list of vaults is empty"),
        (
            r#"[{"name":"v","schemas":[{"name":"t"}]},{"name":"v","schemas":[{"name":"u"}]}]"#
                .to_owned(),
            "vault `v`: this vault is defined twice",
        ),
        (
            r#"[{"name":"v","schemas":[{"name":"t","fields":[{"name":"a"},{"name":"a"}]}]}]"#
                .to_owned(),
            "vault `v`, table `t`, column `a`: this column is defined twice",
        ),
        (
            r#"[{"schemas":[{"fields":[]}]}]"#.to_owned(),
            "vault #1: missing field `name`",
        ),
    ];
    for (json, expected) in cases {
        let err = SchemaFile::parse(&json).unwrap_err().to_string();
        assert!(
            err.contains(expected),
            "{json}\n  gave: {err}\n  want: {expected}"
        );
    }
}

#[test]
fn column_groups_must_agree() {
    let grouped = |policy: &str| {
        let tags = |p: &str| {
            [
                tag("skyflow.options.column_group", &["g"]),
                tag("skyflow.options.default_token_policy", &[p]),
            ]
            .join(",")
        };
        one_table(&[
            field("a", "DT_STRING", &tags("DETERMINISTIC_UUID")),
            field("b", "DT_STRING", &tags(policy)),
        ])
    };
    let err = VaultSchema::from_json(&grouped("NON_DETERMINISTIC_UUID")).unwrap_err();
    assert_eq!(err.location(), Some("table `t`, column `b`"));
    assert!(err.message().contains("column group `g`"), "{err}");
    let s = VaultSchema::from_json(&grouped("DETERMINISTIC_UUID")).unwrap();
    assert_eq!(
        s.column_group("g").unwrap(),
        [
            ("t".to_owned(), "a".to_owned()),
            ("t".to_owned(), "b".to_owned())
        ]
    );
}

#[test]
fn redaction_rules_follow_the_datatype() {
    let maskable: Vec<DataType> = DataType::ALL
        .into_iter()
        .filter(|d| d.allows_masking())
        .collect();
    assert_eq!(
        maskable,
        [
            DataType::String,
            DataType::Date,
            DataType::Datetime,
            DataType::Time
        ]
    );
    let redactable = DataType::ALL
        .into_iter()
        .filter(|d| d.allows_redaction())
        .count();
    assert_eq!(redactable, DataType::ALL.len() - 1);
}
