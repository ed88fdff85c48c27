//! The gateway's handler: authenticate, detokenize, forward, tokenize.

use std::collections::HashMap;

use axum::body::{Body as AxumBody, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use serde_json::{Value, json};

use super::ROUTE_PREFIX;
use super::fields::{Body, FieldError, Message, collect, visit};
use super::spec::{ConnectionSpec, Field, placeholders};
use crate::auth::{Caller, Permission};
use crate::engine::{DetokenizeRequest, InsertRequest};
use crate::envelope::{ApiError, EnvelopeMarker, GrpcCode};
use crate::routes::{Call, on_vault, query_pairs};
use crate::server::AppState;

const SKYFLOW_AUTHORIZATION: &str = "x-skyflow-authorization";
const ERROR_FROM_CLIENT: &str = "error-from-client";

/// Encodes a path parameter as one segment.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'\\')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Headers never forwarded in either direction.
const NOT_FORWARDED: [&str; 11] = [
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    SKYFLOW_AUTHORIZATION,
];

/// Any method on `/v1/gateway/outboundRoutes/{connection}[/{path}]`.
pub(crate) async fn invoke(State(state): State<AppState>, request: Request) -> Response {
    match run(&state, request).await {
        Ok(response) => response,
        Err(err) => {
            let mut response = err.into_response();
            response
                .headers_mut()
                .insert(ERROR_FROM_CLIENT, HeaderValue::from_static("false"));
            response
        }
    }
}

async fn run(state: &AppState, request: Request) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let gateway = state.gateway();
    let rest = parts
        .uri
        .path()
        .strip_prefix(ROUTE_PREFIX)
        .unwrap_or_default()
        .trim_start_matches('/');
    let (id, route_path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let id = percent_decode_str(id).decode_utf8_lossy().into_owned();

    let authorization = parts
        .headers
        .get(SKYFLOW_AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|token| format!("Bearer {}", token.trim()));
    let caller = Caller::from_authorization(authorization.as_deref(), state).await?;

    let spec = gateway
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("Connection {id} was not found.")))?;
    let method = parts.method.as_str();
    if !spec.methods.is_empty() && !spec.methods.iter().any(|m| m.eq_ignore_ascii_case(method)) {
        return Err(ApiError::method_not_allowed(method));
    }
    let path_params = match_route(&spec.path, route_path).ok_or_else(|| {
        ApiError::not_found(format!(
            "No route of connection {id} matches {method} {route_path}."
        ))
    })?;
    let vault_id = match &spec.vault_id {
        Some(vault) => vault.clone(),
        None => state
            .inner
            .engine
            .vaults()
            .first()
            .map(|v| v.id.clone())
            .ok_or_else(|| ApiError::not_found("The emulator has no vault."))?,
    };
    let call = Call::new(caller, &parts).authorize(&vault_id, Permission::Read)?;
    if !spec.tokenize.is_empty() {
        call.caller.authorize(&vault_id, Permission::Write)?;
    }

    let bytes = to_bytes(body, state.limits().max_body_bytes)
        .await
        .map_err(|_| {
            ApiError::payload_too_large("The request body is larger than the emulator's limit.")
        })?;
    let fields: Vec<&Field> = spec.detokenize.iter().collect();
    let headers = forwardable(&parts.headers);
    let body = Body::parse(&headers, bytes, &fields).map_err(bad_request)?;
    let mut message = Message {
        path_params,
        query: query_pairs(parts.uri.query()),
        headers,
        body,
    };
    let swap = Swap {
        state,
        call: &call,
        vault_id: &vault_id,
        spec: &spec,
    };
    swap.detokenize_fields(&mut message).await?;

    let query_changed = spec.detokenize.iter().any(|f| matches!(f, Field::Query(_)));
    let url = upstream_url(
        &spec.upstream,
        &message.path_params,
        if query_changed {
            encode_query(&message.query)
        } else {
            parts.uri.query().unwrap_or_default().to_owned()
        },
    );
    let upstream = gateway
        .http()
        .request(parts.method.clone(), &url)
        .headers(message.headers)
        .body(message.body.into_bytes())
        .send()
        .await
        .map_err(|e| upstream_failure(&id, &e))?;
    let status = upstream.status();
    let upstream_headers = forwardable(upstream.headers());
    let bytes = upstream
        .bytes()
        .await
        .map_err(|e| upstream_failure(&id, &e))?;

    if status.as_u16() >= 400 {
        let mut response = answer(status, upstream_headers, bytes);
        response
            .headers_mut()
            .insert(ERROR_FROM_CLIENT, HeaderValue::from_static("true"));
        // The upstream's body is the answer: the envelope middleware leaves it alone.
        response.extensions_mut().insert(EnvelopeMarker);
        return Ok(response);
    }
    let fields: Vec<&Field> = spec.tokenize.iter().map(|rule| &rule.field).collect();
    let body = Body::parse(&upstream_headers, bytes, &fields).map_err(|e| bad_answer(&id, &e))?;
    let mut message = Message {
        path_params: Vec::new(),
        query: Vec::new(),
        headers: upstream_headers,
        body,
    };
    swap.tokenize_fields(&mut message).await?;
    Ok(answer(status, message.headers, message.body.into_bytes()))
}

/// What swaps a message's fields between tokens and values: the connection, the vault it
/// uses, and the authorized call on whose behalf the vault is asked.
struct Swap<'a> {
    state: &'a AppState,
    call: &'a Call,
    vault_id: &'a str,
    spec: &'a ConnectionSpec,
}

impl Swap<'_> {
    /// Replaces every token in the connection's detokenize fields by its value (one vault
    /// call); an unknown token fails the call with the vault's 404.
    async fn detokenize_fields(&self, message: &mut Message) -> Result<(), ApiError> {
        let tokens = collect(message, &self.spec.detokenize).map_err(bad_request)?;
        if tokens.is_empty() {
            return Ok(());
        }
        let params: Vec<Value> = tokens
            .iter()
            .map(|token| json!({"token": token, "redaction": "PLAIN_TEXT"}))
            .collect();
        let request: DetokenizeRequest =
            serde_json::from_value(json!({ "detokenizationParameters": params }))
                .map_err(|_| ApiError::internal("could not build the detokenize request"))?;
        let ctx = self.call.ctx.clone();
        let response = on_vault(self.state, self.vault_id, move |v| {
            v.detokenize(&ctx, request)
        })
        .await
        .map_err(|e| {
            // The vault's message quotes the token; the gateway's answer does not.
            if e.status() == StatusCode::NOT_FOUND {
                ApiError::not_found("Token not found. A token in the request does not exist.")
            } else {
                e
            }
        })?;
        let response = serde_json::to_value(&response).unwrap_or_default();
        let mut values: HashMap<String, String> = HashMap::new();
        for record in response["records"].as_array().into_iter().flatten() {
            if let (Some(token), Some(value)) = (record["token"].as_str(), record.get("value")) {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                values.insert(token.to_owned(), text);
            }
        }
        for field in &self.spec.detokenize {
            visit(message, field, &mut |value| values.get(value).cloned()).map_err(bad_request)?;
        }
        Ok(())
    }

    /// Stores the values of the connection's tokenize fields in their columns and replaces
    /// them by the tokens (one insert per table and column).
    async fn tokenize_fields(&self, message: &mut Message) -> Result<(), ApiError> {
        for rule in &self.spec.tokenize {
            let values = collect(message, std::slice::from_ref(&rule.field))
                .map_err(|e| bad_answer(&self.spec.id, &e))?;
            if values.is_empty() {
                continue;
            }
            let records: Vec<Value> = values
                .iter()
                .map(|value| json!({ "fields": { rule.column.as_str(): value } }))
                .collect();
            let request: InsertRequest =
                serde_json::from_value(json!({ "records": records, "tokenization": true }))
                    .map_err(|_| ApiError::internal("could not build the insert request"))?;
            let ctx = self.call.ctx.clone();
            let table = rule.table.clone();
            let response = on_vault(self.state, self.vault_id, move |v| {
                v.insert(&ctx, &table, request)
            })
            .await?;
            let response = serde_json::to_value(&response).unwrap_or_default();
            let mut tokens: HashMap<String, String> = HashMap::new();
            for (value, record) in values
                .iter()
                .zip(response["records"].as_array().into_iter().flatten())
            {
                let Some(token) = record["tokens"][rule.column.as_str()].as_str() else {
                    return Err(ApiError::new(
                        StatusCode::BAD_GATEWAY,
                        GrpcCode::FailedPrecondition,
                        format!(
                            "Connection {}: column {} of table {} gives no tokens.",
                            self.spec.id, rule.column, rule.table
                        ),
                    ));
                };
                tokens.insert(value.clone(), token.to_owned());
            }
            visit(message, &rule.field, &mut |value| {
                tokens.get(value).cloned()
            })
            .map_err(|e| bad_answer(&self.spec.id, &e))?;
        }
        Ok(())
    }
}

/// Matches a request path against a route template; the parameters, percent-decoded.
fn match_route(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let split = |p: &str| -> Vec<String> {
        p.trim_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let expected = split(template);
    let actual = split(path);
    if expected.len() != actual.len() {
        return None;
    }
    let mut params = Vec::new();
    for (want, got) in expected.iter().zip(&actual) {
        match want.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
            Some(name) => {
                let value = percent_decode_str(got).decode_utf8().ok()?.into_owned();
                params.push((name.to_owned(), value));
            }
            None if want == got => {}
            None => return None,
        }
    }
    Some(params)
}

/// The upstream URL: placeholders filled, the query appended.
fn upstream_url(template: &str, params: &[(String, String)], query: String) -> String {
    let mut url = template.to_owned();
    for name in placeholders(template) {
        let value = params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| utf8_percent_encode(v, SEGMENT).to_string())
            .unwrap_or_default();
        url = url.replace(&format!("{{{name}}}"), &value);
    }
    if !query.is_empty() {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&query);
    }
    url
}

fn encode_query(pairs: &[(String, String)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        out.append_pair(key, value);
    }
    out.finish()
}

fn forwardable(headers: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if !NOT_FORWARDED.contains(&name.as_str()) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

fn answer(status: StatusCode, headers: HeaderMap, body: bytes::Bytes) -> Response {
    let mut response = Response::new(AxumBody::from(body));
    *response.status_mut() = status;
    for (name, value) in &headers {
        if name != HeaderName::from_static("x-request-id") {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    response
}

fn bad_request(err: FieldError) -> ApiError {
    ApiError::bad_request(format!("Invalid request. {}", err.0))
}

fn bad_answer(id: &str, err: &FieldError) -> ApiError {
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        GrpcCode::Unavailable,
        format!(
            "Connection {id}: the upstream's answer could not be tokenized: {}",
            err.0
        ),
    )
}

fn upstream_failure(id: &str, err: &reqwest::Error) -> ApiError {
    if err.is_timeout() {
        ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            GrpcCode::Unavailable,
            format!("Connection {id}: the upstream did not answer in time."),
        )
    } else {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            GrpcCode::Unavailable,
            format!("Connection {id}: the upstream could not be reached."),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_and_decode_parameters() {
        assert_eq!(
            match_route("/cards/{id}/charge", "/cards/a%2Fb/charge/"),
            Some(vec![("id".to_owned(), "a/b".to_owned())])
        );
        assert_eq!(match_route("", ""), Some(vec![]));
        assert_eq!(match_route("/cards/{id}", "/cards"), None);
        assert_eq!(match_route("/cards/{id}", "/card/1"), None);
    }

    #[test]
    fn upstream_urls_fill_placeholders_and_append_the_query() {
        let params = [("id".to_owned(), "4111 1/1".to_owned())];
        assert_eq!(
            upstream_url("http://h/c/{id}", &params, "a=1".into()),
            "http://h/c/4111%201%2F1?a=1"
        );
        assert_eq!(
            upstream_url("http://h/c?k=v", &[], "a=1".into()),
            "http://h/c?k=v&a=1"
        );
        assert_eq!(upstream_url("http://h/c", &[], String::new()), "http://h/c");
    }
}
