//! Every attribute, alone and combined, and every use of the generated items.

use skyflow::VaultTable;
use skyflow::table::{
    AnyColumn, Column, DefaultRedacted, FieldMap, Fields, FromRecord, GetByColumn, MaskedValue,
    Order, Patch, RedactedValue, Select, Sensitive, SkyflowId, Token, TokenMap, Update, Upsert,
    redaction::{self, ReadMode},
};

/// Every field attribute, several `#[vault]` attributes merged, raw identifiers.
#[derive(Debug, Clone, PartialEq, VaultTable)]
#[vault(table = "persons")]
pub struct Person {
    #[vault(skyflow_id)]
    pub id: Option<SkyflowId>,
    pub name: String,
    #[vault(unique)]
    pub email: String,
    #[vault(column = "card_number")]
    #[vault(redaction = "masked")]
    pub card: Sensitive<String>,
    #[vault(column = "ssn", redaction = "redacted", unique)]
    pub social: String,
    #[vault(redaction = "plain_text")]
    pub city: Option<String>,
    #[vault(redaction = "default")]
    pub r#type: String,
    pub age: Option<u32>,
    pub balance: f64,
    pub active: bool,
    pub born: chrono::NaiveDate,
    pub updated: chrono::DateTime<chrono::Utc>,
    #[vault(skip)]
    pub cache: Vec<u8>,
}

/// `rename_all`, `crate` and visibility variations.
#[derive(VaultTable)]
#[vault(table = "accounts", rename_all = "camelCase")]
#[vault(crate = "skyflow")]
pub(crate) struct Account {
    #[vault(skyflow_id)]
    pub(crate) account_id: Option<SkyflowId>,
    pub(crate) account_number: String,
    #[vault(column = "holder")]
    pub(crate) holder_name: String,
}

mod runtime {
    pub use skyflow::*;
}

#[derive(VaultTable)]
#[vault(crate = "crate::runtime", table = "Events", rename_all = "PascalCase")]
struct Event {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    event_name: String,
}

#[derive(VaultTable)]
#[vault(table = "t1", rename_all = "UPPERCASE")]
struct Upper {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    some_field: i64,
}

#[derive(VaultTable)]
#[vault(table = "t2", rename_all = "lowercase")]
struct Lower {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    #[vault(unique)]
    some_field: i64,
}

#[derive(VaultTable)]
#[vault(table = "t3", rename_all = "SCREAMING_SNAKE_CASE")]
struct Screaming {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    some_field: u8,
}

#[derive(VaultTable)]
#[vault(table = "t4", rename_all = "snake_case")]
struct Snake {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    some_field: u8,
}

/// A table whose only field is the id.
#[derive(VaultTable)]
#[vault(table = "ids_only")]
struct IdsOnly {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
}

/// A skipped field of a type that is not serializable.
#[derive(VaultTable)]
#[vault(table = "with_skip")]
struct WithSkip {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    value: String,
    #[vault(skip)]
    handle: std::cell::Cell<u8>,
}

fn metadata() {
    assert_eq!(Person::TABLE, "persons");
    assert_eq!(Person::SKYFLOW_ID_FIELD, "id");
    assert_eq!(Person::COLUMNS.len(), 11);
    assert_eq!(PersonCard::NAME, "card_number");
    assert_eq!(PersonType::NAME, "type");
    assert_eq!(<PersonSocial as Column>::NAME, "ssn");
    assert_eq!(Person::column("ssn").map(|c| c.redaction().as_str()), Some("REDACTED"));
    assert_eq!(Person::column("city").map(|c| c.redaction().as_str()), Some("PLAIN_TEXT"));
    assert_eq!(Person::column("type").map(|c| c.redaction().as_str()), Some("DEFAULT"));
    assert_eq!(AccountAccountNumber::NAME, "accountNumber");
    assert_eq!(AccountHolderName::NAME, "holder");
    assert_eq!(EventEventName::NAME, "EventName");
    assert_eq!(UpperSomeField::NAME, "SOME_FIELD");
    assert_eq!(LowerSomeField::NAME, "some_field");
    assert_eq!(ScreamingSomeField::NAME, "SOME_FIELD");
    assert_eq!(SnakeSomeField::NAME, "some_field");
    assert!(IdsOnly::COLUMNS.is_empty());
    assert_eq!(WithSkip::COLUMNS.len(), 1);
    let _ = (Account::ACCOUNT_NUMBER, Event::EVENT_NAME, Upper::SOME_FIELD);
    let _ = (Screaming::SOME_FIELD, Snake::SOME_FIELD, Lower::SOME_FIELD);
}

fn reads(fields: &FieldMap) -> skyflow::Result<()> {
    let plain: Person = Person::from_record(fields)?;
    let _: &Sensitive<String> = &plain.card;

    let masked = PersonView::<redaction::Masked>::from_record(fields)?;
    let _: &MaskedValue<Sensitive<String>> = &masked.card;
    let _: &SkyflowId = &masked.id;

    let redacted = PersonView::<redaction::Redacted>::from_record(fields)?;
    let _: &RedactedValue<String> = &redacted.social;

    let default = PersonView::<redaction::VaultDefault>::from_record(fields)?;
    let _: &DefaultRedacted<Option<u32>> = &default.age;

    let per_field = PersonView::<redaction::FieldDefault>::from_record(fields)?;
    let _: &MaskedValue<Sensitive<String>> = &per_field.card;
    let _: &RedactedValue<String> = &per_field.social;
    let _: &Option<String> = &per_field.city;
    let _: &DefaultRedacted<String> = &per_field.r#type;

    let tokens: PersonTokens = PersonTokens::from_record(fields)?;
    let card_token: Option<Token<PersonCard>> = tokens.card.clone();
    if card_token.is_some() {
        let _: Sensitive<String> = redaction::PlainText::decode::<PersonCard>(None)?;
        let _: MaskedValue<Sensitive<String>> = redaction::Masked::decode::<PersonCard>(None)?;
    }
    let _ = format!("{tokens:?} {masked:?} {per_field:?}");
    Ok(())
}

fn requests() -> skyflow::Result<()> {
    let _ = GetByColumn::new(Person::EMAIL, ["jane@x.com"]);
    let _ = GetByColumn::<Person>::new(Person::SOCIAL, [String::from("123")]);
    let _ = GetByColumn::new(Lower::SOME_FIELD, [1_i64, 2]);
    let _ = Upsert::on(Person::EMAIL);
    let _ = Upsert::<Person>::on(Person::SOCIAL);
    let _ = Fields::new().with(Person::NAME).with(Person::CARD);
    let _: [AnyColumn<Person>; 2] = [Person::AGE.into(), Person::BORN.into()];
    let _ = Update::<Person>::new()
        .set(Person::NAME, "Jane")
        .set(Person::CARD, Sensitive::new(String::from("4111")))
        .clear(Person::CITY)
        .patch(Person::AGE, Patch::Set(3))
        .into_fields()?;
    let _ = Select::<Person>::new()
        .where_eq(Person::ACTIVE, true)
        .order_by(Person::BORN, Order::Descending)
        .limit(25)
        .to_sql::<redaction::FieldDefault>()?;
    let _ = TokenMap::<Person>::new().with(Token::<PersonCard>::from_raw("t"));
    Ok(())
}

fn main() {
    metadata();
    let _ = reads(&FieldMap::new());
    let _ = requests();
    let _ = Person::EMAIL;
    hygiene::check();
}

/// The expansion names only absolute paths: shadowing prelude names and `skyflow` items in
/// the user's module changes nothing.
#[allow(dead_code, non_camel_case_types)]
mod hygiene {
    use skyflow::VaultTable;

    struct Option;
    struct Result;
    struct Ok;
    struct Err;
    struct String;
    struct Default;
    struct Clone;
    struct Debug;
    struct PhantomData;
    struct SkyflowId;
    struct FieldMap;
    mod skyflow_client {}
    mod core {}

    #[derive(VaultTable)]
    #[vault(table = "shadowed")]
    pub struct Shadowed {
        #[vault(skyflow_id)]
        id: std::option::Option<::skyflow::table::SkyflowId>,
        #[vault(unique)]
        name: std::string::String,
        #[vault(skip)]
        note: std::option::Option<u8>,
    }

    pub fn check() {
        let _ = Shadowed::NAME;
        let _ = <Shadowed as VaultTable>::TABLE;
    }
}
