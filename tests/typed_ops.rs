//! Typed operations through the `skyflow` facade against the real emulator (in-process, on
//! 127.0.0.1): insert, continue on error, bring-your-own tokens, upsert, get by ids, by a
//! unique column and page by page, field selection, partial and full update, delete and
//! typed queries.

mod common;

use common::*;
use skyflow::table::{
    Fields, GetByColumn, Order, Patch, Select, Sensitive, SkyflowId, Token, TokenMap, Update,
};
use skyflow::vault::TokenMode;

/// Finds the record with `id` among `records`.
fn by_id<'a>(records: &'a [Customer], id: &SkyflowId) -> &'a Customer {
    records
        .iter()
        .find(|r| r.id.as_ref() == Some(id))
        .unwrap_or_else(|| panic!("record {id} was read"))
}

#[tokio::test]
async fn insert_many_then_get_plain_text_round_trips_every_field() {
    let v = start().await;
    let people = v.vault.table::<Customer>();
    let originals: Vec<Customer> = (0..4).map(customer).collect();
    let ids = people.insert_many(&originals).send().await.unwrap();
    assert_eq!(ids.len(), 4);

    let read: Vec<Customer> = people.get(&ids).plain_text().send().await.unwrap();
    assert_eq!(read.len(), 4);
    for (original, id) in originals.iter().zip(&ids) {
        // Strings, integers, floats, booleans, dates and `None` fields come back exactly.
        assert_eq!(by_id(&read, id), &with_id(original.clone(), id));
    }

    // One record, and its id fits back into the struct.
    let mut extra = customer(10);
    let id = people.insert(&extra).send().await.unwrap();
    extra.id = Some(id.clone());
    let read = people.get([&id]).plain_text().send().await.unwrap();
    assert_eq!(read, [extra]);
}

#[tokio::test]
async fn continue_on_error_reports_each_failed_record_at_its_index() {
    let v = start().await;
    let people = v.vault.table::<Customer>();
    let mut bad = customer(1);
    bad.ssn = Sensitive::new("not an ssn".into());
    let batch = [customer(0), bad.clone(), customer(2)];

    let results = people
        .insert_many(&batch)
        .continue_on_error()
        .send()
        .await
        .unwrap();
    assert_eq!(results.len(), 3);
    assert!(!results.is_complete());
    assert!(results.records()[0].is_ok());
    assert!(results.records()[2].is_ok());
    let errors: Vec<_> = results.errors().collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].index(), 1);
    assert_eq!(errors[0].http_code(), Some(400));
    // No value in the message or the Debug output.
    let shown = format!("{results:?} {}", errors[0].message());
    assert!(!shown.contains("not an ssn"), "{shown}");

    let ids: Vec<SkyflowId> = results.inserted().cloned().collect();
    let stored = people.get(&ids).plain_text().send().await.unwrap();
    assert_eq!(stored.len(), 2);

    // With tokens, each inserted record gives its tokens view.
    let results = people
        .insert_many([&customer(3), &bad])
        .return_tokens()
        .continue_on_error()
        .send()
        .await
        .unwrap();
    let tokens = results.records()[0].as_ref().unwrap();
    assert!(tokens.ssn.is_some());
    assert_eq!(results.records()[1].as_ref().err().unwrap().index(), 1);

    // Without continue-on-error, the call fails, naming the record.
    let err = people
        .insert_many([&customer(4), &bad])
        .send()
        .await
        .unwrap_err();
    assert!(err.is_api(), "{err:?}");
    assert!(!format!("{err:?} {err}").contains("not an ssn"));
}

#[tokio::test]
async fn bring_your_own_tokens_are_stored_and_detokenize_to_the_value() {
    let v = start().await;
    let people = v.vault.table::<Customer>();
    let jane = customer(0);
    let mine = TokenMap::new()
        .with(Token::<CustomerName>::from_raw("my-name-token-0"))
        .with(Token::<CustomerNotes>::from_raw("my-notes-token-0"));
    let tokens = people
        .insert(&jane)
        .tokens(mine)
        .return_tokens()
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.name.as_ref().unwrap().expose(), "my-name-token-0");
    assert_eq!(tokens.notes.as_ref().unwrap().expose(), "my-notes-token-0");
    // Columns without a token of ours get one from the vault.
    assert!(tokens.email.is_some());

    let name: String = people
        .detokenize_one(&Token::<CustomerName>::from_raw("my-name-token-0"))
        .send()
        .await
        .unwrap();
    assert_eq!(name, jane.name);

    // insert_many: one optional token map per record.
    let batch = [customer(1), customer(2)];
    let ids = people
        .insert_many(&batch)
        .tokens([
            None,
            Some(TokenMap::new().with(Token::<CustomerName>::from_raw("my-name-token-2"))),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    let name = people
        .detokenize_one(&Token::<CustomerName>::from_raw("my-name-token-2"))
        .send()
        .await
        .unwrap();
    assert_eq!(name, batch[1].name);

    // ENABLE_STRICT needs a token for every column: refused before sending.
    let err = people
        .insert(&customer(3))
        .tokens(TokenMap::new().with(Token::<CustomerName>::from_raw("t")))
        .token_mode(TokenMode::EnableStrict)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_validation(), "{err:?}");
}

#[tokio::test]
async fn upsert_on_the_unique_column_updates_the_existing_record() {
    let v = start().await;
    let people = v.vault.table::<Customer>();
    let jane = customer(0);
    let first = people.upsert(Customer::EMAIL, &jane).send().await.unwrap();

    let mut renamed = jane.clone();
    renamed.name = "Jane Renamed".into();
    renamed.age = Some(77);
    let second = people
        .upsert(Customer::EMAIL, &renamed)
        .send()
        .await
        .unwrap();
    assert_eq!(first, second, "the same record was updated");

    // Get by the unique column's values.
    let by_email = GetByColumn::new(Customer::EMAIL, [jane.email.as_str()]);
    let found = people.get_by(by_email).plain_text().send().await.unwrap();
    assert_eq!(found, [with_id(renamed.clone(), &first)]);

    // insert_many with upsert: one existing, one new.
    let ids = people
        .insert_many([&renamed, &customer(1)])
        .upsert(Customer::EMAIL)
        .send()
        .await
        .unwrap();
    assert_eq!(ids[0], first);
    assert_ne!(ids[1], first);

    // A plain insert of the same email is refused by the unique constraint.
    let err = people.insert(&jane).send().await.unwrap_err();
    assert!(err.is_api(), "{err:?}");

    // A masked read by column, and a miss.
    let masked = people
        .get_by(GetByColumn::new(Customer::EMAIL, [renamed.email.clone()]))
        .masked()
        .send()
        .await
        .unwrap();
    assert_eq!(masked.len(), 1);
    assert_eq!(masked[0].id, first);
    assert_ne!(masked[0].email.as_str(), Some(renamed.email.as_str()));
}

#[tokio::test]
async fn get_all_pages_through_the_table_in_id_order() {
    let v = start().await;
    let people = v.vault.table::<Customer>();
    let records: Vec<Customer> = (0..7).map(customer).collect();
    let mut ids = people.insert_many(&records).send().await.unwrap();
    ids.sort();

    let mut seen: Vec<SkyflowId> = Vec::new();
    let mut offset = 0;
    loop {
        let page = people
            .get_all()
            .plain_text()
            .order(Order::Ascending)
            .offset(offset)
            .limit(3)
            .send()
            .await
            .unwrap();
        assert!(page.len() <= 3);
        if page.is_empty() {
            break;
        }
        offset += page.len() as u64;
        seen.extend(page.into_iter().map(|c| c.id.unwrap()));
    }
    assert_eq!(seen, ids);

    let newest_first = people
        .get_all()
        .masked()
        .order(Order::Descending)
        .limit(2)
        .send()
        .await
        .unwrap();
    let got: Vec<&SkyflowId> = newest_first.iter().map(|c| &c.id).collect();
    assert_eq!(got, [&ids[6], &ids[5]]);
}

#[tokio::test]
async fn field_selection_reads_only_the_named_columns() {
    let v = start().await;
    let people = v.vault.table::<Customer>();
    let jane = customer(0);
    let id = people.insert(&jane).send().await.unwrap();

    let masked = people
        .get([&id])
        .masked()
        .field(Customer::SSN)
        .field(Customer::AGE)
        .send()
        .await
        .unwrap();
    assert_eq!(masked[0].id, id);
    assert!(masked[0].name.is_null(), "name was not selected");
    assert!(!masked[0].ssn.is_null());

    // A plain-text read needs every non-`Option` field: the error names the column.
    let err = people
        .get([&id])
        .plain_text()
        .fields(Fields::new().with(Customer::AGE))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_decode(), "{err:?}");
    assert!(err.message().contains("`name`"), "{}", err.message());
}

#[tokio::test]
async fn update_sets_only_the_named_columns() {
    let v = start().await;
    let people = v.vault.table::<Customer>();
    let jane = customer(0);
    let id = people.insert(&jane).send().await.unwrap();

    // Set one column, clear another, leave the rest unchanged.
    let changes = Update::new()
        .set(Customer::NAME, "Janet")
        .clear(Customer::NOTES)
        .patch(Customer::AGE, Patch::Unchanged)
        .patch(Customer::DATE_OF_BIRTH, Patch::Unchanged);
    let same = people.update(&id, changes).send().await.unwrap();
    assert_eq!(same, id);
    let after = people.get([&id]).plain_text().send().await.unwrap();
    let mut expected = with_id(jane.clone(), &id);
    expected.name = "Janet".into();
    expected.notes = None;
    assert_eq!(after, [expected.clone()]);

    // With tokens: the written columns have tokens, the others none.
    let tokens = people
        .update(&id, Update::new().set(Customer::AGE, Some(50)))
        .return_tokens()
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.id, id);
    let age_token = tokens.age.expect("a token for the written column");
    assert!(tokens.name.is_none());
    assert_eq!(
        people.detokenize_one(&age_token).send().await.unwrap(),
        Some(50)
    );

    // A full update from the struct: `None` clears.
    expected.age = None;
    expected.is_active = false;
    expected.amount = -0.125;
    people.update_record(&expected).send().await.unwrap();
    let after = people.get([&id]).plain_text().send().await.unwrap();
    assert_eq!(after, [expected]);

    // Records without an id, and empty updates, are refused before sending.
    let err = people.update_record(&customer(1)).send().await.unwrap_err();
    assert!(err.is_validation());
    assert_eq!(err.field(), Some("id"));
    let err = people.update(&id, Update::new()).send().await.unwrap_err();
    assert!(err.is_validation(), "{err:?}");
}

#[tokio::test]
async fn delete_removes_the_records() {
    let v = start().await;
    let people = v.vault.table::<Customer>();
    let ids = people
        .insert_many(&[customer(0), customer(1), customer(2)])
        .send()
        .await
        .unwrap();
    let deleted = people.delete(&ids[..2]).send().await.unwrap();
    assert_eq!(deleted, ids[..2]);
    let left = people.get_all().plain_text().send().await.unwrap();
    let left: Vec<_> = left.into_iter().map(|c| c.id.unwrap()).collect();
    assert_eq!(left, [ids[2].clone()]);
    let err = people.get([&ids[0]]).plain_text().send().await.unwrap_err();
    assert!(err.is_api(), "{err:?}");
    let err = people
        .delete(Vec::<String>::new())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_validation());
}

#[tokio::test]
async fn typed_queries_return_structs_and_views() {
    let v = start().await;
    let people = v.vault.table::<Customer>();
    let records: Vec<Customer> = (0..5).map(customer).collect();
    let ids = people.insert_many(&records).send().await.unwrap();

    let query = Select::new().where_eq(Customer::EMAIL, records[3].email.clone());
    let found: Vec<Customer> = people.query(query).plain_text().send().await.unwrap();
    assert_eq!(found, [with_id(records[3].clone(), &ids[3])]);

    let actives = Select::new()
        .where_eq(Customer::IS_ACTIVE, true)
        .order_by(Customer::AGE, Order::Descending);
    let found = people.query(actives).plain_text().send().await.unwrap();
    let ages: Vec<Option<i32>> = found.iter().map(|c| c.age).collect();
    assert_eq!(ages, [Some(24), Some(22), Some(20)]);

    let masked = people
        .query(Select::new().where_eq(Customer::AGE, Some(22)))
        .masked()
        .send()
        .await
        .unwrap();
    assert_eq!(masked.len(), 1);
    assert_eq!(masked[0].id, ids[2]);
    let ssn = masked[0].ssn.as_str().unwrap();
    assert!(ssn.starts_with("XXX-XX-"), "{ssn}");

    let paged = people
        .query(
            Select::new()
                .order_by(Customer::AGE, Order::Ascending)
                .limit(2)
                .offset(1),
        )
        .plain_text()
        .send()
        .await
        .unwrap();
    assert_eq!(paged.len(), 2);
}

#[tokio::test]
async fn builders_and_handles_never_print_values() {
    let v = start().await;
    let people = v.vault.table::<Customer>();
    let jane = customer(0);
    let shown = format!(
        "{people:?} {:?} {:?} {:?}",
        people.insert(&jane).return_tokens(),
        people.insert_many([&jane]).continue_on_error(),
        people.update(
            "id-1",
            Update::new().set(Customer::SSN, Sensitive::new("123-45-6789".into()))
        ),
    );
    assert!(shown.contains("table1"), "{shown}");
    for secret in [
        jane.ssn.expose().as_str(),
        &jane.email,
        "123-45-6789",
        &jane.name,
    ] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

/// The table handle owns a client clone, so every typed future is `Send + 'static`: each
/// step here runs on a spawned task. Literals infer the column's type (`22` for an
/// `Option<i32>` column, `"…"` and `Some("…")` for `Option<String>`).
#[tokio::test]
async fn typed_operations_spawn_and_literals_infer() {
    let v = start().await;
    let people = v.vault.table::<Customer>();
    let jane = customer(2);

    let id = tokio::spawn(people.insert(&jane).send())
        .await
        .unwrap()
        .unwrap();
    let changes = Update::new()
        .set(Customer::NOTES, Some("spawned"))
        .set(Customer::AGE, 23);
    tokio::spawn(people.update(&id, changes).send())
        .await
        .unwrap()
        .unwrap();

    let by_age = Select::new().where_eq(Customer::AGE, 23);
    let found = tokio::spawn(people.query(by_age).plain_text().send())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].notes.as_deref(), Some("spawned"));

    let by_email = GetByColumn::new(Customer::EMAIL, ["customer2@example.com"]);
    let masked = tokio::spawn(people.get_by(by_email).masked().send())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(masked[0].id, id);
    assert!(masked[0].ssn.as_str().unwrap().starts_with("XXX-XX-"));

    let notes = tokio::spawn(
        people
            .update(&id, Update::new().set(Customer::NOTES, "plain &str"))
            .return_tokens()
            .send(),
    )
    .await
    .unwrap()
    .unwrap()
    .notes
    .expect("a token for the written column");
    let plain = tokio::spawn(people.detokenize_one(&notes).send())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(plain.as_deref(), Some("plain &str"));

    let deleted = tokio::spawn(people.delete([&id]).send())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(deleted, [id]);
}
