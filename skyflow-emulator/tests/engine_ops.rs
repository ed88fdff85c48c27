//! Integration tests of the engine's Rust API: every operation, success and failure.

use serde_json::{Value, json};
use skyflow_emulator::engine::*;

fn engine() -> (Engine, Vault) {
    let e = Engine::open(EngineConfig::in_memory()).unwrap();
    let id = e.create_vault(None, VaultSchema::default_schema()).unwrap();
    let v = e.vault(&id).unwrap();
    (e, v)
}

fn ctx() -> RequestContext {
    RequestContext::system()
}

fn insert(v: &Vault, table: &str, body: Value) -> EngineResult<InsertResponse> {
    v.insert(&ctx(), table, serde_json::from_value(body).unwrap())
}

fn one(v: &Vault, table: &str, fields: Value) -> InsertedRecord {
    insert(
        v,
        table,
        json!({"records": [{"fields": fields}], "tokenization": true}),
    )
    .unwrap()
    .records
    .remove(0)
}

fn tok(r: &InsertedRecord, col: &str) -> String {
    r.tokens.as_ref().unwrap()[col]
        .as_str()
        .unwrap()
        .to_string()
}

fn detok(v: &Vault, token: &str, redaction: &str) -> EngineResult<DetokenizeResponse> {
    v.detokenize(
        &ctx(),
        serde_json::from_value(
            json!({"detokenizationParameters": [{"token": token, "redaction": redaction}]}),
        )
        .unwrap(),
    )
}

#[test]
fn insert_returns_tokens_and_get_redacts() {
    let (_e, v) = engine();
    let r = one(
        &v,
        "table1",
        json!({"card_number": "4111111111111111", "ssn": "123-45-6789", "name": "Brook", "age": 42}),
    );
    let card = tok(&r, "card_number");
    assert!(
        regex::Regex::new("^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{4}$")
            .unwrap()
            .is_match(&card),
        "{card}"
    );
    assert!(
        regex::Regex::new("^[0-9]{3}-[0-9]{2}-[0-9]{4}$")
            .unwrap()
            .is_match(&tok(&r, "ssn"))
    );
    let g = v
        .get(
            &ctx(),
            "table1",
            GetRequest {
                skyflow_ids: vec![r.skyflow_id.clone()],
                ..Default::default()
            },
        )
        .unwrap();
    let f = &g.records[0].fields;
    assert_eq!(f["skyflow_id"], json!(r.skyflow_id));
    assert_eq!(f["card_number"], json!("XXXXXXXXXXXX1111"));
    assert_eq!(f["ssn"], json!("XXX-XX-6789"));
    assert_eq!(f["name"], json!("B***ok"));
    assert_eq!(f["age"], json!(42));
    let plain = v
        .get_one(
            &ctx(),
            "table1",
            &r.skyflow_id,
            GetOneRequest {
                redaction: Some(Redaction::PlainText),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(plain.fields["card_number"], json!("4111111111111111"));
    let red = v
        .get_one(
            &ctx(),
            "table1",
            &r.skyflow_id,
            GetOneRequest {
                redaction: Some(Redaction::Redacted),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(red.fields["ssn"], json!("*REDACTED*"));
    // Tokens in fields with tokenization=true; fields selection.
    let t = v
        .get(
            &ctx(),
            "table1",
            GetRequest {
                skyflow_ids: vec![r.skyflow_id.clone()],
                tokenization: Some(true),
                fields: vec!["card_number".into()],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(t.records[0].fields["card_number"], json!(card));
    assert!(!t.records[0].fields.contains_key("ssn"));
    // Without tokenization no tokens come back.
    let r2 = insert(
        &v,
        "table1",
        json!({"records": [{"fields": {"name": "Raj"}}]}),
    )
    .unwrap();
    assert!(r2.records[0].tokens.is_none());
}

#[test]
fn token_policies() {
    let (_e, v) = engine();
    let a = one(
        &v,
        "table1",
        json!({"name": "Same", "notes": "n", "cvv": "123"}),
    );
    let b = one(
        &v,
        "table1",
        json!({"name": "Same", "notes": "n", "cvv": "123"}),
    );
    assert_eq!(tok(&a, "name"), tok(&b, "name"), "deterministic");
    assert_ne!(tok(&a, "notes"), tok(&b, "notes"), "random");
    assert_eq!(tok(&a, "name").len(), 36);
    // Transient (quickstart cvv): detokenizes, never returned by get, survives delete.
    let c = one(
        &v,
        "credit_cards",
        json!({"cvv": "123", "card_number": "4111 1111 1111 1111"}),
    );
    let cvv = tok(&c, "cvv");
    assert_eq!(
        detok(&v, &cvv, "PLAIN_TEXT").unwrap().records[0]
            .value
            .as_deref(),
        Some("123")
    );
    let g = v
        .get_one(
            &ctx(),
            "credit_cards",
            &c.skyflow_id,
            GetOneRequest::default(),
        )
        .unwrap();
    assert!(!g.fields.contains_key("cvv"));
    v.delete_one(&ctx(), "credit_cards", &c.skyflow_id).unwrap();
    assert_eq!(
        detok(&v, &cvv, "PLAIN_TEXT").unwrap().records[0]
            .value
            .as_deref(),
        Some("123")
    );
    // The persistent card token went with the record.
    let card = tok(&c, "card_number");
    assert_eq!(detok(&v, &card, "PLAIN_TEXT").unwrap_err().http_code(), 404);
}

#[test]
fn transient_tokens_expire() {
    let schema = VaultSchema::from_json(
        r#"{"schemas":[{"name":"t","fields":[{"name":"c","datatype":"DT_STRING","tags":[
        {"name":"skyflow.options.default_token_policy","values":["NON_DETERMINISTIC_TRANSIENT_UUID"]},
        {"name":"skyflow.options.ttl","values":["1"]}]}]}]}"#,
    )
    .unwrap();
    let e = Engine::open(EngineConfig::in_memory()).unwrap();
    let v = e.vault(&e.create_vault(None, schema).unwrap()).unwrap();
    let r = one(&v, "t", json!({"c": "x"}));
    let t = tok(&r, "c");
    assert!(detok(&v, &t, "PLAIN_TEXT").is_ok());
    e.advance_clock(std::time::Duration::from_secs(50));
    assert!(
        detok(&v, &t, "PLAIN_TEXT").is_ok(),
        "still valid before the TTL"
    );
    e.advance_clock(std::time::Duration::from_secs(11));
    assert_eq!(
        detok(&v, &t, "PLAIN_TEXT").unwrap_err().http_code(),
        404,
        "expired after one minute"
    );
    assert_eq!(
        v.query(&ctx(), "SELECT * FROM t WHERE c = 'x'")
            .unwrap_err()
            .http_code(),
        400
    );
}

#[test]
fn fpt_without_regex_keeps_shape_and_column_groups_share_tokens() {
    let schema = VaultSchema::from_json(
        r#"{"schemas":[{"name":"t","fields":[
        {"name":"a","datatype":"DT_STRING","tags":[{"name":"skyflow.options.default_token_policy","values":["DETERMINISTIC_FPT"]},{"name":"skyflow.options.column_group","values":["g"]}]},
        {"name":"b","datatype":"DT_STRING","tags":[{"name":"skyflow.options.default_token_policy","values":["DETERMINISTIC_FPT"]},{"name":"skyflow.options.column_group","values":["g"]}]},
        {"name":"c","datatype":"DT_STRING","tags":[{"name":"skyflow.options.default_token_policy","values":["DETERMINISTIC_FPT"]}]}]}]}"#,
    )
    .unwrap();
    let e = Engine::open(EngineConfig::in_memory()).unwrap();
    let v = e.vault(&e.create_vault(None, schema).unwrap()).unwrap();
    let r = one(&v, "t", json!({"a": "Ab-12", "b": "Ab-12", "c": "Ab-12"}));
    let ta = tok(&r, "a");
    assert_eq!(ta.len(), 5);
    assert_eq!(&ta[2..3], "-");
    assert_eq!(ta, tok(&r, "b"), "one group, one token");
    assert_ne!(ta, tok(&r, "c"), "another group, another token");
    let res = v
        .tokenize(
            &ctx(),
            serde_json::from_value(
                json!({"tokenizationParameters": [{"value": "Ab-12", "columnGroup": "g"}]}),
            )
            .unwrap(),
        )
        .unwrap();
    assert_eq!(res.records[0].token, ta);
}

#[test]
fn tokenize_existing_values_only() {
    let (_e, v) = engine();
    let r = one(&v, "table1", json!({"email": "jane@x.com"}));
    let req = |val: &str| -> TokenizeRequest {
        serde_json::from_value(json!({"tokenizationParameters": [{"value": val, "table": "table1", "column": "email"}]})).unwrap()
    };
    assert_eq!(
        v.tokenize(&ctx(), req("jane@x.com")).unwrap().records[0].token,
        tok(&r, "email")
    );
    let err = v.tokenize(&ctx(), req("nobody@x.com")).unwrap_err();
    assert_eq!((err.http_code(), err.grpc_code()), (404, 5));
    assert!(
        err.message()
            .starts_with("Tokenize returns previously issued tokens for existing data."),
        "{}",
        err.message()
    );
    assert!(err.message().contains("table1.email"));
    // Random-token columns cannot be tokenized; unknown groups and both forms are refused.
    let bad = |p: Value| {
        v.tokenize(
            &ctx(),
            serde_json::from_value(json!({"tokenizationParameters": [p]})).unwrap(),
        )
        .unwrap_err()
    };
    assert_eq!(
        bad(json!({"value": "n", "table": "table1", "column": "notes"})).http_code(),
        400
    );
    assert_eq!(
        bad(json!({"value": "n", "columnGroup": "nope"})).http_code(),
        400
    );
    assert_eq!(
        bad(json!({"value": "n", "columnGroup": "table1.email", "table": "table1"})).http_code(),
        400
    );
    // After delete the value is gone.
    v.delete(
        &ctx(),
        "table1",
        DeleteRequest {
            skyflow_ids: vec![r.skyflow_id],
        },
    )
    .unwrap();
    assert_eq!(
        v.tokenize(&ctx(), req("jane@x.com"))
            .unwrap_err()
            .http_code(),
        404
    );
}

#[test]
fn detokenize_redaction_types_and_errors() {
    let (_e, v) = engine();
    let r = one(
        &v,
        "table1",
        json!({"ssn": "123-45-6789", "age": 7, "is_active": true}),
    );
    let ssn = tok(&r, "ssn");
    let res = v
        .detokenize(
            &ctx(),
            serde_json::from_value(json!({"detokenizationParameters": [
                {"token": ssn, "redaction": "PLAIN_TEXT"}, {"token": ssn}, {"token": ssn, "redaction": "REDACTED"},
                {"token": tok(&r, "age"), "redaction": "PLAIN_TEXT"}, {"token": tok(&r, "is_active"), "redaction": "PLAIN_TEXT"}]}))
            .unwrap(),
        )
        .unwrap();
    let vals: Vec<_> = res
        .records
        .iter()
        .map(|r| r.value.clone().unwrap())
        .collect();
    assert_eq!(
        vals,
        vec!["123-45-6789", "XXX-XX-6789", "*REDACTED*", "7", "true"]
    );
    assert_eq!(res.records[0].value_type, Some(ValueType::String));
    assert_eq!(res.records[3].value_type, Some(ValueType::Integer));
    assert_eq!(res.records[4].value_type, Some(ValueType::Bool));
    assert_eq!(res.http_status(), 200);
    let err = detok(&v, "missing-token", "DEFAULT").unwrap_err();
    assert_eq!(err.message(), "Token not found for missing-token");
    assert!(!format!("{err:?}").contains("missing-token"));
    let partial = v
        .detokenize(
            &ctx(),
            serde_json::from_value(json!({"detokenizationParameters": [{"token": ssn}, {"token": "nope"}], "continueOnError": true})).unwrap(),
        )
        .unwrap();
    assert_eq!(partial.http_status(), 207);
    assert_eq!(
        partial.records[1].error.as_deref(),
        Some("Token not found for nope")
    );
    // Tokens are scoped to their vault.
    let e2 = Engine::open(EngineConfig::in_memory()).unwrap();
    let other = e2
        .vault(
            &e2.create_vault(None, VaultSchema::default_schema())
                .unwrap(),
        )
        .unwrap();
    assert_eq!(
        detok(&other, &ssn, "PLAIN_TEXT").unwrap_err().http_code(),
        404
    );
    assert!(split_signed_token("signed_token_a.b.c").is_some());
}

#[test]
fn validation_unknowns_and_limits() {
    let (_e, v) = engine();
    let err = insert(&v, "nope", json!({"records": [{"fields": {"name": "x"}}]})).unwrap_err();
    assert_eq!(err.http_code(), 400);
    assert!(err.message().contains("nope"));
    let err = insert(
        &v,
        "table1",
        json!({"records": [{"fields": {"bogus": "x"}}]}),
    )
    .unwrap_err();
    assert_eq!(
        err.message(),
        "Insert failed. Column bogus is invalid. Specify a valid column."
    );
    let err = insert(
        &v,
        "table1",
        json!({"records": [{"fields": {"ssn": "not-an-ssn"}}]}),
    )
    .unwrap_err();
    assert_eq!(err.http_code(), 400);
    assert!(err.message().contains("ssn") && !err.message().contains("not-an-ssn"));
    assert_eq!(
        insert(&v, "table1", json!({"records": [{"fields": {"age": "x"}}]}))
            .unwrap_err()
            .http_code(),
        400
    );
    assert_eq!(
        insert(&v, "table1", json!({"records": []}))
            .unwrap_err()
            .http_code(),
        400
    );
    let long = "a".repeat(2600) + "@x.com";
    assert_eq!(
        insert(
            &v,
            "table1",
            json!({"records": [{"fields": {"email": long}}]})
        )
        .unwrap_err()
        .http_code(),
        400
    );
    let mut cfg = EngineConfig::in_memory();
    cfg.limits.max_records_per_request = 2;
    let e = Engine::open(cfg).unwrap();
    let small = e
        .vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap())
        .unwrap();
    let recs: Vec<Value> = (0..3)
        .map(|i| json!({"fields": {"name": format!("n{i}")}}))
        .collect();
    assert!(
        insert(&small, "table1", json!({"records": recs}))
            .unwrap_err()
            .message()
            .contains("Too many")
    );
    // homogeneous
    let err = insert(&v, "table1", json!({"records": [{"fields": {"name": "a"}}, {"fields": {"age": 1}}], "homogeneous": true})).unwrap_err();
    assert_eq!(err.http_code(), 400);
    let err = insert(&v, "table1", json!({"records": [{"fields": {"email": "a@b.co"}}], "homogeneous": true, "upsert": "email"})).unwrap_err();
    assert_eq!(err.http_code(), 400);
}

#[test]
fn unique_and_upsert() {
    let (_e, v) = engine();
    let a = one(&v, "table1", json!({"email": "u@x.com", "name": "First"}));
    let err = insert(
        &v,
        "table1",
        json!({"records": [{"fields": {"email": "u@x.com"}}]}),
    )
    .unwrap_err();
    assert_eq!((err.http_code(), err.grpc_code()), (400, 9));
    assert_eq!(
        err.message(),
        "Error Inserting Records due to unique constraint violation"
    );
    // The failed insert left nothing behind (all or nothing).
    let err = insert(
        &v,
        "table1",
        json!({"records": [{"fields": {"name": "ok"}}, {"fields": {"email": "u@x.com"}}]}),
    )
    .unwrap_err();
    assert_eq!(err.grpc_code(), 9);
    // Skyflow's exact text, with nothing prefixed (also inside a batch without continueOnError).
    assert_eq!(
        err.message(),
        "Error Inserting Records due to unique constraint violation"
    );
    let req: BatchRequest = serde_json::from_value(json!({"records": [
        {"tableName": "table1", "method": "POST", "fields": {"name": "ok"}},
        {"tableName": "table1", "method": "POST", "fields": {"email": "u@x.com"}}]}))
    .unwrap();
    let err = v.batch(&ctx(), req).unwrap_err();
    assert_eq!(
        (err.grpc_code(), err.message()),
        (
            9,
            "Error Inserting Records due to unique constraint violation"
        )
    );
    assert_eq!(
        v.get(&ctx(), "table1", GetRequest::default())
            .unwrap()
            .records
            .len(),
        1
    );
    let up = insert(
        &v,
        "table1",
        json!({"records": [{"fields": {"email": "u@x.com", "name": "Second"}}], "upsert": "email"}),
    )
    .unwrap();
    assert_eq!(up.records[0].skyflow_id, a.skyflow_id);
    let got = v
        .get(
            &ctx(),
            "table1",
            GetRequest {
                column_name: Some("email".into()),
                column_values: vec!["u@x.com".into()],
                redaction: Some(Redaction::PlainText),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(got.records[0].fields["name"], json!("Second"));
    assert_eq!(
        insert(
            &v,
            "table1",
            json!({"records": [{"fields": {"name": "x"}}], "upsert": "name"})
        )
        .unwrap_err()
        .http_code(),
        400
    );
}

#[test]
fn concurrent_upserts_make_one_record() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineConfig::on_disk(dir.path())).unwrap();
    let id = e.create_vault(None, VaultSchema::default_schema()).unwrap();
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let v = e.vault(&id).unwrap();
            std::thread::spawn(move || {
                insert(&v, "table1", json!({"records": [{"fields": {"email": "race@x.com", "age": i}}], "upsert": "email"})).unwrap()
            })
        })
        .collect();
    let ids: std::collections::HashSet<String> = handles
        .into_iter()
        .map(|h| h.join().unwrap().records[0].skyflow_id.clone())
        .collect();
    assert_eq!(ids.len(), 1);
    let v = e.vault(&id).unwrap();
    assert_eq!(
        v.get(&ctx(), "table1", GetRequest::default())
            .unwrap()
            .records
            .len(),
        1
    );
}

#[test]
fn byot_modes() {
    let (_e, v) = engine();
    let err = insert(
        &v,
        "table1",
        json!({"records": [{"fields": {"name": "a"}, "tokens": {"name": "t1"}}]}),
    )
    .unwrap_err();
    assert!(err.message().contains("DISABLE"));
    let r = insert(&v, "table1", json!({"records": [{"fields": {"name": "a", "age": 3}, "tokens": {"name": "my-token"}}], "byot": "ENABLE", "tokenization": true}))
        .unwrap();
    assert_eq!(
        r.records[0].tokens.as_ref().unwrap()["name"],
        json!("my-token")
    );
    assert_eq!(
        detok(&v, "my-token", "PLAIN_TEXT").unwrap().records[0]
            .value
            .as_deref(),
        Some("a")
    );
    // ENABLE_STRICT needs a token for every field.
    let err = insert(&v, "table1", json!({"records": [{"fields": {"name": "b", "age": 3}, "tokens": {"name": "t2"}}], "byot": "ENABLE_STRICT"})).unwrap_err();
    assert!(err.message().contains("ENABLE_STRICT"));
    // A token already mapped to another value, a token for a field not given, a bad format.
    assert_eq!(
        insert(&v, "table1", json!({"records": [{"fields": {"notes": "zzz"}, "tokens": {"notes": "my-token"}}], "byot": "ENABLE"})).unwrap_err().http_code(),
        400
    );
    assert_eq!(
        insert(&v, "table1", json!({"records": [{"fields": {"notes": "zzz"}, "tokens": {"name": "t9"}}], "byot": "ENABLE"})).unwrap_err().http_code(),
        400
    );
    assert_eq!(
        insert(&v, "table1", json!({"records": [{"fields": {"ssn": "123-45-6789"}, "tokens": {"ssn": "bad"}}], "byot": "ENABLE"})).unwrap_err().http_code(),
        400
    );
    assert_eq!(
        insert(
            &v,
            "table1",
            json!({"records": [{"fields": {"name": "z"}}], "byot": "ENABLE"})
        )
        .unwrap_err()
        .http_code(),
        400
    );
}

#[test]
fn update_and_delete() {
    let (_e, v) = engine();
    let r = one(&v, "table1", json!({"name": "Old", "notes": "keep"}));
    let old_notes = tok(&r, "notes");
    let up: UpdateRequest = serde_json::from_value(
        json!({"record": {"fields": {"name": "Newer"}}, "tokenization": true}),
    )
    .unwrap();
    let res = v.update(&ctx(), "table1", &r.skyflow_id, up).unwrap();
    let new_name = res.tokens.unwrap()["name"].as_str().unwrap().to_string();
    assert_ne!(new_name, tok(&r, "name"));
    assert_eq!(
        detok(&v, &tok(&r, "name"), "PLAIN_TEXT")
            .unwrap_err()
            .http_code(),
        404,
        "old token released"
    );
    assert_eq!(
        detok(&v, &old_notes, "PLAIN_TEXT").unwrap().records[0]
            .value
            .as_deref(),
        Some("keep")
    );
    let got = v
        .get_one(
            &ctx(),
            "table1",
            &r.skyflow_id,
            GetOneRequest {
                redaction: Some(Redaction::PlainText),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(got.fields["name"], json!("Newer"));
    assert_eq!(got.fields["notes"], json!("keep"));
    let bad: UpdateRequest =
        serde_json::from_value(json!({"record": {"fields": {"bogus": 1}}})).unwrap();
    assert_eq!(
        v.update(&ctx(), "table1", &r.skyflow_id, bad)
            .unwrap_err()
            .http_code(),
        400
    );
    let missing: UpdateRequest =
        serde_json::from_value(json!({"record": {"fields": {"name": "x"}}})).unwrap();
    assert_eq!(
        v.update(&ctx(), "table1", "nope", missing)
            .unwrap_err()
            .message(),
        "No Records Found"
    );
    // delete many, delete *, delete missing
    let r2 = one(&v, "table1", json!({"name": "B"}));
    let res = v
        .delete(
            &ctx(),
            "table1",
            DeleteRequest {
                skyflow_ids: vec![r.skyflow_id.clone(), "nope".into()],
            },
        )
        .unwrap();
    assert_eq!(res.record_id_response, vec![r.skyflow_id.clone()]);
    assert_eq!(
        detok(&v, &old_notes, "PLAIN_TEXT").unwrap_err().http_code(),
        404
    );
    assert_eq!(
        v.delete(
            &ctx(),
            "table1",
            DeleteRequest {
                skyflow_ids: vec!["nope".into()]
            }
        )
        .unwrap_err()
        .http_code(),
        404
    );
    one(&v, "table1", json!({"name": "C"}));
    assert_eq!(
        v.delete(
            &ctx(),
            "table1",
            DeleteRequest {
                skyflow_ids: vec!["*".into()]
            }
        )
        .unwrap()
        .record_id_response,
        vec!["*"]
    );
    assert_eq!(
        v.get_one(&ctx(), "table1", &r2.skyflow_id, GetOneRequest::default())
            .unwrap_err()
            .http_code(),
        404
    );
}

#[test]
fn get_paging_order_and_errors() {
    let (_e, v) = engine();
    let mut ids = Vec::new();
    for i in 0..30 {
        ids.push(one(&v, "table1", json!({"age": i})).skyflow_id);
    }
    let page = v.get(&ctx(), "table1", GetRequest::default()).unwrap();
    assert_eq!(page.records.len(), 25);
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(page.records[0].fields["skyflow_id"], json!(sorted[0]));
    let rest = v
        .get(
            &ctx(),
            "table1",
            GetRequest {
                offset: Some(25),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(rest.records.len(), 5);
    let desc = v
        .get(
            &ctx(),
            "table1",
            GetRequest {
                order_by: Some(OrderBy::Descending),
                limit: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(desc.records[0].fields["skyflow_id"], json!(sorted[29]));
    let none = v
        .get(
            &ctx(),
            "table1",
            GetRequest {
                order_by: Some(OrderBy::None),
                limit: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(none.records[0].fields["skyflow_id"], json!(ids[0]));
    for bad in [
        GetRequest {
            limit: Some(26),
            ..Default::default()
        },
        GetRequest {
            offset: Some(-1),
            ..Default::default()
        },
        GetRequest {
            skyflow_ids: vec![ids[0].clone()],
            column_name: Some("email".into()),
            column_values: vec!["a".into()],
            ..Default::default()
        },
        GetRequest {
            column_values: vec!["a".into()],
            ..Default::default()
        },
        GetRequest {
            column_name: Some("name".into()),
            column_values: vec!["a".into()],
            ..Default::default()
        },
        GetRequest {
            tokenization: Some(true),
            ..Default::default()
        },
        GetRequest {
            fields: vec!["bogus".into()],
            ..Default::default()
        },
        GetRequest {
            skyflow_ids: vec![ids[0].clone()],
            tokenization: Some(true),
            fields: vec!["amount".into()],
            redaction: Some(Redaction::PlainText),
            ..Default::default()
        },
    ] {
        assert_eq!(v.get(&ctx(), "table1", bad).unwrap_err().http_code(), 400);
    }
    let err = v
        .get(
            &ctx(),
            "table1",
            GetRequest {
                skyflow_ids: vec!["nope".into()],
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!((err.http_code(), err.message()), (404, "No Records Found"));
    let err = v
        .get(
            &ctx(),
            "table1",
            GetRequest {
                column_name: Some("email".into()),
                column_values: vec!["x@y.z".into()],
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.http_code(), 404);
    assert_eq!(
        v.get(&ctx(), "nope", GetRequest::default())
            .unwrap_err()
            .http_code(),
        400
    );
}

#[test]
fn batch_entries() {
    let (_e, v) = engine();
    let r = one(&v, "table1", json!({"name": "Existing"}));
    let req: BatchRequest = serde_json::from_value(json!({"continueOnError": true, "records": [
        {"tableName": "table1", "method": "POST", "fields": {"name": "A"}, "tokenization": true},
        {"tableName": "table1", "method": "POST", "fields": {"bogus": 1}},
        {"tableName": "table1", "method": "GET", "ID": r.skyflow_id, "redaction": "PLAIN_TEXT"},
        {"tableName": "table1", "method": "PUT", "ID": r.skyflow_id, "fields": {"name": "Changed"}},
        {"tableName": "table1", "method": "DELETE", "ID": "missing"}
    ]}))
    .unwrap();
    let res = v.batch(&ctx(), req).unwrap();
    let statuses: Vec<u16> = res.responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![200, 400, 200, 200, 400]);
    assert_eq!(res.http_status(), 207);
    assert!(res.responses[0].body["records"][0]["tokens"]["name"].is_string());
    assert_eq!(
        res.responses[1].body["error"],
        json!("Insert failed. Column bogus is invalid. Specify a valid column.")
    );
    assert_eq!(
        res.responses[2].body["records"][0]["fields"]["name"],
        json!("Existing")
    );
    assert_eq!(res.vault_id, v.id());
    // Without continueOnError: all or nothing.
    let before = v
        .get(&ctx(), "table1", GetRequest::default())
        .unwrap()
        .records
        .len();
    let req: BatchRequest = serde_json::from_value(json!({"records": [
        {"tableName": "table1", "method": "POST", "fields": {"name": "B"}},
        {"tableName": "table1", "method": "POST", "fields": {"bogus": 1}}]}))
    .unwrap();
    assert_eq!(v.batch(&ctx(), req).unwrap_err().http_code(), 400);
    assert_eq!(
        v.get(&ctx(), "table1", GetRequest::default())
            .unwrap()
            .records
            .len(),
        before
    );
}

#[test]
fn files() {
    let (e, v) = engine();
    e.set_public_base_url("http://127.0.0.1:1234");
    let up = |id: Option<String>, data: &[u8]| FileUpload {
        table: "table1".into(),
        column: "file".into(),
        skyflow_id: id,
        file_name: "doc.pdf".into(),
        content_type: Some("application/octet-stream".into()),
        data: data.to_vec(),
        return_file_metadata: true,
    };
    let res = v.upload_file(&ctx(), up(None, b"%PDF-1.4 hello")).unwrap();
    let m = &res.file_metadata.as_ref().unwrap()["file"];
    assert_eq!(
        (m.file_name.as_str(), m.file_size_kb, m.file_type.as_str()),
        ("doc.pdf", 1, "application/pdf")
    );
    let id = res.skyflow_id.clone();
    assert_eq!(
        v.scan_status(&ctx(), "table1", &id, "file")
            .unwrap()
            .av_scan_status,
        "SCAN_CLEAN"
    );
    let g = v
        .get_one(
            &ctx(),
            "table1",
            &id,
            GetOneRequest {
                download_url: Some(true),
                return_file_metadata: Some(true),
                ..Default::default()
            },
        )
        .unwrap();
    let url = g.fields["file"].as_str().unwrap().to_string();
    assert!(
        url.starts_with("http://127.0.0.1:1234/v1/files/download/"),
        "{url}"
    );
    let parsed = url::Url::parse(&url).unwrap();
    let file_id = parsed.path().rsplit('/').next().unwrap().to_string();
    let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
    let exp: i64 = q["exp"].parse().unwrap();
    let dl = e.download_file(&file_id, exp, &q["sig"]).unwrap();
    assert_eq!(dl.data, b"%PDF-1.4 hello");
    e.advance_clock(std::time::Duration::from_secs(16 * 60));
    assert_eq!(
        e.download_file(&file_id, exp, &q["sig"])
            .unwrap_err()
            .message(),
        "Download URL expired"
    );
    assert_eq!(
        e.download_file(&file_id, exp + 1, &q["sig"])
            .unwrap_err()
            .http_code(),
        403
    );
    assert!(g.file_metadata.is_some());
    // v1 upload onto an existing record replaces the file.
    let g = v
        .get_one(
            &ctx(),
            "table1",
            &id,
            GetOneRequest {
                download_url: Some(true),
                ..Default::default()
            },
        )
        .unwrap();
    let parsed = url::Url::parse(g.fields["file"].as_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
    let exp: i64 = q["exp"].parse().unwrap();
    let r1 = v
        .upload_file_v1(&ctx(), up(Some(id.clone()), b"second"))
        .unwrap();
    assert_eq!(r1.skyflow_id, id);
    assert_eq!(
        e.download_file(&file_id, exp, &q["sig"])
            .unwrap_err()
            .http_code(),
        404
    );
    assert_eq!(
        v.upload_file(&ctx(), up(Some("missing".into()), b"x"))
            .unwrap_err()
            .http_code(),
        404
    );
    let mut wrong = up(None, b"x");
    wrong.column = "name".into();
    assert_eq!(v.upload_file(&ctx(), wrong).unwrap_err().http_code(), 400);
    let st = v
        .upload_status(&ctx(), serde_json::from_value(json!({"records": [{"tableName": "table1", "skyflowID": id, "fileFields": ["file"]}]})).unwrap())
        .unwrap();
    assert_eq!(
        st.records[0].fields["file"]["av_scan_status"],
        json!("SCAN_CLEAN")
    );
    assert!(
        v.delete_file(&ctx(), "table1", &id, "file")
            .unwrap()
            .deleted
    );
    assert_eq!(
        v.scan_status(&ctx(), "table1", &id, "file")
            .unwrap()
            .av_scan_status,
        "SCAN_FILE_NOT_FOUND"
    );
    assert_eq!(
        v.delete_file(&ctx(), "table1", &id, "file")
            .unwrap_err()
            .http_code(),
        404
    );
    let mut cfg = EngineConfig::in_memory();
    cfg.limits.max_file_bytes = 4;
    let e2 = Engine::open(cfg).unwrap();
    let v2 = e2
        .vault(
            &e2.create_vault(None, VaultSchema::default_schema())
                .unwrap(),
        )
        .unwrap();
    assert_eq!(
        v2.upload_file(&ctx(), up(None, b"too big"))
            .unwrap_err()
            .http_code(),
        413
    );
}

#[test]
fn query_select_where_join_aggregate_redaction() {
    let (_e, v) = engine();
    for (n, age, email) in [
        ("Alice", 30, "a@x.com"),
        ("Bob", 40, "b@x.com"),
        ("Carol", 50, "c@x.com"),
    ] {
        one(
            &v,
            "table1",
            json!({"name": n, "age": age, "email": email, "ssn": "123-45-6789", "is_active": true}),
        );
    }
    let q = |s: &str| v.query(&ctx(), s);
    let r =
        q("SELECT name, age, ssn, is_active FROM table1 WHERE age > 35 ORDER BY age DESC").unwrap();
    assert_eq!(r.records.len(), 2);
    assert_eq!(r.records[0].fields["age"], json!(50));
    assert_eq!(r.records[0].fields["name"], json!("C***ol"));
    assert_eq!(r.records[0].fields["ssn"], json!("XXX-XX-6789"));
    assert_eq!(r.records[0].fields["is_active"], json!(true));
    let r = q("SELECT count(*) AS n, avg(age) AS a, max(age) AS m FROM table1").unwrap();
    assert_eq!(r.records[0].fields["n"], json!(3));
    assert_eq!(r.records[0].fields["m"], json!(50));
    let r = q("select * from table1 where email=\"b@x.com\"").unwrap();
    assert_eq!(r.records.len(), 1);
    assert_eq!(r.records[0].fields["age"], json!(40));
    let r = q(
        "SELECT REDACTION(name, 'PLAIN_TEXT'), lower(name) AS l FROM table1 WHERE name = 'Alice'",
    )
    .unwrap();
    assert_eq!(r.records[0].fields["name"], json!("Alice"));
    assert_eq!(r.records[0].fields["l"], json!("*REDACTED*"));
    let r = q("SELECT t.age, p.skyflow_id FROM table1 t LEFT JOIN persons p ON p.name = t.name WHERE t.name ILIKE 'ali%'").unwrap();
    assert_eq!(r.records.len(), 1);
    assert!(r.records[0].fields["skyflow_id"].is_null());
    for i in 0..30 {
        one(&v, "table1", json!({"age": 100 + i}));
    }
    assert_eq!(q("SELECT age FROM table1").unwrap().records.len(), 25);
    assert_eq!(
        q("SELECT age FROM table1 ORDER BY age LIMIT 10 OFFSET 30")
            .unwrap()
            .records
            .len(),
        3
    );
}

#[test]
fn query_rejections() {
    let (e, v) = engine();
    one(&v, "table1", json!({"name": "x"}));
    for bad in [
        "",
        "DELETE FROM table1",
        "UPDATE table1 SET name = 'a'",
        "INSERT INTO table1(name) VALUES ('a')",
        "DROP TABLE table1",
        "PRAGMA table_info(table1)",
        "ATTACH DATABASE 'x.db' AS x",
        "VACUUM",
        "SELECT 1; SELECT 2",
        "SELECT * FROM table1; DELETE FROM table1",
        "SELECT * FROM sqlite_master",
        "SELECT * FROM sky_records",
        "SELECT load_extension('x')",
        "SELECT readfile('/etc/passwd')",
        "SELECT sky_col(1, 2, 3, 4, 5)",
        "SELECT * FROM pragma_table_info('table1')",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "SELECT * FROM (SELECT name FROM table1)",
        "SELECT name FROM table1 LIMIT 26",
        "SELECT name FROM table1 UNION SELECT name FROM persons",
        "SELECT name FROM table1 WHERE name = (SELECT sqlite_version())",
        "SELECT /* comment */ name FROM nope",
        "SELECT * FROM credit_cards WHERE cvv = '123'",
        "SELEC name FROM table1",
    ] {
        let err = v.query(&ctx(), bad).unwrap_err();
        assert_eq!(
            (err.http_code(), err.grpc_code()),
            (400, 3),
            "{bad}: {err:?}"
        );
        // No internal names or rewritten SQL in the answer.
        for internal in ["sky_records", "sky_col", "vault_id", "table_name"] {
            assert!(
                !err.message().contains(internal) || bad.contains(internal),
                "{bad}: {}",
                err.message()
            );
        }
    }
    // An unknown column is a clear 400 by default, and sensitive: an unquoted value typed as
    // an identifier must not reach logs or the audit trail.
    let err = v
        .query(
            &ctx(),
            "SELECT name FROM table1 WHERE email = SecretValue123",
        )
        .unwrap_err();
    assert_eq!((err.http_code(), err.grpc_code()), (400, 3));
    assert_eq!(
        err.message(),
        "Invalid query: Could not find Field SecretValue123"
    );
    assert!(err.is_sensitive());
    assert!(!format!("{err} {err:?}").contains("SecretValue123"));
    // A failing SQLite statement answers a generic message without internals.
    let err = v
        .query(&ctx(), "SELECT name FROM table1 WHERE abs() = 1")
        .unwrap_err();
    assert_eq!(err.http_code(), 400);
    assert_eq!(err.message(), "Invalid query: the query could not be run");
    let audit = e
        .audit_events(&AuditFilter {
            limit: Some(1000),
            ..Default::default()
        })
        .unwrap();
    let text = serde_json::to_string(&audit).unwrap();
    assert!(!text.contains("SecretValue123"), "{text}");
    // Skyflow's 500 quirk only when asked for.
    let mut cfg = EngineConfig::in_memory();
    cfg.skyflow_quirks = true;
    let qe = Engine::open(cfg).unwrap();
    let quirky = qe
        .vault(
            &qe.create_vault(None, VaultSchema::default_schema())
                .unwrap(),
        )
        .unwrap();
    let err = quirky
        .query(&ctx(), "SELECT car_number FROM table1")
        .unwrap_err();
    assert_eq!((err.http_code(), err.grpc_code()), (500, 13));
    assert_eq!(
        err.message(),
        "ERROR (internal_error): Could not find Field car_number"
    );
    assert!(err.is_sensitive());
}

#[test]
fn temporal_values_are_validated_per_datatype() {
    let e = Engine::open(EngineConfig::in_memory()).unwrap();
    let schema = VaultSchema::from_json(
        r#"{"schemas":[{"name":"events","fields":[
            {"name":"skyflow_id","datatype":"DT_STRING"},
            {"name":"day","datatype":"DT_DATE"},
            {"name":"at","datatype":"DT_DATETIME"},
            {"name":"clock","datatype":"DT_TIME"}]}]}"#,
    )
    .unwrap();
    let v = e.vault(&e.create_vault(None, schema).unwrap()).unwrap();
    for good in [
        json!({"day": "2024-02-29", "at": "2024-02-29T10:20:30Z", "clock": "10:20:30"}),
        json!({"day": "1999-12-31", "at": "2024-02-29T10:20:30.123+05:30", "clock": "23:59"}),
        json!({"at": "2024-02-29 10:20:30", "clock": "08:00:00.5"}),
        json!({"at": "2024-02-29T10:20:30"}),
    ] {
        insert(&v, "events", json!({"records": [{"fields": good}]}))
            .unwrap_or_else(|e| panic!("{good}: {e:?}"));
    }
    for (bad, column) in [
        (json!({"day": "2024-02-30"}), "day"),
        (json!({"day": "29/02/2024"}), "day"),
        (json!({"day": "2024-2-1x"}), "day"),
        (json!({"at": "yesterday"}), "at"),
        (json!({"at": "2024-02-29"}), "at"),
        (json!({"clock": "25:00:00"}), "clock"),
        (json!({"clock": "noon"}), "clock"),
    ] {
        let err = insert(&v, "events", json!({"records": [{"fields": bad}]})).unwrap_err();
        assert_eq!((err.http_code(), err.grpc_code()), (400, 3), "{bad}");
        assert!(
            err.message().contains(column) && err.message().contains("ISO 8601"),
            "{bad}: {}",
            err.message()
        );
    }
    // Updates are checked too.
    let id = insert(
        &v,
        "events",
        json!({"records": [{"fields": {"day": "2020-01-01"}}]}),
    )
    .unwrap()
    .records[0]
        .skyflow_id
        .clone();
    let upd: UpdateRequest =
        serde_json::from_value(json!({"record": {"fields": {"day": "01-01-2020"}}})).unwrap();
    assert_eq!(
        v.update(&ctx(), "events", &id, upd)
            .unwrap_err()
            .http_code(),
        400
    );
}

#[test]
fn request_debug_hides_values() {
    let get = GetRequest {
        skyflow_ids: vec!["id-secret-1".into()],
        column_name: Some("email".into()),
        column_values: vec!["debug.secret@example.com".into()],
        ..Default::default()
    };
    let shown = format!("{get:?}");
    assert!(!shown.contains("debug.secret@example.com"), "{shown}");
    assert!(!shown.contains("id-secret-1"), "{shown}");
    assert!(shown.contains("email"), "{shown}");
    let q = QueryRequest {
        query: "SELECT * FROM table1 WHERE ssn = '999-88-7777'".into(),
    };
    let shown = format!("{q:?}");
    assert!(!shown.contains("999-88-7777"), "{shown}");
}

#[test]
fn query_string_functions_cannot_build_huge_values() {
    let (_e, v) = engine();
    one(&v, "table1", json!({"name": "a".repeat(100)}));
    // 100^3 = 1e6 characters: under the 1 MiB cap.
    let ok = v
        .query(
            &ctx(),
            "SELECT REDACTION(length(replace(replace(name, 'a', name), 'a', name)), 'PLAIN_TEXT') AS n FROM table1",
        )
        .unwrap();
    assert_eq!(ok.records[0].fields["n"], json!(1_000_000));
    // 100^4 = 1e8 characters: refused with a clear 400 instead of allocating 100 MB.
    let err = v
        .query(
            &ctx(),
            "SELECT length(replace(replace(replace(name, 'a', name), 'a', name), 'a', name)) FROM table1",
        )
        .unwrap_err();
    assert_eq!(err.http_code(), 400, "{err:?}");
    assert_eq!(
        err.message(),
        "Invalid query: the query exceeds the local vault's size limits"
    );
    // The caps are per query: the connection still serves normal reads afterwards.
    assert_eq!(
        v.query(&ctx(), "SELECT name FROM table1")
            .unwrap()
            .records
            .len(),
        1
    );
}

#[test]
fn audit_events_hold_no_values() {
    let (e, v) = engine();
    let mut c = ctx();
    c.actor = "client-1".into();
    c.http_method = "POST".into();
    c.http_uri = format!("/v1/vaults/{}/table1", v.id());
    let r = v
        .insert(
            &c,
            "table1",
            serde_json::from_value(
                json!({"records": [{"fields": {"name": "SecretName42"}}], "tokenization": true}),
            )
            .unwrap(),
        )
        .unwrap();
    let _ = v
        .get_one(
            &c,
            "table1",
            &r.records[0].skyflow_id,
            GetOneRequest::default(),
        )
        .unwrap();
    let _ = detok(&v, "no-such-token-77", "DEFAULT");
    let ev = e
        .audit_events(&AuditFilter {
            vault_id: Some(v.id().into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(ev.event.len(), 3);
    let text = serde_json::to_string(&ev).unwrap();
    assert!(
        !text.contains("SecretName42") && !text.contains("no-such-token-77"),
        "{text}"
    );
    let token = r.records[0].tokens.as_ref().unwrap()["name"]
        .as_str()
        .unwrap();
    assert!(!text.contains(token));
    let creates = e
        .audit_events(&AuditFilter {
            action_type: Some("CREATE".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(creates.event.len(), 1);
    assert_eq!(creates.event[0].context["actor"], json!("client-1"));
    assert!(
        creates.event[0]
            .resource_ids
            .contains(&format!("RECORD/{}", r.records[0].skyflow_id))
    );
}

#[test]
fn detokenize_audit_lists_one_nested_result_per_token_in_order() {
    let (e, v) = engine();
    let a = one(
        &v,
        "persons",
        json!({"name": "Ann Audit", "ssn": "123-45-6789"}),
    );
    let b = one(&v, "persons", json!({"name": "Bob Audit"}));
    let mut params: Vec<Value> = [&a, &b]
        .iter()
        .map(|r| json!({"token": tok(r, "name")}))
        .collect();
    params.push(json!({"token": "no-such-token-88"}));
    params.push(json!({"token": tok(&a, "ssn")}));
    params.push(json!({"token": tok(&b, "name")}));
    let mut c = ctx();
    c.actor = "audited-detokenizer".into();
    let res = v
        .detokenize(
            &c,
            serde_json::from_value(
                json!({"detokenizationParameters": params, "continueOnError": true}),
            )
            .unwrap(),
        )
        .unwrap();
    assert_eq!(res.records.len(), 5);
    let events = e
        .audit_events(&AuditFilter {
            actor: Some("audited-detokenizer".into()),
            ..Default::default()
        })
        .unwrap()
        .event;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].request["apiName"], "/v1.TokenService/Detokenize");
    let name = json!({"code": 200, "message": "", "identifier": "TOKEN/persons.name"});
    assert_eq!(
        events[0].response["nestedResponse"],
        json!([
            name,
            name,
            {"code": 404, "message": "Token not found", "identifier": "TOKEN/"},
            {"code": 200, "message": "", "identifier": "TOKEN/persons.ssn"},
            name
        ])
    );
    assert!(events[0].response.get("nestedRuns").is_none());
}

#[test]
fn meta_service_accounts_and_api_keys() {
    let (e, _v) = engine();
    e.meta_put("api_key", b"sky-abcde-0123").unwrap();
    assert_eq!(e.meta_get("api_key").unwrap().unwrap(), b"sky-abcde-0123");
    assert!(e.meta_get("other").unwrap().is_none());
    let sa = ServiceAccountRecord {
        client_id: "c1".into(),
        client_name: "n".into(),
        key_id: "k1".into(),
        public_key_pem: "PEM".into(),
        roles: vec!["VAULT_OWNER".into()],
        vault_id: None,
    };
    e.put_service_account(&sa).unwrap();
    assert_eq!(e.service_account("c1").unwrap().unwrap(), sa);
    assert_eq!(e.service_accounts().unwrap().len(), 1);
    assert!(e.delete_service_account("c1").unwrap());
    assert!(e.service_account_by_key_id("k1").unwrap().is_none());
    e.put_api_key(
        "sky-key",
        &ApiKeyRecord {
            vault_id: None,
            roles: vec![],
        },
    )
    .unwrap();
    assert!(e.api_key("sky-key").unwrap().is_some());
    assert!(e.delete_api_key("sky-key").unwrap());
    assert!(e.api_key("sky-key").unwrap().is_none());
    assert_eq!(e.vault("nope").unwrap_err().http_code(), 404);
    assert_eq!(
        e.create_vault(Some("bad id!"), VaultSchema::quickstart())
            .unwrap_err()
            .http_code(),
        400
    );
}

/// A large insert is validated in two halves at once: the error still names the first
/// invalid record, in either half, and nothing of the request is stored.
#[test]
fn a_large_insert_names_its_first_invalid_record() {
    let (_e, v) = engine();
    let records = |bad: &[usize]| {
        let recs: Vec<Value> = (0..100)
            .map(|i| {
                let month = if bad.contains(&i) { "13" } else { "12" };
                json!({"fields": {"name": format!("N{i}"), "expiry_month": month}})
            })
            .collect();
        json!({"records": recs})
    };
    for (bad, named) in [(&[70][..], 70), (&[10, 70][..], 10), (&[49, 50][..], 49)] {
        let err = insert(&v, "table1", records(bad)).unwrap_err();
        assert_eq!(err.http_code(), 400);
        assert!(
            err.message()
                .starts_with(&format!("Insert failed for record {named}. ")),
            "{}",
            err.message()
        );
    }
    let all = insert(&v, "table1", records(&[])).unwrap();
    assert_eq!(all.records.len(), 100);
    // The failed requests stored nothing: the table holds the 100 records of the last one.
    let mut stored = 0;
    loop {
        let page = v
            .get(
                &ctx(),
                "table1",
                GetRequest {
                    limit: Some(25),
                    offset: Some(stored),
                    ..Default::default()
                },
            )
            .unwrap();
        if page.records.is_empty() {
            break;
        }
        stored += page.records.len() as i64;
    }
    assert_eq!(stored, 100);
}
