//! Overlap resolution: from scored candidates to non-overlapping findings in text order.

use std::collections::BTreeMap;

use super::recognizer::Candidate;
use super::{EntityType, Finding, mask_of};

/// Keeps the best candidates that do not overlap, deterministically: higher score first, then the
/// longer span, then the earlier start, then the more specific type (deeper in the hierarchy),
/// then the type's order. A candidate whose type was not asked for is replaced by its asked-for
/// parts (the street of an address when only streets were requested).
pub(crate) fn resolve(mut candidates: Vec<Candidate>, wanted: u128) -> Vec<Finding> {
    candidates.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
            .then(
                b.entity
                    .ancestors()
                    .count()
                    .cmp(&a.entity.ancestors().count()),
            )
            .then(a.entity.cmp(&b.entity))
    });
    // Accepted spans by start; values are the end and the index into `findings`.
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    let mut findings = Vec::new();
    let mut place = |entity: EntityType,
                     start: usize,
                     end: usize,
                     score: f64,
                     taken: &mut BTreeMap<usize, usize>| {
        if start >= end || overlaps(taken, start, end) {
            return;
        }
        taken.insert(start, end);
        let also = entity
            .ancestors()
            .filter(|&a| a != EntityType::All)
            .map(|a| (a, score))
            .collect();
        findings.push(Finding {
            entity,
            start,
            end,
            score,
            also,
        });
    };
    for c in candidates {
        if wanted & mask_of(c.entity) != 0 {
            place(c.entity, c.start, c.end, c.score, &mut taken);
        } else {
            for &(ty, s, e) in &c.parts {
                if wanted & mask_of(ty) != 0 {
                    place(ty, s, e, c.score, &mut taken);
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
