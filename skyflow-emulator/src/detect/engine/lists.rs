//! Word lists shipped with the emulator (see `data/SOURCES.md`): given and family names, common
//! English words, capitalised non-person dictionary words, cities, states and countries.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchKind, StartKind};

use super::EntityType;

const GIVEN: &str = include_str!("data/given_names.txt");
const FAMILY: &str = include_str!("data/family_names.txt");
const COMMON: &str = include_str!("data/common_words.txt");
const PROPER: &str = include_str!("data/proper_nouns.txt");
const CITIES: &str = include_str!("data/cities.txt");
const COUNTRIES: &str = include_str!("data/countries.txt");
const STATES: &str = include_str!("data/states.txt");

/// Country spellings the ISO names miss.
const COUNTRY_ALIASES: &[&str] = &[
    "USA",
    "U.S.A.",
    "U.S.",
    "United States of America",
    "America",
    "UK",
    "U.K.",
    "Britain",
    "Great Britain",
    "England",
    "Scotland",
    "Wales",
    "Northern Ireland",
    "Holland",
    "Russia",
    "South Korea",
    "North Korea",
    "Korea",
    "Vietnam",
    "Iran",
    "Syria",
    "Laos",
    "Bolivia",
    "Venezuela",
    "Tanzania",
    "Czechia",
    "Czech Republic",
    "Ivory Coast",
    "Burma",
    "Taiwan",
    "the Netherlands",
    "Netherlands",
    "UAE",
    "Emirates",
];

/// Canadian provinces and territories with their postal abbreviations.
const PROVINCES: &[(&str, &str)] = &[
    ("Alberta", "AB"),
    ("British Columbia", "BC"),
    ("Manitoba", "MB"),
    ("New Brunswick", "NB"),
    ("Newfoundland and Labrador", "NL"),
    ("Nova Scotia", "NS"),
    ("Ontario", "ON"),
    ("Prince Edward Island", "PE"),
    ("Quebec", "QC"),
    ("Saskatchewan", "SK"),
    ("Northwest Territories", "NT"),
    ("Nunavut", "NU"),
    ("Yukon", "YT"),
];

/// Capitalised words that are never a person's name on their own: weekdays, months and other
/// calendar words, pronouns and words that start sentences or headings.
const NEVER_NAMES: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Christmas",
    "Easter",
    "Thanksgiving",
    "English",
    "Spanish",
    "French",
    "German",
    "American",
    "I",
    "OK",
    "Ok",
    "Mon",
    "Tue",
    "Wed",
    "Thu",
    "Fri",
    "Sat",
    "Sun",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
    "Hi",
    "Hello",
    "Hey",
    "Dear",
    "Thanks",
    "Regards",
    "Best",
    "Sincerely",
    "Cheers",
    "Note",
    "Notes",
    "Subject",
    "Re",
    "Fwd",
    "From",
    "To",
    "Cc",
    "Name",
    "Patient",
    "Customer",
    "Client",
    "Doctor",
    "Nurse",
    "Street",
    "Avenue",
    "Road",
    "City",
    "State",
    "County",
    "North",
    "South",
    "East",
    "West",
    "Inc",
    "LLC",
    "Ltd",
    "Corp",
    "Co",
    "Hospital",
    "Clinic",
    "Center",
    "Centre",
    "University",
    "College",
    "School",
    "Bank",
    "Group",
    "Company",
    "Foundation",
    "Team",
    "Admin",
    "Support",
    "Error",
    "Warning",
    "Info",
    "Debug",
    "True",
    "False",
    "None",
    "Null",
    "Yes",
    "No",
    "Mr",
    "Mrs",
    "Ms",
    "Miss",
    "Dr",
    "Prof",
    "Mx",
    "Sir",
    "Madam",
];

/// FNV-1a: word lookups hash a few bytes each, where SipHash's setup dominated (the lists are
/// fixed data, so flooding resistance buys nothing).
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type WordSet = HashSet<&'static str, BuildHasherDefault<Fnv>>;

/// The engine's word lists.
pub(crate) struct Lists {
    given: WordSet,
    family: WordSet,
    common: WordSet,
    proper: WordSet,
    never: WordSet,
    /// Exact-case place names (cities, states, provinces, countries) and their types.
    places: AhoCorasick,
    /// Bytes a place name can start with (capitals, a few non-ASCII lead bytes).
    place_first: [bool; 256],
    place_types: Vec<EntityType>,
    place_names: HashMap<&'static str, EntityType, BuildHasherDefault<Fnv>>,
    /// State and province postal codes.
    state_codes: WordSet,
    /// State and province full names.
    state_names: WordSet,
}

fn lines(data: &'static str) -> impl Iterator<Item = &'static str> {
    data.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

impl Lists {
    pub(crate) fn load() -> Result<Lists, String> {
        let mut place_names: HashMap<&'static str, EntityType, BuildHasherDefault<Fnv>> =
            HashMap::default();
        let mut state_codes = WordSet::default();
        let mut state_names = WordSet::default();
        for line in lines(CITIES) {
            place_names.insert(line, EntityType::LocationCity);
        }
        for line in lines(STATES) {
            let (name, code) = line
                .split_once('|')
                .ok_or_else(|| format!("states.txt: bad line {line:?}"))?;
            place_names.insert(name, EntityType::LocationState);
            state_codes.insert(code);
            state_names.insert(name);
        }
        for &(name, code) in PROVINCES {
            place_names.insert(name, EntityType::LocationState);
            state_codes.insert(code);
            state_names.insert(name);
        }
        for line in lines(COUNTRIES).chain(COUNTRY_ALIASES.iter().copied()) {
            place_names.insert(line, EntityType::LocationCountry);
        }
        let mut entries: Vec<(&'static str, EntityType)> =
            place_names.iter().map(|(&k, &v)| (k, v)).collect();
        entries.sort_unstable();
        let places = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Anchored)
            .build(entries.iter().map(|(k, _)| k))
            .map_err(|e| e.to_string())?;
        let mut place_first = [false; 256];
        for (name, _) in &entries {
            if let Some(&b) = name.as_bytes().first() {
                place_first[usize::from(b)] = true;
            }
        }
        Ok(Lists {
            given: lines(GIVEN).collect(),
            family: lines(FAMILY).collect(),
            common: lines(COMMON).collect(),
            proper: lines(PROPER).collect(),
            never: NEVER_NAMES.iter().copied().collect(),
            places,
            place_first,
            place_types: entries.iter().map(|&(_, t)| t).collect(),
            place_names,
            state_codes,
            state_names,
        })
    }

    /// `word` in its capitalised form ("Jennifer") is a listed given name.
    pub(crate) fn is_given(&self, word: &str) -> bool {
        self.given.contains(word)
    }

    pub(crate) fn is_family(&self, word: &str) -> bool {
        self.family.contains(word)
    }

    /// `lower` (lower case) is an English dictionary word.
    pub(crate) fn is_common(&self, lower: &str) -> bool {
        self.common.contains(lower)
    }

    /// A capitalised dictionary word that is not a person's name (brand, place, demonym…).
    pub(crate) fn is_non_person(&self, word: &str) -> bool {
        self.proper.contains(word)
    }

    /// A calendar word, greeting, heading or organisation word: never part of a name.
    pub(crate) fn never_a_name(&self, word: &str) -> bool {
        self.never.contains(word)
    }

    pub(crate) fn place(&self, name: &str) -> Option<EntityType> {
        self.place_names.get(name).copied()
    }

    pub(crate) fn is_state_code(&self, code: &str) -> bool {
        self.state_codes.contains(code)
    }

    pub(crate) fn is_state_name(&self, name: &str) -> bool {
        self.state_names.contains(name)
    }

    /// Every state and province name and postal code.
    pub(crate) fn state_spellings(&self) -> Vec<&'static str> {
        self.state_names
            .iter()
            .chain(&self.state_codes)
            .copied()
            .collect()
    }

    /// Listed places in `text` on word boundaries: (start, end, type).
    pub(crate) fn find_places<'t>(
        &'t self,
        text: &'t str,
    ) -> impl Iterator<Item = (usize, usize, EntityType)> + 't {
        // Leftmost-longest and non-overlapping, as `find_iter` would be, but the automaton only
        // runs (anchored) from bytes a place name can start with instead of over every byte.
        let bytes = text.as_bytes();
        let mut next = 0;
        let matches = (0..bytes.len()).filter_map(move |p| {
            if p < next || !self.place_first[usize::from(bytes[p])] {
                return None;
            }
            let input = Input::new(text).span(p..text.len()).anchored(Anchored::Yes);
            let m = self.places.try_find(input).ok().flatten()?;
            next = m.end();
            Some(m)
        });
        matches.filter_map(move |m| {
            let (s, e) = (m.start(), m.end());
            let before = text[..s].chars().next_back();
            let after = text[e..].chars().next();
            let wordy = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            (!wordy(before) && !wordy(after))
                .then(|| (s, e, self.place_types[m.pattern().as_usize()]))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The anchored scan from possible first bytes finds what a plain leftmost-longest search
    /// over every byte finds.
    #[test]
    fn place_scan_agrees_with_a_full_leftmost_longest_search() {
        let lists = Lists::load().expect("shipped lists load");
        let names: Vec<&str> = lists.place_names.keys().copied().collect();
        let full = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&names)
            .unwrap();
        let text = "Moved from New York to Portland, Oregon; NewYorkClient in Texas. Paris, \
            France and Georgia (the country), São Paulo, Île-de-France, Washington DC, \
            Kansas City, MO 64105; ParisTexas, xParis, Paris_2, Canada!";
        let expected: Vec<(usize, usize)> = full
            .find_iter(text)
            .filter(|m| {
                let wordy = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                !wordy(text[..m.start()].chars().next_back())
                    && !wordy(text[m.end()..].chars().next())
            })
            .map(|m| (m.start(), m.end()))
            .collect();
        let found: Vec<(usize, usize)> = lists.find_places(text).map(|(s, e, _)| (s, e)).collect();
        assert!(expected.len() >= 8, "the sample names places: {expected:?}");
        assert_eq!(found, expected);
    }
}
