//! Storage: restart persistence, encryption at rest (no plaintext in db or WAL), key checks.

use serde_json::json;
use skyflow_emulator::engine::*;

fn insert(v: &Vault, fields: serde_json::Value) -> InsertedRecord {
    v.insert(
        &RequestContext::system(),
        "table1",
        serde_json::from_value(json!({"records": [{"fields": fields}], "tokenization": true}))
            .unwrap(),
    )
    .unwrap()
    .records
    .remove(0)
}

/// Runs `check` on vault `v1`, then again after the engine in `dir` is closed and opened.
fn check_across_a_restart(dir: &std::path::Path, open: (Engine, Vault), check: impl Fn(&Vault)) {
    check(&open.1);
    drop(open);
    let e = Engine::open(EngineConfig::on_disk(dir)).unwrap();
    check(&e.vault("v1").unwrap());
}

/// An on-disk engine in `dir` with vault `v1` of the default schema.
fn open_v1(dir: &std::path::Path) -> (Engine, Vault) {
    let e = Engine::open(EngineConfig::on_disk(dir)).unwrap();
    let id = e
        .create_vault(Some("v1"), VaultSchema::default_schema())
        .unwrap();
    let v = e.vault(&id).unwrap();
    (e, v)
}

#[test]
fn restart_keeps_vaults_records_tokens_and_meta() {
    let dir = tempfile::tempdir().unwrap();
    let (vault_id, rec) = {
        let e = Engine::open(EngineConfig::on_disk(dir.path())).unwrap();
        let id = e
            .create_vault(Some("v1"), VaultSchema::default_schema())
            .unwrap();
        e.meta_put("api_key", b"sky-12345").unwrap();
        let r = insert(
            &e.vault(&id).unwrap(),
            json!({"name": "Persist", "email": "p@x.com"}),
        );
        (id, r)
    };
    let e = Engine::open(EngineConfig::on_disk(dir.path())).unwrap();
    assert_eq!(e.meta_get("api_key").unwrap().unwrap(), b"sky-12345");
    let v = e.vault(&vault_id).unwrap();
    let got = v
        .get_one(
            &RequestContext::system(),
            "table1",
            &rec.skyflow_id,
            GetOneRequest {
                redaction: Some(Redaction::PlainText),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(got.fields["name"], json!("Persist"));
    let token = rec.tokens.as_ref().unwrap()["name"].as_str().unwrap();
    let d = v
        .detokenize(
            &RequestContext::system(),
            serde_json::from_value(
                json!({"detokenizationParameters": [{"token": token, "redaction": "PLAIN_TEXT"}]}),
            )
            .unwrap(),
        )
        .unwrap();
    assert_eq!(d.records[0].value.as_deref(), Some("Persist"));
    // Deterministic tokens stay stable across the restart.
    let again = insert(&v, json!({"name": "Persist"}));
    assert_eq!(again.tokens.unwrap()["name"], json!(token));
    // Unique index survives too.
    let dup = v.insert(
        &RequestContext::system(),
        "table1",
        serde_json::from_value(json!({"records": [{"fields": {"email": "p@x.com"}}]})).unwrap(),
    );
    assert_eq!(dup.unwrap_err().grpc_code(), 9);
}

#[test]
fn no_plaintext_in_database_files() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineConfig::on_disk(dir.path())).unwrap();
    let v = e
        .vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap())
        .unwrap();
    let sentinels = [
        "Zanzibar-Sentinel-Name",
        "sentinel.mail@example.org",
        "987-65-4320",
        "4929123456781234",
    ];
    let mut tokens = Vec::new();
    for i in 0..20 {
        let r = insert(
            &v,
            json!({"name": sentinels[0], "email": format!("{i}{}", sentinels[1]), "ssn": sentinels[2], "card_number": sentinels[3]}),
        );
        tokens.extend(
            r.tokens
                .unwrap()
                .values()
                .map(|t| t.as_str().unwrap().to_string()),
        );
    }
    v.upload_file(
        &RequestContext::system(),
        FileUpload {
            table: "table1".into(),
            column: "file".into(),
            skyflow_id: None,
            file_name: "f.txt".into(),
            content_type: None,
            data: b"Zanzibar-Sentinel-File-Body".to_vec(),
            return_file_metadata: false,
        },
    )
    .unwrap();
    let _ = v
        .query(
            &RequestContext::system(),
            "SELECT name FROM table1 WHERE name = 'Zanzibar-Sentinel-Name'",
        )
        .unwrap();
    // A failing query whose error message names a value typed without quotes.
    let err = v
        .query(
            &RequestContext::system(),
            "SELECT name FROM table1 WHERE name = Zanzibar_Sentinel_Unquoted",
        )
        .unwrap_err();
    assert_eq!(err.http_code(), 400);
    // Everything buffered is on disk before the files are scanned.
    e.flush().unwrap();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("emulator.db")
        {
            files.push(p);
        }
    }
    assert!(
        files.iter().any(|p| p.to_string_lossy().ends_with("-wal")),
        "WAL file present: {files:?}"
    );
    for p in &files {
        let bytes = std::fs::read(p).unwrap();
        for s in sentinels
            .iter()
            .copied()
            .chain(["Zanzibar-Sentinel-File-Body", "Zanzibar_Sentinel_Unquoted"])
        {
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                "{s} found in {}",
                p.display()
            );
        }
        for t in &tokens {
            assert!(
                !bytes.windows(t.len()).any(|w| w == t.as_bytes()),
                "a token found in {}",
                p.display()
            );
        }
    }
}

#[test]
fn read_audit_events_are_durable_before_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineConfig::on_disk(dir.path())).unwrap();
    let id = e.create_vault(None, VaultSchema::default_schema()).unwrap();
    let v = e.vault(&id).unwrap();
    let r = insert(&v, json!({"name": "Audited Read"}));
    let mut ctx = RequestContext::system();
    ctx.actor = "reader-before-crash".into();
    let req = GetRequest {
        skyflow_ids: vec![r.skyflow_id.clone()],
        ..Default::default()
    };
    v.get(&ctx, "table1", req).unwrap();
    // A failed write afterwards must not take the read's event down with it.
    let mut bad = RequestContext::system();
    bad.actor = "failed-writer".into();
    assert!(
        v.insert(
            &bad,
            "no_such_table",
            serde_json::from_value(json!({"records": [{"fields": {"name": "x"}}]})).unwrap(),
        )
        .is_err()
    );
    // Simulate kill -9: no destructor, no flush.
    std::mem::forget(v);
    std::mem::forget(e);
    let again = Engine::open(EngineConfig::on_disk(dir.path())).unwrap();
    let events = again
        .audit_events(&AuditFilter {
            actor: Some("reader-before-crash".into()),
            ..Default::default()
        })
        .unwrap()
        .event;
    assert_eq!(events.len(), 1, "the read's audit event survived");
    assert_eq!(events[0].request["actionType"], "READ");
    assert!(
        events[0]
            .resource_ids
            .contains(&format!("RECORD/{}", r.skyflow_id))
    );
    let failed = again
        .audit_events(&AuditFilter {
            actor: Some("failed-writer".into()),
            ..Default::default()
        })
        .unwrap()
        .event;
    assert_eq!(failed.len(), 1, "the failed write is audited too");
    assert_eq!(failed[0].response["code"], 400);
}

/// Reads' events live in a store of their own on disk (so their commits leave the main
/// store's readers their page caches); the listing still shows every event in time order,
/// pages across both stores and survives a restart.
#[test]
fn audit_listing_merges_read_and_write_events_in_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineConfig::on_disk(dir.path())).unwrap();
    let id = e.create_vault(None, VaultSchema::default_schema()).unwrap();
    let v = e.vault(&id).unwrap();
    let mut ctx = RequestContext::system();
    ctx.actor = "interleaved".into();
    let mut expected = Vec::new();
    for i in 0..3 {
        let r = v
            .insert(
                &ctx,
                "table1",
                serde_json::from_value(json!({"records": [{"fields": {"name": format!("N{i}")}}]}))
                    .unwrap(),
            )
            .unwrap();
        expected.push("CREATE");
        let req = GetRequest {
            skyflow_ids: vec![r.records[0].skyflow_id.clone()],
            ..Default::default()
        };
        v.get(&ctx, "table1", req).unwrap();
        expected.push("READ");
    }
    assert!(dir.path().join("read-audit").join("emulator.db").exists());
    let list = |e: &Engine, ascending: bool, limit: usize, offset: usize| -> Vec<String> {
        e.audit_events(&AuditFilter {
            actor: Some("interleaved".into()),
            ascending,
            limit: Some(limit),
            offset: Some(offset),
            ..Default::default()
        })
        .unwrap()
        .event
        .iter()
        .map(|ev| ev.request["actionType"].as_str().unwrap().to_string())
        .collect()
    };
    assert_eq!(list(&e, true, 100, 0), expected);
    let newest_first: Vec<&str> = expected.iter().rev().copied().collect();
    assert_eq!(list(&e, false, 100, 0), newest_first);
    assert_eq!(list(&e, true, 2, 3), expected[3..5]);
    assert_eq!(list(&e, false, 4, 1), newest_first[1..5]);
    drop(v);
    drop(e);
    let again = Engine::open(EngineConfig::on_disk(dir.path())).unwrap();
    assert_eq!(list(&again, true, 100, 0), expected);
}

#[test]
fn concurrent_reads_group_commit_every_audit_event_once() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineConfig::on_disk(dir.path())).unwrap();
    let id = e.create_vault(None, VaultSchema::default_schema()).unwrap();
    let v = e.vault(&id).unwrap();
    let r = insert(&v, json!({"name": "Many Readers"}));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let v = v.clone();
            let sid = r.skyflow_id.clone();
            std::thread::spawn(move || {
                for n in 0..25 {
                    let mut ctx = RequestContext::system();
                    ctx.actor = "group-reader".into();
                    ctx.request_id = format!("read-{t}-{n}");
                    let req = GetRequest {
                        skyflow_ids: vec![sid.clone()],
                        ..Default::default()
                    };
                    v.get(&ctx, "table1", req).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let events = e
        .audit_events(&AuditFilter {
            actor: Some("group-reader".into()),
            limit: Some(1000),
            ..Default::default()
        })
        .unwrap()
        .event;
    assert_eq!(events.len(), 200);
    let mut ids: Vec<String> = events
        .iter()
        .map(|ev| ev.context["requestID"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200, "each read audited exactly once");
}

/// A new store numbers its audit rows by row id alone (no `sqlite_sequence` to update in every
/// write), in the order they were written, across a restart too.
#[test]
fn a_new_store_numbers_audit_rows_in_order_without_a_sequence_table() {
    let dir = tempfile::tempdir().unwrap();
    let seqs = |dir: &std::path::Path| -> Vec<(i64, String)> {
        let c = rusqlite::Connection::open(dir.join("emulator.db")).unwrap();
        let sequence: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_sequence'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(sequence, 0, "a new store has no AUTOINCREMENT table");
        let mut st = c
            .prepare("SELECT seq, actor FROM sky_audit WHERE actor LIKE 'n%' ORDER BY seq")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let write = |v: &Vault, actor: &str| {
        let mut ctx = RequestContext::system();
        ctx.actor = actor.into();
        let body = json!({"records": [{"fields": {"name": actor}}]});
        v.insert(&ctx, "table1", serde_json::from_value(body).unwrap())
            .unwrap();
    };
    let (e, v) = open_v1(dir.path());
    for actor in ["n1", "n2", "n3"] {
        write(&v, actor);
    }
    drop((v, e));
    let e = Engine::open(EngineConfig::on_disk(dir.path())).unwrap();
    let v = e.vault("v1").unwrap();
    write(&v, "n4");
    drop((v, e));
    let rows = seqs(dir.path());
    let actors: Vec<&str> = rows.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(actors, ["n1", "n2", "n3", "n4"]);
    assert!(rows.windows(2).all(|w| w[0].0 < w[1].0), "{rows:?}");
}

#[test]
fn refuses_missing_or_wrong_key() {
    let dir = tempfile::tempdir().unwrap();
    drop(Engine::open(EngineConfig::on_disk(dir.path())).unwrap());
    let key = dir.path().join("engine.key");
    let saved = std::fs::read(&key).unwrap();
    std::fs::remove_file(&key).unwrap();
    assert_eq!(
        Engine::open(EngineConfig::on_disk(dir.path()))
            .unwrap_err()
            .http_code(),
        500
    );
    let other = tempfile::tempdir().unwrap();
    drop(Engine::open(EngineConfig::on_disk(other.path())).unwrap());
    std::fs::copy(other.path().join("engine.key"), &key).unwrap();
    let err = Engine::open(EngineConfig::on_disk(dir.path())).unwrap_err();
    assert!(err.detail().is_some_and(|d| d.contains("key")), "{err}");
    std::fs::write(&key, saved).unwrap();
    assert!(Engine::open(EngineConfig::on_disk(dir.path())).is_ok());
}

fn detokenize_one(v: &Vault, token: &str) -> Result<String, EngineError> {
    v.detokenize(
        &RequestContext::system(),
        serde_json::from_value(
            json!({"detokenizationParameters": [{"token": token, "redaction": "PLAIN_TEXT"}]}),
        )
        .unwrap(),
    )
    .map(|d| d.records[0].value.clone().unwrap())
}

fn delete_ids(v: &Vault, ids: &[&str]) {
    v.delete(
        &RequestContext::system(),
        "table1",
        DeleteRequest {
            skyflow_ids: ids.iter().map(|s| s.to_string()).collect(),
        },
    )
    .unwrap();
}

/// The store in `tests/fixtures/store-format-2` (written by the emulator when its store
/// format was 2), copied into a new directory; `format` 1 turns the copy back into format 1's
/// layout (no per-token holder count, an index of the cells' links by token).
fn old_store(format: i64) -> (tempfile::TempDir, serde_json::Value) {
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-format-2");
    let dir = tempfile::tempdir().unwrap();
    for f in ["emulator.db", "engine.key"] {
        std::fs::copy(fixture.join(f), dir.path().join(f)).unwrap();
    }
    if format == 1 {
        let db = rusqlite::Connection::open(dir.path().join("emulator.db")).unwrap();
        db.execute_batch(
            "ALTER TABLE sky_tokens DROP COLUMN refs;
             CREATE INDEX sky_cell_tokens_fp ON sky_cell_tokens(vault_id, token_fp);
             UPDATE sky_meta SET value = CAST('1' AS BLOB) WHERE key = 'format';",
        )
        .unwrap();
    }
    let expected = std::fs::read_to_string(fixture.join("expected.json")).unwrap();
    (dir, serde_json::from_str(&expected).unwrap())
}

/// The live records of the fixture: (table, skyflow_id, fields, tokens).
fn fixture_records(
    expected: &serde_json::Value,
) -> Vec<(&str, &str, &serde_json::Value, &serde_json::Value)> {
    expected["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["table"].as_str().unwrap(),
                r["skyflow_id"].as_str().unwrap(),
                &r["fields"],
                &r["tokens"],
            )
        })
        .collect()
}

/// Every persistent token of the fixture's records resolves to its value, and get with
/// tokenization answers each record's tokens (transient tokens expire, so they are skipped).
fn assert_fixture_intact(v: &Vault, expected: &serde_json::Value) {
    for (table, sid, fields, tokens) in fixture_records(expected) {
        let got = v
            .get_one(
                &RequestContext::system(),
                table,
                sid,
                GetOneRequest {
                    tokenization: Some(true),
                    ..Default::default()
                },
            )
            .unwrap();
        for (col, token) in tokens.as_object().unwrap() {
            if table == "credit_cards" && col == "cvv" {
                continue;
            }
            let token = token.as_str().unwrap();
            let value = match &fields[col] {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(detokenize_one(v, token).unwrap(), value, "{table}.{col}");
            assert_eq!(
                got.fields[col].as_str(),
                Some(token),
                "{table}.{col} of {sid}"
            );
        }
    }
    for token in expected["dropped_tokens"].as_array().unwrap() {
        let err = detokenize_one(v, token.as_str().unwrap()).unwrap_err();
        assert_eq!(err.http_code(), 404);
    }
}

fn store_format(dir: &std::path::Path) -> Vec<u8> {
    let db = rusqlite::Connection::open(dir.join("emulator.db")).unwrap();
    db.query_row("SELECT value FROM sky_meta WHERE key = 'format'", [], |r| {
        r.get(0)
    })
    .unwrap()
}

/// A migration step that fails part way leaves the store as it was, in its old format, and the
/// next open runs the step again from the start.
#[test]
fn a_migration_step_that_fails_part_way_leaves_the_store_as_it_was() {
    let (dir, expected) = old_store(2);
    let db_path = dir.path().join("emulator.db");
    let table_exists = |db: &rusqlite::Connection, name: &str| -> bool {
        db.query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [name],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
            > 0
    };
    // The step from format 2 creates and fills `sky_tokens_3` before it creates
    // `sky_records_3`; a table of that name already there makes it fail after that work.
    rusqlite::Connection::open(&db_path)
        .unwrap()
        .execute_batch("CREATE TABLE sky_records_3(x)")
        .unwrap();
    let err = Engine::open(EngineConfig::on_disk(dir.path())).unwrap_err();
    assert_eq!(err.http_code(), 500);
    {
        let db = rusqlite::Connection::open(&db_path).unwrap();
        let format: Vec<u8> = db
            .query_row("SELECT value FROM sky_meta WHERE key = 'format'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(format, b"2");
        assert!(
            !table_exists(&db, "sky_tokens_3"),
            "the step's work is undone"
        );
        assert!(table_exists(&db, "sky_cell_tokens"));
        db.execute_batch("DROP TABLE sky_records_3").unwrap();
    }
    let e = Engine::open(EngineConfig::on_disk(dir.path())).unwrap();
    assert_fixture_intact(&e.vault("v1").unwrap(), &expected);
}

/// A store written in format 2 (a table of the cells' links to tokens, a table of unique
/// values, indexes keyed by hashes) opens in the current format with everything it held:
/// records in their order, tokens, the cells' tokens, unique values and holder counts.
#[test]
fn a_format_2_store_is_migrated_with_its_records_tokens_and_unique_values() {
    let (dir, expected) = old_store(2);
    let e = Engine::open(EngineConfig::on_disk(dir.path())).unwrap();
    let v = e.vault("v1").unwrap();
    assert_fixture_intact(&v, &expected);
    // Insertion order is kept.
    let page = v
        .get(
            &RequestContext::system(),
            "table1",
            GetRequest {
                order_by: Some(OrderBy::None),
                ..Default::default()
            },
        )
        .unwrap();
    let listed: Vec<&str> = page
        .records
        .iter()
        .map(|r| r.fields["skyflow_id"].as_str().unwrap())
        .collect();
    let table1: Vec<&str> = fixture_records(&expected)
        .into_iter()
        .filter(|r| r.0 == "table1")
        .map(|r| r.1)
        .collect();
    assert_eq!(listed, table1);
    // Unique values came over: a duplicate is refused, an upsert finds its record.
    let dup = v.insert(
        &RequestContext::system(),
        "table1",
        serde_json::from_value(json!({"records": [{"fields": {"email": "a@example.com"}}]}))
            .unwrap(),
    );
    assert_eq!(dup.unwrap_err().http_code(), 400);
    let up = v
        .insert(
            &RequestContext::system(),
            "table1",
            serde_json::from_value(
                json!({"records": [{"fields": {"email": "b@example.com", "notes": "upserted"}}],
                "upsert": "email", "tokenization": true}),
            )
            .unwrap(),
        )
        .unwrap();
    assert_eq!(up.records[0].skyflow_id, table1[1]);
    drop(v);
    drop(e);
    assert_eq!(store_format(dir.path()), b"4");
    // Reopened from the new format, nothing is lost.
    let e = Engine::open(EngineConfig::on_disk(dir.path())).unwrap();
    let v = e.vault("v1").unwrap();
    assert_fixture_intact(&v, &expected);
    let db = rusqlite::Connection::open(dir.path().join("emulator.db")).unwrap();
    let old_tables: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('sky_cell_tokens', 'sky_unique', 'sky_tokens_3', 'sky_records_3', 'sky_tokens_4')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(old_tables, 0);
    // Format 4: each token row names a column row; one column row per column and group;
    // hashes cut to the 16 bytes the lookups use.
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    let tokens = count("SELECT COUNT(*) FROM sky_tokens");
    assert!(tokens > 0);
    assert_eq!(
        count("SELECT COUNT(*) FROM sky_tokens t JOIN sky_columns c ON c.col = t.col"),
        tokens
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM sky_tokens WHERE length(token_fp) != 16 OR length(value_fp) != 16"
        ),
        0
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM sky_columns"),
        count(
            "SELECT COUNT(*) FROM (SELECT DISTINCT vault_id, table_name, column_name, group_name FROM sky_columns)"
        )
    );
}

/// A store written in format 1 opens (through format 2) and its tokens follow the lifecycle:
/// the holder counts came over.
#[test]
fn a_format_1_store_is_migrated_and_keeps_its_tokens() {
    let (dir, expected) = old_store(1);
    let e = Engine::open(EngineConfig::on_disk(dir.path())).unwrap();
    let v = e.vault("v1").unwrap();
    assert_fixture_intact(&v, &expected);
    let records = fixture_records(&expected);
    let (a, b) = (records[0], records[1]);
    // The two table1 records share the deterministic token of their name.
    let shared = a.3["name"].as_str().unwrap();
    assert_eq!(b.3["name"].as_str(), Some(shared));
    let notes_a = a.3["notes"].as_str().unwrap();
    // Deleting one holder keeps the shared token, deleting the last one drops it; the
    // deleted record's own token goes with it.
    delete_ids(&v, &[a.1]);
    assert_eq!(detokenize_one(&v, shared).unwrap(), "Shared Name");
    assert_eq!(detokenize_one(&v, notes_a).unwrap_err().http_code(), 404);
    delete_ids(&v, &[b.1]);
    assert_eq!(detokenize_one(&v, shared).unwrap_err().http_code(), 404);
    drop(v);
    drop(e);
    assert_eq!(store_format(dir.path()), b"4");
}

/// Concurrent writes that share group commits: the same deterministic value gets one token
/// across writers, a write that fails part-way leaves no token or unique value behind, and
/// the store reopened answers the same.
#[test]
fn concurrent_writes_share_deterministic_tokens_and_failed_writes_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let e = std::sync::Arc::new(Engine::open(EngineConfig::on_disk(dir.path())).unwrap());
    let id = e
        .create_vault(Some("v1"), VaultSchema::default_schema())
        .unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (e, id) = (e.clone(), id.clone());
            std::thread::spawn(move || {
                let v = e.vault(&id).unwrap();
                let mut kept = Vec::new();
                for i in 0..30 {
                    let email = format!("w{t}-{i}@example.com");
                    let first = json!({"fields": {"name": format!("Shared {}", i % 5), "email": email, "notes": format!("note {t} {i}")}});
                    // Every third write repeats its unique email in a second record: the whole
                    // write fails after the first record's tokens were issued.
                    let fail = i % 3 == 2;
                    let second = if fail {
                        json!({"fields": {"email": email}})
                    } else {
                        json!({"fields": {"email": format!("w{t}-{i}-b@example.com")}})
                    };
                    let res = v.insert(
                        &RequestContext::system(),
                        "table1",
                        serde_json::from_value(json!({"records": [first, second], "tokenization": true}))
                            .unwrap(),
                    );
                    assert_eq!(res.is_err(), fail, "{res:?}");
                    if let Ok(r) = res {
                        kept.push((i, email, r.records[0].tokens.clone().unwrap()));
                    }
                }
                kept
            })
        })
        .collect();
    let kept: Vec<_> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(kept.len(), 8 * 20);
    let v = e.vault(&id).unwrap();
    let mut shared = std::collections::HashMap::new();
    for (i, email, tokens) in &kept {
        let name = tokens["name"].as_str().unwrap();
        assert_eq!(shared.entry(i % 5).or_insert(name.to_owned()), name);
        assert_eq!(
            detokenize_one(&v, name).unwrap(),
            format!("Shared {}", i % 5)
        );
        assert_eq!(
            detokenize_one(&v, tokens["email"].as_str().unwrap()).unwrap(),
            *email
        );
    }
    // Five shared names, and per kept write two emails and a note: nothing of the failed
    // writes was stored.
    let db = rusqlite::Connection::open(dir.path().join("emulator.db")).unwrap();
    let tokens: i64 = db
        .query_row("SELECT COUNT(*) FROM sky_tokens", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tokens, 5 + 3 * kept.len() as i64);
    drop(db);
    // A failed write's email is free; a kept one is still taken.
    let insert_email = |v: &Vault, email: &str| {
        v.insert(
            &RequestContext::system(),
            "table1",
            serde_json::from_value(json!({"records": [{"fields": {"email": email}}]})).unwrap(),
        )
    };
    assert!(insert_email(&v, "w0-2@example.com").is_ok());
    assert_eq!(
        insert_email(&v, "w0-0@example.com")
            .unwrap_err()
            .http_code(),
        400
    );
    drop(v);
    drop(e);
    // Reopened (the lookups rebuilt from the tables), every answer is the same.
    let e = Engine::open(EngineConfig::on_disk(dir.path())).unwrap();
    let v = e.vault("v1").unwrap();
    for (i, email, tokens) in &kept {
        assert_eq!(
            detokenize_one(&v, tokens["name"].as_str().unwrap()).unwrap(),
            format!("Shared {}", i % 5)
        );
        assert_eq!(
            detokenize_one(&v, tokens["email"].as_str().unwrap()).unwrap(),
            *email
        );
    }
    let again = insert(
        &v,
        json!({"name": "Shared 0", "email": "again@example.com"}),
    );
    assert_eq!(
        again.tokens.unwrap()["name"].as_str(),
        Some(shared[&0].as_str())
    );
    assert!(insert_email(&v, "w1-2@example.com").is_ok());
    assert_eq!(
        insert_email(&v, "w1-0@example.com")
            .unwrap_err()
            .http_code(),
        400
    );
}

/// A column's first token is issued in a write that then fails (a duplicate unique value):
/// the column's row in the store goes with it, and the column's next tokens (in a new write,
/// and after a restart) resolve to their values.
#[test]
fn a_failed_first_write_of_a_column_leaves_its_next_tokens_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (e, v) = open_v1(dir.path());
    insert(&v, json!({"email": "dup@example.com"}));
    let db = rusqlite::Connection::open(dir.path().join("emulator.db")).unwrap();
    let notes_columns = || -> i64 {
        db.query_row(
            "SELECT COUNT(*) FROM sky_columns WHERE table_name = 'table1' AND column_name = 'notes'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    // The first record's note is the column's first token; the second record fails.
    let failing = json!({"records": [
        {"fields": {"email": "new@example.com", "notes": "first note"}},
        {"fields": {"email": "dup@example.com"}}
    ], "tokenization": true});
    let err = v
        .insert(
            &RequestContext::system(),
            "table1",
            serde_json::from_value(failing).unwrap(),
        )
        .unwrap_err();
    assert!(err.message().contains("unique"), "{err}");
    assert_eq!(
        notes_columns(),
        0,
        "the failed write's column row is undone"
    );
    let rec = insert(
        &v,
        json!({"email": "one@example.com", "notes": "kept note"}),
    );
    let tokens = rec.tokens.unwrap();
    let email = tokens["email"].as_str().unwrap().to_string();
    let notes = tokens["notes"].as_str().unwrap().to_string();
    assert_eq!(detokenize_one(&v, &email).unwrap(), "one@example.com");
    assert_eq!(detokenize_one(&v, &notes).unwrap(), "kept note");
    drop(v);
    drop(e);
    let e = Engine::open(EngineConfig::on_disk(dir.path())).unwrap();
    let v = e.vault("v1").unwrap();
    assert_eq!(detokenize_one(&v, &email).unwrap(), "one@example.com");
    assert_eq!(detokenize_one(&v, &notes).unwrap(), "kept note");
    assert_eq!(notes_columns(), 1);
}

/// Token rows are written several per statement, after the write has issued them: a write
/// that fails leaves none of the rows it issued (they are not written by the next write), a
/// deterministic token issued earlier in the same write is found by the records after it,
/// and every row lands with its holder count.
#[test]
fn token_rows_written_in_batches_count_their_holders_and_a_failed_write_leaves_none() {
    let dir = tempfile::tempdir().unwrap();
    let (e, v) = open_v1(dir.path());
    let dup = insert(&v, json!({"email": "dup@example.com"}));
    // Reading the record with its tokens keeps the email token's text at hand, so the failing
    // write below finds it without reading its row: the rows it issued are still waiting
    // when it fails.
    v.get(
        &RequestContext::system(),
        "table1",
        GetRequest {
            skyflow_ids: vec![dup.skyflow_id],
            tokenization: Some(true),
            ..Default::default()
        },
    )
    .unwrap();
    let db = rusqlite::Connection::open(dir.path().join("emulator.db")).unwrap();
    let rows = || -> (i64, i64) {
        db.query_row("SELECT COUNT(*), SUM(refs) FROM sky_tokens", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
    };
    assert_eq!(rows(), (1, 1));
    // Two records issue five tokens, then the third record's unique email fails the write.
    let failing = json!({"records": [
        {"fields": {"email": "a1@example.com", "notes": "n1", "name": "Shared"}},
        {"fields": {"email": "a2@example.com", "notes": "n2"}},
        {"fields": {"email": "dup@example.com"}}
    ], "tokenization": true});
    v.insert(
        &RequestContext::system(),
        "table1",
        serde_json::from_value(failing).unwrap(),
    )
    .unwrap_err();
    assert_eq!(rows(), (1, 1), "the failed write wrote no token row");
    // 40 records: 40 emails and 40 notes, one name token that all of them share (issued by
    // the first record, found by the 39 others before the write ends): 81 rows, more than
    // two statements' worth.
    let records: Vec<_> = (0..40)
        .map(|i| json!({"fields": {"email": format!("e{i}@example.com"), "notes": format!("note {i}"), "name": "Shared"}}))
        .collect();
    let out = v
        .insert(
            &RequestContext::system(),
            "table1",
            serde_json::from_value(json!({"records": records, "tokenization": true})).unwrap(),
        )
        .unwrap();
    assert_eq!(
        rows(),
        (1 + 81, 1 + 40 * 3),
        "each row counts the cells holding it"
    );
    let shared = out.records[0].tokens.as_ref().unwrap()["name"].clone();
    let check = |v: &Vault| {
        for (i, rec) in out.records.iter().enumerate() {
            let tokens = rec.tokens.as_ref().unwrap();
            assert_eq!(tokens["name"], shared);
            for (col, value) in [
                ("email", format!("e{i}@example.com")),
                ("notes", format!("note {i}")),
                ("name", "Shared".to_string()),
            ] {
                let token = tokens[col].as_str().unwrap();
                assert_eq!(detokenize_one(v, token).unwrap(), value, "record {i} {col}");
            }
        }
    };
    check_across_a_restart(dir.path(), (e, v), check);
}

#[test]
fn record_rows_written_in_batches_are_found_by_the_same_write_and_a_failed_write_leaves_none() {
    let dir = tempfile::tempdir().unwrap();
    let (e, v) = open_v1(dir.path());
    insert(&v, json!({"email": "dup@example.com"}));
    let db = rusqlite::Connection::open(dir.path().join("emulator.db")).unwrap();
    let count = || -> i64 {
        db.query_row("SELECT COUNT(*) FROM sky_records", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(), 1);
    // Two new records wait to be written when the third one's unique email fails the write.
    let failing = json!({"records": [
        {"fields": {"email": "a1@example.com"}},
        {"fields": {"email": "a2@example.com"}},
        {"fields": {"email": "dup@example.com"}}
    ]});
    v.insert(
        &RequestContext::system(),
        "table1",
        serde_json::from_value(failing).unwrap(),
    )
    .unwrap_err();
    assert_eq!(count(), 1, "the failed write wrote no record row");
    // 70 records in one upsert (more than two statements' worth); the last one repeats the
    // email of record 66, which waits to be written with the last few, so the write looks
    // up that record's id (which writes the waiting rows first) and updates it.
    let mut records: Vec<_> = (0..69)
        .map(|i| json!({"fields": {"email": format!("u{i}@example.com"), "notes": format!("note {i}")}}))
        .collect();
    records.push(json!({"fields": {"email": "u66@example.com", "notes": "again"}}));
    let out = v
        .insert(
            &RequestContext::system(),
            "table1",
            serde_json::from_value(
                json!({"records": records, "upsert": "email", "tokenization": true}),
            )
            .unwrap(),
        )
        .unwrap();
    assert_eq!(count(), 1 + 69);
    assert_eq!(out.records[69].skyflow_id, out.records[66].skyflow_id);
    // Record 66's first notes token waited to be written when the same write replaced its
    // value: it is gone, never written, and the new one resolves.
    let notes = |i: usize| out.records[i].tokens.as_ref().unwrap()["notes"].clone();
    assert_ne!(notes(66), notes(69));
    detokenize_one(&v, notes(66).as_str().unwrap()).unwrap_err();
    assert_eq!(
        detokenize_one(&v, notes(69).as_str().unwrap()).unwrap(),
        "again"
    );
    let (tokens, held): (i64, i64) = db
        .query_row("SELECT COUNT(*), SUM(refs) FROM sky_tokens", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(
        (tokens, held),
        (1 + 69 * 2, 1 + 69 * 2),
        "one row per held token"
    );
    let check = |v: &Vault| {
        let got = v
            .get(
                &RequestContext::system(),
                "table1",
                GetRequest {
                    skyflow_ids: out.records.iter().map(|r| r.skyflow_id.clone()).collect(),
                    redaction: Some(Redaction::PlainText),
                    ..Default::default()
                },
            )
            .unwrap();
        let notes: Vec<_> = got
            .records
            .iter()
            .map(|r| r.fields["notes"].clone())
            .collect();
        for (i, n) in notes.iter().enumerate().take(69) {
            let want = if i == 66 {
                "again".into()
            } else {
                format!("note {i}")
            };
            assert_eq!(*n, json!(want), "record {i}");
        }
    };
    check_across_a_restart(dir.path(), (e, v), check);
}

#[test]
fn an_upsert_replacing_a_value_its_own_write_tokenized_leaves_only_held_token_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (_e, v) = open_v1(dir.path());
    // One upsert of four records: three share one deterministic name token, and the last
    // one replaces the first one's notes, whose token row (issued by the same write, and
    // written when the write reads a token's text) no cell holds any more.
    let records = json!([
        {"fields": {"email": "h0@example.com", "name": "Held", "notes": "first"}},
        {"fields": {"email": "h1@example.com", "name": "Held"}},
        {"fields": {"email": "h2@example.com", "name": "Held"}},
        {"fields": {"email": "h0@example.com", "notes": "second"}}
    ]);
    let out = v
        .insert(
            &RequestContext::system(),
            "table1",
            serde_json::from_value(json!({"records": records, "upsert": "email"})).unwrap(),
        )
        .unwrap();
    let db = rusqlite::Connection::open(dir.path().join("emulator.db")).unwrap();
    let refs: Vec<i64> = db
        .prepare("SELECT refs FROM sky_tokens ORDER BY refs DESC")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        refs,
        [3, 1, 1, 1, 1],
        "the name token, three emails and the second notes"
    );
    let got = v
        .get(
            &RequestContext::system(),
            "table1",
            GetRequest {
                skyflow_ids: vec![out.records[2].skyflow_id.clone()],
                tokenization: Some(true),
                ..Default::default()
            },
        )
        .unwrap();
    let token = got.records[0].fields["name"].clone();
    // Two of the three records go: the third one still holds the token.
    let ids: Vec<&str> = out.records[..2]
        .iter()
        .map(|r| r.skyflow_id.as_str())
        .collect();
    delete_ids(&v, &ids);
    assert_eq!(detokenize_one(&v, token.as_str().unwrap()).unwrap(), "Held");
}

/// Checks the token table of the store in `dir` against the records: every token row counts
/// exactly the cells that hold it, no persistent row is held by none, and every cell's row
/// exists.
fn assert_token_counts_match_cells(dir: &std::path::Path) {
    let db = rusqlite::Connection::open(dir.join("emulator.db")).unwrap();
    let mut held: std::collections::HashMap<i64, i64> = Default::default();
    let cells: Vec<Option<String>> = db
        .prepare("SELECT cells FROM sky_records")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for json in cells.into_iter().flatten() {
        let links: std::collections::BTreeMap<String, i64> = serde_json::from_str(&json).unwrap();
        for tid in links.into_values() {
            *held.entry(tid).or_default() += 1;
        }
    }
    let rows: Vec<(i64, i64, Option<i64>)> = db
        .prepare("SELECT tid, refs, expires_at FROM sky_tokens")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (tid, refs, expires) in &rows {
        let cells = held.remove(tid).unwrap_or(0);
        assert_eq!(*refs, cells, "token row {tid}");
        assert!(
            expires.is_some() || cells > 0,
            "token row {tid} is held by no cell"
        );
    }
    assert!(held.is_empty(), "cells link to missing rows: {held:?}");
}

#[test]
fn two_updates_of_one_cell_in_one_batch_leave_no_token_row_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (e, v) = open_v1(dir.path());
    let sid = insert(&v, json!({"email": "b@example.com", "notes": "n0"})).skyflow_id;
    // The first update's notes token is issued, and still waits to be written, when the
    // second update of the same write replaces it: its row goes without being written.
    let batch = json!({"records": [
        {"tableName": "table1", "method": "PUT", "ID": sid, "fields": {"notes": "n1"}, "tokenization": true},
        {"tableName": "table1", "method": "PUT", "ID": sid, "fields": {"notes": "n2"}, "tokenization": true}
    ]});
    v.batch(
        &RequestContext::system(),
        serde_json::from_value(batch).unwrap(),
    )
    .unwrap();
    drop(v);
    drop(e);
    assert_token_counts_match_cells(dir.path());
}

#[test]
fn a_failed_continue_on_error_entry_leaves_no_rows_counts_or_unique_values() {
    let dir = tempfile::tempdir().unwrap();
    let (e, v) = open_v1(dir.path());
    let r0 = insert(&v, json!({"email": "r0@example.com", "name": "Shared"})).skyflow_id;
    // Entry 1 takes the shared name token and issues its own (they wait in the write);
    // entry 2 settles the token of its email (a column before the others), then fails on
    // that unique email, in its savepoint; entry 3 releases the shared token from r0;
    // entry 4 takes it again. (Covers a failing continue-on-error entry that got as far as
    // the store; the batch test in engine_ops only has one refused by validation.)
    let batch = json!({"continueOnError": true, "records": [
        {"tableName": "table1", "method": "POST", "fields": {"email": "e1@example.com", "name": "Shared", "notes": "n1"}, "tokenization": true},
        {"tableName": "table1", "method": "POST", "fields": {"email": "e1@example.com", "name": "Shared", "notes": "n2"}, "tokenization": true},
        {"tableName": "table1", "method": "PUT", "ID": r0, "fields": {"name": "Other"}, "tokenization": true},
        {"tableName": "table1", "method": "POST", "fields": {"email": "e4@example.com", "name": "Shared"}, "tokenization": true}
    ]});
    let res = v
        .batch(
            &RequestContext::system(),
            serde_json::from_value(batch).unwrap(),
        )
        .unwrap();
    let statuses: Vec<u16> = res.responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 400, 200, 200]);
    let listed = v
        .get(&RequestContext::system(), "table1", GetRequest::default())
        .unwrap()
        .records
        .len();
    assert_eq!(listed, 3, "r0 and the two entries that succeeded");
    // The failed entry's email is not taken.
    insert(&v, json!({"email": "e2@example.com", "name": "Shared"}));
    drop(v);
    drop(e);
    assert_token_counts_match_cells(dir.path());
}
