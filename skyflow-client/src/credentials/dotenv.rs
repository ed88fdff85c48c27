//! Reading one variable from a `.env` file, as the official SDKs do before they read
//! `SKYFLOW_CREDENTIALS` (wire protocol §2.2).
//!
//! The nearest `.env` file, searching upward from a start directory, is read; the process
//! environment is never changed (that would need `unsafe`), the value is returned instead.
//!
//! Format: one `KEY=value` per line, optionally prefixed with `export `; blank lines and
//! lines starting with `#` are ignored. A value in single quotes is taken literally (only
//! `\'` and `\\` are unescaped); a value in double quotes has `\n`, `\r`, `\t`, `\"` and `\\`
//! unescaped; both may span lines. An unquoted value ends at ` #` (a comment) and is
//! trimmed. When a key repeats, the last line wins.

use std::path::Path;

/// The value of `key` in the nearest `.env` file at or above `start`, if that file sets it.
/// Only the nearest file is read, like `python-dotenv`'s `find_dotenv`.
pub(crate) fn lookup(start: &Path, key: &str) -> Option<String> {
    let file = start
        .ancestors()
        .map(|dir| dir.join(".env"))
        .find(|candidate| candidate.is_file())?;
    let text = std::fs::read_to_string(file).ok()?;
    parse(&text)
        .into_iter()
        .rev()
        .find_map(|(k, v)| (k == key).then_some(v))
}

/// The `KEY=value` pairs of a `.env` file, in order.
pub(crate) fn parse(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export")
            .filter(|rest| rest.starts_with([' ', '\t']))
            .map_or(line, str::trim_start);
        let Some((key, rest)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() {
            continue;
        }
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(quote @ ('\'' | '"')) => {
                let mut body = rest[1..].to_owned();
                loop {
                    if let Some(end) = closing_quote(&body, quote) {
                        body.truncate(end);
                        break;
                    }
                    match lines.next() {
                        Some(next) => {
                            body.push('\n');
                            body.push_str(next);
                        }
                        // No closing quote: take what there is.
                        None => break,
                    }
                }
                unescape(&body, quote)
            }
            _ => {
                let end = rest.find(" #").or_else(|| rest.find("\t#"));
                rest[..end.unwrap_or(rest.len())].trim().to_owned()
            }
        };
        pairs.push((key.to_owned(), value));
    }
    pairs
}

/// Byte index of the unescaped `quote` that closes a quoted value.
fn closing_quote(body: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return Some(i);
        }
    }
    None
}

fn unescape(body: &str, quote: char) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(next) = chars.next() else {
            out.push('\\');
            break;
        };
        let replaced = match (quote, next) {
            (_, '\\') => Some('\\'),
            (q, n) if n == q => Some(q),
            ('"', 'n') => Some('\n'),
            ('"', 'r') => Some('\r'),
            ('"', 't') => Some('\t'),
            _ => None,
        };
        match replaced {
            Some(r) => out.push(r),
            None => {
                out.push('\\');
                out.push(next);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str, key: &str) -> Option<String> {
        parse(text)
            .into_iter()
            .rev()
            .find_map(|(k, v)| (k == key).then_some(v))
    }

    #[test]
    fn plain_quoted_exported_and_commented_lines() {
        let text = "# a comment\n\
                    \n\
                    PLAIN = some value # trailing comment\n\
                    export EXPORTED=yes\n\
                    SINGLE='a \"literal\" \\n here'\n\
                    DOUBLE=\"line1\\nline2 \\\"quoted\\\" \\\\ end\"\n\
                    EMPTY=\n\
                    REPEATED=first\n\
                    REPEATED=second\n\
                    not a pair\n\
                    exporter=kept\n";
        assert_eq!(value(text, "PLAIN").as_deref(), Some("some value"));
        assert_eq!(value(text, "EXPORTED").as_deref(), Some("yes"));
        assert_eq!(
            value(text, "SINGLE").as_deref(),
            Some("a \"literal\" \\n here")
        );
        assert_eq!(
            value(text, "DOUBLE").as_deref(),
            Some("line1\nline2 \"quoted\" \\ end")
        );
        assert_eq!(value(text, "EMPTY").as_deref(), Some(""));
        assert_eq!(value(text, "REPEATED").as_deref(), Some("second"));
        assert_eq!(value(text, "exporter").as_deref(), Some("kept"));
        assert_eq!(value(text, "MISSING"), None);
    }

    #[test]
    fn quoted_values_may_span_lines() {
        let text = "KEY='{\n  \"a\": 1\n}'\nNEXT=2\n";
        assert_eq!(value(text, "KEY").as_deref(), Some("{\n  \"a\": 1\n}"));
        assert_eq!(value(text, "NEXT").as_deref(), Some("2"));
    }

    #[test]
    fn the_nearest_env_file_upward_is_used() {
        let root = tempfile::tempdir().unwrap();
        let inner = root.path().join("a").join("b");
        std::fs::create_dir_all(&inner).unwrap();
        std::fs::write(root.path().join(".env"), "GREETING=from-root\n").unwrap();
        assert_eq!(lookup(&inner, "GREETING").as_deref(), Some("from-root"));
        // A nearer file hides the farther one, even without the key.
        std::fs::write(root.path().join("a").join(".env"), "OTHER=x\n").unwrap();
        assert_eq!(lookup(&inner, "GREETING"), None);
        assert_eq!(lookup(&inner, "OTHER").as_deref(), Some("x"));
        // A directory named `.env` is not a file.
        std::fs::create_dir(inner.join(".env")).unwrap();
        assert_eq!(lookup(&inner, "OTHER").as_deref(), Some("x"));
    }
}
