//! Redaction of values on their way out: PLAIN_TEXT, MASKED, REDACTED, DEFAULT.

use serde_json::Value;

use super::schema::{Column, DlpPolicy};
use super::types::Redaction;

/// What a REDACTED value looks like on the wire (Skyflow's examples).
pub const REDACTED_TEXT: &str = "*REDACTED*";

/// The redaction actually applied to `column` when `requested` is asked for.
///
/// `capped` is set for callers whose roles only allow the column's default redaction (Vault
/// Editor and Vault Viewer, vault-semantics §1.16): they get the stricter of what they asked
/// for and the column's `default_dlp_policy`, so asking for PLAIN_TEXT or MASKED never shows
/// more than DEFAULT would. Capping silently rather than answering 403 is our inference (§1.6
/// lists both as possible).
pub(crate) fn effective(column: &Column, requested: Redaction, capped: bool) -> DlpPolicy {
    if column.is_skyflow_id() {
        return DlpPolicy::PlainText;
    }
    let asked = match requested {
        Redaction::PlainText => DlpPolicy::PlainText,
        Redaction::Masked => DlpPolicy::Mask,
        Redaction::Redacted => DlpPolicy::Redact,
        Redaction::Default => column.spec.dlp_policy,
    };
    if capped && strictness(column.spec.dlp_policy) > strictness(asked) {
        column.spec.dlp_policy
    } else {
        asked
    }
}

fn strictness(p: DlpPolicy) -> u8 {
    match p {
        DlpPolicy::PlainText => 0,
        DlpPolicy::Mask => 1,
        DlpPolicy::Redact => 2,
    }
}

/// Masks `value` with the column's `find_pattern`/`replace_pattern`.
///
/// Fallbacks (inferred), since Skyflow documents none: without patterns, or when the find
/// pattern does not match, every character but the last four becomes `X` (all of them for
/// values of four characters or fewer), so a mask never returns the plain value.
///
/// ```
/// use skyflow_emulator::engine::{mask_value, VaultSchema};
/// let s = VaultSchema::quickstart();
/// let ssn = s.table("persons").unwrap().column("ssn").unwrap();
/// assert_eq!(mask_value(ssn, "123-45-6789"), "XXX-XX-6789");
/// let name = s.table("persons").unwrap().column("name").unwrap();
/// assert_eq!(mask_value(name, "Jonathan"), "XXXXthan");
/// ```
pub fn mask_value(column: &Column, value: &str) -> String {
    if let (Some(find), Some(replace)) = (&column.find_pattern, &column.spec.replace_pattern)
        && find.is_match(value)
    {
        let out = find.replace(value, replace.as_str()).into_owned();
        if out != value || value.is_empty() {
            return out;
        }
    }
    fallback_mask(value)
}

fn fallback_mask(value: &str) -> String {
    let n = value.chars().count();
    let keep = if n > 4 { 4 } else { 0 };
    value
        .chars()
        .enumerate()
        .map(|(i, c)| if i < n - keep { 'X' } else { c })
        .collect()
}

/// Applies `policy` to a JSON value (null stays null).
pub(crate) fn apply_policy(column: &Column, policy: DlpPolicy, value: &Value) -> Value {
    if value.is_null() {
        return Value::Null;
    }
    match policy {
        DlpPolicy::PlainText => value.clone(),
        DlpPolicy::Redact => Value::String(REDACTED_TEXT.into()),
        DlpPolicy::Mask => {
            let s = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Value::String(mask_value(column, &s))
        }
    }
}

/// Applies the requested redaction to a value of `column` (capped: see [`effective`]).
pub(crate) fn apply(column: &Column, requested: Redaction, capped: bool, value: &Value) -> Value {
    apply_policy(column, effective(column, requested, capped), value)
}

/// [`apply`] to a value the caller no longer needs: a plain-text value is returned as it is,
/// not copied.
pub(crate) fn apply_owned(
    column: &Column,
    requested: Redaction,
    capped: bool,
    value: Value,
) -> Value {
    match effective(column, requested, capped) {
        DlpPolicy::PlainText => value,
        policy => apply_policy(column, policy, &value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::schema::VaultSchema;
    use serde_json::json;

    #[test]
    fn quickstart_masks() {
        let s = VaultSchema::default_schema();
        let p = s.table("persons").unwrap();
        let cc = s.table("credit_cards").unwrap();
        let t1 = s.table("table1").unwrap();
        let card = cc.column("card_number").unwrap();
        assert_eq!(
            apply(card, Redaction::Default, false, &json!("4111111111111111")),
            json!("XXXXXXXXXXXX1111")
        );
        assert_eq!(
            apply(
                card,
                Redaction::PlainText,
                false,
                &json!("4111111111111111")
            ),
            json!("4111111111111111")
        );
        assert_eq!(
            apply(card, Redaction::Redacted, false, &json!("4111111111111111")),
            json!("*REDACTED*")
        );
        let email = p.column("email_address").unwrap();
        assert_eq!(
            apply(email, Redaction::Masked, false, &json!("jones@gmail.com")),
            json!("j******s@gmail.com")
        );
        assert_eq!(
            apply(email, Redaction::Default, false, &json!("jones@gmail.com")),
            json!("*REDACTED*")
        );
        let dob = p.column("date_of_birth").unwrap();
        assert_eq!(
            apply(dob, Redaction::Default, false, &json!("1990-05-17")),
            json!("XXXX-05-17")
        );
        let name = t1.column("name").unwrap();
        assert_eq!(
            apply(name, Redaction::Default, false, &json!("Brook")),
            json!("B***ok")
        );
        let id = p.column("skyflow_id").unwrap();
        assert_eq!(
            apply(id, Redaction::Redacted, false, &json!("abc")),
            json!("abc")
        );
        assert_eq!(
            apply(card, Redaction::Default, false, &Value::Null),
            Value::Null
        );
        let age = t1.column("age").unwrap();
        assert_eq!(apply(age, Redaction::Default, false, &json!(42)), json!(42));
        assert_eq!(
            apply(age, Redaction::Masked, false, &json!(42)),
            json!("XX")
        );
        // Capped callers never see more than the column's default.
        assert_eq!(
            apply(card, Redaction::PlainText, true, &json!("4111111111111111")),
            json!("XXXXXXXXXXXX1111")
        );
        assert_eq!(
            apply(card, Redaction::Redacted, true, &json!("4111111111111111")),
            json!("*REDACTED*")
        );
        assert_eq!(
            apply(email, Redaction::Masked, true, &json!("jones@gmail.com")),
            json!("*REDACTED*")
        );
        assert_eq!(
            apply(age, Redaction::PlainText, true, &json!(42)),
            json!(42)
        );
        assert_eq!(
            apply(id, Redaction::PlainText, true, &json!("abc")),
            json!("abc")
        );
    }

    #[test]
    fn mask_never_returns_plain_when_pattern_misses() {
        let s = VaultSchema::quickstart();
        let email = s.table("persons").unwrap().column("email_address").unwrap();
        assert_eq!(mask_value(email, "no-at-sign"), "XXXXXXsign");
        assert_eq!(mask_value(email, "abc"), "XXX");
    }
}
