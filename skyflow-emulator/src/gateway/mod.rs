//! A local connection gateway: Skyflow Connections on loopback.
//!
//! A connection maps a route of the gateway (methods and a path with `{name}` parameters)
//! to an upstream URL. On the way out the gateway replaces the tokens in the fields the
//! connection names with their values from the vault; on the way back it stores the values
//! in the answer's named fields in a vault column and replaces them with tokens. So a
//! service can send tokens to a third party that needs the real data, or receive sensitive
//! data from it and keep only tokens.
//!
//! A connection's URL is `{emulator}/v1/gateway/outboundRoutes/{id}{path}`, for example
//! `http://127.0.0.1:8080/v1/gateway/outboundRoutes/payments/cards/{card_id}`; it is what
//! the SDK's `ConnectionConfig` takes, and `emulator.json` lists it for each connection.
//!
//! # Configuring connections
//!
//! From a file (`skyflow-emulator --connections connections.json`, or
//! [`EmulatorOptions::connections_file`](crate::EmulatorOptions::connections_file)):
//!
//! ```json
//! {
//!   "connections": [
//!     {
//!       "id": "payments",
//!       "methods": ["POST"],
//!       "path": "/cards/{card_id}/charge",
//!       "upstream": "http://127.0.0.1:9000/v2/charge/{card_id}",
//!       "detokenize": [
//!         {"path": "card_id"},
//!         {"json": "card.number"},
//!         {"form": "card[cvv]"},
//!         {"xml": "card/number"},
//!         {"header": "x-card-token"},
//!         {"query": "ssn"}
//!       ],
//!       "tokenize": [
//!         {"field": {"json": "customer.ssn"}, "table": "persons", "column": "ssn"}
//!       ]
//!     }
//!   ]
//! }
//! ```
//!
//! or in process with [`Emulator::add_connection`](crate::Emulator::add_connection) and a
//! [`ConnectionSpec`]. [`Field`] explains each kind of field.
//!
//! # What the gateway does
//!
//! 1. Authenticates the caller by `x-skyflow-authorization` (an API key or a bearer token,
//!    no `Bearer ` prefix) with the vault's rules: it needs read access to the
//!    connection's vault, and write access when the connection tokenizes (a viewer can't
//!    trigger tokenization). Values come back with the caller's redaction: an editor or
//!    viewer gets each column's default redaction, as from detokenize.
//! 2. Detokenizes the named fields of the request (path and query parameters, headers, and
//!    the body by its content type: JSON, form, multipart text parts or XML) in one vault
//!    call. A body whose type has no fields (text, binary) is forwarded as received.
//! 3. Forwards the method, the rewritten URL, query and body, and every header but
//!    `x-skyflow-authorization`, `host`, `content-length` and hop-by-hop ones.
//! 4. Answers an upstream status of 400 or more with the upstream's status, headers and
//!    body as they are, plus `error-from-client: true`. Otherwise it tokenizes the named
//!    fields of the answer (headers and body) into their vault columns and answers with the
//!    upstream's status, headers and the rewritten body.
//!
//! The gateway's own failures are Skyflow's JSON error envelope with
//! `error-from-client: false`: 401 without valid credentials, 403 when the role does not
//! allow the call, 404 for an unknown connection, a path no route matches or a token that
//! does not exist, 405 for a method the connection does not accept, 400 for a request
//! whose named fields can't be read, 502 when the upstream can't be reached or its answer
//! can't be tokenized, 504 when it does not answer within 30 seconds.

mod fields;
mod proxy;
mod spec;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub use spec::{ConnectionSpec, Field, TokenizeField, parse_connections};

pub(crate) use proxy::invoke;

/// The path prefix of every connection URL.
pub const ROUTE_PREFIX: &str = "/v1/gateway/outboundRoutes";

/// How long the gateway waits for an upstream's answer.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);

/// The configured connections, shared by the server and the embedding API. Cheap to clone.
///
/// ```
/// use skyflow_emulator::gateway::{ConnectionSpec, Gateway};
/// let gateway = Gateway::new();
/// gateway.add(ConnectionSpec::new("kyc", "/check", "http://127.0.0.1:9000/check")).unwrap();
/// assert_eq!(gateway.connections()[0].id, "kyc");
/// ```
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<GatewayInner>,
}

struct GatewayInner {
    connections: RwLock<BTreeMap<String, ConnectionSpec>>,
    http: reqwest::Client,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("connections", &self.ids())
            .finish_non_exhaustive()
    }
}

impl Default for Gateway {
    fn default() -> Self {
        Gateway::new()
    }
}

impl Gateway {
    /// A gateway with no connections.
    pub fn new() -> Self {
        let http = reqwest::Client::builder()
            .timeout(UPSTREAM_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Gateway {
            inner: Arc::new(GatewayInner {
                connections: RwLock::new(BTreeMap::new()),
                http,
            }),
        }
    }

    /// Adds a connection, or replaces the one with the same id, after validating it.
    pub fn add(&self, spec: ConnectionSpec) -> Result<(), String> {
        spec.validate()?;
        self.write().insert(spec.id.clone(), spec);
        Ok(())
    }

    /// Removes a connection; `false` when there was none with that id.
    pub fn remove(&self, id: &str) -> bool {
        self.write().remove(id).is_some()
    }

    /// The connection with id `id`.
    pub fn get(&self, id: &str) -> Option<ConnectionSpec> {
        self.read().get(id).cloned()
    }

    /// Every connection, by id.
    pub fn connections(&self) -> Vec<ConnectionSpec> {
        self.read().values().cloned().collect()
    }

    fn ids(&self) -> Vec<String> {
        self.read().keys().cloned().collect()
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, ConnectionSpec>> {
        self.inner
            .connections
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, ConnectionSpec>> {
        self.inner
            .connections
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The URL a client uses for `spec` on an emulator at `base_url`.
///
/// ```
/// use skyflow_emulator::gateway::{ConnectionSpec, connection_url};
/// let spec = ConnectionSpec::new("pay", "/cards/{id}", "http://127.0.0.1:9/c/{id}");
/// assert_eq!(
///     connection_url("http://127.0.0.1:8080", &spec),
///     "http://127.0.0.1:8080/v1/gateway/outboundRoutes/pay/cards/{id}"
/// );
/// ```
pub fn connection_url(base_url: &str, spec: &ConnectionSpec) -> String {
    format!(
        "{}{ROUTE_PREFIX}/{}{}",
        base_url.trim_end_matches('/'),
        spec.id,
        spec.path
    )
}
