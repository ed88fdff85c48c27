//! Throughput and latency of the local Detect engine alone, on one core (the calling thread):
//! MB/s of text through `Engine::analyze` for PII-dense generated text (the evaluation set's
//! sentences) and for PII-free logs, code and prose, and the latency of one 1 KB call. Run with
//! `cargo bench -p skyflow-emulator --bench detect` (release build, about half a minute).

#[path = "../tests/detect_eval/mod.rs"]
mod detect_eval;

use std::hint::black_box;
use std::time::{Duration, Instant};

use skyflow_emulator::detect::engine::{AnalyzeOptions, Engine};

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

/// Analyzes `docs` round-robin for the budget; returns (MB/s, findings per MB).
fn throughput(engine: &Engine, docs: &[&str]) -> (f64, f64) {
    let options = AnalyzeOptions::default();
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
    let mb = bytes as f64 / 1e6;
    (mb / secs, findings as f64 / mb)
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

fn main() {
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
        "{:<44} {:>10} {:>16}",
        "engine alone, one core", "MB/s", "findings per MB"
    );
    for (name, text) in [
        ("PII-dense sentences", &pii),
        ("PII-free logs, code, prose", &clean),
    ] {
        for size in [1_000, 64_000, 1_000_000] {
            let docs = chunks(text, size);
            let (mbs, per_mb) = throughput(engine, &docs);
            println!(
                "{:<44} {mbs:>10.2} {per_mb:>16.0}",
                format!("{name}, {} KB documents", size / 1000)
            );
        }
    }
    let docs = chunks(&pii, 1_000);
    let (p50, p99, max) = latency(engine, &docs);
    println!(
        "latency of one 1 KB PII-dense analyze: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        p50.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6,
        max.as_secs_f64() * 1e6
    );
}
