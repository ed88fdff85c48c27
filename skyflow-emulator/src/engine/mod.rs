//! The data engine of the emulator: everything below HTTP.
//!
//! An [`Engine`] holds many vaults (each with its id and [`VaultSchema`]) in one SQLite
//! database (WAL, `synchronous=FULL`, one writer, a pool of readers) or in memory. Record
//! values are encrypted at rest with AES-256-GCM; unique and deterministic lookups go
//! through HMAC-SHA256 fingerprints. All methods are synchronous: call them from
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

mod audit;
mod crypto;
mod error;
mod files;
mod fpt;
mod meta;
mod ops;
mod query;
mod records;
mod redaction;
mod schema;
mod storage;
mod tokens;
mod types;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub use audit::{
    AccessType, ActorType, AuditEvent, AuditFilter, AuditResponse, AuthMode, RequestContext,
};
pub use error::{EngineError, EngineResult, ErrorKind, http_status_text};
pub use meta::{ApiKeyRecord, ServiceAccountRecord};
pub use redaction::{REDACTED_TEXT, mask_value};
pub use schema::{
    Column, DataType, DlpPolicy, TRANSIENT_TTL_MINUTES, Table, TokenPolicy, VaultSchema,
};
pub use types::*;

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

/// Limits enforced by the engine. The defaults are generous where Skyflow documents nothing
/// (marked (inferred) in vault-semantics.md §1.15) and exact where it does.
///
/// ```
/// use skyflow_emulator::engine::Limits;
/// let l = Limits::default();
/// assert_eq!(l.max_rows, 25);
/// assert_eq!(l.max_records_per_request, 1000);
/// ```
#[derive(Debug, Clone)]
pub struct Limits {
    /// Records per insert/batch/get-by-ids/delete request (default 1000 (inferred)).
    pub max_records_per_request: usize,
    /// Tokens per tokenize/detokenize request (default 1000 (inferred)).
    pub max_tokens_per_request: usize,
    /// Request body size the HTTP layer should accept (default 16 MiB (inferred)). Not enforced
    /// by the engine itself; the server reads it.
    pub max_body_bytes: usize,
    /// File size accepted by uploads (default 16 MiB (inferred), the same as
    /// `max_body_bytes`: over HTTP a file arrives inside a request body, so the server uses
    /// the smaller of the two).
    pub max_file_bytes: usize,
    /// Rows returned by a get or a query (default 25, Skyflow's documented maximum).
    pub max_rows: usize,
    /// Characters of a string in a unique column (default 2500, documented).
    pub max_unique_string_chars: usize,
    /// Validity of a download URL (default 15 minutes, documented).
    pub download_url_ttl: Duration,
    /// Wall-clock budget of one SQL query (default 5 s (inferred)).
    pub query_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_records_per_request: 1000,
            max_tokens_per_request: 1000,
            max_body_bytes: 16 * 1024 * 1024,
            max_file_bytes: 16 * 1024 * 1024,
            max_rows: 25,
            max_unique_string_chars: 2500,
            download_url_ttl: Duration::from_secs(15 * 60),
            query_timeout: Duration::from_secs(5),
        }
    }
}

/// How to open an [`Engine`].
///
/// ```
/// use skyflow_emulator::engine::EngineConfig;
/// let c = EngineConfig::on_disk("/tmp/vault-data");
/// assert!(c.data_dir.is_some());
/// assert!(EngineConfig::in_memory().data_dir.is_none());
/// ```
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Directory holding `emulator.db` (+ WAL) and the key file `engine.key` (0600).
    /// `None` keeps everything in memory (keys too) and nothing survives the process.
    pub data_dir: Option<PathBuf>,
    /// Limits.
    pub limits: Limits,
    /// Reader connections in the pool (default 4; on-disk mode only).
    pub readers: usize,
    /// Copy Skyflow's observed quirks instead of answering a clear 4xx (default `false`). For
    /// now one quirk: a query naming an unknown column answers 500 / gRPC 13
    /// `ERROR (internal_error): Could not find Field <c>` (vault-semantics §1.11) instead of
    /// 400 `Invalid query: Could not find Field <c>`.
    pub skyflow_quirks: bool,
    /// Base URL used in download URLs (default `http://127.0.0.1`); the server sets the real
    /// one with [`Engine::set_public_base_url`] once it has bound its port.
    pub public_base_url: String,
}

impl EngineConfig {
    /// An in-memory engine with default limits.
    ///
    /// ```
    /// let c = skyflow_emulator::engine::EngineConfig::in_memory();
    /// assert_eq!(c.limits.max_rows, 25);
    /// ```
    pub fn in_memory() -> Self {
        EngineConfig {
            data_dir: None,
            limits: Limits::default(),
            readers: 4,
            skyflow_quirks: false,
            public_base_url: "http://127.0.0.1".into(),
        }
    }

    /// An on-disk engine in `dir` (created if missing) with default limits.
    ///
    /// ```
    /// let c = skyflow_emulator::engine::EngineConfig::on_disk("data");
    /// assert_eq!(c.data_dir.unwrap().to_str(), Some("data"));
    /// ```
    pub fn on_disk(dir: impl Into<PathBuf>) -> Self {
        EngineConfig {
            data_dir: Some(dir.into()),
            ..Self::in_memory()
        }
    }
}

/// Facts about one vault.
///
/// ```
/// use skyflow_emulator::engine::{Engine, EngineConfig, VaultSchema};
/// let e = Engine::open(EngineConfig::in_memory()).unwrap();
/// let id = e.create_vault(None, VaultSchema::quickstart()).unwrap();
/// assert_eq!(e.vaults()[0].id, id);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultInfo {
    /// The vault id (32 lowercase hex characters when generated).
    pub id: String,
    /// Table names.
    pub tables: Vec<String>,
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
            state,
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

/// A handle on one vault. All data operations live here; each takes the
/// [`RequestContext`] of the call, which is written to the audit log.
///
/// ```
/// use skyflow_emulator::engine::{Engine, EngineConfig, VaultSchema};
/// let e = Engine::open(EngineConfig::in_memory()).unwrap();
/// let id = e.create_vault(None, VaultSchema::quickstart()).unwrap();
/// assert_eq!(e.vault(&id).unwrap().id(), id);
/// ```
#[derive(Clone)]
pub struct Vault {
    inner: Arc<ops::Inner>,
    state: Arc<ops::VaultState>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("id", &self.state.id)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// The vault id.
    ///
    /// ```
    /// # use skyflow_emulator::engine::{Engine, EngineConfig, VaultSchema};
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// let id = e.create_vault(Some("abc"), VaultSchema::quickstart()).unwrap();
    /// assert_eq!(e.vault("abc").unwrap().id(), "abc");
    /// ```
    pub fn id(&self) -> &str {
        &self.state.id
    }

    /// The vault's schema.
    ///
    /// ```
    /// # use skyflow_emulator::engine::{Engine, EngineConfig, VaultSchema};
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let id = e.create_vault(None, VaultSchema::quickstart()).unwrap();
    /// assert!(e.vault(&id).unwrap().schema().table("persons").is_some());
    /// ```
    pub fn schema(&self) -> &VaultSchema {
        &self.state.schema
    }

    /// Inserts records into `table` (one transaction: all or nothing). Honours tokenization,
    /// upsert on a unique column, homogeneous and BYOT. Errors: unknown table (400) or column
    /// (400 `Insert failed. Column <c> is invalid. Specify a valid column.`), validation
    /// failures (400), duplicate unique values (400/9 with Skyflow's exact message), BYOT rule
    /// violations (400), too many records (400).
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let req: InsertRequest = serde_json::from_value(serde_json::json!({
    ///     "records": [{"fields": {"email": "a@b.com"}}], "tokenization": true})).unwrap();
    /// let res = v.insert(&RequestContext::system(), "table1", req).unwrap();
    /// assert!(res.records[0].tokens.as_ref().unwrap().contains_key("email"));
    /// ```
    pub fn insert(
        &self,
        ctx: &RequestContext,
        table: &str,
        req: InsertRequest,
    ) -> EngineResult<InsertResponse> {
        self.ops().insert(ctx, table, req)
    }

    /// Runs a batch (POST/PUT/GET/DELETE entries in order). With `continueOnError` each entry
    /// succeeds or fails alone (`Status` 200/400); without it the whole batch is one
    /// transaction and the first failure is returned as the error.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let req: BatchRequest = serde_json::from_value(serde_json::json!({"continueOnError": true, "records": [
    ///   {"tableName": "table1", "method": "POST", "fields": {"name": "Jane"}},
    ///   {"tableName": "table1", "method": "POST", "fields": {"nope": "x"}}]})).unwrap();
    /// let res = v.batch(&RequestContext::system(), req).unwrap();
    /// assert_eq!(res.responses[1].status, 400);
    /// ```
    pub fn batch(&self, ctx: &RequestContext, req: BatchRequest) -> EngineResult<BatchResponse> {
        self.ops().batch(ctx, req)
    }

    /// Bulk get from `table`: by `skyflow_ids`, by `column_name` + `column_values` (unique
    /// column), or the first records (at most `limit` ≤ 25, after `offset`). 404 "No Records
    /// Found" when nothing matches ids or values.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let res = v.get(&RequestContext::system(), "table1", GetRequest::default()).unwrap();
    /// assert!(res.records.is_empty());
    /// ```
    pub fn get(
        &self,
        ctx: &RequestContext,
        table: &str,
        req: GetRequest,
    ) -> EngineResult<GetResponse> {
        self.ops().get(ctx, table, req)
    }

    /// Gets one record by id (404 "No Records Found" when missing).
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let err = v.get_one(&RequestContext::system(), "table1", "missing", GetOneRequest::default()).unwrap_err();
    /// assert_eq!(err.http_code(), 404);
    /// ```
    pub fn get_one(
        &self,
        ctx: &RequestContext,
        table: &str,
        id: &str,
        req: GetOneRequest,
    ) -> EngineResult<GetRecord> {
        self.ops().get_one(ctx, table, id, req)
    }

    /// Updates the given fields of record `id` (each field replaced whole; new tokens issued
    /// for changed values; transient TTLs restart).
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let err = v.update(&RequestContext::system(), "table1", "missing", UpdateRequest::default()).unwrap_err();
    /// assert_eq!(err.http_code(), 404);
    /// ```
    pub fn update(
        &self,
        ctx: &RequestContext,
        table: &str,
        id: &str,
        req: UpdateRequest,
    ) -> EngineResult<UpdateResponse> {
        self.ops().update(ctx, table, id, req)
    }

    /// Deletes records by id (`["*"]` deletes all rows of the table). Persistent tokens of the
    /// deleted values are removed when no other record uses them; transient tokens live on
    /// until their TTL. 404 when none of the ids exist.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let res = v.delete(&RequestContext::system(), "table1", DeleteRequest { skyflow_ids: vec!["*".into()] }).unwrap();
    /// assert_eq!(res.record_id_response, vec!["*"]);
    /// ```
    pub fn delete(
        &self,
        ctx: &RequestContext,
        table: &str,
        req: DeleteRequest,
    ) -> EngineResult<DeleteResponse> {
        self.ops().delete(ctx, table, req)
    }

    /// Deletes one record.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// assert_eq!(v.delete_one(&RequestContext::system(), "table1", "missing").unwrap_err().http_code(), 404);
    /// ```
    pub fn delete_one(
        &self,
        ctx: &RequestContext,
        table: &str,
        id: &str,
    ) -> EngineResult<DeletedResponse> {
        self.ops().delete_one(ctx, table, id)
    }

    /// Runs one read-only `SELECT` over the vault's tables (at most 25 rows, redaction applied).
    /// Anything else is refused with 400.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// assert!(v.query(&RequestContext::system(), "SELECT * FROM table1").unwrap().records.is_empty());
    /// assert_eq!(v.query(&RequestContext::system(), "DELETE FROM table1").unwrap_err().http_code(), 400);
    /// ```
    pub fn query(&self, ctx: &RequestContext, sql: &str) -> EngineResult<QueryResponse> {
        self.ops().query(ctx, sql)
    }

    /// Returns the existing tokens of values already stored in a deterministic column of the
    /// given group (or table + column). Never creates anything; 404 when a value is absent.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let req: TokenizeRequest = serde_json::from_value(serde_json::json!({
    ///     "tokenizationParameters": [{"value": "x@y.com", "table": "table1", "column": "email"}]})).unwrap();
    /// assert_eq!(v.tokenize(&RequestContext::system(), req).unwrap_err().http_code(), 404);
    /// ```
    pub fn tokenize(
        &self,
        ctx: &RequestContext,
        req: TokenizeRequest,
    ) -> EngineResult<TokenizeResponse> {
        self.ops().tokenize(ctx, req)
    }

    /// Resolves tokens to values with per-token redaction. Without `continueOnError` the
    /// first missing token fails the call (404 `Token not found for <token>`).
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let req: DetokenizeRequest = serde_json::from_value(serde_json::json!({
    ///     "detokenizationParameters": [{"token": "nope"}], "continueOnError": true})).unwrap();
    /// let res = v.detokenize(&RequestContext::system(), req).unwrap();
    /// assert_eq!(res.http_status(), 207);
    /// ```
    pub fn detokenize(
        &self,
        ctx: &RequestContext,
        req: DetokenizeRequest,
    ) -> EngineResult<DetokenizeResponse> {
        self.ops().detokenize(ctx, req)
    }

    /// Stores a file in a `DT_FILE` column (v2 upload), creating a record when no id is given.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let up = FileUpload { table: "table1".into(), column: "file".into(), skyflow_id: None,
    ///     file_name: "a.txt".into(), content_type: None, data: b"hello".to_vec(), return_file_metadata: true };
    /// let res = v.upload_file(&RequestContext::system(), up).unwrap();
    /// assert_eq!(res.file_metadata.unwrap()["file"].file_size_kb, 1);
    /// ```
    pub fn upload_file(
        &self,
        ctx: &RequestContext,
        upload: FileUpload,
    ) -> EngineResult<FileUploadResponse> {
        self.ops().upload_file(ctx, upload)
    }

    /// The v1 upload: stores a file in column `column` of the existing record `id` and answers
    /// like an update.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let up = FileUpload { table: "table1".into(), column: "file".into(), skyflow_id: Some("missing".into()),
    ///     file_name: "a.txt".into(), content_type: None, data: b"x".to_vec(), return_file_metadata: false };
    /// assert_eq!(v.upload_file_v1(&RequestContext::system(), up).unwrap_err().http_code(), 404);
    /// ```
    pub fn upload_file_v1(
        &self,
        ctx: &RequestContext,
        upload: FileUpload,
    ) -> EngineResult<UpdateResponse> {
        self.ops().upload_file_v1(ctx, upload)
    }

    /// Deletes the file in `column` of record `id`.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// assert_eq!(v.delete_file(&RequestContext::system(), "table1", "x", "file").unwrap_err().http_code(), 404);
    /// ```
    pub fn delete_file(
        &self,
        ctx: &RequestContext,
        table: &str,
        id: &str,
        column: &str,
    ) -> EngineResult<DeletedResponse> {
        self.ops().delete_file(ctx, table, id, column)
    }

    /// Anti-virus status of a stored file: `SCAN_CLEAN`, or `SCAN_FILE_NOT_FOUND`.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let s = v.scan_status(&RequestContext::system(), "table1", "x", "file").unwrap();
    /// assert_eq!(s.av_scan_status, "SCAN_FILE_NOT_FOUND");
    /// ```
    pub fn scan_status(
        &self,
        ctx: &RequestContext,
        table: &str,
        id: &str,
        column: &str,
    ) -> EngineResult<ScanStatusResponse> {
        self.ops().scan_status(ctx, table, id, column)
    }

    /// Upload status of files (`UPLOADED`/`SCAN_CLEAN` for stored files).
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// assert!(v.upload_status(&RequestContext::system(), UploadStatusRequest::default()).unwrap().records.is_empty());
    /// ```
    pub fn upload_status(
        &self,
        ctx: &RequestContext,
        req: UploadStatusRequest,
    ) -> EngineResult<UploadStatusResponse> {
        self.ops().upload_status(ctx, req)
    }

    fn ops(&self) -> ops::Ops<'_> {
        ops::Ops {
            inner: &self.inner,
            vault: &self.state,
        }
    }
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<Engine>();
    is::<Vault>();
    let _ = RwLock::new(());
}
