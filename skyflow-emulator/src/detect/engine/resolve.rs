//! Overlap resolution: from scored candidates to non-overlapping findings in text order.

use std::collections::BTreeMap;

use super::recognizer::Candidate;
use super::{EntityType, Finding, mask_of};

/// Keeps the best candidates that do not overlap, deterministically: full addresses first (their
/// city, state and ZIP must not be taken apart), then higher score, then the
/// longer span, then the earlier start, then the more specific type (deeper in the hierarchy),
/// then the type's order. A candidate whose type was not asked for still holds its span, and
/// reports its asked-for parts instead (the street of an address when only streets were
/// requested).
pub(crate) fn resolve(mut candidates: Vec<Candidate>, wanted: u128) -> Vec<Finding> {
    // A full address (street, city, state…) is placed before anything it contains. The type's
    // depth in the hierarchy is computed once per candidate, not once per comparison.
    let composite = |c: &Candidate| c.parts.len() >= 3;
    let mut keyed: Vec<(usize, Candidate)> = candidates
        .drain(..)
        .map(|c| (c.entity.ancestors().count(), c))
        .collect();
    keyed.sort_by(|(da, a), (db, b)| {
        composite(b)
            .cmp(&composite(a))
            .then(b.score.total_cmp(&a.score))
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
            .then(db.cmp(da))
            .then(a.entity.cmp(&b.entity))
    });
    // Every candidate competes, asked for or not, so that asking for fewer types gives a subset
    // of the same analysis; accepted spans by start, with their ends.
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    let mut findings = Vec::new();
    let finding = |entity: EntityType, start: usize, end: usize, score: f64| Finding {
        entity,
        start,
        end,
        score,
        also: entity
            .ancestors()
            .filter(|&a| a != EntityType::All)
            .map(|a| (a, score))
            .collect(),
    };
    for (_, c) in keyed {
        if c.start >= c.end || overlaps(&taken, c.start, c.end) {
            continue;
        }
        taken.insert(c.start, c.end);
        if wanted & mask_of(c.entity) != 0 {
            findings.push(finding(c.entity, c.start, c.end, c.score));
        } else {
            for &(ty, s, e) in &c.parts {
                if wanted & mask_of(ty) != 0 {
                    findings.push(finding(ty, s, e, c.score));
                }
            }
        }
    }
    findings.sort_by_key(|f| f.start);
    findings
}

fn overlaps(taken: &BTreeMap<usize, usize>, start: usize, end: usize) -> bool {
    // The last accepted span starting before `end` is the only one that can reach into us,
    // since accepted spans never overlap each other.
    taken
        .range(..end)
        .next_back()
        .is_some_and(|(_, &e)| e > start)
}
