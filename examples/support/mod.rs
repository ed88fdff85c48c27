//! Where the examples run: a real vault when `SKYFLOW_VAULT_ID`, `SKYFLOW_CLUSTER_ID`,
//! `SKYFLOW_ENV` and `SKYFLOW_CREDENTIALS` are all set, otherwise the embedded emulator
//! (`skyflow-emulator`, started in this process on 127.0.0.1 with its data in memory).
//!
//! Shared by every example (and by the test that runs them) as `mod support;`.
#![allow(dead_code, reason = "each example uses a different part")]

use std::error::Error;

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
    vault: VaultClient,
    detect: DetectClient,
    description: String,
    emulator: Option<Emulator>,
}

impl Target {
    /// The vault handle.
    pub fn vault(&self) -> &VaultClient {
        &self.vault
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
    let Some(real) = select(|name| std::env::var(name).ok())? else {
        return embedded().await;
    };
    let credentials = Credentials::from_env()?.ok_or("SKYFLOW_CREDENTIALS is empty")?;
    let client = Skyflow::builder()
        .vault_config(VaultConfig::new(&real.vault_id, &real.cluster_id, real.env))
        .credentials(credentials)
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
        vault,
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
    let emulator = Emulator::start(EmulatorOptions::in_memory()).await?;
    let client = Skyflow::builder()
        .vault_config(VaultConfig::from_base_url(
            emulator.vault_id(),
            emulator.vault_url(),
        ))
        .credentials(Credentials::api_key(emulator.api_key()))
        .build()?;
    let vault = client.default_vault()?;
    let detect = client.default_detect()?;
    Ok(Target {
        detect,
        description: format!(
            "embedded emulator at {} (in memory; set {} for a real vault)",
            emulator.vault_url(),
            VARS.join(", ")
        ),
        vault,
        emulator: Some(emulator),
    })
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
