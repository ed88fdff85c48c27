//! Every option of the data endpoints over HTTP (the engine-level cases of `engine_ops`,
//! through the server). Every reply goes through the harness, which validates it against the
//! OpenAPI document and the stricter overlay.

mod http_support;

use std::time::Duration;

use http_support::{Harness, Reply, start};
use reqwest::Method;
use serde_json::{Value, json};

fn path(h: &Harness, rest: &str) -> String {
    format!("/v1/vaults/{}{rest}", h.vault())
}

async fn post(h: &Harness, rest: &str, body: Value) -> Reply {
    h.call(Method::POST, &path(h, rest), Some(body)).await
}

async fn get(h: &Harness, rest: &str) -> Reply {
    h.call(Method::GET, &path(h, rest), None).await
}

/// Inserts `records` (field maps) into `table` with tokens; returns (id, tokens) per record.
async fn insert(h: &Harness, table: &str, records: Vec<Value>) -> Vec<(String, Value)> {
    let body = h.insert(table, records, true).await;
    body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["skyflow_id"].as_str().unwrap().to_owned(),
                r["tokens"].clone(),
            )
        })
        .collect()
}

fn ids(reply: &Reply) -> Vec<String> {
    reply.ok()["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["fields"]["skyflow_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn detokenize(h: &Harness, bearer: &str, params: Value) -> Reply {
    h.call_as(
        bearer,
        Method::POST,
        &path(h, "/detokenize"),
        Some(json!({"detokenizationParameters": params})),
    )
    .await
}

#[tokio::test]
async fn tokenize_by_column_group_and_not_found() {
    let h = start().await;
    let people = insert(&h, "table1", vec![json!({"email": "group@example.com"})]).await;
    let email_token = people[0].1["email"].clone();
    // Without the tag, a column is its own group `table.column`.
    let got = post(
        &h,
        "/tokenize",
        json!({"tokenizationParameters": [{"value": "group@example.com", "columnGroup": "table1.email"}]}),
    )
    .await;
    assert_eq!(got.ok()["records"][0]["token"], email_token);
    // A value that was never stored: 404 in Skyflow's words, naming the column.
    let reply = post(
        &h,
        "/tokenize",
        json!({"tokenizationParameters": [{"value": "never@example.com", "columnGroup": "table1.email"}]}),
    )
    .await;
    let msg = reply.expect_error(404).to_owned();
    assert_eq!(reply.body["error"]["grpc_code"], 5);
    assert!(
        msg.starts_with("Tokenize returns previously issued tokens for existing data.")
            && msg.ends_with("table1.email"),
        "{msg}"
    );
    assert!(!msg.contains("never@example.com"), "{msg}");
    // An unknown group, and both forms at once, are 400.
    post(
        &h,
        "/tokenize",
        json!({"tokenizationParameters": [{"value": "x", "columnGroup": "no.such_group"}]}),
    )
    .await
    .expect_error(400);
    post(
        &h,
        "/tokenize",
        json!({"tokenizationParameters": [{"value": "x", "columnGroup": "table1.email", "table": "table1", "column": "email"}]}),
    )
    .await
    .expect_error(400);
}

#[tokio::test]
async fn insert_homogeneous_byot_strict_and_upsert() {
    let h = start().await;
    // Homogeneous: every record has the same fields.
    let ok = json!({"records": [{"fields": {"name": "Homo One", "age": 1}}, {"fields": {"name": "Homo Two", "age": 2}}],
        "tokenization": false, "homogeneous": true});
    let got = post(&h, "/table1", ok).await;
    assert_eq!(got.ok()["records"].as_array().unwrap().len(), 2);
    let mixed = json!({"records": [{"fields": {"name": "Homo Three"}}, {"fields": {"age": 3}}], "homogeneous": true});
    let msg = post(&h, "/table1", mixed)
        .await
        .expect_error(400)
        .to_owned();
    assert!(msg.contains("homogeneous"), "{msg}");
    let with_upsert = json!({"records": [{"fields": {"email": "h@example.com"}}], "homogeneous": true, "upsert": "email"});
    post(&h, "/table1", with_upsert).await.expect_error(400);

    // ENABLE_STRICT: a token for every field.
    let strict = json!({"records": [{"fields": {"name": "Strict Person", "notes": "strict note"},
        "tokens": {"name": "strict-name-token-1", "notes": "strict-notes-token-1"}}],
        "tokenization": true, "byot": "ENABLE_STRICT"});
    let got = post(&h, "/table1", strict).await;
    assert_eq!(
        got.ok()["records"][0]["tokens"],
        json!({"name": "strict-name-token-1", "notes": "strict-notes-token-1"})
    );
    let got = detokenize(
        &h,
        &h.bearer,
        json!([{"token": "strict-name-token-1", "redaction": "PLAIN_TEXT"}]),
    )
    .await;
    assert_eq!(got.ok()["records"][0]["value"], "Strict Person");

    // Upsert updates the record holding the unique value.
    let first = insert(
        &h,
        "table1",
        vec![json!({"email": "up@example.com", "name": "Before Upsert"})],
    )
    .await;
    let up = json!({"records": [{"fields": {"email": "up@example.com", "name": "After Upsert"}}],
        "tokenization": true, "upsert": "email"});
    let got = post(&h, "/table1", up).await;
    assert_eq!(got.ok()["records"][0]["skyflow_id"], first[0].0.as_str());
    let got = get(&h, &format!("/table1/{}?redaction=PLAIN_TEXT", first[0].0)).await;
    assert_eq!(got.ok()["fields"]["name"], "After Upsert");
    assert_eq!(got.ok()["fields"]["email"], "up@example.com");
    let got = get(
        &h,
        "/table1?column_name=email&column_values=up%40example.com",
    )
    .await;
    assert_eq!(got.ok()["records"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn batch_methods_across_tables() {
    let h = start().await;
    let existing = insert(&h, "table1", vec![json!({"name": "Batch Existing"})]).await;
    let doomed = insert(&h, "table1", vec![json!({"name": "Batch Doomed"})]).await;
    let (id, doomed_id) = (&existing[0].0, &doomed[0].0);
    let body = json!({"continueOnError": true, "records": [
        {"tableName": "table1", "method": "POST", "fields": {"name": "Batch New"}, "tokenization": true},
        {"tableName": "credit_cards", "method": "POST", "fields": {"cardholder_name": "Card Holder"}},
        {"tableName": "table1", "method": "PUT", "ID": id, "fields": {"name": "Batch Changed"}},
        {"tableName": "table1", "method": "GET", "ID": id, "redaction": "PLAIN_TEXT"},
        {"tableName": "table1", "method": "DELETE", "ID": doomed_id}
    ]});
    let got = post(&h, "", body).await;
    assert_eq!(got.status.as_u16(), 200);
    let responses = got.ok()["responses"].as_array().unwrap().clone();
    assert!(
        responses.iter().all(|r| r["Status"] == 200),
        "{responses:?}"
    );
    assert!(responses[0]["Body"]["records"][0]["tokens"]["name"].is_string());
    let card_id = responses[1]["Body"]["records"][0]["skyflow_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(responses[2]["Body"]["skyflow_id"], id.as_str());
    assert_eq!(
        responses[3]["Body"]["records"][0]["fields"]["name"],
        "Batch Changed"
    );
    assert_eq!(responses[4]["Body"]["skyflow_id"], doomed_id.as_str());
    assert_eq!(responses[4]["Body"]["deleted"], true);
    // The effects are visible through the single-record endpoints.
    let got = get(&h, &format!("/credit_cards/{card_id}?redaction=PLAIN_TEXT")).await;
    assert_eq!(got.ok()["fields"]["cardholder_name"], "Card Holder");
    get(&h, &format!("/table1/{doomed_id}"))
        .await
        .expect_error(404);
    // A GET-only batch on a missing id fails that entry only.
    let body = json!({"continueOnError": true, "records": [
        {"tableName": "table1", "method": "GET", "ID": id},
        {"tableName": "table1", "method": "GET", "ID": doomed_id}
    ]});
    let got = post(&h, "", body).await;
    assert_eq!(got.status.as_u16(), 207);
    assert_eq!(got.body["responses"][0]["Status"], 200);
    assert_eq!(got.body["responses"][1]["Status"], 400);
    // An unknown column in a batch entry reads as Skyflow's insert message.
    let body = json!({"continueOnError": true, "records": [
        {"tableName": "table1", "method": "POST", "fields": {"nope": "x"}}
    ]});
    let got = post(&h, "", body).await;
    assert_eq!(
        got.body["responses"][0]["Body"]["error"],
        "Insert failed. Column nope is invalid. Specify a valid column."
    );
}

#[tokio::test]
async fn get_ordering_fields_limits_and_paging() {
    let h = start().await;
    let records: Vec<Value> = (0..30)
        .map(|i| json!({"name": format!("Pager {i:02}"), "age": i}))
        .collect();
    let inserted = insert(&h, "table1", records).await;
    let in_order: Vec<String> = inserted.iter().map(|(id, _)| id.clone()).collect();

    // Without ids: at most 25, in insertion order with order_by=NONE, by id otherwise.
    let none = get(&h, "/table1?order_by=NONE").await;
    assert_eq!(ids(&none), in_order[..25].to_vec());
    let mut sorted = in_order.clone();
    sorted.sort();
    let asc = get(&h, "/table1?order_by=ASCENDING").await;
    assert_eq!(ids(&asc), sorted[..25].to_vec());
    let desc = get(&h, "/table1?order_by=DESCENDING").await;
    let mut reversed = sorted.clone();
    reversed.reverse();
    assert_eq!(ids(&desc), reversed[..25].to_vec());
    // Offset paging.
    let page2 = get(&h, "/table1?order_by=ASCENDING&offset=25").await;
    assert_eq!(ids(&page2), sorted[25..].to_vec());
    let window = get(&h, "/table1?order_by=ASCENDING&offset=10&limit=5").await;
    assert_eq!(ids(&window), sorted[10..15].to_vec());
    // By ids, ordered.
    let q = format!(
        "/table1?skyflow_ids={}&skyflow_ids={}&skyflow_ids={}&order_by=DESCENDING",
        in_order[0], in_order[1], in_order[2]
    );
    let mut three = in_order[..3].to_vec();
    three.sort();
    three.reverse();
    assert_eq!(ids(&get(&h, &q).await), three);

    // fields + tokenization=true: only the named tokenized columns, as tokens.
    let (id, tokens) = &inserted[0];
    let got = get(
        &h,
        &format!("/table1?skyflow_ids={id}&tokenization=true&fields=name&fields=age"),
    )
    .await;
    let fields = got.ok()["records"][0]["fields"]
        .as_object()
        .unwrap()
        .clone();
    assert_eq!(fields.len(), 2, "{fields:?}");
    assert_eq!(fields["name"], tokens["name"]);
    assert_eq!(fields["age"], tokens["age"]);

    // Refusals.
    let msg = get(&h, "/table1?limit=26")
        .await
        .expect_error(400)
        .to_owned();
    assert!(msg.contains("limit"), "{msg}");
    let msg = get(&h, "/table1?tokenization=true")
        .await
        .expect_error(400)
        .to_owned();
    assert!(msg.contains("tokenization"), "{msg}");
    let msg = get(&h, "/table1?column_name=name&column_values=Pager%2000")
        .await
        .expect_error(400)
        .to_owned();
    assert!(msg.contains("unique"), "{msg}");
    get(
        &h,
        &format!("/table1?skyflow_ids={id}&column_name=email&column_values=x%40y.com"),
    )
    .await
    .expect_error(400);
    get(&h, "/table1?column_values=x").await.expect_error(400);
    get(&h, "/table1?order_by=SIDEWAYS").await.expect_error(400);
}

#[tokio::test]
async fn detokenize_redactions_and_download_urls() {
    let h = start().await;
    let people = insert(
        &h,
        "table1",
        vec![json!({"name": "Detok Person", "ssn": "123-45-6789", "cvv": "321"})],
    )
    .await;
    let (id, tokens) = &people[0];
    let got = detokenize(
        &h,
        &h.bearer,
        json!([
            {"token": tokens["ssn"], "redaction": "PLAIN_TEXT"},
            {"token": tokens["ssn"], "redaction": "DEFAULT"},
            {"token": tokens["ssn"], "redaction": "MASKED"},
            {"token": tokens["ssn"], "redaction": "REDACTED"},
            {"token": tokens["ssn"]},
            {"token": tokens["name"], "redaction": "MASKED"},
            {"token": tokens["cvv"]}
        ]),
    )
    .await;
    let values: Vec<&str> = got.ok()["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        values,
        vec![
            "123-45-6789",
            "XXX-XX-6789",
            "XXX-XX-6789",
            "*REDACTED*",
            "XXX-XX-6789",
            "D***on",
            "*REDACTED*"
        ]
    );

    // A file column's token detokenizes to a download URL with downloadURL=true.
    let url = format!("/v2/vaults/{}/files/upload", h.vault());
    let form = reqwest::multipart::Form::new()
        .text("tableName", "table1")
        .text("columnName", "file")
        .text("skyflowID", id.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"detok file".to_vec()).file_name("d.txt"),
        );
    h.post_form(&url, form).await.ok();
    let got = get(
        &h,
        &format!("/table1?skyflow_ids={id}&tokenization=true&fields=file"),
    )
    .await;
    let file_token = got.ok()["records"][0]["fields"]["file"].clone();
    assert!(file_token.is_string(), "{}", got.body);
    let got = h
        .call(
            Method::POST,
            &path(&h, "/detokenize"),
            Some(json!({"detokenizationParameters": [{"token": file_token}], "downloadURL": true})),
        )
        .await;
    let link = got.ok()["records"][0]["value"].as_str().unwrap().to_owned();
    assert!(link.starts_with(h.emulator.vault_url()), "{link}");
    let resp = h.client.get(&link).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"detok file");
    // Without downloadURL the file column shows its file name.
    let got = detokenize(
        &h,
        &h.bearer,
        json!([{"token": file_token, "redaction": "PLAIN_TEXT"}]),
    )
    .await;
    assert_eq!(got.ok()["records"][0]["value"], "d.txt");
}

#[tokio::test]
async fn query_redaction_caps_paging_and_rejections() {
    let h = start().await;
    let records: Vec<Value> = (0..30)
        .map(|i| json!({"name": format!("Querier {i:02}"), "ssn": format!("123-45-{:04}", 6700 + i), "cvv": "999", "age": i}))
        .collect();
    insert(&h, "table1", records).await;
    let query = |sql: &str| post(&h, "/query", json!({"query": sql}));

    // Default redaction of each column, and REDACTION() per output column.
    let got = query("SELECT ssn, cvv, name, age FROM table1 WHERE age = 7").await;
    let row = &got.ok()["records"][0]["fields"];
    assert_eq!(row["ssn"], "XXX-XX-6707");
    assert_eq!(row["cvv"], "*REDACTED*");
    assert_eq!(row["name"], "Q***07");
    assert_eq!(row["age"], 7);
    let got = query("SELECT REDACTION(ssn, 'PLAIN_TEXT') AS clear_ssn, REDACTION(ssn, 'MASKED') AS masked FROM table1 WHERE age = 7").await;
    let row = &got.ok()["records"][0]["fields"];
    assert_eq!(row["clear_ssn"], "123-45-6707");
    assert_eq!(row["masked"], "XXX-XX-6707");
    // Double-quoted strings are literals, as in Skyflow's examples.
    let got = query("SELECT age FROM table1 WHERE name = \"Querier 03\"").await;
    assert_eq!(got.ok()["records"][0]["fields"]["age"], 3);

    // At most 25 rows; OFFSET pages.
    let got = query("SELECT age FROM table1 ORDER BY age").await;
    let ages: Vec<i64> = got.ok()["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["fields"]["age"].as_i64().unwrap())
        .collect();
    assert_eq!(ages, (0..25).collect::<Vec<_>>());
    let got = query("SELECT age FROM table1 ORDER BY age LIMIT 25 OFFSET 25").await;
    let ages: Vec<i64> = got.ok()["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["fields"]["age"].as_i64().unwrap())
        .collect();
    assert_eq!(ages, (25..30).collect::<Vec<_>>());
    let got = query("SELECT COUNT(*) AS n FROM table1").await;
    assert_eq!(got.ok()["records"][0]["fields"]["n"], 30);

    // Every rejection class: 400 / gRPC 3 in the envelope.
    for bad in [
        "",
        "DELETE FROM table1",
        "UPDATE table1 SET name = 'a'",
        "INSERT INTO table1(name) VALUES ('a')",
        "DROP TABLE table1",
        "CREATE TABLE x(a)",
        "PRAGMA table_info(table1)",
        "ATTACH DATABASE 'x.db' AS x",
        "VACUUM",
        "SELECT 1; SELECT 2",
        "SELECT * FROM table1; DELETE FROM table1",
        "SELECT * FROM sqlite_master",
        "SELECT * FROM sky_records",
        "SELECT load_extension('x')",
        "SELECT readfile('/etc/passwd')",
        "SELECT * FROM pragma_table_info('table1')",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "WITH d AS (DELETE FROM table1 RETURNING *) SELECT * FROM d",
        "SELECT * FROM (SELECT name FROM table1)",
        "SELECT name FROM table1 LIMIT 26",
        "SELECT name FROM table1 UNION SELECT name FROM persons",
        "SELECT /* comment */ name FROM nope",
        "SELECT name FROM table1 -- trailing\n; DROP TABLE table1",
        "SELECT name FROM table1 WHERE cvv = '999' AND 1 = (SELECT sqlite_version())",
        "SELECT * FROM credit_cards WHERE cvv = '123'",
        "SELECT name FROM table1 WHERE email = SecretValue123",
        "SELEC name FROM table1",
    ] {
        let reply = query(bad).await;
        reply.expect_error(400);
        assert_eq!(reply.body["error"]["grpc_code"], 3, "{bad}: {}", reply.body);
        let msg = reply.body["error"]["message"].as_str().unwrap();
        assert!(!msg.contains("sky_col"), "{bad}: {msg}");
    }
}

#[tokio::test]
async fn file_failures_and_download_url_expiry() {
    let h = start().await;
    let people = insert(&h, "table1", vec![json!({"name": "File Owner"})]).await;
    let id = people[0].0.clone();
    let upload = |table: &str, column: &str, sid: &str| {
        let mut form = reqwest::multipart::Form::new()
            .text("tableName", table.to_owned())
            .text("columnName", column.to_owned());
        if !sid.is_empty() {
            form = form.text("skyflowID", sid.to_owned());
        }
        form.part(
            "file",
            reqwest::multipart::Part::bytes(b"expiring".to_vec()).file_name("e.txt"),
        )
    };
    let url = format!("/v2/vaults/{}/files/upload", h.vault());
    // A column that is not DT_FILE, an unknown column, a missing record.
    let msg = h
        .post_form(&url, upload("table1", "name", &id))
        .await
        .expect_error(400)
        .to_owned();
    assert!(msg.contains("not a file column"), "{msg}");
    h.post_form(&url, upload("table1", "nope", &id))
        .await
        .expect_error(400);
    h.post_form(
        &url,
        upload("table1", "file", "00000000-0000-4000-8000-000000000000"),
    )
    .await
    .expect_error(404);
    // Deleting a file that is not there, or from a missing record.
    get(&h, &format!("/table1/{id}")).await.ok();
    h.call(
        Method::DELETE,
        &path(&h, &format!("/table1/{id}/files/file")),
        None,
    )
    .await
    .expect_error(404);
    h.call(
        Method::DELETE,
        &path(
            &h,
            "/table1/00000000-0000-4000-8000-000000000000/files/file",
        ),
        None,
    )
    .await
    .expect_error(404);

    // A download URL works until it expires (the engine's clock moves past 15 minutes).
    h.post_form(&url, upload("table1", "file", &id)).await.ok();
    let got = get(&h, &format!("/table1/{id}?downloadURL=true")).await;
    let link = got.ok()["fields"]["file"].as_str().unwrap().to_owned();
    assert_eq!(h.client.get(&link).send().await.unwrap().status(), 200);
    h.emulator
        .engine()
        .advance_clock(Duration::from_secs(15 * 60 + 5));
    let resp = h.client.get(&link).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    let body: Value = resp.json().await.unwrap();
    http_support::assert_envelope(&body, reqwest::StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["message"], "Download URL expired");
    // A fresh URL works again.
    let got = get(&h, &format!("/table1/{id}?downloadURL=true")).await;
    let link = got.ok()["fields"]["file"].as_str().unwrap().to_owned();
    assert_eq!(h.client.get(&link).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn transient_tokens_over_http() {
    let h = start().await;
    let cards = insert(
        &h,
        "credit_cards",
        vec![json!({"cvv": "456", "card_number": "4111 1111 1111 1111"})],
    )
    .await;
    let (id, tokens) = &cards[0];
    let cvv = tokens["cvv"].clone();
    assert!(cvv.is_string());
    let plain = || {
        detokenize(
            &h,
            &h.bearer,
            json!([{"token": cvv, "redaction": "PLAIN_TEXT"}]),
        )
    };
    assert_eq!(plain().await.ok()["records"][0]["value"], "456");
    // Get never returns transient values.
    let got = get(&h, &format!("/credit_cards/{id}?redaction=PLAIN_TEXT")).await;
    assert!(got.ok()["fields"].get("cvv").is_none(), "{}", got.body);
    // No WHERE on a transient column.
    post(
        &h,
        "/query",
        json!({"query": "SELECT skyflow_id FROM credit_cards WHERE cvv = '456'"}),
    )
    .await
    .expect_error(400);
    // Deleting the record keeps the transient token alive until its TTL (60 minutes).
    h.call(
        Method::DELETE,
        &path(&h, &format!("/credit_cards/{id}")),
        None,
    )
    .await
    .ok();
    assert_eq!(plain().await.ok()["records"][0]["value"], "456");
    h.emulator
        .engine()
        .advance_clock(Duration::from_secs(59 * 60));
    assert_eq!(plain().await.ok()["records"][0]["value"], "456");
    h.emulator
        .engine()
        .advance_clock(Duration::from_secs(2 * 60));
    let reply = plain().await;
    reply.expect_error(404);
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Token not found for")
    );
}

#[tokio::test]
async fn editor_and_viewer_roles_get_default_redaction_at_most() {
    let h = start().await;
    let people = insert(
        &h,
        "table1",
        vec![json!({"name": "Role Person", "ssn": "123-45-6789", "age": 5})],
    )
    .await;
    let (id, tokens) = &people[0];
    let roles = h.emulator.vaults()[0].roles.clone();
    for (role, capped) in [("owner", false), ("editor", true), ("viewer", true)] {
        let bearer = h
            .service_account_token(Some(&format!("role:{}", roles[role])))
            .await
            .ok()["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let (ssn, name) = if capped {
            ("XXX-XX-6789", "R***on")
        } else {
            ("123-45-6789", "Role Person")
        };
        // Get.
        let got = h
            .call_as(
                &bearer,
                Method::GET,
                &path(
                    &h,
                    &format!("/table1?skyflow_ids={id}&redaction=PLAIN_TEXT"),
                ),
                None,
            )
            .await;
        assert_eq!(got.ok()["records"][0]["fields"]["ssn"], ssn, "{role}");
        assert_eq!(got.ok()["records"][0]["fields"]["name"], name, "{role}");
        assert_eq!(got.ok()["records"][0]["fields"]["age"], 5, "{role}");
        let got = h
            .call_as(
                &bearer,
                Method::GET,
                &path(&h, &format!("/table1/{id}?redaction=PLAIN_TEXT")),
                None,
            )
            .await;
        assert_eq!(got.ok()["fields"]["ssn"], ssn, "{role}");
        // A stricter request than the default is honoured for everyone.
        let got = h
            .call_as(
                &bearer,
                Method::GET,
                &path(&h, &format!("/table1/{id}?redaction=REDACTED")),
                None,
            )
            .await;
        assert_eq!(got.ok()["fields"]["ssn"], "*REDACTED*", "{role}");
        // Detokenize.
        let got = detokenize(
            &h,
            &bearer,
            json!([{"token": tokens["ssn"], "redaction": "PLAIN_TEXT"}]),
        )
        .await;
        assert_eq!(got.ok()["records"][0]["value"], ssn, "{role}");
        // Query.
        let got = h
            .call_as(
                &bearer,
                Method::POST,
                &path(&h, "/query"),
                Some(json!({"query": "SELECT REDACTION(ssn, 'PLAIN_TEXT') AS s FROM table1"})),
            )
            .await;
        assert_eq!(got.ok()["records"][0]["fields"]["s"], ssn, "{role}");
        // Batch GET.
        let got = h
            .call_as(
                &bearer,
                Method::POST,
                &path(&h, ""),
                Some(json!({"records": [{"tableName": "table1", "method": "GET", "ID": id, "redaction": "PLAIN_TEXT"}]})),
            )
            .await;
        assert_eq!(
            got.ok()["responses"][0]["Body"]["records"][0]["fields"]["ssn"],
            ssn,
            "{role}"
        );
    }
}

#[tokio::test]
async fn extra_api_keys_revocation_and_deleted_service_accounts() {
    let h = start().await;
    insert(
        &h,
        "table1",
        vec![json!({"name": "Key Person", "ssn": "123-45-6789"})],
    )
    .await;
    let roles = h.emulator.vaults()[0].roles.clone();
    let list = "/table1?redaction=PLAIN_TEXT".to_owned();

    // A second key with only the viewer role: reads (capped), no writes.
    let viewer_key = h
        .emulator
        .create_api_key(std::slice::from_ref(&roles["viewer"]))
        .await
        .unwrap();
    let got = h
        .call_as(&viewer_key, Method::GET, &path(&h, &list), None)
        .await;
    assert_eq!(got.status.as_u16(), 200);
    assert_eq!(got.body["records"][0]["fields"]["ssn"], "XXX-XX-6789");
    let insert_body = json!({"records": [{"fields": {"name": "x"}}]});
    h.call_as(
        &viewer_key,
        Method::POST,
        &path(&h, "/table1"),
        Some(insert_body.clone()),
    )
    .await
    .expect_error(403);
    // A key with every role acts as the owner.
    let full_key = h.emulator.create_api_key(&[]).await.unwrap();
    let got = h
        .call_as(&full_key, Method::GET, &path(&h, &list), None)
        .await;
    assert_eq!(got.ok()["records"][0]["fields"]["ssn"], "123-45-6789");
    // Revoked keys get 401, the primary one included.
    assert!(h.emulator.revoke_api_key(&viewer_key).await.unwrap());
    h.call_as(&viewer_key, Method::GET, &path(&h, &list), None)
        .await
        .expect_error(401);
    assert!(!h.emulator.revoke_api_key(&viewer_key).await.unwrap());
    assert!(h.emulator.revoke_api_key(&h.bearer).await.unwrap());
    h.call(Method::GET, &path(&h, &list), None)
        .await
        .expect_error(401);
    assert_eq!(
        h.call_as(&full_key, Method::GET, &path(&h, &list), None)
            .await
            .status
            .as_u16(),
        200
    );

    // A deleted service account's bearer tokens stop working.
    let creds = h
        .emulator
        .create_service_account("short-lived", std::slice::from_ref(&roles["owner"]))
        .await
        .unwrap();
    let creds: Value = serde_json::from_str(&creds).unwrap();
    let assertion = http_support::sign_assertion(&creds, creds["tokenURI"].as_str().unwrap(), 600);
    let bearer = h.exchange(&assertion, None).await.ok()["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        h.call_as(&bearer, Method::GET, &path(&h, &list), None)
            .await
            .status
            .as_u16(),
        200
    );
    assert!(
        h.emulator
            .delete_service_account(creds["clientID"].as_str().unwrap())
            .await
            .unwrap()
    );
    h.call_as(&bearer, Method::GET, &path(&h, &list), None)
        .await
        .expect_error(401);
    h.exchange(&assertion, None).await.expect_error(401);
}

#[tokio::test]
async fn detokenize_of_a_column_gone_from_the_schema_is_redacted() {
    let h = start().await;
    let people = insert(&h, "table1", vec![json!({"name": "Gone Column"})]).await;
    let token = people[0].1["name"].clone();
    // Replace the vault's schema with one without table1 (data is kept, columns vanish).
    h.emulator
        .engine()
        .put_vault(
            &h.vault(),
            skyflow_emulator::engine::VaultSchema::quickstart(),
        )
        .unwrap();
    let got = detokenize(
        &h,
        &h.bearer,
        json!([{"token": token, "redaction": "PLAIN_TEXT"}]),
    )
    .await;
    assert_eq!(got.ok()["records"][0]["value"], "*REDACTED*");
}

#[tokio::test]
async fn file_limit_never_exceeds_the_body_limit() {
    use skyflow_emulator::{EmulatorOptions, Limits};
    let h = http_support::start_with(
        EmulatorOptions::in_memory().limits(
            Limits::default()
                .with_max_body_bytes(64 * 1024)
                .with_max_file_bytes(1 << 30)
                .with_query_timeout(Duration::from_millis(1500)),
        ),
    )
    .await;
    let limits = *h.emulator.engine().limits();
    assert_eq!(limits.max_file_bytes, 64 * 1024);
    assert_eq!(limits.max_body_bytes, 64 * 1024);
    assert_eq!(limits.query_timeout, Duration::from_millis(1500));
    // A smaller file limit is kept, and enforced with 413.
    let h = http_support::start_with(
        EmulatorOptions::in_memory().limits(Limits::default().with_max_file_bytes(8)),
    )
    .await;
    assert_eq!(h.emulator.engine().limits().max_file_bytes, 8);
    let url = format!("/v2/vaults/{}/files/upload", h.vault());
    let form = reqwest::multipart::Form::new()
        .text("tableName", "table1")
        .text("columnName", "file")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"more than eight bytes".to_vec()).file_name("big.txt"),
        );
    h.post_form(&url, form).await.expect_error(413);
}
