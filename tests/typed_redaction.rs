//! Every read mode and typed tokens through the `skyflow` facade against the real emulator:
//! PLAIN_TEXT gives the struct, MASKED / REDACTED / DEFAULT give views whose field types say
//! how they were read, per-field redaction mixes them, and every typed token of an insert
//! detokenizes to the original field. A custom schema adds date-times and 64-bit numbers.

mod common;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use common::*;
use serde_json::json;
use skyflow::VaultTable;
use skyflow::table::{
    DefaultRedacted, MaskedValue, RedactedValue, Select, Sensitive, SkyflowId, Token, redaction,
};

/// `table1` read with each field's own redaction (`#[vault(redaction = "...")]`).
#[derive(Debug, Clone, PartialEq, VaultTable)]
#[vault(table = "table1")]
struct CustomerCard {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    name: String,
    #[vault(redaction = "masked")]
    ssn: String,
    #[vault(redaction = "plain_text")]
    age: Option<i32>,
    #[vault(redaction = "plain_text")]
    is_active: bool,
    #[vault(redaction = "redacted")]
    notes: Option<String>,
    #[vault(redaction = "masked")]
    date_of_birth: Option<NaiveDate>,
}

#[tokio::test]
async fn every_read_mode_gives_its_own_types_and_values() {
    let v = start().await;
    let people = v.vault.table::<Customer>();
    let jane = customer(4);
    let id = people.insert(&jane).send().await.unwrap();
    let ids = [&id];

    // PLAIN_TEXT: the struct itself.
    let plain: Vec<Customer> = people.get(ids).plain_text().send().await.unwrap();
    assert_eq!(plain, [with_id(jane.clone(), &id)]);

    // MASKED: the vault's masks, typed as masked.
    let masked: Vec<CustomerView<redaction::Masked>> =
        people.get(ids).masked().send().await.unwrap();
    let m = &masked[0];
    assert_eq!(m.id, id);
    let ssn: &MaskedValue<Sensitive<String>> = &m.ssn;
    assert_eq!(ssn.as_str(), Some("XXX-XX-1004"));
    let name: &MaskedValue<String> = &m.name;
    assert_eq!(name.as_str(), Some("C*** 4"));
    let dob: &MaskedValue<Option<NaiveDate>> = &m.date_of_birth;
    assert_eq!(dob.as_str(), Some("XXXX-02-28"));
    let age: &MaskedValue<Option<i32>> = &m.age;
    assert_eq!(age.as_str(), Some("XX"));
    let email: &MaskedValue<String> = &m.email;
    assert_eq!(email.as_str(), Some("c******4@example.com"));

    // REDACTED: a placeholder for every value.
    let redacted = people.get(ids).redacted().send().await.unwrap();
    let r = &redacted[0];
    let ssn: &RedactedValue<Sensitive<String>> = &r.ssn;
    assert_eq!(ssn.as_str(), Some("*REDACTED*"));
    let amount: &RedactedValue<f64> = &r.amount;
    assert_eq!(amount.as_str(), Some("*REDACTED*"));
    let flag: &RedactedValue<bool> = &r.is_active;
    assert_eq!(flag.as_str(), Some("*REDACTED*"));

    // DEFAULT: each column's policy from the vault schema; may be plain text, so it is
    // typed apart from both the value and a mask.
    let default = people.get(ids).vault_default().send().await.unwrap();
    let d = &default[0];
    let ssn: &DefaultRedacted<Sensitive<String>> = &d.ssn;
    assert_eq!(ssn.expose_unverified(), Some("XXX-XX-1004"));
    let age: &DefaultRedacted<Option<i32>> = &d.age;
    assert_eq!(age.expose_unverified(), Some("24"));
    assert_eq!(d.is_active.expose_unverified(), Some("true"));
    assert_eq!(d.notes.expose_unverified(), Some("*REDACTED*"));
    assert_eq!(d.amount.expose_unverified(), Some("37.5"));

    // Debug of any view never prints plaintext (masked text is not plaintext).
    let shown = format!("{masked:?} {redacted:?} {default:?}");
    for secret in [jane.ssn.expose().as_str(), &jane.email, &jane.name, "37.5"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("XXX-XX-1004"));

    // A null reads as null in every mode.
    let empty = customer(5);
    let id5 = people.insert(&empty).send().await.unwrap();
    let masked = people.get([&id5]).masked().send().await.unwrap();
    assert!(masked[0].age.is_null());
    assert!(masked[0].notes.is_null());
}

#[tokio::test]
async fn per_field_redaction_reads_each_column_as_declared() {
    let v = start().await;
    let id = v
        .vault
        .table::<Customer>()
        .insert(&customer(2))
        .send()
        .await
        .unwrap();

    let cards = v.vault.table::<CustomerCard>();
    let read = cards.get([&id]).field_default().send().await.unwrap();
    let card = &read[0];
    assert_eq!(card.id, id);
    // Declared plain text: the field's own type.
    let age: Option<i32> = card.age;
    assert_eq!(age, Some(22));
    let active: bool = card.is_active;
    assert!(active);
    // Declared masked / redacted: the wrappers.
    let ssn: &MaskedValue<String> = &card.ssn;
    assert_eq!(ssn.as_str(), Some("XXX-XX-1002"));
    let dob: &MaskedValue<Option<NaiveDate>> = &card.date_of_birth;
    assert_eq!(dob.as_str(), Some("XXXX-02-28"));
    let notes: &RedactedValue<Option<String>> = &card.notes;
    assert_eq!(notes.as_str(), Some("*REDACTED*"));
    // Not declared: the vault's default policy (MASK for name).
    let name: &DefaultRedacted<String> = &card.name;
    assert_eq!(name.expose_unverified(), Some("C*** 2"));

    // The same modes through a query.
    let rows = cards
        .query(Select::new().where_eq(CustomerCard::AGE, Some(22)))
        .field_default()
        .send()
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].age, Some(22));
    assert_eq!(rows[0].ssn.as_str(), Some("XXX-XX-1002"));
    assert_eq!(rows[0].notes.as_str(), Some("*REDACTED*"));
}

#[tokio::test]
async fn every_typed_token_detokenizes_to_the_original_field() {
    let v = start().await;
    let people = v.vault.table::<Customer>();
    let originals = [customer(0), customer(1), customer(2)];
    let inserted: Vec<CustomerTokens> = people
        .insert_many(&originals)
        .return_tokens()
        .send()
        .await
        .unwrap();
    assert_eq!(inserted.len(), 3);

    for (tokens, original) in inserted.iter().zip(&originals) {
        // Every column with a value has a typed token; `None` fields have none.
        let name: String = people
            .detokenize_one(tokens.name.as_ref().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(name, original.name);
        let email: String = people
            .detokenize_one(tokens.email.as_ref().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(email, original.email);
        let ssn: Sensitive<String> = people
            .detokenize_one(tokens.ssn.as_ref().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(ssn, original.ssn);
        let amount: f64 = people
            .detokenize_one(tokens.amount.as_ref().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(amount, original.amount);
        let active: bool = people
            .detokenize_one(tokens.is_active.as_ref().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(active, original.is_active);
        match (&tokens.age, original.age) {
            (Some(token), Some(age)) => {
                assert_eq!(
                    people.detokenize_one(token).send().await.unwrap(),
                    Some(age)
                );
            }
            (None, None) => {}
            (token, age) => panic!("token {token:?} for age {age:?}"),
        }
        match (&tokens.date_of_birth, original.date_of_birth) {
            (Some(token), Some(date)) => {
                assert_eq!(
                    people.detokenize_one(token).send().await.unwrap(),
                    Some(date)
                );
            }
            (None, None) => {}
            (token, date) => panic!("token {token:?} for date {date:?}"),
        }
        assert_eq!(tokens.notes.is_some(), original.notes.is_some());
    }

    // Many tokens of one column in one call, in order, in each redaction.
    let ssn_tokens: Vec<Token<CustomerSsn>> =
        inserted.iter().map(|t| t.ssn.clone().unwrap()).collect();
    let plain = people.detokenize(ssn_tokens.clone()).send().await.unwrap();
    let expected: Vec<Sensitive<String>> = originals.iter().map(|o| o.ssn.clone()).collect();
    assert_eq!(plain, expected);
    let masked: Vec<MaskedValue<Sensitive<String>>> = people
        .detokenize(ssn_tokens.clone())
        .masked()
        .send()
        .await
        .unwrap();
    assert_eq!(masked[1].as_str(), Some("XXX-XX-1001"));
    let redacted = people
        .detokenize(ssn_tokens.clone())
        .redacted()
        .send()
        .await
        .unwrap();
    assert_eq!(redacted[0].as_str(), Some("*REDACTED*"));
    let default = people
        .detokenize(ssn_tokens)
        .vault_default()
        .send()
        .await
        .unwrap();
    assert_eq!(default[2].expose_unverified(), Some("XXX-XX-1002"));

    // A get that asks for tokens returns the same typed tokens.
    let ids: Vec<&SkyflowId> = inserted.iter().map(|t| &t.id).collect();
    let read = people.get(ids).tokens().send().await.unwrap();
    for tokens in &read {
        let original = inserted.iter().find(|t| t.id == tokens.id).unwrap();
        assert_eq!(tokens.ssn, original.ssn, "deterministic FPT token");
        let email: String = people
            .detokenize_one(tokens.email.as_ref().unwrap())
            .send()
            .await
            .unwrap();
        assert!(originals.iter().any(|o| o.email == email));
    }

    // A token that does not exist is the vault's error (404), naming the token's index.
    let err = people
        .detokenize([
            ssn_token_of(&inserted[0]),
            Token::<CustomerSsn>::from_raw("999-99-9999"),
        ])
        .send()
        .await
        .unwrap_err();
    assert!(err.is_api(), "{err:?}");
    assert_eq!(err.status(), Some(404), "{err:?}");
}

fn ssn_token_of(tokens: &CustomerTokens) -> Token<CustomerSsn> {
    tokens.ssn.clone().expect("an ssn token")
}

/// A table with the types `table1` lacks: date-times, 64-bit integers and doubles.
#[derive(Debug, Clone, PartialEq, VaultTable)]
#[vault(table = "events")]
struct Event {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    #[vault(unique)]
    code: String,
    at: DateTime<Utc>,
    local: NaiveDateTime,
    day: NaiveDate,
    count: i64,
    ratio: f64,
    done: bool,
    label: Option<String>,
    #[vault(redaction = "masked")]
    secret: Sensitive<String>,
}

fn events_schema() -> serde_json::Value {
    let column = |name: &str, datatype: &str, dlp: &str| {
        json!({
            "name": name,
            "datatype": datatype,
            "tags": [
                { "name": "skyflow.options.default_token_policy", "values": ["NON_DETERMINISTIC_UUID"] },
                { "name": "skyflow.options.default_dlp_policy", "values": [dlp] },
                { "name": "skyflow.options.operation", "values": ["ALL_OP"] },
            ],
        })
    };
    let mut code = column("code", "DT_STRING", "MASK");
    code["isUnique"] = json!(true);
    json!({
        "schemas": [{
            "name": "events",
            "fields": [
                { "name": "skyflow_id", "datatype": "DT_STRING" },
                code,
                column("at", "DT_DATETIME", "PLAIN_TEXT"),
                column("local", "DT_DATETIME", "PLAIN_TEXT"),
                column("day", "DT_DATE", "PLAIN_TEXT"),
                column("count", "DT_INT64", "PLAIN_TEXT"),
                column("ratio", "DT_DOUBLE", "PLAIN_TEXT"),
                column("done", "DT_BOOL", "PLAIN_TEXT"),
                column("label", "DT_STRING", "REDACT"),
                column("secret", "DT_STRING", "MASK"),
            ],
        }],
    })
}

fn event(i: i64) -> Event {
    Event {
        id: None,
        code: format!("EV-{i:04}"),
        at: DateTime::parse_from_rfc3339("2025-01-02T03:04:05.678901Z")
            .unwrap()
            .with_timezone(&Utc)
            + chrono::Duration::seconds(i),
        local: NaiveDate::from_ymd_opt(2024, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 59, 123_456_789)
            .unwrap(),
        day: NaiveDate::from_ymd_opt(2000, 2, 29).unwrap(),
        count: if i == 0 { i64::MIN } else { i64::MAX - i },
        ratio: 0.1 + 0.2 + i as f64,
        done: i % 2 == 1,
        label: (i % 2 == 0).then(|| format!("label «{i}» 🚀")),
        secret: Sensitive::new(format!("secret-value-{i}")),
    }
}

#[tokio::test]
async fn custom_schema_round_trips_date_times_and_64_bit_numbers() {
    let v = start_with_schema(&events_schema()).await;
    let events = v.vault.table::<Event>();
    let originals = [event(0), event(1)];
    let tokens: Vec<EventTokens> = events
        .insert_many(&originals)
        .return_tokens()
        .send()
        .await
        .unwrap();
    let ids: Vec<SkyflowId> = tokens.iter().map(|t| t.id.clone()).collect();

    // Get, plain text.
    let read = events.get(&ids).plain_text().send().await.unwrap();
    for (original, id) in originals.iter().zip(&ids) {
        let got = read.iter().find(|e| e.id.as_ref() == Some(id)).unwrap();
        let mut expected = original.clone();
        expected.id = Some(id.clone());
        assert_eq!(got, &expected);
    }

    // Query, plain text.
    let rows = events
        .query(Select::new().where_eq(Event::CODE, "EV-0001"))
        .plain_text()
        .send()
        .await
        .unwrap();
    let mut expected = originals[1].clone();
    expected.id = Some(ids[1].clone());
    assert_eq!(rows, [expected]);

    // Tokens of every type detokenize to the original values.
    for (t, original) in tokens.iter().zip(&originals) {
        assert_eq!(
            events
                .detokenize_one(t.at.as_ref().unwrap())
                .send()
                .await
                .unwrap(),
            original.at
        );
        assert_eq!(
            events
                .detokenize_one(t.local.as_ref().unwrap())
                .send()
                .await
                .unwrap(),
            original.local
        );
        assert_eq!(
            events
                .detokenize_one(t.day.as_ref().unwrap())
                .send()
                .await
                .unwrap(),
            original.day
        );
        assert_eq!(
            events
                .detokenize_one(t.count.as_ref().unwrap())
                .send()
                .await
                .unwrap(),
            original.count
        );
        assert_eq!(
            events
                .detokenize_one(t.ratio.as_ref().unwrap())
                .send()
                .await
                .unwrap(),
            original.ratio
        );
        assert_eq!(
            events
                .detokenize_one(t.done.as_ref().unwrap())
                .send()
                .await
                .unwrap(),
            original.done
        );
        assert_eq!(
            events
                .detokenize_one(t.secret.as_ref().unwrap())
                .send()
                .await
                .unwrap(),
            original.secret
        );
        if let Some(label) = &t.label {
            assert_eq!(
                events.detokenize_one(label).send().await.unwrap(),
                original.label
            );
        }
    }

    // Per-field redaction: plain values typed as themselves, the masked secret as a mask.
    let views = events.get([&ids[0]]).field_default().send().await.unwrap();
    let view = &views[0];
    assert_eq!(
        view.count.expose_unverified(),
        Some(i64::MIN.to_string().as_str())
    );
    let secret: &MaskedValue<Sensitive<String>> = &view.secret;
    assert!(secret.as_str().unwrap().ends_with("ue-0"), "{secret:?}");
    assert_eq!(view.label.expose_unverified(), Some("*REDACTED*"));
}
