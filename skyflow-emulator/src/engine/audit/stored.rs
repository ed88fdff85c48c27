//! How an audit event is stored: its JSON text, written straight from the event (no
//! intermediate `serde_json::Value` tree), and its per-item results kept as runs.
//!
//! The text is what serializing an [`AuditEvent`] whose `context`, `request` and `response`
//! are JSON objects gives: those objects' keys in sorted order, no whitespace. The parts
//! that depend only on the request ([`EventHead`]) are written before a write waits for the
//! writer; the rest ([`EventHead::finish`]) once the write knows its records.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{AuditEvent, PendingEvent, RequestContext};
use crate::engine::error::{EngineError, EngineResult};

/// The per-item results of an operation on many items (batch entries, detokenized tokens),
/// in request order, kept as runs of equal results: a detokenize of 1,000 tokens of one
/// column is one run, not 1,000 entries. Events are stored with these runs (`nestedRuns`)
/// and listed with one `nestedResponse` entry per item, as Skyflow's audit API shows them
/// (see [`expand_nested`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct NestedResults {
    runs: Vec<NestedRun>,
}

/// `count` consecutive items with the same code, message and identifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct NestedRun {
    code: u16,
    message: String,
    identifier: String,
    count: u64,
}

impl NestedResults {
    /// Adds the result of the next item: `(code, message, identifier)`.
    pub(crate) fn push(&mut self, (code, message, identifier): (u16, String, String)) {
        if !self.extends_last(code, &message, &[&identifier]) {
            self.runs.push(NestedRun {
                code,
                message,
                identifier,
                count: 1,
            });
        }
    }

    /// Adds the result of the next item, whose identifier is the concatenation of
    /// `identifier` (nothing is allocated when it repeats the previous item's result).
    pub(crate) fn push_parts(&mut self, code: u16, message: &str, identifier: &[&str]) {
        if !self.extends_last(code, message, identifier) {
            self.runs.push(NestedRun {
                code,
                message: message.to_string(),
                identifier: identifier.concat(),
                count: 1,
            });
        }
    }

    fn extends_last(&mut self, code: u16, message: &str, identifier: &[&str]) -> bool {
        match self.runs.last_mut() {
            Some(last)
                if last.code == code
                    && last.message == message
                    && is_concatenation(&last.identifier, identifier) =>
            {
                last.count += 1;
                true
            }
            _ => false,
        }
    }
}

/// Whether `s` is `parts` joined end to end.
fn is_concatenation(s: &str, parts: &[&str]) -> bool {
    let mut rest = s;
    for part in parts {
        match rest.strip_prefix(part) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

/// The key under which an event's [`NestedResults`] are stored in its `response`.
const NESTED_RUNS: &str = "nestedRuns";

/// Turns a stored event's `nestedRuns` back into one `nestedResponse` entry per item, in
/// order (events stored before runs existed already hold `nestedResponse` and pass as
/// they are).
pub(super) fn expand_nested(response: &mut Value) -> EngineResult<()> {
    let Some(runs) = response.as_object_mut().and_then(|o| o.remove(NESTED_RUNS)) else {
        return Ok(());
    };
    let runs: Vec<NestedRun> = serde_json::from_value(runs)
        .map_err(|_| EngineError::internal("stored audit event is corrupt"))?;
    let mut items = Vec::with_capacity(runs.iter().map(|r| r.count as usize).sum());
    for run in &runs {
        let item = serde_json::json!({"code": run.code, "message": run.message, "identifier": run.identifier});
        items.extend(std::iter::repeat_n(item, run.count as usize));
    }
    response["nestedResponse"] = Value::Array(items);
    Ok(())
}

/// An RFC 3339 time with nanoseconds, in UTC.
pub(super) fn rfc3339(nanos: i64) -> String {
    chrono::DateTime::from_timestamp_nanos(nanos)
        .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// The start of an event's JSON: its change id and its `context`, which depend only on the
/// request.
pub(crate) struct EventHead {
    pub(super) change_id: String,
    json: Vec<u8>,
}

/// Appends `v` as JSON (strings escaped as serde_json escapes them).
fn put<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    // Writing into a Vec cannot fail, and these values always serialize.
    let _ = serde_json::to_writer(&mut *out, v);
}

/// Appends the JSON text `text`, then `v` as JSON.
fn put_after<T: Serialize + ?Sized>(out: &mut Vec<u8>, text: &[u8], v: &T) {
    out.extend_from_slice(text);
    put(out, v);
}

/// Appends each `(key, value)` as `"key":value`, the values given as JSON (so the caller
/// writes them in key order, as a sorted map would).
fn put_str_fields(out: &mut Vec<u8>, fields: &[(&str, &str)]) {
    for (key, value) in fields {
        out.push(b',');
        put(out, *key);
        out.push(b':');
        put(out, *value);
    }
}

impl EventHead {
    /// The head of the event of `ev` for the request `ctx`, with a fresh change id.
    pub(crate) fn new(ctx: &RequestContext, ev: &PendingEvent) -> EventHead {
        let change_id = crate::engine::fpt::uuid();
        let mut out = Vec::with_capacity(1024);
        put_after(&mut out, br#"{"context":{"accessType":"#, &ev.access_type);
        put_after(&mut out, br#","actor":"#, &ctx.actor);
        put_after(&mut out, br#","actorType":"#, &ctx.actor_type);
        put_after(&mut out, br#","authMode":"#, &ctx.auth_mode);
        put_str_fields(
            &mut out,
            &[
                ("bearerTokenContextID", ""),
                ("changeID", &change_id),
                ("ipAddress", ctx.ip_address.as_deref().unwrap_or_default()),
                ("jwtID", ctx.jwt_id.as_deref().unwrap_or_default()),
                ("keyID", ctx.key_id.as_deref().unwrap_or_default()),
                ("origin", ""),
                ("requestID", &ctx.request_id),
                ("sessionID", ""),
                ("traceID", &ctx.request_id),
            ],
        );
        out.push(b'}');
        EventHead {
            change_id,
            json: out,
        }
    }

    /// The whole event as stored, at time `ts` (Unix nanoseconds), with per-item results as
    /// runs (`nestedRuns`, see [`NestedResults`]).
    pub(crate) fn finish(&self, ctx: &RequestContext, ev: &PendingEvent, ts: i64) -> String {
        let t = rfc3339(ts);
        let mut out = Vec::with_capacity(self.json.len() + 1024);
        out.extend_from_slice(&self.json);
        put_after(&mut out, br#","request":{"actionType":"#, ev.action_type);
        put_after(&mut out, br#","apiName":"#, ev.api_name);
        put_after(
            &mut out,
            br#","data":{"content":""},"httpInfo":{"URI":"#,
            &ctx.http_uri,
        );
        put_after(&mut out, br#","method":"#, &ctx.http_method);
        put_after(&mut out, br#"},"resourceType":"#, ev.resource_type);
        put_after(&mut out, br#","tags":"#, ev.table.as_slice());
        put_str_fields(
            &mut out,
            &[
                ("timestamp", &t),
                ("vaultID", &ev.vault_id),
                ("workspaceID", ""),
            ],
        );
        put_after(&mut out, br#"},"response":{"code":"#, &ev.code);
        put_after(
            &mut out,
            br#","data":{"content":""},"message":"#,
            &ev.message,
        );
        if !ev.nested.runs.is_empty() {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(NESTED_RUNS.as_bytes());
            out.extend_from_slice(b"\":[");
            for (i, run) in ev.nested.runs.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                put_after(&mut out, br#"{"code":"#, &run.code);
                put_after(&mut out, br#","count":"#, &run.count);
                put_str_fields(
                    &mut out,
                    &[("identifier", &run.identifier), ("message", &run.message)],
                );
                out.push(b'}');
            }
            out.push(b']');
        }
        put_str_fields(&mut out, &[("timestamp", &t)]);
        out.push(b'}');
        put_str_fields(
            &mut out,
            &[
                ("accountID", ctx.account_id.as_deref().unwrap_or_default()),
                ("parentAccountID", ""),
            ],
        );
        put_after(&mut out, br#","resourceIDs":"#, &ev.resource_ids);
        out.push(b'}');
        // Only JSON text was written: valid UTF-8.
        String::from_utf8(out).unwrap_or_default()
    }
}

/// Parses a stored event (for listing).
pub(super) fn parse(json: &str) -> EngineResult<AuditEvent> {
    let mut e: AuditEvent = serde_json::from_str(json)
        .map_err(|_| EngineError::internal("stored audit event is corrupt"))?;
    expand_nested(&mut e.response)?;
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::super::{AccessType, ActorType, AuthMode};
    use super::*;

    fn listed(nested: &NestedResults) -> Value {
        let mut response = serde_json::json!({"code": 200});
        response[NESTED_RUNS] = serde_json::to_value(&nested.runs).unwrap();
        expand_nested(&mut response).unwrap();
        response["nestedResponse"].clone()
    }

    fn event() -> PendingEvent {
        PendingEvent {
            vault_id: "v".into(),
            api_name: "/v1.TokenService/Detokenize",
            action_type: "READ",
            resource_type: "TOKEN",
            access_type: AccessType::Api,
            code: 200,
            message: String::new(),
            resource_ids: vec![],
            nested: NestedResults::default(),
            table: None,
        }
    }

    #[test]
    fn equal_results_in_a_row_are_one_run_and_list_as_one_entry_each() {
        let mut n = NestedResults::default();
        for _ in 0..1000 {
            n.push_parts(200, "", &["TOKEN/", "persons", ".", "name"]);
        }
        n.push_parts(404, "Token not found", &["TOKEN/"]);
        n.push((200, String::new(), "TOKEN/persons.name".into()));
        n.push_parts(200, "", &["TOKEN/", "persons", ".", "ssn"]);
        assert_eq!(n.runs.len(), 4);
        assert_eq!(n.runs[0].count, 1000);
        let items = listed(&n);
        let items = items.as_array().unwrap();
        assert_eq!(items.len(), 1003);
        assert!(items[..1000].iter().all(|i| *i
            == serde_json::json!({"code": 200, "message": "", "identifier": "TOKEN/persons.name"})));
        assert_eq!(
            items[1000],
            serde_json::json!({"code": 404, "message": "Token not found", "identifier": "TOKEN/"})
        );
        assert_eq!(items[1001]["identifier"], "TOKEN/persons.name");
        assert_eq!(items[1002]["identifier"], "TOKEN/persons.ssn");
    }

    #[test]
    fn an_identifier_is_compared_with_its_parts_joined() {
        assert!(is_concatenation("TOKEN/a.b", &["TOKEN/", "a", ".", "b"]));
        assert!(is_concatenation("", &[]));
        assert!(!is_concatenation("TOKEN/a.b", &["TOKEN/", "a", "."]));
        assert!(!is_concatenation("TOKEN/a.b", &["TOKEN/", "a.", "b", "c"]));
        assert!(!is_concatenation("TOKEN/ab", &["TOKEN/", "a", ".", "b"]));
    }

    #[test]
    fn a_stored_event_keeps_runs_and_old_events_list_unchanged() {
        let mut ev = event();
        for _ in 0..1000 {
            ev.nested
                .push_parts(200, "", &["TOKEN/", "persons", ".", "name"]);
        }
        let ctx = RequestContext::system();
        let text = EventHead::new(&ctx, &ev).finish(&ctx, &ev, 0);
        assert!(text.len() < 2000, "{} bytes", text.len());
        let stored: AuditEvent = serde_json::from_str(&text).unwrap();
        assert!(stored.response.get("nestedResponse").is_none());
        assert_eq!(
            parse(&text).unwrap().response["nestedResponse"][999]["code"],
            200
        );
        // An event written before runs existed lists as it was stored.
        let mut old = serde_json::json!({"code": 200, "nestedResponse": [
            {"code": 200, "message": "", "identifier": "TOKEN/persons.name"}]});
        let before = old.clone();
        expand_nested(&mut old).unwrap();
        assert_eq!(old, before);
    }

    /// The text written straight from the event is the one serializing the event as JSON
    /// objects gives (sorted keys, serde_json's escapes), field for field.
    #[test]
    fn the_stored_text_is_the_events_json_with_sorted_keys() {
        let ctx = RequestContext {
            request_id: "r-1".into(),
            actor: "svc \"quoted\" \\ é\u{1}".into(),
            actor_type: ActorType::ServiceAccount,
            auth_mode: AuthMode::ServiceAccountJwt,
            jwt_id: Some("jti".into()),
            key_id: None,
            ip_address: Some("127.0.0.1".into()),
            http_method: "POST".into(),
            http_uri: "/v1/vaults/v/persons".into(),
            account_id: Some("acc\n".into()),
            default_redaction_only: false,
        };
        let mut ev = event();
        ev.access_type = AccessType::Sql;
        ev.code = 400;
        ev.message = "Invalid \"field\"\t".into();
        ev.table = Some("persons".into());
        ev.resource_ids = vec!["VAULT/v".into(), "RECORD/a\u{7f}".into()];
        ev.nested.push((200, String::new(), "RECORD/x".into()));
        ev.nested.push((404, "not found".into(), "RECORD/y".into()));
        let ts = 1_700_000_000_123_456_789;
        let head = EventHead::new(&ctx, &ev);
        let text = head.finish(&ctx, &ev, ts);
        let t = rfc3339(ts);
        let expected = serde_json::json!({
            "context": {
                "changeID": head.change_id, "requestID": "r-1", "traceID": "r-1",
                "sessionID": "", "actor": ctx.actor, "actorType": "SERVICE_ACCOUNT",
                "accessType": "SQL", "ipAddress": "127.0.0.1", "origin": "",
                "authMode": "SERVICE_ACCOUNT_JWT", "jwtID": "jti", "bearerTokenContextID": "",
                "keyID": "",
            },
            "request": {
                "data": {"content": ""}, "apiName": ev.api_name, "workspaceID": "",
                "vaultID": "v", "tags": ["persons"], "timestamp": t, "actionType": "READ",
                "resourceType": "TOKEN",
                "httpInfo": {"URI": "/v1/vaults/v/persons", "method": "POST"},
            },
            "response": {
                "code": 400, "message": ev.message, "data": {"content": ""}, "timestamp": t,
                "nestedRuns": [
                    {"code": 200, "message": "", "identifier": "RECORD/x", "count": 1},
                    {"code": 404, "message": "not found", "identifier": "RECORD/y", "count": 1},
                ],
            },
            "accountID": "acc\n",
            "parentAccountID": "",
            "resourceIDs": ["VAULT/v", "RECORD/a\u{7f}"],
        });
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), expected);
        let as_event: AuditEvent = serde_json::from_value(expected).unwrap();
        assert_eq!(text, serde_json::to_string(&as_event).unwrap());
        // With none of the optional parts.
        let ctx = RequestContext::system();
        let ev = event();
        let text = EventHead::new(&ctx, &ev).finish(&ctx, &ev, 0);
        let parsed: AuditEvent = serde_json::from_str(&text).unwrap();
        assert_eq!(text, serde_json::to_string(&parsed).unwrap());
        assert_eq!(parsed.request["tags"], serde_json::json!([]));
        assert_eq!(parsed.context["jwtID"], "");
        assert!(parsed.response.get(NESTED_RUNS).is_none());
    }
}
