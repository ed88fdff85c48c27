//! Token generation: UUIDs, random alphanumerics, and format-preserving tokens drawn at
//! random from a regex (Skyflow's FPT tokens are random strings stored in the vault, not
//! format-preserving encryption). Every token comes from the OS CSPRNG.

use rand::Rng;
use rand::rngs::OsRng;
use regex_syntax::hir::{Class, Hir, HirKind};

const MAX_UNBOUNDED_EXTRA: u32 = 8;
const PRINTABLE: (u32, u32) = (0x20, 0x7e);

/// Validates an FPT regex: it must parse and be able to produce a matching string.
pub(crate) fn check_regex(pattern: &str) -> Result<(), String> {
    let re = regex::Regex::new(pattern).map_err(|e| format!("bad regex: {e}"))?;
    let hir = regex_syntax::parse(pattern).map_err(|e| format!("bad regex: {e}"))?;
    for _ in 0..50 {
        let mut s = String::new();
        gen_hir(&hir, &mut s);
        if re.is_match(&s) {
            return Ok(());
        }
    }
    Err("the regex cannot produce a matching token".into())
}

/// A random string matching `pattern`, or `None` if none was found in a few attempts.
pub(crate) fn from_regex(pattern: &str) -> Option<String> {
    let re = regex::Regex::new(pattern).ok()?;
    let hir = regex_syntax::parse(pattern).ok()?;
    for _ in 0..100 {
        let mut s = String::new();
        gen_hir(&hir, &mut s);
        if re.is_match(&s) {
            return Some(s);
        }
    }
    None
}

fn gen_hir(h: &Hir, out: &mut String) {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
        HirKind::Class(class) => {
            let ranges: Vec<(u32, u32)> = match class {
                Class::Unicode(c) => c
                    .ranges()
                    .iter()
                    .map(|r| (r.start(), r.end()))
                    .map(|(a, b)| (a as u32, b as u32))
                    .collect(),
                Class::Bytes(c) => c
                    .ranges()
                    .iter()
                    .map(|r| (u32::from(r.start()), u32::from(r.end())))
                    .collect(),
            };
            out.push(pick(&ranges));
        }
        HirKind::Repetition(rep) => {
            let max = rep
                .max
                .unwrap_or(rep.min + MAX_UNBOUNDED_EXTRA)
                .max(rep.min);
            let n = OsRng.gen_range(rep.min..=max);
            for _ in 0..n {
                gen_hir(&rep.sub, out);
            }
        }
        HirKind::Capture(c) => gen_hir(&c.sub, out),
        HirKind::Concat(parts) => parts.iter().for_each(|p| gen_hir(p, out)),
        HirKind::Alternation(alts) => {
            let i = OsRng.gen_range(0..alts.len());
            gen_hir(&alts[i], out);
        }
    }
}

/// Picks a character from the ranges, preferring printable ASCII.
fn pick(ranges: &[(u32, u32)]) -> char {
    let ascii: Vec<(u32, u32)> = ranges
        .iter()
        .filter_map(|&(a, b)| {
            let (lo, hi) = (a.max(PRINTABLE.0), b.min(PRINTABLE.1));
            (lo <= hi).then_some((lo, hi))
        })
        .collect();
    let pool = if ascii.is_empty() {
        ranges.to_vec()
    } else {
        ascii
    };
    let total: u64 = pool.iter().map(|&(a, b)| u64::from(b - a + 1)).sum();
    if total == 0 {
        return 'x';
    }
    let mut k = OsRng.gen_range(0..total);
    for (a, b) in pool {
        let n = u64::from(b - a + 1);
        if k < n {
            return char::from_u32(a + k as u32).unwrap_or('x');
        }
        k -= n;
    }
    'x'
}

/// A token shaped like `value`: digits, lower- and upper-case letters replaced at random,
/// everything else kept.
pub(crate) fn like_value(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                char::from(b'0' + OsRng.gen_range(0..10u8))
            } else if c.is_ascii_lowercase() {
                char::from(b'a' + OsRng.gen_range(0..26u8))
            } else if c.is_ascii_uppercase() {
                char::from(b'A' + OsRng.gen_range(0..26u8))
            } else {
                c
            }
        })
        .collect()
}

/// A random UUID v4.
pub(crate) fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// 16 random alphanumerics.
pub(crate) fn random_token() -> String {
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..16)
        .map(|_| char::from(ALPHA[OsRng.gen_range(0..ALPHA.len())]))
        .collect()
}

/// Keeps the first 6 and last 4 digits of a card number, randomizes the digits between.
pub(crate) fn preserve_left6_right4(value: &str) -> String {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen <= 6 || seen > digits.saturating_sub(4) {
                    c
                } else {
                    char::from(b'0' + OsRng.gen_range(0..10u8))
                }
            } else {
                c
            }
        })
        .collect()
}

/// Randomizes the local part of an email, keeps the domain.
pub(crate) fn preserve_email_domain(value: &str) -> String {
    match value.rsplit_once('@') {
        Some((local, domain)) => {
            let n = local.chars().count().max(1);
            let l: String = (0..n)
                .map(|_| char::from(b'a' + OsRng.gen_range(0..26u8)))
                .collect();
            format!("{l}@{domain}")
        }
        None => like_value(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_tokens_match() {
        for p in [
            "^[0-9]{4}-[0-9]{4}-([0-9]{4})-([0-9]{4})$",
            "^[0-9]{3}-[0-9]{2}-([0-9]{4})$",
            "^([a-z]{20})@([a-z]{10})\\.com$",
            "[a-zA-Z0-9]{7}",
            "^\\d{10}$",
            "^(AB|CD)\\w+$",
        ] {
            let re = regex::Regex::new(p).unwrap();
            for _ in 0..20 {
                let t = from_regex(p).unwrap();
                assert!(re.is_match(&t), "{p} -> {t}");
                assert!(t.is_ascii(), "{t}");
            }
            check_regex(p).unwrap();
        }
        assert!(check_regex("(").is_err());
        assert!(check_regex("a\\bb").is_err());
    }

    #[test]
    fn shapes() {
        let t = like_value("Ab-12");
        assert_eq!(t.len(), 5);
        assert!(t.as_bytes()[0].is_ascii_uppercase() && t.as_bytes()[2] == b'-');
        let c = preserve_left6_right4("4111-1111-1111-1234");
        assert!(c.starts_with("4111-11") && c.ends_with("1234"));
        let e = preserve_email_domain("jane@x.org");
        assert!(e.ends_with("@x.org") && e.len() == 10);
        assert_eq!(random_token().len(), 16);
        assert_ne!(uuid(), uuid());
    }
}
