//! Detect engine quality, measured against floors on the seeded evaluation set (see
//! tests/detect_eval): span-level precision, recall and F1 per entity type, micro F1 over every
//! labelled entity, and false detections per 1,000 words of a PII-free corpus. The test fails
//! when any figure drops below its floor, and prints the table either way.
//!
//! A finding matches a label when the spans are identical and the finding's type is the label's
//! type or lies below it (a `dob` finding carries `date` in its entity scores, a
//! `name_medical_professional` finding carries `name`).

mod detect_eval;

use std::collections::BTreeMap;

use skyflow_emulator::detect::engine::{AnalyzeOptions, Engine, EntityType, Finding};

const SEED: u64 = 0x005E_EDDE_7EC7;
const SENTENCES: usize = 2400;
const HELD_OUT_SENTENCES: usize = 600;

/// (entity, precision floor, recall floor)
const FLOORS: &[(&str, f64, f64)] = &[
    ("ssn", 0.95, 0.95),
    ("credit_card", 0.95, 0.95),
    ("email_address", 0.95, 0.95),
    ("ip_address", 0.95, 0.95),
    ("bank_account", 0.95, 0.95),
    ("routing_number", 0.95, 0.95),
    ("url", 0.95, 0.95),
    ("phone_number", 0.95, 0.95),
    ("date", 0.95, 0.95),
    ("name", 0.85, 0.85),
    ("location_address", 0.0, 0.80),
];
const MICRO_F1_FLOOR: f64 = 0.90;
const FALSE_PER_1000_WORDS_CEILING: f64 = 2.0;

#[derive(Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn precision(self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }
    fn recall(self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }
    fn f1(self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// The label type a finding counts under: its own type, or the nearest ancestor that the
/// evaluation set labels.
fn eval_type(ty: EntityType, labelled: &[&str]) -> &'static str {
    std::iter::once(ty)
        .chain(ty.ancestors())
        .find(|t| labelled.contains(&t.as_wire()))
        .unwrap_or(ty)
        .as_wire()
}

/// Free text is analyzed whole; a CSV row cell by cell with its column header as context.
fn analyze(engine: &Engine, sample: &detect_eval::Sample) -> Vec<Finding> {
    if sample.cells.is_empty() {
        return engine.analyze(&sample.text, &AnalyzeOptions::default());
    }
    let mut all = Vec::new();
    for &(start, end, header) in &sample.cells {
        let options = AnalyzeOptions {
            entities: None,
            context: Some(header),
        };
        for mut f in engine.analyze(&sample.text[start..end], &options) {
            f.start += start;
            f.end += start;
            all.push(f);
        }
    }
    all
}

/// Span-level counts per label type, plus the misses and spurious findings for diagnosis.
struct Evaluation {
    per: BTreeMap<&'static str, Counts>,
    total: Counts,
    misses: Vec<String>,
    spurious: Vec<String>,
}

fn evaluate(engine: &Engine, samples: &[detect_eval::Sample]) -> Evaluation {
    let mut labelled: Vec<&str> = samples
        .iter()
        .flat_map(|s| s.labels.iter().map(|l| l.entity))
        .collect();
    labelled.sort_unstable();
    labelled.dedup();
    let mut per: BTreeMap<&'static str, Counts> = BTreeMap::new();
    let (mut misses, mut spurious) = (Vec::new(), Vec::new());
    for sample in samples {
        let findings = analyze(engine, sample);
        let shown = || {
            findings
                .iter()
                .map(|f| (f.entity.as_wire(), &sample.text[f.start..f.end]))
                .collect::<Vec<_>>()
        };
        let mut matched = vec![false; findings.len()];
        for label in &sample.labels {
            let want = EntityType::from_wire(label.entity).expect("label type");
            let hit = findings.iter().position(|f| {
                f.start == label.start && f.end == label.end && f.entity.is_within(want)
            });
            let c = per.entry(label.entity).or_default();
            match hit {
                Some(i) => {
                    matched[i] = true;
                    c.tp += 1;
                }
                None => {
                    c.fn_ += 1;
                    misses.push(format!(
                        "{}: {:?} in {:?} (found {:?})",
                        label.entity,
                        &sample.text[label.start..label.end],
                        sample.text,
                        shown()
                    ));
                }
            }
        }
        for (f, m) in findings.iter().zip(matched) {
            if !m {
                let ty = eval_type(f.entity, &labelled);
                per.entry(ty).or_default().fp += 1;
                spurious.push(format!(
                    "{ty}: {} {:?} in {:?}",
                    f.entity.as_wire(),
                    &sample.text[f.start..f.end],
                    sample.text
                ));
            }
        }
    }
    let mut total = Counts::default();
    for c in per.values() {
        total.tp += c.tp;
        total.fp += c.fp;
        total.fn_ += c.fn_;
    }
    Evaluation {
        per,
        total,
        misses,
        spurious,
    }
}

fn table(title: &str, e: &Evaluation) -> String {
    let mut report = format!("\n{title}\n");
    report.push_str(&format!(
        "{:<26} {:>6} {:>6} {:>6} {:>9} {:>7} {:>7}\n",
        "entity", "TP", "FP", "FN", "precision", "recall", "F1"
    ));
    let row = |name: &str, c: Counts| {
        format!(
            "{name:<26} {:>6} {:>6} {:>6} {:>9.3} {:>7.3} {:>7.3}\n",
            c.tp,
            c.fp,
            c.fn_,
            c.precision(),
            c.recall(),
            c.f1()
        )
    };
    for (entity, c) in &e.per {
        report.push_str(&row(entity, *c));
    }
    report.push_str(&row("micro (all)", e.total));
    report
}

fn verbose() -> bool {
    std::env::var_os("DETECT_EVAL_VERBOSE").is_some()
}

#[test]
fn quality_meets_the_floors() {
    let engine = Engine::shared();
    let samples = detect_eval::generate(SEED, SENTENCES);
    let tuned = evaluate(engine, &samples);
    let held_out = evaluate(
        engine,
        &detect_eval::generate_from(
            detect_eval::HELD_OUT_TEMPLATES,
            SEED ^ 0x4E1D,
            HELD_OUT_SENTENCES,
        ),
    );
    let mut report = table(
        &format!(
            "Detect engine quality on {} generated sentences (seed {SEED:#x}), exact spans",
            samples.len()
        ),
        &tuned,
    );
    report.push_str(&table(
        &format!("Held-out templates (never used for tuning), {HELD_OUT_SENTENCES} sentences"),
        &held_out,
    ));

    let corpus = detect_eval::pii_free(SEED ^ 0xF00D, 1600);
    let words = corpus.split_whitespace().count();
    let mut false_hits = Vec::new();
    for line in corpus.lines() {
        for f in engine.analyze(line, &AnalyzeOptions::default()) {
            false_hits.push(format!(
                "{} {:?} in {:?}",
                f.entity.as_wire(),
                &line[f.start..f.end],
                line
            ));
        }
    }
    let per_1000 = false_hits.len() as f64 * 1000.0 / words as f64;
    report.push_str(&format!(
        "PII-free corpus: {words} words, {} false detections, {per_1000:.2} per 1,000 words\n",
        false_hits.len()
    ));

    // The floors hold on the main set; the held-out set (small per entity) must keep the micro
    // F1 floor.
    let mut failures = Vec::new();
    for &(entity, p, r) in FLOORS {
        let c = tuned.per.get(entity).copied().unwrap_or_default();
        assert!(c.tp + c.fn_ > 0, "the evaluation set labels no {entity}");
        if c.precision() < p {
            failures.push(format!("{entity} precision {:.3} < {p}", c.precision()));
        }
        if c.recall() < r {
            failures.push(format!("{entity} recall {:.3} < {r}", c.recall()));
        }
    }
    for (name, e) in [("", &tuned), ("held-out ", &held_out)] {
        if e.total.f1() < MICRO_F1_FLOOR {
            failures.push(format!(
                "{name}micro F1 {:.3} < {MICRO_F1_FLOOR}",
                e.total.f1()
            ));
        }
    }
    if per_1000 > FALSE_PER_1000_WORDS_CEILING {
        failures.push(format!(
            "{per_1000:.2} false detections per 1,000 words > {FALSE_PER_1000_WORDS_CEILING}"
        ));
    }
    println!("{report}");
    if verbose() {
        for line in tuned.misses.iter().chain(&held_out.misses).take(80) {
            println!("MISS {line}");
        }
        for line in tuned.spurious.iter().chain(&held_out.spurious).take(80) {
            println!("FP {line}");
        }
        for h in false_hits.iter().take(60) {
            println!("PII-FREE HIT: {h}");
        }
    }
    let checked = FLOORS.len() * 2 + 3;
    println!(
        "{} passed, {} failed",
        checked - failures.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "quality floors not met:\n{}\n{report}",
        failures.join("\n")
    );
}

#[test]
fn generation_is_reproducible_and_labels_are_exact() {
    let a = detect_eval::generate(7, 300);
    let b = detect_eval::generate(7, 300);
    assert_eq!(
        a.iter().map(|s| &s.text).collect::<Vec<_>>(),
        b.iter().map(|s| &s.text).collect::<Vec<_>>()
    );
    for s in &a {
        for l in &s.labels {
            assert!(
                l.start < l.end
                    && s.text.is_char_boundary(l.start)
                    && s.text.is_char_boundary(l.end)
            );
            assert!(EntityType::from_wire(l.entity).is_some(), "{}", l.entity);
        }
    }
    assert!(detect_eval::TEMPLATES.len() >= 60);
}

#[test]
fn evaluation_values_are_disjoint_from_the_engine_lists() {
    let engine_lists = [
        include_str!("../src/detect/engine/data/given_names.txt"),
        include_str!("../src/detect/engine/data/family_names.txt"),
        include_str!("../src/detect/engine/data/cities.txt"),
        include_str!("../src/detect/engine/data/proper_nouns.txt"),
    ];
    let engine: std::collections::HashSet<&str> = engine_lists
        .iter()
        .flat_map(|l| l.lines())
        .filter(|l| !l.starts_with('#'))
        .collect();
    for eval in [
        include_str!("fixtures/detect/eval_given_names.txt"),
        include_str!("fixtures/detect/eval_family_names.txt"),
        include_str!("fixtures/detect/eval_cities.txt"),
    ] {
        for value in eval.lines().filter(|l| !l.starts_with('#')) {
            assert!(!engine.contains(value), "{value} is in an engine list");
        }
    }
}
