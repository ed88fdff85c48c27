//! Quickstart: a typed record in Skyflow's quickstart `persons` table.
//!
//! It inserts a person and gets typed tokens back, reads the record masked, detokenizes the
//! SSN token into the SSN's own type, updates one column and deletes the record.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! With no configuration it runs on the embedded emulator (in memory, on 127.0.0.1). To run
//! it against a real vault created from Skyflow's quickstart template, set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV` (`PROD`, `SANDBOX`, …) and
//! `SKYFLOW_CREDENTIALS` (a service account's credentials JSON). It prints ids, masked
//! values and counts, never plaintext or tokens.

mod support;

use std::io::Write;

use chrono::NaiveDate;
use skyflow::VaultClient;
use skyflow::VaultTable;
use skyflow::table::{Sensitive, SkyflowId, Update};
use support::BoxError;

/// A row of the quickstart vault's `persons` table.
#[derive(Debug, Clone, PartialEq, VaultTable)]
#[vault(table = "persons")]
pub struct Person {
    /// The record id, `None` until inserted.
    #[vault(skyflow_id)]
    pub id: Option<SkyflowId>,
    /// Full name (masked or redacted unless read as plain text).
    pub name: Sensitive<String>,
    /// Email address, stored in the `email_address` column.
    #[vault(column = "email_address")]
    pub email: Sensitive<String>,
    /// Social security number.
    pub ssn: Sensitive<String>,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// State of residence (optional).
    pub state: Option<String>,
}

/// The person the quickstart stores (made-up data).
pub fn jane() -> Person {
    Person {
        id: None,
        name: Sensitive::new("Jane Doe".into()),
        email: Sensitive::new("jane.doe@example.com".into()),
        ssn: Sensitive::new("123-45-6789".into()),
        date_of_birth: NaiveDate::from_ymd_opt(1990, 5, 17).expect("a valid date"),
        state: Some("CA".into()),
    }
}

/// The quickstart, writing what it does to `out`. It checks its own results and fails if
/// the vault gives back anything other than what was stored.
///
/// # Errors
///
/// The vault's errors, a failed check, or a failed write to `out`.
pub async fn run(vault: &VaultClient, out: &mut impl Write) -> Result<(), BoxError> {
    let people = vault.table::<Person>();
    let jane = jane();

    // 1. Insert, asking for tokens: one typed token per column.
    let tokens: PersonTokens = people.insert(&jane).return_tokens().send().await?;
    let id = tokens.id.clone();
    let token_count = [
        tokens.name.is_some(),
        tokens.email.is_some(),
        tokens.ssn.is_some(),
        tokens.date_of_birth.is_some(),
        tokens.state.is_some(),
    ]
    .into_iter()
    .filter(|has| *has)
    .count();
    writeln!(
        out,
        "inserted a person: skyflow_id {id}, {token_count} typed tokens"
    )?;

    // 2. Read it masked: the fields are `MaskedValue<_>`, which can't pass for plaintext.
    let masked = people.get([&id]).masked().send().await?; // Vec<PersonView<Masked>>
    let view = masked.first().ok_or("the masked read returned no record")?;
    writeln!(
        out,
        "read it masked: name {}, ssn {}, date of birth {}",
        view.name.as_str().unwrap_or("-"),
        view.ssn.as_str().unwrap_or("-"),
        view.date_of_birth.as_str().unwrap_or("-"),
    )?;

    // 3. Detokenize the SSN token: it comes back as the field's type.
    let ssn_token = tokens
        .ssn
        .as_ref()
        .ok_or("the insert returned no ssn token")?;
    let ssn: Sensitive<String> = people.detokenize_one(ssn_token).send().await?;
    if ssn != jane.ssn {
        return Err("the detokenized ssn differs from the inserted one".into());
    }
    writeln!(
        out,
        "detokenized the ssn token: a Sensitive<String> equal to the inserted ssn (not printed)"
    )?;

    // 4. Update one column; the others stay as they are.
    let changes = Update::new().set(Person::STATE, Some("NY"));
    people.update(&id, changes).send().await?;
    let stored: Vec<Person> = people.get([&id]).plain_text().send().await?;
    let expected = Person {
        id: Some(id.clone()),
        state: Some("NY".into()),
        ..jane.clone()
    };
    if stored != [expected] {
        return Err("the record read back differs from the update".into());
    }
    writeln!(
        out,
        "updated the state; a plain-text read matches, other fields unchanged"
    )?;

    // 5. Delete it.
    let deleted = people.delete([&id]).send().await?;
    writeln!(out, "deleted {} record", deleted.len())?;
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    support::exit(
        async {
            let target = support::connect().await?;
            let mut out = std::io::stdout();
            writeln!(out, "running on the {}", target.description())?;
            run(target.vault(), &mut out).await?;
            target.shutdown().await;
            Ok(())
        }
        .await,
    )
}
