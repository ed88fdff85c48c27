//! The transport's request and response shapes.
//!
//! Operation modules (vault, detect, connection) describe a call as an [`HttpRequest`] and
//! read an [`HttpResponse`]; only the transport turns them into HTTP. The transport adds the
//! base URL, the `Authorization` and `sky-metadata` headers, timeouts, retries and error
//! decoding.

use std::borrow::Cow;

/// HTTP method of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// The method's name, as sent.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// A request body.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// No body.
    Empty,
    /// A JSON body, sent with `content-type: application/json`.
    Json(serde_json::Value),
    /// A `multipart/form-data` body; parts are sent in order.
    Multipart(Vec<Part>),
    /// Bytes sent as they are; the content type, if any, is among the request's headers.
    Bytes(bytes::Bytes),
}

/// One part of a multipart body.
#[derive(Clone)]
pub(crate) enum Part {
    /// A text field.
    Text {
        name: Cow<'static, str>,
        value: String,
    },
    /// A file field.
    File {
        name: Cow<'static, str>,
        file_name: String,
        content_type: String,
        bytes: bytes::Bytes,
    },
}

impl std::fmt::Debug for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Part values can be record data: never print them.
        match self {
            Part::Text { name, .. } => f
                .debug_struct("Text")
                .field("name", name)
                .finish_non_exhaustive(),
            Part::File {
                name,
                content_type,
                bytes,
                ..
            } => f
                .debug_struct("File")
                .field("name", name)
                .field("content_type", content_type)
                .field("len", &bytes.len())
                .finish_non_exhaustive(),
        }
    }
}

/// A call, relative to the vault (or connection) base URL.
#[derive(Debug, Clone)]
pub(crate) struct HttpRequest {
    /// Request type name used in logs and errors, e.g. `"InsertRequest"`.
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    /// Path starting with `/`, segments already percent-encoded where needed,
    /// e.g. `/v1/vaults/{vault_id}/{table}`.
    pub(crate) path: String,
    /// Query pairs in order; repeated keys repeat (`skyflow_ids=a&skyflow_ids=b`).
    pub(crate) query: Vec<(Cow<'static, str>, String)>,
    pub(crate) body: Body,
    /// Safe to send twice (GET, PUT, DELETE, detokenize, tokenize, query …). A
    /// non-idempotent call is retried only when it never reached the server.
    pub(crate) idempotent: bool,
    /// Extra headers for this call only (for example `x-request-id`).
    pub(crate) headers: Vec<(String, String)>,
}

/// A successful (2xx) response. Non-2xx responses become [`crate::Error`] in the transport.
#[derive(Debug, Clone)]
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    /// The `x-request-id` response header.
    pub(crate) request_id: Option<String>,
    /// Every response header (connection answers expose them).
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: bytes::Bytes,
}

pub(crate) mod decode;
pub(crate) mod retry;
pub(crate) mod transport;

#[cfg(test)]
mod tests;

pub(crate) use decode::{decode_error, json_body, json_kind};
pub(crate) use transport::{AuthStyle, HttpShared, Transport};
