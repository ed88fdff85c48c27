//! Engine internals: the state shared by [`super::Engine`] and [`super::Vault`] handles
//! ([`Inner`]), and how one vault operation runs (a write is one transaction with its audit
//! event; a read commits its audit event before it answers).

use std::sync::{Arc, RwLock};

use rusqlite::Connection;

use super::audit::{AccessType, AuditQueue, EventHead, PendingEvent, RequestContext};
use super::config::{EngineConfig, VaultInfo};
use super::crypto::Keys;
use super::error::{EngineError, EngineResult, ErrorKind};
use super::meta::{ApiKeyRecord, ServiceAccountRecord};
use super::schema::{Table, VaultSchema};
use super::store::{ConnInit, RecordStore, Store};
use super::vault::Vault;

pub(crate) struct VaultState {
    pub id: String,
    pub schema: VaultSchema,
}

pub(crate) struct Inner {
    pub config: EngineConfig,
    pub keys: Arc<Keys>,
    pub store: Store,
    pub base_url: RwLock<String>,
    pub vaults: RwLock<Vec<Arc<VaultState>>>,
    pub audit_queue: AuditQueue,
    /// On disk: a second store, in [`READ_AUDIT_DIR`], that holds the audit events committed
    /// outside a write transaction (reads, failed writes). See [`Inner::event_store`].
    pub read_audit: Option<Store>,
    pub clock_offset: std::sync::atomic::AtomicI64,
    /// Writes between their start and their answer (a lone write may use more threads).
    pub writes_in_flight: std::sync::atomic::AtomicUsize,
}

/// Counts a write in flight for as long as it lives.
struct InFlight<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> InFlight<'a> {
    fn enter(count: &'a std::sync::atomic::AtomicUsize) -> Self {
        count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        InFlight(count)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub(crate) fn now_nanos() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// Subdirectory of the data directory that holds the store of read audit events.
pub(crate) const READ_AUDIT_DIR: &str = "read-audit";

impl Inner {
    /// Where the audit events of reads (and failed writes) are committed: on disk, a store
    /// of their own. Every commit to a SQLite database empties the page cache of each of its
    /// other connections, so a read's audit event committed to the main store would make
    /// the next read (a detokenize of 1,000 tokens, say) fetch every page it needs again; in
    /// a separate database the readers of the main store keep their caches. The events are
    /// as durable (WAL, synced to disk before the read answers); listing
    /// merges both stores by time.
    pub(crate) fn event_store(&self) -> &Store {
        self.read_audit.as_ref().unwrap_or(&self.store)
    }

    /// Unix seconds, shifted by the test clock offset.
    pub(crate) fn now(&self) -> i64 {
        now_secs() + self.clock_offset.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn open(config: EngineConfig) -> EngineResult<Inner> {
        let keys = match &config.data_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    EngineError::internal(format!("cannot create data dir {}: {e}", dir.display()))
                })?;
                let db_exists = dir.join("emulator.db").exists();
                Arc::new(Keys::load_or_create(&dir.join("engine.key"), !db_exists)?)
            }
            None => Arc::new(Keys::random()),
        };
        let fn_keys = keys.clone();
        let init: ConnInit =
            Arc::new(move |c| super::query::register_functions(c, fn_keys.clone()));
        let store = Store::open(config.data_dir.as_deref(), keys.clone(), init.clone())?;
        let read_audit = match &config.data_dir {
            Some(dir) => {
                let dir = dir.join(READ_AUDIT_DIR);
                std::fs::create_dir_all(&dir).map_err(|e| {
                    EngineError::internal(format!("cannot create {}: {e}", dir.display()))
                })?;
                let reads = Store::open(Some(&dir), keys.clone(), init).map_err(|e| {
                    EngineError::internal(format!(
                        "cannot open the read audit store in {}: {}",
                        dir.display(),
                        e.detail().unwrap_or(e.message())
                    ))
                })?;
                Some(reads)
            }
            None => None,
        };
        let base_url = RwLock::new(config.public_base_url.trim_end_matches('/').to_string());
        let inner = Inner {
            config,
            keys,
            store,
            base_url,
            vaults: RwLock::new(Vec::new()),
            audit_queue: AuditQueue::default(),
            read_audit,
            clock_offset: std::sync::atomic::AtomicI64::new(0),
            writes_in_flight: std::sync::atomic::AtomicUsize::new(0),
        };
        let rows = inner.store.vaults()?;
        {
            let mut vaults = inner.vaults.write().unwrap_or_else(|p| p.into_inner());
            for (id, json) in rows {
                let schema = VaultSchema::from_json(&json).map_err(|e| {
                    EngineError::internal(format!(
                        "stored schema of vault {id} is invalid: {}",
                        e.message()
                    ))
                })?;
                vaults.push(Arc::new(VaultState { id, schema }));
            }
        }
        Ok(inner)
    }

    pub(crate) fn create_vault(
        &self,
        id: Option<&str>,
        schema: VaultSchema,
        replace: bool,
    ) -> EngineResult<String> {
        let id = match id {
            Some(i)
                if i.is_empty()
                    || i.len() > 128
                    || !i
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                return Err(EngineError::invalid(format!(
                    "Invalid vault id {i}: use 1 to 128 of [A-Za-z0-9_-]"
                )));
            }
            Some(i) => i.to_string(),
            None => super::fpt::uuid_simple(),
        };
        let mut vaults = self.vaults.write().unwrap_or_else(|p| p.into_inner());
        let pos = vaults.iter().position(|v| v.id == id);
        if pos.is_some() && !replace {
            return Err(EngineError::new(
                ErrorKind::AlreadyExists,
                format!("Vault {id} already exists"),
            ));
        }
        let json = schema.to_json().to_string();
        let seq = vaults.len() as i64;
        self.store.put_vault(&id, seq, &json)?;
        let state = Arc::new(VaultState {
            id: id.clone(),
            schema,
        });
        match pos {
            Some(p) => vaults[p] = state,
            None => vaults.push(state),
        }
        Ok(id)
    }

    pub(crate) fn vault_infos(&self) -> Vec<VaultInfo> {
        self.vaults
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|v| VaultInfo {
                id: v.id.clone(),
                tables: v.schema.tables().iter().map(|t| t.name.clone()).collect(),
            })
            .collect()
    }

    pub(crate) fn vault_state(&self, id: &str) -> EngineResult<Arc<VaultState>> {
        self.vaults
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|v| v.id == id)
            .cloned()
            .ok_or_else(|| EngineError::new(ErrorKind::NotFound, format!("Vault {id} not found")))
    }

    pub(crate) fn meta_get(&self, key: &str) -> EngineResult<Option<Vec<u8>>> {
        let k = meta_key(key);
        self.store
            .meta(&k)?
            .map(|b| self.keys.decrypt(k.as_bytes(), &b))
            .transpose()
    }

    pub(crate) fn meta_put(&self, key: &str, value: &[u8]) -> EngineResult<()> {
        let k = meta_key(key);
        self.store
            .put_meta(&k, &self.keys.encrypt(k.as_bytes(), value))
    }

    pub(crate) fn put_service_account(&self, sa: &ServiceAccountRecord) -> EngineResult<()> {
        self.store
            .put_service_account(&sa.client_id, &sa.key_id, &to_json(sa)?)
    }

    pub(crate) fn service_account(
        &self,
        id: &str,
        by_key: bool,
    ) -> EngineResult<Option<ServiceAccountRecord>> {
        self.store
            .service_account(id, by_key)?
            .map(|j| from_json(&j))
            .transpose()
    }

    pub(crate) fn delete_service_account(&self, client_id: &str) -> EngineResult<bool> {
        self.store.delete_service_account(client_id)
    }

    pub(crate) fn service_accounts(&self) -> EngineResult<Vec<ServiceAccountRecord>> {
        self.store
            .service_accounts()?
            .iter()
            .map(|j| from_json(j))
            .collect()
    }

    fn api_key_fp(&self, key: &str) -> Vec<u8> {
        self.keys.fingerprint(&[b"api-key", key.as_bytes()])
    }

    pub(crate) fn put_api_key(&self, key: &str, record: &ApiKeyRecord) -> EngineResult<()> {
        self.store
            .put_api_key(&self.api_key_fp(key), &to_json(record)?)
    }

    pub(crate) fn api_key(&self, key: &str) -> EngineResult<Option<ApiKeyRecord>> {
        self.store
            .api_key(&self.api_key_fp(key))?
            .map(|j| from_json(&j))
            .transpose()
    }

    pub(crate) fn delete_api_key(&self, key: &str) -> EngineResult<bool> {
        self.store.delete_api_key(&self.api_key_fp(key))
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> EngineResult<String> {
    serde_json::to_string(v).map_err(|e| EngineError::internal(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(j: &str) -> EngineResult<T> {
    serde_json::from_str(j).map_err(|e| EngineError::internal(e.to_string()))
}

fn meta_key(key: &str) -> String {
    format!("user:{key}")
}

/// What every vault operation shares: its rows, its tables, its audit event, and how a
/// write or a read runs.
impl Vault {
    /// The rows of this vault in `c` (the operation's transaction or read snapshot).
    pub(crate) fn rows<'c>(&'c self, c: &'c Connection) -> RecordStore<'c> {
        RecordStore::new(c, &self.vault.id, &self.inner.store)
    }

    pub(crate) fn table(&self, name: &str) -> EngineResult<&Table> {
        self.vault.schema.table(name).ok_or_else(|| {
            EngineError::invalid(format!("Invalid request. Table {name} does not exist."))
        })
    }

    pub(crate) fn event(
        &self,
        api: &'static str,
        action: &'static str,
        resource: &'static str,
        table: Option<&str>,
    ) -> PendingEvent {
        PendingEvent {
            vault_id: self.vault.id.clone(),
            api_name: api,
            action_type: action,
            resource_type: resource,
            access_type: AccessType::Api,
            code: 200,
            message: String::new(),
            resource_ids: vec![format!("VAULT/{}", self.vault.id)],
            nested: Default::default(),
            table: table.map(str::to_string),
        }
    }

    /// Runs a write in one transaction with its audit event; a failure is audited too.
    pub(crate) fn write_op<T>(
        &self,
        ctx: &RequestContext,
        ev: PendingEvent,
        f: impl FnOnce(&Connection, &mut PendingEvent) -> EngineResult<T>,
    ) -> EngineResult<T> {
        self.write_op_prepared(ctx, ev, || Ok(()), |c, ev, ()| f(c, ev))
    }

    /// Runs `prepare` (the work a write needs no storage for: validation, hashing,
    /// encryption) before it waits for the writer, so concurrent writes prepare in parallel;
    /// then `f` with what it prepared, as [`Vault::write_op`] does. A failure of either is
    /// audited.
    pub(crate) fn write_op_prepared<P, T>(
        &self,
        ctx: &RequestContext,
        mut ev: PendingEvent,
        prepare: impl FnOnce() -> EngineResult<P>,
        f: impl FnOnce(&Connection, &mut PendingEvent, P) -> EngineResult<T>,
    ) -> EngineResult<T> {
        let _in_flight = InFlight::enter(&self.inner.writes_in_flight);
        let res = prepare().and_then(|prepared| {
            // The event's parts that depend only on the request are written before the lock.
            let head = EventHead::new(ctx, &ev);
            self.inner.store.write(|tx| {
                let out = f(tx, &mut ev, prepared)?;
                self.inner.write_audit_in(tx, ctx, &ev, &head)?;
                Ok(out)
            })
        });
        if let Err(e) = &res {
            // The transaction rolled back with its event: record the failure on its own. The
            // caller gets the write's error either way.
            ev.code = e.http_code();
            ev.message = e.loggable_message().to_string();
            if let Err(audit) = self.inner.commit_audit(ctx, ev) {
                tracing::error!(error = %audit, "couldn't store the audit event of a failed write");
            }
        }
        res
    }

    /// Runs a read; its audit event is committed before the result is returned (fail closed:
    /// a read whose event cannot be stored fails).
    pub(crate) fn read_op<T>(
        &self,
        ctx: &RequestContext,
        mut ev: PendingEvent,
        f: impl FnOnce(&Connection, &mut PendingEvent) -> EngineResult<T>,
    ) -> EngineResult<T> {
        let res = self.inner.store.read(|c| f(c, &mut ev));
        if let Err(e) = &res {
            ev.code = e.http_code();
            ev.message = e.loggable_message().to_string();
        }
        let audited = self.inner.commit_audit(ctx, ev);
        match (res, audited) {
            (Ok(out), Ok(())) => Ok(out),
            (Ok(_), Err(audit)) => Err(audit),
            (Err(e), _) => Err(e),
        }
    }
}
