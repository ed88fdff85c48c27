//! Names, organisations and places without an ML model: runs of capitalised words scored by the
//! word lists (given and family names, dictionary words, places), titles, trigger phrases and
//! what follows the run.

use super::EntityType;
use super::lists::Lists;
use super::recognizer::{Candidate, Context};
use super::text::words_before;

/// A word of the text: letters with inner apostrophes or hyphens (O'Brien, Mary-Jane).
#[derive(Clone, Copy, Debug)]
struct Tok {
    start: usize,
    end: usize,
}

fn tokenize(text: &str, out: &mut Vec<Tok>) {
    let b = text.as_bytes();
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if !c.is_alphabetic() {
            continue;
        }
        let start = i;
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = iter.peek() {
            if d.is_alphabetic() {
                end = j + d.len_utf8();
                iter.next();
            } else if (d == '\'' || d == '-' || d == '’')
                && text[j + d.len_utf8()..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphabetic)
            {
                iter.next();
            } else {
                break;
            }
        }
        // Words glued to digits or underscores (identifiers) are not words.
        let glued = |k: Option<&u8>| k.is_some_and(|&x| x.is_ascii_digit() || x == b'_');
        if glued(b.get(end)) || (start > 0 && glued(b.get(start - 1))) {
            continue;
        }
        out.push(Tok { start, end });
    }
}

/// How a capitalised word reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// A listed given or family name that is not also a dictionary word.
    Name,
    /// A listed name that is also a dictionary word (Will, Rose, Brown).
    Ambiguous,
    /// Capitalised, in no list: an unknown proper noun.
    Unknown,
    /// A capitalised dictionary word that is no census name (a brand, place, demonym…): a name
    /// word only next to stronger evidence.
    Proper,
    /// A single capital letter (an initial).
    Initial,
    /// A title (Mr, Dr…).
    Title,
    /// A lower-case dictionary word written with a capital (Straight, Lavender, Parent): a name
    /// word only after a title or next to a name word, never on its own.
    Common,
    /// Anything else: function words, places, calendar words, organisation words, identifiers.
    Other,
}

/// Dictionary words that never become part of a name.
const FUNCTION_WORDS: &[&str] = &[
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "our",
    "your",
    "my",
    "his",
    "her",
    "their",
    "its",
    "please",
    "and",
    "or",
    "but",
    "if",
    "when",
    "all",
    "any",
    "each",
    "every",
    "some",
    "no",
    "not",
    "new",
    "old",
    "dear",
    "hi",
    "hello",
    "thanks",
    "on",
    "in",
    "at",
    "for",
    "with",
    "from",
    "to",
    "by",
    "of",
    "as",
    "is",
    "are",
    "was",
    "be",
    "will",
    "can",
    "may",
    "should",
    "would",
    "could",
    "it",
    "we",
    "you",
    "they",
    "he",
    "she",
    "there",
    "here",
    "what",
    "who",
    "how",
    "why",
    "where",
    "after",
    "before",
    "during",
    "since",
    "until",
    "about",
    "over",
    "under",
    "into",
    "per",
    "via",
    "team",
    "group",
    "department",
    "office",
    "account",
    "order",
    "invoice",
    "total",
    "phone",
    "email",
    "address",
    "date",
    "number",
    "status",
    "error",
    "new",
    "update",
    "payment",
    "card",
    "user",
    "admin",
    "system",
    "service",
    "today",
    "tomorrow",
    "yesterday",
    "also",
    "just",
    "then",
    "than",
    "so",
    "yes",
    "okay",
    "see",
    "call",
    "send",
];

const TITLES: &[&str] = &[
    "Mr",
    "Mrs",
    "Ms",
    "Miss",
    "Mx",
    "Dr",
    "Prof",
    "Professor",
    "Sir",
    "Dame",
    "Rev",
    "Capt",
    "Sgt",
    "Det",
    "Officer",
    "Judge",
    "Nurse",
    "Doctor",
];
const MEDICAL_TITLES: &[&str] = &["Dr", "Doctor", "Nurse"];

const ORG_SUFFIXES: &[&str] = &[
    "Inc",
    "LLC",
    "Ltd",
    "LLP",
    "Corp",
    "Corporation",
    "Company",
    "Co",
    "Group",
    "Bank",
    "University",
    "College",
    "Foundation",
    "Partners",
    "Associates",
    "Holdings",
    "Technologies",
    "Systems",
    "Labs",
    "Industries",
    "Enterprises",
    "Solutions",
    "Services",
    "Insurance",
    "Trust",
    "Institute",
    "Agency",
    "Society",
    "Association",
    "Consulting",
    "Logistics",
    "Pharmaceuticals",
    "Airlines",
    "Motors",
    "Capital",
    "Ventures",
    "Media",
    "Studios",
    "Works",
    "Bancorp",
    "GmbH",
    "AG",
    "SA",
    "PLC",
];
const FACILITY_SUFFIXES: &[&str] = &[
    "Hospital",
    "Clinic",
    "Medical Center",
    "Medical Centre",
    "Health System",
    "Health",
    "Pharmacy",
    "Healthcare",
    "Urgent Care",
    "Surgery Center",
    "Medical Group",
    "Infirmary",
    "Hospice",
];

/// Trigger words before a name (checked within four words).
const NAME_TRIGGERS: &[&str] = &[
    "name is",
    "name's",
    "named",
    "name:",
    "called",
    "dear",
    "hi",
    "hello",
    "hey",
    "thanks",
    "thank you",
    "regards",
    "sincerely",
    "signed",
    "patient",
    "pt",
    "customer",
    "client",
    "member",
    "employee",
    "user",
    "contact",
    "spoke with",
    "spoke to",
    "talked to",
    "talked with",
    "attn",
    "attention",
    "from:",
    "to:",
    "cc:",
    "mother",
    "father",
    "wife",
    "husband",
    "son",
    "daughter",
    "brother",
    "sister",
    "friend",
    "colleague",
    "manager",
    "tenant",
    "applicant",
    "insured",
    "beneficiary",
    "guardian",
    "physician",
    "provider",
    "caller",
    "agent",
    "technician",
    "cardholder",
    "account holder",
    "i am",
    "i'm",
    "this is",
    "meet",
    "ask for",
    "assigned to",
    "owner",
    "emergency contact",
    "referred by",
    "nurse",
    "doctor",
    "dr",
    "seen by",
    "approved by",
    "reviewed by",
    "submitted by",
    "requested by",
    "name",
    "mr",
    "mrs",
    "ms",
    "contact person",
    "recipient",
    "sender",
    "supervisor",
    "spouse",
    "ceo",
    "cfo",
    "director",
    "consultant",
    "rep",
    "representative",
    "met with",
    "meeting with",
    "reviewed with",
    "call with",
    "appointment with",
    "met",
    "for mr",
    "by mr",
    "organised by",
    "organized by",
    "written by",
    "signed by",
];
const MEDICAL_TRIGGERS: &[&str] = &[
    "dr",
    "doctor",
    "physician",
    "nurse",
    "surgeon",
    "provider",
    "attending",
    "seen by",
    "referred by",
    "md",
    "rn",
    "np",
    "pcp",
    "cardiologist",
    "oncologist",
    "therapist",
    "pediatrician",
];

/// Words before a capitalised run that make it a place.
const PLACE_TRIGGERS: &[&str] = &[
    "in",
    "near",
    "from",
    "to",
    "at",
    "visiting",
    "outside",
    "moved to",
    "lives in",
    "based in",
    "city of",
    "city:",
    "town of",
    "traveling to",
    "travelling to",
    "relocated to",
    "born in",
    "grew up in",
    "office in",
    "located in",
    "headquartered in",
    "flight to",
    "trip to",
    "nationality",
    "country",
    "citizen",
    "citizenship",
    "state",
    "residence",
    "resident of",
    "city",
];

pub(crate) struct Proper {
    titles: Context,
    name_triggers: Context,
    medical_triggers: Context,
    place_triggers: Context,
    /// Structured-input keys and headers that hold places ("city", "town").
    place_columns: Context,
}

impl Proper {
    pub(crate) fn new() -> Result<Proper, String> {
        let need = |c: Result<Option<Context>, String>| {
            c.and_then(|c| c.ok_or_else(|| "empty list".to_string()))
        };
        Ok(Proper {
            titles: need(Context::new(TITLES))?,
            name_triggers: need(Context::new(NAME_TRIGGERS))?,
            medical_triggers: need(Context::new(MEDICAL_TRIGGERS))?,
            place_triggers: need(Context::new(PLACE_TRIGGERS))?,
            place_columns: need(Context::new([
                "city",
                "town",
                "municipality",
                "place of",
                "birthplace",
                "location",
            ]))?,
        })
    }

    /// Pushes name, organisation and place candidates.
    pub(crate) fn run(
        &self,
        lists: &Lists,
        text: &str,
        structured: Option<&str>,
        threshold: f64,
        out: &mut Vec<Candidate>,
    ) {
        self.places(lists, text, out);
        let mut toks = Vec::new();
        tokenize(text, &mut toks);
        let mut lower = String::new();
        let mut classes = Vec::with_capacity(toks.len());
        for t in &toks {
            classes.push(classify(lists, &text[t.start..t.end], &mut lower));
        }
        let mut i = 0;
        while i < toks.len() {
            if classes[i] == Class::Other && !is_capitalised(&text[toks[i].start..toks[i].end]) {
                i += 1;
                continue;
            }
            // A run of capitalised words joined by single spaces (or ". " after an initial or title).
            let mut j = i + 1;
            while j < toks.len()
                && j - i < 6
                && {
                    let w = &text[toks[j].start..toks[j].end];
                    is_capitalised(w) || ORG_SUFFIXES.contains(&w)
                }
                && joined(text, toks[j - 1], toks[j], classes[j - 1])
            {
                j += 1;
            }
            if !is_capitalised(&text[toks[i].start..toks[i].end]) {
                i += 1;
                continue;
            }
            if let Some(c) = self.organization(text, &toks[i..j]) {
                out.push(c);
                i = j;
                continue;
            }
            let place_before = place_preposition(text, toks[i].start)
                || structured.is_some_and(|s| self.place_columns.found_in(s));
            city_run(lists, text, &toks[i..j], &classes[i..j], place_before, out);
            self.name_run(
                lists,
                text,
                &toks[i..j],
                &classes[i..j],
                structured,
                threshold,
                out,
            );
            i = j;
        }
    }

    fn organization(&self, text: &str, run: &[Tok]) -> Option<Candidate> {
        // The run must end with a suffix word and have at least one word before it.
        if run.len() < 2 {
            return None;
        }
        let span = &text[run[0].start..run[run.len() - 1].end];
        let facility = FACILITY_SUFFIXES.iter().any(|s| span.ends_with(s));
        let last = &text[run[run.len() - 1].start..run[run.len() - 1].end];
        let org = ORG_SUFFIXES.contains(&last);
        if !facility && !org {
            return None;
        }
        // Drop leading words that are sentence openers ("The", "At", "Visit").
        let mut first = 0;
        while first + 1 < run.len()
            && matches!(
                &text[run[first].start..run[first].end],
                "The"
                    | "At"
                    | "Visit"
                    | "Call"
                    | "Contact"
                    | "From"
                    | "To"
                    | "For"
                    | "With"
                    | "By"
                    | "Our"
                    | "Your"
                    | "My"
                    | "Dear"
                    | "Hi"
                    | "Thanks"
                    | "Please"
            )
        {
            first += 1;
        }
        let mut end = run[run.len() - 1].end;
        if text[end..].starts_with('.') && matches!(last, "Inc" | "Ltd" | "Corp" | "Co") {
            end += 1;
        }
        let entity = if facility {
            EntityType::OrganizationMedicalFacility
        } else {
            EntityType::Organization
        };
        Some(Candidate {
            entity,
            start: run[first].start,
            end,
            score: 0.92,
            parts: Vec::new(),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn name_run(
        &self,
        lists: &Lists,
        text: &str,
        run: &[Tok],
        classes: &[Class],
        structured: Option<&str>,
        threshold: f64,
        out: &mut Vec<Candidate>,
    ) {
        // A capitalised dictionary word counts as a name word after a title or next to a name
        // word (not as the first word of a sentence); otherwise it ends the name.
        let mut resolved: Vec<Class> = classes.to_vec();
        for k in 0..run.len() {
            if resolved[k] != Class::Common {
                continue;
            }
            // After a title (or a title and one converted word): "Dr. Fairy Mead".
            let after_title = (k > 0 && classes[k - 1] == Class::Title)
                || (k > 1 && classes[k - 2] == Class::Title && resolved[k - 1] == Class::Ambiguous);
            let near_name = |j: Option<usize>| {
                j.and_then(|j| classes.get(j))
                    .is_some_and(|c| matches!(c, Class::Name | Class::Unknown | Class::Initial))
            };
            resolved[k] = if after_title || near_name(k.checked_sub(1)) || near_name(Some(k + 1)) {
                Class::Ambiguous
            } else {
                Class::Other
            };
        }
        let classes = resolved;
        let classes = classes.as_slice();
        // Strip titles and other words in front; remember the title.
        let mut a = 0;
        let mut title = None;
        while a < run.len() && matches!(classes[a], Class::Title | Class::Other) {
            if classes[a] == Class::Title {
                title = Some(&text[run[a].start..run[a].end]);
            } else {
                title = None;
            }
            a += 1;
        }
        // The name part: the longest stretch of name-like words.
        let mut b = a;
        while b < run.len()
            && matches!(
                classes[b],
                Class::Name | Class::Ambiguous | Class::Unknown | Class::Proper | Class::Initial
            )
        {
            b += 1;
        }
        // A trailing initial is not part of a name.
        while b > a && classes[b - 1] == Class::Initial {
            b -= 1;
        }
        if a < b {
            self.score_name(
                lists,
                text,
                &run[a..b],
                &classes[a..b],
                title,
                structured,
                threshold,
                out,
            );
        }
        if b < run.len() && b > a {
            // Continue after the stretch (for runs like "Jane Roe Street Smith").
            let rest = b + 1;
            if rest < run.len() {
                self.name_run(
                    lists,
                    text,
                    &run[rest..],
                    &classes[rest..],
                    structured,
                    threshold,
                    out,
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn score_name(
        &self,
        lists: &Lists,
        text: &str,
        run: &[Tok],
        classes: &[Class],
        title: Option<&str>,
        structured: Option<&str>,
        threshold: f64,
        out: &mut Vec<Candidate>,
    ) {
        let start = run[0].start;
        let end = run[run.len() - 1].end;
        let count = |c: Class| classes.iter().filter(|&&x| x == c).count();
        let (named, ambiguous, unknown) = (
            count(Class::Name),
            count(Class::Ambiguous) + count(Class::Proper),
            count(Class::Unknown),
        );
        let words = named + ambiguous + unknown;
        let sentence_start = at_sentence_start(text, start);
        let first_is_given = lists.is_given(&text[run[0].start..run[0].end]);
        let mut score: f64 = match words {
            0 => return,
            1 if classes.len() > 1 => match classes.iter().find(|c| **c != Class::Initial) {
                Some(Class::Name) | Some(Class::Unknown) => 0.55,
                _ => 0.3,
            },
            1 => match classes[0] {
                Class::Name if sentence_start => 0.35,
                Class::Name => 0.45,
                Class::Unknown => 0.2,
                _ => 0.1,
            },
            _ if named >= 1 => 0.75,
            _ if ambiguous >= 1 && unknown >= 1 => 0.6,
            _ if ambiguous >= 2 && first_is_given => 0.55,
            _ if unknown >= 2 && sentence_start => 0.42,
            _ if unknown >= 2 => 0.5,
            _ => 0.2,
        };
        let before = words_before(text, start, 4);
        let window = &text[before..start];
        if title.is_some() || self.titles.found_in(window) && ends_with_title(window) {
            score = score.max(0.3) + 0.45;
        } else if self.name_triggers.found_in(window)
            || structured.is_some_and(|s| self.name_triggers.found_in(s))
        {
            score += 0.3;
        }
        let after = &text[end..];
        if credential_follows(after)
            || after.starts_with("'s ")
            || after.starts_with("’s ")
            || starts_with_any(
                after,
                &[
                    " said",
                    " says",
                    " called",
                    " wrote",
                    " reported",
                    " asked",
                    " is a ",
                    " was born",
                    ", who",
                    " (DOB",
                    " (age",
                    ", age",
                ],
            )
        {
            score += 0.2;
        }
        // Followed by ", ST" or a street suffix: a place, not a person.
        if state_follows(lists, &text[end..]) {
            score -= 0.4;
        }
        // "in Springfield", "moved to Fair Oaks": a place, unless a title says otherwise.
        if title.is_none()
            && (place_preposition(text, start)
                || structured.is_some_and(|s| self.place_columns.found_in(s)))
        {
            score -= 0.35;
        }
        let score = score.min(1.0);
        if score + 1e-9 < threshold {
            return;
        }
        let medical = title.is_some_and(|t| MEDICAL_TITLES.contains(&t))
            || self.medical_triggers.found_in(window)
            || credential_follows(after);
        let entity = if medical {
            EntityType::NameMedicalProfessional
        } else {
            EntityType::Name
        };
        // Parts: the first word is the given name and the last the family name when there are
        // two or more; a lone word after a title is a family name, otherwise a given name.
        let mut parts = Vec::new();
        let name_words: Vec<&Tok> = run
            .iter()
            .zip(classes)
            .filter(|(_, c)| **c != Class::Initial)
            .map(|(t, _)| t)
            .collect();
        match name_words.as_slice() {
            [only] => {
                let ty = if title.is_some()
                    || lists.is_family(&text[only.start..only.end])
                        && !lists.is_given(&text[only.start..only.end])
                {
                    EntityType::NameFamily
                } else {
                    EntityType::NameGiven
                };
                parts.push((ty, only.start, only.end));
            }
            [first, .., last] => {
                parts.push((EntityType::NameGiven, first.start, first.end));
                parts.push((EntityType::NameFamily, last.start, last.end));
            }
            [] => {}
        }
        out.push(Candidate {
            entity,
            start,
            end,
            score,
            parts,
        });
    }

    fn places(&self, lists: &Lists, text: &str, out: &mut Vec<Candidate>) {
        for (s, e, ty) in lists.find_places(text) {
            let name = &text[s..e];
            // Places that are also people's names or common words need a place signal.
            let mut score: f64 = match ty {
                // Countries and states rarely name people; a few are given names too (Georgia).
                EntityType::LocationCountry | EntityType::LocationState if lists.is_given(name) => {
                    0.45
                }
                EntityType::LocationCountry | EntityType::LocationState => 0.7,
                _ if lists.is_given(name) || lists.is_family(name) => 0.3,
                _ => 0.6,
            };
            let prev = words_before(text, s, 2);
            if self.place_triggers.found_in(&text[prev..s]) {
                score += 0.3;
            }
            // Part of a longer run of capitalised words ("Michigan City", "North Charleston"):
            // that run is the place, not this word.
            let next_word = text[e..]
                .strip_prefix(' ')
                .and_then(|r| r.split(|c: char| !c.is_alphabetic()).next())
                .unwrap_or("");
            let prev_word = text[..s]
                .strip_suffix(' ')
                .and_then(|r| r.rsplit(|c: char| !c.is_alphabetic()).next())
                .unwrap_or("");
            if is_capitalised(next_word) && !TITLES.contains(&next_word)
                || is_capitalised(prev_word)
                    && !TITLES.contains(&prev_word)
                    && !at_sentence_start(text, s - prev_word.len() - 1)
            {
                score -= 0.4;
            }
            let after = &text[e..];
            if after.starts_with(", ")
                && after[2..]
                    .split(|c: char| !c.is_ascii_alphabetic())
                    .next()
                    .is_some_and(|w| {
                        lists.is_state_code(w)
                            || lists.is_state_name(w)
                            || lists.place(w) == Some(EntityType::LocationCountry)
                    })
            {
                score += 0.3;
            }
            out.push(Candidate {
                entity: ty,
                start: s,
                end: e,
                score: score.min(1.0),
                parts: Vec::new(),
            });
        }
    }
}

/// A run of capitalised words right after a place preposition ("in", "near", "moved to",
/// "drove from"), or right before `", <state>"`, is a city.
fn city_run(
    lists: &Lists,
    text: &str,
    run: &[Tok],
    classes: &[Class],
    place_before: bool,
    out: &mut Vec<Candidate>,
) {
    // City names: up to three words, none a title or an initial.
    let n = run.len().min(3);
    let mut k = 0;
    while k < n
        && !matches!(classes[k], Class::Title | Class::Initial)
        && !lists.never_a_name(&text[run[k].start..run[k].end])
    {
        k += 1;
    }
    if k == 0 {
        return;
    }
    let (start, end) = (run[0].start, run[k - 1].end);
    let name = &text[start..end];
    if matches!(
        lists.place(name),
        Some(EntityType::LocationCountry | EntityType::LocationState)
    ) {
        return;
    }
    let after = &text[end..];
    let state_follows = state_follows(lists, after);
    let score = match (place_before, state_follows) {
        (true, true) => 0.9,
        (false, true) => 0.75,
        (true, false) => 0.6,
        (false, false) => return,
    };
    out.push(Candidate {
        entity: EntityType::LocationCity,
        start,
        end,
        score,
        parts: Vec::new(),
    });
}

/// Whether a clinical credential follows a name (", MD", " RN", ", D.O.").
fn credential_follows(after: &str) -> bool {
    let rest = after
        .strip_prefix(", ")
        .or_else(|| after.strip_prefix(' '))
        .unwrap_or("");
    [
        "MD", "M.D.", "RN", "NP", "DO", "D.O.", "PA-C", "DDS", "DNP", "PhD",
    ]
    .iter()
    .any(|c| {
        rest.strip_prefix(c)
            .is_some_and(|r| !r.starts_with(|ch: char| ch.is_alphanumeric()))
    })
}

/// Whether `after` starts with ", " and a state or province (code or name).
fn state_follows(lists: &Lists, after: &str) -> bool {
    let Some(rest) = after.strip_prefix(", ") else {
        return false;
    };
    let word = rest
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    let phrase = rest.split([',', '.', ';', '\n']).next().unwrap_or("");
    let phrase = phrase.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ' || c == '-');
    lists.is_state_code(word) || lists.is_state_name(word) || lists.is_state_name(phrase)
}

/// Whether the words right before `start` are a place preposition.
fn place_preposition(text: &str, start: usize) -> bool {
    let before = text[..start].trim_end_matches(' ');
    if before.len() == text[..start].len() {
        return false;
    }
    let mut words = before.rsplit(|c: char| !c.is_alphabetic());
    // Only short ASCII words can be prepositions or the verbs before them: lower-case them in
    // a stack buffer.
    let lower = |w: &str| -> ([u8; 16], usize) {
        let mut buf = [0u8; 16];
        let n = if w.len() <= 16 && w.is_ascii() {
            w.len()
        } else {
            0
        };
        buf[..n].copy_from_slice(&w.as_bytes()[..n]);
        buf[..n].make_ascii_lowercase();
        (buf, n)
    };
    let (last_buf, last_len) = lower(words.next().unwrap_or(""));
    let (prev_buf, prev_len) = lower(words.next().unwrap_or(""));
    let last = std::str::from_utf8(&last_buf[..last_len]).unwrap_or("");
    let prev = std::str::from_utf8(&prev_buf[..prev_len]).unwrap_or("");
    match last {
        "in" | "near" | "outside" | "around" => true,
        "to" | "from" => matches!(
            prev,
            "moved"
                | "moving"
                | "move"
                | "relocated"
                | "relocating"
                | "drove"
                | "drive"
                | "driving"
                | "flew"
                | "fly"
                | "flying"
                | "travel"
                | "traveled"
                | "travelled"
                | "traveling"
                | "travelling"
                | "trip"
                | "flight"
                | "went"
                | "going"
                | "headed"
                | "came"
                | "comes"
                | "is"
                | "am"
                | "originally"
                | "commutes"
                | "shipped"
                | "transferred"
        ),
        _ => false,
    }
}

fn starts_with_any(s: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| s.starts_with(p))
}

fn ends_with_title(window: &str) -> bool {
    let w = window.trim_end().trim_end_matches('.');
    TITLES.iter().any(|t| w.ends_with(t))
}

fn is_capitalised(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase)
        && (word.len() == 1 || chars.any(char::is_lowercase))
}

/// Two words of a run are joined by one space, or by ". " after an initial or a title.
fn joined(text: &str, a: Tok, b: Tok, class_a: Class) -> bool {
    let gap = &text[a.end..b.start];
    gap == " " || (gap == ". " && matches!(class_a, Class::Initial | Class::Title))
}

fn at_sentence_start(text: &str, start: usize) -> bool {
    match text[..start]
        .trim_end_matches([' ', '\t'])
        .chars()
        .next_back()
    {
        None => true,
        Some(c) => matches!(
            c,
            '.' | '!' | '?' | '\n' | '\r' | '"' | '“' | '*' | '-' | '•' | '>' | '|'
        ),
    }
}

/// An upper-case letter after the first that does not follow a name prefix (Mc, Mac, O', D')
/// or a hyphen: an identifier such as `ParseError`.
fn camel_case(word: &str) -> bool {
    let chars: Vec<char> = word.chars().collect();
    (1..chars.len()).any(|i| {
        chars[i].is_uppercase() && {
            let before: String = chars[..i].iter().collect();
            !(matches!(chars[i - 1], '-' | '\'' | '’')
                || before == "Mc"
                || before == "Mac"
                || before == "De"
                || before == "La"
                || before == "Le"
                || before == "Di"
                || before == "Van")
        }
    })
}

/// O'Brien, D'Angelo: an apostrophe after a one-letter prefix; "I'm" or "Bob's" are not names.
fn is_surname_apostrophe(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(|c| matches!(c, 'O' | 'D' | 'L'))
        && matches!(chars.next(), Some('\'' | '’'))
        && chars.next().is_some_and(char::is_uppercase)
}

fn classify(lists: &Lists, word: &str, lower: &mut String) -> Class {
    if !is_capitalised(word) {
        return Class::Other;
    }
    if word.len() == 1 {
        return Class::Initial;
    }
    if TITLES.contains(&word) {
        return Class::Title;
    }
    if camel_case(word) || word.contains(['\'', '’']) && !is_surname_apostrophe(word) {
        return Class::Other;
    }
    if lists.never_a_name(word) {
        return Class::Other;
    }
    if matches!(
        lists.place(word),
        Some(EntityType::LocationCountry | EntityType::LocationState)
    ) {
        return Class::Other;
    }
    let listed = lists.is_given(word) || lists.is_family(word);
    lower.clear();
    if word.is_ascii() {
        lower.push_str(word);
        lower.make_ascii_lowercase();
    } else {
        lower.extend(word.chars().flat_map(char::to_lowercase));
    }
    let common = lists.is_common(lower);
    match (listed, common) {
        (true, false) => Class::Name,
        (true, true) => Class::Ambiguous,
        (false, true)
            if FUNCTION_WORDS.contains(&lower.as_str())
                || NAME_TRIGGERS.contains(&lower.as_str()) =>
        {
            Class::Other
        }
        (false, true) => Class::Common,
        (false, false) if lists.is_non_person(word) || lists.place(word).is_some() => Class::Proper,
        (false, false) => Class::Unknown,
    }
}
