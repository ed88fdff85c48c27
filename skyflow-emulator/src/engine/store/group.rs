//! The group commit: concurrent writes share one transaction and one sync of the write-ahead
//! log, and each write answers once its group is on disk.
//!
//! A write runs under the writer lock, in the open group's transaction; the write that ends
//! the group commits it and leaves the writer free for the next group. A group ends when a
//! write of it finishes while no sync runs (the disk is idle: the writes waiting behind it
//! gather into the next group while this one syncs), or when nobody waits behind it, or when
//! it is full or old ([`MAX_GROUP`], [`GROUP_WINDOW`]). Every write then waits
//! once, for the outcome of its group: failed (its commit failed), or durable (a sync of the
//! WAL that started after its commit ended). Whoever finds its group committed and no sync
//! running syncs the WAL, with no lock held, and then wakes exactly the writes that sync
//! answers, plus one write of a later committed group to run the next sync.
//!
//! A small group that ends while a sync runs is not committed yet: its commit could not be
//! synced before that sync ends anyway, so it stays open for the writes arriving meanwhile,
//! and the sync, when it ends, elects one of its writes to commit it (and sync it).
//!
//! The new rows of a write (records, tokens, audit events) and the holder counts that rose
//! wait past its end, in the index's pending state, and are written before the next write's
//! savepoint or at the commit: outside any savepoint, so no savepoint journals the pages they
//! fill. Should writing them fail, the rows of a write that has already ended are lost, so
//! the whole group fails ([`Writer::poisoned`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, MutexGuard};
use std::thread::Thread;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::{Store, WRITE_SAVEPOINT, in_savepoint, lock, run, tokens};
use crate::engine::error::{EngineError, EngineResult};

/// Most writes one group commit holds (bounds the latency of the first one in the group).
const MAX_GROUP: usize = 512;

/// Longest a group stays open for writes behind it, counted from its first write. A group
/// commits as soon as the disk is idle or nobody waits behind it; under a steady stream of
/// writes during a long sync it commits once this much work has gone into it, so a large
/// write (a bulk insert) commits on its own and answers while the next one runs, instead of
/// waiting for the whole burst.
const GROUP_WINDOW: Duration = Duration::from_millis(4);

/// A group that ends while a sync runs leaves its commit for after that sync
/// ([`Groups::owed`]) only when it began this recently: a large write (a bulk insert) commits
/// at once, so its long commit overlaps the running sync instead of following it.
const OWE_WITHIN: Duration = Duration::from_millis(1);

/// How many writes the store ran, how many commits carried them and how many syncs of the
/// write-ahead log made those durable, since it was opened, and how long the writer was held
/// and the log synced. With group commit, concurrent writes share commits, so
/// `writes / commits` is the mean group size; one sync covers every commit made before it
/// starts, so there are at most as many syncs as commits (none in memory). Busy times over
/// the wall time show what bounds the store's throughput: writes run one at a time on the
/// writer, and syncs one at a time on the disk.
///
/// ```
/// use skyflow_emulator::engine::{Engine, EngineConfig, VaultSchema};
/// let engine = Engine::open(EngineConfig::in_memory()).unwrap();
/// let before = engine.commit_stats();
/// engine.create_vault(None, VaultSchema::default_schema()).unwrap();
/// let after = engine.commit_stats();
/// assert_eq!(after.writes, before.writes + 1);
/// assert_eq!(after.commits, before.commits + 1); // in memory, each write commits alone
/// assert!(after.writer_busy > before.writer_busy);
/// assert_eq!(after.sync_busy, before.sync_busy); // nothing to sync in memory
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
    /// Time the writer connection was held: by writes, and by the commits of their groups.
    pub writer_busy: Duration,
    /// Time spent syncing the write-ahead log to disk.
    pub sync_busy: Duration,
}

/// Adds the nanoseconds since `since` to `counter`.
fn add_since(counter: &AtomicU64, since: Instant) {
    let nanos = u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX);
    counter.fetch_add(nanos, Ordering::Relaxed);
}

/// The writer connection and the group whose transaction is open.
pub(super) struct Writer {
    pub(super) conn: Connection,
    /// The open group, how many writes it holds, and when it began.
    open: Option<(u64, usize, Instant)>,
    next_group: u64,
    /// The open group's last write ended it while a sync was running, and left its commit
    /// to whoever the sync elects ([`Groups::owed`]).
    owed: bool,
    /// [`OWE_WITHIN`] and [`GROUP_WINDOW`] (tests stretch them, so that a slow machine
    /// does not end their groups early).
    owe_within: Duration,
    window: Duration,
    /// Writing the rows an earlier write of the open group left waiting failed: the group
    /// cannot commit whole, so its commit fails with this error.
    poisoned: Option<EngineError>,
}

impl Writer {
    pub(super) fn new(conn: Connection) -> Writer {
        Writer {
            conn,
            open: None,
            next_group: 1,
            owed: false,
            owe_within: OWE_WITHIN,
            window: GROUP_WINDOW,
            poisoned: None,
        }
    }
}

/// Where the groups stand once their transaction has ended, and the writes waiting for them.
#[derive(Default)]
pub(super) struct Groups {
    /// The latest group whose commit succeeded (its WAL frames are written, maybe not
    /// synced).
    committed: u64,
    /// Groups whose commit failed, with the error and how many of their writes have not
    /// read it yet (an entry lives until each of them has).
    failed: Vec<(u64, EngineError, usize)>,
    /// Every committed group up to this one is on disk.
    synced: u64,
    /// A sync of the WAL is running.
    syncing: bool,
    /// The open group whose commit waits for the running sync to end (its commit could not
    /// be synced before that anyway, and meanwhile more writes join it).
    owed: Option<u64>,
    /// The WAL file (opened at the first sync).
    pub(super) wal: Option<Arc<std::fs::File>>,
    /// Syncs done.
    pub(super) syncs: u64,
    /// Writes waiting for the outcome of their group.
    waiters: Vec<(u64, Thread)>,
}

impl Groups {
    /// The answer of a write of `group`, once known (each write of a failed group reads its
    /// error once); `sync_failed`: a sync of the WAL failed ([`Store::sync_failed`]), so no
    /// write is acknowledged again.
    fn outcome(&mut self, group: u64, sync_failed: bool) -> Option<EngineResult<()>> {
        if let Some(i) = self.failed.iter().position(|f| f.0 == group) {
            let err = self.failed[i].1.clone();
            self.failed[i].2 -= 1;
            if self.failed[i].2 == 0 {
                self.failed.swap_remove(i);
            }
            return Some(Err(err));
        }
        if group <= self.synced {
            return Some(Ok(()));
        }
        if sync_failed {
            return Some(Err(sync_failed_error()));
        }
        None
    }

    /// The waiting writes whose outcome is known, taken off the list to be woken (once the
    /// lock is released); with `elect`, and no sync running, also one write of a committed
    /// group not yet synced, to run the next sync (or of the owed group, to commit it first).
    /// `sync_failed` as for [`Groups::outcome`].
    fn wakeable(&mut self, elect: bool, sync_failed: bool) -> Vec<Thread> {
        let mut lead = !elect || self.syncing;
        let (failed, synced, committed, owed) =
            (&self.failed, self.synced, self.committed, self.owed);
        let mut wake = Vec::new();
        self.waiters.retain(|(group, thread)| {
            let known = *group <= synced || sync_failed || failed.iter().any(|f| f.0 == *group);
            let leads = !known && !lead && (*group <= committed || owed == Some(*group));
            lead |= leads;
            if known || leads {
                wake.push(thread.clone());
            }
            !(known || leads)
        });
        wake
    }
}

/// The payload of a panic.
type Panic = Box<dyn std::any::Any + Send>;

/// Runs the work of a write: a panic in it becomes an internal error, its payload kept in
/// `panicked` to go on with once the write is undone and settled ([`resume`]).
fn caught<T>(
    panicked: &mut Option<Panic>,
    work: impl FnOnce() -> EngineResult<T>,
) -> EngineResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|payload| {
        *panicked = Some(payload);
        Err(EngineError::internal("the write panicked; it was undone"))
    })
}

/// Goes on with the panic of a write, if it panicked, once the write is undone and settled.
fn resume(panicked: Option<Panic>) {
    if let Some(payload) = panicked {
        std::panic::resume_unwind(payload);
    }
}

/// The answer of every write once a sync of the WAL failed.
fn sync_failed_error() -> EngineError {
    EngineError::internal("a sync of the write-ahead log failed; restart the emulator")
}

impl Store {
    /// Runs `f` as one atomic write and returns once it is durable: its changes are kept
    /// when it returns Ok and undone when it fails.
    ///
    /// Group commit: concurrent writes share one transaction and one sync. Each write after
    /// the first runs in a savepoint of the open transaction. A write that ends while no sync
    /// runs commits the group, so its sync starts at once (measured with 32 clients: leaving
    /// the group open for the writes behind it left the disk idle half the time, between
    /// syncs). While a sync runs, the group stays open for the writes behind it; the last of
    /// them leaves the commit to that sync's end ([`Groups::owed`]). A full or old group
    /// ([`MAX_GROUP`], [`GROUP_WINDOW`]) commits regardless. Every write of the group answers
    /// once its commit is synced (an error for all of them if the commit fails). In memory
    /// there is nothing to sync and each write commits alone.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&Connection) -> EngineResult<T>,
    ) -> EngineResult<T> {
        // A write that panics is undone like one that fails, and its group settles as usual;
        // the panic goes on once that is done (the server answers it with a 500 and serves
        // on, so nothing of it may stay in the open transaction for a later write to commit).
        let mut panicked = None;
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut w = lock(&self.writer);
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let held = Instant::now();
        if self.sync_failed() {
            // What the WAL holds on disk is unknown: nothing more is written, and the open
            // group (its writes are answered with the sync's failure) is dropped.
            if w.open.take().is_some() {
                let _ = w.conn.execute_batch("ROLLBACK");
                self.index.discard();
                w.owed = false;
                w.poisoned = None;
            }
            self.release(w, held);
            return Err(sync_failed_error());
        }
        let (group, size, began) = match w.open {
            Some(open) => open,
            None => {
                run(&w.conn, "BEGIN IMMEDIATE")?;
                let g = w.next_group;
                w.next_group += 1;
                (g, 0, Instant::now())
            }
        };
        w.open = Some((group, size + 1, began));
        self.writes.fetch_add(1, Ordering::Relaxed);
        let out = if size == 0 {
            // The group's first write needs no savepoint: when it fails, the whole (then
            // empty) transaction rolls back and the next write begins a new group.
            self.index.mark();
            let out = caught(&mut panicked, || {
                f(&w.conn).and_then(|v| tokens::write_releases(&w.conn, self).map(|_| v))
            });
            if out.is_ok() {
                self.index.release();
            } else {
                let _ = w.conn.execute_batch("ROLLBACK");
                self.index.discard();
                w.open = None;
                self.release(w, held);
                resume(panicked);
                return out;
            }
            out
        } else if w.conn.is_autocommit() {
            // The group's transaction is gone (SQLite rolls a transaction back on its own
            // after some errors): this write must not run outside it, where its savepoint
            // would commit at once. The group fails.
            let e = EngineError::internal("the open transaction of the group was rolled back");
            w.poisoned = Some(e.clone());
            Err(e)
        } else if let Err(e) = tokens::flush_pending(&w.conn, self) {
            // The rows of earlier writes are written before this write's savepoint, so that
            // no savepoint journals their pages; when that fails they are lost, and with them
            // the whole group.
            w.poisoned = Some(e.clone());
            Err(e)
        } else {
            let out = caught(&mut panicked, || {
                in_savepoint(&w.conn, self, &WRITE_SAVEPOINT, || f(&w.conn)).and_then(|r| r)
            });
            if let Err(e) = &out
                && w.conn.is_autocommit()
            {
                // The write failed in a way that made SQLite roll back the whole transaction
                // (a full disk, an I/O error): the group's earlier writes went with it.
                w.poisoned = Some(e.clone());
            }
            out
        };
        let alone = self.path.is_none() || self.waiting.load(Ordering::SeqCst) == 0;
        // A poisoned group ends at once (its commit fails): writes behind it begin a new one
        // instead of doing work that would fail with it.
        let groups = if size + 1 >= MAX_GROUP || began.elapsed() >= w.window || w.poisoned.is_some()
        {
            self.commit(w, held)
        } else {
            let mut g = lock(&self.groups);
            if !g.syncing {
                // The disk is idle: commit now so its sync can start; the writes waiting
                // behind this one begin the next group, which gathers while this one syncs.
                drop(g);
                self.commit(w, held)
            } else if !alone {
                // A sync runs: the writes behind this one join the group.
                self.release(w, held);
                g
            } else if began.elapsed() < w.owe_within {
                // The commit could not be synced before the running sync ends: the group
                // stays open for the writes arriving meanwhile, and the sync elects a write
                // of it to commit it when it ends.
                w.owed = true;
                g.owed = Some(group);
                self.release(w, held);
                g
            } else {
                drop(g);
                self.commit(w, held)
            }
        };
        let settled = self.await_group(groups, group);
        resume(panicked);
        settled?;
        out
    }

    /// Whether a sync of the WAL failed: what the log holds on disk is unknown, so no write
    /// runs or is acknowledged again until the store is reopened.
    fn sync_failed(&self) -> bool {
        self.sync_failed.load(Ordering::SeqCst)
    }

    /// Releases the writer, taken at `since` (counted in [`CommitStats::writer_busy`]).
    fn release(&self, w: MutexGuard<'_, Writer>, since: Instant) {
        drop(w);
        add_since(&self.writer_nanos, since);
    }

    /// Commits the open group and records how it settled; returns with the writer free
    /// (held since `held`).
    fn commit<'s>(
        &'s self,
        mut w: MutexGuard<'s, Writer>,
        held: Instant,
    ) -> MutexGuard<'s, Groups> {
        let Some((group, size, _)) = w.open.take() else {
            self.release(w, held);
            return lock(&self.groups);
        };
        w.owed = false;
        // The rows the group's last write left waiting are written first.
        let commit = match w.poisoned.take() {
            Some(e) => Err(e),
            // Nothing is committed once a sync failed (see `write`).
            None if self.sync_failed() => Err(sync_failed_error()),
            None => tokens::flush_pending(&w.conn, self).and_then(|()| run(&w.conn, "COMMIT")),
        };
        self.commits.fetch_add(1, Ordering::Relaxed);
        if commit.is_err() {
            let _ = w.conn.execute_batch("ROLLBACK");
            self.index.discard();
        } else {
            self.index.publish();
            if let Some(ck) = &self.checkpointer {
                ck.committed();
            }
        }
        // Settled in group order: the next group cannot commit before the writer lock is
        // released, which happens after this one is recorded.
        let mut g = lock(&self.groups);
        if g.owed == Some(group) {
            g.owed = None;
        }
        let wake = match commit {
            Ok(()) => {
                g.committed = group;
                if self.path.is_none() {
                    g.synced = group;
                }
                Vec::new()
            }
            Err(e) => {
                g.failed.push((group, e, size));
                g.wakeable(false, self.sync_failed())
            }
        };
        // The groups lock goes before the writer's: releasing the writer wakes the next write,
        // which often preempts this thread, and it would then hold up every thread that
        // settles or waits for a group.
        drop(g);
        self.release(w, held);
        wake.iter().for_each(Thread::unpark);
        lock(&self.groups)
    }

    /// Waits for the outcome of `group`: returns once it is synced to disk, or with the
    /// error of its commit or of a sync. Runs the sync itself when its group is committed
    /// and no sync is running (and commits its group first when the group's commit was left
    /// for after a sync: [`Groups::owed`]).
    fn await_group<'s>(&'s self, mut g: MutexGuard<'s, Groups>, group: u64) -> EngineResult<()> {
        let me = std::thread::current();
        loop {
            if let Some(outcome) = g.outcome(group, self.sync_failed()) {
                return outcome;
            }
            if group <= g.committed && !g.syncing {
                self.sync(g)?;
                g = lock(&self.groups);
                continue;
            }
            if g.owed == Some(group) && !g.syncing {
                g.owed = None;
                drop(g);
                let w = lock(&self.writer);
                let held = Instant::now();
                // Unless a later write of the group has committed it (or will: it waits for
                // the writer now).
                let ours = w.open.is_some_and(|(open, ..)| open == group);
                g = if ours && w.owed && self.waiting.load(Ordering::SeqCst) == 0 {
                    self.commit(w, held)
                } else {
                    self.release(w, held);
                    lock(&self.groups)
                };
                continue;
            }
            g.waiters.push((group, me.clone()));
            drop(g);
            std::thread::park();
            g = lock(&self.groups);
            g.waiters.retain(|(_, t)| t.id() != me.id());
        }
    }

    /// Syncs the WAL with no lock held: every group committed before it starts is then on
    /// disk. Wakes the writes it answers (and one to run the next sync, if more groups
    /// committed meanwhile). A failed sync fails every write not yet synced, and every later
    /// one.
    fn sync<'s>(&'s self, mut g: MutexGuard<'s, Groups>) -> EngineResult<()> {
        let target = g.committed;
        let wal = match (&g.wal, &self.wal_path) {
            (Some(wal), _) => Ok(wal.clone()),
            (None, Some(wal)) => std::fs::File::open(wal).map(Arc::new).map_err(|e| {
                EngineError::internal(format!("cannot open the write-ahead log to sync it: {e}"))
            }),
            (None, None) => Err(EngineError::internal("an in-memory store has no log")),
        };
        let synced = match wal {
            Ok(wal) => {
                g.wal = Some(wal.clone());
                g.syncing = true;
                drop(g);
                let began = Instant::now();
                let synced = wal.sync_data().map_err(|e| {
                    EngineError::internal(format!("sync of the write-ahead log failed: {e}"))
                });
                add_since(&self.sync_nanos, began);
                g = lock(&self.groups);
                g.syncing = false;
                synced
            }
            Err(e) => Err(e),
        };
        match &synced {
            Ok(()) => {
                g.synced = g.synced.max(target);
                g.syncs += 1;
            }
            // Set under the groups lock, so that a write that found its outcome unknown
            // under it is woken by this sync.
            Err(_) => self.sync_failed.store(true, Ordering::SeqCst),
        }
        let wake = g.wakeable(true, self.sync_failed());
        drop(g);
        wake.iter().for_each(Thread::unpark);
        synced
    }
}

#[cfg(test)]
mod tests;
