//! The token lifecycle through HTTP, in combinations of writes in one request
//! (batch, bulk insert, upsert, BYOT, column groups) against the rules of the crate docs'
//! "Token lifecycle".

mod http_support;

use http_support::{Harness, Reply, start_with};
use reqwest::Method;
use serde_json::{Value, json};
use skyflow_emulator::EmulatorOptions;

fn tag(name: &str, v: &str) -> Value {
    json!({"name": name, "values": [v]})
}

fn col(name: &str, policy: &str, unique: bool, group: Option<&str>) -> Value {
    let mut tags = vec![
        tag("skyflow.options.default_token_policy", policy),
        tag("skyflow.options.default_dlp_policy", "PLAIN_TEXT"),
    ];
    if let Some(g) = group {
        tags.push(tag("skyflow.options.column_group", g));
    }
    json!({"name": name, "datatype": "DT_STRING", "isUnique": unique, "tags": tags})
}

fn schema() -> Value {
    let id = json!({"name": "skyflow_id", "datatype": "DT_STRING", "tags": [
        {"name": "skyflow.options.data_type", "values": ["skyflow.SkyflowID"]}]});
    json!({"schemas": [
        {"name": "t", "fields": [
            id.clone(),
            col("email", "DETERMINISTIC_UUID", true, None),
            col("code", "NON_DETERMINISTIC_UUID", true, None),
            col("det", "DETERMINISTIC_UUID", false, None),
            col("rnd", "NON_DETERMINISTIC_UUID", false, None),
            col("ga", "DETERMINISTIC_UUID", false, Some("shared")),
            col("gb", "DETERMINISTIC_UUID", false, Some("shared")),
            col("trans", "NON_DETERMINISTIC_TRANSIENT_UUID", false, None),
            col("utrans", "NON_DETERMINISTIC_TRANSIENT_UUID", true, None),
        ]},
        {"name": "u", "fields": [
            id,
            col("gx", "DETERMINISTIC_UUID", false, Some("shared")),
            col("det", "DETERMINISTIC_UUID", false, None),
        ]}
    ]})
}

/// The id of the record a batch entry's answer `entry` wrote.
fn entry_id(entry: &Value) -> String {
    entry["Body"]["records"][0]["skyflow_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

struct H {
    h: Harness,
    _dir: tempfile::TempDir,
}

async fn harness() -> H {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.json");
    std::fs::write(&path, schema().to_string()).unwrap();
    H {
        h: start_with(EmulatorOptions::in_memory().schema_file(&path)).await,
        _dir: dir,
    }
}

/// An emulator on a data directory (restartable): the schema file sits beside it.
async fn harness_on(dir: &std::path::Path) -> Harness {
    let path = dir.join("review.json");
    std::fs::write(&path, schema().to_string()).unwrap();
    start_with(EmulatorOptions::with_data_dir(dir.join("data")).schema_file(&path)).await
}

impl H {
    async fn post(&self, path: &str, body: Value) -> Reply {
        self.h
            .call(
                Method::POST,
                &format!("/v1/vaults/{}{path}", self.h.vault()),
                Some(body),
            )
            .await
    }

    /// Inserts one record; (id, tokens).
    async fn ins(&self, table: &str, fields: Value) -> (String, Value) {
        let r = self
            .post(
                &format!("/{table}"),
                json!({"records": [{"fields": fields}], "tokenization": true}),
            )
            .await;
        let rec = r.ok()["records"][0].clone();
        (
            rec["skyflow_id"].as_str().unwrap().to_owned(),
            rec["tokens"].clone(),
        )
    }

    async fn update(&self, table: &str, id: &str, fields: Value) -> Reply {
        self.h
            .call(
                Method::PUT,
                &format!("/v1/vaults/{}/{table}/{id}", self.h.vault()),
                Some(json!({"record": {"fields": fields}, "tokenization": true})),
            )
            .await
    }

    /// Deletes record `id` of `table` (the answer must be a success).
    async fn delete(&self, table: &str, id: &str) {
        self.h
            .call(
                Method::DELETE,
                &format!("/v1/vaults/{}/{table}/{id}", self.h.vault()),
                None,
            )
            .await
            .ok();
    }

    async fn batch(&self, records: Value, coe: bool) -> Reply {
        self.post("", json!({"records": records, "continueOnError": coe}))
            .await
    }

    /// The value a token resolves to, or None when it is not found.
    async fn detok(&self, token: &Value) -> Option<String> {
        let r = self
            .post(
                "/detokenize",
                json!({"detokenizationParameters": [{"token": token, "redaction": "PLAIN_TEXT"}], "continueOnError": true}),
            )
            .await;
        let rec = &r.body["records"][0];
        if rec.get("error").is_some_and(|e| !e.is_null()) {
            return None;
        }
        rec["value"].as_str().map(str::to_owned)
    }

    /// The deterministic token tokenize answers for `value` in `table.column`, or None (404).
    async fn tokenize(&self, table: &str, column: &str, value: &str) -> Option<String> {
        let r = self
            .post(
                "/tokenize",
                json!({"tokenizationParameters": [{"value": value, "table": table, "column": column}]}),
            )
            .await;
        if r.status.as_u16() == 404 {
            return None;
        }
        r.ok()["records"][0]["token"].as_str().map(str::to_owned)
    }

    async fn get(&self, table: &str, id: &str) -> Reply {
        self.h
            .call(
                Method::GET,
                &format!(
                    "/v1/vaults/{}/{table}?skyflow_ids={id}&redaction=PLAIN_TEXT",
                    self.h.vault()
                ),
                None,
            )
            .await
    }
}

// Cases that pass: combinations the other tests did not cover, checked sound.

#[tokio::test]
async fn sound_a_batch_writing_one_deterministic_value_twice_gives_one_token() {
    let h = harness().await;
    for coe in [false, true] {
        let v = if coe { "v-coe" } else { "v-plain" };
        let r = h
            .batch(
                json!([
                    {"tableName": "t", "method": "POST", "fields": {"det": v}, "tokenization": true},
                    {"tableName": "t", "method": "POST", "fields": {"det": v}, "tokenization": true},
                    {"tableName": "u", "method": "POST", "fields": {"det": v}, "tokenization": true}
                ]),
                coe,
            )
            .await;
        let rs = r.ok()["responses"].as_array().unwrap().clone();
        let t0 = rs[0]["Body"]["records"][0]["tokens"]["det"].clone();
        let t1 = rs[1]["Body"]["records"][0]["tokens"]["det"].clone();
        assert_eq!(t0, t1, "coe={coe}");
        assert_eq!(h.detok(&t0).await.as_deref(), Some(v));
        assert_eq!(h.tokenize("t", "det", v).await.as_deref(), t0.as_str());
    }
}

#[tokio::test]
async fn sound_a_batch_changing_a_cell_then_writing_its_old_value_elsewhere() {
    let h = harness().await;
    for coe in [false, true] {
        let (a, ta) = h.ins("t", json!({"det": "old", "rnd": "old"})).await;
        let r = h
            .batch(
                json!([
                    {"tableName": "t", "method": "PUT", "ID": a, "fields": {"det": "new", "rnd": "new"}, "tokenization": true},
                    {"tableName": "t", "method": "POST", "fields": {"det": "old", "rnd": "old"}, "tokenization": true}
                ]),
                coe,
            )
            .await;
        let rs = r.ok()["responses"].as_array().unwrap().clone();
        let ta_new = rs[0]["Body"]["tokens"].clone();
        let tb = rs[1]["Body"]["records"][0]["tokens"].clone();
        assert_eq!(h.detok(&ta_new["det"]).await.as_deref(), Some("new"));
        assert_eq!(
            h.detok(&tb["det"]).await.as_deref(),
            Some("old"),
            "coe={coe}"
        );
        assert_eq!(h.detok(&ta_new["rnd"]).await.as_deref(), Some("new"));
        assert_eq!(h.detok(&tb["rnd"]).await.as_deref(), Some("old"));
        // A's old random token must not resolve (it was released).
        assert_eq!(h.detok(&ta["rnd"]).await, None, "coe={coe}");
        let old = h.detok(&ta["det"]).await;
        assert!(
            old.is_none() || old.as_deref() == Some("old"),
            "coe={coe}: {old:?}"
        );
        assert_eq!(
            h.tokenize("t", "det", "old").await.as_deref(),
            tb["det"].as_str()
        );
        // Cleanup: delete both.
        let b = entry_id(&rs[1]);
        for id in [a, b] {
            h.delete("t", &id).await;
        }
        assert_eq!(h.tokenize("t", "det", "old").await, None);
        assert_eq!(h.detok(&tb["det"]).await, None);
    }
}

#[tokio::test]
async fn sound_a_batch_deleting_the_holder_then_inserting_the_value_again() {
    let h = harness().await;
    for coe in [false, true] {
        let (a, ta) = h.ins("t", json!({"det": "x", "email": "e@x"})).await;
        let r = h
            .batch(
                json!([
                    {"tableName": "t", "method": "DELETE", "ID": a},
                    {"tableName": "t", "method": "POST", "fields": {"det": "x", "email": "e@x"}, "tokenization": true}
                ]),
                coe,
            )
            .await;
        let rs = r.ok()["responses"].as_array().unwrap().clone();
        assert_eq!(rs[1]["Status"], 200, "{rs:?}");
        let tb = rs[1]["Body"]["records"][0]["tokens"].clone();
        assert_eq!(h.detok(&tb["det"]).await.as_deref(), Some("x"), "coe={coe}");
        assert_eq!(
            h.detok(&tb["email"]).await.as_deref(),
            Some("e@x"),
            "coe={coe}"
        );
        let old = h.detok(&ta["det"]).await;
        assert!(old.is_none() || old.as_deref() == Some("x"));
        assert_eq!(
            h.tokenize("t", "det", "x").await.as_deref(),
            tb["det"].as_str()
        );
        let b = entry_id(&rs[1]);
        h.delete("t", &b).await;
        assert_eq!(h.detok(&tb["det"]).await, None);
        assert_eq!(h.tokenize("t", "det", "x").await, None);
    }
}

#[tokio::test]
async fn sound_a_failed_entry_between_entries_sharing_a_token() {
    let h = harness().await;
    let (a, ta) = h.ins("t", json!({"det": "x", "email": "a@x"})).await;
    let (_c, _) = h.ins("t", json!({"email": "taken@x"})).await;
    let r = h
        .batch(
            json!([
                {"tableName": "t", "method": "POST", "fields": {"det": "x", "email": "b@x"}, "tokenization": true},
                {"tableName": "t", "method": "PUT", "ID": a, "fields": {"det": "y", "email": "taken@x"}, "tokenization": true},
                {"tableName": "t", "method": "DELETE", "ID": a}
            ]),
            true,
        )
        .await;
    let rs = r.ok()["responses"].as_array().unwrap().clone();
    assert_eq!(rs[0]["Status"], 200);
    assert_eq!(rs[1]["Status"], 400);
    assert_eq!(rs[2]["Status"], 200);
    let tb = rs[0]["Body"]["records"][0]["tokens"].clone();
    assert_eq!(tb["det"], ta["det"]);
    assert_eq!(h.detok(&ta["det"]).await.as_deref(), Some("x"));
    assert_eq!(h.tokenize("t", "det", "y").await, None);
    // email a@x was freed by the delete
    let (_d, _) = h.ins("t", json!({"email": "a@x"})).await;
}

#[tokio::test]
async fn sound_a_cell_set_to_null_drops_its_token_and_frees_its_value() {
    let h = harness().await;
    let (a, ta) = h
        .ins(
            "t",
            json!({"det": "x", "rnd": "r", "email": "a@x", "code": "c1"}),
        )
        .await;
    let r = h
        .update(
            "t",
            &a,
            json!({"det": null, "rnd": null, "email": null, "code": null}),
        )
        .await;
    r.ok();
    assert_eq!(h.detok(&ta["det"]).await, None);
    assert_eq!(h.detok(&ta["rnd"]).await, None);
    assert_eq!(h.detok(&ta["email"]).await, None);
    assert_eq!(h.detok(&ta["code"]).await, None);
    assert_eq!(h.tokenize("t", "det", "x").await, None);
    let (_b, tb) = h
        .ins(
            "t",
            json!({"det": "x", "rnd": "r", "email": "a@x", "code": "c1"}),
        )
        .await;
    assert_eq!(h.detok(&tb["det"]).await.as_deref(), Some("x"));
    assert_eq!(h.detok(&tb["email"]).await.as_deref(), Some("a@x"));
    let g = h.get("t", &a).await;
    let f = &g.ok()["records"][0]["fields"];
    assert!(f.get("det").is_none_or(Value::is_null), "{f}");
}

#[tokio::test]
async fn sound_a_column_group_shares_one_token_across_columns_and_tables() {
    let h = harness().await;
    let (a, ta) = h.ins("t", json!({"ga": "x", "gb": "x"})).await;
    assert_eq!(ta["ga"], ta["gb"]);
    let (b, tb) = h.ins("u", json!({"gx": "x"})).await;
    assert_eq!(tb["gx"], ta["ga"]);
    let r = h.update("t", &a, json!({"ga": "y"})).await;
    let t2 = r.ok()["tokens"].clone();
    assert_eq!(h.detok(&ta["ga"]).await.as_deref(), Some("x"));
    assert_eq!(h.detok(&t2["ga"]).await.as_deref(), Some("y"));
    h.delete("t", &a).await;
    assert_eq!(h.detok(&ta["ga"]).await.as_deref(), Some("x"));
    assert_eq!(h.detok(&t2["ga"]).await, None);
    let r = h
        .post(
            "/tokenize",
            json!({"tokenizationParameters": [{"value": "x", "columnGroup": "shared"}]}),
        )
        .await;
    assert_eq!(r.ok()["records"][0]["token"], ta["ga"]);
    h.delete("u", &b).await;
    assert_eq!(h.detok(&ta["ga"]).await, None);
}

#[tokio::test]
async fn sound_one_record_holding_a_group_token_twice() {
    let h = harness().await;
    let (a, ta) = h.ins("t", json!({"ga": "x", "gb": "x"})).await;
    let r = h
        .batch(
            json!([
                {"tableName": "t", "method": "PUT", "ID": a, "fields": {"ga": "y"}, "tokenization": true},
                {"tableName": "t", "method": "PUT", "ID": a, "fields": {"gb": "y"}, "tokenization": true}
            ]),
            true,
        )
        .await;
    let rs = r.ok()["responses"].as_array().unwrap().clone();
    assert_eq!(rs[0]["Body"]["tokens"]["ga"], rs[1]["Body"]["tokens"]["gb"]);
    assert_eq!(h.detok(&ta["ga"]).await, None);
    assert_eq!(
        h.detok(&rs[0]["Body"]["tokens"]["ga"]).await.as_deref(),
        Some("y")
    );
}

#[tokio::test]
async fn sound_an_upsert_changing_another_unique_column() {
    let h = harness().await;
    let (a, ta) = h
        .ins("t", json!({"email": "e1", "code": "c1", "det": "d1"}))
        .await;
    let r = h
        .post("/t", json!({"records": [{"fields": {"email": "e1", "code": "c2", "det": "d2"}}], "tokenization": true, "upsert": "email"}))
        .await;
    let rec = r.ok()["records"][0].clone();
    assert_eq!(rec["skyflow_id"].as_str().unwrap(), a);
    assert_eq!(rec["tokens"]["email"], ta["email"]);
    assert_eq!(h.detok(&ta["code"]).await, None);
    assert_eq!(h.detok(&ta["det"]).await, None);
    assert_eq!(h.detok(&rec["tokens"]["code"]).await.as_deref(), Some("c2"));
    // c1 is free again
    let (_b, tb) = h.ins("t", json!({"code": "c1", "email": "e2"})).await;
    assert_eq!(h.detok(&tb["code"]).await.as_deref(), Some("c1"));
}

#[tokio::test]
async fn sound_a_bulk_upsert_of_two_records_onto_one_new_unique_value() {
    let h = harness().await;
    let r = h
        .post(
            "/t",
            json!({"records": [
                {"fields": {"email": "e1", "det": "d1", "rnd": "r1", "code": "c1"}},
                {"fields": {"email": "e1", "det": "d2", "rnd": "r2", "code": "c2"}}
            ], "tokenization": true, "upsert": "email"}),
        )
        .await;
    let recs = r.ok()["records"].as_array().unwrap().clone();
    assert_eq!(recs[0]["skyflow_id"], recs[1]["skyflow_id"]);
    let (t0, t1) = (recs[0]["tokens"].clone(), recs[1]["tokens"].clone());
    assert_eq!(t0["email"], t1["email"]);
    for c in ["det", "rnd", "code"] {
        assert_eq!(h.detok(&t0[c]).await, None, "{c}");
        assert!(h.detok(&t1[c]).await.is_some(), "{c}");
    }
    let id = recs[0]["skyflow_id"].as_str().unwrap();
    let g = h.get("t", id).await;
    let f = g.ok()["records"][0]["fields"].clone();
    assert_eq!(f["det"], "d2");
    assert_eq!(f["code"], "c2");
    let (_b, _) = h.ins("t", json!({"code": "c1", "email": "e9"})).await;
    // whole table has one record with email e1
    let r =
        h.h.call(
            Method::GET,
            &format!("/v1/vaults/{}/t?redaction=PLAIN_TEXT", h.h.vault()),
            None,
        )
        .await;
    assert_eq!(r.ok()["records"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn sound_byot_reuse_and_conflicts() {
    let h = harness().await;
    let byot = |fields: Value, tokens: Value| json!({"records": [{"fields": fields, "tokens": tokens}], "tokenization": true, "byot": "ENABLE"});
    let r = h
        .post("/t", byot(json!({"rnd": "x"}), json!({"rnd": "tok-a"})))
        .await;
    let a = r.ok()["records"][0]["skyflow_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // another value with the same token: refused
    h.post("/t", byot(json!({"rnd": "y"}), json!({"rnd": "tok-a"})))
        .await
        .expect_error(400);
    h.post("/t", byot(json!({"det": "y"}), json!({"det": "tok-a"})))
        .await
        .expect_error(400);
    h.post("/u", byot(json!({"det": "y"}), json!({"det": "tok-a"})))
        .await
        .expect_error(400);
    assert_eq!(h.detok(&json!("tok-a")).await.as_deref(), Some("x"));
    // deterministic value with a BYOT token, then without
    let r = h
        .post("/t", byot(json!({"det": "d"}), json!({"det": "tok-d"})))
        .await;
    r.ok();
    assert_eq!(h.tokenize("t", "det", "d").await.as_deref(), Some("tok-d"));
    let (_b, tb) = h.ins("t", json!({"det": "d"})).await;
    assert_eq!(tb["det"], "tok-d");
    h.post("/t", byot(json!({"det": "d"}), json!({"det": "tok-other"})))
        .await
        .expect_error(400);
    assert_eq!(h.detok(&json!("tok-other")).await, None);
    // bulk with two conflicting BYOT tokens for the same det value: nothing written
    let r = h
        .post(
            "/t",
            json!({"records": [
                {"fields": {"det": "n"}, "tokens": {"det": "k1"}},
                {"fields": {"det": "n"}, "tokens": {"det": "k2"}}], "tokenization": true, "byot": "ENABLE"}),
        )
        .await;
    r.expect_error(400);
    assert_eq!(h.detok(&json!("k1")).await, None);
    assert_eq!(h.tokenize("t", "det", "n").await, None);
    // random: same value rewritten with a new BYOT token replaces the old one
    let r = h
        .h
        .call(
            Method::PUT,
            &format!("/v1/vaults/{}/t/{a}", h.h.vault()),
            Some(json!({"record": {"fields": {"rnd": "x"}, "tokens": {"rnd": "tok-a2"}}, "tokenization": true, "byot": "ENABLE"})),
        )
        .await;
    r.ok();
    assert_eq!(h.detok(&json!("tok-a")).await, None);
    assert_eq!(h.detok(&json!("tok-a2")).await.as_deref(), Some("x"));
}

#[tokio::test]
async fn sound_byot_of_a_token_released_earlier_in_the_batch() {
    let h = harness().await;
    let (a, ta) = h.ins("t", json!({"rnd": "x"})).await;
    // A's value changes (its token released) and the same batch gives that token to another value
    for coe in [false, true] {
        let r = h
            .post(
                "",
                json!({"records": [
                    {"tableName": "t", "method": "PUT", "ID": a, "fields": {"rnd": "y"}, "tokenization": true},
                    {"tableName": "t", "method": "POST", "fields": {"rnd": "z"}, "tokens": {"rnd": ta["rnd"]}, "tokenization": true}
                ], "continueOnError": coe, "byot": "ENABLE"}),
            )
            .await;
        // Without continueOnError the token is still A's when the POST asks for it: 400.
        assert_eq!(r.status.is_success(), coe, "{}", r.body);
        let tok = h.detok(&ta["rnd"]).await;
        if coe {
            assert!(tok.is_none() || tok.as_deref() == Some("z"), "{tok:?}");
        } else {
            assert_eq!(tok.as_deref(), Some("x"));
        }
    }
}

#[tokio::test]
async fn sound_transient_tokens_outlive_changes_and_deletes() {
    let h = harness().await;
    let (a, ta) = h.ins("t", json!({"trans": "x", "det": "d"})).await;
    assert_eq!(h.detok(&ta["trans"]).await.as_deref(), Some("x"));
    let r = h.update("t", &a, json!({"trans": "y"})).await;
    let t2 = r.ok()["tokens"].clone();
    assert_eq!(h.detok(&ta["trans"]).await.as_deref(), Some("x"));
    assert_eq!(h.detok(&t2["trans"]).await.as_deref(), Some("y"));
    h.delete("t", &a).await;
    assert_eq!(h.detok(&t2["trans"]).await.as_deref(), Some("y"));
    assert_eq!(h.detok(&ta["det"]).await, None);
}

#[tokio::test]
async fn sound_a_batch_failing_late_changes_nothing() {
    let h = harness().await;
    let (a, ta) = h
        .ins("t", json!({"det": "x", "rnd": "r", "email": "a@x"}))
        .await;
    let r = h
        .batch(
            json!([
                {"tableName": "t", "method": "PUT", "ID": a, "fields": {"det": "y", "rnd": "s"}, "tokenization": true},
                {"tableName": "t", "method": "POST", "fields": {"det": "z"}, "tokenization": true},
                {"tableName": "t", "method": "DELETE", "ID": a},
                {"tableName": "t", "method": "POST", "fields": {"nope": 1}}
            ]),
            false,
        )
        .await;
    r.expect_error(400);
    assert_eq!(h.detok(&ta["det"]).await.as_deref(), Some("x"));
    assert_eq!(h.detok(&ta["rnd"]).await.as_deref(), Some("r"));
    assert_eq!(h.tokenize("t", "det", "y").await, None);
    assert_eq!(h.tokenize("t", "det", "z").await, None);
    let g = h.get("t", &a).await;
    assert_eq!(g.ok()["records"][0]["fields"]["det"], "x");
}

/// A unique column with a transient policy: its values are never stored in the record (like
/// every transient value), yet the write reserves the value in the unique index, and nothing
/// ever frees it: the record can't be written again with its own value, and after the record
/// is deleted no record can take the value (until the emulator restarts and rebuilds its
/// index from the stored records, which never held the value).
#[tokio::test]
async fn a_record_can_be_rewritten_with_its_own_transient_unique_value() {
    let h = harness().await;
    let (a, ta) = h.ins("t", json!({"utrans": "u1"})).await;
    assert_eq!(h.detok(&ta["utrans"]).await.as_deref(), Some("u1"));
    let r = h.update("t", &a, json!({"utrans": "u1"})).await;
    assert!(
        r.status.is_success(),
        "rewriting a record's own transient unique value: {} {}",
        r.status,
        r.body
    );
}

#[tokio::test]
async fn a_transient_unique_value_is_freed_when_its_record_is_deleted() {
    let h = harness().await;
    let (a, _) = h.ins("t", json!({"utrans": "u1"})).await;
    h.delete("t", &a).await;
    // No record holds u1 any more: another record may take it.
    let r = h
        .post(
            "/t",
            json!({"records": [{"fields": {"utrans": "u1"}}], "tokenization": true}),
        )
        .await;
    assert!(
        r.status.is_success(),
        "inserting a transient unique value no record holds: {} {}",
        r.status,
        r.body
    );
}

#[tokio::test]
async fn sound_a_restart_keeps_tokens_and_holder_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, ta, tr);
    {
        let h = H {
            h: harness_on(dir.path()).await,
            _dir: tempfile::tempdir().unwrap(),
        };
        let x = h.ins("t", json!({"det": "x", "ga": "g", "gb": "g"})).await;
        a = x.0;
        ta = x.1;
        let y = h.ins("t", json!({"det": "x", "rnd": "r"})).await;
        b = y.0;
        tr = y.1;
        h.h.emulator.shutdown().await;
    }
    let h = H {
        h: harness_on(dir.path()).await,
        _dir: tempfile::tempdir().unwrap(),
    };
    assert_eq!(
        h.tokenize("t", "det", "x").await.as_deref(),
        ta["det"].as_str()
    );
    let (_c, tc) = h.ins("u", json!({"gx": "g"})).await;
    assert_eq!(tc["gx"], ta["ga"]);
    h.delete("t", &a).await;
    assert_eq!(h.detok(&ta["det"]).await.as_deref(), Some("x"));
    assert_eq!(h.detok(&ta["ga"]).await.as_deref(), Some("g"));
    h.delete("t", &b).await;
    assert_eq!(h.detok(&ta["det"]).await, None);
    assert_eq!(h.detok(&tr["rnd"]).await, None);
    let (_d, td) = h.ins("t", json!({"det": "x"})).await;
    assert_eq!(h.detok(&td["det"]).await.as_deref(), Some("x"));
}

#[tokio::test]
async fn sound_a_failed_entry_after_a_new_token_keeps_its_count() {
    let h = harness().await;
    let (a, ta) = h.ins("t", json!({"det": "x", "email": "a@x"})).await;
    let (_c, _) = h.ins("t", json!({"email": "taken@x"})).await;
    let r = h
        .batch(
            json!([
                {"tableName": "t", "method": "DELETE", "ID": a},
                {"tableName": "t", "method": "POST", "fields": {"det": "x", "email": "b@x"}, "tokenization": true},
                {"tableName": "t", "method": "POST", "fields": {"det": "x", "email": "taken@x"}, "tokenization": true},
                {"tableName": "t", "method": "GET", "ID": a},
                {"tableName": "t", "method": "POST", "fields": {"det": "x", "email": "d@x"}, "tokenization": true}
            ]),
            true,
        )
        .await;
    let rs = r.ok()["responses"].as_array().unwrap().clone();
    let tb = rs[1]["Body"]["records"][0]["tokens"].clone();
    let td = rs[4]["Body"]["records"][0]["tokens"].clone();
    assert_eq!(tb["det"], td["det"]);
    assert_eq!(h.detok(&tb["det"]).await.as_deref(), Some("x"));
    let old = h.detok(&ta["det"]).await;
    assert!(old.is_none() || old.as_deref() == Some("x"));
    let b = entry_id(&rs[1]);
    let d = entry_id(&rs[4]);
    h.delete("t", &b).await;
    assert_eq!(h.detok(&tb["det"]).await.as_deref(), Some("x"));
    h.delete("t", &d).await;
    assert_eq!(h.detok(&tb["det"]).await, None);
    assert_eq!(h.tokenize("t", "det", "x").await, None);
}

#[tokio::test]
async fn sound_a_batch_get_sees_the_tokens_of_earlier_entries() {
    let h = harness().await;
    let (a, _ta) = h.ins("t", json!({"det": "x", "rnd": "r"})).await;
    let r = h
        .batch(
            json!([
                {"tableName": "t", "method": "PUT", "ID": a, "fields": {"det": "y", "rnd": "s"}, "tokenization": true},
                {"tableName": "t", "method": "GET", "ID": a, "tokenization": true}
            ]),
            false,
        )
        .await;
    let rs = r.ok()["responses"].as_array().unwrap().clone();
    let put = rs[0]["Body"]["tokens"].clone();
    let got = rs[1]["Body"]["records"][0]["fields"].clone();
    assert_eq!(got["det"], put["det"]);
    assert_eq!(got["rnd"], put["rnd"]);
}

#[tokio::test]
async fn sound_a_bulk_of_300_records_sharing_tokens_counts_every_holder() {
    let dir = tempfile::tempdir().unwrap();
    let h = H {
        h: harness_on(dir.path()).await,
        _dir: tempfile::tempdir().unwrap(),
    };
    let recs: Vec<Value> = (0..300)
        .map(|i| json!({"fields": {"det": "shared", "rnd": format!("r{i}"), "ga": format!("g{}", i % 7), "gb": "shared"}}))
        .collect();
    let r = h
        .post("/t", json!({"records": recs, "tokenization": true}))
        .await;
    let recs = r.ok()["records"].as_array().unwrap().clone();
    let t0 = recs[0]["tokens"].clone();
    assert!(recs.iter().all(|r| r["tokens"]["det"] == t0["det"]));
    let ids: Vec<String> = recs
        .iter()
        .map(|r| r["skyflow_id"].as_str().unwrap().to_owned())
        .collect();
    let r =
        h.h.call(
            Method::DELETE,
            &format!("/v1/vaults/{}/t", h.h.vault()),
            Some(json!({"skyflow_ids": ids[..299]})),
        )
        .await;
    r.ok();
    assert_eq!(h.detok(&t0["det"]).await.as_deref(), Some("shared"));
    assert_eq!(h.detok(&t0["gb"]).await.as_deref(), Some("shared"));
    assert_eq!(
        h.detok(&recs[299]["tokens"]["ga"]).await.as_deref(),
        Some("g5")
    );
    assert_eq!(h.detok(&t0["ga"]).await, None);
    assert_eq!(h.detok(&t0["rnd"]).await, None);
    h.delete("t", &ids[299]).await;
    assert_eq!(h.detok(&t0["det"]).await, None);
    assert_eq!(h.detok(&t0["gb"]).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sound_concurrent_writes_of_one_value_share_one_token() {
    let dir = tempfile::tempdir().unwrap();
    let h = std::sync::Arc::new(H {
        h: harness_on(dir.path()).await,
        _dir: tempfile::tempdir().unwrap(),
    });
    let mut tasks = Vec::new();
    for i in 0..24 {
        let h = h.clone();
        tasks.push(tokio::spawn(async move {
            let v = if i % 2 == 0 { "new" } else { "other" };
            let r = h
                .post(
                    "/t",
                    json!({"records": [{"fields": {"det": v}}], "tokenization": true}),
                )
                .await;
            (v.to_owned(), r.ok()["records"][0]["tokens"]["det"].clone())
        }));
    }
    let mut by: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for t in tasks {
        let (v, tok) = t.await.unwrap();
        assert_eq!(h.detok(&tok).await.as_deref(), Some(v.as_str()));
        by.entry(v)
            .or_default()
            .insert(tok.as_str().unwrap().to_owned());
    }
    assert_eq!(by["new"].len(), 1, "{by:?}");
    assert_eq!(by["other"].len(), 1, "{by:?}");
}

/// `DETERMINISTIC_PRESERVE_LEFT_6_RIGHT_4` on a value with at most 10 digits (or none): the
/// policy's token is the value itself, which `draw_token` refuses, so `issue_token` draws 32
/// times and gives up with an internal error: the insert answers 500 where a client error
/// (or another token) is due.
#[tokio::test]
async fn a_value_the_left6_right4_policy_cannot_change_is_no_internal_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cards.json");
    let id = json!({"name": "skyflow_id", "datatype": "DT_STRING", "tags": [
        {"name": "skyflow.options.data_type", "values": ["skyflow.SkyflowID"]}]});
    let s = json!({"schemas": [{"name": "c", "fields": [id,
        col("card", "DETERMINISTIC_PRESERVE_LEFT_6_RIGHT_4", false, None)]}]});
    std::fs::write(&path, s.to_string()).unwrap();
    let h = start_with(EmulatorOptions::in_memory().schema_file(&path)).await;
    let r = h
        .call(
            Method::POST,
            &format!("/v1/vaults/{}/c", h.vault()),
            Some(json!({"records": [{"fields": {"card": "4111111111"}}], "tokenization": true})),
        )
        .await;
    assert!(
        !r.status.is_server_error(),
        "insert of a 10-digit value: {} {}",
        r.status,
        r.body
    );
    // No digit is left to change: the value takes a UUID token.
    let token = r.ok()["records"][0]["tokens"]["card"].clone();
    assert_eq!(token.as_str().map(str::len), Some(36), "{token}");
}

/// A format with fewer tokens than the values written runs out: the writes it cannot serve
/// fail with a 400 that names the column, never a 500.
#[tokio::test]
async fn a_format_out_of_unused_tokens_answers_400_naming_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("digits.json");
    let id = json!({"name": "skyflow_id", "datatype": "DT_STRING", "tags": [
        {"name": "skyflow.options.data_type", "values": ["skyflow.SkyflowID"]}]});
    let digit = json!({"name": "digit", "datatype": "DT_STRING", "tags": [
        tag("skyflow.options.default_token_policy", "NON_DETERMINISTIC_FPT"),
        tag("skyflow.options.default_dlp_policy", "PLAIN_TEXT"),
        tag("skyflow.options.format_preserving_regex", "^[0-9]$")]});
    let s = json!({"schemas": [{"name": "d", "fields": [id, digit]}]});
    std::fs::write(&path, s.to_string()).unwrap();
    let h = start_with(EmulatorOptions::in_memory().schema_file(&path)).await;
    let (mut issued, mut refused) = (0, 0);
    // Ten tokens exist (one digit each); eleven values ask for eleven.
    for n in 0..11 {
        let r = h
            .call(
                Method::POST,
                &format!("/v1/vaults/{}/d", h.vault()),
                Some(json!({"records": [{"fields": {"digit": format!("value {n}")}}]})),
            )
            .await;
        if r.status.is_success() {
            issued += 1;
        } else {
            assert_eq!(r.status.as_u16(), 400, "{}", r.body);
            assert!(r.body.to_string().contains("column digit"), "{}", r.body);
            refused += 1;
        }
    }
    assert!(
        issued <= 10 && refused >= 1,
        "{issued} issued, {refused} refused"
    );
}

/// Uploads `bytes` into the `file` column of record `id` of `table1`, and returns the file's
/// token and a download URL from detokenize.
async fn upload_and_link(h: &Harness, id: &str, bytes: &'static [u8]) -> (Value, String) {
    let url = format!("/v2/vaults/{}/files/upload", h.vault());
    let form = reqwest::multipart::Form::new()
        .text("tableName", "table1")
        .text("columnName", "file")
        .text("skyflowID", id.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("f.txt"),
        );
    h.post_form(&url, form).await.ok();
    let got = h
        .call(
            Method::GET,
            &format!(
                "/v1/vaults/{}/table1?skyflow_ids={id}&tokenization=true&fields=file",
                h.vault()
            ),
            None,
        )
        .await;
    let token = got.ok()["records"][0]["fields"]["file"].clone();
    let got = h
        .call(
            Method::POST,
            &format!("/v1/vaults/{}/detokenize", h.vault()),
            Some(json!({"detokenizationParameters": [{"token": token}], "downloadURL": true})),
        )
        .await;
    let link = got.ok()["records"][0]["value"].as_str().unwrap().to_owned();
    (token, link)
}

/// A file cell set to null through update: the cell and its token go (detokenize answers
/// 404), but `write_cell` only drops the value and releases the token; the file row stays
/// (the file-delete endpoint and a new upload call `delete_cell_file`, update does not). A
/// download URL issued before still serves the file, where after the file-delete endpoint
/// it answers 404: the removed cell's content stays stored and reachable.
#[tokio::test]
async fn a_file_cell_set_to_null_no_longer_serves_its_file() {
    let h = http_support::start().await;
    let ins = h
        .insert(
            "table1",
            vec![json!({"name": "Filer"}), json!({"name": "Other"})],
            false,
        )
        .await;
    let id = ins["records"][0]["skyflow_id"].as_str().unwrap().to_owned();
    let other = ins["records"][1]["skyflow_id"].as_str().unwrap().to_owned();
    // The file-delete endpoint: the file's URL answers 404 afterwards.
    let (_, other_link) = upload_and_link(&h, &other, b"other file").await;
    h.call(
        Method::DELETE,
        &format!("/v1/vaults/{}/table1/{other}/files/file", h.vault()),
        None,
    )
    .await
    .ok();
    assert_eq!(
        h.client.get(&other_link).send().await.unwrap().status(),
        404
    );
    // The same file removed by setting its cell to null.
    let (token, link) = upload_and_link(&h, &id, b"secret file").await;
    assert_eq!(h.client.get(&link).send().await.unwrap().status(), 200);
    h.call(
        Method::PUT,
        &format!("/v1/vaults/{}/table1/{id}", h.vault()),
        Some(json!({"record": {"fields": {"file": null}}})),
    )
    .await
    .ok();
    let got = h
        .call(
            Method::POST,
            &format!("/v1/vaults/{}/detokenize", h.vault()),
            Some(json!({"detokenizationParameters": [{"token": token}], "continueOnError": true})),
        )
        .await;
    assert!(got.body["records"][0]["error"].is_string(), "{}", got.body);
    let resp = h.client.get(&link).send().await.unwrap();
    let status = resp.status();
    let body = resp.bytes().await.unwrap();
    assert_eq!(
        status,
        404,
        "the removed file is still served: {:?}",
        String::from_utf8_lossy(&body)
    );
}

/// A `DT_FLOAT` column keeps a JSON integer as an integer and a string or a JSON float as a
/// float (`normalize`), and deterministic tokens and unique values are keyed on the value's
/// JSON text (`canon_ref`/`canon`): `2` and `2.0` are one number but two keys. So one value
/// gets two deterministic tokens (tokenize of "2" answers the other record's token), and a
/// unique float column takes 3 and 3.0 in two records.
#[tokio::test]
async fn one_float_value_has_one_deterministic_token_and_one_unique_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("floats.json");
    let id = json!({"name": "skyflow_id", "datatype": "DT_STRING", "tags": [
        {"name": "skyflow.options.data_type", "values": ["skyflow.SkyflowID"]}]});
    let float = |name: &str, unique: bool| {
        json!({"name": name, "datatype": "DT_FLOAT", "isUnique": unique, "tags": [
            {"name": "skyflow.options.default_token_policy", "values": ["DETERMINISTIC_UUID"]},
            {"name": "skyflow.options.default_dlp_policy", "values": ["PLAIN_TEXT"]}]})
    };
    let s = json!({"schemas": [{"name": "f", "fields": [id, float("amt", false), float("uamt", true)]}]});
    std::fs::write(&path, s.to_string()).unwrap();
    let h = start_with(EmulatorOptions::in_memory().schema_file(&path)).await;
    let insert = |fields: Value| {
        let h = &h;
        async move {
            h.call(
                Method::POST,
                &format!("/v1/vaults/{}/f", h.vault()),
                Some(json!({"records": [{"fields": fields}], "tokenization": true})),
            )
            .await
        }
    };
    let a = insert(json!({"amt": 2, "uamt": 3})).await;
    let ta = a.ok()["records"][0]["tokens"]["amt"].clone();
    let b = insert(json!({"amt": 2.0})).await;
    let tb = b.ok()["records"][0]["tokens"]["amt"].clone();
    let c = insert(json!({"amt": "2"})).await;
    let tc = c.ok()["records"][0]["tokens"]["amt"].clone();
    let tokenized = h
        .call(
            Method::POST,
            &format!("/v1/vaults/{}/tokenize", h.vault()),
            Some(
                json!({"tokenizationParameters": [{"value": "2", "table": "f", "column": "amt"}]}),
            ),
        )
        .await;
    let tt = tokenized.ok()["records"][0]["token"].clone();
    let d = insert(json!({"uamt": 3.0})).await;
    assert_eq!(
        [&tb, &tc, &tt],
        [&ta, &ta, &ta],
        "tokens of 2 written as 2, 2.0 and \"2\", and tokenize of \"2\""
    );
    assert_eq!(
        d.status, 400,
        "3.0 in a unique column holding 3: {}",
        d.body
    );
}
