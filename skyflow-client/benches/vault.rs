//! Throughput of the SDK's vault operations against the emulator on loopback, and the SDK's
//! per-call overhead compared with a raw reqwest call of the same endpoint.
//!
//! Run with `cargo bench -p skyflow-client --bench vault` (a few minutes, release build).
//!
//! - Throughput: insert, get (by ids) and detokenize, in records per second, for batch sizes
//!   1, 25, 100 and 1000 and concurrency 1, 4 and 16. Each cell moves up to
//!   [`RECORDS_PER_CELL`] records through SDK calls of `2 × batch × concurrency` records
//!   (capped at the cell's records), and stops early after [`CELL_BUDGET`].
//! - Overhead: [`OVERHEAD_CALLS`] sequential single-record calls through the SDK and the same
//!   number through a bare `reqwest::Client` (same URL, same JSON body, same
//!   `Authorization` header, response read and parsed as JSON), interleaved call by call;
//!   the ratio is the SDK's median latency over the raw median (and the same for means).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use skyflow_client::credentials::Credentials;
use skyflow_client::vault::{
    CallOptions, DetokenizeRequest, GetRequest, InsertRequest, RedactionType,
};
use skyflow_client::{BulkConfig, Skyflow, VaultClient, VaultConfig};
use skyflow_emulator::{Emulator, EmulatorOptions};

const BATCH_SIZES: [usize; 4] = [1, 25, 100, 1000];
const CONCURRENCY: [usize; 3] = [1, 4, 16];
const RECORDS_PER_CELL: usize = 5_000;
const CELL_BUDGET: Duration = Duration::from_secs(2);
const POOL: usize = 5_000;
const OVERHEAD_CALLS: usize = 1_000;
const OVERHEAD_WARMUP: usize = 100;

fn record(seq: usize) -> Value {
    json!({
        "name": format!("Bench Person {seq}"),
        "email": format!("bench{seq}@bench.example"),
        "ssn": format!("{:03}-{:02}-{:04}", 100 + seq % 800, 10 + seq % 80, seq % 10_000),
    })
}

struct Pool {
    ids: Vec<String>,
    tokens: Vec<String>,
}

#[derive(Clone, Copy)]
enum Op {
    Insert,
    Get,
    Detokenize,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Insert => "insert",
            Op::Get => "get",
            Op::Detokenize => "detokenize",
        }
    }
}

struct Bench {
    vault: VaultClient,
    pool: Pool,
    seq: usize,
}

impl Bench {
    /// One SDK call of `count` records starting at `offset` in the pool (or new records).
    async fn call(&mut self, op: Op, vault: &VaultClient, count: usize, offset: usize) {
        let pick = |items: &[String]| -> Vec<String> {
            (0..count)
                .map(|i| items[(offset + i) % items.len()].clone())
                .collect()
        };
        match op {
            Op::Insert => {
                let first = self.seq;
                self.seq += count;
                let request =
                    InsertRequest::new("table1").values((first..first + count).map(record));
                let response = vault.insert(&request).await.expect("insert");
                assert_eq!(response.inserted().len(), count);
            }
            Op::Get => {
                let request = GetRequest::new("table1")
                    .ids(pick(&self.pool.ids))
                    .redaction_type(RedactionType::PlainText);
                let response = vault.get(&request).await.expect("get");
                assert!(!response.records().is_empty());
            }
            Op::Detokenize => {
                let request = DetokenizeRequest::new()
                    .tokens(pick(&self.pool.tokens))
                    .redaction_type(RedactionType::PlainText);
                let response = vault.detokenize(&request).await.expect("detokenize");
                assert_eq!(response.detokenized().len(), count);
            }
        }
    }

    /// Records per second for one cell.
    async fn cell(&mut self, op: Op, batch: usize, concurrency: usize) -> (f64, usize) {
        let bulk = BulkConfig::standard()
            .with_batch_size(batch)
            .with_get_batch_size(batch)
            .with_concurrency(concurrency);
        let vault = self.vault.with_options(CallOptions::new().bulk(bulk));
        let chunk = (2 * batch * concurrency).clamp(batch, RECORDS_PER_CELL);
        let start = Instant::now();
        let mut done = 0;
        while done < RECORDS_PER_CELL && start.elapsed() < CELL_BUDGET {
            self.call(op, &vault, chunk, done).await;
            done += chunk;
        }
        (done as f64 / start.elapsed().as_secs_f64(), done)
    }
}

/// Raw reqwest versus SDK, one record per call, sequential.
struct Overhead {
    http: reqwest::Client,
    url: String,
    key: String,
    vault: VaultClient,
}

impl Overhead {
    async fn raw_detokenize(&self, token: &str) {
        let body = json!({
            "detokenizationParameters": [{ "token": token, "redaction": "PLAIN_TEXT" }],
            "continueOnError": false,
        });
        let mut builder = self.http.post(format!("{}/detokenize", self.url));
        if std::env::var_os("BENCH_SKY_HEADERS").is_some() {
            builder = builder
                .header("sky-metadata", r#"{"sdk_name_version":"skyflow-rust@0.1.0","sdk_client_device_model":"vm","sdk_client_os_details":"linux","sdk_runtime_details":"Rust 1.90.0 (1159e78c4 2025-09-14)"}"#)
                .header("user-agent", "skyflow-rust/0.1.0");
        }
        let resp = builder
            .header("authorization", format!("Bearer {}", self.key))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap())
            .send()
            .await
            .expect("raw detokenize");
        assert!(resp.status().is_success());
        let body: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        assert!(body["records"][0]["value"].is_string());
    }

    async fn sdk_detokenize(&self, token: &str) {
        let request = DetokenizeRequest::new()
            .token(token)
            .redaction_type(RedactionType::PlainText);
        let response = self.vault.detokenize(&request).await.expect("detokenize");
        assert!(response.detokenized()[0].value().is_string());
    }

    async fn raw_get(&self, id: &str) {
        let resp = self
            .http
            .get(format!(
                "{}/table1?skyflow_ids={id}&redaction=PLAIN_TEXT&tokenization=false",
                self.url
            ))
            .header("authorization", format!("Bearer {}", self.key))
            .send()
            .await
            .expect("raw get");
        assert!(resp.status().is_success());
        let body: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        assert!(body["records"][0]["fields"].is_object());
    }

    async fn sdk_get(&self, id: &str) {
        let request = GetRequest::new("table1")
            .ids([id])
            .redaction_type(RedactionType::PlainText);
        let response = self.vault.get(&request).await.expect("get");
        assert_eq!(response.records().len(), 1);
    }

    async fn raw_insert(&self, seq: usize) {
        let body = json!({
            "records": [{ "fields": record(seq) }],
            "tokenization": true,
            "upsert": null,
            "homogeneous": false,
            "byot": "DISABLE",
        });
        let resp = self
            .http
            .post(format!("{}/table1", self.url))
            .header("authorization", format!("Bearer {}", self.key))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap())
            .send()
            .await
            .expect("raw insert");
        assert!(resp.status().is_success());
        let body: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        assert!(body["records"][0]["skyflow_id"].is_string());
    }

    async fn sdk_insert(&self, seq: usize) {
        let request = InsertRequest::new("table1").values([record(seq)]);
        let response = self.vault.insert(&request).await.expect("insert");
        assert_eq!(response.inserted().len(), 1);
    }

    /// Per-call latencies of raw and SDK calls, interleaved call by call (alternating which
    /// goes first) so that load from other processes hits both alike.
    async fn measure(&self, op: Op, pool: &Pool, seq: &mut usize) -> (Vec<f64>, Vec<f64>) {
        let (mut raw, mut sdk) = (Vec::new(), Vec::new());
        for i in 0..OVERHEAD_WARMUP + OVERHEAD_CALLS {
            let k = i % POOL;
            for use_sdk in [i % 2 == 0, i % 2 == 1] {
                *seq += 1;
                let start = Instant::now();
                match (op, use_sdk) {
                    (Op::Detokenize, true) => self.sdk_detokenize(&pool.tokens[k]).await,
                    (Op::Detokenize, false) => self.raw_detokenize(&pool.tokens[k]).await,
                    (Op::Get, true) => self.sdk_get(&pool.ids[k]).await,
                    (Op::Get, false) => self.raw_get(&pool.ids[k]).await,
                    (Op::Insert, true) => self.sdk_insert(*seq).await,
                    (Op::Insert, false) => self.raw_insert(*seq).await,
                }
                let micros = start.elapsed().as_secs_f64() * 1e6;
                if i >= OVERHEAD_WARMUP {
                    if use_sdk {
                        sdk.push(micros);
                    } else {
                        raw.push(micros);
                    }
                }
            }
        }
        (raw, sdk)
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let started = Instant::now();
    let emulator = Emulator::start(EmulatorOptions::in_memory())
        .await
        .expect("emulator");
    let client = Skyflow::builder()
        .vault_config(VaultConfig::from_base_url(
            emulator.vault_id(),
            emulator.vault_url(),
        ))
        .credentials(Credentials::api_key(emulator.api_key()))
        .build()
        .expect("client");
    let vault = client.default_vault().expect("vault");

    // The pool that get and detokenize read.
    let request = InsertRequest::new("table1").values((0..POOL).map(record));
    let inserted = vault
        .with_options(CallOptions::new().bulk(BulkConfig::standard().with_batch_size(1000)))
        .insert(&request)
        .await
        .expect("pool insert");
    let pool = Pool {
        ids: inserted
            .inserted()
            .iter()
            .map(|r| r.skyflow_id().to_owned())
            .collect(),
        tokens: inserted
            .inserted()
            .iter()
            .map(|r| r.token("email").unwrap().to_owned())
            .collect(),
    };
    let mut bench = Bench {
        vault: vault.clone(),
        pool,
        seq: POOL,
    };

    println!("# skyflow-client vault benchmark (emulator in-process, loopback)\n");
    println!(
        "Throughput in records/s; each cell moves up to {RECORDS_PER_CELL} records or runs {CELL_BUDGET:?}.\n"
    );
    println!("| operation | batch | concurrency 1 | concurrency 4 | concurrency 16 |");
    println!("|---|---:|---:|---:|---:|");
    for op in [Op::Insert, Op::Get, Op::Detokenize] {
        for batch in BATCH_SIZES {
            let mut row = format!("| {} | {batch} |", op.name());
            for concurrency in CONCURRENCY {
                let (rate, records) = bench.cell(op, batch, concurrency).await;
                row.push_str(&format!(" {rate:.0} ({records}) |"));
            }
            println!("{row}");
        }
    }

    let overhead = Overhead {
        http: reqwest::Client::builder().build().expect("reqwest"),
        url: format!("{}/v1/vaults/{}", emulator.vault_url(), emulator.vault_id()),
        key: emulator.api_key().to_owned(),
        vault,
    };
    println!(
        "\nPer-call overhead: {OVERHEAD_CALLS} single-record calls each way (after {OVERHEAD_WARMUP} warm-up pairs), raw and SDK interleaved call by call.\n"
    );
    println!(
        "| operation | raw median µs | SDK median µs | SDK / raw (median) | SDK / raw (mean) |"
    );
    println!("|---|---:|---:|---:|---:|");
    let mut seq = bench.seq + 1_000_000;
    for op in [Op::Get, Op::Detokenize, Op::Insert] {
        let (raw, sdk) = overhead.measure(op, &bench.pool, &mut seq).await;
        let (raw_mean, sdk_mean) = (mean(&raw), mean(&sdk));
        let (raw_median, sdk_median) = (median(raw), median(sdk));
        println!(
            "| {} | {raw_median:.0} | {sdk_median:.0} | {:.3} | {:.3} |",
            op.name(),
            sdk_median / raw_median,
            sdk_mean / raw_mean
        );
    }
    println!("\nTotal run time: {:.0?}", started.elapsed());
    emulator.shutdown().await;
}
