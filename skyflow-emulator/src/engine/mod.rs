//! The data engine of the emulator: everything below HTTP.
//!
//! An [`Engine`] holds many vaults (each with its id and [`VaultSchema`]) in one SQLite
//! database (WAL synced to disk before a write answers, one writer, a pool of readers) or in
//! memory. Record values are encrypted at rest with AES-256-GCM; unique and deterministic
//! lookups go through HMAC-SHA256 fingerprints, kept in memory (rebuilt from the database when
//! it opens) so that writes only append rows. All methods are synchronous: call them from
//! `tokio::task::spawn_blocking` in an async server.
//!
//! ```
//! use skyflow_emulator::engine::{Engine, EngineConfig, InsertRequest, RecordInput, RequestContext, VaultSchema};
//! let engine = Engine::open(EngineConfig::in_memory()).unwrap();
//! let vault_id = engine.create_vault(None, VaultSchema::default_schema()).unwrap();
//! let vault = engine.vault(&vault_id).unwrap();
//! let mut rec = RecordInput::default();
//! rec.fields.insert("name".into(), "Jane".into());
//! let req = InsertRequest { records: vec![rec], tokenization: Some(true), ..Default::default() };
//! let res = vault.insert(&RequestContext::system(), "table1", req).unwrap();
//! assert_eq!(res.records.len(), 1);
//! ```

//!
//! Where things live:
//! - the public surface: [`Engine`] (this file), [`Vault`] (`vault.rs`), [`Limits`] and
//!   [`EngineConfig`] (`config.rs`), request and response types (`types/`), [`EngineError`];
//! - `ops.rs`: the shared state behind both handles, and how an operation runs (one write
//!   transaction with its audit event, or one audited read);
//! - `store/`: every line of SQL over the `sky_*` tables (records, unique index, tokens,
//!   files, audit, settings) and the connection pool;
//! - one file per responsibility over it: `validate.rs` (values and request rules),
//!   `write.rs` (insert, upsert, update, delete and the cells' token lifecycle), `read.rs`
//!   (get), `render.rs` (a stored record as a get answers it), `batch.rs`, `tokens.rs`
//!   (issuing and releasing), `resolve.rs` (tokenize, detokenize), `files.rs`, `query/`,
//!   `audit.rs`;
//! - leaves: `schema/`, `crypto.rs`, `fpt.rs` (token generators), `redaction.rs`.
//!
//! A new operation is a method on [`Vault`] (or [`Engine`]) in the file of its
//! responsibility, and its SQL in `store/`.

mod audit;
mod batch;
mod config;
mod crypto;
mod delete;
mod error;
mod files;
mod fpt;
mod meta;
mod ops;
mod query;
mod read;
mod records;
mod redaction;
mod render;
mod resolve;
mod schema;
mod store;
mod tokens;
mod types;
mod validate;
mod vault;
mod write;

use std::sync::Arc;
use std::time::Duration;

pub use audit::{
    AccessType, ActorType, AuditEvent, AuditFilter, AuditResponse, AuthMode, RequestContext,
};
pub use config::{EngineConfig, Limits, VaultInfo};
pub use error::{EngineError, EngineResult, ErrorKind, INTERNAL_ERROR_MESSAGE, http_status_text};
pub use meta::{ApiKeyRecord, ServiceAccountRecord};
pub use redaction::{REDACTED_TEXT, mask_value};
pub use schema::{
    Column, DataType, DlpPolicy, TRANSIENT_TTL_MINUTES, Table, TokenPolicy, VaultSchema,
};
pub use store::CommitStats;
pub use types::*;
pub use vault::Vault;

/// Prefix of signed data tokens (`signed_token_<jwt>`).
pub const SIGNED_TOKEN_PREFIX: &str = "signed_token_";

/// Splits a signed data token into its JWT, or returns `None` for a plain token. The HTTP
/// layer verifies the JWT (RS256, the caller's service account, `exp`) and passes the inner
/// data token (claim `tok`) to [`Vault::detokenize`].
///
/// ```
/// use skyflow_emulator::engine::split_signed_token;
/// assert_eq!(split_signed_token("signed_token_abc.def.ghi"), Some("abc.def.ghi"));
/// assert_eq!(split_signed_token("plain-token"), None);
/// ```
pub fn split_signed_token(token: &str) -> Option<&str> {
    token.strip_prefix(SIGNED_TOKEN_PREFIX)
}

/// The engine: a set of vaults over one store. Cheap to clone; safe to share across threads.
///
/// ```
/// use skyflow_emulator::engine::{Engine, EngineConfig};
/// let e = Engine::open(EngineConfig::in_memory()).unwrap();
/// assert!(e.vaults().is_empty());
/// ```
#[derive(Clone)]
pub struct Engine {
    inner: Arc<ops::Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("in_memory", &self.inner.store.in_memory())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Opens (or creates) the store. On disk, the key file `engine.key` is created 0600 on
    /// first start; if the database exists but the key file is missing or wrong, opening
    /// fails (it never silently starts an empty vault over existing data).
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig};
    /// let dir = std::env::temp_dir().join(format!("sky-doc-{}", std::process::id()));
    /// let e = Engine::open(EngineConfig::on_disk(&dir)).unwrap();
    /// drop(e);
    /// # std::fs::remove_dir_all(&dir).ok();
    /// ```
    pub fn open(config: EngineConfig) -> EngineResult<Engine> {
        Ok(Engine {
            inner: Arc::new(ops::Inner::open(config)?),
        })
    }

    /// The limits in force.
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig};
    /// let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// assert_eq!(e.limits().max_rows, 25);
    /// ```
    pub fn limits(&self) -> &Limits {
        &self.inner.config.limits
    }

    /// How many writes the store ran, how many commits carried them (group commit makes
    /// concurrent writes share one) and how many syncs to disk made them durable, since the
    /// engine was opened; for benchmarks and monitoring.
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig, VaultSchema};
    /// let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// e.create_vault(None, VaultSchema::default_schema()).unwrap();
    /// let stats = e.commit_stats();
    /// assert!(stats.writes >= 1 && stats.commits >= 1);
    /// ```
    pub fn commit_stats(&self) -> CommitStats {
        self.inner.store.commit_stats()
    }

    /// Sets the base URL (e.g. `http://127.0.0.1:8080`) used to build download URLs.
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig};
    /// let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// e.set_public_base_url("http://127.0.0.1:9999");
    /// ```
    pub fn set_public_base_url(&self, url: &str) {
        *self
            .inner
            .base_url
            .write()
            .unwrap_or_else(|p| p.into_inner()) = url.trim_end_matches('/').to_string();
    }

    /// Creates a vault with `schema` under `id` (generated when `None`) and persists it.
    /// Fails with 409 if the id exists.
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig, VaultSchema};
    /// let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// let id = e.create_vault(Some("v1"), VaultSchema::quickstart()).unwrap();
    /// assert_eq!(id, "v1");
    /// assert!(e.create_vault(Some("v1"), VaultSchema::quickstart()).is_err());
    /// ```
    pub fn create_vault(&self, id: Option<&str>, schema: VaultSchema) -> EngineResult<String> {
        self.inner.create_vault(id, schema, false)
    }

    /// Creates the vault `id`, or replaces the schema of an existing one (data is kept; columns
    /// no longer in the schema become invisible).
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig, VaultSchema};
    /// let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// e.put_vault("v1", VaultSchema::quickstart()).unwrap();
    /// e.put_vault("v1", VaultSchema::default_schema()).unwrap();
    /// assert!(e.vault("v1").unwrap().schema().table("table1").is_some());
    /// ```
    pub fn put_vault(&self, id: &str, schema: VaultSchema) -> EngineResult<()> {
        self.inner.create_vault(Some(id), schema, true).map(|_| ())
    }

    /// The vaults, in creation order.
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig};
    /// assert!(Engine::open(EngineConfig::in_memory()).unwrap().vaults().is_empty());
    /// ```
    pub fn vaults(&self) -> Vec<VaultInfo> {
        self.inner.vault_infos()
    }

    /// A handle on the vault `id`; 404 `Vault <id> not found` if it does not exist.
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig};
    /// let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// assert_eq!(e.vault("nope").unwrap_err().http_code(), 404);
    /// ```
    pub fn vault(&self, id: &str) -> EngineResult<Vault> {
        let state = self.inner.vault_state(id)?;
        Ok(Vault {
            inner: self.inner.clone(),
            vault: state,
        })
    }

    /// Verifies a download URL's `exp` and `sig` for file `file_id` and returns the file.
    /// Download URLs look like `{base}/v1/files/download/{file_id}?exp={unix}&sig={hex}`.
    /// 403 for a bad signature, 403 "Download URL expired" after expiry, 404 if the file is gone.
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig};
    /// let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// assert!(e.download_file("f", 0, "00").is_err());
    /// ```
    pub fn download_file(&self, file_id: &str, exp: i64, sig: &str) -> EngineResult<FileDownload> {
        self.inner.download_file(file_id, exp, sig)
    }

    /// Lists audit events (newest first by default) matching `filter`. Events never hold values.
    ///
    /// ```
    /// use skyflow_emulator::engine::{AuditFilter, Engine, EngineConfig};
    /// let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// assert!(e.audit_events(&AuditFilter::default()).unwrap().event.is_empty());
    /// ```
    pub fn audit_events(&self, filter: &AuditFilter) -> EngineResult<AuditResponse> {
        self.inner.audit_events(filter)
    }

    /// Reads a server-side setting (encrypted at rest). Keys are free-form, e.g. `"api_key"`.
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig};
    /// let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// e.meta_put("k", b"v").unwrap();
    /// assert_eq!(e.meta_get("k").unwrap().as_deref(), Some(&b"v"[..]));
    /// ```
    pub fn meta_get(&self, key: &str) -> EngineResult<Option<Vec<u8>>> {
        self.inner.meta_get(key)
    }

    /// Writes a server-side setting (encrypted at rest, durable on return).
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig};
    /// let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// e.meta_put("k", b"v").unwrap();
    /// ```
    pub fn meta_put(&self, key: &str, value: &[u8]) -> EngineResult<()> {
        self.inner.meta_put(key, value)
    }

    /// Registers (or replaces) a service account.
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig, ServiceAccountRecord};
    /// let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// let sa = ServiceAccountRecord { client_id: "c".into(), client_name: "n".into(), key_id: "k".into(),
    ///     public_key_pem: "PEM".into(), roles: vec!["VAULT_OWNER".into()], vault_id: None };
    /// e.put_service_account(&sa).unwrap();
    /// assert_eq!(e.service_account_by_key_id("k").unwrap().unwrap().client_id, "c");
    /// ```
    pub fn put_service_account(&self, sa: &ServiceAccountRecord) -> EngineResult<()> {
        self.inner.put_service_account(sa)
    }

    /// The service account with `client_id`.
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig};
    /// let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// assert!(e.service_account("c").unwrap().is_none());
    /// ```
    pub fn service_account(&self, client_id: &str) -> EngineResult<Option<ServiceAccountRecord>> {
        self.inner.service_account(client_id, false)
    }

    /// The service account owning the key `key_id`.
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig};
    /// let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// assert!(e.service_account_by_key_id("k").unwrap().is_none());
    /// ```
    pub fn service_account_by_key_id(
        &self,
        key_id: &str,
    ) -> EngineResult<Option<ServiceAccountRecord>> {
        self.inner.service_account(key_id, true)
    }

    /// Deletes a service account; returns whether it existed.
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig};
    /// let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// assert!(!e.delete_service_account("c").unwrap());
    /// ```
    pub fn delete_service_account(&self, client_id: &str) -> EngineResult<bool> {
        self.inner.delete_service_account(client_id)
    }

    /// All service accounts.
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig};
    /// assert!(Engine::open(EngineConfig::in_memory()).unwrap().service_accounts().unwrap().is_empty());
    /// ```
    pub fn service_accounts(&self) -> EngineResult<Vec<ServiceAccountRecord>> {
        self.inner.service_accounts()
    }

    /// Registers an API key. Only its HMAC fingerprint is stored (keep the plaintext with
    /// [`Engine::meta_put`] if you need to print it again after a restart).
    ///
    /// ```
    /// use skyflow_emulator::engine::{ApiKeyRecord, Engine, EngineConfig};
    /// let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// e.put_api_key("sky-abcde-0123", &ApiKeyRecord { vault_id: Some("v".into()), roles: vec![] }).unwrap();
    /// assert!(e.api_key("sky-abcde-0123").unwrap().is_some());
    /// assert!(e.api_key("sky-other").unwrap().is_none());
    /// ```
    pub fn put_api_key(&self, key: &str, record: &ApiKeyRecord) -> EngineResult<()> {
        self.inner.put_api_key(key, record)
    }

    /// Looks an API key up (constant work per lookup: by keyed hash).
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig};
    /// assert!(Engine::open(EngineConfig::in_memory()).unwrap().api_key("x").unwrap().is_none());
    /// ```
    pub fn api_key(&self, key: &str) -> EngineResult<Option<ApiKeyRecord>> {
        self.inner.api_key(key)
    }

    /// Revokes an API key; returns whether it existed.
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig};
    /// assert!(!Engine::open(EngineConfig::in_memory()).unwrap().delete_api_key("x").unwrap());
    /// ```
    pub fn delete_api_key(&self, key: &str) -> EngineResult<bool> {
        self.inner.delete_api_key(key)
    }

    /// An HMAC-SHA256 key private to this engine (persisted with the other keys), for the
    /// server to sign things such as bearer tokens. Distinct from the data keys.
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig};
    /// let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// assert_eq!(e.server_signing_key().len(), 32);
    /// ```
    pub fn server_signing_key(&self) -> [u8; 32] {
        self.inner.keys.server_key()
    }

    /// Moves the engine's clock forward by `by` (for tests: transient-token TTLs and
    /// download-URL expiry use this clock; record timestamps do not).
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig};
    /// let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// e.advance_clock(std::time::Duration::from_secs(3600));
    /// ```
    pub fn advance_clock(&self, by: Duration) {
        self.inner
            .clock_offset
            .fetch_add(by.as_secs() as i64, std::sync::atomic::Ordering::Relaxed);
    }

    /// Makes sure everything acknowledged is in the store. Every operation already commits
    /// durably before it returns (writes with their audit event in one transaction; reads
    /// commit their audit event before answering), so there is nothing left to write; it is
    /// kept so callers can state the intent (e.g. before inspecting the database files).
    ///
    /// ```
    /// use skyflow_emulator::engine::{Engine, EngineConfig};
    /// Engine::open(EngineConfig::in_memory()).unwrap().flush().unwrap();
    /// ```
    pub fn flush(&self) -> EngineResult<()> {
        Ok(())
    }
}
