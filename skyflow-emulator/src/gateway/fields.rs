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
    Multipart(Multipart),
    Xml(String),
}

/// A `multipart/form-data` body split into its parts, every byte kept so that an
/// untouched part goes out exactly as it came in.
pub(crate) struct Multipart {
    boundary: String,
    /// Each part: its header block and its content.
    parts: Vec<(Vec<u8>, Vec<u8>)>,
    /// The closing delimiter's tail (`--` and anything after it).
    closing: Vec<u8>,
}

impl Multipart {
    /// Splits `body` by `boundary`; `None` when it is not a well-formed multipart body.
    fn parse(boundary: &str, body: &[u8]) -> Option<Multipart> {
        let delimiter = format!("\r\n--{boundary}").into_bytes();
        let mut rest = body.strip_prefix(format!("--{boundary}").as_bytes())?;
        let mut parts = Vec::new();
        loop {
            if rest.starts_with(b"--") {
                return Some(Multipart {
                    boundary: boundary.to_owned(),
                    parts,
                    closing: rest.to_vec(),
                });
            }
            let part = rest.strip_prefix(b"\r\n")?;
            let end = find(part, &delimiter)?;
            let (part, next) = part.split_at(end);
            let split = find(part, b"\r\n\r\n")?;
            parts.push((part[..split].to_vec(), part[split + 4..].to_vec()));
            rest = &next[delimiter.len()..];
        }
    }

    fn encode(self) -> Vec<u8> {
        let mut out = format!("--{}", self.boundary).into_bytes();
        for (head, content) in &self.parts {
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(head);
            out.extend_from_slice(b"\r\n\r\n");
            out.extend_from_slice(content);
            out.extend_from_slice(format!("\r\n--{}", self.boundary).as_bytes());
        }
        out.extend_from_slice(&self.closing);
        out
    }

    /// Calls `swap` on the content of every text part (no file name) named `name`.
    fn replace(&mut self, name: &str, swap: &mut dyn FnMut(&str) -> Option<String>) {
        for (head, content) in &mut self.parts {
            let head = String::from_utf8_lossy(head);
            let disposition = head
                .split("\r\n")
                .find(|line| {
                    line.to_ascii_lowercase()
                        .starts_with("content-disposition:")
                })
                .unwrap_or_default();
            let is_file = disposition.contains("filename=");
            let named = disposition
                .split(';')
                .filter_map(|p| p.trim().strip_prefix("name="))
                .any(|n| n.trim_matches('"') == name);
            if !named || is_file {
                continue;
            }
            if let Ok(text) = std::str::from_utf8(content)
                && let Some(new) = swap(text)
            {
                *content = new.into_bytes();
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The `boundary` parameter of a content type.
fn boundary(headers: &HeaderMap) -> Option<String> {
    let value = headers
        .get(axum::http::header::CONTENT_TYPE)?
        .to_str()
        .ok()?;
    value.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
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
fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers
        .get(axum::http::header::CONTENT_TYPE)?
        .to_str()
        .ok()?;
    Some(value.split(';').next()?.trim().to_ascii_lowercase())
}

impl Body {
    /// Parses `bytes` by the content type in `headers`, only for the kinds `fields` name.
    pub(crate) fn parse(
        headers: &HeaderMap,
        bytes: bytes::Bytes,
        fields: &[&Field],
    ) -> Result<Body, FieldError> {
        let wants = |kind: fn(&Field) -> bool| fields.iter().any(|f| kind(f));
        let media = media_type(headers).unwrap_or_default();
        let media = media.as_str();
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
        if media == "multipart/form-data" && wants(|f| matches!(f, Field::Form(_))) {
            return boundary(headers)
                .and_then(|b| Multipart::parse(&b, &bytes))
                .map(Body::Multipart)
                .ok_or_else(|| FieldError("the multipart body does not parse".to_owned()));
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
            Body::Multipart(multipart) => bytes::Bytes::from(multipart.encode()),
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
        Field::Form(name) => match &mut message.body {
            Body::Form(pairs) => replace_pairs(pairs, name, swap),
            Body::Multipart(multipart) => multipart.replace(name, swap),
            _ => {}
        },
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

/// The distinct non-empty values `fields` name in `message`, in the order found.
pub(crate) fn collect(message: &mut Message, fields: &[Field]) -> Result<Vec<String>, FieldError> {
    let mut values: Vec<String> = Vec::new();
    for field in fields {
        visit(message, field, &mut |value| {
            if !value.is_empty() && !values.iter().any(|v| v == value) {
                values.push(value.to_owned());
            }
            None
        })?;
    }
    Ok(values)
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
    fn multipart_text_parts_are_rewritten_and_the_rest_kept() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"card\"\r\n\r\ntok\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"card\"; filename=\"c.txt\"\r\n\
                    Content-Type: text/plain\r\n\r\ntok\r\n--XyZ\r\n\
                    Content-Disposition: form-data; name=\"other\"\r\n\r\ntok\r\n--XyZ--\r\n";
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=XyZ"),
        );
        let field = Field::Form("card".into());
        let parsed = Body::parse(&headers, bytes::Bytes::from(body), &[&field]).unwrap();
        let mut m = message(parsed);
        visit(&mut m, &field, &mut upper).unwrap();
        assert_eq!(
            m.body.into_bytes(),
            body.replacen("\r\n\r\ntok\r\n", "\r\n\r\nTOK\r\n", 1)
        );
        let broken = Body::parse(&headers, bytes::Bytes::from("--XyZ\r\nno end"), &[&field]);
        assert!(broken.is_err());
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
