//! One calling convention: every typed operation is a builder ending in `.send()`, its
//! future is `Send + 'static` (it can be spawned), the read mode is written once, and
//! literals infer the column's type.

use skyflow::VaultTable;
use skyflow::table::{GetByColumn, MaskedValue, Select, SkyflowId, Table, Update};

#[derive(Debug, VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    name: String,
    age: u32,
    #[vault(unique)]
    badge: u32,
    state: Option<String>,
}

fn spawn_insert(
    people: &Table<Person>,
    person: &Person,
) -> tokio::task::JoinHandle<skyflow::Result<SkyflowId>> {
    tokio::spawn(people.insert(person).send())
}

fn spawn_every_operation(people: &Table<Person>, id: SkyflowId, token: skyflow::table::Token<PersonName>) {
    drop(tokio::spawn(people.get([&id]).masked().send()));
    drop(tokio::spawn(people.get_all().tokens().send()));
    drop(tokio::spawn(people.update(&id, Update::new().set(Person::AGE, 41)).send()));
    drop(tokio::spawn(people.delete([&id]).send()));
    drop(tokio::spawn(people.detokenize([token.clone()]).redacted().send()));
    drop(tokio::spawn(people.detokenize_one(&token).send()));
    drop(tokio::spawn(people.query(Select::new()).plain_text().send()));
}

async fn mode_written_once(people: Table<Person>, id: SkyflowId) -> skyflow::Result<()> {
    let masked = people.get([&id]).masked().send().await?;
    let _: &MaskedValue<String> = &masked[0].name;
    let plain = people.get([&id]).plain_text().send().await?;
    let _: &Person = &plain[0];
    Ok(())
}

fn literals_infer() -> skyflow::Result<()> {
    let _ = Select::<Person>::new()
        .where_eq(Person::AGE, 41)
        .where_eq(Person::STATE, "NY")
        .where_eq(Person::NAME, "Jane")
        .to_sql::<skyflow::table::PlainText>()?;
    let _ = GetByColumn::new(Person::BADGE, [7]);
    let _ = Update::<Person>::new()
        .set(Person::STATE, Some("NY"))
        .set(Person::AGE, 41)
        .set(Person::BADGE, 7)
        .into_fields()?;
    Ok(())
}

fn main() {
    let _ = spawn_insert;
    let _ = spawn_every_operation;
    let _ = mode_written_once;
    literals_infer().expect("the literals convert");
}
