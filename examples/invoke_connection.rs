//! Invoking a connection: send tokens to a third party that needs the real card, and get
//! the third party's sensitive answer back as a token.
//!
//! ```sh
//! cargo run --example invoke_connection
//! ```
//!
//! It needs no setup: it starts a small "payment processor" on 127.0.0.1 and the embedded
//! emulator, stores a card in the vault, adds a connection to the emulator's local gateway
//! (detokenize the card on the way out, tokenize the cardholder's SSN on the way back) and
//! invokes it with the SDK. It prints what the processor received and what came back,
//! masked; never a plaintext value or a token.

mod support;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use skyflow::connection::{InvokeConnectionRequest, RequestMethod};
use skyflow::credentials::Credentials;
use skyflow::vault::{DetokenizeRequest, InsertRequest, RedactionType};
use skyflow::{ConnectionConfig, Skyflow, VaultConfig};
use skyflow_emulator::gateway::{ConnectionSpec, Field};
use skyflow_emulator::{Emulator, EmulatorOptions};
use support::BoxError;

/// The card stored in the vault (made-up test data).
pub const CARD_NUMBER: &str = "4111-1111-1111-1111";
/// Its security code.
pub const CVV: &str = "737";
/// The SSN the processor answers with.
pub const PROCESSOR_SSN: &str = "078-05-1120";

/// What the processor received: path and JSON body.
type Received = Arc<Mutex<Option<(String, Value)>>>;

/// A stand-in payment processor: records the charge it receives and answers with the
/// cardholder's SSN in plaintext (as a KYC-enabled processor might).
async fn start_processor() -> Result<(SocketAddr, Received), BoxError> {
    let received: Received = Arc::default();
    let record = received.clone();
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let record = record.clone();
        async move {
            let path = request.uri().path().to_owned();
            let body = axum::body::to_bytes(request.into_body(), 1 << 20)
                .await
                .unwrap_or_default();
            let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            *record.lock().unwrap_or_else(|e| e.into_inner()) = Some((path, body));
            axum::Json(json!({
                "charge_id": "ch_0001",
                "status": "approved",
                "cardholder": { "ssn": PROCESSOR_SSN },
            }))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((addr, received))
}

/// `4111-1111-1111-1111` as `XXXX-XXXX-XXXX-1111`: every letter or digit but the last four
/// becomes `X`; values shorter than 8 characters are masked whole.
pub fn mask(value: &str) -> String {
    let len = value.chars().count();
    let keep_from = if len >= 8 { len - 4 } else { len };
    value
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i < keep_from && c.is_ascii_alphanumeric() {
                'X'
            } else {
                c
            }
        })
        .collect()
}

/// The whole flow, writing what it does to `out`; it checks its own results.
///
/// # Errors
///
/// A failed start, call or check, or a failed write to `out`.
pub async fn run(out: &mut impl Write) -> Result<(), BoxError> {
    let (processor, received) = start_processor().await?;
    let emulator = Emulator::start(EmulatorOptions::in_memory()).await?;
    writeln!(
        out,
        "processor at http://{processor}, emulator at {}",
        emulator.vault_url()
    )?;

    // 1. The card lives in the vault; the application keeps only tokens.
    let credentials = Credentials::api_key(emulator.api_key());
    let vault_client = Skyflow::builder()
        .vault_config(VaultConfig::from_base_url(
            emulator.vault_id(),
            emulator.vault_url(),
        ))
        .credentials(credentials.clone())
        .build()?;
    let vault = vault_client.default_vault()?;
    let inserted = vault
        .insert(
            &InsertRequest::new("table1")
                .values([json!({ "card_number": CARD_NUMBER, "cvv": CVV })]),
        )
        .await?;
    let record = &inserted.inserted()[0];
    let card_token = record
        .token("card_number")
        .ok_or("no card token")?
        .to_owned();
    let cvv_token = record.token("cvv").ok_or("no cvv token")?.to_owned();
    writeln!(out, "stored a card; the application holds 2 tokens")?;

    // 2. A connection: POST /charges/{card} to the processor; the card (a path parameter)
    //    and the CVV (a JSON field) are detokenized on the way out, the cardholder's SSN
    //    tokenized into table1.ssn on the way back.
    let url = emulator.add_connection(
        ConnectionSpec::new(
            "processor",
            "/charges/{card}",
            format!("http://{processor}/v1/charges/{{card}}"),
        )
        .methods(["POST"])
        .detokenize(Field::Path("card".into()))
        .detokenize(Field::Json("card.cvv".into()))
        .tokenize(Field::Json("cardholder.ssn".into()), "table1", "ssn"),
    )?;
    let client = Skyflow::builder()
        .connection_config(ConnectionConfig::new("processor", url).with_credentials(credentials))
        .build()?;

    // 3. Invoke it with tokens only.
    let request = InvokeConnectionRequest::new(RequestMethod::Post)
        .path_param("card", &card_token)
        .header("Idempotency-Key", "order-42")
        .body(json!({ "amount": 1250, "currency": "EUR", "card": { "cvv": cvv_token } }));
    let response = client.connection("processor")?.invoke(&request).await?;

    // What the processor saw: the real card and CVV.
    let (path, body) = received
        .lock()
        .map_err(|_| "lock")?
        .clone()
        .ok_or("the processor received nothing")?;
    let seen_card = path.rsplit('/').next().unwrap_or_default().to_owned();
    let seen_cvv = body["card"]["cvv"].as_str().unwrap_or_default().to_owned();
    if seen_card != CARD_NUMBER || seen_cvv != CVV {
        return Err("the processor did not receive the card's values".into());
    }
    writeln!(
        out,
        "processor received POST /v1/charges/{} with amount {} and cvv {}",
        mask(&seen_card),
        body["amount"],
        mask(&seen_cvv)
    )?;

    // What came back: the SSN as a token the vault resolves.
    let answer = response.json().ok_or("the answer is not JSON")?;
    let ssn_token = answer["cardholder"]["ssn"].as_str().ok_or("no ssn")?;
    if ssn_token == PROCESSOR_SSN {
        return Err("the SSN came back in plaintext".into());
    }
    let detokenized = vault
        .detokenize(
            &DetokenizeRequest::new()
                .token(ssn_token)
                .redaction_type(RedactionType::PlainText),
        )
        .await?;
    let stored = detokenized.detokenized()[0]
        .value()
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if stored != PROCESSOR_SSN {
        return Err("the SSN token does not resolve to the processor's SSN".into());
    }
    writeln!(
        out,
        "answer {} (request id {}): charge {} {}, cardholder ssn came back as a token that the vault resolves to {}",
        response.status(),
        response.request_id().unwrap_or("-"),
        answer["charge_id"].as_str().unwrap_or_default(),
        answer["status"].as_str().unwrap_or_default(),
        mask(&stored)
    )?;
    emulator.shutdown().await;
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    support::exit(run(&mut std::io::stdout()).await)
}
