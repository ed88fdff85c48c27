//! Shared helpers of the HTTP integration tests: start an emulator, call it with reqwest, and
//! validate every response body against its schema in Skyflow's Data API OpenAPI document
//! (or, for `/v1/detect/*`, the Detect API document).
#![allow(dead_code)]

use std::sync::OnceLock;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use skyflow_emulator::{Emulator, EmulatorOptions};

/// Skyflow's Data API OpenAPI document, vendored under `tests/fixtures/openapi/`.
pub const OPENAPI_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/openapi/data.openapi.json"
);

/// Skyflow's Detect API OpenAPI document, vendored beside it.
pub const DETECT_OPENAPI_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/openapi/detect.openapi.json"
);

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).expect("the OpenAPI document is JSON")
}

/// The document that describes `path` (a concrete path or a template).
fn openapi_for(path: &str) -> &'static Value {
    static DATA: OnceLock<Value> = OnceLock::new();
    static DETECT: OnceLock<Value> = OnceLock::new();
    if path.starts_with("/v1/detect/") || path.starts_with("/v2/detect/") {
        DETECT.get_or_init(|| load(DETECT_OPENAPI_PATH))
    } else {
        DATA.get_or_init(|| load(OPENAPI_PATH))
    }
}

fn openapi() -> &'static Value {
    openapi_for("/v1/vaults")
}

/// Finds the OpenAPI path template matching a concrete path; the template with the most
/// literal segments wins (`/query` beats `/{objectName}`).
pub fn template_for(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut best: Option<(usize, String)> = None;
    for template in openapi_for(path)["paths"].as_object()?.keys() {
        let parts: Vec<&str> = template.split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut literal = 0;
        let matches = parts.iter().zip(&segments).all(|(t, s)| {
            if t.starts_with('{') {
                true
            } else {
                literal += 1;
                t == s
            }
        });
        if matches && best.as_ref().is_none_or(|(n, _)| literal > *n) {
            best = Some((literal, template.clone()));
        }
    }
    best.map(|(_, t)| t)
}

/// The response schema for (template, method, status): the documented one, else the error
/// envelope for 4xx/5xx, else the 200 schema (for 207).
pub fn response_schema(template: &str, method: &Method, status: StatusCode) -> Value {
    let doc = openapi_for(template);
    let op = &doc["paths"][template][method.as_str().to_ascii_lowercase()];
    assert!(
        op.is_object(),
        "no operation {method} {template} in the OpenAPI document"
    );
    let responses = &op["responses"];
    let code = status.as_u16().to_string();
    let mut response = responses.get(&code).cloned();
    if response.is_none() && status.as_u16() == 207 {
        response = responses.get("200").cloned();
    }
    let response = match response {
        Some(r) => r,
        None if status.is_client_error() || status.is_server_error() => {
            json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/error_response"}}}})
        }
        None => panic!("{method} {template} has no documented {status} response"),
    };
    let response = match response.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().expect("ref name");
            doc["components"]["responses"][name].clone()
        }
        None => response,
    };
    response["content"]["application/json"]["schema"].clone()
}

/// Validates `body` against `schema` (whose `$ref`s point into the Data API components).
pub fn assert_valid(schema: &Value, body: &Value, what: &str) {
    assert_valid_in("/v1/vaults", schema, body, what);
}

/// Validates `body` against `schema`, whose `$ref`s point into the components of the
/// document describing `path`.
pub fn assert_valid_in(path: &str, schema: &Value, body: &Value, what: &str) {
    let mut root = schema.clone();
    if let Some(obj) = root.as_object_mut() {
        obj.insert("components".into(), openapi_for(path)["components"].clone());
    } else {
        panic!("{what}: schema is not an object");
    }
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&root)
        .unwrap_or_else(|e| panic!("{what}: schema does not compile: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: body does not match its OpenAPI schema: {errors:?}\nbody: {body}"
    );
}

/// A stricter overlay on the OpenAPI success schemas, which list no `required` keys (so `{}`
/// would validate): the keys our responses promise, per operation. Applied to 2xx bodies.
pub fn overlay_schema(template: &str, method: &Method) -> Option<Value> {
    let string = json!({"type": "string", "minLength": 1});
    let fields_record = json!({"type": "object", "required": ["fields"], "properties": {"fields": {"type": "object"}}});
    let records = |item: Value| json!({"type": "object", "required": ["records"], "properties": {"records": {"type": "array", "items": item}}});
    let schema = match (method.as_str(), template) {
        ("POST", "/v1/vaults/{vaultID}/{objectName}") => records(json!({
            "type": "object", "required": ["skyflow_id"],
            "properties": {"skyflow_id": string, "tokens": {"type": ["object", "null"]}}
        })),
        ("GET", "/v1/vaults/{vaultID}/{objectName}") => records(fields_record),
        ("GET", "/v1/vaults/{vaultID}/{objectName}/{ID}") => fields_record,
        ("PUT", "/v1/vaults/{vaultID}/{objectName}/{ID}")
        | ("POST", "/v1/vaults/{vaultID}/{objectName}/{ID}/files") => {
            json!({"type": "object", "required": ["skyflow_id"], "properties": {"skyflow_id": string}})
        }
        ("DELETE", "/v1/vaults/{vaultID}/{objectName}/{ID}")
        | ("DELETE", "/v1/vaults/{vaultID}/{tableName}/{ID}/files/{columnName}") => json!({
            "type": "object", "required": ["skyflow_id", "deleted"],
            "properties": {"skyflow_id": string, "deleted": {"const": true}}
        }),
        ("DELETE", "/v1/vaults/{vaultID}/{objectName}") => json!({
            "type": "object", "required": ["RecordIDResponse"],
            "properties": {"RecordIDResponse": {"type": "array", "minItems": 1, "items": string}}
        }),
        ("POST", "/v1/vaults/{vaultID}") => json!({
            "type": "object", "required": ["vaultID", "responses"],
            "properties": {
                "vaultID": string,
                "responses": {"type": "array", "items": {
                    "type": "object", "required": ["Status", "Body"],
                    "properties": {"Status": {"type": "integer"}, "Body": {"type": "object"}}
                }}
            }
        }),
        ("POST", "/v1/vaults/{vaultID}/query") => records(fields_record),
        ("POST", "/v1/vaults/{vaultID}/tokenize") => records(json!({
            "type": "object", "required": ["token"], "properties": {"token": string}
        })),
        ("POST", "/v1/vaults/{vaultID}/detokenize") => records(json!({
            "type": "object", "required": ["token"],
            "properties": {"token": string},
            "oneOf": [
                {"required": ["value", "valueType"], "not": {"required": ["error"]}},
                {"required": ["error"], "properties": {"error": string}}
            ]
        })),
        ("POST", "/v2/vaults/{vaultID}/files/upload") => json!({
            "type": "object", "required": ["skyflowID"], "properties": {"skyflowID": string}
        }),
        ("POST", "/v2/vaults/{vaultID}/files/uploadStatus") => records(json!({"type": "object"})),
        ("GET", "/v1/vaults/{vaultID}/{tableName}/{ID}/files/{columnName}/scan-status") => json!({
            "type": "object", "required": ["av_scan_status"], "properties": {"av_scan_status": string}
        }),
        ("GET", "/v1/audit/events") => json!({
            "type": "object", "required": ["event"],
            "properties": {"event": {"type": "array", "items": {
                "type": "object", "required": ["context", "request", "response"]
            }}}
        }),
        ("POST", "/v1/detect/deidentify/string") => json!({
            "type": "object",
            "required": ["processed_text", "entities", "word_count", "character_count"],
            "properties": {
                "processed_text": {"type": "string"},
                "word_count": {"type": "integer", "minimum": 0},
                "character_count": {"type": "integer", "minimum": 0},
                "entities": {"type": "array", "items": {
                    "type": "object",
                    "required": ["token", "value", "location", "entity_type", "entity_scores"],
                    "properties": {
                        "token": string, "value": string, "entity_type": string,
                        "entity_scores": {"type": "object", "minProperties": 1},
                        "location": {"type": "object", "required": [
                            "start_index", "end_index", "start_index_processed", "end_index_processed"
                        ]}
                    }
                }}
            }
        }),
        ("POST", "/v1/detect/reidentify/string") => json!({
            "type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}
        }),
        ("POST", t) if t.starts_with("/v1/detect/deidentify/file") => json!({
            "type": "object", "required": ["run_id"], "properties": {"run_id": string}
        }),
        ("GET", "/v1/detect/runs/{run_id}") => json!({
            "type": "object",
            "required": ["status", "outputType", "output", "message", "size", "wordCharacterCount"],
            "properties": {
                "status": {"enum": ["IN_PROGRESS", "SUCCESS", "FAILED"]},
                "output": {"type": "array", "items": {
                    "type": "object",
                    "required": ["processedFile", "processedFileType", "processedFileExtension"]
                }},
                "wordCharacterCount": {"type": "object", "required": ["wordCount", "characterCount"]}
            }
        }),
        _ => return None,
    };
    Some(schema)
}

/// Applies [`overlay_schema`] to a 2xx body.
pub fn assert_overlay(template: &str, method: &Method, status: StatusCode, body: &Value) {
    if !status.is_success() {
        return;
    }
    let schema = overlay_schema(template, method)
        .unwrap_or_else(|| panic!("no overlay for {method} {template}"));
    assert_valid_in(
        template,
        &schema,
        body,
        &format!("{method} {template} {status} (overlay)"),
    );
}

/// The error envelope schema.
pub fn assert_envelope(body: &Value, status: StatusCode) {
    assert_valid(
        &json!({"$ref": "#/components/schemas/error_response"}),
        body,
        "error envelope",
    );
    assert_eq!(
        body["error"]["http_code"],
        status.as_u16(),
        "http_code equals the status: {body}"
    );
}

/// A response: status, headers, JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn ok(&self) -> &Value {
        assert!(
            self.status.is_success(),
            "expected success, got {} {}",
            self.status,
            self.body
        );
        &self.body
    }

    pub fn expect_error(&self, status: u16) -> &str {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected reply: {}",
            self.body
        );
        self.body["error"]["message"].as_str().unwrap_or_default()
    }
}

/// A running emulator plus a client.
pub struct Harness {
    pub emulator: Emulator,
    pub client: reqwest::Client,
    pub bearer: String,
}

pub async fn start() -> Harness {
    start_with(EmulatorOptions::in_memory()).await
}

pub async fn start_with(options: EmulatorOptions) -> Harness {
    let emulator = Emulator::start(options).await.expect("emulator starts");
    let bearer = emulator.api_key().to_owned();
    Harness {
        emulator,
        client: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client"),
        bearer,
    }
}

impl Harness {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.emulator.vault_url(), path)
    }

    pub fn vault(&self) -> String {
        self.emulator.vault_id().to_owned()
    }

    /// Sends a request with the harness's bearer and validates the reply against the OpenAPI.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.call_as(&self.bearer.clone(), method, path, body).await
    }

    pub async fn call_as(
        &self,
        bearer: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self
            .client
            .request(method.clone(), self.url(path))
            .header("authorization", format!("Bearer {bearer}"));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request reaches the emulator");
        self.finish(method, path, resp).await
    }

    /// Posts multipart `form` to `path` with the harness's bearer token; the answer, read and
    /// validated.
    pub async fn post_form(&self, path: &str, form: reqwest::multipart::Form) -> Reply {
        let resp = self
            .client
            .post(self.url(path))
            .bearer_auth(&self.bearer)
            .multipart(form)
            .send()
            .await
            .expect("request reaches the emulator");
        self.finish(Method::POST, path, resp).await
    }

    /// Reads and validates a response.
    pub async fn finish(&self, method: Method, path: &str, resp: reqwest::Response) -> Reply {
        let status = resp.status();
        let headers = resp.headers().clone();
        let request_id = headers
            .get("x-request-id")
            .unwrap_or_else(|| panic!("{method} {path}: no x-request-id"));
        assert!(!request_id.is_empty());
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            content_type.starts_with("application/json"),
            "{method} {path}: content-type {content_type:?} ({status})"
        );
        let text = resp.text().await.expect("body");
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path}: body is not JSON: {text}"));
        let path_only = path.split('?').next().unwrap_or(path);
        if status.is_client_error() || status.is_server_error() {
            assert_envelope(&body, status);
        }
        if let Some(template) = template_for(path_only) {
            let schema = response_schema(&template, &method, status);
            assert_valid_in(
                &template,
                &schema,
                &body,
                &format!("{method} {template} {status}"),
            );
            assert_overlay(&template, &method, status, &body);
        } else if !(status.is_client_error() || status.is_server_error()) {
            // Only the token exchange answers outside the Data API document.
            assert_eq!(
                path_only, "/v1/auth/sa/oauth/token",
                "{method} {path}: unknown path"
            );
            assert_eq!(body["tokenType"], "Bearer");
            assert!(body["accessToken"].is_string());
        }
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Inserts records into `table` and returns the response body.
    pub async fn insert(&self, table: &str, records: Vec<Value>, tokenization: bool) -> Value {
        let records: Vec<Value> = records.into_iter().map(|f| json!({"fields": f})).collect();
        let reply = self
            .call(
                Method::POST,
                &format!("/v1/vaults/{}/{table}", self.vault()),
                Some(json!({"records": records, "tokenization": tokenization, "upsert": null, "homogeneous": false, "byot": "DISABLE"})),
            )
            .await;
        reply.ok().clone()
    }

    /// Exchanges the default service account's credentials for a bearer token.
    pub async fn service_account_token(&self, scope: Option<&str>) -> Reply {
        let creds: Value = serde_json::from_str(self.emulator.credentials_json()).expect("creds");
        let assertion = sign_assertion(&creds, creds["tokenURI"].as_str().unwrap(), 3600);
        self.exchange(&assertion, scope).await
    }

    pub async fn exchange(&self, assertion: &str, scope: Option<&str>) -> Reply {
        let resp = self
            .client
            .post(self.url("/v1/auth/sa/oauth/token"))
            .header("authorization", "Bearer token")
            .json(&json!({
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": assertion,
                "scope": scope,
            }))
            .send()
            .await
            .expect("token exchange");
        self.finish(Method::POST, "/v1/auth/sa/oauth/token", resp)
            .await
    }
}

/// Signs an RS256 assertion like the official SDKs do.
pub fn sign_assertion(creds: &Value, aud: &str, ttl_secs: i64) -> String {
    let now = jsonwebtoken::get_current_timestamp() as i64;
    let claims = json!({
        "iss": creds["clientID"],
        "key": creds["keyID"],
        "aud": aud,
        "sub": creds["clientID"],
        "exp": now + ttl_secs,
    });
    sign_rs256(creds, &claims)
}

pub fn sign_rs256(creds: &Value, claims: &Value) -> String {
    let key =
        jsonwebtoken::EncodingKey::from_rsa_pem(creds["privateKey"].as_str().unwrap().as_bytes())
            .expect("private key");
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        claims,
        &key,
    )
    .expect("sign")
}
