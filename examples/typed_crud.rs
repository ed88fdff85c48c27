//! Typed CRUD on `table1` (the table the official Skyflow SDK samples use): a struct with
//! strings, a unique email, integers, floats, booleans, dates and optional fields.
//!
//! It inserts several records, upserts on the unique email, reads by that column, pages
//! through the table, reads selected columns masked, updates only named columns, runs a
//! typed query, inserts with continue-on-error and deletes everything it wrote.
//!
//! ```sh
//! cargo run --example typed_crud
//! ```
//!
//! With no configuration it runs on the embedded emulator. Against a real vault (set
//! `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`, `SKYFLOW_CREDENTIALS`) the vault
//! needs a `table1` with the columns of [`Customer`] and `email` unique. It prints ids,
//! masked values and counts, never plaintext or tokens.

mod support;

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::NaiveDate;
use skyflow::table::{GetByColumn, Order, Select, Sensitive, SkyflowId, Update};
use skyflow::{VaultClient, VaultTable};
use support::BoxError;

/// A customer in `table1`, checked at compile time against the schema the emulator loads.
#[derive(Debug, Clone, PartialEq, VaultTable)]
#[vault(table = "table1", schema = "skyflow-emulator/schemas/table1.json")]
pub struct Customer {
    /// The record id, `None` until inserted.
    #[vault(skyflow_id)]
    pub id: Option<SkyflowId>,
    /// Full name.
    pub name: String,
    /// Email address: the unique upsert key.
    #[vault(unique)]
    pub email: String,
    /// Social security number.
    pub ssn: Sensitive<String>,
    /// Age, if known.
    pub age: Option<i32>,
    /// Account balance.
    pub amount: f64,
    /// Whether the account is active.
    pub is_active: bool,
    /// Date of birth, if known.
    pub date_of_birth: Option<NaiveDate>,
    /// Free-text notes, if any.
    pub notes: Option<String>,
}

/// Customer `i` of run `run` (made-up data; the run tag keeps emails unique in a shared
/// vault).
fn customer(run: u64, i: u32) -> Customer {
    Customer {
        id: None,
        name: format!("Customer {i}"),
        email: format!("customer{i}.{run}@example.com"),
        ssn: Sensitive::new(format!("{:03}-{:02}-{:04}", 100 + i, 10 + i, 1000 + i)),
        age: (i != 2).then_some(30 + 5 * i as i32),
        amount: 19.5 * f64::from(i + 1),
        is_active: i != 1,
        date_of_birth: NaiveDate::from_ymd_opt(1980 + i as i32, 1 + i, 10 + i),
        notes: (i == 0).then(|| "prefers email".to_owned()),
    }
}

fn check(ok: bool, what: &str) -> Result<(), BoxError> {
    if ok {
        Ok(())
    } else {
        Err(format!("check failed: {what}").into())
    }
}

/// The walkthrough, writing what it does to `out`. It checks every result and fails if
/// the vault gives back anything other than what was stored.
///
/// # Errors
///
/// The vault's errors, a failed check, or a failed write to `out`.
pub async fn run(vault: &VaultClient, out: &mut impl Write) -> Result<(), BoxError> {
    let customers = vault.table::<Customer>();
    let run = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos() as u64;
    let mut records: Vec<Customer> = (0..3).map(|i| customer(run, i)).collect();

    // Insert many: one id per record, in order.
    let ids = customers.insert_many(&records).send().await?;
    for (record, id) in records.iter_mut().zip(&ids) {
        record.id = Some(id.clone());
    }
    writeln!(out, "inserted {} customers", ids.len())?;

    // Upsert on the unique email: the existing record is updated, no new one is made.
    let mut changed = records[0].clone();
    changed.amount = 1234.75;
    let upserted = customers.upsert(Customer::EMAIL, &changed).send().await?;
    check(upserted == ids[0], "the upsert updated the first customer")?;
    records[0] = changed;
    writeln!(
        out,
        "upserted on email: updated the existing record {upserted}"
    )?;

    // Get by the unique column, as plain text: every field comes back with its own type.
    let by_email = GetByColumn::new(Customer::EMAIL, [records[1].email.clone()]);
    let found: Vec<Customer> = customers.get_by(by_email).plain_text().send().await?;
    check(found == [records[1].clone()], "the record read by email")?;
    writeln!(
        out,
        "read by email: 1 customer; strings, integers, floats, booleans, dates and options round-trip"
    )?;

    // Page through the table, redacted (only ids and counts are used).
    let mut pages = 0;
    let mut ours = 0;
    let mut offset = 0;
    loop {
        let page = customers
            .get_all()
            .redacted()
            .order(Order::Ascending)
            .offset(offset)
            .limit(2)
            .send()
            .await?;
        if page.is_empty() {
            break;
        }
        pages += 1;
        offset += page.len() as u64;
        ours += page.iter().filter(|c| ids.contains(&c.id)).count();
    }
    check(ours == ids.len(), "every customer was seen while paging")?;
    writeln!(
        out,
        "paged through table1 two records at a time: {pages} pages"
    )?;

    // Read selected columns masked: the values are `MaskedValue<_>`.
    let masked = customers
        .get([&ids[1]])
        .masked()
        .field(Customer::SSN)
        .field(Customer::EMAIL)
        .send()
        .await?;
    let view = masked.first().ok_or("the masked read returned no record")?;
    check(view.name.is_null(), "unselected columns are not read")?;
    writeln!(
        out,
        "read two columns masked: ssn {}, email {}",
        view.ssn.as_str().unwrap_or("-"),
        view.email.as_str().unwrap_or("-"),
    )?;

    // Update only the named columns: set one, clear one, leave the rest unchanged.
    let changes = Update::new()
        .set(Customer::NAME, "Customer Zero")
        .clear(Customer::NOTES);
    customers.update(&ids[0], changes).send().await?;
    records[0].name = "Customer Zero".into();
    records[0].notes = None;
    let stored = customers.get([&ids[0]]).plain_text().send().await?;
    check(stored == [records[0].clone()], "the partial update")?;
    writeln!(
        out,
        "updated one customer: name set, notes cleared, other columns unchanged"
    )?;

    // A typed query: the rows convert to `Customer`.
    let query = Select::new()
        .where_eq(Customer::IS_ACTIVE, true)
        .order_by(Customer::AGE, Order::Descending);
    let active: Vec<Customer> = customers.query(query).plain_text().send().await?;
    let active: Vec<&Customer> = active
        .iter()
        .filter(|c| c.id.as_ref().is_some_and(|id| ids.contains(id)))
        .collect();
    check(
        active.len() == 2 && active.iter().all(|c| records.contains(c)),
        "the query returned the active customers",
    )?;
    writeln!(
        out,
        "queried active customers: {} found, oldest first",
        active.len()
    )?;

    // Continue on error: a bad record is reported at its index, the good one is stored.
    let mut bad = customer(run, 3);
    bad.ssn = Sensitive::new("not an ssn".into());
    let good = customer(run, 4);
    let results = customers
        .insert_many([&good, &bad])
        .continue_on_error()
        .send()
        .await?;
    let failed: Vec<usize> = results.errors().map(|e| e.index()).collect();
    check(failed == [1], "only the bad record failed")?;
    let mut written: Vec<SkyflowId> = ids.clone();
    written.extend(results.inserted().cloned());
    writeln!(
        out,
        "inserted with continue-on-error: {} stored, record {} rejected",
        results.inserted().count(),
        failed[0],
    )?;

    // Delete everything this run wrote.
    let deleted = customers.delete(&written).send().await?;
    check(deleted.len() == written.len(), "every record was deleted")?;
    writeln!(out, "deleted {} customers", deleted.len())?;
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
