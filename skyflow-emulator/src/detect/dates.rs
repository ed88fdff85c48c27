//! Date shifting: a date is parsed in one of the common textual formats and rendered back
//! in the same format, moved by a number of days.

use chrono::{Duration, NaiveDate};

/// Formats tried, in order; the first that parses the text *and* renders it back
/// unchanged wins, so the shifted date keeps the original's format exactly.
const FORMATS: &[&str] = &[
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%-m/%-d/%Y",
    "%m-%d-%Y",
    "%d.%m.%Y",
    "%-d.%-m.%Y",
    "%B %d, %Y",
    "%B %-d, %Y",
    "%b %d, %Y",
    "%b %-d, %Y",
    "%d %B %Y",
    "%-d %B %Y",
    "%d %b %Y",
    "%-d %b %Y",
    "%Y%m%d",
];

/// `text` moved by `days`, in the same format; `None` when it is not a date this
/// recognises (the entity is then tokenized instead).
pub(crate) fn shift_date(text: &str, days: i64) -> Option<String> {
    let trimmed = text.trim();
    for format in FORMATS {
        let Ok(date) = NaiveDate::parse_from_str(trimmed, format) else {
            continue;
        };
        if date.format(format).to_string() != trimmed {
            continue;
        }
        let shifted = date.checked_add_signed(Duration::days(days))?;
        let rendered = shifted.format(format).to_string();
        // Keep surrounding whitespace the span had.
        let start = text.len() - text.trim_start().len();
        let end = text.trim_end().len();
        return Some(format!("{}{rendered}{}", &text[..start], &text[end..]));
    }
    None
}

/// The date `text` denotes, for tests.
#[cfg(test)]
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    FORMATS
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text.trim(), f).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_keep_the_format() {
        assert_eq!(shift_date("2024-02-28", 2).as_deref(), Some("2024-03-01"));
        assert_eq!(shift_date("03/15/1990", -15).as_deref(), Some("02/28/1990"));
        assert_eq!(shift_date("3/5/1990", 1).as_deref(), Some("3/6/1990"));
        assert_eq!(
            shift_date("January 5, 2020", 30).as_deref(),
            Some("February 4, 2020")
        );
        assert_eq!(shift_date("last Tuesday", 3), None);
        assert_eq!(
            parse_date("2020-01-01"),
            NaiveDate::from_ymd_opt(2020, 1, 1)
        );
    }
}
