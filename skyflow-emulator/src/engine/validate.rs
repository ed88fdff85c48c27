//! Validation: values against their column (datatype, formats, regexes, predefined values,
//! unique-string length), bring-your-own-token rules, and request rules shared by the APIs.

use serde_json::Value;

use super::error::{EngineError, EngineResult};
use super::schema::{Column, DataType, Table};
use super::types::*;
use super::vault::Vault;

/// The canonical text of a value: strings as they are, anything else as JSON.
pub(crate) fn canon(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// [`canon`] without a copy when the value is a string (the common case).
pub(crate) fn canon_ref(v: &Value) -> std::borrow::Cow<'_, str> {
    match v {
        Value::String(s) => std::borrow::Cow::Borrowed(s),
        other => std::borrow::Cow::Owned(other.to_string()),
    }
}

/// [`canon`] of a value the caller no longer needs (a string is moved, not copied).
pub(crate) fn into_canon(v: Value) -> String {
    match v {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// Checks a date, datetime or time value against ISO 8601 (an empty string means no value);
/// returns what the value must be when it does not match.
///
/// - `DT_DATE`: `YYYY-MM-DD`;
/// - `DT_TIME`: `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`;
/// - `DT_DATETIME`: RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`), or the same without an
///   offset, with `T` or a space between date and time.
fn temporal_format_error(datatype: DataType, s: &str) -> Option<&'static str> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
    if s.is_empty() {
        return None;
    }
    match datatype {
        DataType::Date => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .is_err()
            .then_some("must be a date in the ISO 8601 format YYYY-MM-DD"),
        DataType::Time => ["%H:%M:%S%.f", "%H:%M"]
            .iter()
            .all(|f| NaiveTime::parse_from_str(s, f).is_err())
            .then_some("must be a time in the ISO 8601 format HH:MM:SS"),
        DataType::Datetime => (DateTime::parse_from_rfc3339(s).is_err()
            && ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
                .iter()
                .all(|f| NaiveDateTime::parse_from_str(s, f).is_err()))
        .then_some("must be a date and time in the ISO 8601 format YYYY-MM-DDTHH:MM:SS[Z|±HH:MM]"),
        _ => None,
    }
}

pub(crate) fn invalid_field(name: &str) -> EngineError {
    EngineError::invalid(format!("Invalid field present in JSON {name}"))
}

impl Vault {
    /// Checks and normalizes a value for `col`; `None` for null.
    pub(crate) fn normalize(
        &self,
        table: &Table,
        col: &Column,
        v: &Value,
        at: &str,
    ) -> EngineResult<Option<Value>> {
        if v.is_null() {
            return Ok(None);
        }
        let bad = |what: &str| {
            EngineError::invalid(format!("{at}Value for column {} {what}", col.spec.name))
        };
        if col.spec.datatype == DataType::File {
            return Err(EngineError::invalid(format!(
                "{at}Column {} holds files; upload files through the file upload endpoint",
                col.spec.name
            )));
        }
        if col.spec.is_array {
            if !v.is_array() {
                return Err(bad("must be an array"));
            }
            return Ok(Some(v.clone()));
        }
        let out = match col.spec.datatype {
            DataType::Int32 => match v {
                Value::Number(n) if n.is_i64() || n.is_u64() => v.clone(),
                Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
                    Value::from(n.as_f64().unwrap_or(0.0) as i64)
                }
                Value::String(s) => s
                    .trim()
                    .parse::<i64>()
                    .map(Value::from)
                    .map_err(|_| bad("must be an integer"))?,
                _ => return Err(bad("must be an integer")),
            },
            DataType::Float32 => {
                let number = match v {
                    Value::Number(n) => n.as_f64(),
                    Value::String(s) => s.trim().parse::<f64>().ok(),
                    _ => None,
                };
                number
                    .and_then(canonical_number)
                    .ok_or_else(|| bad("must be a number"))?
            }
            DataType::Bool => match v {
                Value::Bool(_) => v.clone(),
                Value::String(s) if s == "true" || s == "false" => Value::Bool(s == "true"),
                _ => return Err(bad("must be a boolean")),
            },
            DataType::Json => v.clone(),
            DataType::String
            | DataType::Date
            | DataType::Datetime
            | DataType::Time
            | DataType::File => match v {
                Value::String(_) => v.clone(),
                Value::Number(_) | Value::Bool(_) => Value::String(v.to_string()),
                _ => return Err(bad("must be a string")),
            },
        };
        if let Value::String(s) = &out {
            if let Some(format) = temporal_format_error(col.spec.datatype, s) {
                return Err(bad(format));
            }
            if col.validations.iter().any(|re| !re.is_match(s)) {
                return Err(bad(
                    "does not match the column's validation regular expression",
                ));
            }
            if !col.spec.predefined_values.is_empty()
                && !col.spec.predefined_values.iter().any(|p| p == s)
            {
                return Err(bad("is not one of the column's predefined values"));
            }
            if col.is_unique()
                && s.chars().count() > self.inner.config.limits.max_unique_string_chars
            {
                return Err(bad(&format!(
                    "exceeds {} characters, the maximum for a unique column (token insertion error)",
                    self.inner.config.limits.max_unique_string_chars
                )));
            }
        }
        let _ = table;
        Ok(Some(out))
    }

    /// Checks BYOT rules for one record; returns the tokens to use.
    pub(crate) fn byot_tokens<'r>(
        &self,
        rec: &'r RecordInput,
        byot: ByotMode,
        at: &str,
    ) -> EngineResult<Option<&'r FieldMap>> {
        let tokens = rec.tokens.as_ref().filter(|t| !t.is_empty());
        match byot {
            ByotMode::Disable => {
                if tokens.is_some() {
                    return Err(EngineError::invalid(format!(
                        "{at}Tokens are not allowed when byot is DISABLE. Set byot to ENABLE or ENABLE_STRICT to pass tokens."
                    )));
                }
            }
            ByotMode::Enable | ByotMode::EnableStrict => {
                if let Some(t) = tokens {
                    for k in t.keys() {
                        if !rec.fields.contains_key(k) {
                            return Err(EngineError::invalid(format!(
                                "{at}Token for column {k} has no matching field; the keys of tokens must match the keys of fields"
                            )));
                        }
                    }
                }
                if byot == ByotMode::EnableStrict {
                    let t = tokens.ok_or_else(|| {
                        EngineError::invalid(format!("{at}byot is ENABLE_STRICT: every field needs a token, but none was given"))
                    })?;
                    if let Some(k) = rec.fields.keys().find(|k| !t.contains_key(*k)) {
                        return Err(EngineError::invalid(format!(
                            "{at}byot is ENABLE_STRICT: field {k} has no token"
                        )));
                    }
                }
            }
        }
        if let Some(t) = tokens
            && let Some((k, _)) = t.iter().find(|(_, v)| !v.is_string())
        {
            return Err(EngineError::invalid(format!(
                "{at}Token for column {k} must be a string"
            )));
        }
        Ok(tokens)
    }

    pub(crate) fn check_fields(
        &self,
        table: &Table,
        fields: &[String],
        tokenization: bool,
    ) -> EngineResult<()> {
        for f in fields {
            let col = table.column(f).ok_or_else(|| invalid_field(f))?;
            if tokenization && col.spec.token_policy.is_none() && !col.is_skyflow_id() {
                return Err(EngineError::invalid(format!(
                    "Invalid request. Column {f} is not tokenized; with tokenization=true, fields may only name tokenized columns."
                )));
            }
        }
        Ok(())
    }

    /// Checks the rules of a bulk get; returns its `(limit, offset)`.
    pub(crate) fn check_get(&self, t: &Table, req: &GetRequest) -> EngineResult<(usize, usize)> {
        let limits = &self.inner.config.limits;
        limits.check_records(req.skyflow_ids.len().max(req.column_values.len()), "ids")?;
        let tokenization = req.tokenization.unwrap_or(false);
        if !req.skyflow_ids.is_empty()
            && (req.column_name.is_some() || !req.column_values.is_empty())
        {
            return Err(EngineError::invalid(
                "Invalid request. skyflow_ids and column_name/column_values can't be used together.",
            ));
        }
        if !req.column_values.is_empty() && req.column_name.is_none() {
            return Err(EngineError::invalid(
                "Invalid request. column_name is required with column_values.",
            ));
        }
        if req.column_name.is_some() && req.column_values.is_empty() {
            return Err(EngineError::invalid(
                "Invalid request. column_values is required with column_name.",
            ));
        }
        if tokenization && req.skyflow_ids.is_empty() {
            return Err(EngineError::invalid(
                "Invalid request. tokenization=true is only supported with skyflow_ids.",
            ));
        }
        if tokenization && req.redaction.is_some_and(|r| r != Redaction::Default) {
            return Err(EngineError::invalid(
                "Invalid request. redaction can't be used with tokenization=true.",
            ));
        }
        self.check_fields(t, &req.fields, tokenization)?;
        let limit = match req.limit {
            None => limits.max_rows,
            Some(l) if l < 1 || l as usize > limits.max_rows => {
                return Err(EngineError::invalid(format!(
                    "Invalid limit {l}: it must be between 1 and {}.",
                    limits.max_rows
                )));
            }
            Some(l) => l as usize,
        };
        let offset = match req.offset {
            None => 0,
            Some(o) if o < 0 => {
                return Err(EngineError::invalid(format!(
                    "Invalid offset {o}: it must not be negative."
                )));
            }
            Some(o) => o as usize,
        };
        Ok((limit, offset))
    }
}

/// The one JSON form of a number in a float column, so that one number is one value
/// (deterministic tokens and unique values are matched on the stored form): a whole number
/// within the range a float holds exactly is an integer (`2`, whether written `2`, `2.0` or
/// `"2"`), any other a float. `None` for infinities and NaN, which JSON cannot hold.
fn canonical_number(f: f64) -> Option<Value> {
    /// 2^53: every whole number below it is exact in a float.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if f.fract() == 0.0 && f.abs() < EXACT {
        // In range and whole: the conversion is exact.
        return Some(Value::from(f as i64));
    }
    serde_json::Number::from_f64(f).map(Value::Number)
}
