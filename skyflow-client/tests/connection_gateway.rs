//! Connections end to end: the SDK invokes connections of the emulator's local gateway,
//! which detokenizes on the way out to a third-party stand-in on loopback and tokenizes
//! its answers on the way back. Every method and every body encoding; the upstream's view
//! is checked byte for byte; then each failure class.

#[path = "support/upstream.rs"]
mod upstream;

use serde_json::{Value, json};
use skyflow_client::connection::{InvokeConnectionRequest, RequestMethod};
use skyflow_client::credentials::Credentials;
use skyflow_client::vault::{DetokenizeRequest, InsertRequest, RedactionType};
use skyflow_client::{
    ConnectionClient, ConnectionConfig, ErrorKind, RetryConfig, Skyflow, VaultClient, VaultConfig,
};
use skyflow_emulator::gateway::{ConnectionSpec, Field};
use skyflow_emulator::{Emulator, EmulatorOptions};
use upstream::{Received, Reply, Upstream};

const CARD: &str = "4111-1111-1111-1111";
const CVV: &str = "123";
const NAME: &str = "Jane O'Roe <&>";
const SSN_BACK: &str = "987-65-4321";

struct Setup {
    emulator: Emulator,
    upstream: Upstream,
    vault: VaultClient,
    card: String,
    cvv: String,
    name: String,
    ssn: String,
}

impl Setup {
    async fn start() -> Setup {
        let emulator = Emulator::start(EmulatorOptions::in_memory()).await.unwrap();
        let upstream = Upstream::start().await;
        let vault = client(&emulator, Credentials::api_key(emulator.api_key()), [])
            .default_vault()
            .unwrap();
        let inserted = vault
            .insert(&InsertRequest::new("table1").values([json!({
                "card_number": CARD, "cvv": CVV, "name": NAME, "ssn": "123-45-6789"
            })]))
            .await
            .unwrap();
        let record = &inserted.inserted()[0];
        let token = |column: &str| record.token(column).unwrap().to_owned();
        Setup {
            card: token("card_number"),
            cvv: token("cvv"),
            name: token("name"),
            ssn: token("ssn"),
            emulator,
            upstream,
            vault,
        }
    }

    /// Adds `spec` to the gateway and returns a handle for it, authenticated with
    /// `credentials`.
    fn connection(&self, spec: ConnectionSpec, credentials: Credentials) -> ConnectionClient {
        let id = spec.id.clone();
        let url = self.emulator.add_connection(spec).unwrap();
        client(
            &self.emulator,
            credentials,
            [ConnectionConfig::new(&id, url)],
        )
        .connection(&id)
        .unwrap()
    }

    fn api_key(&self) -> Credentials {
        Credentials::api_key(self.emulator.api_key())
    }

    /// The value behind `token`, read back from the vault.
    async fn value_of(&self, token: &str) -> Value {
        let response = self
            .vault
            .detokenize(
                &DetokenizeRequest::new()
                    .token(token)
                    .redaction_type(RedactionType::PlainText),
            )
            .await
            .unwrap();
        response.detokenized()[0].value().clone()
    }
}

fn client<const N: usize>(
    emulator: &Emulator,
    credentials: Credentials,
    connections: [ConnectionConfig; N],
) -> Skyflow {
    let mut builder = Skyflow::builder()
        .vault_config(VaultConfig::from_base_url(
            emulator.vault_id(),
            emulator.vault_url(),
        ))
        .credentials(credentials)
        .retry(RetryConfig::disabled());
    for connection in connections {
        builder = builder.connection_config(connection);
    }
    builder.build().unwrap()
}

/// The connection used by the flow tests: every kind of field both ways.
fn payments(upstream: &Upstream) -> ConnectionSpec {
    ConnectionSpec::new(
        "payments",
        "/cards/{card}/charge",
        upstream.url("/v2/charge/{card}"),
    )
    .detokenize(Field::Path("card".into()))
    .detokenize(Field::Query("cvv".into()))
    .detokenize(Field::Header("x-cardholder".into()))
    .detokenize(Field::Json("card.number".into()))
    .detokenize(Field::Form("card[number]".into()))
    .detokenize(Field::Xml("card/number".into()))
    .tokenize(Field::Json("customer.ssn".into()), "table1", "ssn")
    .tokenize(Field::Form("customer[ssn]".into()), "table1", "ssn")
    .tokenize(Field::Xml("customer/ssn".into()), "table1", "ssn")
    .tokenize(Field::Header("x-ssn".into()), "table1", "ssn")
}

/// A body encoding under test: the content type the client sends, the body, what the
/// upstream must receive, and the upstream's answer (content type, body) holding
/// `SSN_BACK` where the connection tokenizes.
struct Case {
    content_type: &'static str,
    body: Value,
    expected: String,
    reply: (&'static str, String),
}

fn cases(s: &Setup) -> Vec<Case> {
    let json_body = json!({"card": {"number": s.card}, "other": s.cvv});
    let json_reply = (
        "application/json",
        json!({"customer": {"ssn": SSN_BACK}, "status": "approved"}).to_string(),
    );
    let xml_reply = (
        "application/xml",
        format!(
            "<answer><customer><ssn>{SSN_BACK}</ssn></customer><status>approved</status></answer>"
        ),
    );
    let xml_expected = format!(
        "<root><card><number>{CARD}</number></card><other>{}</other></root>",
        s.cvv
    );
    vec![
        Case {
            content_type: "application/json",
            body: json_body.clone(),
            expected: format!(r#"{{"card":{{"number":"{CARD}"}},"other":"{}"}}"#, s.cvv),
            reply: json_reply.clone(),
        },
        Case {
            content_type: "application/x-www-form-urlencoded",
            body: json_body.clone(),
            expected: format!("card%5Bnumber%5D={CARD}&other={}", s.cvv),
            reply: (
                "application/x-www-form-urlencoded",
                format!("customer%5Bssn%5D={SSN_BACK}&status=approved"),
            ),
        },
        Case {
            content_type: "text/xml",
            body: json_body.clone(),
            expected: xml_expected.clone(),
            reply: xml_reply.clone(),
        },
        Case {
            content_type: "application/xml",
            body: json_body.clone(),
            expected: xml_expected,
            reply: xml_reply,
        },
        // Text bodies have no fields: they reach the upstream as the client sent them,
        // tokens included.
        Case {
            content_type: "text/plain",
            body: json!(format!("card {} & cvv {}", s.card, s.cvv)),
            expected: format!("card {} & cvv {}", s.card, s.cvv),
            reply: json_reply.clone(),
        },
        Case {
            content_type: "text/html",
            body: json!(format!("<p>{}</p>", s.card)),
            expected: format!("<p>{}</p>", s.card),
            reply: json_reply.clone(),
        },
        Case {
            content_type: "multipart/form-data",
            body: json!({"card[number]": s.card, "other": s.cvv}),
            // Checked part by part below.
            expected: String::new(),
            reply: json_reply,
        },
    ]
}

/// The tokenized SSN the client received, from wherever the answer carries it.
fn answered_ssn(content_type: &str, body: &skyflow_client::connection::ResponseBody) -> String {
    use skyflow_client::connection::ResponseBody;
    match (content_type, body) {
        (_, ResponseBody::Json(value)) => value["customer"]["ssn"].as_str().unwrap().to_owned(),
        ("application/x-www-form-urlencoded", ResponseBody::Text(text)) => {
            form_urlencoded::parse(text.as_bytes())
                .find(|(k, _)| k == "customer[ssn]")
                .unwrap()
                .1
                .into_owned()
        }
        (_, ResponseBody::Text(text)) => {
            let start = text.find("<ssn>").unwrap() + 5;
            let end = text.find("</ssn>").unwrap();
            text[start..end].to_owned()
        }
        other => panic!("unexpected answer {other:?}"),
    }
}

/// The multipart body the upstream received: the named form field detokenized, the other
/// part still a token, byte for byte what the client built otherwise.
fn assert_multipart_detokenized(received: &Received, other_token: &str) {
    let content_type = received.header("content-type").unwrap();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect("the client's boundary");
    let expected = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"card[number]\"\r\n\r\n{CARD}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\n{other_token}\r\n\
         --{boundary}--\r\n"
    );
    assert_eq!(received.body_text(), expected);
}

#[tokio::test]
async fn every_method_and_encoding_is_detokenized_out_and_tokenized_back() {
    let s = Setup::start().await;
    let conn = s.connection(payments(&s.upstream), s.api_key());
    for method in RequestMethod::ALL {
        for case in cases(&s) {
            let label = format!("{method} {}", case.content_type);
            s.upstream.reply(
                Reply::new(200, case.reply.0, case.reply.1.clone())
                    .header("x-ssn", SSN_BACK)
                    .header("x-upstream", "kept"),
            );
            let request = InvokeConnectionRequest::new(method)
                .path_param("card", &s.card)
                .query_param("cvv", &s.cvv)
                .query_param("other", &s.name)
                .header("X-Cardholder", &s.name)
                .header("x-untouched", &s.ssn)
                .header("content-type", case.content_type)
                .body(case.body.clone());
            let response = conn
                .invoke(&request)
                .await
                .unwrap_or_else(|e| panic!("{label}: {e}"));

            // What the third party received: values where the connection detokenizes,
            // tokens everywhere else.
            let received = s.upstream.last();
            assert_eq!(received.method, method.as_str(), "{label}");
            assert_eq!(
                received.uri,
                format!("/v2/charge/{CARD}?cvv={CVV}&other={}", s.name),
                "{label}"
            );
            assert_eq!(received.header("x-cardholder"), Some(NAME), "{label}");
            assert_eq!(
                received.header("x-untouched"),
                Some(s.ssn.as_str()),
                "{label}"
            );
            assert_eq!(received.header("x-skyflow-authorization"), None, "{label}");
            assert!(received.header("sky-metadata").is_some(), "{label}");
            if case.content_type == "multipart/form-data" {
                assert_multipart_detokenized(&received, &s.cvv);
            } else {
                assert_eq!(received.body_text(), case.expected, "{label}");
                assert_eq!(
                    received.header("content-type"),
                    Some(case.content_type),
                    "{label}"
                );
            }

            // What came back: tokens where the connection tokenizes, stored in the vault.
            assert_eq!(response.status(), 200, "{label}");
            assert_eq!(response.header("x-upstream"), Some("kept"), "{label}");
            assert!(response.request_id().is_some(), "{label}");
            let header_token = response.header("x-ssn").unwrap().to_owned();
            let body_token = answered_ssn(case.reply.0, response.body());
            assert_ne!(header_token, SSN_BACK, "{label}");
            assert_eq!(body_token, header_token, "{label}: one deterministic token");
            assert_eq!(s.value_of(&body_token).await, json!(SSN_BACK), "{label}");
        }
    }
}

#[tokio::test]
async fn service_account_tokens_authenticate_at_the_gateway() {
    let s = Setup::start().await;
    let spec = ConnectionSpec::new("kyc", "", s.upstream.url("/kyc"))
        .detokenize(Field::Json("name".into()));
    let credentials = Credentials::service_account_json(s.emulator.credentials_json());
    let conn = s.connection(spec, credentials);
    conn.invoke(&InvokeConnectionRequest::new(RequestMethod::Post).body(json!({"name": s.name})))
        .await
        .unwrap();
    let expected = json!({"name": NAME}).to_string();
    assert_eq!(s.upstream.last().body_text(), expected);
}

#[tokio::test]
async fn upstream_failures_come_back_with_their_status_and_body() {
    let s = Setup::start().await;
    let conn = s.connection(payments(&s.upstream), s.api_key());
    let request = InvokeConnectionRequest::new(RequestMethod::Post)
        .path_param("card", &s.card)
        .body(json!({"card": {"number": s.card}}));

    s.upstream.reply(Reply::json(
        402,
        &json!({"error": {"http_code": 402, "message": "card declined", "grpc_code": 9}}),
    ));
    let err = conn.invoke(&request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api);
    assert_eq!(err.status(), Some(402));
    assert_eq!(err.message(), "card declined");
    assert!(err.request_id().is_some());
    assert_eq!(err.details(), [json!({"error_from_client": true})]);

    s.upstream
        .reply(Reply::new(503, "text/plain", "maintenance"));
    let err = conn.invoke(&request).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.request_id().is_some());
    assert_eq!(err.details(), [json!({"error_from_client": true})]);
}

#[tokio::test]
async fn gateway_failures_are_enveloped_with_a_status_that_says_which() {
    let s = Setup::start().await;
    let conn = s.connection(payments(&s.upstream), s.api_key());
    let charge = |card: &str| {
        InvokeConnectionRequest::new(RequestMethod::Post)
            .path_param("card", card)
            .body(json!({}))
    };
    let gateway_error = |err: &skyflow_client::Error, status: u16| {
        assert_eq!(err.kind(), ErrorKind::Api, "{err}");
        assert_eq!(err.status(), Some(status), "{err}");
        assert!(err.request_id().is_some(), "{err}");
        assert!(err.grpc_code().is_some(), "{err}: a Skyflow envelope");
        assert_eq!(err.details(), [json!({"error_from_client": false})]);
    };

    // A token that does not exist.
    let err = conn
        .invoke(&charge("9999-9999-9999-9999"))
        .await
        .unwrap_err();
    gateway_error(&err, 404);
    assert!(!err.message().contains("9999"), "{}", err.message());

    // An unreachable upstream.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let gone = format!("http://{}/x", closed.local_addr().unwrap());
    drop(closed);
    let gone = s.connection(ConnectionSpec::new("gone", "", gone), s.api_key());
    let err = gone
        .invoke(&InvokeConnectionRequest::new(RequestMethod::Get))
        .await
        .unwrap_err();
    gateway_error(&err, 502);
    assert!(
        err.message().contains("could not be reached"),
        "{}",
        err.message()
    );

    // A method the connection does not take.
    let post_only = s.connection(
        ConnectionSpec::new("post-only", "", s.upstream.url("/p")).methods(["POST"]),
        s.api_key(),
    );
    let err = post_only
        .invoke(&InvokeConnectionRequest::new(RequestMethod::Delete))
        .await
        .unwrap_err();
    gateway_error(&err, 405);

    // An unknown connection, and a path no route matches.
    let url = format!("{}/v1/gateway/outboundRoutes/nope", s.emulator.vault_url());
    let nope = client(
        &s.emulator,
        s.api_key(),
        [ConnectionConfig::new("nope", url)],
    )
    .connection("nope")
    .unwrap();
    let err = nope
        .invoke(&InvokeConnectionRequest::new(RequestMethod::Get))
        .await
        .unwrap_err();
    gateway_error(&err, 404);
    assert!(err.message().contains("nope"));
    let url = format!(
        "{}/v1/gateway/outboundRoutes/payments/other",
        s.emulator.vault_url()
    );
    let other = client(&s.emulator, s.api_key(), [ConnectionConfig::new("p", url)])
        .connection("p")
        .unwrap();
    let err = other
        .invoke(&InvokeConnectionRequest::new(RequestMethod::Post))
        .await
        .unwrap_err();
    gateway_error(&err, 404);

    // Bad credentials, and a viewer on a connection that tokenizes.
    let err = conn
        .invoke(&charge(&s.card).header("x-skyflow-authorization", "not-a-key"))
        .await
        .unwrap_err();
    gateway_error(&err, 401);
    let viewer_role = s.emulator.vaults()[0].roles["viewer"].clone();
    let viewer_key = s.emulator.create_api_key(&[viewer_role]).await.unwrap();
    let viewer = s.connection(payments(&s.upstream), Credentials::api_key(viewer_key));
    let err = viewer.invoke(&charge(&s.card)).await.unwrap_err();
    gateway_error(&err, 403);

    // A bad path parameter never leaves the client.
    let err = conn
        .invoke(&InvokeConnectionRequest::new(RequestMethod::Post).path_param("cards", &s.card))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert_eq!(err.field(), Some("path_params.card"));

    assert!(
        s.upstream.received().is_empty(),
        "no failure reached the upstream"
    );
}
