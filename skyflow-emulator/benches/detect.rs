//! Throughput and latency of Detect de-identify: the local engine alone on one thread (MB/s of
//! text through `Engine::analyze`, per wall second and per CPU second of the thread, for
//! PII-dense generated text and for PII-free logs, code and prose; latency of one 1 KB call),
//! then through HTTP (`POST /v1/detect/deidentify/string` on the in-process emulator over
//! loopback: MB/s with 1 and 4 clients, latency of one 1 KB request). Run with
//! `cargo bench -p skyflow-emulator --bench detect` (release build, about a minute).
//!
//! To profile one part, `DETECT_BENCH=engine` runs only the engine-alone throughput rows (no
//! latency, no HTTP), and `DETECT_BENCH_CORPUS=dense` or `=free` keeps one corpus.

#[path = "../tests/detect_eval/mod.rs"]
mod detect_eval;

use std::hint::black_box;
use std::time::{Duration, Instant};

use skyflow_emulator::detect::engine::{AnalyzeOptions, Engine};
use skyflow_emulator::{Emulator, EmulatorOptions};

/// Time spent per measurement.
const BUDGET: Duration = Duration::from_secs(4);

/// Splits `text` into chunks of about `size` bytes at line ends.
fn chunks(text: &str, size: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + size).min(text.len());
        if let Some(nl) = text[end..].find('\n') {
            end += nl + 1;
        } else {
            end = text.len();
        }
        out.push(&text[start..end]);
        start = end;
    }
    out
}

/// CPU time this thread has run, from Linux's schedstat (nanoseconds on the CPU); `None`
/// elsewhere. Throughput per CPU second is the one-core figure even on a loaded machine.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Analyzes `docs` round-robin for the budget; returns (MB per wall second, MB per CPU second
/// of this thread, findings per MB).
fn throughput(engine: &Engine, docs: &[&str]) -> (f64, Option<f64>, f64) {
    let options = AnalyzeOptions::default();
    let cpu_start = thread_cpu();
    let started = Instant::now();
    let (mut bytes, mut findings) = (0usize, 0usize);
    let mut i = 0;
    while started.elapsed() < BUDGET {
        let doc = docs[i % docs.len()];
        findings += black_box(engine.analyze(doc, &options)).len();
        bytes += doc.len();
        i += 1;
    }
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_start
        .zip(thread_cpu())
        .map(|(a, b)| (b - a).as_secs_f64());
    let mb = bytes as f64 / 1e6;
    (mb / secs, cpu.map(|c| mb / c), findings as f64 / mb)
}

fn latency(engine: &Engine, docs: &[&str]) -> (Duration, Duration, Duration) {
    let options = AnalyzeOptions::default();
    let mut samples = Vec::new();
    let started = Instant::now();
    let mut i = 0;
    while started.elapsed() < BUDGET {
        let t = Instant::now();
        black_box(engine.analyze(docs[i % docs.len()], &options));
        samples.push(t.elapsed());
        i += 1;
    }
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    (at(0.5), at(0.99), samples[samples.len() - 1])
}

/// De-identify over loopback HTTP through the in-process emulator (auth, JSON, engine, token
/// rendering): MB/s of text with 1 and 4 concurrent clients, and the latency of one 1 KB request.
async fn http(docs: &[String]) {
    let emulator = Emulator::start(EmulatorOptions::in_memory())
        .await
        .expect("emulator");
    let url = format!("{}/v1/detect/deidentify/string", emulator.vault_url());
    let (key, vault) = (
        emulator.api_key().to_owned(),
        emulator.vault_id().to_owned(),
    );
    let client = reqwest::Client::new();
    let call = move |text: String| {
        let request = client
            .post(&url)
            .bearer_auth(&key)
            .json(&serde_json::json!({ "text": text, "vault_id": vault }));
        async move {
            let started = Instant::now();
            let reply = request.send().await.expect("deidentify");
            assert!(
                reply.status().is_success(),
                "deidentify answered {}",
                reply.status()
            );
            reply.bytes().await.expect("body");
            started.elapsed()
        }
    };
    call(docs[0].clone()).await;
    for clients in [1usize, 4] {
        let started = Instant::now();
        let (mut bytes, mut latencies, mut i) = (0usize, Vec::new(), 0usize);
        while started.elapsed() < BUDGET {
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..clients {
                let text = docs[i % docs.len()].clone();
                bytes += text.len();
                i += 1;
                set.spawn(call.clone()(text));
            }
            while let Some(latency) = set.join_next().await {
                latencies.push(latency.expect("task"));
            }
        }
        let secs = started.elapsed().as_secs_f64();
        latencies.sort_unstable();
        let at =
            |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
        println!(
            "{:<44} {:>10.2} MB/s; 1 KB request p50 {:.2} ms, p99 {:.2} ms",
            format!("HTTP de-identify, {clients} concurrent client(s)"),
            bytes as f64 / 1e6 / secs,
            at(0.5),
            at(0.99)
        );
    }
    emulator.shutdown().await;
}

#[tokio::main]
async fn main() {
    let built = Instant::now();
    let engine = Engine::shared();
    println!(
        "engine build (lists, recognizers): {:.0} ms",
        built.elapsed().as_secs_f64() * 1e3
    );

    let samples = detect_eval::generate(0xBE7C, 20_000);
    let pii: String = samples
        .iter()
        .map(|s| s.text.replace('\n', " ") + "\n")
        .collect();
    let clean = detect_eval::pii_free(0xC1EA, 40_000);
    println!(
        "corpora: PII-dense {:.1} MB, PII-free {:.1} MB",
        pii.len() as f64 / 1e6,
        clean.len() as f64 / 1e6
    );

    println!(
        "{:<44} {:>10} {:>12} {:>16}",
        "engine alone, one thread", "MB/s wall", "MB/s CPU", "findings per MB"
    );
    let only_engine = std::env::var("DETECT_BENCH").is_ok_and(|v| v == "engine");
    let corpus = std::env::var("DETECT_BENCH_CORPUS").unwrap_or_default();
    for (key, name, text) in [
        ("dense", "PII-dense sentences", &pii),
        ("free", "PII-free logs, code, prose", &clean),
    ] {
        if !corpus.is_empty() && corpus != key {
            continue;
        }
        for size in [1_000, 64_000, 1_000_000] {
            let docs = chunks(text, size);
            let (wall, cpu, per_mb) = throughput(engine, &docs);
            let cpu = cpu.map_or_else(|| "n/a".to_string(), |c| format!("{c:.2}"));
            println!(
                "{:<44} {wall:>10.2} {cpu:>12} {per_mb:>16.0}",
                format!("{name}, {} KB documents", size / 1000)
            );
        }
    }
    if only_engine {
        return;
    }
    let docs = chunks(&pii, 1_000);
    let (p50, p99, max) = latency(engine, &docs);
    println!(
        "latency of one 1 KB PII-dense analyze: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        p50.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6,
        max.as_secs_f64() * 1e6
    );
    let owned: Vec<String> = docs.iter().map(|d| d.to_string()).collect();
    http(&owned).await;
}
