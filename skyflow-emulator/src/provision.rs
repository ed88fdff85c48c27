//! Provisioning of a data directory on start: the engine and its vaults, the API key, the
//! default service account (generated on first start; given every role of every vault
//! served) and the auth authority with every account and every token URI issued before.
//! [`crate::Emulator::start`] runs it, then binds the socket and writes the facts files.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::auth::{self, Authority, RoleKind};
use crate::embedded::{EmulatorOptions, StartError, VaultInfo};
use crate::engine::{ApiKeyRecord, Engine, EngineConfig, ServiceAccountRecord, VaultSchema};

const META_API_KEY: &str = "emulator.api_key";
const META_DEFAULT_SA: &str = "emulator.default_service_account";
const META_VAULT_NAMES: &str = "emulator.vault_names";
const META_TOKEN_URIS: &str = "emulator.token_uris";

/// The default service account's private half, kept (encrypted) in the engine's store.
#[derive(Serialize, Deserialize)]
struct DefaultAccount {
    client_id: String,
    private_key_pem: String,
}

/// What provisioning hands to the server.
pub(crate) struct Provisioned {
    pub engine: Engine,
    pub vaults: Vec<VaultInfo>,
    pub api_key: String,
    pub default_record: ServiceAccountRecord,
    pub private_key_pem: String,
    pub authority: Authority,
}

/// Opens the data directory `dir` and brings it up to date with `options`.
pub(crate) async fn provision(
    options: &EmulatorOptions,
    dir: &Path,
) -> Result<Provisioned, StartError> {
    let engine = open_engine(options, dir)?;
    let vaults = ensure_vaults(&engine, options)?;
    let vault_ids: Vec<String> = vaults.iter().map(|v| v.vault_id.clone()).collect();
    let all_roles: Vec<String> = vault_ids
        .iter()
        .flat_map(|v| RoleKind::ALL.map(|k| k.role_id(v)))
        .collect();

    // Auth state lives in the engine's store; first start creates it.
    let api_key = match engine
        .meta_get(META_API_KEY)
        .map_err(engine_error("couldn't read the API key"))?
    {
        Some(bytes) => String::from_utf8(bytes)
            .map_err(|_| StartError::new("the stored API key is not text"))?,
        None => {
            let key = auth::generate_api_key();
            engine
                .put_api_key(
                    &key,
                    &ApiKeyRecord {
                        vault_id: None,
                        roles: all_roles.clone(),
                    },
                )
                .map_err(engine_error("couldn't store the API key"))?;
            engine
                .meta_put(META_API_KEY, key.as_bytes())
                .map_err(engine_error("couldn't store the API key"))?;
            key
        }
    };
    let default_account: DefaultAccount = match engine
        .meta_get(META_DEFAULT_SA)
        .map_err(engine_error("couldn't read the service account"))?
    {
        Some(bytes) => serde_json::from_slice(&bytes)
            .map_err(|_| StartError::new("the stored service account is not valid"))?,
        None => {
            let account = tokio::task::spawn_blocking(|| {
                auth::generate_service_account("skyflow-emulator", Vec::new())
            })
            .await
            .map_err(|_| StartError::new("key generation failed"))?
            .map_err(StartError::new)?;
            engine
                .put_service_account(&account.record)
                .map_err(engine_error("couldn't store the service account"))?;
            let default = DefaultAccount {
                client_id: account.record.client_id.clone(),
                private_key_pem: account.private_key_pem,
            };
            let bytes = serde_json::to_vec(&default)
                .map_err(|_| StartError::new("couldn't encode the service account"))?;
            engine
                .meta_put(META_DEFAULT_SA, &bytes)
                .map_err(engine_error("couldn't store the service account"))?;
            default
        }
    };
    // The default account always holds every role of every vault served now.
    let mut default_record = engine
        .service_account(&default_account.client_id)
        .map_err(engine_error("couldn't read the service account"))?
        .ok_or_else(|| StartError::new("the default service account is missing"))?;
    if default_record.roles != all_roles {
        default_record.roles = all_roles.clone();
        engine
            .put_service_account(&default_record)
            .map_err(engine_error("couldn't store the service account"))?;
    }

    let authority = Authority::new(
        options.auth,
        api_key.clone(),
        engine.server_signing_key().to_vec(),
        options.token_ttl,
        &vault_ids,
    );
    // A primary key revoked in an earlier run stays revoked.
    if engine
        .api_key(&api_key)
        .map_err(engine_error("couldn't read the API key"))?
        .is_none()
    {
        authority.revoke_primary(&api_key);
    }
    for account in engine
        .service_accounts()
        .map_err(engine_error("couldn't list the service accounts"))?
    {
        authority.add_account(account).map_err(StartError::new)?;
    }
    Ok(Provisioned {
        engine,
        vaults,
        api_key,
        default_record,
        private_key_pem: default_account.private_key_pem,
        authority,
    })
}

/// Makes `token_uri` the authority's endpoint; token URIs of earlier starts stay valid
/// audiences (credentials files written then name them), and this one is recorded for later
/// starts.
pub(crate) fn register_token_uri(
    engine: &Engine,
    authority: &Authority,
    token_uri: &str,
) -> Result<(), StartError> {
    let mut earlier: Vec<String> = engine
        .meta_get(META_TOKEN_URIS)
        .map_err(engine_error("couldn't read the token URIs"))?
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    if !earlier.iter().any(|u| u == token_uri) {
        let mut all = earlier.clone();
        all.push(token_uri.to_owned());
        let bytes = serde_json::to_vec(&all).unwrap_or_default();
        engine
            .meta_put(META_TOKEN_URIS, &bytes)
            .map_err(engine_error("couldn't store the token URIs"))?;
    }
    earlier.retain(|u| *u != token_uri);
    authority.set_endpoint(token_uri, earlier);
    Ok(())
}

pub(crate) fn engine_error(
    what: &str,
) -> impl FnOnce(crate::engine::EngineError) -> StartError + '_ {
    move |e| StartError::new(format!("{what}: {}", e.detail().unwrap_or(e.message())))
}

fn open_engine(options: &EmulatorOptions, dir: &Path) -> Result<Engine, StartError> {
    let mut config = if options.in_memory {
        EngineConfig::in_memory()
    } else {
        EngineConfig::on_disk(dir)
    };
    config.limits = options
        .limits
        .with_download_url_ttl(options.download_url_ttl)
        .with_max_file_bytes(options.limits.effective_max_file_bytes());
    config.skyflow_quirks = options.skyflow_quirks;
    Engine::open(config).map_err(engine_error("couldn't open the vault store"))
}

/// Creates the vaults on first start; on a restart keeps them, replacing their schemas with
/// the `--schema` files given (in order; extra files add vaults).
fn ensure_vaults(engine: &Engine, options: &EmulatorOptions) -> Result<Vec<VaultInfo>, StartError> {
    let mut schemas = Vec::new();
    for path in &options.schema_files {
        let text = std::fs::read_to_string(path)
            .map_err(|_| StartError::new(format!("couldn't read the schema {}", path.display())))?;
        let vaults = VaultSchema::from_file_json(&text).map_err(|e| {
            StartError::new(format!(
                "invalid schema {}: {}",
                path.display(),
                e.message()
            ))
        })?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "vault".to_owned());
        // A file of one vault names it after the file; a file of several uses each vault's
        // own name, or the file's name and its position.
        let several = vaults.len() > 1;
        for (index, (name, schema)) in vaults.into_iter().enumerate() {
            let name = match name {
                Some(name) if several => name,
                _ if several => format!("{stem}-{}", index + 1),
                _ => stem.clone(),
            };
            schemas.push((name, schema));
        }
    }
    let mut names: std::collections::BTreeMap<String, String> = engine
        .meta_get(META_VAULT_NAMES)
        .map_err(engine_error("couldn't read the vault names"))?
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let existing = engine.vaults();
    if existing.is_empty() && schemas.is_empty() {
        schemas.push(("default".to_owned(), VaultSchema::default_schema()));
    }
    for (index, (name, schema)) in schemas.into_iter().enumerate() {
        let id = match existing.get(index) {
            Some(vault) => {
                engine
                    .put_vault(&vault.id, schema)
                    .map_err(engine_error("couldn't update a vault schema"))?;
                vault.id.clone()
            }
            None => engine
                .create_vault(None, schema)
                .map_err(engine_error("couldn't create a vault"))?,
        };
        names.insert(id, name);
    }
    let bytes = serde_json::to_vec(&names).unwrap_or_default();
    engine
        .meta_put(META_VAULT_NAMES, &bytes)
        .map_err(engine_error("couldn't store the vault names"))?;
    Ok(engine
        .vaults()
        .into_iter()
        .map(|v| VaultInfo {
            name: names
                .get(&v.id)
                .cloned()
                .unwrap_or_else(|| "vault".to_owned()),
            roles: RoleKind::ALL
                .iter()
                .map(|k| {
                    let role = k.role_id(&v.id);
                    let kind = role.split('-').next().unwrap_or_default().to_owned();
                    (kind, role)
                })
                .collect(),
            vault_id: v.id,
        })
        .collect())
}
