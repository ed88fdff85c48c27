//! The `skyflow-emulator` binary: the emulator.json contract, durability across SIGKILL,
//! graceful SIGTERM, and logs that never contain values, tokens or credentials.

mod http_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

/// An acknowledged insert: (skyflow_id, email, name, tokens).
type Acked = (String, String, String, Value);

struct Running {
    child: Child,
    info: Value,
}

fn spawn(dir: &Path, log_name: &str) -> Running {
    spawn_with(dir, log_name, &[])
}

fn spawn_with(dir: &Path, log_name: &str, extra: &[&str]) -> Running {
    let log = std::fs::File::create(dir.join(log_name)).expect("log file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_skyflow-emulator"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .args(extra)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("spawn the emulator binary");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("ready line");
    let info: Value = serde_json::from_str(line.trim())
        .unwrap_or_else(|_| panic!("ready line is JSON: {line:?}"));
    // The facts file says the same thing.
    let file: Value =
        serde_json::from_slice(&std::fs::read(dir.join("emulator.json")).unwrap()).unwrap();
    assert_eq!(info, file);
    for key in [
        "vault_id",
        "vault_url",
        "api_key",
        "credentials_file",
        "listen",
    ] {
        assert!(info[key].is_string(), "emulator.json has {key}");
    }
    assert_eq!(
        info["vault_url"],
        format!("http://{}", info["listen"].as_str().unwrap())
    );
    Running { child, info }
}

/// Validates a reply body against its OpenAPI schema (and the stricter overlay).
fn validate(method: &reqwest::Method, path: &str, status: reqwest::StatusCode, body: &Value) {
    let path_only = path.split('?').next().unwrap_or(path);
    if status.is_client_error() || status.is_server_error() {
        http_support::assert_envelope(body, status);
    }
    let template = http_support::template_for(path_only)
        .unwrap_or_else(|| panic!("{path_only} is in the OpenAPI document"));
    let schema = http_support::response_schema(&template, method, status);
    http_support::assert_valid(&schema, body, &format!("{method} {template} {status}"));
    http_support::assert_overlay(&template, method, status, body);
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

#[tokio::test]
async fn acknowledged_writes_survive_sigkill_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let first = spawn(dir.path(), "first.log");
    let base = first.info["vault_url"].as_str().unwrap().to_owned();
    let vault = first.info["vault_id"].as_str().unwrap().to_owned();
    let key = first.info["api_key"].as_str().unwrap().to_owned();
    let creds_before: Value = serde_json::from_slice(
        &std::fs::read(first.info["credentials_file"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    let mut child = first.child;

    // Concurrent writers record every acknowledged insert: (id, email, name, tokens).
    let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
    let mut tasks = Vec::new();
    for writer in 0..6 {
        let acked = acked.clone();
        let (base, vault, key) = (base.clone(), vault.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            let http = client();
            for n in 0.. {
                let email = format!("w{writer}n{n}@durable.example");
                let name = format!("Durable Person {writer}-{n}");
                let body = json!({"records": [{"fields": {"email": email, "name": name}}], "tokenization": true});
                let resp = http
                    .post(format!("{base}/v1/vaults/{vault}/table1"))
                    .bearer_auth(&key)
                    .json(&body)
                    .send()
                    .await;
                let Ok(resp) = resp else { break };
                if !resp.status().is_success() {
                    break;
                }
                let Ok(reply) = resp.json::<Value>().await else { break };
                let rec = &reply["records"][0];
                acked.lock().unwrap().push((
                    rec["skyflow_id"].as_str().unwrap().to_owned(),
                    email,
                    name,
                    rec["tokens"].clone(),
                ));
            }
        }));
    }
    // Kill mid-way once a good number of writes were acknowledged.
    while acked.lock().unwrap().len() < 120 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 120);

    // Restart on the same directory: same vault, key, credentials; new port in tokenURI.
    let second = spawn(dir.path(), "second.log");
    assert_eq!(second.info["vault_id"], vault.as_str());
    assert_eq!(second.info["api_key"], key.as_str());
    let base2 = second.info["vault_url"].as_str().unwrap().to_owned();
    let creds_after: Value = serde_json::from_slice(
        &std::fs::read(second.info["credentials_file"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(creds_after["clientID"], creds_before["clientID"]);
    assert_eq!(creds_after["privateKey"], creds_before["privateKey"]);
    assert_eq!(
        creds_after["tokenURI"],
        format!("{base2}/v1/auth/sa/oauth/token")
    );
    let http = client();

    // Every acknowledged record and token is intact.
    for chunk in acked.chunks(25) {
        let ids: String = chunk
            .iter()
            .map(|(id, ..)| format!("skyflow_ids={id}&"))
            .collect();
        let got: Value = http
            .get(format!(
                "{base2}/v1/vaults/{vault}/table1?{ids}redaction=PLAIN_TEXT"
            ))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        validate(
            &reqwest::Method::GET,
            "/v1/vaults/v/table1",
            reqwest::StatusCode::OK,
            &got,
        );
        let records = got["records"]
            .as_array()
            .unwrap_or_else(|| panic!("records: {got}"));
        assert_eq!(records.len(), chunk.len());
        for (id, email, name, _) in chunk {
            let rec = records
                .iter()
                .find(|r| r["fields"]["skyflow_id"] == id.as_str())
                .expect("record kept");
            assert_eq!(rec["fields"]["email"], email.as_str());
            assert_eq!(rec["fields"]["name"], name.as_str());
        }
        // The same tokens, for every tokenized column, come back from get after the restart.
        let got: Value = http
            .get(format!(
                "{base2}/v1/vaults/{vault}/table1?{ids}tokenization=true&fields=skyflow_id&fields=email&fields=name"
            ))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        validate(
            &reqwest::Method::GET,
            "/v1/vaults/v/table1",
            reqwest::StatusCode::OK,
            &got,
        );
        let records = got["records"].as_array().unwrap();
        assert_eq!(records.len(), chunk.len());
        for (i, (.., tokens)) in chunk.iter().enumerate() {
            let fields = &records
                .iter()
                .find(|r| r["fields"]["skyflow_id"] == chunk[i].0.as_str())
                .expect("record kept")["fields"];
            let held = tokens.as_object().expect("tokens");
            assert_eq!(held.len(), 2, "email and name were tokenized");
            for (column, token) in held {
                assert_eq!(&fields[column], token, "{column} token unchanged");
            }
        }
        // And every token detokenizes to its value.
        let params: Vec<Value> = chunk
            .iter()
            .flat_map(|(.., tokens)| {
                ["email", "name"].map(|c| json!({"token": tokens[c], "redaction": "PLAIN_TEXT"}))
            })
            .collect();
        let got: Value = http
            .post(format!("{base2}/v1/vaults/{vault}/detokenize"))
            .bearer_auth(&key)
            .json(&json!({"detokenizationParameters": params, "continueOnError": false}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        validate(
            &reqwest::Method::POST,
            "/v1/vaults/v/detokenize",
            reqwest::StatusCode::OK,
            &got,
        );
        let values = got["records"].as_array().unwrap();
        assert_eq!(values.len(), chunk.len() * 2, "{got}");
        for ((_, email, name, _), pair) in chunk.iter().zip(values.chunks(2)) {
            assert_eq!(pair[0]["value"], email.as_str());
            assert_eq!(pair[1]["value"], name.as_str());
        }
    }

    // The service account from before the restart still gets tokens (aud has the old port).
    let assertion = http_support::sign_assertion(
        &creds_before,
        creds_before["tokenURI"].as_str().unwrap(),
        600,
    );
    let resp = http
        .post(format!("{base2}/v1/auth/sa/oauth/token"))
        .json(&json!({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion, "scope": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // SIGTERM stops it gracefully.
    let pid = second.child.id().to_string();
    let mut child = second.child;
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "graceful exit: {exit:?}");
}

#[tokio::test]
async fn logs_hold_no_values_tokens_or_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let run = spawn(dir.path(), "run.log");
    let base = run.info["vault_url"].as_str().unwrap().to_owned();
    let vault = run.info["vault_id"].as_str().unwrap().to_owned();
    let key = run.info["api_key"].as_str().unwrap().to_owned();
    let creds: Value = serde_json::from_slice(
        &std::fs::read(run.info["credentials_file"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    let http = client();
    let mut secrets: Vec<String> = vec![key.clone()];
    let pem = creds["privateKey"].as_str().unwrap();
    secrets.extend(
        pem.lines()
            .filter(|l| !l.starts_with("-----"))
            .map(str::to_owned),
    );

    // A full run: token exchange, inserts, gets, detokenize, query, failures.
    let assertion = http_support::sign_assertion(&creds, creds["tokenURI"].as_str().unwrap(), 600);
    secrets.push(assertion.clone());
    let token: Value = http
        .post(format!("{base}/v1/auth/sa/oauth/token"))
        .json(&json!({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = token["accessToken"].as_str().unwrap().to_owned();
    secrets.push(bearer.clone());
    let values = [
        "secret.person@logs.example",
        "Secretive Name",
        "321-54-9876",
        "4000-1234-5678-9010",
    ];
    secrets.extend(values.iter().map(|v| v.to_string()));
    let inserted: Value = http
        .post(format!("{base}/v1/vaults/{vault}/table1"))
        .bearer_auth(&bearer)
        .json(&json!({"records": [{"fields": {"email": values[0], "name": values[1], "ssn": values[2], "card_number": values[3]}}], "tokenization": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rec = &inserted["records"][0];
    let id = rec["skyflow_id"].as_str().unwrap().to_owned();
    for t in rec["tokens"].as_object().unwrap().values() {
        secrets.push(t.as_str().unwrap().to_owned());
    }
    let calls = [
        (
            reqwest::Method::GET,
            format!("/v1/vaults/{vault}/table1?skyflow_ids={id}&redaction=PLAIN_TEXT"),
            None,
        ),
        (
            reqwest::Method::GET,
            format!(
                "/v1/vaults/{vault}/table1?column_name=email&column_values={}&redaction=PLAIN_TEXT",
                values[0]
            ),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/v1/vaults/{vault}/detokenize"),
            Some(
                json!({"detokenizationParameters": [{"token": rec["tokens"]["email"], "redaction": "PLAIN_TEXT"}]}),
            ),
        ),
        (
            reqwest::Method::POST,
            format!("/v1/vaults/{vault}/detokenize"),
            Some(json!({"detokenizationParameters": [{"token": "missing-secret-token-xyz"}]})),
        ),
        (
            reqwest::Method::POST,
            format!("/v1/vaults/{vault}/query"),
            Some(json!({"query": format!("SELECT * FROM table1 WHERE email = '{}'", values[0])})),
        ),
        (
            reqwest::Method::POST,
            format!("/v1/vaults/{vault}/query"),
            // An unquoted value reads as an unknown column: the error names it.
            Some(json!({"query": "SELECT name FROM table1 WHERE email = SecretValue123"})),
        ),
        (
            reqwest::Method::POST,
            format!("/v1/vaults/{vault}/table1"),
            Some(json!({"records": [{"fields": {"email": values[0]}}]})),
        ),
        (
            reqwest::Method::POST,
            format!("/v1/vaults/{vault}/table1"),
            Some(json!({"records": [{"fields": {"email": "bad-email-secret-value"}}]})),
        ),
        (
            reqwest::Method::POST,
            format!("/v1/vaults/{vault}/tokenize"),
            Some(
                json!({"tokenizationParameters": [{"value": values[0], "table": "table1", "column": "email"}]}),
            ),
        ),
    ];
    secrets.push("missing-secret-token-xyz".into());
    secrets.push("SecretValue123".into());
    secrets.push("bad-email-secret-value".into());
    for (method, path, body) in calls {
        let mut req = http
            .request(method.clone(), format!("{base}{path}"))
            .bearer_auth(&bearer);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        assert!(resp.headers().get("x-request-id").is_some());
        let status = resp.status();
        let reply: Value = resp.json().await.unwrap();
        validate(&method, &path, status, &reply);
        if path.ends_with("/query") && status.is_client_error() {
            assert_eq!(status, 400, "{reply}");
        }
    }
    // The audit trail (read over HTTP) holds none of the values either.
    let audit_path = "/v1/audit/events?filterOps.accountID=local&limit=1000";
    let resp = http
        .get(format!("{base}{audit_path}"))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let audit: Value = resp.json().await.unwrap();
    validate(&reqwest::Method::GET, audit_path, status, &audit);
    assert!(audit["event"].as_array().is_some_and(|e| !e.is_empty()));
    let audit_text = audit.to_string();
    for v in values
        .iter()
        .copied()
        .chain(["SecretValue123", "bad-email-secret-value"])
    {
        assert!(!audit_text.contains(v), "the audit trail leaks {v:?}");
    }
    // A bad bearer is logged as a 401, not echoed.
    http.get(format!("{base}/v1/vaults/{vault}/table1"))
        .bearer_auth("sky-wrong-secretkeyvalue")
        .send()
        .await
        .unwrap();
    secrets.push("sky-wrong-secretkeyvalue".into());

    let pid = run.child.id().to_string();
    let mut child = run.child;
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    child.wait().unwrap();

    let log = std::fs::read_to_string(dir.path().join("run.log")).unwrap();
    assert!(log.contains("request"), "the access log is there: {log}");
    assert!(
        log.contains("/v1/vaults/{vault}/{table}"),
        "routes are logged as templates"
    );
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "the log leaks {secret:?}:\n{log}"
        );
    }
}

#[tokio::test]
async fn limit_flags_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let run = spawn_with(
        dir.path(),
        "limits.log",
        &[
            "--max-body-bytes",
            "65536",
            "--max-file-bytes",
            "16",
            "--query-timeout-ms",
            "2000",
            "--skyflow-quirks",
        ],
    );
    let base = run.info["vault_url"].as_str().unwrap().to_owned();
    let vault = run.info["vault_id"].as_str().unwrap().to_owned();
    let key = run.info["api_key"].as_str().unwrap().to_owned();
    let http = client();
    let upload = |bytes: &'static [u8]| {
        reqwest::multipart::Form::new()
            .text("tableName", "table1")
            .text("columnName", "file")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("f.txt"),
            )
    };
    let path = format!("/v2/vaults/{vault}/files/upload");
    for (bytes, status) in [
        (&b"sixteen bytes ok"[..], 200),
        (&b"seventeen bytes!!"[..], 413),
    ] {
        let resp = http
            .post(format!("{base}{path}"))
            .bearer_auth(&key)
            .multipart(upload(bytes))
            .send()
            .await
            .unwrap();
        let got = resp.status();
        let body: Value = resp.json().await.unwrap();
        assert_eq!(got.as_u16(), status, "{body}");
        validate(&reqwest::Method::POST, &path, got, &body);
    }
    // --skyflow-quirks: a query on an unknown column answers Skyflow's 500.
    let path = format!("/v1/vaults/{vault}/query");
    let resp = http
        .post(format!("{base}{path}"))
        .bearer_auth(&key)
        .json(&json!({"query": "SELECT car_number FROM table1"}))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    validate(&reqwest::Method::POST, &path, status, &body);
    assert_eq!(status, 500);
    assert_eq!(body["error"]["grpc_code"], 13);
    assert_eq!(
        body["error"]["message"],
        "ERROR (internal_error): Could not find Field car_number"
    );
    let mut child = run.child;
    child.kill().unwrap();
    child.wait().unwrap();
    // Not even the quirk's 500 puts the caller's text in the log.
    let log = std::fs::read_to_string(dir.path().join("limits.log")).unwrap();
    assert!(!log.contains("car_number"), "{log}");
}

/// What a stand-in upstream received: (path and query, body) per request.
type Seen = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A third-party stand-in: records each request's path and body, answers with `reply`.
async fn recording_upstream(reply: Value) -> (std::net::SocketAddr, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let record = record.clone();
        let reply = reply.clone();
        async move {
            let uri = request.uri().to_string();
            let body = axum::body::to_bytes(request.into_body(), 1 << 20)
                .await
                .unwrap();
            record.lock().unwrap().push((uri, body.to_vec()));
            axum::Json(reply)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (addr, seen)
}

#[tokio::test]
async fn connections_flag_configures_the_gateway_and_emulator_json() {
    let (upstream, seen) = recording_upstream(json!({"ssn": "987-65-4321"})).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("connections.json");
    let connections = json!({"connections": [{
        "id": "kyc",
        "methods": ["POST"],
        "path": "/check/{ref}",
        "upstream": format!("http://{upstream}/v1/check/{{ref}}"),
        "detokenize": [{"json": "name"}],
        "tokenize": [{"field": {"json": "ssn"}, "table": "table1", "column": "ssn"}]
    }]});
    std::fs::write(&file, connections.to_string()).unwrap();
    let run = spawn_with(
        dir.path(),
        "gateway.log",
        &["--connections", file.to_str().unwrap()],
    );
    let base = run.info["vault_url"].as_str().unwrap().to_owned();
    let vault = run.info["vault_id"].as_str().unwrap().to_owned();
    let key = run.info["api_key"].as_str().unwrap().to_owned();
    let url = format!("{base}/v1/gateway/outboundRoutes/kyc/check/{{ref}}");
    assert_eq!(
        run.info["connections"],
        json!([{"connection_id": "kyc", "connection_url": url}])
    );

    let http = client();
    let inserted: Value = http
        .post(format!("{base}/v1/vaults/{vault}/table1"))
        .bearer_auth(&key)
        .json(&json!({"records": [{"fields": {"name": "Jane Roe"}}], "tokenization": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let name_token = inserted["records"][0]["tokens"]["name"].as_str().unwrap();
    let resp = http
        .post(url.replace("{ref}", "r-1"))
        .header("x-skyflow-authorization", &key)
        .json(&json!({"name": name_token}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(
        seen.lock().unwrap().clone(),
        [(
            "/v1/check/r-1".to_owned(),
            br#"{"name":"Jane Roe"}"#.to_vec()
        )]
    );
    let ssn_token = answer["ssn"].as_str().unwrap();
    assert_ne!(ssn_token, "987-65-4321");
    let detokenized: Value = http
        .post(format!("{base}/v1/vaults/{vault}/detokenize"))
        .bearer_auth(&key)
        .json(
            &json!({"detokenizationParameters": [{"token": ssn_token, "redaction": "PLAIN_TEXT"}]}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detokenized["records"][0]["value"], "987-65-4321");
    let mut child = run.child;
    child.kill().unwrap();
    child.wait().unwrap();
    // The gateway logs no values or tokens either.
    let log = std::fs::read_to_string(dir.path().join("gateway.log")).unwrap();
    for secret in ["Jane Roe", name_token, "987-65-4321", ssn_token] {
        assert!(!log.contains(secret), "{log}");
    }

    // An invalid connections file stops the start with a message naming the file.
    std::fs::write(
        &file,
        r#"{"connections":[{"id":"bad id","upstream":"http://h"}]}"#,
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_skyflow-emulator"))
        .args(["--listen", "127.0.0.1:0", "--in-memory", "--connections"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("connections.json") && stderr.contains("bad id"),
        "{stderr}"
    );
}
