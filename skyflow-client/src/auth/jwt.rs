//! Reading JWT payloads without verifying them: for expiry checks only.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Seconds since the Unix epoch, now.
pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The JSON payload of a compact JWT, decoded without checking the signature.
///
/// Returns `None` for anything that is not three dot-separated base64url parts with a JSON
/// object in the middle.
pub(crate) fn payload(token: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let mut parts = token.split('.');
    let (_header, body, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || body.is_empty() {
        return None;
    }
    // Some issuers pad their base64url; tolerate it.
    let bytes = URL_SAFE_NO_PAD.decode(body.trim_end_matches('=')).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

/// The numeric `exp` claim (seconds since the epoch) of a JWT, if it has one.
pub(crate) fn expiry(token: &str) -> Option<i64> {
    let exp = payload(token)?.remove("exp")?;
    match exp {
        serde_json::Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        _ => None,
    }
}

/// `true` unless `token` is a JWT whose `exp` lies in the future.
pub(crate) fn is_expired_at(token: &str, now: i64) -> bool {
    match expiry(token) {
        Some(exp) => now >= exp,
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(payload.as_bytes())
        )
    }

    #[test]
    fn reads_exp() {
        assert_eq!(expiry(&jwt(r#"{"exp":1700000000}"#)), Some(1_700_000_000));
        assert_eq!(expiry(&jwt(r#"{"exp":1700000000.5}"#)), Some(1_700_000_000));
        assert_eq!(expiry(&jwt(r#"{"exp":"soon"}"#)), None);
        assert_eq!(expiry(&jwt(r#"{"sub":"x"}"#)), None);
        assert_eq!(expiry("not-a-jwt"), None);
        assert_eq!(expiry("a.b.c.d"), None);
        assert_eq!(expiry(""), None);
    }

    #[test]
    fn expiry_has_no_leeway() {
        let token = jwt(r#"{"exp":100}"#);
        assert!(!is_expired_at(&token, 99));
        assert!(is_expired_at(&token, 100));
        assert!(is_expired_at("opaque", 0));
    }
}
