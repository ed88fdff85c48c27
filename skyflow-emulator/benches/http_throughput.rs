//! Throughput of the emulator over loopback HTTP: bulk insert, get by ids and detokenize, in
//! records per second, at a few batch sizes. Run with
//! `cargo bench -p skyflow-emulator --bench http_throughput` (about a minute).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use skyflow_emulator::{Emulator, EmulatorOptions};

const BATCH_SIZES: [usize; 3] = [1, 25, 250];
/// Time spent per (operation, batch size).
const BUDGET: Duration = Duration::from_secs(3);

struct Bench {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl Bench {
    async fn insert(&self, batch: usize, seq: &mut usize) -> Vec<(String, String)> {
        let records: Vec<Value> = (0..batch)
            .map(|_| {
                *seq += 1;
                json!({"fields": {"email": format!("bench{seq}@bench.example"), "name": format!("Bench {seq}")}})
            })
            .collect();
        let reply: Value = self
            .http
            .post(format!("{}/table1", self.base))
            .bearer_auth(&self.key)
            .json(&json!({"records": records, "tokenization": true}))
            .send()
            .await
            .expect("insert")
            .json()
            .await
            .expect("insert body");
        reply["records"]
            .as_array()
            .expect("records")
            .iter()
            .map(|r| {
                (
                    r["skyflow_id"].as_str().unwrap().to_owned(),
                    r["tokens"]["email"].as_str().unwrap().to_owned(),
                )
            })
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
        let params: Vec<Value> = ids
            .iter()
            .map(|(_, t)| json!({"token": t, "redaction": "PLAIN_TEXT"}))
            .collect();
        let resp = self
            .http
            .post(format!("{}/detokenize", self.base))
            .bearer_auth(&self.key)
            .json(&json!({"detokenizationParameters": params}))
            .send()
            .await
            .expect("detokenize");
        assert!(resp.status().is_success());
        resp.bytes().await.expect("detokenize body");
    }
}

fn report(op: &str, batch: usize, records: usize, elapsed: Duration) {
    println!(
        "{op:<11} batch {batch:>4}: {:>9.0} records/s ({records} records in {:.2}s)",
        records as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("skyflow-emulator-bench-{}", std::process::id()));
    let emulator = Emulator::start(EmulatorOptions::with_data_dir(&dir))
        .await
        .expect("emulator starts");
    let bench = Bench {
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
        base: format!("{}/v1/vaults/{}", emulator.vault_url(), emulator.vault_id()),
        key: emulator.api_key().to_owned(),
    };
    println!("skyflow-emulator over loopback, on-disk store (WAL, synchronous=FULL)");
    let mut seq = 0usize;
    for batch in BATCH_SIZES {
        let started = Instant::now();
        let mut ids = Vec::new();
        while started.elapsed() < BUDGET {
            ids.extend(bench.insert(batch, &mut seq).await);
        }
        report("insert", batch, ids.len(), started.elapsed());

        // Reads use pages of at most 25 ids (Skyflow's get limit) for get; detokenize takes the
        // whole batch.
        let page = batch.min(25);
        let started = Instant::now();
        let mut done = 0;
        for chunk in ids.chunks(page).cycle() {
            if started.elapsed() >= BUDGET {
                break;
            }
            bench.get(chunk).await;
            done += chunk.len();
        }
        report("get", page, done, started.elapsed());

        let started = Instant::now();
        let mut done = 0;
        for chunk in ids.chunks(batch).cycle() {
            if started.elapsed() >= BUDGET {
                break;
            }
            bench.detokenize(chunk).await;
            done += chunk.len();
        }
        report("detokenize", batch, done, started.elapsed());
    }
    emulator.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
