//! Tests of schema parsing.

use super::*;

#[test]
fn parses_quickstart_tags() {
    let s = VaultSchema::quickstart();
    let cc = s.table("credit_cards").unwrap();
    let card = cc.column("card_number").unwrap();
    assert_eq!(card.token_policy, Some(TokenPolicy::DeterministicFpt));
    assert_eq!(card.dlp_policy, DlpPolicy::Mask);
    assert!(card.fpt_regex.is_some());
    assert_eq!(card.validations.len(), 1);
    let cvv = cc.column("cvv").unwrap();
    assert!(cvv.is_transient());
    assert_eq!(cvv.ttl_minutes, 60);
    let dob = s.table("persons").unwrap().column("date_of_birth").unwrap();
    assert_eq!(dob.datatype, DataType::Date);
    assert_eq!(cc.columns[0].name, "skyflow_id");
}

#[test]
fn parses_export_wrapper_and_children() {
    let json = include_str!("../../../schemas/test-sample-schema.json");
    let s = VaultSchema::from_json(json).unwrap();
    let t = s.table("table_1").unwrap();
    assert_eq!(t.column("age").unwrap().datatype, DataType::Int32);
    assert!(t.column("name.first_name").is_some());
    assert_eq!(
        t.column("marital_status").unwrap().predefined_values.len(),
        7
    );
}

#[test]
fn rejects_bad_schemas() {
    for bad in [
        "not json",
        r#"{"schemas":[]}"#,
        r#"{"schemas":[{"name":"t","fields":[{"name":"a","datatype":"DT_STRING","tags":[{"name":"skyflow.options.default_token_policy","values":["NOPE"]}]}]}]}"#,
        r#"{"schemas":[{"name":"t","fields":[{"name":"a","datatype":"DT_STRING","tags":[{"name":"skyflow.validation.regular_exp","values":["("]}]}]}]}"#,
        r#"{"schemas":[{"name":"t","fields":[{"name":"a","datatype":"DT_STRING","tags":[{"name":"skyflow.options.ttl","values":["0"]}]}]}]}"#,
        r#"{"schemas":[{"name":"t","fields":[{"name":"a"},{"name":"a"}]}]}"#,
    ] {
        assert!(VaultSchema::from_json(bad).is_err(), "{bad}");
    }
}

#[test]
fn column_groups_must_agree() {
    let json = r#"{"schemas":[{"name":"t","fields":[
      {"name":"a","datatype":"DT_STRING","tags":[{"name":"skyflow.options.column_group","values":["g"]},{"name":"skyflow.options.default_token_policy","values":["DETERMINISTIC_UUID"]}]},
      {"name":"b","datatype":"DT_STRING","tags":[{"name":"skyflow.options.column_group","values":["g"]},{"name":"skyflow.options.default_token_policy","values":["NON_DETERMINISTIC_UUID"]}]}]}]}"#;
    assert!(VaultSchema::from_json(json).is_err());
    let ok = json.replace("NON_DETERMINISTIC_UUID", "DETERMINISTIC_UUID");
    let s = VaultSchema::from_json(&ok).unwrap();
    assert_eq!(s.column_group("g").unwrap().len(), 2);
}

#[test]
fn default_schema_has_table1() {
    let s = VaultSchema::default_schema();
    let t = s.table("table1").unwrap();
    for c in [
        "card_number",
        "cardholder_name",
        "email",
        "ssn",
        "name",
        "file",
    ] {
        assert!(t.column(c).is_some(), "{c}");
    }
    assert_eq!(t.column("file").unwrap().datatype, DataType::File);
    assert!(
        VaultSchema::from_json(s.to_json())
            .unwrap()
            .table("table1")
            .is_some()
    );
}
