//! The token lifecycle through HTTP, for every token policy: insert, upsert, update (one
//! record and in a batch) and delete. The rules (documented in the emulator's crate docs,
//! "Token lifecycle"):
//! - a deterministic policy gives a value one token per column group: writing the value again,
//!   in the same record or another, answers the same token;
//! - writing a cell's current value again (upsert or update) keeps the cell's token, whatever
//!   the policy (transient tokens excepted: every write issues a fresh one with a full TTL);
//! - a token never resolves to a value it was not issued for: when a cell's value changes,
//!   its old token is dropped unless another cell still holds that value (deterministic);
//! - deleting a record drops the persistent tokens no other cell holds.

mod http_support;

use std::collections::BTreeMap;

use http_support::{Harness, start_with};
use reqwest::Method;
use serde_json::{Value, json};
use skyflow_emulator::EmulatorOptions;

/// Columns of the test table: (name, policy, first value, second value).
const COLUMNS: &[(&str, &str, &str, &str)] = &[
    ("det_uuid", "DETERMINISTIC_UUID", "alpha", "beta"),
    ("rand_uuid", "NON_DETERMINISTIC_UUID", "alpha", "beta"),
    (
        "det_fpt",
        "DETERMINISTIC_FPT",
        "4111-1111-1111-1111",
        "5555-5555-5555-4444",
    ),
    (
        "rand_fpt",
        "NON_DETERMINISTIC_FPT",
        "4111-1111-1111-1111",
        "5555-5555-5555-4444",
    ),
    ("fpt_token", "FORMAT_PRESERVING_TOKEN", "AB-1234", "CD-5678"),
    ("random_token", "RANDOM_TOKEN", "alpha", "beta"),
    (
        "card_l6r4",
        "DETERMINISTIC_PRESERVE_LEFT_6_RIGHT_4",
        "4111111111111111",
        "5555555555554444",
    ),
    (
        "email_domain",
        "DETERMINISTIC_PRESERVE_EMAIL_DOMAIN",
        "jane@example.com",
        "john@example.org",
    ),
    (
        "transient",
        "NON_DETERMINISTIC_TRANSIENT_UUID",
        "alpha",
        "beta",
    ),
];

fn deterministic(policy: &str) -> bool {
    // FORMAT_PRESERVING_TOKEN and RANDOM_TOKEN are persistent per value in this emulator
    // (see the crate docs); the NON_DETERMINISTIC_* policies are per occurrence.
    !policy.starts_with("NON_DETERMINISTIC")
}

fn transient(policy: &str) -> bool {
    policy == "NON_DETERMINISTIC_TRANSIENT_UUID"
}

fn schema() -> Value {
    let mut fields = vec![
        json!({"name": "skyflow_id", "datatype": "DT_STRING", "tags": [
            {"name": "skyflow.options.data_type", "values": ["skyflow.SkyflowID"]}]}),
        json!({"name": "email", "datatype": "DT_STRING", "isUnique": true, "tags": [
            {"name": "skyflow.options.default_token_policy", "values": ["DETERMINISTIC_UUID"]},
            {"name": "skyflow.options.default_dlp_policy", "values": ["PLAIN_TEXT"]}]}),
    ];
    for (name, policy, _, _) in COLUMNS {
        let mut tags = vec![
            json!({"name": "skyflow.options.default_token_policy", "values": [policy]}),
            json!({"name": "skyflow.options.default_dlp_policy", "values": ["PLAIN_TEXT"]}),
        ];
        if policy.ends_with("_FPT") {
            tags.push(json!({"name": "skyflow.options.format_preserving_regex",
                "values": ["^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{4}$"]}));
        }
        fields.push(json!({"name": name, "datatype": "DT_STRING", "tags": tags}));
    }
    json!({"schemas": [{"name": "wallet", "fields": fields}]})
}

async fn harness() -> (Harness, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lifecycle.json");
    std::fs::write(&path, schema().to_string()).unwrap();
    (
        start_with(EmulatorOptions::in_memory().schema_file(&path)).await,
        dir,
    )
}

fn fields(email: &str, second: bool) -> Value {
    let mut f = serde_json::Map::new();
    f.insert("email".into(), json!(email));
    for (name, _, a, b) in COLUMNS {
        f.insert((*name).into(), json!(if second { b } else { a }));
    }
    Value::Object(f)
}

type Tokens = BTreeMap<String, String>;

fn tokens_of(v: &Value) -> Tokens {
    v.as_object()
        .expect("tokens object")
        .iter()
        .filter(|(k, _)| *k != "email")
        .map(|(k, t)| (k.clone(), t.as_str().expect("token string").to_owned()))
        .collect()
}

/// Inserts (or upserts on email) one record; its id and tokens.
async fn insert(h: &Harness, email: &str, second: bool, upsert: bool) -> (String, Tokens) {
    let mut body = json!({"records": [{"fields": fields(email, second)}], "tokenization": true});
    if upsert {
        body["upsert"] = json!("email");
    }
    let reply = h
        .call(
            Method::POST,
            &format!("/v1/vaults/{}/wallet", h.vault()),
            Some(body),
        )
        .await;
    let rec = &reply.ok()["records"][0];
    (
        rec["skyflow_id"].as_str().unwrap().to_owned(),
        tokens_of(&rec["tokens"]),
    )
}

async fn update(h: &Harness, id: &str, second: bool) -> Tokens {
    let mut f = fields("", second);
    f.as_object_mut().unwrap().remove("email");
    let reply = h
        .call(
            Method::PUT,
            &format!("/v1/vaults/{}/wallet/{id}", h.vault()),
            Some(json!({"record": {"fields": f}, "tokenization": true})),
        )
        .await;
    tokens_of(&reply.ok()["tokens"])
}

/// Deletes one record; the call must succeed.
async fn delete(h: &Harness, id: &str) {
    h.call(
        Method::DELETE,
        &format!("/v1/vaults/{}/wallet/{id}", h.vault()),
        None,
    )
    .await
    .ok();
}

/// Detokenizes every token: column → Some(value) or None (not found).
async fn detokenize(h: &Harness, tokens: &Tokens) -> BTreeMap<String, Option<String>> {
    let params: Vec<Value> = tokens
        .values()
        .map(|t| json!({"token": t, "redaction": "PLAIN_TEXT"}))
        .collect();
    let reply = h
        .call(
            Method::POST,
            &format!("/v1/vaults/{}/detokenize", h.vault()),
            Some(json!({"detokenizationParameters": params, "continueOnError": true})),
        )
        .await;
    let records = reply.body["records"].as_array().expect("records").clone();
    tokens
        .keys()
        .zip(records)
        .map(|(col, r)| {
            let value = r.get("value").and_then(Value::as_str).map(str::to_owned);
            let found = r.get("error").is_none_or(Value::is_null);
            (col.clone(), found.then_some(value).flatten())
        })
        .collect()
}

fn value(col: &str, second: bool) -> String {
    let (_, _, a, b) = COLUMNS.iter().find(|c| c.0 == col).unwrap();
    (if second { *b } else { *a }).to_owned()
}

fn policy(col: &str) -> &'static str {
    COLUMNS.iter().find(|c| c.0 == col).unwrap().1
}

#[tokio::test]
async fn upsert_of_the_same_values_keeps_every_token_and_it_still_detokenizes() {
    let (h, _dir) = harness().await;
    let (id, first) = insert(&h, "a@example.com", false, false).await;
    let (again, upserted) = insert(&h, "a@example.com", false, true).await;
    assert_eq!(again, id, "the upsert found the record by its unique email");
    for (col, token) in &first {
        if transient(policy(col)) {
            assert_ne!(
                &upserted[col], token,
                "{col}: every write issues a fresh transient token"
            );
        } else {
            assert_eq!(
                &upserted[col], token,
                "{col}: the same value keeps its token"
            );
        }
    }
    // The first tokens (and the transient one of the upsert) resolve to their values.
    for tokens in [&first, &upserted] {
        for (col, got) in detokenize(&h, tokens).await {
            assert_eq!(got.as_deref(), Some(value(&col, false).as_str()), "{col}");
        }
    }
    // The same through PUT of the record with its current values.
    let updated = update(&h, &id, false).await;
    for (col, token) in &first {
        if !transient(policy(col)) {
            assert_eq!(
                &updated[col], token,
                "{col}: an update to the same value keeps the token"
            );
        }
    }
}

#[tokio::test]
async fn an_update_never_lets_an_old_token_resolve_to_the_new_value() {
    let (h, _dir) = harness().await;
    let (id, old) = insert(&h, "a@example.com", false, false).await;
    let new = update(&h, &id, true).await;
    for (col, token) in &old {
        assert_ne!(&new[col], token, "{col}: a new value gets a new token");
    }
    for (col, got) in detokenize(&h, &new).await {
        assert_eq!(got.as_deref(), Some(value(&col, true).as_str()), "{col}");
    }
    for (col, got) in detokenize(&h, &old).await {
        if transient(policy(&col)) {
            // A transient token lives until its TTL, with the value it was issued for.
            assert_eq!(got.as_deref(), Some(value(&col, false).as_str()), "{col}");
        } else {
            // Nobody holds the old value any more: its token is gone, and never resolves to
            // the new value.
            assert_eq!(got, None, "{col}: the old token of a changed value");
        }
    }
    // Upsert to new values behaves the same.
    let (_, upserted) = insert(&h, "a@example.com", false, true).await;
    for (col, got) in detokenize(&h, &new).await {
        assert_ne!(got.as_deref(), Some(value(&col, false).as_str()), "{col}");
    }
    for (col, got) in detokenize(&h, &upserted).await {
        assert_eq!(got.as_deref(), Some(value(&col, false).as_str()), "{col}");
    }
}

#[tokio::test]
async fn a_shared_deterministic_value_keeps_its_token_while_any_record_holds_it() {
    let (h, _dir) = harness().await;
    let (a, ta) = insert(&h, "a@example.com", false, false).await;
    let (b, tb) = insert(&h, "b@example.com", false, false).await;
    for (col, token) in &ta {
        if deterministic(policy(col)) {
            assert_eq!(&tb[col], token, "{col}: one value, one token");
        } else {
            assert_ne!(&tb[col], token, "{col}: a token per occurrence");
        }
    }
    // Changing A's values keeps B's (shared) tokens alive.
    update(&h, &a, true).await;
    for (col, got) in detokenize(&h, &tb).await {
        assert_eq!(got.as_deref(), Some(value(&col, false).as_str()), "{col}");
    }
    // A takes the first values back: deterministic columns answer B's tokens again.
    let back = update(&h, &a, false).await;
    for (col, token) in &tb {
        if deterministic(policy(col)) {
            assert_eq!(&back[col], token, "{col}");
        }
    }
    // Deleting B keeps the shared tokens resolving for A.
    delete(&h, &b).await;
    for (col, got) in detokenize(&h, &back).await {
        assert_eq!(got.as_deref(), Some(value(&col, false).as_str()), "{col}");
    }
    // B's own random tokens went with it; deleting A too drops the shared ones.
    for (col, got) in detokenize(&h, &tb).await {
        let p = policy(&col);
        if !deterministic(p) && !transient(p) {
            assert_eq!(got, None, "{col}: a deleted record's own token");
        }
    }
    delete(&h, &a).await;
    for (col, got) in detokenize(&h, &back).await {
        if !transient(policy(&col)) {
            assert_eq!(got, None, "{col}: no record holds the value any more");
        }
    }
}

#[tokio::test]
async fn bulk_writes_follow_the_same_rules() {
    let (h, _dir) = harness().await;
    let path = format!("/v1/vaults/{}/wallet", h.vault());
    // A bulk insert of two records with the same values.
    let reply = h
        .call(
            Method::POST,
            &path,
            Some(
                json!({"records": [{"fields": fields("a@example.com", false)},
                                    {"fields": fields("b@example.com", false)}],
                        "tokenization": true}),
            ),
        )
        .await;
    let recs = reply.ok()["records"].as_array().unwrap().clone();
    let (ta, tb) = (tokens_of(&recs[0]["tokens"]), tokens_of(&recs[1]["tokens"]));
    let ids: Vec<String> = recs
        .iter()
        .map(|r| r["skyflow_id"].as_str().unwrap().to_owned())
        .collect();
    // A bulk upsert of both with the same values keeps every persistent token.
    let reply = h
        .call(
            Method::POST,
            &path,
            Some(
                json!({"records": [{"fields": fields("a@example.com", false)},
                                    {"fields": fields("b@example.com", false)}],
                        "tokenization": true, "upsert": "email"}),
            ),
        )
        .await;
    let recs = reply.ok()["records"].as_array().unwrap().clone();
    for (before, after) in [
        (&ta, tokens_of(&recs[0]["tokens"])),
        (&tb, tokens_of(&recs[1]["tokens"])),
    ] {
        for (col, token) in before {
            if !transient(policy(col)) {
                assert_eq!(&after[col], token, "{col}");
            }
        }
    }
    // A batch updates A to new values and B to its same values.
    let mut fa = fields("", true);
    fa.as_object_mut().unwrap().remove("email");
    let mut fb = fields("", false);
    fb.as_object_mut().unwrap().remove("email");
    let reply = h
        .call(
            Method::POST,
            &format!("/v1/vaults/{}", h.vault()),
            Some(json!({"records": [
                {"tableName": "wallet", "method": "PUT", "ID": ids[0], "fields": fa, "tokenization": true},
                {"tableName": "wallet", "method": "PUT", "ID": ids[1], "fields": fb, "tokenization": true}]})),
        )
        .await;
    let responses = reply.ok()["responses"].as_array().unwrap().clone();
    let new_a = tokens_of(&responses[0]["Body"]["tokens"]);
    let same_b = tokens_of(&responses[1]["Body"]["tokens"]);
    for (col, token) in &tb {
        if !transient(policy(col)) {
            assert_eq!(&same_b[col], token, "{col}: B kept its tokens");
        }
    }
    for (col, got) in detokenize(&h, &new_a).await {
        assert_eq!(got.as_deref(), Some(value(&col, true).as_str()), "{col}");
    }
    for (col, got) in detokenize(&h, &ta).await {
        let p = policy(&col);
        if transient(p) {
            continue;
        }
        if deterministic(p) {
            // B still holds the first values.
            assert_eq!(got.as_deref(), Some(value(&col, false).as_str()), "{col}");
        } else {
            assert_eq!(got, None, "{col}: A's old random token");
        }
    }
}
