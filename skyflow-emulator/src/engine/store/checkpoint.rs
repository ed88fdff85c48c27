//! Checkpoints of the write-ahead log, off the writer's path.
//!
//! SQLite's automatic checkpoint runs inside the commit that crosses its threshold: that
//! commit copies the whole WAL back into the database file and syncs it while holding the
//! writer, and every write behind it waits (in profiles of bulk inserts, 5% of the CPU, all of
//! it under the writer lock). Here a thread of its own, with a connection of its own, runs
//! passive checkpoints instead: they copy committed pages while the writer goes on (SQLite
//! lets one checkpointer run beside one writer), and once a checkpoint has copied everything
//! the writer's next transaction starts the log over from its beginning.
//!
//! The automatic checkpoint stays on as a backstop, at a threshold a few times higher
//! ([`BACKSTOP_PAGES`]), for a log that grows faster than this thread copies it.
//!
//! Durability is unchanged: a write answers once its commit is in the WAL and the WAL is
//! synced; a checkpoint only copies what is durable already, and syncs the database file
//! before the log may be reused.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use super::lock;
use crate::engine::error::{EngineError, EngineResult};

/// Pages of WAL past which the writer checkpoints inside a commit, should the checkpoint
/// thread fall behind (SQLite's default is 1,000).
pub(super) const BACKSTOP_PAGES: i64 = 64 * 1024;

/// Shortest time between two checkpoints while writes go on: each one ends with a sync of
/// the database file, so they are spaced out; the pages written in between are copied once
/// however often the writes changed them.
const INTERVAL: Duration = Duration::from_millis(200);

/// The checkpoint thread of an on-disk store. Dropping it stops the thread (after the
/// checkpoint it is running, if any).
pub(super) struct Checkpointer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

#[derive(Default)]
struct State {
    /// Commits since the last checkpoint started.
    commits: u64,
    stop: bool,
    /// A checkpoint is running.
    running: bool,
    /// Checkpoints run, and whether the latest one copied the whole log.
    runs: u64,
    complete: bool,
}

impl Checkpointer {
    /// Starts the checkpoint thread of the database at `path`, on a connection of its own.
    pub(super) fn start(path: &Path) -> EngineResult<Checkpointer> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        // This connection never writes rows: it only checkpoints.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let shared = Arc::new(Shared::default());
        let thread = std::thread::Builder::new()
            .name("skyflow-checkpoint".into())
            .spawn({
                let shared = shared.clone();
                move || run(&conn, &shared)
            })
            .map_err(|e| {
                EngineError::internal(format!("cannot start the checkpoint thread: {e}"))
            })?;
        Ok(Checkpointer {
            shared,
            thread: Some(thread),
        })
    }

    /// A group committed: a checkpoint follows, within [`INTERVAL`] of the previous one.
    pub(super) fn committed(&self) {
        let mut st = lock(&self.shared.state);
        st.commits += 1;
        if st.commits == 1 {
            self.shared.wake.notify_one();
        }
    }

    /// Whether the thread is idle after a checkpoint that started after the latest commit,
    /// and whether that checkpoint copied the whole log.
    #[cfg(test)]
    pub(super) fn caught_up(&self) -> Option<bool> {
        let st = lock(&self.shared.state);
        (st.runs > 0 && st.commits == 0 && !st.running).then_some(st.complete)
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        lock(&self.shared.state).stop = true;
        self.shared.wake.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The thread: waits for commits, then checkpoints, at most once per [`INTERVAL`].
fn run(conn: &Connection, shared: &Shared) {
    loop {
        {
            let mut st = lock(&shared.state);
            while st.commits == 0 && !st.stop {
                st = shared.wake.wait(st).unwrap_or_else(|p| p.into_inner());
            }
            if st.stop {
                return;
            }
            st.commits = 0;
            st.running = true;
        }
        // PASSIVE: copy what is committed without waiting for the writer or the readers.
        // It answers (busy, pages in the log, pages copied).
        let res = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok(r.get::<_, i64>(1)? == r.get::<_, i64>(2)?)
        });
        let mut st = lock(&shared.state);
        st.running = false;
        st.runs += 1;
        match res {
            Ok(complete) => st.complete = complete,
            // A busy or failed checkpoint loses nothing (the pages stay in the WAL); the next
            // one, or the writer's backstop, copies them.
            Err(e) => {
                st.complete = false;
                tracing::warn!(error = %e, "checkpoint of the write-ahead log failed");
            }
        }
        if st.stop {
            return;
        }
        // Spaced out: the commits of the next INTERVAL wait for the next checkpoint.
        let (st, _) = shared
            .wake
            .wait_timeout_while(st, INTERVAL, |s| !s.stop)
            .unwrap_or_else(|p| p.into_inner());
        drop(st);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::engine::crypto::Keys;
    use crate::engine::store::{ConnInit, Store};

    fn wal_len(dir: &std::path::Path) -> u64 {
        std::fs::metadata(dir.join("emulator.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0)
    }

    /// Waits (polling) until the checkpoint thread has copied every commit so far.
    fn wait_caught_up(store: &Store) -> bool {
        let ck = store.checkpointer.as_ref().expect("on disk");
        for _ in 0..1000 {
            if let Some(complete) = ck.caught_up() {
                return complete;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("the checkpoint thread never caught up");
    }

    #[test]
    fn the_thread_copies_the_log_so_the_writer_starts_it_over() {
        let dir = tempfile::tempdir().unwrap();
        let init: ConnInit = Arc::new(|_| Ok(()));
        let store = Store::open(Some(dir.path()), Arc::new(Keys::random()), init).unwrap();
        let blob = vec![7u8; 8 * 1024];
        let put = |i: usize| {
            store
                .write(|c| {
                    c.execute(
                        "INSERT INTO sky_meta(key, value) VALUES (?1, ?2)",
                        rusqlite::params![format!("w{i}"), blob],
                    )?;
                    Ok(())
                })
                .unwrap();
        };
        (0..40).for_each(put);
        assert!(
            wait_caught_up(&store),
            "no reader holds the log: the copy is complete"
        );
        let first = wal_len(dir.path());
        assert!(
            first >= 40 * 8 * 1024,
            "the writes went to the log: {first}"
        );
        // The log was copied whole: the next writes start it over instead of growing it to
        // twice its size. (The start-over can slip by a write or two when the thread's next
        // checkpoint holds SQLite's read locks at that moment, as on a loaded machine.)
        (40..80).for_each(put);
        let second = wal_len(dir.path());
        assert!(second < first + first / 4, "{second} vs {first}");
        // Every row is in the database, read back through a new connection.
        drop(store);
        let conn = rusqlite::Connection::open(dir.path().join("emulator.db")).unwrap();
        let n: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sky_meta WHERE key LIKE 'w%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 80);
    }
}
