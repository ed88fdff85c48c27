//! Throughput of the emulator over loopback HTTP, on disk (WAL, every answered write synced to
//! disk), in records (or tokens) per second, with the allocator of the `skyflow-emulator`
//! binary (mimalloc). Run with `cargo bench -p skyflow-emulator --bench http_throughput`
//! (about a minute).
//!
//! Scenarios:
//! - `persons`: 1,000-record insert requests, every column tokenized, on the quickstart
//!   `persons` table (five tokenized columns);
//! - `customers`: 1,000-record insert requests on a table of six tokenized columns, like a
//!   customer table (name, email, phone, card, SSN, address);
//! - `detokenize`: 1,000 tokens per request over a fixed set of `DETOKENIZE_CHUNKS` (20)
//!   requests: the `name` tokens of the first 20,000 `persons` records (inserted first if the
//!   `persons` runs did not reach that many), so the figure does not depend on how many
//!   records the insert scenarios managed to write; the client builds the 20 bodies once
//!   and only skims the answers (counts the records), so little of the reported CPU is its;
//! - `concurrent`: single-record inserts from 32 concurrent clients;
//! - the client writes insert bodies as JSON text and reads only the ids and tokens it keeps
//!   from the answers, so little of the reported CPU is its own;
//! - the bulk scenarios run with one client, then with `SKYFLOW_BENCH_CLIENTS` (default 4)
//!   requests in flight (`persons x4`); each line says how many, with the CPU the process
//!   used per 1,000 records (less sensitive than throughput to other load on the machine);
//! - the earlier mix: insert, get and detokenize at batch sizes 1, 25 and 250 on `table1`;
//! - last, a `goal` line per scenario with a speed goal ([`GOALS`]): its figure, the goal and
//!   whether it was met.
//!
//! `SKYFLOW_BENCH_SECONDS` sets the time per scenario (default 4); `SKYFLOW_BENCH_ONLY`
//! (comma-separated scenario names) runs only those.

/// The allocator of the `skyflow-emulator` binary, so the figures are the server's as it
/// ships (an application embedding the emulator uses its own allocator; with the system
/// allocator bulk inserts are 10–25% slower here).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use skyflow_emulator::engine::{CommitStats, Engine, VaultSchema};
use skyflow_emulator::{Emulator, EmulatorOptions};

const BATCH_SIZES: [usize; 3] = [1, 25, 250];
const BULK: usize = 1000;
/// How many distinct 1,000-token requests the detokenize scenario cycles through.
const DETOKENIZE_CHUNKS: usize = 20;
const CLIENTS: usize = 32;

/// Whether scenario `name` runs: `SKYFLOW_BENCH_ONLY` (comma-separated names: `persons`,
/// `customers`, `detokenize`, `concurrent`, `mix`) picks some; unset runs them all.
fn selected(name: &str) -> bool {
    std::env::var("SKYFLOW_BENCH_ONLY")
        .map(|only| only.split(',').any(|s| s.trim() == name))
        .unwrap_or(true)
}

fn budget() -> Duration {
    let secs = std::env::var("SKYFLOW_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4.0);
    Duration::from_secs_f64(secs)
}

/// A customer-like table: six tokenized columns.
fn customers_schema() -> Value {
    let col = |name: &str, policy: &str, regex: Option<&str>| {
        let mut tags = vec![
            json!({"name": "skyflow.options.default_token_policy", "values": [policy]}),
            json!({"name": "skyflow.options.default_dlp_policy", "values": ["MASK"]}),
        ];
        if let Some(r) = regex {
            tags.push(json!({"name": "skyflow.options.format_preserving_regex", "values": [r]}));
        }
        json!({"name": name, "datatype": "DT_STRING", "tags": tags})
    };
    json!({"schemas": [{"name": "customers", "fields": [
        {"name": "skyflow_id", "datatype": "DT_STRING", "tags": [
            {"name": "skyflow.options.data_type", "values": ["skyflow.SkyflowID"]}]},
        col("name", "DETERMINISTIC_UUID", None),
        col("email", "DETERMINISTIC_FPT", Some("^([a-z]{12})@([a-z]{8})\\.com$")),
        col("phone", "DETERMINISTIC_FPT", Some("^[0-9]{10}$")),
        col("card_number", "DETERMINISTIC_FPT", Some("^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{4}$")),
        col("ssn", "DETERMINISTIC_FPT", Some("^[0-9]{3}-[0-9]{2}-[0-9]{4}$")),
        col("address", "NON_DETERMINISTIC_UUID", None),
    ]}]})
}

#[derive(Clone)]
struct Bench {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl Bench {
    async fn post(&self, path: &str, body: &Value) -> Value {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .json(body)
            .send()
            .await
            .expect("request");
        let status = resp.status();
        let body: Value = resp.json().await.expect("JSON body");
        assert!(status.is_success(), "{status}: {body}");
        body
    }

    /// Inserts `records` into `table`; (skyflow_id, token of `column`) of each.
    async fn insert(
        &self,
        table: &str,
        records: Vec<Value>,
        column: &str,
    ) -> Vec<(String, String)> {
        let body = json!({"records": records, "tokenization": true}).to_string();
        self.insert_body(table, body, column).await
    }

    /// Inserts the records of insert request `body` (JSON text) into `table`; (skyflow_id,
    /// token of `column`) of each. The answer is read into the few fields the bench keeps,
    /// without a JSON tree: the client's own work stays small next to the server's (both
    /// run in this process).
    async fn insert_body(&self, table: &str, body: String, column: &str) -> Vec<(String, String)> {
        #[derive(serde::Deserialize)]
        struct Reply<'a> {
            #[serde(borrow)]
            records: Vec<Inserted<'a>>,
        }
        #[derive(serde::Deserialize)]
        struct Inserted<'a> {
            #[serde(borrow)]
            skyflow_id: std::borrow::Cow<'a, str>,
            #[serde(borrow)]
            tokens: std::collections::HashMap<std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>>,
        }
        let bytes = self.post_json_text(&format!("/{table}"), body).await;
        let reply: Reply<'_> = serde_json::from_slice(&bytes).expect("insert JSON");
        reply
            .records
            .into_iter()
            .map(|r| (r.skyflow_id.into_owned(), r.tokens[column].to_string()))
            .collect()
    }

    async fn get(&self, ids: &[(String, String)]) {
        let query: String = ids
            .iter()
            .map(|(id, _)| format!("skyflow_ids={id}&"))
            .collect();
        let resp = self
            .http
            .get(format!("{}/table1?{query}redaction=PLAIN_TEXT", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .expect("get");
        assert!(resp.status().is_success());
        resp.bytes().await.expect("get body");
    }

    async fn detokenize(&self, ids: &[(String, String)]) {
        self.post("/detokenize", &detokenize_body(ids)).await;
    }

    /// Posts a JSON body already written as text to `path`; the answer's bytes (a success
    /// status is checked).
    async fn post_json_text(&self, path: &str, body: impl Into<reqwest::Body>) -> bytes::Bytes {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        let status = resp.status();
        let bytes = resp.bytes().await.expect("answer body");
        assert!(
            status.is_success(),
            "{status}: {}",
            String::from_utf8_lossy(&bytes)
        );
        bytes
    }

    /// Sends a detokenize body built beforehand and checks that every token came back,
    /// without building the answer's JSON tree: the client's own work stays small next to
    /// the server's (both run in this process).
    async fn detokenize_prepared(&self, body: &bytes::Bytes, tokens: usize) {
        #[derive(serde::Deserialize)]
        struct Reply {
            records: Vec<serde::de::IgnoredAny>,
        }
        let bytes = self.post_json_text("/detokenize", body.clone()).await;
        let reply: Reply = serde_json::from_slice(&bytes).expect("detokenize JSON");
        assert_eq!(reply.records.len(), tokens);
    }
}

/// One client of the concurrent scenario: an HTTP/1.1 connection to the emulator, sending
/// insert requests to one table.
struct Connection {
    sender: hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>>,
    uri: hyper::Uri,
    authorization: hyper::header::HeaderValue,
}

impl Connection {
    async fn open(bench: &Bench, table: &str) -> Connection {
        let uri: hyper::Uri = format!("{}/{table}", bench.base).parse().expect("URI");
        let authority = uri.authority().expect("authority").as_str().to_owned();
        let tcp = tokio::net::TcpStream::connect(&authority)
            .await
            .expect("connect");
        tcp.set_nodelay(true).expect("nodelay");
        let (sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
                .await
                .expect("handshake");
        tokio::spawn(conn);
        let authorization = format!("Bearer {}", bench.key).parse().expect("header");
        Connection {
            sender,
            uri,
            authorization,
        }
    }

    /// Sends insert request `body` (JSON text) and checks that it succeeded, with one record.
    async fn insert(&mut self, body: String) {
        use http_body_util::BodyExt;
        let req = hyper::Request::post(self.uri.clone())
            .header(hyper::header::HOST, "localhost")
            .header(hyper::header::AUTHORIZATION, self.authorization.clone())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(http_body_util::Full::new(bytes::Bytes::from(body)))
            .expect("request");
        self.sender.ready().await.expect("connection ready");
        let resp = self.sender.send_request(req).await.expect("response");
        let status = resp.status();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        assert!(
            status.is_success(),
            "{status}: {}",
            String::from_utf8_lossy(&bytes)
        );
        #[derive(serde::Deserialize)]
        struct Reply {
            records: Vec<serde::de::IgnoredAny>,
        }
        let reply: Reply = serde_json::from_slice(&bytes).expect("insert JSON");
        assert_eq!(reply.records.len(), 1);
    }
}

fn detokenize_body(ids: &[(String, String)]) -> Value {
    let params: Vec<Value> = ids
        .iter()
        .map(|(_, t)| json!({"token": t, "redaction": "PLAIN_TEXT"}))
        .collect();
    json!({"detokenizationParameters": params})
}

/// Appends record `seq` of the `persons` table (JSON) to `out`.
fn person(seq: usize, out: &mut String) {
    use std::fmt::Write;
    let state = ["CA", "NY", "TX", "WA"][seq % 4];
    let _ = write!(
        out,
        r#"{{"fields":{{"name":"Person {seq}","email_address":"person{seq}@bench.example","ssn":"{:03}-{:02}-{:04}","date_of_birth":"19{:02}-{:02}-{:02}","state":"{state}"}}}}"#,
        seq % 1000,
        seq % 100,
        seq % 10000,
        seq % 100,
        seq % 12 + 1,
        seq % 28 + 1,
    );
}

/// Appends record `seq` of the `customers` table (JSON) to `out`.
fn customer(seq: usize, out: &mut String) {
    use std::fmt::Write;
    let _ = write!(
        out,
        r#"{{"fields":{{"name":"Customer {seq}","email":"customer{seq}@bench.example","phone":"555{:07}","card_number":"4111-{:04}-{:04}-{:04}","ssn":"{:03}-{:02}-{:04}","address":"{seq} Bench Street"}}}}"#,
        seq % 10_000_000,
        seq / 100_000_000 % 10000,
        seq / 10000 % 10000,
        seq % 10000,
        seq % 1000,
        seq / 1000 % 100,
        seq / 100_000 % 10000,
    );
}

/// An insert request (JSON text) of records `seq` and on, made by `make`.
fn insert_body(make: fn(usize, &mut String), seqs: std::ops::Range<usize>) -> String {
    let mut body = String::with_capacity(seqs.len() * 220 + 64);
    body.push_str(r#"{"tokenization":true,"records":["#);
    for (i, seq) in seqs.enumerate() {
        if i > 0 {
            body.push(',');
        }
        make(seq, &mut body);
    }
    body.push_str("]}");
    body
}

/// SHA-256 throughput of one core, in MB/s, over 1 KiB blocks for a quarter of a second: a
/// reference for the figures of a run. A shared or throttled machine runs the same binary
/// at quite different speeds from one hour to the next; runs compare best at equal speeds.
fn sha256_speed() -> f64 {
    use sha2::Digest;
    let block = [0x5au8; 1024];
    let started = Instant::now();
    let mut bytes = 0usize;
    let mut sink = 0u8;
    while started.elapsed() < Duration::from_millis(250) {
        for _ in 0..64 {
            sink ^= sha2::Sha256::digest(block)[0];
            bytes += block.len();
        }
    }
    std::hint::black_box(sink);
    bytes as f64 / started.elapsed().as_secs_f64() / 1e6
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// CPU time this process (server and client) has used, in seconds (`/proc/self/stat`).
fn cpu_seconds() -> f64 {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name (which is in parentheses): utime and stime are the
            // 12th and 13th.
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?)
        });
    // Linux reports clock ticks of 1/100 s.
    ticks.map_or(0.0, |t| t / 100.0)
}

/// CPU per unit of work: less sensitive than throughput to other load on the machine.
fn report_cpu(op: &str, records: usize, cpu: f64, elapsed: Duration) {
    println!(
        "{op:<11} cpu: {:>6.1} ms per 1,000 records, {:.2} cores busy",
        cpu * 1e6 / records.max(1) as f64,
        cpu / elapsed.as_secs_f64()
    );
}

/// Throughput of each scenario run so far, by its label (for [`report_goals`]).
static RESULTS: std::sync::Mutex<Vec<(String, f64)>> = std::sync::Mutex::new(Vec::new());

fn report(op: &str, batch: usize, records: usize, elapsed: Duration) {
    let rate = records as f64 / elapsed.as_secs_f64();
    println!(
        "{op:<11} batch {batch:>4}: {rate:>9.0} records/s ({records} records in {:.2}s; load {})",
        elapsed.as_secs_f64(),
        load()
    );
    RESULTS.lock().unwrap().push((op.to_owned(), rate));
}

/// The emulator's speed goals, in records (tokens for detokenize) per second, on disk with
/// every answered write synced: 1,000-record insert requests with every column tokenized,
/// detokenize of 1,000 tokens per request (both with `bulk_clients()` requests in flight),
/// and single-record inserts from 32 concurrent clients.
const GOALS: [(&str, f64); 4] = [
    ("persons", 25_000.0),
    ("customers", 25_000.0),
    ("detokenize", 150_000.0),
    ("concurrent", 5_000.0),
];

/// One line per goal whose scenario ran: the figure, the goal, and whether it was met.
fn report_goals() {
    let results = RESULTS.lock().unwrap();
    for (scenario, goal) in GOALS {
        let label = match scenario {
            "concurrent" => scenario.to_owned(),
            _ => format!("{scenario} x{}", bulk_clients()),
        };
        if let Some((_, rate)) = results.iter().find(|(op, _)| *op == label) {
            let verdict = if *rate >= goal { "met" } else { "MISSED" };
            println!("goal        {label}: {rate:.0} records/s, goal {goal:.0}: {verdict}");
        }
    }
}

/// How many bulk requests the `-par` runs keep in flight (`SKYFLOW_BENCH_CLIENTS`, default 4):
/// a server benchmark keeps a few requests in flight so one request's network, JSON and
/// sync wait overlap another's work; the 1-client figures are reported too.
fn bulk_clients() -> usize {
    std::env::var("SKYFLOW_BENCH_CLIENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(4)
}

/// Bulk inserts of `BULK` records into `table` from `clients` concurrent clients for the
/// time budget; (skyflow_id, token of `column`) of every record.
async fn bulk(
    bench: &Bench,
    engine: &Engine,
    table: &'static str,
    column: &'static str,
    make: fn(usize, &mut String),
    seq: &Arc<AtomicUsize>,
    clients: usize,
) -> Vec<(String, String)> {
    let started = Instant::now();
    let cpu = cpu_seconds();
    let store = engine.commit_stats();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (bench, seq) = (bench.clone(), seq.clone());
            tokio::spawn(async move {
                let mut ids = Vec::new();
                while started.elapsed() < budget() {
                    let first = seq.fetch_add(BULK, Ordering::Relaxed);
                    let body = insert_body(make, first..first + BULK);
                    ids.extend(bench.insert_body(table, body, column).await);
                }
                ids
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.extend(t.await.unwrap());
    }
    let label = format!("{table} x{clients}");
    report(&label, BULK, ids.len(), started.elapsed());
    report_cpu(&label, ids.len(), cpu_seconds() - cpu, started.elapsed());
    report_store(store, engine.commit_stats(), started.elapsed());
    ids
}

/// Prints what the store did in a scenario, from its counts before and after: its writes,
/// commits and syncs, and the share of the wall time the writer was held and the log synced
/// (writes take the writer one at a time, and syncs the disk: near 100% is the bound).
fn report_store(before: CommitStats, after: CommitStats, elapsed: Duration) {
    let share = |busy: Duration| 100.0 * busy.as_secs_f64() / elapsed.as_secs_f64();
    let commits = after.commits - before.commits;
    let writes = after.writes - before.writes;
    println!(
        "{:<11} store: {writes} writes in {commits} commits ({:.1} per commit), {} syncs; writer held {:.0}% of the time, log syncing {:.0}%",
        "",
        writes as f64 / commits.max(1) as f64,
        after.syncs - before.syncs,
        share(after.writer_busy - before.writer_busy),
        share(after.sync_busy - before.sync_busy),
    );
}

/// Detokenize requests of `BULK` distinct tokens from `clients` concurrent clients for the
/// time budget, cycling through the first `DETOKENIZE_CHUNKS` chunks of `tokens`.
async fn detokenize_bulk(
    bench: &Bench,
    engine: &Engine,
    tokens: &[(String, String)],
    clients: usize,
) {
    // Request bodies are built once; the client only sends them and skims the answers.
    let chunks: Arc<Vec<bytes::Bytes>> = Arc::new(
        tokens
            .chunks(BULK)
            .filter(|c| c.len() == BULK)
            .take(DETOKENIZE_CHUNKS)
            .map(|c| bytes::Bytes::from(detokenize_body(c).to_string()))
            .collect(),
    );
    if chunks.is_empty() {
        return;
    }
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let cpu = cpu_seconds();
    let store = engine.commit_stats();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (bench, chunks, next) = (bench.clone(), chunks.clone(), next.clone());
            tokio::spawn(async move {
                let mut done = 0;
                while started.elapsed() < budget() {
                    let body = &chunks[next.fetch_add(1, Ordering::Relaxed) % chunks.len()];
                    bench.detokenize_prepared(body, BULK).await;
                    done += BULK;
                }
                done
            })
        })
        .collect();
    let mut done = 0;
    for t in tasks {
        done += t.await.unwrap();
    }
    let label = format!("detokenize x{clients}");
    println!(
        "{:<11} {} distinct tokens ({} requests of {BULK}), cycled",
        "",
        chunks.len() * BULK,
        chunks.len()
    );
    report(&label, BULK, done, started.elapsed());
    report_cpu(&label, done, cpu_seconds() - cpu, started.elapsed());
    report_store(store, engine.commit_stats(), started.elapsed());
}

/// Single-record inserts into `persons` from `CLIENTS` concurrent clients for the time
/// budget; also reports how many group commits and syncs carried them. Returns the next
/// sequence number.
///
/// Each client is one HTTP/1.1 connection of its own (hyper's connection-level client, no
/// pool, no redirects, no URL parsing per request): 32 clients in this process cost the
/// server's two cores less than a pooled client would.
async fn concurrent(bench: &Bench, engine: &Engine, seq: usize) -> usize {
    let next = Arc::new(AtomicUsize::new(seq + 1));
    let before = engine.commit_stats();
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        clients.push(Connection::open(bench, "persons").await);
    }
    let started = Instant::now();
    let cpu = cpu_seconds();
    let mut tasks = Vec::new();
    for mut client in clients {
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0usize;
            while started.elapsed() < budget() {
                let s = next.fetch_add(1, Ordering::Relaxed);
                client.insert(insert_body(person, s..s + 1)).await;
                n += 1;
            }
            n
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    let elapsed = started.elapsed();
    report("concurrent", 1, total, elapsed);
    report_cpu("concurrent", total, cpu_seconds() - cpu, elapsed);
    report_store(before, engine.commit_stats(), elapsed);
    next.load(Ordering::Relaxed)
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("skyflow-emulator-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let customers = dir.join("customers.json");
    std::fs::write(&customers, customers_schema().to_string()).unwrap();
    // The default vault (quickstart plus table1) first, then the customers vault.
    let default = dir.join("default.json");
    std::fs::write(&default, VaultSchema::default_schema().to_json()).unwrap();
    let options = EmulatorOptions::with_data_dir(dir.join("data"))
        .schema_file(&default)
        .schema_file(&customers);
    let emulator = Emulator::start(options).await.expect("emulator starts");
    let vaults = emulator.info().vaults.clone();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let bench_for = |vault: &str| Bench {
        http: client.clone(),
        base: format!("{}/v1/vaults/{vault}", emulator.vault_url()),
        key: emulator.api_key().to_owned(),
    };
    let main_vault = bench_for(&vaults[0].vault_id);
    let customer_vault = bench_for(&vaults[vaults.len() - 1].vault_id);
    println!(
        "skyflow-emulator over loopback, on-disk store (WAL, every answered write synced), mimalloc (as the binary), {} cores, {:.0} s per scenario",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        budget().as_secs_f64()
    );
    println!(
        "{:<11} speed of one core now: SHA-256 of 1 KiB blocks at {:.0} MB/s (compare runs by it)",
        "",
        sha256_speed()
    );
    // 1,000-record inserts, and detokenize of 1,000 tokens per request: one client, then
    // a few in flight.
    let par = bulk_clients();
    let clients: Vec<usize> = if par > 1 { vec![1, par] } else { vec![1] };
    let engine = emulator.engine();
    let next = Arc::new(AtomicUsize::new(1));
    let mut tokens = Vec::new();
    if selected("persons") || selected("detokenize") {
        for &n in &clients {
            tokens.extend(bulk(&main_vault, engine, "persons", "name", person, &next, n).await);
        }
    }
    if selected("customers") {
        let cnext = Arc::new(AtomicUsize::new(1));
        for &n in &clients {
            let (table, column) = ("customers", "email");
            bulk(&customer_vault, engine, table, column, customer, &cnext, n).await;
        }
    }
    if selected("detokenize") {
        // A fixed token set: the first DETOKENIZE_CHUNKS chunks, topped up (untimed) when the
        // persons runs wrote fewer records.
        while tokens.len() < DETOKENIZE_CHUNKS * BULK {
            let first = next.fetch_add(BULK, Ordering::Relaxed);
            let body = insert_body(person, first..first + BULK);
            tokens.extend(main_vault.insert_body("persons", body, "name").await);
        }
        tokens.truncate(DETOKENIZE_CHUNKS * BULK);
        for &n in &clients {
            detokenize_bulk(&main_vault, engine, &tokens, n).await;
        }
    }
    let mut seq = next.load(Ordering::Relaxed);

    if selected("concurrent") {
        seq = concurrent(&main_vault, emulator.engine(), seq).await;
    }

    // The earlier mix on table1.
    for batch in BATCH_SIZES.into_iter().filter(|_| selected("mix")) {
        let started = Instant::now();
        let mut ids = Vec::new();
        while started.elapsed() < budget() {
            let records: Vec<Value> = (0..batch)
                .map(|_| {
                    seq += 1;
                    json!({"fields": {"email": format!("bench{seq}@bench.example"), "name": format!("Bench {seq}")}})
                })
                .collect();
            ids.extend(main_vault.insert("table1", records, "email").await);
        }
        report("insert", batch, ids.len(), started.elapsed());

        // Get pages hold at most 25 ids (Skyflow's get limit); detokenize takes the batch.
        let page = batch.min(25);
        let started = Instant::now();
        let mut done = 0;
        for chunk in ids.chunks(page).cycle() {
            if started.elapsed() >= budget() {
                break;
            }
            main_vault.get(chunk).await;
            done += chunk.len();
        }
        report("get", page, done, started.elapsed());

        let started = Instant::now();
        let mut done = 0;
        for chunk in ids.chunks(batch).cycle() {
            if started.elapsed() >= budget() {
                break;
            }
            main_vault.detokenize(chunk).await;
            done += chunk.len();
        }
        report("detokenize", batch, done, started.elapsed());
    }
    report_goals();
    emulator.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
