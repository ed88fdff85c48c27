//! SQLite storage: every line of SQL over the `sky_*` tables lives below this module.
//!
//! - this file: the schema (DDL) and the connections: one writer (writes are serialized), a
//!   pool of read-only readers, WAL journal with `synchronous=FULL` so a commit that returned
//!   is on disk. In-memory mode uses a single connection for everything;
//! - [`RecordStore`] (`records.rs`, `tokens.rs`, `files.rs`): the rows of one vault inside a
//!   caller's transaction: records, the unique index, tokens and the cells' links to them,
//!   files;
//! - `admin.rs`: vaults, settings, service accounts and API keys, each in its own transaction;
//! - `audit.rs`: audit events.
//!
//! Everything stored is already encrypted or hashed by the caller; this layer moves bytes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use super::crypto::Keys;
use super::error::{EngineError, EngineResult};

mod admin;
mod audit;
mod files;
mod records;
mod tokens;

pub(crate) use audit::{AuditQuery, AuditRow, insert_audit};
pub(crate) use files::{FileRow, file_blobs};
pub(crate) use records::RecordOrder;
pub(crate) use tokens::{TokenRow, TokenTarget};

/// The rows of one vault, inside the caller's transaction (or read snapshot).
pub(crate) struct RecordStore<'c> {
    pub(super) conn: &'c Connection,
    pub(super) vault_id: &'c str,
}

impl<'c> RecordStore<'c> {
    pub(crate) fn new(conn: &'c Connection, vault_id: &'c str) -> Self {
        RecordStore { conn, vault_id }
    }

    /// Runs `f` inside a savepoint: its changes are kept when it returns Ok, undone when it
    /// fails (the batch API's continue-on-error entries). The outer error is a storage fault
    /// of the savepoint itself; the inner result is `f`'s.
    pub(crate) fn savepoint<T>(
        &self,
        f: impl FnOnce() -> EngineResult<T>,
    ) -> EngineResult<EngineResult<T>> {
        self.conn.execute_batch("SAVEPOINT sky_entry")?;
        let out = f();
        match &out {
            Ok(_) => self.conn.execute_batch("RELEASE sky_entry")?,
            Err(_) => self
                .conn
                .execute_batch("ROLLBACK TO sky_entry; RELEASE sky_entry")?,
        }
        Ok(out)
    }
}

/// Format version of the store; a newer one is refused.
pub(crate) const STORE_FORMAT: i64 = 1;

const DDL: &str = r#"
CREATE TABLE IF NOT EXISTS sky_meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS sky_vaults(vault_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, schema_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sky_records(
    vault_id TEXT NOT NULL, table_name TEXT NOT NULL, skyflow_id TEXT NOT NULL,
    seq INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY(vault_id, table_name, skyflow_id));
CREATE INDEX IF NOT EXISTS sky_records_seq ON sky_records(vault_id, table_name, seq);
CREATE TABLE IF NOT EXISTS sky_unique(
    vault_id TEXT NOT NULL, table_name TEXT NOT NULL, column_name TEXT NOT NULL, fp BLOB NOT NULL,
    skyflow_id TEXT NOT NULL, PRIMARY KEY(vault_id, table_name, column_name, fp));
CREATE INDEX IF NOT EXISTS sky_unique_rec ON sky_unique(vault_id, table_name, skyflow_id);
CREATE TABLE IF NOT EXISTS sky_tokens(
    vault_id TEXT NOT NULL, token_fp BLOB NOT NULL, token_ct BLOB NOT NULL, group_name TEXT NOT NULL,
    value_fp BLOB, table_name TEXT NOT NULL, column_name TEXT NOT NULL, value_ct BLOB NOT NULL,
    expires_at INTEGER, PRIMARY KEY(vault_id, token_fp));
CREATE UNIQUE INDEX IF NOT EXISTS sky_tokens_det ON sky_tokens(vault_id, group_name, value_fp) WHERE value_fp IS NOT NULL;
CREATE TABLE IF NOT EXISTS sky_cell_tokens(
    vault_id TEXT NOT NULL, table_name TEXT NOT NULL, skyflow_id TEXT NOT NULL, column_name TEXT NOT NULL,
    token_fp BLOB NOT NULL, PRIMARY KEY(vault_id, table_name, skyflow_id, column_name));
CREATE INDEX IF NOT EXISTS sky_cell_tokens_fp ON sky_cell_tokens(vault_id, token_fp);
CREATE TABLE IF NOT EXISTS sky_files(
    file_id TEXT PRIMARY KEY, vault_id TEXT NOT NULL, table_name TEXT NOT NULL, skyflow_id TEXT NOT NULL,
    column_name TEXT NOT NULL, meta BLOB NOT NULL, data BLOB NOT NULL, created_at INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS sky_files_cell ON sky_files(vault_id, table_name, skyflow_id, column_name);
CREATE TABLE IF NOT EXISTS sky_audit(
    seq INTEGER PRIMARY KEY AUTOINCREMENT, change_id TEXT NOT NULL, vault_id TEXT, ts INTEGER NOT NULL,
    request_id TEXT, actor TEXT, account_id TEXT, action_type TEXT, resource_type TEXT, code INTEGER,
    event TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sky_service_accounts(client_id TEXT PRIMARY KEY, key_id TEXT NOT NULL UNIQUE, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sky_api_keys(fp BLOB PRIMARY KEY, record TEXT NOT NULL);
"#;

/// Callback that registers application functions on a new connection.
pub(crate) type ConnInit = Arc<dyn Fn(&Connection) -> rusqlite::Result<()> + Send + Sync>;

pub(crate) struct Store {
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    path: Option<PathBuf>,
    init: ConnInit,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Store {
    /// Opens the store in `dir` (or in memory), creating the schema and checking the key.
    pub(crate) fn open(dir: Option<&Path>, keys: &Keys, init: ConnInit) -> EngineResult<Store> {
        let (conn, path) = match dir {
            Some(d) => {
                let path = d.join("emulator.db");
                let c = Connection::open(&path)?;
                c.busy_timeout(std::time::Duration::from_secs(30))?;
                c.pragma_update(None, "journal_mode", "WAL")?;
                c.pragma_update(None, "synchronous", "FULL")?;
                (c, Some(path))
            }
            None => (Connection::open_in_memory()?, None),
        };
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(DDL)?;
        // Format version and key check.
        let format: Option<Vec<u8>> = conn
            .query_row("SELECT value FROM sky_meta WHERE key = 'format'", [], |r| {
                r.get(0)
            })
            .ok();
        match format {
            Some(v) => {
                let f: i64 = String::from_utf8_lossy(&v).parse().unwrap_or(i64::MAX);
                if f > STORE_FORMAT {
                    return Err(EngineError::internal(format!(
                        "the store has format {f}, newer than this emulator's {STORE_FORMAT}; refusing to open it"
                    )));
                }
                let check: Option<Vec<u8>> = conn
                    .query_row(
                        "SELECT value FROM sky_meta WHERE key = 'key_check'",
                        [],
                        |r| r.get(0),
                    )
                    .ok();
                if check.as_deref() != Some(keys.check_value().as_bytes()) {
                    return Err(EngineError::internal(
                        "the key file does not match this database; refusing to start",
                    ));
                }
            }
            None => {
                conn.execute(
                    "INSERT INTO sky_meta(key, value) VALUES ('format', ?1), ('key_check', ?2)",
                    rusqlite::params![
                        STORE_FORMAT.to_string().into_bytes(),
                        keys.check_value().into_bytes()
                    ],
                )?;
            }
        }
        init(&conn)?;
        Ok(Store {
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            path,
            init,
        })
    }

    pub(crate) fn in_memory(&self) -> bool {
        self.path.is_none()
    }

    /// Runs `f` in one IMMEDIATE write transaction; commits (durably) if it returns Ok.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> EngineResult<T>,
    ) -> EngineResult<T> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` on a read-only connection (`query_only`), from the pool.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> EngineResult<T>,
    ) -> EngineResult<T> {
        let Some(path) = &self.path else {
            let conn = lock(&self.writer);
            conn.pragma_update(None, "query_only", "ON")?;
            let out = f(&conn);
            conn.pragma_update(None, "query_only", "OFF")?;
            return out;
        };
        let conn = lock(&self.readers).pop();
        let conn = match conn {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | OpenFlags::SQLITE_OPEN_URI,
                )?;
                c.busy_timeout(std::time::Duration::from_secs(30))?;
                c.pragma_update(None, "query_only", "ON")?;
                (self.init)(&c)?;
                c
            }
        };
        // A read runs in one transaction so it sees one snapshot.
        conn.execute_batch("BEGIN")?;
        let out = f(&conn);
        let _ = conn.execute_batch("COMMIT");
        let mut pool = lock(&self.readers);
        if pool.len() < 8 {
            pool.push(conn);
        }
        out
    }
}
