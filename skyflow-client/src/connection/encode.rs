//! Body encodings of a connection call, chosen by the request's content type.
//!
//! - JSON is written the way the official Python SDK writes it (`json.dumps`): `", "` and
//!   `": "` separators and every character outside printable ASCII escaped as `\uXXXX`.
//! - `application/x-www-form-urlencoded` flattens nested objects as `a[b]` and lists as
//!   `a[0]`; `form_urlencoded` escapes keys and values.
//! - XML nests elements under `<root>`, repeats the element for list items and escapes text
//!   with `quick-xml` (the Python SDK's builder escapes nothing).

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use serde::Serialize;
use serde_json::Value;
use serde_json::ser::Formatter;

/// Why a body could not be encoded: the field (`body` or `body.<path>`) and the reason.
#[derive(Debug)]
pub(crate) struct EncodeError {
    pub(crate) field: String,
    pub(crate) message: String,
}

impl EncodeError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        EncodeError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The body encodings a content type selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Json,
    Form,
    Multipart,
    Xml,
    /// `text/plain` and `text/html`: a string as is, anything else as JSON text.
    Text,
}

impl Encoding {
    /// The encoding for a `content-type` value: the media type (before any `;`) compared
    /// case-insensitively. Unknown types are sent as JSON, as the official SDKs do.
    pub(crate) fn for_content_type(content_type: &str) -> Encoding {
        let media = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "application/x-www-form-urlencoded" => Encoding::Form,
            "multipart/form-data" => Encoding::Multipart,
            "text/xml" | "application/xml" => Encoding::Xml,
            m if m.ends_with("+xml") => Encoding::Xml,
            "text/plain" | "text/html" => Encoding::Text,
            _ => Encoding::Json,
        }
    }
}

/// `value` as Python's `json.dumps` writes it.
pub(crate) fn python_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    // Writing a `Value` into a Vec cannot fail.
    let _ = value.serialize(&mut serializer);
    out
}

/// serde_json formatter with Python's separators and ASCII-only output.
struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        separator(writer, first)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        separator(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // serde_json has already escaped quotes, backslashes and control characters; what
        // reaches here is escaped only when it is outside printable ASCII (DEL included).
        let mut start = 0;
        for (index, c) in fragment.char_indices() {
            if (' '..='~').contains(&c) {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..index])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = index + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// Python's item separator, before every item but the first.
fn separator<W: ?Sized + io::Write>(writer: &mut W, first: bool) -> io::Result<()> {
    if first {
        Ok(())
    } else {
        writer.write_all(b", ")
    }
}

/// The form fields of `body`, flattened: `{"card":{"exp":{"m":"12"}},"l":["x"]}` gives
/// `card[exp][m]=12` and `l[0]=x`. Strings are sent as they are, numbers and booleans as
/// JSON writes them, `null` leaves are left out. The top level must be an object.
pub(crate) fn form_pairs(body: &Value) -> Result<Vec<(String, String)>, EncodeError> {
    let Value::Object(map) = body else {
        return Err(EncodeError::new(
            "body",
            "a form body must be a JSON object of fields",
        ));
    };
    let mut pairs = Vec::new();
    for (key, value) in map {
        flatten(key.clone(), value, &mut pairs);
    }
    Ok(pairs)
}

fn flatten(key: String, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (name, inner) in map {
                flatten(format!("{key}[{name}]"), inner, out);
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                flatten(format!("{key}[{index}]"), inner, out);
            }
        }
        leaf => out.push((key, scalar_text(leaf))),
    }
}

/// The text of a leaf value: strings as they are, everything else as JSON.
pub(crate) fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// `pairs` as an `application/x-www-form-urlencoded` body (space as `+`, every reserved
/// byte percent-encoded, brackets included).
pub(crate) fn form_body(pairs: &[(String, String)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        serializer.append_pair(key, value);
    }
    serializer.finish()
}

/// `body` as an XML document: `<root>` holding one element per key, nested objects as
/// nested elements, each list item as a repetition of the list's element, text escaped.
/// A string body is taken as a ready XML document and sent as it is.
pub(crate) fn xml_body(body: &Value) -> Result<Vec<u8>, EncodeError> {
    let map = match body {
        Value::String(text) => return Ok(text.clone().into_bytes()),
        Value::Object(map) => map,
        _ => {
            return Err(EncodeError::new(
                "body",
                "an XML body must be a JSON object of elements, or a string holding the document",
            ));
        }
    };
    let mut writer = Writer::new(Vec::new());
    write_xml(&mut writer, "root", "body", &Value::Object(map.clone()))?;
    Ok(writer.into_inner())
}

fn write_xml(
    writer: &mut Writer<Vec<u8>>,
    name: &str,
    path: &str,
    value: &Value,
) -> Result<(), EncodeError> {
    match value {
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                if item.is_array() {
                    return Err(EncodeError::new(
                        format!("{path}[{index}]"),
                        "XML cannot hold a list directly inside a list",
                    ));
                }
                write_xml(writer, name, &format!("{path}[{index}]"), item)?;
            }
            Ok(())
        }
        Value::Object(map) => {
            emit(writer, Event::Start(BytesStart::new(name)));
            for (key, inner) in map {
                check_xml_name(key, &format!("{path}.{key}"))?;
                write_xml(writer, key, &format!("{path}.{key}"), inner)?;
            }
            emit(writer, Event::End(BytesEnd::new(name)));
            Ok(())
        }
        Value::Null => {
            emit(writer, Event::Empty(BytesStart::new(name)));
            Ok(())
        }
        leaf => {
            let text = scalar_text(leaf);
            if let Some(bad) = text.chars().find(|&c| !is_xml_char(c)) {
                return Err(EncodeError::new(
                    path,
                    format!(
                        "holds the character U+{:04X}, which XML 1.0 cannot carry",
                        bad as u32
                    ),
                ));
            }
            emit(writer, Event::Start(BytesStart::new(name)));
            emit(
                writer,
                Event::Text(BytesText::from_escaped(quick_xml::escape::escape(
                    text.as_str(),
                ))),
            );
            emit(writer, Event::End(BytesEnd::new(name)));
            Ok(())
        }
    }
}

fn emit(writer: &mut Writer<Vec<u8>>, event: Event<'_>) {
    // Writing into a Vec cannot fail.
    let _ = writer.write_event(event);
}

/// Characters XML 1.0 allows in a document.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// An element name must be an XML name: a letter or `_` first, then letters, digits, `_`,
/// `-` or `.` (no `:` namespaces, no spaces).
fn check_xml_name(name: &str, path: &str) -> Result<(), EncodeError> {
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if valid {
        Ok(())
    } else {
        Err(EncodeError::new(
            path,
            format!("`{name}` is not a valid XML element name"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_matches_python_json_dumps() {
        let body = json!({"a": 1, "b": [true, null, "x"], "c": {"d": "é€😀\u{7f}\"\\\n"}});
        assert_eq!(
            String::from_utf8(python_json(&body)).unwrap(),
            r#"{"a": 1, "b": [true, null, "x"], "c": {"d": "\u00e9\u20ac\ud83d\ude00\u007f\"\\\n"}}"#
        );
        assert_eq!(python_json(&json!({})), b"{}");
        assert_eq!(python_json(&json!([])), b"[]");
    }

    #[test]
    fn form_matches_the_sdk_example_byte_for_byte() {
        // Skyflow's wire protocol §5.1 gives this body and its encoding (with `exp` before
        // `number`: fields go out in the order of the JSON map, sorted by key unless the
        // application turns on serde_json's `preserve_order`).
        let body = json!({"a":"1","card":{"exp":{"m":"12"},"number":"4111"},"list":["x","y"]});
        assert_eq!(
            form_body(&form_pairs(&body).unwrap()),
            "a=1&card%5Bexp%5D%5Bm%5D=12&card%5Bnumber%5D=4111&list%5B0%5D=x&list%5B1%5D=y"
        );
    }

    #[test]
    fn form_escapes_reserved_characters() {
        let body = json!({"n": 5, "q": "a b&c=d<e>\"f'", "skip": null, "t": true});
        assert_eq!(
            form_body(&form_pairs(&body).unwrap()),
            "n=5&q=a+b%26c%3Dd%3Ce%3E%22f%27&t=true"
        );
        assert_eq!(form_pairs(&json!([1])).unwrap_err().field, "body");
    }

    #[test]
    fn xml_matches_the_sdk_example_and_escapes() {
        let body = json!({"card":{"number":"4111"},"tags":["a","b"]});
        assert_eq!(
            String::from_utf8(xml_body(&body).unwrap()).unwrap(),
            "<root><card><number>4111</number></card><tags>a</tags><tags>b</tags></root>"
        );
        let body = json!({"n": 1, "none": null, "note": "<b> & \"q\" 'a'"});
        assert_eq!(
            String::from_utf8(xml_body(&body).unwrap()).unwrap(),
            "<root><n>1</n><none/><note>&lt;b&gt; &amp; &quot;q&quot; &apos;a&apos;</note></root>"
        );
    }

    #[test]
    fn xml_rejects_what_it_cannot_write() {
        let err = xml_body(&json!({"a b": "1"})).unwrap_err();
        assert_eq!(err.field, "body.a b");
        let err = xml_body(&json!({"card": {"1x": "1"}})).unwrap_err();
        assert_eq!(err.field, "body.card.1x");
        let err = xml_body(&json!({"v": "bell\u{7}"})).unwrap_err();
        assert_eq!(err.field, "body.v");
        let err = xml_body(&json!({"l": [[1]]})).unwrap_err();
        assert_eq!(err.field, "body.l[0]");
        assert_eq!(xml_body(&json!(5)).unwrap_err().field, "body");
        assert_eq!(xml_body(&json!("<doc/>")).unwrap(), b"<doc/>");
    }

    #[test]
    fn content_types_select_encodings() {
        let cases = [
            ("application/json", Encoding::Json),
            (
                "Application/X-WWW-Form-Urlencoded; charset=utf-8",
                Encoding::Form,
            ),
            ("multipart/form-data", Encoding::Multipart),
            ("text/xml", Encoding::Xml),
            ("application/xml", Encoding::Xml),
            ("application/soap+xml", Encoding::Xml),
            ("text/plain", Encoding::Text),
            ("text/html; charset=utf-8", Encoding::Text),
            ("application/vnd.x", Encoding::Json),
        ];
        for (content_type, encoding) in cases {
            assert_eq!(
                Encoding::for_content_type(content_type),
                encoding,
                "{content_type}"
            );
        }
    }
}
