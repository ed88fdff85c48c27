//! Where the examples run: a real vault when `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`,
//! `SKYFLOW_ENV` and `SKYFLOW_CREDENTIALS` are all set, otherwise the embedded emulator
//! (`skyflow-emulator`, started in this process on 127.0.0.1 with its data in memory).
//!
//! Shared by every example (and by the test that runs them) as `mod support;`.
#![allow(dead_code, reason = "each example uses a different part")]

use std::error::Error;
use std::io::Write;

use skyflow::credentials::Credentials;
use skyflow::{DetectClient, Env, Skyflow, VaultClient, VaultConfig};
use skyflow_emulator::{Emulator, EmulatorOptions};

/// Any error an example reports.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// The exit code of an example: success, or the error on stderr and a failure code.
pub fn exit(result: Result<(), BoxError>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The variables that select a real vault; all four or none must be set.
pub const VARS: [&str; 4] = [
    "SKYFLOW_VAULT_ID",
    "SKYFLOW_CLUSTER_ID",
    "SKYFLOW_ENV",
    "SKYFLOW_CREDENTIALS",
];

/// The vault an example talks to, and the emulator behind it when embedded.
pub struct Target {
    client: Skyflow,
    vault: VaultClient,
    detect: DetectClient,
    vault_config: VaultConfig,
    credentials: Credentials,
    service_account: Option<String>,
    role_id: Option<String>,
    description: String,
    emulator: Option<Emulator>,
}

impl Target {
    /// The vault handle.
    pub fn vault(&self) -> &VaultClient {
        &self.vault
    }

    /// The client the vault handle belongs to.
    pub fn client(&self) -> &Skyflow {
        &self.client
    }

    /// The vault's config without credentials, for examples that build their own client.
    pub fn vault_config(&self) -> VaultConfig {
        self.vault_config.clone()
    }

    /// A handle on the same vault through a new client using `credentials`.
    ///
    /// # Errors
    ///
    /// When the credentials are invalid.
    pub fn vault_with(&self, credentials: Credentials) -> Result<VaultClient, BoxError> {
        let client = Skyflow::builder()
            .vault_config(self.vault_config())
            .credentials(credentials)
            .build()?;
        Ok(client.default_vault()?)
    }

    /// The credentials the client uses (an API key on the emulator, `SKYFLOW_CREDENTIALS`
    /// on a real vault).
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// A service account's credentials JSON: the emulator's own account, or the value of
    /// `SKYFLOW_CREDENTIALS` on a real vault.
    ///
    /// # Errors
    ///
    /// When there is none.
    pub fn service_account_json(&self) -> Result<&str, BoxError> {
        self.service_account
            .as_deref()
            .ok_or_else(|| "this example needs a service account's credentials".into())
    }

    /// A role id of the vault that may read but not write: the emulator's `viewer` role,
    /// or `SKYFLOW_ROLE_ID` on a real vault.
    ///
    /// # Errors
    ///
    /// On a real vault when `SKYFLOW_ROLE_ID` is not set.
    pub fn read_only_role_id(&self) -> Result<&str, BoxError> {
        self.role_id.as_deref().ok_or_else(|| {
            "set SKYFLOW_ROLE_ID to a role id of the vault that may read but not write".into()
        })
    }

    /// The Detect handle, through the same vault.
    pub fn detect(&self) -> &DetectClient {
        &self.detect
    }

    /// One line saying where the example runs (no credentials in it).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// `true` for the embedded emulator.
    pub fn is_embedded(&self) -> bool {
        self.emulator.is_some()
    }

    /// The embedded emulator, if any.
    pub fn emulator(&self) -> Option<&Emulator> {
        self.emulator.as_ref()
    }

    /// Stops the embedded emulator, if any.
    pub async fn shutdown(self) {
        if let Some(emulator) = self.emulator {
            emulator.shutdown().await;
        }
    }
}

/// A real vault named by the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealVault {
    /// `SKYFLOW_VAULT_ID`.
    pub vault_id: String,
    /// `SKYFLOW_CLUSTER_ID`.
    pub cluster_id: String,
    /// `SKYFLOW_ENV`.
    pub env: Env,
}

/// Reads the selection from `lookup` (the environment in [`connect`]): `None` when none
/// of [`VARS`] is set, the real vault when all are.
///
/// # Errors
///
/// When only some are set, or `SKYFLOW_ENV` is not an environment name.
pub fn select(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<RealVault>, BoxError> {
    let value = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let missing: Vec<&str> = VARS
        .iter()
        .copied()
        .filter(|v| value(v).is_none())
        .collect();
    if missing.len() == VARS.len() {
        return Ok(None);
    }
    if !missing.is_empty() {
        return Err(format!(
            "to use a real vault set all of {}; missing: {}",
            VARS.join(", "),
            missing.join(", ")
        )
        .into());
    }
    Ok(Some(RealVault {
        vault_id: value(VARS[0]).unwrap_or_default(),
        cluster_id: value(VARS[1]).unwrap_or_default(),
        env: value(VARS[2]).unwrap_or_default().parse()?,
    }))
}

/// A real vault if the environment names one (see [`select`]), else the embedded
/// emulator.
///
/// # Errors
///
/// As [`select`]; also when the credentials don't parse or the emulator does not start.
pub async fn connect() -> Result<Target, BoxError> {
    connect_with(EmulatorOptions::in_memory()).await
}

/// [`connect`], starting the embedded emulator with `options` when no real vault is named.
///
/// # Errors
///
/// As [`connect`].
pub async fn connect_with(options: EmulatorOptions) -> Result<Target, BoxError> {
    let Some(real) = select(|name| std::env::var(name).ok())? else {
        return embedded_with(options).await;
    };
    let credentials = Credentials::from_env()?.ok_or("SKYFLOW_CREDENTIALS is empty")?;
    let vault_config = VaultConfig::new(&real.vault_id, &real.cluster_id, real.env);
    let client = Skyflow::builder()
        .vault_config(vault_config.clone())
        .credentials(credentials.clone())
        .build()?;
    let vault = client.default_vault()?;
    let detect = client.default_detect()?;
    Ok(Target {
        detect,
        description: format!(
            "vault {} at {} ({})",
            real.vault_id,
            vault.vault_url(),
            real.env
        ),
        client,
        vault,
        vault_config,
        credentials,
        service_account: std::env::var(VARS[3]).ok(),
        role_id: std::env::var("SKYFLOW_ROLE_ID")
            .ok()
            .filter(|id| !id.trim().is_empty()),
        emulator: None,
    })
}

/// The embedded emulator with its default vault (Skyflow's quickstart tables `persons` and
/// `credit_cards`, plus `table1`), and a client using its API key.
///
/// # Errors
///
/// When the emulator does not start.
pub async fn embedded() -> Result<Target, BoxError> {
    embedded_with(EmulatorOptions::in_memory()).await
}

/// [`embedded`] with the emulator started with `options`.
///
/// # Errors
///
/// When the emulator does not start.
pub async fn embedded_with(options: EmulatorOptions) -> Result<Target, BoxError> {
    let emulator = Emulator::start(options).await?;
    let url = emulator.vault_url().to_owned();
    on_emulator(emulator, &url)
}

/// A target on a running `emulator`, reached at `url`: its own URL, or a proxy in front of
/// it (the tests record the traffic that way).
///
/// # Errors
///
/// When the client can't be built.
pub fn on_emulator(emulator: Emulator, url: &str) -> Result<Target, BoxError> {
    let vault_config = VaultConfig::from_base_url(emulator.vault_id(), url);
    let credentials = Credentials::api_key(emulator.api_key());
    let client = Skyflow::builder()
        .vault_config(vault_config.clone())
        .credentials(credentials.clone())
        .build()?;
    let vault = client.default_vault()?;
    let detect = client.default_detect()?;
    Ok(Target {
        detect,
        description: format!(
            "embedded emulator at {url} (in memory; set {} for a real vault)",
            VARS.join(", ")
        ),
        client,
        vault,
        vault_config,
        credentials,
        service_account: Some(emulator.credentials_json().to_owned()),
        role_id: emulator
            .vaults()
            .first()
            .and_then(|v| v.roles.get("viewer").cloned()),
        emulator: Some(emulator),
    })
}

/// The `main` of an example: picks the target ([`connect_with`]), prints where it runs,
/// runs `example` with stdout, stops the emulator and turns the result into an exit code.
pub async fn run_example(
    options: EmulatorOptions,
    example: impl AsyncFnOnce(&Target, &mut std::io::Stdout) -> Result<(), BoxError>,
) -> std::process::ExitCode {
    exit(
        async {
            let target = connect_with(options).await?;
            let mut out = std::io::stdout();
            writeln!(out, "running on the {}", target.description())?;
            let result = example(&target, &mut out).await;
            target.shutdown().await;
            result
        }
        .await,
    )
}

/// A tag unique to this run (nanoseconds since the epoch, in hex), to keep values that
/// must be unique (emails, your own tokens) apart from other runs' in a shared vault.
pub fn run_tag() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos:x}")
}

/// `Ok(())` when `ok`, else an error naming the failed check.
///
/// # Errors
///
/// When `ok` is false.
pub fn check(ok: bool, what: &str) -> Result<(), BoxError> {
    if ok {
        Ok(())
    } else {
        Err(format!("check failed: {what}").into())
    }
}

/// Log lines captured by a `tracing` subscriber of the example's own (the examples that
/// show logging read them back).
#[derive(Clone, Default)]
pub struct LogCapture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl LogCapture {
    /// A plain-text subscriber (no time, no colours) writing the SDK's events (target
    /// `skyflow`) up to `level` into this capture.
    pub fn subscriber(&self, level: tracing::Level) -> tracing::Dispatch {
        tracing::Dispatch::new(
            tracing_subscriber::fmt()
                .with_writer(self.clone())
                .with_env_filter(format!("skyflow={level}"))
                .without_time()
                .with_ansi(false)
                .finish(),
        )
    }

    /// The lines captured so far, emptying the capture.
    pub fn take(&self) -> Vec<String> {
        let mut buf = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let text = String::from_utf8_lossy(&buf).into_owned();
        buf.clear();
        text.lines().map(str::to_owned).collect()
    }
}

impl Write for LogCapture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// How the examples start the embedded emulator: in memory, on a free port of 127.0.0.1.
pub fn default_options() -> EmulatorOptions {
    EmulatorOptions::in_memory()
}

/// The claims of a JWT (its middle part), decoded without checking the signature: enough
/// to show what a token says (expiry, roles, context) without printing the token.
///
/// # Errors
///
/// When `token` is not a JWT with a JSON payload.
pub fn jwt_claims(token: &str) -> Result<serde_json::Value, BoxError> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).ok_or("not a JWT")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload)?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// Inserts a `persons` record named `name` and deletes it (two calls); returns its id.
/// The examples about credentials and logging use it to show a client at work.
///
/// # Errors
///
/// The vault's errors.
pub async fn insert_and_delete(vault: &VaultClient, name: &str) -> Result<String, BoxError> {
    let request =
        skyflow::vault::InsertRequest::new("persons").value(serde_json::json!({ "name": name }));
    let response = vault.insert(&request).await?;
    let id = response
        .inserted()
        .first()
        .ok_or("the insert returned no record")?
        .skyflow_id()
        .to_owned();
    vault
        .delete(&skyflow::vault::DeleteRequest::new("persons").id(&id))
        .await?;
    Ok(id)
}

/// The `main` of a Detect example: connects (see [`connect`]), prints where it runs, then
/// runs `$run(target.detect(), &mut stdout)`, and exits as [`exit`] says.
#[allow(unused_macros, reason = "only the Detect examples expand it")]
macro_rules! detect_main {
    ($run:path) => {
        #[tokio::main]
        async fn main() -> std::process::ExitCode {
            support::exit(
                async {
                    let target = support::connect().await?;
                    let mut out = std::io::stdout();
                    writeln!(out, "running on the {}", target.description())?;
                    $run(target.detect(), &mut out).await?;
                    target.shutdown().await;
                    Ok(())
                }
                .await,
            )
        }
    };
}
#[allow(unused_imports, reason = "only the Detect examples expand it")]
pub(crate) use detect_main;
