//! A tiny throughput probe of the engine (no HTTP): bulk insert, get by ids and detokenize,
//! at a few batch sizes, on disk (WAL, synced before each write answers) in a temp dir.
//!
//! Run: `cargo run --release -p skyflow-emulator --example engine_bench [total_records]`

use std::time::Instant;

use serde_json::json;
use skyflow_emulator::engine::*;

fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let dir = std::env::temp_dir().join(format!("sky-engine-bench-{}", std::process::id()));
    let engine = Engine::open(EngineConfig::on_disk(&dir)).expect("open engine");
    let vault = engine
        .vault(
            &engine
                .create_vault(None, VaultSchema::default_schema())
                .expect("vault"),
        )
        .expect("vault");
    let ctx = RequestContext::system();
    println!("records/s (total {total} per size, on disk)");
    for batch in [1usize, 25, 100] {
        let mut ids = Vec::new();
        let mut tokens = Vec::new();
        let t = Instant::now();
        for b in 0..total / batch {
            let records: Vec<_> = (0..batch)
                .map(|i| json!({"fields": {"name": format!("n{batch}-{b}-{i}"), "ssn": "123-45-6789", "age": i}}))
                .collect();
            let req = serde_json::from_value(json!({"records": records, "tokenization": true}))
                .expect("request");
            for r in vault.insert(&ctx, "table1", req).expect("insert").records {
                tokens.push(
                    r.tokens
                        .as_ref()
                        .and_then(|t| t["name"].as_str().map(String::from))
                        .unwrap_or_default(),
                );
                ids.push(r.skyflow_id);
            }
        }
        let ins = ids.len() as f64 / t.elapsed().as_secs_f64();
        let t = Instant::now();
        for chunk in ids.chunks(batch.min(25)) {
            let req = GetRequest {
                skyflow_ids: chunk.to_vec(),
                ..Default::default()
            };
            vault.get(&ctx, "table1", req).expect("get");
        }
        let get = ids.len() as f64 / t.elapsed().as_secs_f64();
        let t = Instant::now();
        for chunk in tokens.chunks(batch) {
            let params: Vec<_> = chunk.iter().map(|t| json!({"token": t})).collect();
            let req = serde_json::from_value(json!({"detokenizationParameters": params}))
                .expect("request");
            vault.detokenize(&ctx, req).expect("detokenize");
        }
        let det = tokens.len() as f64 / t.elapsed().as_secs_f64();
        println!("batch {batch:>3}: insert {ins:>8.0}  get {get:>8.0}  detokenize {det:>8.0}");
    }
    drop(vault);
    drop(engine);
    let _ = std::fs::remove_dir_all(&dir);
}
