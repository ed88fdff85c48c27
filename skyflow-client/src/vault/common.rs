//! Helpers shared by the vault operations: path building, common validation checks and
//! response decoding.

use serde_json::{Map, Value};

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::http::HttpResponse;
pub(crate) use crate::http::{decode_error, json_body};
use crate::{Error, Result};

/// Reads the `records` list of an answer shaped `{"records": [...]}` (get, query,
/// tokenize, detokenize, insert's batch bodies), each record as `R`.
pub(crate) fn records_of<R: DeserializeOwned>(
    op: &'static str,
    resp: &HttpResponse,
) -> Result<Vec<R>> {
    #[derive(Deserialize)]
    #[serde(bound = "R: DeserializeOwned")]
    struct Records<R> {
        records: Vec<R>,
    }
    Ok(json_body::<Records<R>>(op, resp)?.records)
}

/// Percent-encodes one path segment: everything except the RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) is escaped, so `/`, `?`, `#`, `%` and spaces in a table name or
/// id can never change the path.
pub(crate) fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(hex_digit(byte >> 4));
            out.push(hex_digit(byte & 0x0f));
        }
    }
    out
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789ABCDEF"[usize::from(nibble)])
}

/// Builds `/{version}/vaults/{vault_id}/{segments…}` with every segment encoded.
pub(crate) fn vault_path(version: &str, vault_id: &str, segments: &[&str]) -> Result<String> {
    if vault_id.trim().is_empty() {
        return Err(Error::config("vault_id", "must not be blank"));
    }
    let mut path = format!("/{version}/vaults/{}", encode_segment(vault_id));
    for segment in segments {
        path.push('/');
        path.push_str(&encode_segment(segment));
    }
    Ok(path)
}

/// Checks a value that becomes a path segment (table, column, skyflow id): not blank and
/// not a dot segment, which URL normalisation would swallow.
pub(crate) fn check_segment(op: &'static str, field: &str, value: &str) -> Result<()> {
    check_not_blank(op, field, value)?;
    if value == "." || value == ".." {
        return Err(Error::validation(op, field, "must not be `.` or `..`"));
    }
    Ok(())
}

/// Checks that a string is not empty or whitespace only.
pub(crate) fn check_not_blank(op: &'static str, field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::validation(op, field, "must not be blank"));
    }
    Ok(())
}

/// Checks one record of values: a non-empty JSON object whose column names are not blank.
pub(crate) fn check_record<'a>(
    op: &'static str,
    field: &str,
    record: &'a Value,
) -> Result<&'a Map<String, Value>> {
    let Value::Object(map) = record else {
        return Err(Error::validation(
            op,
            field,
            format!(
                "must be a JSON object of column to value, not {}",
                kind_of(record)
            ),
        ));
    };
    if map.is_empty() {
        return Err(Error::validation(op, field, "must not be an empty object"));
    }
    if map.keys().any(|k| k.trim().is_empty()) {
        return Err(Error::validation(op, field, "contains a blank column name"));
    }
    Ok(map)
}

/// Checks a tokens map against the record it belongs to, for bring-your-own-token modes.
///
/// Every token must be a non-empty string naming a column of the record; in strict mode
/// the token columns must be exactly the record's columns.
pub(crate) fn check_tokens(
    op: &'static str,
    field: &str,
    tokens: &Map<String, Value>,
    record: &Map<String, Value>,
    strict: bool,
) -> Result<()> {
    for (column, token) in tokens {
        match token {
            Value::String(s) if !s.trim().is_empty() => {}
            _ => {
                return Err(Error::validation(
                    op,
                    format!("{field}.{column}"),
                    "must be a non-empty string token",
                ));
            }
        }
        if !record.contains_key(column) {
            return Err(Error::validation(
                op,
                format!("{field}.{column}"),
                "names a column that has no value in the record",
            ));
        }
    }
    if strict && let Some(missing) = record.keys().find(|c| !tokens.contains_key(*c)) {
        return Err(Error::validation(
            op,
            field,
            format!(
                "token_mode ENABLE_STRICT needs a token for every column; `{missing}` has none"
            ),
        ));
    }
    Ok(())
}

pub(crate) use crate::http::json_kind as kind_of;

/// Deserializes an optional JSON object, treating `null` and absence as empty.
pub(crate) fn object_or_empty<'de, D>(de: D) -> std::result::Result<Map<String, Value>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize;
    Ok(Option::<Map<String, Value>>::deserialize(de)?.unwrap_or_default())
}

/// The message of a per-record error: `error` as a string, or `error.message`. `None` when
/// there is no (non-empty) error.
pub(crate) fn error_message(body: &Value) -> Option<String> {
    match body.get("error")? {
        Value::String(message) if !message.is_empty() => Some(message.clone()),
        Value::Object(error) => Some(
            error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("the vault gave no error message")
                .to_owned(),
        ),
        _ => None,
    }
}
