//! Turning response bodies into values or into [`Error`]s.
//!
//! [`error_from_response`] reads any non-success answer: Skyflow's error envelope
//! (`{"error":{"grpc_code","http_code","http_status","message","details"}}`), the batch shape
//! (`{"responses":[{"Status":400,"Body":{"error":"…"}}]}`), `error` as a plain string, and
//! bodies that are not JSON at all or empty. It never panics and always keeps the HTTP status
//! and the request id.
//!
//! [`json_body`] parses a 2xx body into the type an operation expects; a body that does not
//! fit becomes a [`Decode`](crate::ErrorKind::Decode) error. Neither function ever copies body
//! text into an error message: bodies can hold record values.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Error;
use crate::http::HttpResponse;

/// The [`Error`] for a non-success response with status `status`.
pub(crate) fn error_from_response(status: u16, request_id: Option<&str>, body: &[u8]) -> Error {
    let mut err = match serde_json::from_slice::<Value>(body) {
        Ok(json) => from_json(status, &json),
        Err(_) if body.iter().all(u8::is_ascii_whitespace) => Error::api(
            status,
            format!("server returned status {status} with an empty body"),
        ),
        Err(_) => Error::api(
            status,
            format!(
                "server returned status {status} with a body that is not JSON ({} bytes)",
                body.len()
            ),
        ),
    };
    if err.http_status().is_none()
        && let Some(reason) = reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|code| code.canonical_reason())
    {
        err = err.with_http_status(reason);
    }
    if let Some(id) = request_id {
        err = err.with_request_id(id);
    }
    err
}

fn from_json(status: u16, json: &Value) -> Error {
    let default_message = || format!("server returned status {status}");
    match json.get("error") {
        Some(Value::Object(envelope)) => {
            let message = envelope
                .get("message")
                .and_then(Value::as_str)
                .filter(|m| !m.is_empty())
                .map_or_else(default_message, str::to_owned);
            let mut err = Error::api(status, message);
            if let Some(code) = envelope.get("http_code").and_then(as_u16) {
                err = err.with_http_code(code);
            }
            if let Some(code) = envelope.get("grpc_code").and_then(as_i32) {
                err = err.with_grpc_code(code);
            }
            if let Some(text) = envelope.get("http_status").and_then(Value::as_str)
                && !text.is_empty()
            {
                err = err.with_http_status(text);
            }
            match envelope.get("details") {
                Some(Value::Array(details)) => err.with_details(details.clone()),
                Some(Value::Null) | None => err,
                Some(other) => err.with_details(vec![other.clone()]),
            }
        }
        Some(Value::String(message)) if !message.is_empty() => Error::api(status, message.clone()),
        _ => match json.get("responses").and_then(Value::as_array) {
            Some(responses) => from_batch(status, responses),
            None => Error::api(status, default_message()),
        },
    }
}

/// The batch shape: the last per-record status of 400 or more becomes the http code, and
/// the per-record messages are joined with `"; "`.
fn from_batch(status: u16, responses: &[Value]) -> Error {
    let mut code = None;
    let mut messages = Vec::new();
    for response in responses {
        let record_status = response
            .get("Status")
            .or_else(|| response.get("status"))
            .and_then(as_u16);
        if let Some(s) = record_status.filter(|s| *s >= 400) {
            code = Some(s);
        }
        let body = response.get("Body").or_else(|| response.get("body"));
        let message = match body.and_then(|b| b.get("error")) {
            Some(Value::String(m)) => Some(m.as_str()),
            Some(Value::Object(e)) => e.get("message").and_then(Value::as_str),
            _ => None,
        };
        if let Some(m) = message.filter(|m| !m.is_empty()) {
            messages.push(m);
        }
    }
    let message = if messages.is_empty() {
        format!("server returned status {status}")
    } else {
        messages.join("; ")
    };
    let err = Error::api(status, message);
    match code {
        Some(code) => err.with_http_code(code),
        None => err,
    }
}

fn as_u16(value: &Value) -> Option<u16> {
    match value {
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_i32(value: &Value) -> Option<i32> {
    match value {
        Value::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A short name for the JSON type of a value (never the value itself), for messages.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses a successful response body as `T`. A body that is not JSON, or not the expected
/// shape, is a [`Decode`](crate::ErrorKind::Decode) error carrying the operation, the status
/// and the request id, and saying where the body went wrong, without quoting it.
pub(crate) fn json_body<T: DeserializeOwned>(
    operation: &'static str,
    response: &HttpResponse,
) -> crate::Result<T> {
    serde_json::from_slice(&response.body).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Io | serde_json::error::Category::Eof
                if response.body.is_empty() =>
            {
                "the response body is empty".to_owned()
            }
            serde_json::error::Category::Data => format!(
                "the response body does not have the expected shape (line {}, column {})",
                e.line(),
                e.column()
            ),
            _ => format!(
                "the response body is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
        };
        decode_error(operation, response, what)
    })
}

/// A [`Decode`](crate::ErrorKind::Decode) error for a 2xx `response` of `operation`, for
/// operation modules that find something missing after parsing.
pub(crate) fn decode_error(
    operation: &'static str,
    response: &HttpResponse,
    message: impl Into<String>,
) -> Error {
    let mut err = Error::decode(message)
        .with_operation(operation)
        .with_status(response.status);
    if let Some(id) = &response.request_id {
        err = err.with_request_id(id.clone());
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn envelope_decodes_into_every_field() {
        let body = br#"{"error":{"grpc_code":5,"http_code":404,"http_status":"Not Found",
            "message":"No Records Found","details":[{"@type":"x","reason":"y"}]}}"#;
        let err = error_from_response(400, Some("req-42"), body);
        assert_eq!(err.kind(), ErrorKind::Api);
        assert_eq!(err.status(), Some(400));
        assert_eq!(err.http_code(), Some(404));
        assert_eq!(err.grpc_code(), Some(5));
        assert_eq!(err.http_status(), Some("Not Found"));
        assert_eq!(err.message(), "No Records Found");
        assert_eq!(err.request_id(), Some("req-42"));
        assert_eq!(
            err.details(),
            &[serde_json::json!({"@type":"x","reason":"y"})]
        );
    }

    #[test]
    fn envelope_with_missing_fields_falls_back_to_the_status() {
        let err = error_from_response(500, None, br#"{"error":{}}"#);
        assert_eq!(err.http_code(), Some(500));
        assert_eq!(err.http_status(), Some("Internal Server Error"));
        assert_eq!(err.message(), "server returned status 500");
        assert!(err.details().is_empty());
        assert_eq!(err.request_id(), None);
    }

    #[test]
    fn codes_sent_as_strings_are_read() {
        let err = error_from_response(
            429,
            None,
            br#"{"error":{"grpc_code":"8","http_code":"429","message":"slow down"}}"#,
        );
        assert_eq!(err.grpc_code(), Some(8));
        assert_eq!(err.http_code(), Some(429));
        assert_eq!(err.http_status(), Some("Too Many Requests"));
    }

    #[test]
    fn plain_string_error() {
        let err = error_from_response(403, Some("r"), br#"{"error":"forbidden here"}"#);
        assert_eq!(err.message(), "forbidden here");
        assert_eq!(err.status(), Some(403));
        assert_eq!(err.http_code(), Some(403));
        assert!(err.is_auth());
    }

    #[test]
    fn batch_errors_join_messages_and_take_the_last_failing_status() {
        let body = br#"{"responses":[
            {"Status":400,"Body":{"error":"Invalid field"}},
            {"Status":200,"Body":{"records":[]}},
            {"Status":409,"Body":{"error":"Duplicate value"}}]}"#;
        let err = error_from_response(400, Some("b-1"), body);
        assert_eq!(err.message(), "Invalid field; Duplicate value");
        assert_eq!(err.http_code(), Some(409));
        assert_eq!(err.status(), Some(400));
        assert_eq!(err.request_id(), Some("b-1"));
    }

    #[test]
    fn non_json_and_empty_bodies_keep_status_and_request_id() {
        let err = error_from_response(
            502,
            Some("gw-1"),
            b"<html>Bad Gateway 4111111111111111</html>",
        );
        assert!(err.is_api());
        assert_eq!(err.status(), Some(502));
        assert_eq!(err.http_status(), Some("Bad Gateway"));
        assert_eq!(err.request_id(), Some("gw-1"));
        assert!(
            !err.to_string().contains("4111"),
            "body text must not be copied"
        );

        let err = error_from_response(503, Some("gw-2"), b"");
        assert_eq!(err.status(), Some(503));
        assert_eq!(err.request_id(), Some("gw-2"));
        assert!(err.message().contains("empty"));

        let err = error_from_response(500, None, &[0xff, 0xfe, 0x00]);
        assert_eq!(err.status(), Some(500));
    }

    #[test]
    fn unknown_json_shape_is_an_api_error() {
        let err = error_from_response(418, None, br#"[1,2,3]"#);
        assert_eq!(err.status(), Some(418));
        assert!(err.is_api());
    }

    fn response(body: &'static [u8]) -> HttpResponse {
        HttpResponse {
            status: 200,
            request_id: Some("ok-1".into()),
            headers: reqwest::header::HeaderMap::new(),
            body: bytes::Bytes::from_static(body),
        }
    }

    #[derive(serde::Deserialize, Debug)]
    struct Shape {
        count: u32,
    }

    #[test]
    fn json_body_parses_and_reports_shape_errors_without_values() {
        let ok: Shape = json_body("GetRequest", &response(br#"{"count":3}"#)).unwrap();
        assert_eq!(ok.count, 3);

        let err = json_body::<Shape>("GetRequest", &response(br#"{"count":"secret-value"}"#))
            .unwrap_err();
        assert!(err.is_decode());
        assert_eq!(err.operation(), Some("GetRequest"));
        assert_eq!(err.status(), Some(200));
        assert_eq!(err.request_id(), Some("ok-1"));
        assert!(!format!("{err} {err:?}").contains("secret-value"));

        let err = json_body::<Shape>("GetRequest", &response(b"not json")).unwrap_err();
        assert!(err.is_decode());
        let err = json_body::<Shape>("GetRequest", &response(b"")).unwrap_err();
        assert!(err.message().contains("empty"), "{err}");
    }
}
