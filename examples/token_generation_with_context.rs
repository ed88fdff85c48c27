//! Bearer tokens with a context: a string or a map of values that the vault's
//! conditional data access policies can read (`request.context.<key>`).
//!
//! ```sh
//! cargo run --example token_generation_with_context
//! ```
//!
//! With no configuration it runs on the embedded emulator and uses the service account it
//! creates. On a real vault (set `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`, `SKYFLOW_ENV`,
//! `SKYFLOW_CREDENTIALS`) it uses the service account in `SKYFLOW_CREDENTIALS` and needs
//! the quickstart `persons` table. It prints contexts and outcomes, never tokens or keys.

mod support;

use std::io::Write;

use crate::support::{
    BoxError, Target, check, default_options, insert_and_delete, jwt_claims, run_example,
};
use skyflow::credentials::Credentials;
use skyflow::service_account::{self, BearerTokenOptions, Context};

/// Gets tokens with a string and a map context, shows a refused key, uses one.
///
/// # Errors
///
/// The vault's or the token endpoint's errors, a failed check, or a failed write to `out`.
pub async fn run(target: &Target, out: &mut impl Write) -> Result<(), BoxError> {
    let credentials_json = target.service_account_json()?;

    // A string context.
    let options = BearerTokenOptions::new().with_ctx("user_42");
    let token =
        service_account::generate_bearer_token_from_creds(credentials_json, &options).await?;
    writeln!(
        out,
        "generated a token with a string context: its ctx claim is {}",
        jwt_claims(token.access_token())?["ctx"]
    )?;

    // A map context: each key becomes a policy variable.
    let context = Context::map([("user_id", "42"), ("department", "billing")]);
    let options = BearerTokenOptions::new().with_ctx(context.clone());
    let token =
        service_account::generate_bearer_token_from_creds(credentials_json, &options).await?;
    writeln!(
        out,
        "generated a token with a map context: its ctx claim is {}",
        jwt_claims(token.access_token())?["ctx"]
    )?;

    // Keys may hold only letters, digits and underscores; others are refused before any
    // call.
    let options = BearerTokenOptions::new().with_ctx(Context::map([("user-id", "42")]));
    let err = service_account::generate_bearer_token_from_creds(credentials_json, &options)
        .await
        .err()
        .ok_or("a context key with a dash was accepted")?;
    check(err.is_validation(), "a validation error")?;
    writeln!(
        out,
        "a context key with a dash is refused before sending (field {})",
        err.field().unwrap_or("-")
    )?;

    // On client-managed credentials: every token the client gets carries the context.
    let credentials = Credentials::service_account_json(credentials_json).with_context(context);
    let vault = target.vault_with(credentials)?;
    let id = insert_and_delete(&vault, "Context User").await?;
    writeln!(
        out,
        "a client whose credentials carry the map context inserted and deleted {id}"
    )?;
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    run_example(default_options(), async |target, out| {
        run(target, out).await
    })
    .await
}
