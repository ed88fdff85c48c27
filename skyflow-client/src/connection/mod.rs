//! Invoking a Skyflow connection: [`InvokeConnectionRequest`] in,
//! [`InvokeConnectionResponse`] out, through [`ConnectionClient::invoke`].
//!
//! A connection is a route of Skyflow's gateway to a third party (a payment processor, a
//! KYC provider). The request carries tokens; the gateway swaps in the values on the way
//! out, or turns the third party's sensitive answer into tokens on the way back.
//!
//! ```no_run
//! use serde_json::json;
//! use skyflow_client::connection::{InvokeConnectionRequest, RequestMethod};
//!
//! # async fn run(client: skyflow_client::Skyflow) -> skyflow_client::Result<()> {
//! // connection URL: https://gw.example.com/v1/gateway/outboundRoutes/abc/cards/{card_id}/pay
//! let request = InvokeConnectionRequest::new(RequestMethod::Post)
//!     .path_param("card_id", "c-42")
//!     .query_param("dry_run", true)
//!     .header("Idempotency-Key", "8c1e")
//!     .header("content-type", "application/x-www-form-urlencoded")
//!     .body(json!({ "card": { "number": "4a1b2c3d-token", "exp": "12/29" }, "amount": 1200 }));
//! let response = client.connection("payments")?.invoke(&request).await?;
//! println!("{} (request id {:?})", response.status(), response.request_id());
//! if let Some(answer) = response.json() {
//!     println!("authorization {}", answer["authorization_id"]);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # How the request is built
//!
//! - **Method**: GET, POST, PUT, PATCH or DELETE ([`RequestMethod`]).
//! - **URL**: the connection URL with every `{name}` placeholder replaced by its path
//!   parameter, percent-encoded as one path segment; a placeholder without a value, or a
//!   value without a placeholder, is a validation error naming `path_params.<name>`.
//! - **Query**: parameters in the order added; a key added several times repeats
//!   (`?tag=a&tag=b`, the way the official SDKs send lists).
//! - **Headers**: names lower-cased, values as given. `x-skyflow-authorization` carries
//!   the connection's credentials (API key, bearer token, or a service-account token from
//!   the client's shared token cache), with no `Bearer ` prefix, unless the request sets
//!   it; `sky-metadata` is always the SDK's.
//! - **Body**, chosen by the `content-type` header (its media type, any case; JSON when
//!   there is none):
//!
//!   | content type | a [`body`](InvokeConnectionRequest::body) value is sent as |
//!   |---|---|
//!   | `application/json`, none, anything unknown | JSON written like Python's `json.dumps` (`", "`, `": "`, ASCII only) |
//!   | `application/x-www-form-urlencoded` | nested fields as `a[b]`, lists as `a[0]`, escaped; `null` left out |
//!   | `multipart/form-data` | one text part per top-level field (or [`multipart`](InvokeConnectionRequest::multipart) with file parts); the boundary is generated |
//!   | `text/xml`, `application/xml`, `*+xml` | `<root>` with one element per field, list items repeating the element, text escaped |
//!   | `text/plain`, `text/html` | a string as it is, any other value as JSON text |
//!
//!   [`text_body`](InvokeConnectionRequest::text_body) and
//!   [`bytes_body`](InvokeConnectionRequest::bytes_body) send a ready body as it is.
//!
//! # How the answer is read
//!
//! A status below 400 is success. The body is parsed by its content type: JSON when the
//! type says JSON or there is none (falling back to text when it does not parse), text for
//! `text/*`, XML and form types, bytes for the rest. A status of 400 or more is an
//! [`Error`](crate::Error) of kind [`Api`](crate::ErrorKind::Api) with the status, the
//! body's message (Skyflow's envelope, or `error` as a string), the request id, and
//! `{"error_from_client": bool}` in the details when the gateway sent `error-from-client`.
//!
//! # Timeouts and retries
//!
//! A connection uses its own [`RetryConfig`](crate::RetryConfig) and
//! [`TimeoutConfig`](crate::TimeoutConfig) when its [`ConnectionConfig`](crate::ConnectionConfig)
//! sets them, else the client's. GET, PUT and DELETE are retried on connect failures, 408,
//! 429 and 5xx; POST and PATCH only when they never reached the connection.
//!
//! [`ConnectionClient::invoke`]: crate::ConnectionClient::invoke

mod encode;
mod invoke;

pub use invoke::{
    InvokeConnectionRequest, InvokeConnectionResponse, MultipartForm, RequestMethod, ResponseBody,
};
pub(crate) use invoke::{OP as INVOKE_OP, split_connection_url};
