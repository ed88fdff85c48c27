//! SQLite storage: every line of SQL over the `sky_*` tables lives below this module.
//!
//! - this file: the connections: one writer (writes are serialized), a pool of read-only
//!   readers, a WAL journal synced to disk before any write answers. In-memory mode uses a
//!   single connection for everything;
//! - `group.rs`: the group commit: concurrent writes share a commit and a sync;
//! - `checkpoint.rs`: the thread that copies the WAL back into the database file, so no
//!   write waits for a checkpoint;
//! - `layout.rs`: the tables, the store's format and the migrations from older ones;
//! - `index.rs`: the lookups by keyed hash and record id, in memory (every write appends
//!   rows; nothing on disk is indexed by a random key);
//! - [`RecordStore`] (`records.rs`, `tokens.rs`, `files.rs`): the rows of one vault inside a
//!   caller's transaction: records with their cells' tokens and unique values, tokens,
//!   files;
//! - `admin.rs`: vaults, settings, service accounts and API keys, each in its own transaction;
//! - `audit.rs`: audit events.
//!
//! Everything stored is already encrypted or hashed by the caller; this layer moves bytes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::types::ToSql;
use rusqlite::{Connection, OpenFlags};

use super::crypto::Keys;
use super::error::EngineResult;

mod admin;
mod audit;
mod checkpoint;
mod files;
mod group;
mod index;
mod layout;
mod records;
mod tokens;

pub(crate) use audit::{AuditQuery, AuditRow, insert_audit};
pub(crate) use files::{FileRow, file_blobs};
pub use group::CommitStats;
pub(crate) use records::{Cells, RecordOrder, RecordRow};
pub(crate) use tokens::{TokenRow, TokenTarget};

use group::{Groups, Writer};
use index::{Index, Key, Kind, key};

/// The rows of one vault, inside the caller's transaction (or read snapshot).
pub(crate) struct RecordStore<'c> {
    pub(super) conn: &'c Connection,
    pub(super) vault_id: &'c str,
    store: &'c Store,
    /// The connection is the writer's: the open group's changes count.
    writer: bool,
}

impl<'c> RecordStore<'c> {
    pub(crate) fn new(conn: &'c Connection, vault_id: &'c str, store: &'c Store) -> Self {
        // Pooled readers are opened read-only; the writer (also the in-memory reader) is not.
        let writer = !conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true);
        RecordStore {
            conn,
            vault_id,
            store,
            writer,
        }
    }

    /// Runs `f` inside a savepoint: its changes are kept when it returns Ok, undone when it
    /// fails (the batch API's continue-on-error entries). The outer error is a storage fault
    /// of the savepoint itself; the inner result is `f`'s.
    pub(crate) fn savepoint<T>(
        &self,
        f: impl FnOnce() -> EngineResult<T>,
    ) -> EngineResult<EngineResult<T>> {
        in_savepoint(self.conn, self.store, &ENTRY_SAVEPOINT, f)
    }

    /// The row id `kind` maps key `k` to.
    fn find(&self, kind: Kind, k: Key) -> Option<i64> {
        self.store.index.get(kind, k, self.writer)
    }

    /// Maps (or with `None`, unmaps) key `k` in the open write.
    fn map(&self, kind: Kind, k: Key, row: Option<i64>) {
        self.store.index.set(kind, k, row);
    }

    /// The key of record `sid` of `table` in this vault.
    fn record_key(&self, table: &str, sid: &str) -> Key {
        record_key(&self.store.keys, self.vault_id, table, sid)
    }
}

/// The key of a record id: a keyed hash of its vault, table and id.
fn record_key(keys: &Keys, vault: &str, table: &str, sid: &str) -> Key {
    key(&keys.fingerprint(&[b"rec", vault.as_bytes(), table.as_bytes(), sid.as_bytes()]))
}

/// Callback that registers application functions on a new connection.
pub(crate) type ConnInit = Arc<dyn Fn(&Connection) -> rusqlite::Result<()> + Send + Sync>;

pub(crate) struct Store {
    writer: Mutex<Writer>,
    /// Writes and commits so far, and nanoseconds the writer was held and the WAL synced
    /// (see [`CommitStats`]).
    writes: AtomicU64,
    commits: AtomicU64,
    writer_nanos: AtomicU64,
    sync_nanos: AtomicU64,
    /// Where the groups stand after their transaction, and the writes waiting for them.
    groups: Mutex<Groups>,
    /// Writes waiting for the writer connection (they join the open group).
    waiting: AtomicUsize,
    /// A sync of the WAL failed: no write runs or is acknowledged again until the store is
    /// reopened. Set under the groups lock; writes read it without taking that lock.
    sync_failed: AtomicBool,
    readers: Mutex<Vec<Connection>>,
    path: Option<PathBuf>,
    /// On disk: the write-ahead log SQLite writes, beside the database file it resolved
    /// `path` to (symbolic links followed), which is the file a write's sync must reach.
    wal_path: Option<PathBuf>,
    init: ConnInit,
    /// Lookups by keyed hash and record id (see `index.rs`).
    index: Index,
    /// For the keys of record ids.
    keys: Arc<Keys>,
    /// On disk: the thread that checkpoints the WAL (see `checkpoint.rs`).
    checkpointer: Option<checkpoint::Checkpointer>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Store {
    /// Opens the store in `dir` (or in memory): checks the key, migrates an older format,
    /// creates what is missing and loads the in-memory lookups.
    pub(crate) fn open(dir: Option<&Path>, keys: Arc<Keys>, init: ConnInit) -> EngineResult<Store> {
        let (conn, path, wal_path) = match dir {
            Some(d) => {
                let path = d.join("emulator.db");
                let c = Connection::open(&path)?;
                c.busy_timeout(std::time::Duration::from_secs(30))?;
                c.pragma_update(None, "journal_mode", "WAL")?;
                // Commits write the WAL; the store syncs it itself before a write answers
                // (`group.rs`), outside the writer lock.
                c.pragma_update(None, "synchronous", "NORMAL")?;
                // Checkpoints run on a thread of their own (`checkpoint.rs`); the writer's own
                // automatic checkpoint is only a backstop.
                c.pragma_update(None, "wal_autocheckpoint", checkpoint::BACKSTOP_PAGES)?;
                tune(&c, WRITER_CACHE_KIB)?;
                // SQLite names the log after the database's full path, as it resolved it.
                let wal = c.path().map(|db| PathBuf::from(format!("{db}-wal")));
                (c, Some(path), wal)
            }
            None => {
                let c = Connection::open_in_memory()?;
                c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                (c, None, None)
            }
        };
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Savepoints (one per write of a group commit) and statement journals stay in
        // memory instead of a temporary file written with a syscall per page.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        layout::prepare(&conn, &keys)?;
        init(&conn)?;
        let index = Index::load(&conn, &keys)?;
        let checkpointer = path
            .as_deref()
            .map(checkpoint::Checkpointer::start)
            .transpose()?;
        Ok(Store {
            writer: Mutex::new(Writer::new(conn)),
            groups: Mutex::new(Groups::default()),
            writes: AtomicU64::new(0),
            commits: AtomicU64::new(0),
            writer_nanos: AtomicU64::new(0),
            sync_nanos: AtomicU64::new(0),
            waiting: AtomicUsize::new(0),
            sync_failed: AtomicBool::new(false),
            readers: Mutex::new(Vec::new()),
            path,
            wal_path,
            init,
            index,
            keys,
            checkpointer,
        })
    }

    /// Whether the value with keyed hash `value_fp` has a committed deterministic token (a
    /// hint for work done before a write: the write itself looks again).
    pub(crate) fn has_deterministic(&self, value_fp: &[u8]) -> bool {
        self.index
            .get(Kind::Deterministic, key(value_fp), false)
            .is_some()
    }

    pub(crate) fn in_memory(&self) -> bool {
        self.path.is_none()
    }

    /// Writes, commits and syncs since the store was opened, and the time they took.
    pub(crate) fn commit_stats(&self) -> CommitStats {
        let nanos = |n: &AtomicU64| std::time::Duration::from_nanos(n.load(Ordering::Relaxed));
        CommitStats {
            writes: self.writes.load(Ordering::Relaxed),
            commits: self.commits.load(Ordering::Relaxed),
            syncs: lock(&self.groups).syncs,
            writer_busy: nanos(&self.writer_nanos),
            sync_busy: nanos(&self.sync_nanos),
        }
    }

    /// Runs `f` on a read-only connection (`query_only`), from the pool.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> EngineResult<T>,
    ) -> EngineResult<T> {
        let Some(path) = &self.path else {
            let w = lock(&self.writer);
            w.conn.pragma_update(None, "query_only", "ON")?;
            let writable = MakeWritable(&w.conn);
            let out = f(&w.conn);
            drop(writable);
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
                tune(&c, READER_CACHE_KIB)?;
                (self.init)(&c)?;
                c
            }
        };
        // A read runs in one transaction so it sees one snapshot.
        run(&conn, "BEGIN")?;
        let out = f(&conn);
        let _ = run(&conn, "COMMIT");
        let mut pool = lock(&self.readers);
        if pool.len() < 8 {
            pool.push(conn);
        }
        out
    }
}

/// Turns `query_only` off again when dropped, also when the read on the connection panics:
/// in memory, reads borrow the writer's connection, which must not stay read-only.
struct MakeWritable<'c>(&'c Connection);

impl Drop for MakeWritable<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.0.pragma_update(None, "query_only", "OFF") {
            tracing::error!(error = %e, "couldn't make the in-memory store writable again");
        }
    }
}

/// Prepared statements each connection keeps (rusqlite's default, 16, is fewer than the
/// statements one busy connection cycles through).
const STATEMENT_CACHE: usize = 64;

/// Page cache of the writer connection, in KiB. A bulk write touches index pages all over
/// the token tables (their keys are keyed hashes, so random): with SQLite's default 2 MB
/// cache a large transaction spills pages into the WAL and reads them back. The cache is a
/// ceiling, filled only as pages are used.
const WRITER_CACHE_KIB: i64 = 256 * 1024;
/// Page cache of each pooled reader connection, in KiB (SQLite empties it when a read
/// starts after another connection wrote, so it only has to hold one read's pages).
const READER_CACHE_KIB: i64 = 16 * 1024;

/// Cache and temporary-storage settings of an on-disk connection. (A memory map of the file
/// made no measurable difference: most hot pages of a busy store are in the WAL, which SQLite
/// reads with `pread` either way.)
fn tune(c: &Connection, cache_kib: i64) -> EngineResult<()> {
    c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    c.pragma_update(None, "cache_size", -cache_kib)?;
    // Savepoint sub-journals and temporary indexes stay in memory.
    c.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// Rows per multi-row INSERT statement ([`MultiInsert`]), largest first.
const ROWS_PER_INSERT: [usize; 3] = [32, 4, 1];
/// Rows of the largest multi-row INSERT: a write writes its waiting rows once this many wait.
pub(crate) const MOST_ROWS_PER_INSERT: usize = ROWS_PER_INSERT[0];

/// A multi-row INSERT into one table of `N` columns: rows waiting in the open write are
/// written up to [`MOST_ROWS_PER_INSERT`] per statement, the rest in smaller statements.
/// Entering and leaving a statement (cache lookup, step, reset) costs more than storing one
/// short row, and a bulk write adds thousands of rows.
pub(crate) struct MultiInsert<const N: usize> {
    table: &'static str,
    sql: std::sync::OnceLock<[String; 3]>,
}

impl<const N: usize> MultiInsert<N> {
    /// The INSERT of rows of `N` values (all of the table's columns in their order, or those
    /// `table` names in parentheses) into `table`.
    pub(crate) const fn new(table: &'static str) -> MultiInsert<N> {
        MultiInsert {
            table,
            sql: std::sync::OnceLock::new(),
        }
    }

    /// Writes `rows`; `values(row)` gives the values of a row's columns, in their order.
    pub(crate) fn write<R>(
        &self,
        conn: &Connection,
        rows: &[R],
        values: impl Fn(&R) -> [&dyn ToSql; N],
    ) -> EngineResult<()> {
        let all = self.sql.get_or_init(|| {
            ROWS_PER_INSERT.map(|n| {
                let row = format!("({})", vec!["?"; N].join(","));
                format!(
                    "INSERT INTO {} VALUES{}",
                    self.table,
                    vec![row; n].join(",")
                )
            })
        });
        let mut rest = rows;
        for (sql, n) in all.iter().zip(ROWS_PER_INSERT) {
            while rest.len() >= n {
                let (now, tail) = rest.split_at(n);
                let mut st = conn.prepare_cached(sql)?;
                for (i, row) in now.iter().enumerate() {
                    for (j, value) in values(row).into_iter().enumerate() {
                        // Parameters count from 1.
                        st.raw_bind_parameter(i * N + j + 1, value)?;
                    }
                }
                st.raw_execute()?;
                rest = tail;
            }
        }
        Ok(())
    }
}

/// Runs one transaction-control statement (`BEGIN`, `COMMIT`, `SAVEPOINT`, `RELEASE`) from
/// the statement cache: every write runs several, and parsing them each time showed in
/// profiles of many small writes.
fn run(conn: &Connection, sql: &str) -> EngineResult<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// Runs `f` in savepoint `name` of the open transaction: its changes (rows, in-memory
/// lookups, holder counts) are kept when it returns Ok and undone when it fails. Rows and
/// holder counts pending from before are written first, so undoing `f` undoes only its own;
/// the rows `f` adds wait past its end, to be written outside it (see `group.rs`). The
/// outer error is a storage fault of the savepoint itself; the inner result is `f`'s. When
/// `f` panics, it is undone as when it fails, and the panic goes on (an enclosing savepoint
/// must find the lookups' savepoints as it left them).
fn in_savepoint<T>(
    conn: &Connection,
    store: &Store,
    sp: &Savepoint,
    f: impl FnOnce() -> EngineResult<T>,
) -> EngineResult<EngineResult<T>> {
    tokens::flush_pending(conn, store)?;
    run(conn, sp.begin)?;
    store.index.mark();
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        f().and_then(|v| tokens::write_releases(conn, store).map(|_| v))
    }));
    let out = match out {
        Ok(out) => out,
        Err(payload) => {
            store.index.rollback();
            let _ = conn.execute_batch(sp.undo);
            std::panic::resume_unwind(payload)
        }
    };
    match &out {
        Ok(_) => {
            store.index.release();
            run(conn, sp.release)?
        }
        Err(_) => {
            store.index.rollback();
            conn.execute_batch(sp.undo)?
        }
    }
    Ok(out)
}

/// The statements of one named savepoint.
struct Savepoint {
    begin: &'static str,
    release: &'static str,
    undo: &'static str,
}

/// Each write of a group.
const WRITE_SAVEPOINT: Savepoint = Savepoint {
    begin: "SAVEPOINT sky_write",
    release: "RELEASE sky_write",
    undo: "ROLLBACK TO sky_write; RELEASE sky_write",
};

/// Each continue-on-error entry of a batch, inside its write.
const ENTRY_SAVEPOINT: Savepoint = Savepoint {
    begin: "SAVEPOINT sky_entry",
    release: "RELEASE sky_entry",
    undo: "ROLLBACK TO sky_entry; RELEASE sky_entry",
};
