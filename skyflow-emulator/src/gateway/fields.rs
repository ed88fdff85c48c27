//! Finding and replacing field values in a message: JSON paths, form fields, XML elements,
//! headers, query and path parameters.
//!
//! Every swap runs in two passes over the same [`Message`]: one collects the values (so
//! the vault is called once per message), one replaces them.

use std::borrow::Cow;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use quick_xml::events::{BytesText, Event};
use quick_xml::{Reader, Writer};
use serde_json::Value;

use super::spec::Field;

/// A body, parsed as far as the connection needs.
pub(crate) enum Body {
    /// Left as received (no field of this kind is swapped, or the type is opaque).
    Raw(bytes::Bytes),
    Json(Value),
    Form(Vec<(String, String)>),
    Xml(String),
}

/// A request or an answer, with the parts a field can name.
pub(crate) struct Message {
    pub(crate) path_params: Vec<(String, String)>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Body,
}

/// A field that could not be read or written; becomes a 400 (request) or 502 (answer).
#[derive(Debug)]
pub(crate) struct FieldError(pub(crate) String);

/// The media type of a content-type value, lower-cased, without parameters.
pub(crate) fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers
        .get(axum::http::header::CONTENT_TYPE)?
        .to_str()
        .ok()?;
    Some(value.split(';').next()?.trim().to_ascii_lowercase())
}

impl Body {
    /// Parses `bytes` by content type, only for the kinds `fields` name.
    pub(crate) fn parse(
        media: Option<&str>,
        bytes: bytes::Bytes,
        fields: &[&Field],
    ) -> Result<Body, FieldError> {
        let wants = |kind: fn(&Field) -> bool| fields.iter().any(|f| kind(f));
        let media = media.unwrap_or("");
        let is_json = media == "application/json" || media.ends_with("+json") || media.is_empty();
        let is_xml = media.ends_with("/xml") || media.ends_with("+xml");
        if bytes.is_empty() {
            return Ok(Body::Raw(bytes));
        }
        if is_json && wants(|f| matches!(f, Field::Json(_))) {
            return serde_json::from_slice(&bytes)
                .map(Body::Json)
                .map_err(|e| FieldError(format!("the JSON body does not parse: {e}")));
        }
        if media == "application/x-www-form-urlencoded" && wants(|f| matches!(f, Field::Form(_))) {
            let pairs = form_urlencoded::parse(&bytes).into_owned().collect();
            return Ok(Body::Form(pairs));
        }
        if is_xml && wants(|f| matches!(f, Field::Xml(_))) {
            return String::from_utf8(bytes.to_vec())
                .map(Body::Xml)
                .map_err(|_| FieldError("the XML body is not UTF-8".to_owned()));
        }
        Ok(Body::Raw(bytes))
    }

    /// The bytes to send: untouched bodies as received, rewritten ones re-encoded.
    pub(crate) fn into_bytes(self) -> bytes::Bytes {
        match self {
            Body::Raw(bytes) => bytes,
            Body::Json(value) => bytes::Bytes::from(value.to_string()),
            Body::Form(pairs) => {
                let mut out = form_urlencoded::Serializer::new(String::new());
                for (key, value) in &pairs {
                    out.append_pair(key, value);
                }
                bytes::Bytes::from(out.finish())
            }
            Body::Xml(text) => bytes::Bytes::from(text),
        }
    }
}

/// Calls `swap` on each value `field` names in `message`; a `Some` return replaces it.
/// Values that are absent are skipped; a JSON value that is not a string is an error.
pub(crate) fn visit(
    message: &mut Message,
    field: &Field,
    swap: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<(), FieldError> {
    match field {
        Field::Path(name) => replace_pairs(&mut message.path_params, name, swap),
        Field::Query(name) => replace_pairs(&mut message.query, name, swap),
        Field::Header(name) => replace_header(&mut message.headers, name, swap)?,
        Field::Json(path) => {
            if let Body::Json(value) = &mut message.body {
                let segments: Vec<&str> = path.split('.').collect();
                visit_json(value, &segments, path, swap)?;
            }
        }
        Field::Form(name) => {
            if let Body::Form(pairs) = &mut message.body {
                replace_pairs(pairs, name, swap);
            }
        }
        Field::Xml(path) => {
            if let Body::Xml(text) = &mut message.body {
                let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
                if let Some(rewritten) = rewrite_xml(text, &segments, swap)? {
                    *text = rewritten;
                }
            }
        }
    }
    Ok(())
}

fn replace_pairs(
    pairs: &mut [(String, String)],
    name: &str,
    swap: &mut dyn FnMut(&str) -> Option<String>,
) {
    for (key, value) in pairs.iter_mut() {
        if key == name
            && let Some(new) = swap(value)
        {
            *value = new;
        }
    }
}

fn replace_header(
    headers: &mut HeaderMap,
    name: &str,
    swap: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<(), FieldError> {
    let Ok(name) = HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()) else {
        return Ok(());
    };
    let values: Vec<HeaderValue> = headers.get_all(&name).iter().cloned().collect();
    if values.is_empty() {
        return Ok(());
    }
    let mut changed = false;
    let mut out = Vec::with_capacity(values.len());
    for value in values {
        let text = value
            .to_str()
            .map_err(|_| FieldError(format!("header {name} is not text")))?;
        match swap(text) {
            Some(new) => {
                changed = true;
                out.push(HeaderValue::from_str(&new).map_err(|_| {
                    FieldError(format!(
                        "the value for header {name} cannot be sent in a header"
                    ))
                })?);
            }
            None => out.push(value),
        }
    }
    if changed {
        headers.remove(&name);
        for value in out {
            headers.append(name.clone(), value);
        }
    }
    Ok(())
}

fn visit_json(
    value: &mut Value,
    segments: &[&str],
    path: &str,
    swap: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<(), FieldError> {
    let Some((head, rest)) = segments.split_first() else {
        return match value {
            Value::String(text) => {
                if let Some(new) = swap(text) {
                    *text = new;
                }
                Ok(())
            }
            Value::Null => Ok(()),
            _ => Err(FieldError(format!("json:{path} is not a string"))),
        };
    };
    match (value, *head) {
        (Value::Array(items), "*") => {
            for item in items {
                visit_json(item, rest, path, swap)?;
            }
        }
        (Value::Object(map), "*") => {
            for item in map.values_mut() {
                visit_json(item, rest, path, swap)?;
            }
        }
        (Value::Array(items), index) => {
            if let Some(item) = index.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                visit_json(item, rest, path, swap)?;
            }
        }
        (Value::Object(map), key) => {
            if let Some(item) = map.get_mut(key) {
                visit_json(item, rest, path, swap)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Rewrites the text of every element at `path` below the root; `None` when nothing
/// changed. Everything else is written back as read.
fn rewrite_xml(
    text: &str,
    path: &[&str],
    swap: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<Option<String>, FieldError> {
    let bad = |e: &dyn std::fmt::Display| FieldError(format!("the XML body does not parse: {e}"));
    let mut reader = Reader::from_str(text);
    let mut writer = Writer::new(Vec::new());
    let mut stack: Vec<String> = Vec::new();
    // The text of the matching element being read, when inside one.
    let mut captured: Option<String> = None;
    let mut changed = false;
    let matches = |stack: &[String]| {
        stack.len() == path.len() + 1 && stack[1..].iter().zip(path).all(|(a, b)| a == b)
    };
    loop {
        let event = reader.read_event().map_err(|e| bad(&e))?;
        match &event {
            Event::Eof => break,
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_owned();
                stack.push(name);
                if matches(&stack) {
                    captured = Some(String::new());
                }
            }
            Event::Text(t) if captured.is_some() => {
                captured
                    .get_or_insert_default()
                    .push_str(&t.xml10_content());
                continue;
            }
            Event::CData(t) if captured.is_some() => {
                captured
                    .get_or_insert_default()
                    .push_str(&t.xml10_content());
                continue;
            }
            Event::GeneralRef(r) if captured.is_some() => {
                let name = r.xml10_content();
                let resolved = quick_xml::escape::unescape(&format!("&{name};"))
                    .map_err(|e| bad(&e))?
                    .into_owned();
                captured.get_or_insert_default().push_str(&resolved);
                continue;
            }
            Event::End(_) => {
                if let Some(value) = captured.take() {
                    let value = match swap(&value) {
                        Some(new) => {
                            changed = true;
                            new
                        }
                        None => value,
                    };
                    let escaped: Cow<'_, str> = quick_xml::escape::partial_escape(value.as_str());
                    let _ = writer.write_event(Event::Text(BytesText::from_escaped(escaped)));
                }
                stack.pop();
            }
            _ => {}
        }
        let _ = writer.write_event(event);
    }
    if !changed {
        return Ok(None);
    }
    String::from_utf8(writer.into_inner())
        .map(Some)
        .map_err(|_| FieldError("the XML body is not UTF-8".to_owned()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn message(body: Body) -> Message {
        Message {
            path_params: vec![("id".into(), "t1".into())],
            query: vec![("q".into(), "t2".into()), ("q".into(), "t3".into())],
            headers: HeaderMap::new(),
            body,
        }
    }

    fn upper(v: &str) -> Option<String> {
        Some(v.to_uppercase())
    }

    #[test]
    fn json_paths_with_wildcards_and_indexes() {
        let mut m = message(Body::Json(json!({
            "card": {"number": "a"}, "items": [{"t": "b"}, {"t": "c"}, {"x": 1}], "n": null
        })));
        for path in ["card.number", "items.*.t", "n", "missing.x"] {
            visit(&mut m, &Field::Json(path.into()), &mut upper).unwrap();
        }
        let Body::Json(v) = &m.body else { panic!() };
        assert_eq!(
            v,
            &json!({"card": {"number": "A"}, "items": [{"t": "B"}, {"t": "C"}, {"x": 1}], "n": null})
        );
        let err = visit(&mut m, &Field::Json("items.2.x".into()), &mut upper).unwrap_err();
        assert!(err.0.contains("json:items.2.x"));
    }

    #[test]
    fn pairs_and_headers() {
        let mut m = message(Body::Form(vec![("card[n]".into(), "x".into())]));
        m.headers.append("x-t", HeaderValue::from_static("h"));
        visit(&mut m, &Field::Query("q".into()), &mut upper).unwrap();
        visit(&mut m, &Field::Path("id".into()), &mut upper).unwrap();
        visit(&mut m, &Field::Form("card[n]".into()), &mut upper).unwrap();
        visit(&mut m, &Field::Header("X-T".into()), &mut upper).unwrap();
        assert_eq!(m.query[1].1, "T3");
        assert_eq!(m.path_params[0].1, "T1");
        assert_eq!(m.headers["x-t"], "H");
        assert_eq!(m.body.into_bytes(), "card%5Bn%5D=X");
    }

    #[test]
    fn xml_elements_are_rewritten_and_escaped() {
        let xml = "<?xml version=\"1.0\"?><root a=\"1\"><card><number>t&amp;1</number><number>t2</number></card><x>k</x></root>";
        let mut m = message(Body::Xml(xml.into()));
        visit(&mut m, &Field::Xml("card/number".into()), &mut |v| {
            Some(format!("<{v}>"))
        })
        .unwrap();
        let Body::Xml(out) = &m.body else { panic!() };
        assert_eq!(
            out,
            "<?xml version=\"1.0\"?><root a=\"1\"><card><number>&lt;t&amp;1&gt;</number><number>&lt;t2&gt;</number></card><x>k</x></root>"
        );
    }
}
