//! Token generation: UUIDs, random alphanumerics, and format-preserving tokens drawn at
//! random from a regex (Skyflow's FPT tokens are random strings stored in the vault, not
//! format-preserving encryption).
//!
//! Every token comes from a CSPRNG: one ChaCha generator per thread (`rand::thread_rng`,
//! seeded from the OS and reseeded by it periodically) instead of a system call per token.
//! An FPT regex is compiled once per column, when the schema is loaded, into a [`RegexGen`]:
//! a generator tree with its character classes flattened, plus the compiled regex that
//! checks each draw.

use rand::Rng;
use regex::Regex;
use regex_syntax::hir::{Class, Hir, HirKind};

const MAX_UNBOUNDED_EXTRA: u32 = 8;
const PRINTABLE: (u32, u32) = (0x20, 0x7e);
/// Draws tried before a pattern is declared unable to produce a matching token.
const MAX_DRAWS: usize = 100;

/// One node of a compiled pattern.
#[derive(Debug)]
enum Node {
    Empty,
    Literal(String),
    /// Character ranges (printable ASCII preferred when the class allows it) and their total
    /// size.
    Class(Vec<(u32, u32)>, u64),
    Repeat(u32, u32, Box<Node>),
    Concat(Vec<Node>),
    Alternation(Vec<Node>),
}

/// A format-preserving-token pattern, compiled once.
#[derive(Debug)]
pub(crate) struct RegexGen {
    node: Node,
    re: Regex,
}

impl RegexGen {
    /// Compiles `pattern`; it must parse and be able to produce a matching string.
    pub(crate) fn new(pattern: &str) -> Result<RegexGen, String> {
        let re = Regex::new(pattern).map_err(|e| format!("bad regex: {e}"))?;
        let hir = regex_syntax::parse(pattern).map_err(|e| format!("bad regex: {e}"))?;
        let generator = RegexGen {
            node: compile(&hir),
            re,
        };
        if generator.draw().is_none() {
            return Err("the regex cannot produce a matching token".into());
        }
        Ok(generator)
    }

    /// A random string matching the pattern, or `None` if none was found in a few draws.
    pub(crate) fn draw(&self) -> Option<String> {
        let mut rng = rand::thread_rng();
        let mut s = String::with_capacity(32);
        for _ in 0..MAX_DRAWS {
            s.clear();
            generate(&self.node, &mut rng, &mut s);
            if self.re.is_match(&s) {
                return Some(s);
            }
        }
        None
    }

    /// Whether `s` matches the pattern (a BYOT token must).
    pub(crate) fn is_match(&self, s: &str) -> bool {
        self.re.is_match(s)
    }
}

fn compile(h: &Hir) -> Node {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => Node::Empty,
        HirKind::Literal(lit) => Node::Literal(String::from_utf8_lossy(&lit.0).into_owned()),
        HirKind::Class(class) => {
            let ranges: Vec<(u32, u32)> = match class {
                Class::Unicode(c) => c
                    .ranges()
                    .iter()
                    .map(|r| (u32::from(r.start()), u32::from(r.end())))
                    .collect(),
                Class::Bytes(c) => c
                    .ranges()
                    .iter()
                    .map(|r| (u32::from(r.start()), u32::from(r.end())))
                    .collect(),
            };
            let printable: Vec<(u32, u32)> = ranges
                .iter()
                .filter_map(|&(a, b)| {
                    let (lo, hi) = (a.max(PRINTABLE.0), b.min(PRINTABLE.1));
                    (lo <= hi).then_some((lo, hi))
                })
                .collect();
            let pool = if printable.is_empty() {
                ranges
            } else {
                printable
            };
            let total = pool.iter().map(|&(a, b)| u64::from(b - a + 1)).sum();
            Node::Class(pool, total)
        }
        HirKind::Repetition(rep) => {
            let max = rep
                .max
                .unwrap_or(rep.min + MAX_UNBOUNDED_EXTRA)
                .max(rep.min);
            Node::Repeat(rep.min, max, Box::new(compile(&rep.sub)))
        }
        HirKind::Capture(c) => compile(&c.sub),
        HirKind::Concat(parts) => Node::Concat(parts.iter().map(compile).collect()),
        HirKind::Alternation(alts) => Node::Alternation(alts.iter().map(compile).collect()),
    }
}

fn generate(node: &Node, rng: &mut impl Rng, out: &mut String) {
    match node {
        Node::Empty => {}
        Node::Literal(s) => out.push_str(s),
        Node::Class(pool, total) => out.push(pick(pool, *total, rng)),
        Node::Repeat(min, max, sub) => {
            for _ in 0..rng.gen_range(*min..=*max) {
                generate(sub, rng, out);
            }
        }
        Node::Concat(parts) => parts.iter().for_each(|p| generate(p, rng, out)),
        Node::Alternation(alts) => generate(&alts[rng.gen_range(0..alts.len())], rng, out),
    }
}

/// Picks a character from the ranges.
fn pick(pool: &[(u32, u32)], total: u64, rng: &mut impl Rng) -> char {
    if total == 0 {
        return 'x';
    }
    let mut k = rng.gen_range(0..total);
    for &(a, b) in pool {
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
    let mut rng = rand::thread_rng();
    value
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                char::from(b'0' + rng.gen_range(0..10u8))
            } else if c.is_ascii_lowercase() {
                char::from(b'a' + rng.gen_range(0..26u8))
            } else if c.is_ascii_uppercase() {
                char::from(b'A' + rng.gen_range(0..26u8))
            } else {
                c
            }
        })
        .collect()
}

/// A random UUID v4 (from the thread's CSPRNG).
pub(crate) fn uuid() -> String {
    uuid_v4().to_string()
}

/// A random UUID v4 as 32 lowercase hex digits.
pub(crate) fn uuid_simple() -> String {
    uuid_v4().simple().to_string()
}

fn uuid_v4() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rand::thread_rng().r#gen()).into_uuid()
}

/// 16 random alphanumerics.
pub(crate) fn random_token() -> String {
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| char::from(ALPHA[rng.gen_range(0..ALPHA.len())]))
        .collect()
}

/// Keeps the first 6 and last 4 digits of a card number, randomizes the digits between;
/// `None` when the value has no digit between them (10 digits or fewer).
pub(crate) fn preserve_left6_right4(value: &str) -> Option<String> {
    let mut rng = rand::thread_rng();
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if digits <= 10 {
        return None;
    }
    let mut seen = 0;
    let token = value
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen <= 6 || seen > digits.saturating_sub(4) {
                    c
                } else {
                    char::from(b'0' + rng.gen_range(0..10u8))
                }
            } else {
                c
            }
        })
        .collect();
    Some(token)
}

/// Randomizes the local part of an email, keeps the domain.
pub(crate) fn preserve_email_domain(value: &str) -> String {
    match value.rsplit_once('@') {
        Some((local, domain)) => {
            let mut rng = rand::thread_rng();
            let n = local.chars().count().max(1);
            let mut out: String = (0..n)
                .map(|_| char::from(b'a' + rng.gen_range(0..26u8)))
                .collect();
            out.push('@');
            out.push_str(domain);
            out
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
            let re = Regex::new(p).unwrap();
            let generator = RegexGen::new(p).unwrap();
            for _ in 0..20 {
                let t = generator.draw().unwrap();
                assert!(re.is_match(&t), "{p} -> {t}");
                assert!(generator.is_match(&t));
                assert!(t.is_ascii(), "{t}");
            }
        }
        assert!(RegexGen::new("(").is_err());
        assert!(RegexGen::new("a\\bb").is_err());
    }

    #[test]
    fn shapes() {
        let t = like_value("Ab-12");
        assert_eq!(t.len(), 5);
        assert!(t.as_bytes()[0].is_ascii_uppercase() && t.as_bytes()[2] == b'-');
        let c = preserve_left6_right4("4111-1111-1111-1234").unwrap();
        assert!(c.starts_with("4111-11") && c.ends_with("1234"));
        assert_eq!(
            preserve_left6_right4("4111111234"),
            None,
            "no digit between"
        );
        assert_eq!(preserve_left6_right4("hello"), None);
        let e = preserve_email_domain("jane@x.org");
        assert!(e.ends_with("@x.org") && e.len() == 10);
        assert_eq!(random_token().len(), 16);
        assert_ne!(uuid(), uuid());
        assert_eq!(uuid().len(), 36);
        assert_eq!(uuid_simple().len(), 32);
        assert_eq!(uuid().as_bytes()[14], b'4', "version 4");
    }
}
