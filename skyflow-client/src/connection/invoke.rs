//! `InvokeConnectionRequest` / `InvokeConnectionResponse` and their wire form.

use std::fmt;
use std::str::FromStr;

use bytes::Bytes;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;

use super::encode::{Encoding, form_body, form_pairs, python_json, scalar_text, xml_body};
use crate::http::{Body, HttpRequest, HttpResponse, Method, Part};
use crate::{Error, Result};

pub(crate) const OP: &str = "InvokeConnectionRequest";
const CONTENT_TYPE: &str = "content-type";

/// Everything but unreserved characters is percent-encoded in a path parameter, so a value
/// can never leave its path segment (`/`, `?`, `#` and `%` included).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The HTTP method of a connection call.
///
/// ```
/// use skyflow_client::connection::RequestMethod;
/// let method: RequestMethod = "patch".parse()?;
/// assert_eq!(method, RequestMethod::Patch);
/// assert_eq!(method.as_str(), "PATCH");
/// assert!(!method.is_idempotent());
/// # Ok::<(), skyflow_client::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl RequestMethod {
    /// Every method, in the order GET, POST, PUT, PATCH, DELETE.
    pub const ALL: [RequestMethod; 5] = [
        RequestMethod::Get,
        RequestMethod::Post,
        RequestMethod::Put,
        RequestMethod::Patch,
        RequestMethod::Delete,
    ];

    /// The method as sent on the wire (`"GET"`, `"POST"` …).
    pub fn as_str(self) -> &'static str {
        match self {
            RequestMethod::Get => "GET",
            RequestMethod::Post => "POST",
            RequestMethod::Put => "PUT",
            RequestMethod::Patch => "PATCH",
            RequestMethod::Delete => "DELETE",
        }
    }

    /// `true` for GET, PUT and DELETE: a call the connection may receive twice, so it is
    /// retried even after it may have reached the connection.
    pub fn is_idempotent(self) -> bool {
        matches!(
            self,
            RequestMethod::Get | RequestMethod::Put | RequestMethod::Delete
        )
    }

    fn to_http(self) -> Method {
        match self {
            RequestMethod::Get => Method::Get,
            RequestMethod::Post => Method::Post,
            RequestMethod::Put => Method::Put,
            RequestMethod::Patch => Method::Patch,
            RequestMethod::Delete => Method::Delete,
        }
    }
}

impl fmt::Display for RequestMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RequestMethod {
    type Err = Error;

    /// Parses a method name in any case; anything else is a validation error naming
    /// `method`.
    fn from_str(s: &str) -> Result<Self> {
        let method = match s.trim().to_ascii_uppercase().as_str() {
            "GET" => RequestMethod::Get,
            "POST" => RequestMethod::Post,
            "PUT" => RequestMethod::Put,
            "PATCH" => RequestMethod::Patch,
            "DELETE" => RequestMethod::Delete,
            _ => {
                return Err(Error::validation(
                    OP,
                    "method",
                    format!("`{}` is not one of GET, POST, PUT, PATCH, DELETE", s.trim()),
                ));
            }
        };
        Ok(method)
    }
}

/// A `multipart/form-data` body of text and file parts, sent in the order added.
///
/// ```
/// use skyflow_client::connection::{InvokeConnectionRequest, MultipartForm, RequestMethod};
/// let form = MultipartForm::new()
///     .text("customer_id", "4a1b2c3d-token")
///     .file("id_scan", "passport.png", "image/png", vec![0x89, b'P', b'N', b'G']);
/// let request = InvokeConnectionRequest::new(RequestMethod::Post).multipart(form);
/// assert!(request.validate().is_ok());
/// ```
#[derive(Clone, Default)]
pub struct MultipartForm {
    parts: Vec<Part>,
}

impl MultipartForm {
    /// An empty form.
    pub fn new() -> Self {
        MultipartForm::default()
    }

    /// Adds a text part.
    #[must_use]
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parts.push(Part::Text {
            name: name.into().into(),
            value: value.into(),
        });
        self
    }

    /// Adds a file part with its file name and media type.
    #[must_use]
    pub fn file(
        mut self,
        name: impl Into<String>,
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
    ) -> Self {
        self.parts.push(Part::File {
            name: name.into().into(),
            file_name: file_name.into(),
            content_type: content_type.into(),
            bytes: Bytes::from(bytes.into()),
        });
        self
    }

    /// The number of parts.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// `true` when the form has no parts.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }
}

impl fmt::Debug for MultipartForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Part values are data for the third party: `Part`'s Debug shows names only.
        f.debug_struct("MultipartForm")
            .field("parts", &self.parts)
            .finish()
    }
}

#[derive(Clone)]
enum RequestBody {
    None,
    Value(Value),
    Text(String),
    Bytes { content_type: String, bytes: Bytes },
    Multipart(MultipartForm),
}

/// A call of a connection: method, path parameters, query parameters, headers and body.
///
/// See the [module docs](crate::connection) for how each part goes on the wire. Its
/// `Debug` shows names and sizes, never values.
///
/// ```
/// use serde_json::json;
/// use skyflow_client::connection::{InvokeConnectionRequest, RequestMethod};
///
/// let request = InvokeConnectionRequest::new(RequestMethod::Put)
///     .path_param("account", "acc-7")
///     .query_param("tag", "a")
///     .query_param("tag", "b")
///     .header("Content-Type", "application/xml")
///     .body(json!({ "ssn": "tok-123", "note": "a < b & \"c\"" }));
/// assert!(request.validate().is_ok());
///
/// let bad = InvokeConnectionRequest::new(RequestMethod::Post).header("bad header", "x");
/// assert_eq!(bad.validate().unwrap_err().field(), Some("headers.bad header"));
/// ```
#[derive(Clone)]
pub struct InvokeConnectionRequest {
    method: RequestMethod,
    path_params: Vec<(String, String)>,
    query_params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: RequestBody,
}

impl InvokeConnectionRequest {
    /// A call with `method`, no parameters, no headers and no body.
    pub fn new(method: RequestMethod) -> Self {
        InvokeConnectionRequest {
            method,
            path_params: Vec::new(),
            query_params: Vec::new(),
            headers: Vec::new(),
            body: RequestBody::None,
        }
    }

    /// Sets the value of the `{name}` placeholder in the connection URL (replacing an
    /// earlier value for the same name).
    #[must_use]
    pub fn path_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        let value = value.into();
        match self.path_params.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.path_params.push((name, value)),
        }
        self
    }

    /// Adds a query parameter; adding a key again repeats it (`?tag=a&tag=b`). Values are
    /// written with `Display` (`true`, `42`).
    #[must_use]
    pub fn query_param(mut self, key: impl Into<String>, value: impl fmt::Display) -> Self {
        self.query_params.push((key.into(), value.to_string()));
        self
    }

    /// Adds a header; its name is sent lower-cased. A `content-type` header chooses the
    /// body encoding; an `x-skyflow-authorization` header replaces the one the SDK adds.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers
            .push((name.into().trim().to_ascii_lowercase(), value.into()));
        self
    }

    /// Sets a structured body, encoded by the `content-type` header (JSON when there is
    /// none; see the [module docs](crate::connection)).
    #[must_use]
    pub fn body(mut self, body: impl Into<Value>) -> Self {
        self.body = RequestBody::Value(body.into());
        self
    }

    /// Sets a text body sent as it is, with the `content-type` header given, else
    /// `text/plain; charset=utf-8`.
    #[must_use]
    pub fn text_body(mut self, text: impl Into<String>) -> Self {
        self.body = RequestBody::Text(text.into());
        self
    }

    /// Sets a body of bytes sent as they are, with `content_type` (which replaces any
    /// `content-type` header).
    #[must_use]
    pub fn bytes_body(
        mut self,
        content_type: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
    ) -> Self {
        self.body = RequestBody::Bytes {
            content_type: content_type.into(),
            bytes: Bytes::from(bytes.into()),
        };
        self
    }

    /// Sets a `multipart/form-data` body with text and file parts; the content type with
    /// its boundary is generated (a `content-type` header is dropped).
    #[must_use]
    pub fn multipart(mut self, form: MultipartForm) -> Self {
        self.body = RequestBody::Multipart(form);
        self
    }

    /// The method.
    pub fn method(&self) -> RequestMethod {
        self.method
    }

    /// Checks the request as it would be checked before sending, except for the path
    /// parameters against the connection URL (which the connection's handle knows).
    /// Errors name the field: `path_params.<name>`, `query_params`, `headers.<name>`,
    /// `body` or `body.<path>`.
    pub fn validate(&self) -> Result<()> {
        self.check_params()?;
        let headers = self.checked_headers()?;
        self.encode_body(&headers).map(drop)
    }

    fn check_params(&self) -> Result<()> {
        for (name, value) in &self.path_params {
            if name.trim().is_empty() {
                return Err(invalid("path_params", "a path parameter name is empty"));
            }
            if value.is_empty() {
                return Err(invalid(
                    format!("path_params.{name}"),
                    "a path parameter value must not be empty",
                ));
            }
        }
        if self.query_params.iter().any(|(key, _)| key.is_empty()) {
            return Err(invalid("query_params", "a query parameter key is empty"));
        }
        Ok(())
    }

    /// The headers, checked to be sendable.
    fn checked_headers(&self) -> Result<Vec<(String, String)>> {
        for (name, value) in &self.headers {
            if HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(invalid(
                    format!("headers.{name}"),
                    "not a valid HTTP header name",
                ));
            }
            if HeaderValue::from_str(value).is_err() {
                return Err(invalid(
                    format!("headers.{name}"),
                    "the value holds characters that cannot be sent in an HTTP header",
                ));
            }
        }
        Ok(self.headers.clone())
    }

    /// The body and the final headers (content type added or removed as the body needs).
    fn encode_body(&self, headers: &[(String, String)]) -> Result<(Body, Vec<(String, String)>)> {
        let mut headers = headers.to_vec();
        let content_type = headers
            .iter()
            .rev()
            .find(|(name, _)| name == CONTENT_TYPE)
            .map(|(_, value)| value.clone());
        let set_default_type = |headers: &mut Vec<(String, String)>, value: &str| {
            if content_type.is_none() {
                headers.push((CONTENT_TYPE.to_owned(), value.to_owned()));
            }
        };
        let body = match &self.body {
            RequestBody::None => Body::Empty,
            RequestBody::Text(text) => {
                set_default_type(&mut headers, "text/plain; charset=utf-8");
                Body::Bytes(Bytes::from(text.clone()))
            }
            RequestBody::Bytes {
                content_type,
                bytes,
            } => {
                if HeaderValue::from_str(content_type).is_err() {
                    return Err(invalid(
                        "content_type",
                        "not a valid content-type header value",
                    ));
                }
                headers.retain(|(name, _)| name != CONTENT_TYPE);
                headers.push((CONTENT_TYPE.to_owned(), content_type.clone()));
                Body::Bytes(bytes.clone())
            }
            RequestBody::Multipart(form) => {
                headers.retain(|(name, _)| name != CONTENT_TYPE);
                Body::Multipart(form.parts.clone())
            }
            RequestBody::Value(value) => {
                let encoding = content_type
                    .as_deref()
                    .map_or(Encoding::Json, Encoding::for_content_type);
                let encoded = |bytes: Vec<u8>| Body::Bytes(Bytes::from(bytes));
                match encoding {
                    Encoding::Json => {
                        set_default_type(&mut headers, "application/json");
                        encoded(python_json(value))
                    }
                    Encoding::Form => {
                        let pairs = form_pairs(value).map_err(encode_error)?;
                        encoded(form_body(&pairs).into_bytes())
                    }
                    Encoding::Xml => encoded(xml_body(value).map_err(encode_error)?),
                    Encoding::Text => match value {
                        Value::String(text) => encoded(text.clone().into_bytes()),
                        other => encoded(python_json(other)),
                    },
                    Encoding::Multipart => {
                        headers.retain(|(name, _)| name != CONTENT_TYPE);
                        Body::Multipart(multipart_fields(value)?)
                    }
                }
            }
        };
        Ok((body, headers))
    }

    /// The transport request for a connection whose URL, after its origin, is
    /// `path_template` (for example `/v1/gateway/outboundRoutes/abc/cards/{card_id}`).
    pub(crate) fn to_http(&self, path_template: &str) -> Result<HttpRequest> {
        self.check_params()?;
        let headers = self.checked_headers()?;
        let path = substitute(path_template, &self.path_params)?;
        let (body, headers) = self.encode_body(&headers)?;
        Ok(HttpRequest {
            operation: OP,
            method: self.method.to_http(),
            path,
            query: self
                .query_params
                .iter()
                .map(|(key, value)| (key.clone().into(), value.clone()))
                .collect(),
            body,
            idempotent: self.method.is_idempotent(),
            headers,
        })
    }
}

impl fmt::Debug for InvokeConnectionRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Parameters, header values and the body can all hold tokens or values.
        let names = |pairs: &[(String, String)]| -> Vec<String> {
            pairs.iter().map(|(name, _)| name.clone()).collect()
        };
        let body = match &self.body {
            RequestBody::None => "none".to_owned(),
            RequestBody::Value(_) => "structured".to_owned(),
            RequestBody::Text(text) => format!("text, {} bytes", text.len()),
            RequestBody::Bytes { bytes, .. } => format!("bytes, {} bytes", bytes.len()),
            RequestBody::Multipart(form) => format!("multipart, {} parts", form.len()),
        };
        f.debug_struct("InvokeConnectionRequest")
            .field("method", &self.method)
            .field("path_params", &names(&self.path_params))
            .field("query_params", &names(&self.query_params))
            .field("headers", &names(&self.headers))
            .field("body", &body)
            .finish()
    }
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
    Error::validation(OP, field, message)
}

fn encode_error(err: super::encode::EncodeError) -> Error {
    invalid(err.field, err.message)
}

/// One text part per top-level field: strings as they are, other values as JSON text,
/// `null` as an empty part.
fn multipart_fields(value: &Value) -> Result<Vec<Part>> {
    let Value::Object(map) = value else {
        return Err(invalid(
            "body",
            "a multipart body must be a JSON object of fields (or use `multipart` for file parts)",
        ));
    };
    Ok(map
        .iter()
        .map(|(name, value)| Part::Text {
            name: name.clone().into(),
            value: match value {
                Value::Null => String::new(),
                other => scalar_text(other),
            },
        })
        .collect())
}

/// Splits a connection URL into its origin (`scheme://host[:port]`) and the rest (path,
/// query), so the path's placeholders can be filled per call.
pub(crate) fn split_connection_url(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find(['/', '?', '#']) {
        Some(i) => url.split_at(after_scheme + i),
        None => (url, ""),
    }
}

/// Replaces each `{name}` in `template` with its percent-encoded parameter. Every
/// placeholder needs a value and every value a placeholder.
fn substitute(template: &str, params: &[(String, String)]) -> Result<String> {
    let mut out = String::with_capacity(template.len());
    let mut used = vec![false; params.len()];
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|i| open + i) else {
            break;
        };
        let name = &rest[open + 1..close];
        if !is_placeholder_name(name) {
            out.push_str(&rest[..=open]);
            rest = &rest[open + 1..];
            continue;
        }
        let Some(index) = params.iter().position(|(n, _)| n == name) else {
            return Err(invalid(
                format!("path_params.{name}"),
                format!("the connection URL has a `{{{name}}}` placeholder but no value was given"),
            ));
        };
        used[index] = true;
        out.push_str(&rest[..open]);
        out.extend(utf8_percent_encode(&params[index].1, SEGMENT));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    if let Some((name, _)) = params
        .iter()
        .zip(&used)
        .find(|(_, used)| !**used)
        .map(|(p, _)| p)
    {
        return Err(invalid(
            format!("path_params.{name}"),
            format!("the connection URL has no `{{{name}}}` placeholder"),
        ));
    }
    Ok(out)
}

fn is_placeholder_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// The body of a connection's answer, parsed by its content type.
///
/// ```
/// use skyflow_client::connection::ResponseBody;
/// let body = ResponseBody::Text("ok".to_owned());
/// assert!(matches!(body, ResponseBody::Text(ref t) if t == "ok"));
/// ```
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum ResponseBody {
    /// No body.
    Empty,
    /// A JSON body (`application/json`, `*+json`, or no content type).
    Json(Value),
    /// A text body (`text/*`, XML, form, or JSON that did not parse).
    Text(String),
    /// Any other body, as bytes.
    Bytes(Vec<u8>),
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies can hold values the connection returned: sizes only.
        match self {
            ResponseBody::Empty => f.write_str("Empty"),
            ResponseBody::Json(_) => f.write_str("Json(..)"),
            ResponseBody::Text(text) => write!(f, "Text({} bytes)", text.len()),
            ResponseBody::Bytes(bytes) => write!(f, "Bytes({} bytes)", bytes.len()),
        }
    }
}

/// A connection's answer (any status below 400): status, headers, request id and body.
///
/// Its `Debug` shows the status, the request id and header names, never the body.
///
/// ```no_run
/// # async fn run(conn: skyflow_client::ConnectionClient) -> skyflow_client::Result<()> {
/// use skyflow_client::connection::{InvokeConnectionRequest, RequestMethod, ResponseBody};
/// let response = conn.invoke(&InvokeConnectionRequest::new(RequestMethod::Get)).await?;
/// match response.body() {
///     ResponseBody::Json(value) => println!("json {value}"),
///     ResponseBody::Text(text) => println!("text {text}"),
///     other => println!("{other:?} from {:?}", response.header("content-type")),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct InvokeConnectionResponse {
    status: u16,
    request_id: Option<String>,
    headers: Vec<(String, String)>,
    body: ResponseBody,
}

impl InvokeConnectionResponse {
    pub(crate) fn from_http(response: HttpResponse) -> Self {
        let headers: Vec<(String, String)> = response
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let content_type = response
            .headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let body = parse_body(content_type, &response.body);
        InvokeConnectionResponse {
            status: response.status,
            request_id: response.request_id,
            headers,
            body,
        }
    }

    /// The HTTP status (below 400).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The `x-request-id` of the answer.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Every header of the answer, names lower-cased, in the order received.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The parsed body.
    pub fn body(&self) -> &ResponseBody {
        &self.body
    }

    /// The parsed body, owned.
    pub fn into_body(self) -> ResponseBody {
        self.body
    }

    /// The body when it is JSON.
    pub fn json(&self) -> Option<&Value> {
        match &self.body {
            ResponseBody::Json(value) => Some(value),
            _ => None,
        }
    }

    /// The body when it is text.
    pub fn text(&self) -> Option<&str> {
        match &self.body {
            ResponseBody::Text(text) => Some(text),
            _ => None,
        }
    }
}

impl fmt::Debug for InvokeConnectionResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("InvokeConnectionResponse")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("headers", &names)
            .field("body", &self.body)
            .finish()
    }
}

/// JSON when the type says JSON or there is none (text when it does not parse), text for
/// textual types, bytes for the rest.
fn parse_body(content_type: Option<&str>, body: &[u8]) -> ResponseBody {
    if body.is_empty() {
        return ResponseBody::Empty;
    }
    let media = content_type.map(|t| {
        t.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    });
    let text = || match std::str::from_utf8(body) {
        Ok(text) => ResponseBody::Text(text.to_owned()),
        Err(_) => ResponseBody::Bytes(body.to_vec()),
    };
    match media.as_deref() {
        None => serde_json::from_slice(body).map_or_else(|_| text(), ResponseBody::Json),
        Some(m) if m == "application/json" || m.ends_with("+json") => {
            serde_json::from_slice(body).map_or_else(|_| text(), ResponseBody::Json)
        }
        Some(m)
            if m.starts_with("text/")
                || m.ends_with("/xml")
                || m.ends_with("+xml")
                || m == "application/x-www-form-urlencoded"
                || m == "application/javascript" =>
        {
            text()
        }
        Some(_) => ResponseBody::Bytes(body.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body_text(request: &HttpRequest) -> String {
        match &request.body {
            Body::Bytes(bytes) => String::from_utf8(bytes.to_vec()).unwrap(),
            other => panic!("expected bytes, got {other:?}"),
        }
    }

    fn header<'a>(request: &'a HttpRequest, name: &str) -> Vec<&'a str> {
        request
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    #[test]
    fn connection_urls_split_at_the_path() {
        assert_eq!(
            split_connection_url("https://gw.example.com:8443/v1/r/{id}?x=1"),
            ("https://gw.example.com:8443", "/v1/r/{id}?x=1")
        );
        assert_eq!(
            split_connection_url("http://127.0.0.1:9"),
            ("http://127.0.0.1:9", "")
        );
        assert_eq!(split_connection_url("http://h?q=1"), ("http://h", "?q=1"));
    }

    #[test]
    fn path_params_are_substituted_and_encoded() {
        let request = InvokeConnectionRequest::new(RequestMethod::Get)
            .path_param("card_id", "a/b c?#%")
            .path_param("v", "2");
        let http = request.to_http("/v{v}/cards/{card_id}/x{}").unwrap();
        assert_eq!(http.path, "/v2/cards/a%2Fb%20c%3F%23%25/x{}");
        assert!(http.idempotent);
        assert!(matches!(http.body, Body::Empty));
        assert!(header(&http, "content-type").is_empty());
    }

    #[test]
    fn path_param_mismatches_name_the_parameter() {
        let err = InvokeConnectionRequest::new(RequestMethod::Get)
            .to_http("/cards/{card_id}")
            .unwrap_err();
        assert_eq!(err.field(), Some("path_params.card_id"));
        assert!(err.is_validation());
        let err = InvokeConnectionRequest::new(RequestMethod::Get)
            .path_param("card_id", "1")
            .path_param("cardid", "1")
            .to_http("/cards/{card_id}")
            .unwrap_err();
        assert_eq!(err.field(), Some("path_params.cardid"));
        let err = InvokeConnectionRequest::new(RequestMethod::Get)
            .path_param("card_id", "")
            .to_http("/cards/{card_id}")
            .unwrap_err();
        assert_eq!(err.field(), Some("path_params.card_id"));
        assert_eq!(err.operation(), Some(OP));
    }

    #[test]
    fn json_is_the_default_and_written_like_python() {
        let http = InvokeConnectionRequest::new(RequestMethod::Post)
            .header("X-Trace", "t1")
            .body(json!({"card": "tok-1", "n": "é"}))
            .to_http("")
            .unwrap();
        assert_eq!(body_text(&http), r#"{"card": "tok-1", "n": "\u00e9"}"#);
        assert_eq!(header(&http, "content-type"), ["application/json"]);
        assert_eq!(header(&http, "x-trace"), ["t1"]);
        assert!(!http.idempotent);
    }

    #[test]
    fn content_type_header_selects_the_encoding_and_is_kept() {
        let http = InvokeConnectionRequest::new(RequestMethod::Patch)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(json!({"a": {"b": "x&y"}}))
            .to_http("")
            .unwrap();
        assert_eq!(body_text(&http), "a%5Bb%5D=x%26y");
        assert_eq!(
            header(&http, "content-type"),
            ["application/x-www-form-urlencoded"]
        );
        assert!(matches!(http.method, Method::Patch));
    }

    #[test]
    fn multipart_drops_the_callers_content_type() {
        let http = InvokeConnectionRequest::new(RequestMethod::Post)
            .header("content-type", "multipart/form-data")
            .body(json!({"a": "1", "n": 2, "z": null}))
            .to_http("")
            .unwrap();
        assert!(header(&http, "content-type").is_empty());
        let Body::Multipart(parts) = &http.body else {
            panic!("multipart expected")
        };
        let texts: Vec<(String, String)> = parts
            .iter()
            .map(|p| match p {
                Part::Text { name, value } => (name.to_string(), value.clone()),
                Part::File { .. } => panic!("no files"),
            })
            .collect();
        assert_eq!(
            texts,
            [
                ("a".to_owned(), "1".to_owned()),
                ("n".to_owned(), "2".to_owned()),
                ("z".to_owned(), String::new())
            ]
        );
    }

    #[test]
    fn text_and_bytes_bodies_are_sent_as_they_are() {
        let http = InvokeConnectionRequest::new(RequestMethod::Post)
            .text_body("hello <b>")
            .to_http("")
            .unwrap();
        assert_eq!(body_text(&http), "hello <b>");
        assert_eq!(header(&http, "content-type"), ["text/plain; charset=utf-8"]);
        let http = InvokeConnectionRequest::new(RequestMethod::Post)
            .header("content-type", "text/html")
            .body("<p>hi</p>")
            .to_http("")
            .unwrap();
        assert_eq!(body_text(&http), "<p>hi</p>");
        let http = InvokeConnectionRequest::new(RequestMethod::Put)
            .header("content-type", "text/plain")
            .bytes_body("application/pdf", b"%PDF".to_vec())
            .to_http("")
            .unwrap();
        assert_eq!(header(&http, "content-type"), ["application/pdf"]);
    }

    #[test]
    fn bad_bodies_and_headers_name_the_field() {
        let err = InvokeConnectionRequest::new(RequestMethod::Post)
            .header("content-type", "application/xml")
            .body(json!({"ok": {"bad name": 1}}))
            .validate()
            .unwrap_err();
        assert_eq!(err.field(), Some("body.ok.bad name"));
        let err = InvokeConnectionRequest::new(RequestMethod::Post)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(json!(["a"]))
            .validate()
            .unwrap_err();
        assert_eq!(err.field(), Some("body"));
        let err = InvokeConnectionRequest::new(RequestMethod::Post)
            .header("x-ok", "line\nbreak")
            .validate()
            .unwrap_err();
        assert_eq!(err.field(), Some("headers.x-ok"));
        let err = InvokeConnectionRequest::new(RequestMethod::Post)
            .query_param("", 1)
            .validate()
            .unwrap_err();
        assert_eq!(err.field(), Some("query_params"));
        assert!("TRACE".parse::<RequestMethod>().is_err());
    }

    #[test]
    fn debug_shows_names_not_values() {
        let request = InvokeConnectionRequest::new(RequestMethod::Post)
            .path_param("card", "tok-secret-1")
            .query_param("ssn", "tok-secret-2")
            .header("x-skyflow-authorization", "sky-secret-3")
            .body(json!({"v": "tok-secret-4"}));
        let text = format!("{request:?}");
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("card") && text.contains("ssn"), "{text}");
    }

    #[test]
    fn answers_are_parsed_by_content_type() {
        assert_eq!(
            parse_body(Some("application/json; charset=utf-8"), br#"{"a":1}"#),
            ResponseBody::Json(json!({"a": 1}))
        );
        assert_eq!(parse_body(None, br#"[1]"#), ResponseBody::Json(json!([1])));
        assert_eq!(
            parse_body(None, b"plain"),
            ResponseBody::Text("plain".to_owned())
        );
        assert_eq!(
            parse_body(Some("application/json"), b"{oops"),
            ResponseBody::Text("{oops".to_owned())
        );
        assert_eq!(
            parse_body(Some("application/xml"), b"<a/>"),
            ResponseBody::Text("<a/>".to_owned())
        );
        assert_eq!(
            parse_body(Some("image/png"), &[0x89, 0x50]),
            ResponseBody::Bytes(vec![0x89, 0x50])
        );
        assert_eq!(
            parse_body(Some("text/plain"), &[0xff]),
            ResponseBody::Bytes(vec![0xff])
        );
        assert_eq!(parse_body(Some("text/plain"), b""), ResponseBody::Empty);
    }
}
