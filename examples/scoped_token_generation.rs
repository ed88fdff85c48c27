//! Scoped bearer tokens: a token limited to some of the service account's roles, here a
//! role that may read but not write.
//!
//! ```sh
//! cargo run --example scoped_token_generation
//! ```
//!
//! With no configuration it runs on the embedded emulator and scopes to its `viewer` role.
//! On a real vault (set `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`,
//! `SKYFLOW_CREDENTIALS`) set `SKYFLOW_ROLE_ID` to a role that may read but not write; it
//! needs the quickstart `persons` table. It prints ids and outcomes, never tokens or keys.

mod support;

use std::io::Write;

use crate::support::{BoxError, Target, check, default_options, jwt_claims, run_example};
use serde_json::json;
use skyflow::VaultClient;
use skyflow::credentials::Credentials;
use skyflow::service_account::{self, BearerTokenOptions};
use skyflow::vault::{DeleteRequest, GetRequest, InsertRequest, RedactionType};

/// Reads and tries to write with a scoped token, standalone and client-managed.
///
/// # Errors
///
/// The vault's or the token endpoint's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    let credentials_json = target.service_account_json()?;
    let role = target.read_only_role_id()?;
    let id = target
        .vault()
        .insert(&InsertRequest::new("persons").value(json!({ "name": "Scoped Reader" })))
        .await?
        .inserted()[0]
        .skyflow_id()
        .to_owned();

    // A token for one role only.
    let options = BearerTokenOptions::new().with_role_ids([role]);
    let token =
        service_account::generate_bearer_token_from_creds(credentials_json, &options).await?;
    let roles = jwt_claims(token.access_token())?["roles"]
        .as_array()
        .map_or(0, Vec::len);
    writeln!(
        out,
        "generated a token scoped to role {role} ({roles} role in its claims)"
    )?;

    let vault = target.vault_with(Credentials::bearer_token(token.access_token()))?;
    let (read, refused) = read_and_try_to_write(&vault, &id).await?;
    writeln!(
        out,
        "with it: read record {id} ({read} record), a write was refused with http status {refused}"
    )?;

    // The same scope on client-managed credentials: every token the client gets for
    // them carries only this role.
    let scoped = Credentials::service_account_json(credentials_json).with_roles([role]);
    let vault = target.vault_with(scoped)?;
    let (read, refused) = read_and_try_to_write(&vault, &id).await?;
    writeln!(
        out,
        "credentials with roles on a client: read {read} record, a write was refused with http status {refused}"
    )?;

    target
        .vault()
        .delete(&DeleteRequest::new("persons").id(&id))
        .await?;
    writeln!(out, "deleted the record with the unscoped client")?;
    Ok(())
}

/// Reads record `id` and tries an insert; returns the records read and the status of the
/// refused insert.
async fn read_and_try_to_write(vault: &VaultClient, id: &str) -> Result<(usize, u16), BoxError> {
    let read = vault
        .get(
            &GetRequest::new("persons")
                .ids([id])
                .redaction_type(RedactionType::Redacted),
        )
        .await?;
    let refused = vault
        .insert(&InsertRequest::new("persons").value(json!({ "name": "Not Allowed" })))
        .await
        .err()
        .ok_or("the read-only token could write")?;
    check(
        refused.status().is_some_and(|s| s == 403),
        "the write was forbidden",
    )?;
    Ok((read.records().len(), refused.status().unwrap_or_default()))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    run_example(default_options(), async |target, out| {
        run(target, out).await
    })
    .await
}
