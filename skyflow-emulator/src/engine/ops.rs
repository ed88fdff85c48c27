//! Engine internals: the shared state and the vault operations.

use std::sync::{Arc, RwLock};

use rusqlite::{OptionalExtension, params};

use super::audit::AuditQueue;
use super::crypto::Keys;
use super::error::{EngineError, EngineResult, ErrorKind};
use super::meta::{ApiKeyRecord, ServiceAccountRecord};
use super::schema::VaultSchema;
use super::storage::Store;
use super::{EngineConfig, VaultInfo};

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
    pub clock_offset: std::sync::atomic::AtomicI64,
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

impl Inner {
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
        let init: super::storage::ConnInit =
            Arc::new(move |c| super::query::register_functions(c, fn_keys.clone()));
        let store = Store::open(config.data_dir.as_deref(), &keys, init)?;
        let base_url = RwLock::new(config.public_base_url.trim_end_matches('/').to_string());
        let inner = Inner {
            config,
            keys,
            store,
            base_url,
            vaults: RwLock::new(Vec::new()),
            audit_queue: AuditQueue::default(),
            clock_offset: std::sync::atomic::AtomicI64::new(0),
        };
        let rows: Vec<(String, String)> = inner.store.read(|c| {
            let mut st = c.prepare("SELECT vault_id, schema_json FROM sky_vaults ORDER BY seq")?;
            let rows = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })?;
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
            None => uuid::Uuid::new_v4().simple().to_string(),
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
        self.store.write(|tx| {
            tx.execute(
                "INSERT INTO sky_vaults(vault_id, seq, schema_json) VALUES (?1, ?2, ?3)
                 ON CONFLICT(vault_id) DO UPDATE SET schema_json = excluded.schema_json",
                params![id, seq, json],
            )?;
            Ok(())
        })?;
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
        let blob: Option<Vec<u8>> = self.store.read(|c| {
            Ok(c.query_row(
                "SELECT value FROM sky_meta WHERE key = ?1",
                params![meta_key(key)],
                |r| r.get(0),
            )
            .optional()?)
        })?;
        blob.map(|b| self.keys.decrypt(meta_key(key).as_bytes(), &b))
            .transpose()
    }

    pub(crate) fn meta_put(&self, key: &str, value: &[u8]) -> EngineResult<()> {
        let k = meta_key(key);
        let blob = self.keys.encrypt(k.as_bytes(), value);
        self.store.write(|tx| {
            tx.execute(
                "INSERT INTO sky_meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![k, blob],
            )?;
            Ok(())
        })
    }

    pub(crate) fn put_service_account(&self, sa: &ServiceAccountRecord) -> EngineResult<()> {
        let json = serde_json::to_string(sa).map_err(|e| EngineError::internal(e.to_string()))?;
        self.store.write(|tx| {
            tx.execute(
                "DELETE FROM sky_service_accounts WHERE client_id = ?1 OR key_id = ?2",
                params![sa.client_id, sa.key_id],
            )?;
            tx.execute(
                "INSERT INTO sky_service_accounts(client_id, key_id, record) VALUES (?1, ?2, ?3)",
                params![sa.client_id, sa.key_id, json],
            )?;
            Ok(())
        })
    }

    pub(crate) fn service_account(
        &self,
        id: &str,
        by_key: bool,
    ) -> EngineResult<Option<ServiceAccountRecord>> {
        let sql = if by_key {
            "SELECT record FROM sky_service_accounts WHERE key_id = ?1"
        } else {
            "SELECT record FROM sky_service_accounts WHERE client_id = ?1"
        };
        let json: Option<String> = self
            .store
            .read(|c| Ok(c.query_row(sql, params![id], |r| r.get(0)).optional()?))?;
        json.map(|j| serde_json::from_str(&j).map_err(|e| EngineError::internal(e.to_string())))
            .transpose()
    }

    pub(crate) fn delete_service_account(&self, client_id: &str) -> EngineResult<bool> {
        self.store.write(|tx| {
            Ok(tx.execute(
                "DELETE FROM sky_service_accounts WHERE client_id = ?1",
                params![client_id],
            )? > 0)
        })
    }

    pub(crate) fn service_accounts(&self) -> EngineResult<Vec<ServiceAccountRecord>> {
        let rows: Vec<String> = self.store.read(|c| {
            let mut st = c.prepare("SELECT record FROM sky_service_accounts ORDER BY client_id")?;
            let rows = st
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })?;
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(|e| EngineError::internal(e.to_string())))
            .collect()
    }

    fn api_key_fp(&self, key: &str) -> Vec<u8> {
        self.keys.fingerprint(&[b"api-key", key.as_bytes()])
    }

    pub(crate) fn put_api_key(&self, key: &str, record: &ApiKeyRecord) -> EngineResult<()> {
        let fp = self.api_key_fp(key);
        let json =
            serde_json::to_string(record).map_err(|e| EngineError::internal(e.to_string()))?;
        self.store.write(|tx| {
            tx.execute(
                "INSERT INTO sky_api_keys(fp, record) VALUES (?1, ?2) ON CONFLICT(fp) DO UPDATE SET record = excluded.record",
                params![fp, json],
            )?;
            Ok(())
        })
    }

    pub(crate) fn api_key(&self, key: &str) -> EngineResult<Option<ApiKeyRecord>> {
        let fp = self.api_key_fp(key);
        let json: Option<String> = self.store.read(|c| {
            Ok(c.query_row(
                "SELECT record FROM sky_api_keys WHERE fp = ?1",
                params![fp],
                |r| r.get(0),
            )
            .optional()?)
        })?;
        json.map(|j| serde_json::from_str(&j).map_err(|e| EngineError::internal(e.to_string())))
            .transpose()
    }

    pub(crate) fn delete_api_key(&self, key: &str) -> EngineResult<bool> {
        let fp = self.api_key_fp(key);
        self.store
            .write(|tx| Ok(tx.execute("DELETE FROM sky_api_keys WHERE fp = ?1", params![fp])? > 0))
    }
}

fn meta_key(key: &str) -> String {
    format!("user:{key}")
}

/// Operations on one vault.
pub(crate) struct Ops<'a> {
    pub inner: &'a Inner,
    pub vault: &'a VaultState,
}
