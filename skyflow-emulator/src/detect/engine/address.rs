//! Street addresses by a grammar: building number, optional direction, street name, USPS suffix,
//! optional unit; then, when they follow, city, state (code or name) and ZIP. The whole span is a
//! `location_address`; its street, city, state and ZIP are its parts.

use regex::Regex;

use super::EntityType;
use super::lists::Lists;
use super::recognizer::{Candidate, bounded};

const SUFFIXES: &str = "Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Terrace|Ter|Way|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Loop|Alley|Aly|Plaza|Plz|Path|Pike|Row|Crescent|Cres|Close|Run|Point|Pt|Crossing|Xing|Landing|Commons|Cove|Ridge|Heights|Hts|Hill|Hollow|Park|Pass|Glen|Grove|Walk|Expressway|Expy|Freeway|Fwy|Turnpike|Tpke|Causeway|Center|Ctr|Junction|Jct|Mews|Gardens|Gdns|Green|Meadow|Meadows|Estates|Bend|Bluff|Creek|Fork|Harbor|Isle|Knoll|Manor|Mill|Orchard|Rise|Spur|Summit|View|Villa|Vista";

pub(crate) struct Addresses {
    street: Regex,
    po_box: Regex,
    tail: Regex,
}

impl Addresses {
    pub(crate) fn new(lists: &Lists) -> Result<Addresses, String> {
        let street = format!(
            r"\d{{1,6}}[A-Za-z]?(?:-\d{{1,4}})? (?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.? )?(?:(?:[A-Z][a-z]+|[A-Z][a-z]*'[A-Za-z]+|\d{{1,3}}(?:st|nd|rd|th)|[A-Z]\.?) ){{1,4}}(?:{SUFFIXES})\b\.?(?: (?:N|S|E|W|NE|NW|SE|SW)\b\.?)?(?:,? (?:Apt|Apartment|Suite|Ste|Unit|Fl|Floor|Rm|Room|Bldg|Building|#)\.? ?#?[A-Za-z0-9-]{{1,6}})?"
        );
        let mut states = lists.state_spellings();
        states.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let states = states
            .iter()
            .map(|s| regex::escape(s))
            .collect::<Vec<_>>()
            .join("|");
        let tail = format!(
            r"^,? (?P<city>[A-Z][a-z]+(?:[ -](?:[A-Z][a-z]+|de|la|del))*),? (?P<state>{states})\b(?:,? (?P<zip>\d{{5}}(?:-\d{{4}})?))?"
        );
        let compile = |s: &str| Regex::new(s).map_err(|e| format!("address grammar: {e}"));
        Ok(Addresses {
            street: compile(&format!("(?-u:{street})"))?,
            po_box: compile(r"(?i:P\.? ?O\.? Box|Post Office Box) \d{1,6}")?,
            tail: compile(&tail)?,
        })
    }

    pub(crate) fn run(&self, lists: &Lists, text: &str, out: &mut Vec<Candidate>) {
        let streets = self
            .street
            .find_iter(text)
            .map(|m| (m.start(), m.end(), true));
        let boxes = self
            .po_box
            .find_iter(text)
            .map(|m| (m.start(), m.end(), false));
        for (start, street_end, is_street) in streets.chain(boxes) {
            if !bounded(text, start, street_end) {
                continue;
            }
            let mut parts = vec![(EntityType::LocationAddressStreet, start, street_end)];
            let mut end = street_end;
            if let Some(c) = self.tail.captures(&text[street_end..]) {
                let (city, state) = (c.name("city"), c.name("state"));
                if let (Some(city), Some(state)) = (city, state) {
                    let st = state.as_str();
                    if lists.is_state_code(st) || lists.is_state_name(st) {
                        let at =
                            |m: regex::Match<'_>| (street_end + m.start(), street_end + m.end());
                        let (cs, ce) = at(city);
                        let (ss, se) = at(state);
                        parts.push((EntityType::LocationCity, cs, ce));
                        parts.push((EntityType::LocationState, ss, se));
                        end = se;
                        if let Some(zip) = c.name("zip") {
                            let (zs, ze) = at(zip);
                            parts.push((EntityType::LocationZip, zs, ze));
                            end = ze;
                        }
                    }
                }
            }
            if end == street_end {
                // A ZIP right after the street ("12 Elm St 02139").
                let rest = &text[street_end..];
                let digits = rest
                    .strip_prefix(", ")
                    .or_else(|| rest.strip_prefix(' '))
                    .filter(|r| r.len() >= 5 && r.as_bytes()[..5].iter().all(u8::is_ascii_digit));
                if let Some(r) = digits {
                    let zs = text.len() - r.len();
                    if bounded(text, zs, zs + 5) {
                        parts.push((EntityType::LocationZip, zs, zs + 5));
                        end = zs + 5;
                    }
                }
            }
            let score = if is_street {
                if end > street_end { 0.95 } else { 0.75 }
            } else {
                0.6
            };
            out.push(Candidate {
                entity: EntityType::LocationAddress,
                start,
                end,
                score,
                parts,
            });
        }
    }
}
