//! SQLite storage: every line of SQL over the `sky_*` tables lives below this module.
//!
//! - this file: the connections and the group commit: one writer (writes are serialized and
//!   concurrent ones share a commit), a pool of read-only readers, a WAL journal synced to
//!   disk before any write answers. In-memory mode uses a single connection for everything;
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
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags};

use super::crypto::Keys;
use super::error::{EngineError, EngineResult};

mod admin;
mod audit;
mod checkpoint;
mod files;
mod index;
mod layout;
mod records;
mod tokens;

pub(crate) use audit::{AuditQuery, AuditRow, insert_audit};
pub(crate) use files::{FileRow, file_blobs};
pub(crate) use records::{Cells, RecordOrder, RecordRow};
pub(crate) use tokens::{TokenRow, TokenTarget};

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

/// Most writes one group commit holds (bounds the latency of the first one in the group).
const MAX_GROUP: usize = 512;

/// Longest a group stays open for writes behind it, counted from its first write. A group
/// commits as soon as nobody waits behind it; under a steady stream of writes it commits once
/// this much work has gone into it, so a large write (a bulk insert) commits on its own and
/// answers while the next one runs, instead of waiting for the whole burst.
const GROUP_WINDOW: std::time::Duration = std::time::Duration::from_millis(4);

/// How many writes the store ran, how many commits carried them and how many syncs of the
/// write-ahead log made those durable, since it was opened. With group commit, concurrent
/// writes share commits, so `writes / commits` is the mean group size; one sync covers every
/// commit made before it starts, so there are at most as many syncs as commits (none in
/// memory).
///
/// ```
/// use skyflow_emulator::engine::{Engine, EngineConfig, VaultSchema};
/// let engine = Engine::open(EngineConfig::in_memory()).unwrap();
/// let before = engine.commit_stats();
/// engine.create_vault(None, VaultSchema::default_schema()).unwrap();
/// let after = engine.commit_stats();
/// assert_eq!(after.writes, before.writes + 1);
/// assert_eq!(after.commits, before.commits + 1); // in memory, each write commits alone
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CommitStats {
    /// Writes run through the group commit (each one atomic on its own).
    pub writes: u64,
    /// Transactions committed for them.
    pub commits: u64,
    /// Syncs of the write-ahead log to disk.
    pub syncs: u64,
}

pub(crate) struct Store {
    writer: Mutex<Writer>,
    /// Writes and commits so far (see [`CommitStats`]).
    writes: AtomicU64,
    commits: AtomicU64,
    /// Which groups are settled; waiting writes wait on `committed` here, not on the writer
    /// lock, so waking them does not hold up the next group.
    settled: Mutex<Settled>,
    /// Signalled after each group commit.
    committed: Condvar,
    /// The latest group whose COMMIT succeeded (its WAL frames are written, maybe not synced).
    latest_commit: AtomicU64,
    /// Syncs of the WAL (on disk only).
    syncer: Mutex<Syncer>,
    /// Writes waiting for the writer connection (they join the open group).
    waiting: AtomicUsize,
    readers: Mutex<Vec<Connection>>,
    path: Option<PathBuf>,
    init: ConnInit,
    /// Lookups by keyed hash and record id (see `index.rs`).
    index: Index,
    /// For the keys of record ids.
    keys: Arc<Keys>,
    /// On disk: the thread that checkpoints the WAL (see `checkpoint.rs`).
    checkpointer: Option<checkpoint::Checkpointer>,
}

/// The groups whose transaction has ended.
#[derive(Default)]
struct Settled {
    /// Every group up to this one is settled (committed, or failed).
    upto: u64,
    /// Groups whose commit failed, with the error (only the latest few are kept).
    failed: Vec<(u64, EngineError)>,
}

/// The WAL's durability: which groups are synced to disk, and whether a sync ever failed.
#[derive(Default)]
struct Syncer {
    /// The WAL file (opened at the first sync).
    wal: Option<std::fs::File>,
    /// Every group up to this one is on disk.
    synced: u64,
    /// Syncs done.
    syncs: u64,
    /// A sync failed: what the WAL holds on disk is unknown, so no write is acknowledged
    /// again until the store is reopened.
    failed: bool,
}

/// The writer connection and its group commit: writes run one after another in one open
/// transaction (each in a savepoint of its own), and the last write of a burst commits them
/// all; every write returns only once its group is committed and the WAL synced to disk (the
/// sync runs after the writer is free for the next group: [`Store::sync_through`]).
struct Writer {
    conn: Connection,
    /// The group whose transaction is open, how many writes it holds, and when it began.
    open: Option<(u64, usize, std::time::Instant)>,
    next_group: u64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Store {
    /// Opens the store in `dir` (or in memory): checks the key, migrates an older format,
    /// creates what is missing and loads the in-memory lookups.
    pub(crate) fn open(dir: Option<&Path>, keys: Arc<Keys>, init: ConnInit) -> EngineResult<Store> {
        let (conn, path) = match dir {
            Some(d) => {
                let path = d.join("emulator.db");
                let c = Connection::open(&path)?;
                c.busy_timeout(std::time::Duration::from_secs(30))?;
                c.pragma_update(None, "journal_mode", "WAL")?;
                // Commits write the WAL; the store syncs it itself before a write answers
                // (`Store::sync_through`), outside the writer lock.
                c.pragma_update(None, "synchronous", "NORMAL")?;
                // Checkpoints run on a thread of their own (`checkpoint.rs`); the writer's own
                // automatic checkpoint is only a backstop.
                c.pragma_update(None, "wal_autocheckpoint", checkpoint::BACKSTOP_PAGES)?;
                tune(&c, WRITER_CACHE_KIB)?;
                (c, Some(path))
            }
            None => {
                let c = Connection::open_in_memory()?;
                c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                (c, None)
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
            writer: Mutex::new(Writer {
                conn,
                open: None,
                next_group: 1,
            }),
            settled: Mutex::new(Settled::default()),
            committed: Condvar::new(),
            latest_commit: AtomicU64::new(0),
            syncer: Mutex::new(Syncer::default()),
            writes: AtomicU64::new(0),
            commits: AtomicU64::new(0),
            waiting: AtomicUsize::new(0),
            readers: Mutex::new(Vec::new()),
            path,
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

    /// Writes and commits since the store was opened.
    pub(crate) fn commit_stats(&self) -> CommitStats {
        CommitStats {
            writes: self.writes.load(Ordering::Relaxed),
            commits: self.commits.load(Ordering::Relaxed),
            syncs: lock(&self.syncer).syncs,
        }
    }

    /// Runs `f` as one atomic write and returns once it is durable: its changes are kept
    /// when it returns Ok and undone when it fails.
    ///
    /// Group commit: concurrent writes share one transaction and one sync. Each write runs
    /// in a savepoint of the open transaction; the write that finds nobody waiting behind it
    /// (or fills the group, or ends its window: [`GROUP_WINDOW`]) commits, and every write of
    /// the group answers after that commit
    /// (an error for all of them if it fails). In memory there is nothing to sync and each
    /// write commits alone.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&Connection) -> EngineResult<T>,
    ) -> EngineResult<T> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut w = lock(&self.writer);
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let (group, size, began) = match w.open {
            Some(open) => open,
            None => {
                run(&w.conn, "BEGIN IMMEDIATE")?;
                let g = w.next_group;
                w.next_group += 1;
                (g, 0, std::time::Instant::now())
            }
        };
        w.open = Some((group, size + 1, began));
        self.writes.fetch_add(1, Ordering::Relaxed);
        let out = in_savepoint(&w.conn, self, &WRITE_SAVEPOINT, || f(&w.conn)).and_then(|r| r);
        let alone = self.path.is_none() || self.waiting.load(Ordering::SeqCst) == 0;
        if alone || size + 1 >= MAX_GROUP || began.elapsed() >= GROUP_WINDOW {
            let commit = run(&w.conn, "COMMIT");
            self.commits.fetch_add(1, Ordering::Relaxed);
            let failed = match commit {
                Err(e) => {
                    let _ = w.conn.execute_batch("ROLLBACK");
                    self.index.discard();
                    Some(e)
                }
                Ok(()) => {
                    self.index.publish();
                    self.latest_commit.store(group, Ordering::SeqCst);
                    if let Some(ck) = &self.checkpointer {
                        ck.committed();
                    }
                    None
                }
            };
            w.open = None;
            // Settled in group order: the next group cannot commit before the writer lock is
            // released, which happens after this one is recorded.
            let mut st = lock(&self.settled);
            drop(w);
            st.upto = group;
            if let Some(e) = failed {
                st.failed.push((group, e));
                let excess = st.failed.len().saturating_sub(16);
                st.failed.drain(..excess);
            }
            self.committed.notify_all();
            if let Some((_, e)) = st.failed.iter().find(|(g, _)| *g == group) {
                return Err(e.clone());
            }
        } else {
            drop(w);
            let mut st = lock(&self.settled);
            while st.upto < group {
                st = self.committed.wait(st).unwrap_or_else(|p| p.into_inner());
            }
            if let Some((_, e)) = st.failed.iter().find(|(g, _)| *g == group) {
                return Err(e.clone());
            }
        }
        // The group is committed; it is durable once the WAL is synced. The sync runs
        // outside the writer lock, so the next group's writes go on meanwhile.
        self.sync_through(group)?;
        out
    }

    /// Returns once every group up to `group` is synced to disk: one `fdatasync` of the WAL
    /// covers every group committed before it starts, so concurrent callers share syncs. A
    /// failed sync fails this and every later write.
    fn sync_through(&self, group: u64) -> EngineResult<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let mut s = lock(&self.syncer);
        if s.failed {
            return Err(EngineError::internal(
                "an earlier sync of the write-ahead log failed; restart the emulator",
            ));
        }
        if s.synced >= group {
            return Ok(());
        }
        let target = self.latest_commit.load(Ordering::SeqCst).max(group);
        if s.wal.is_none() {
            let mut wal = path.as_os_str().to_owned();
            wal.push("-wal");
            match std::fs::File::open(&wal) {
                Ok(f) => s.wal = Some(f),
                Err(e) => {
                    s.failed = true;
                    return Err(EngineError::internal(format!(
                        "cannot open the write-ahead log to sync it: {e}"
                    )));
                }
            }
        }
        let synced = s.wal.as_ref().map_or(Ok(()), std::fs::File::sync_data);
        match synced {
            Ok(()) => {
                s.synced = target;
                s.syncs += 1;
                Ok(())
            }
            Err(e) => {
                s.failed = true;
                Err(EngineError::internal(format!(
                    "sync of the write-ahead log failed: {e}"
                )))
            }
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
            let out = f(&w.conn);
            w.conn.pragma_update(None, "query_only", "OFF")?;
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

/// Runs one transaction-control statement (`BEGIN`, `COMMIT`, `SAVEPOINT`, `RELEASE`) from
/// the statement cache: every write runs several, and parsing them each time showed in
/// profiles of many small writes.
fn run(conn: &Connection, sql: &str) -> EngineResult<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// Runs `f` in savepoint `name` of the open transaction: its changes (rows, in-memory
/// lookups, holder counts) are kept when it returns Ok and undone when it fails. Holder
/// counts pending from before are written first, so undoing `f` undoes only its own. The
/// outer error is a storage fault of the savepoint itself; the inner result is `f`'s.
fn in_savepoint<T>(
    conn: &Connection,
    store: &Store,
    sp: &Savepoint,
    f: impl FnOnce() -> EngineResult<T>,
) -> EngineResult<EngineResult<T>> {
    tokens::write_holders(conn, store)?;
    run(conn, sp.begin)?;
    store.index.mark();
    let out = f().and_then(|v| tokens::write_holders(conn, store).map(|_| v));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &Path) -> Store {
        let init: ConnInit = Arc::new(|_| Ok(()));
        Store::open(Some(dir), Arc::new(Keys::random()), init).unwrap()
    }

    fn count(store: &Store) -> i64 {
        store
            .read(|c| {
                Ok(c.query_row(
                    "SELECT COUNT(*) FROM sky_meta WHERE key LIKE 'w%'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap()
    }

    #[test]
    fn a_failed_sync_fails_the_write_and_refuses_later_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        let put = |key: &str| {
            store.write(|c| {
                c.execute("INSERT INTO sky_meta(key, value) VALUES (?1, x'00')", [key])?;
                Ok(())
            })
        };
        put("w-before").unwrap();
        assert!(store.commit_stats().syncs >= 1);
        // A pipe cannot be synced: the next sync fails as a failing disk would.
        let (_read, write) = std::io::pipe().unwrap();
        lock(&store.syncer).wal = Some(std::fs::File::from(std::os::fd::OwnedFd::from(write)));
        let err = put("w-unsynced").unwrap_err();
        assert!(err.detail().is_some_and(|d| d.contains("sync")), "{err:?}");
        let err = put("w-after").unwrap_err();
        assert!(
            err.detail().is_some_and(|d| d.contains("restart")),
            "{err:?}"
        );
    }

    #[test]
    fn concurrent_writes_share_commits_and_each_is_durable_on_return() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(store(dir.path()));
        let threads: Vec<_> = (0..16)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        let key = format!("w{t}-{i}");
                        let fail = i % 10 == 9;
                        let res = store.write(|c| {
                            c.execute(
                                "INSERT INTO sky_meta(key, value) VALUES (?1, x'00')",
                                [&key],
                            )?;
                            if fail {
                                return Err(EngineError::invalid("refused"));
                            }
                            Ok(())
                        });
                        assert_eq!(res.is_err(), fail);
                        // Once a write has returned, a fresh connection sees it (or, for a
                        // failed one, never sees it).
                        let seen: i64 = store
                            .read(|c| {
                                Ok(c.query_row(
                                    "SELECT COUNT(*) FROM sky_meta WHERE key = ?1",
                                    [&key],
                                    |r| r.get(0),
                                )?)
                            })
                            .unwrap();
                        assert_eq!(seen, i64::from(!fail), "{key}");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(count(&store), 16 * 45);
        // Everything is in the file: a new store over the same directory sees it.
        drop(store);
        let keys_dir = dir.path();
        let conn = Connection::open(keys_dir.join("emulator.db")).unwrap();
        let n: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sky_meta WHERE key LIKE 'w%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 16 * 45);
    }
}
