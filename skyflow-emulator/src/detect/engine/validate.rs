//! Validators: named checks a recognizer's data file can attach to its patterns (checksums,
//! ranges, parses). A validator sees the matched text and returns a [`Verdict`].

use std::net::{Ipv4Addr, Ipv6Addr};

/// What a validator concluded about a candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A checksum or structure proves it: the score becomes 1.0.
    Valid,
    /// Plausible, nothing proven: the pattern's score stands.
    Unknown,
    /// Impossible value: the candidate is dropped.
    Invalid,
    /// Only the first `n` bytes of the match form a valid value (score 1.0).
    ValidPrefix(usize),
}

/// The validators a recognizer may name in the data file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Validator {
    Luhn,
    CreditCard,
    Ssn,
    Iban,
    Aba,
    Vin,
    Ipv4,
    Ipv6,
    Email,
    Date,
    Phone,
    Time,
    Age,
    Npi,
    Zip,
}

impl Validator {
    pub(crate) fn from_name(name: &str) -> Option<Validator> {
        Some(match name {
            "luhn" => Validator::Luhn,
            "credit_card" => Validator::CreditCard,
            "ssn" => Validator::Ssn,
            "iban" => Validator::Iban,
            "aba" => Validator::Aba,
            "vin" => Validator::Vin,
            "ipv4" => Validator::Ipv4,
            "ipv6" => Validator::Ipv6,
            "email" => Validator::Email,
            "date" => Validator::Date,
            "phone" => Validator::Phone,
            "time" => Validator::Time,
            "age" => Validator::Age,
            "npi" => Validator::Npi,
            "zip" => Validator::Zip,
            _ => return None,
        })
    }

    /// Whether [`Validator::check`] can ever answer [`Verdict::Valid`] or
    /// [`Verdict::ValidPrefix`] (a checksum or structure that proves the value); the others only
    /// keep or drop a candidate.
    pub(crate) fn can_prove(self) -> bool {
        matches!(
            self,
            Validator::Luhn
                | Validator::CreditCard
                | Validator::Iban
                | Validator::Vin
                | Validator::Email
                | Validator::Npi
        )
    }

    pub(crate) fn check(self, s: &str) -> Verdict {
        match self {
            Validator::Luhn => proven(luhn(digits(s))),
            Validator::CreditCard => credit_card(s),
            Validator::Ssn => ssn(s),
            Validator::Iban => iban(s),
            Validator::Aba => plausible(aba(s)),
            Validator::Vin => proven(vin(s)),
            Validator::Ipv4 => plausible(ipv4(s)),
            Validator::Ipv6 => plausible(ipv6(s)),
            Validator::Email => email(s),
            Validator::Date => plausible(date(s)),
            Validator::Phone => plausible(phone(s)),
            Validator::Time => plausible(time(s)),
            Validator::Age => plausible(age(s)),
            Validator::Npi => proven(npi(s)),
            Validator::Zip => plausible(zip(s)),
        }
    }
}

fn proven(ok: bool) -> Verdict {
    if ok { Verdict::Valid } else { Verdict::Invalid }
}

fn plausible(ok: bool) -> Verdict {
    if ok {
        Verdict::Unknown
    } else {
        Verdict::Invalid
    }
}

fn digits(s: &str) -> impl DoubleEndedIterator<Item = u32> + Clone + '_ {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| u32::from(b - b'0'))
}

/// Luhn (mod 10) over the digits, rightmost digit is the check digit.
pub(crate) fn luhn(digits: impl DoubleEndedIterator<Item = u32>) -> bool {
    let mut sum = 0;
    let mut count = 0;
    for (i, d) in digits.rev().enumerate() {
        count += 1;
        sum += if i % 2 == 1 {
            let x = d * 2;
            if x > 9 { x - 9 } else { x }
        } else {
            d
        };
    }
    count > 1 && sum % 10 == 0
}

/// Whether `s` uses at most one kind of separator between its digit groups.
fn one_separator_kind(s: &str) -> bool {
    let mut seen = None;
    for b in s.bytes().filter(|b| !b.is_ascii_alphanumeric()) {
        match seen {
            None => seen = Some(b),
            Some(prev) if prev != b => return false,
            Some(_) => {}
        }
    }
    true
}

/// A card number: 13-19 digits with a known issuer prefix, one kind of separator, and Luhn. If the
/// whole match fails but a prefix ending at a separator passes, the prefix is the card.
fn credit_card(s: &str) -> Verdict {
    if !one_separator_kind(s) {
        return Verdict::Invalid;
    }
    // Try the whole match, then shorter prefixes ending at a group boundary.
    let mut ends: Vec<usize> = s
        .char_indices()
        .filter(|&(_, c)| !c.is_ascii_digit())
        .map(|(i, _)| i)
        .collect();
    ends.push(s.len());
    for &end in ends.iter().rev() {
        let part = &s[..end];
        let n = digits(part).count();
        if n < 13 {
            break;
        }
        if n <= 19 && card_prefix(part) && luhn(digits(part)) {
            return if end == s.len() {
                Verdict::Valid
            } else {
                Verdict::ValidPrefix(end)
            };
        }
    }
    Verdict::Invalid
}

/// Issuer identification prefixes of the major networks.
fn card_prefix(s: &str) -> bool {
    let d: Vec<u32> = digits(s).take(6).collect();
    let n = |k: usize| d[..k].iter().fold(0, |acc, x| acc * 10 + x);
    let len = digits(s).count();
    match d[0] {
        4 => matches!(len, 13 | 16 | 19),                // Visa
        5 => (51..=55).contains(&n(2)) && len == 16,     // Mastercard
        2 => (2221..=2720).contains(&n(4)) && len == 16, // Mastercard 2-series
        3 => {
            matches!(n(2), 34 | 37) && len == 15                          // Amex
                || ((300..=305).contains(&n(3)) || matches!(n(2), 36 | 38 | 39)) && (14..=19).contains(&len) // Diners
                || (3528..=3589).contains(&n(4)) && (16..=19).contains(&len) // JCB
        }
        6 => {
            (n(4) == 6011 || n(2) == 65 || (644..=649).contains(&n(3)) || n(2) == 62)
                && (16..=19).contains(&len)
        }
        _ => false,
    }
}

/// US SSN rules: no area 000, 666 or 9xx, no group 00, no serial 0000, one separator kind, not
/// all the same digit.
fn ssn(s: &str) -> Verdict {
    let d: Vec<u32> = digits(s).collect();
    if d.len() != 9 || !one_separator_kind(s) {
        return Verdict::Invalid;
    }
    let area = d[0] * 100 + d[1] * 10 + d[2];
    let group = d[3] * 10 + d[4];
    let serial = d[5..].iter().fold(0, |a, x| a * 10 + x);
    let all_same = d.iter().all(|&x| x == d[0]);
    if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 || all_same {
        Verdict::Invalid
    } else {
        Verdict::Unknown
    }
}

/// IBAN lengths by country (ISO 13616 registry).
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NL", 18),
    ("NO", 15),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("SA", 24),
    ("SC", 31),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
];

/// IBAN: the country's length and the ISO 7064 mod-97 check. Trailing groups beyond the
/// country's length (a following word or number) are cut off when the prefix is valid.
fn iban(s: &str) -> Verdict {
    let compact: Vec<u8> = s.bytes().filter(u8::is_ascii_alphanumeric).collect();
    if compact.len() < 15 {
        return Verdict::Invalid;
    }
    let country = std::str::from_utf8(&compact[..2]).unwrap_or("");
    let Some(&(_, len)) = IBAN_LENGTHS
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(country))
    else {
        return Verdict::Invalid;
    };
    if compact.len() < len || !mod97(&compact[..len]) {
        return Verdict::Invalid;
    }
    if compact.len() == len {
        return Verdict::Valid;
    }
    // Find the byte offset in `s` just after the len-th alphanumeric character.
    let mut seen = 0;
    for (i, b) in s.bytes().enumerate() {
        if b.is_ascii_alphanumeric() {
            seen += 1;
            if seen == len {
                return Verdict::ValidPrefix(i + 1);
            }
        }
    }
    Verdict::Invalid
}

fn mod97(iban: &[u8]) -> bool {
    let rotated = iban[4..].iter().chain(&iban[..4]);
    let mut rem: u32 = 0;
    for &b in rotated {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            b'a'..=b'z' => u32::from(b - b'a') + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// ABA routing number: 9 digits, weights 3-7-1, sum divisible by 10, not all zero.
fn aba(s: &str) -> bool {
    let d: Vec<u32> = digits(s).collect();
    if d.len() != 9 || d.iter().all(|&x| x == 0) {
        return false;
    }
    let prefix = d[0] * 10 + d[1];
    let known_prefix =
        prefix <= 12 || (21..=32).contains(&prefix) || (61..=72).contains(&prefix) || prefix == 80;
    let sum: u32 = d
        .iter()
        .zip([3, 7, 1].iter().cycle())
        .map(|(a, w)| a * w)
        .sum();
    known_prefix && sum.is_multiple_of(10)
}

/// North-American VIN: 17 characters without I, O, Q, position 9 is the check digit.
fn vin(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 17 {
        return false;
    }
    const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    let mut sum = 0;
    let mut letters = 0;
    let mut digit_count = 0;
    for (i, &c) in b.iter().enumerate() {
        let c = c.to_ascii_uppercase();
        let v = match c {
            b'0'..=b'9' => {
                digit_count += 1;
                u32::from(c - b'0')
            }
            b'A'..=b'H' => u32::from(c - b'A') + 1,
            b'J'..=b'N' => u32::from(c - b'J') + 1,
            b'P' => 7,
            b'R' => 9,
            b'S'..=b'Z' => u32::from(c - b'S') + 2,
            _ => return false,
        };
        if c.is_ascii_alphabetic() {
            letters += 1;
        }
        sum += v * WEIGHTS[i];
    }
    let check = match sum % 11 {
        10 => b'X',
        r => b'0' + r as u8,
    };
    letters >= 1 && digit_count >= 5 && b[8].to_ascii_uppercase() == check
}

/// NPI: 10 digits starting with 1 or 2, Luhn over "80840" + the number.
fn npi(s: &str) -> bool {
    let d: Vec<u32> = digits(s).collect();
    d.len() == 10 && matches!(d[0], 1 | 2) && luhn([8, 0, 8, 4, 0].into_iter().chain(d))
}

fn ipv4(s: &str) -> bool {
    let addr = s.split('/').next().unwrap_or(s);
    match addr.parse::<Ipv4Addr>() {
        Ok(ip) => {
            let prefix_ok = s
                .split('/')
                .nth(1)
                .is_none_or(|p| p.parse::<u8>().is_ok_and(|p| p <= 32));
            // 0.0.0.0-like and version-number-like tiny addresses are not worth reporting.
            prefix_ok && !ip.is_unspecified()
        }
        Err(_) => false,
    }
}

fn ipv6(s: &str) -> bool {
    let addr = s.split('/').next().unwrap_or(s);
    addr.len() > 2
        && addr
            .parse::<Ipv6Addr>()
            .is_ok_and(|ip| !ip.is_unspecified())
}

/// Generic top-level domains accepted in addresses; two-letter country codes are always accepted.
const GENERIC_TLDS: &[&str] = &[
    "com",
    "org",
    "net",
    "edu",
    "gov",
    "mil",
    "int",
    "info",
    "biz",
    "name",
    "pro",
    "mobi",
    "app",
    "dev",
    "io",
    "ai",
    "tech",
    "online",
    "site",
    "store",
    "shop",
    "blog",
    "cloud",
    "email",
    "mail",
    "health",
    "care",
    "bank",
    "finance",
    "law",
    "media",
    "news",
    "life",
    "live",
    "world",
    "xyz",
    "top",
    "club",
    "group",
    "company",
    "agency",
    "studio",
    "digital",
    "network",
    "systems",
    "solutions",
    "services",
    "global",
    "space",
    "website",
    "page",
    "art",
    "design",
    "travel",
    "museum",
    "aero",
    "coop",
    "jobs",
    "tel",
    "asia",
    "cat",
    "post",
    "local",
    "test",
    "example",
    "school",
    "academy",
    "university",
    "clinic",
    "hospital",
    "insurance",
    "legal",
    "money",
    "one",
];

pub(crate) fn known_tld(tld: &str) -> bool {
    (tld.len() == 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
        || GENERIC_TLDS.iter().any(|t| t.eq_ignore_ascii_case(tld))
}

fn email(s: &str) -> Verdict {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return Verdict::Invalid;
    };
    let tld = domain.rsplit('.').next().unwrap_or("");
    if local.is_empty() || local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Verdict::Invalid;
    }
    if domain
        .split('.')
        .any(|label| label.is_empty() || label.starts_with('-') || label.ends_with('-'))
    {
        return Verdict::Invalid;
    }
    if known_tld(tld) {
        Verdict::Valid
    } else {
        Verdict::Unknown
    }
}

const MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// The month number of an English month name or abbreviation.
pub(crate) fn month_number(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let idx = MONTHS.iter().position(|m| w.starts_with(m))?;
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ][idx];
    (full.starts_with(w.as_str()) || w == "sept").then_some(idx as u32 + 1)
}

fn days_in_month(month: u32, year: Option<u32>) -> u32 {
    match month {
        2 => match year {
            Some(y) if !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) => 28,
            _ => 29,
        },
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn valid_ymd(y: Option<u32>, m: u32, d: u32) -> bool {
    (1..=12).contains(&m)
        && d >= 1
        && d <= days_in_month(m, y)
        && y.is_none_or(|y| (1000..=2199).contains(&y))
}

/// A date in one of the shapes the date patterns match: all-numeric (Y-M-D, M/D/Y or D/M/Y) or
/// with a month name; the day must exist in the month.
fn date(s: &str) -> bool {
    let parts: Vec<&str> = s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect();
    let num = |p: &str| {
        let p = p.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        p.parse::<u32>().ok()
    };
    let named = parts.iter().position(|p| {
        p.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && month_number(p).is_some()
    });
    if let Some(mi) = named {
        let m = month_number(parts[mi]).unwrap_or(0);
        let nums: Vec<u32> = parts
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != mi)
            .filter_map(|(_, p)| num(p))
            .collect();
        return match nums.as_slice() {
            [d, y] if *y >= 1000 => valid_ymd(Some(*y), m, *d),
            [y] if *y >= 1000 => (1..=12).contains(&m),
            [d] => valid_ymd(None, m, *d),
            _ => false,
        };
    }
    let nums: Vec<u32> = parts.iter().filter_map(|p| num(p)).collect();
    let y2 = |y: u32| {
        if y < 100 {
            Some(if y < 50 { 2000 + y } else { 1900 + y })
        } else {
            Some(y)
        }
    };
    match nums.as_slice() {
        [a, b, c] if parts[0].len() == 4 => valid_ymd(Some(*a), *b, *c),
        [a, b, c] => valid_ymd(y2(*c), *a, *b) || valid_ymd(y2(*c), *b, *a),
        _ => false,
    }
}

/// Phone numbers: 7-15 digits; a 10-digit North-American number (optionally after 1) needs an
/// area code and exchange that start with 2-9; runs of one repeated digit are not numbers.
fn phone(s: &str) -> bool {
    let d: Vec<u32> = digits(s).collect();
    if !(7..=15).contains(&d.len()) || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let international = s.trim_start().starts_with('+');
    let nanp: Option<&[u32]> = match d.len() {
        10 if !international => Some(&d),
        11 if d[0] == 1 => Some(&d[1..]),
        _ => None,
    };
    match nanp {
        Some(n) => n[0] >= 2 && n[3] >= 2 && !(n[1] == 1 && n[2] == 1),
        None => international || d.len() >= 10,
    }
}

/// `h:mm`, `hh:mm`, `hh:mm:ss`, with am/pm hours 1-12.
fn time(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let meridiem = lower.contains('a') || lower.contains('p');
    let nums: Vec<u32> = lower
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect();
    match nums.as_slice() {
        [h, rest @ ..] if rest.len() <= 2 => {
            let h_ok = if meridiem {
                (1..=12).contains(h)
            } else {
                *h <= 23
            };
            h_ok && rest.iter().all(|&m| m <= 59)
        }
        _ => false,
    }
}

fn age(s: &str) -> bool {
    digits(s).clone().count() <= 3 && digits(s).fold(0, |a, x| a * 10 + x) <= 120
}

/// A US ZIP (5 digits or ZIP+4) that is not all zeros.
fn zip(s: &str) -> bool {
    let d: Vec<u32> = digits(s).collect();
    matches!(d.len(), 5 | 9) && d[..5].iter().any(|&x| x != 0)
}

/// SSNs no validator may accept (never issued, or mixed separators); shared by the validator's
/// unit test and the engine's end-to-end test.
#[cfg(test)]
pub(crate) const IMPOSSIBLE_SSNS: &[&str] = &[
    "000-12-3456",
    "666-12-3456",
    "912-34-5678",
    "123-00-4567",
    "123-45-0000",
    "111-11-1111",
    "123-45 6789",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_and_cards() {
        assert_eq!(credit_card("4111 1111 1111 1111"), Verdict::Valid);
        assert_eq!(credit_card("4111 1111 1111 1112"), Verdict::Invalid);
        assert_eq!(credit_card("4111-1111 1111-1111"), Verdict::Invalid);
        assert_eq!(credit_card("378282246310005"), Verdict::Valid);
        assert_eq!(credit_card("5555555555554444"), Verdict::Valid);
        assert_eq!(
            credit_card("4111 1111 1111 1111 22"),
            Verdict::ValidPrefix(19)
        );
        assert_eq!(
            credit_card("1234567812345670"),
            Verdict::Invalid,
            "no issuer starts with 1"
        );
    }

    #[test]
    fn ssn_rules() {
        assert_eq!(ssn("123-45-6789"), Verdict::Unknown);
        for bad in IMPOSSIBLE_SSNS {
            assert_eq!(ssn(bad), Verdict::Invalid, "{bad}");
        }
    }

    #[test]
    fn only_validators_that_can_prove_answer_valid() {
        let samples = [
            "4111 1111 1111 1111",
            "4111 1111 1111 1111 22",
            "378282246310005",
            "GB82 WEST 1234 5698 7654 32",
            "1HGCM82633A004352",
            "jane.doe@example.com",
            "1245319599",
            "123-45-6789",
            "011000015",
            "192.168.1.20",
            "2001:db8::1",
            "2024-02-29",
            "(415) 555-0132",
            "10:30 pm",
            "42",
            "02139",
        ];
        for name in [
            "luhn",
            "credit_card",
            "ssn",
            "iban",
            "aba",
            "vin",
            "ipv4",
            "ipv6",
            "email",
            "date",
            "phone",
            "time",
            "age",
            "npi",
            "zip",
        ] {
            let v = Validator::from_name(name).expect("known validator");
            let proved = samples
                .iter()
                .filter(|s| matches!(v.check(s), Verdict::Valid | Verdict::ValidPrefix(_)));
            if v.can_prove() {
                assert!(proved.count() > 0, "{name} proves none of the samples");
            } else {
                assert_eq!(proved.count(), 0, "{name} proved a value");
            }
        }
    }

    #[test]
    fn iban_checks() {
        assert_eq!(iban("GB82 WEST 1234 5698 7654 32"), Verdict::Valid);
        assert_eq!(iban("GB82WEST12345698765432"), Verdict::Valid);
        assert_eq!(iban("DE89 3704 0044 0532 0130 00"), Verdict::Valid);
        assert_eq!(iban("GB82 WEST 1234 5698 7654 33"), Verdict::Invalid);
        assert_eq!(
            iban("GB82 WEST 1234 5698 7654 32 1234"),
            Verdict::ValidPrefix(27)
        );
    }

    #[test]
    fn aba_vin_npi() {
        assert!(aba("011000015"));
        assert!(aba("021000021"));
        assert!(!aba("021000022"));
        assert!(vin("1M8GDM9AXKP042788"));
        assert!(!vin("1M8GDM9A1KP042788"));
        assert!(npi("1234567893"));
        assert!(!npi("1234567890"));
    }

    #[test]
    fn addresses_dates_times() {
        assert!(ipv4("192.168.1.20"));
        assert!(ipv4("10.0.0.0/8"));
        assert!(!ipv4("256.1.1.1"));
        assert!(ipv6("2001:db8::1"));
        assert!(ipv6("::ffff:192.0.2.1"));
        assert!(!ipv6("12:30:45"));
        assert!(date("2024-02-29"));
        assert!(!date("2023-02-29"));
        assert!(date("03/15/1961"));
        assert!(date("15/03/1961"));
        assert!(!date("13/13/1961"));
        assert!(date("March 7, 1961"));
        assert!(date("7 Mar 1961"));
        assert!(!date("Feb 30, 2020"));
        assert!(time("9:45 pm"));
        assert!(!time("13:45 pm"));
        assert!(time("23:59:59"));
        assert!(phone("(415) 555-0132"));
        assert!(!phone("(015) 555-0132"));
        assert!(phone("+44 20 7946 0958"));
        assert_eq!(email("a.b@example.com"), Verdict::Valid);
        assert_eq!(email("a..b@example.com"), Verdict::Invalid);
        assert_eq!(month_number("Sept."), Some(9));
        assert_eq!(month_number("Marc"), Some(3));
        assert_eq!(month_number("Mayo"), None);
    }
}
