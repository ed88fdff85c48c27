//! Tests of the group commit: failures of a write, of a commit and of a sync, groups that
//! wait for a running sync, and durability under concurrent writes.

use std::path::Path;

use super::super::{ConnInit, Keys};
use super::*;

fn store(dir: &Path) -> Store {
    let init: ConnInit = Arc::new(|_| Ok(()));
    Store::open(Some(dir), Arc::new(Keys::random()), init).unwrap()
}

/// Runs `sql` in a write of its own.
fn run_sql(store: &Store, sql: &str) {
    store
        .write(|c| {
            c.execute_batch(sql)?;
            Ok(())
        })
        .unwrap();
}

/// Inserts row `key` (the rows whose key starts with `w` are the ones [`count`] counts).
fn insert_row(c: &Connection, key: &str) -> EngineResult<()> {
    c.execute("INSERT INTO sky_meta(key, value) VALUES (?1, x'00')", [key])?;
    Ok(())
}

/// The keys of the committed rows whose key starts with `w`, in order.
fn written_rows(store: &Store) -> Vec<String> {
    store
        .read(|c| {
            let mut st = c.prepare("SELECT key FROM sky_meta WHERE key LIKE 'w%' ORDER BY key")?;
            let rows = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .unwrap()
}

/// Yields until `done` holds.
fn spin_until(done: impl Fn() -> bool) {
    while !done() {
        std::thread::yield_now();
    }
}

/// Runs `put(first)` on a thread and, once that write has begun, `put(key)` for each of
/// `others` on threads of their own; the handles, the first's first.
fn spawn_behind<R: Send + 'static>(
    store: &Arc<Store>,
    put: fn(&Store, &str) -> R,
    first: &'static str,
    others: &[&'static str],
) -> Vec<std::thread::JoinHandle<R>> {
    let spawn = |key: &'static str| {
        let store = store.clone();
        std::thread::spawn(move || put(&store, key))
    };
    let writes = store.commit_stats().writes;
    let mut handles = vec![spawn(first)];
    spin_until(|| store.commit_stats().writes > writes);
    handles.extend(others.iter().map(|&key| spawn(key)));
    handles
}

/// Makes the writes see a sync running, as on a slow disk: a group stays open for the
/// writes behind it, and its last write leaves the commit to the sync's end (whatever the
/// group's age).
fn begin_simulated_sync(store: &Store) {
    let mut w = lock(&store.writer);
    w.owe_within = Duration::from_secs(600);
    w.window = Duration::from_secs(600);
    drop(w);
    lock(&store.groups).syncing = true;
}

/// Ends the simulated sync: wakes the writes a real sync's end would; how many.
fn end_simulated_sync(store: &Store) -> usize {
    let mut w = lock(&store.writer);
    w.owe_within = OWE_WITHIN;
    w.window = GROUP_WINDOW;
    drop(w);
    let wake = {
        let mut g = lock(&store.groups);
        g.syncing = false;
        g.wakeable(true, store.sync_failed())
    };
    wake.iter().for_each(Thread::unpark);
    wake.len()
}

/// Runs the writes `first` and `others` as [`spawn_behind`] does, during a simulated sync
/// that ends once `waiting` writes wait for their group's outcome; their results, the first's
/// first.
fn run_group<R: Send + 'static>(
    store: &Arc<Store>,
    put: fn(&Store, &str) -> R,
    first: &'static str,
    others: &[&'static str],
    waiting: usize,
) -> Vec<R> {
    begin_simulated_sync(store);
    let writes = spawn_behind(store, put, first, others);
    spin_until(|| lock(&store.groups).waiters.len() >= waiting);
    end_simulated_sync(store);
    writes.into_iter().map(|t| t.join().unwrap()).collect()
}

/// The part the writes of a three-write group play after their own work: the first one
/// (`w-first...`) holds the group open until the two others wait behind it, and `w-fails`
/// fails.
fn hold_or_fail(store: &Store, key: &str) -> EngineResult<()> {
    if key.starts_with("w-first") {
        spin_until(|| store.waiting.load(Ordering::SeqCst) >= 2);
    }
    if key == "w-fails" {
        return Err(EngineError::invalid("refused"));
    }
    Ok(())
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
    let put = |key: &str| store.write(|c| insert_row(c, key));
    put("w-before").unwrap();
    assert!(store.commit_stats().syncs >= 1);
    // A pipe cannot be synced: the next sync fails as a failing disk would.
    let (_read, write) = std::io::pipe().unwrap();
    lock(&store.groups).wal = Some(Arc::new(std::fs::File::from(std::os::fd::OwnedFd::from(
        write,
    ))));
    let err = put("w-unsynced").unwrap_err();
    assert!(err.detail().is_some_and(|d| d.contains("sync")), "{err:?}");
    let err = put("w-after").unwrap_err();
    assert!(
        err.detail().is_some_and(|d| d.contains("restart")),
        "{err:?}"
    );
}

#[test]
fn a_failed_commit_fails_every_write_of_its_group_and_only_those() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(store(dir.path()));
    // A deferred foreign key is checked at COMMIT: a write that breaks it makes its
    // group's commit fail.
    run_sql(
        &store,
        "CREATE TABLE w_parent(id INTEGER PRIMARY KEY);
         CREATE TABLE w_child(id INTEGER PRIMARY KEY, parent INTEGER
             REFERENCES w_parent(id) DEFERRABLE INITIALLY DEFERRED);",
    );
    let put = |store: &Store, key: &str| {
        store.write(|c| {
            insert_row(c, key)?;
            if key == "w-orphan" {
                c.execute("INSERT INTO w_child(parent) VALUES (42)", [])?;
            }
            if key == "w-first" {
                // Hold the group open until the three others wait for the writer: they
                // join this group, and the last of them commits it.
                spin_until(|| store.waiting.load(Ordering::SeqCst) >= 3);
            }
            Ok(())
        })
    };
    let before = store.commit_stats();
    // A sync runs (as far as the writes can tell), so the group stays open for the writes
    // behind its first one, and the last of them leaves its commit to the sync's end; when
    // the sync ends, the write it elects commits the group, and the commit fails.
    let results = run_group(&store, put, "w-first", &["w-a", "w-b", "w-orphan"], 4);
    assert_eq!(
        store.commit_stats().commits,
        before.commits + 1,
        "one group"
    );
    for r in &results {
        let err = r.as_ref().unwrap_err();
        assert!(
            err.detail().is_some_and(|d| d.contains("FOREIGN KEY")),
            "{err:?}"
        );
    }
    assert_eq!(count(&store), 0);
    assert!(lock(&store.groups).failed.is_empty(), "every write read it");
    // The store goes on: the next write commits and is durable.
    put(&store, "w-next").unwrap();
    assert_eq!(count(&store), 1);
}

#[test]
fn a_group_commits_at_once_when_no_sync_runs_even_with_writes_behind_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(store(dir.path()));
    let put = |store: &Store, key: &str| {
        store.write(|c| {
            insert_row(c, key)?;
            if key == "w-first" {
                // Three writes wait behind this one when it ends.
                spin_until(|| store.waiting.load(Ordering::SeqCst) >= 3);
            }
            Ok(())
        })
    };
    let before = store.commit_stats();
    let writes = spawn_behind(&store, put, "w-first", &["w-a", "w-b", "w-c"]);
    writes.into_iter().for_each(|t| t.join().unwrap().unwrap());
    // The disk was idle when the first write ended: its group committed (and its sync
    // started) without waiting for the three, which went into later groups.
    let after = store.commit_stats();
    assert!(
        after.commits >= before.commits + 2,
        "{before:?} -> {after:?}"
    );
    assert_eq!(after.writes, before.writes + 4);
    assert_eq!(count(&store), 4);
}

#[test]
fn a_failed_first_write_of_a_group_leaves_nothing_and_the_others_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(store(dir.path()));
    let put = |store: &Store, key: &str| {
        store.write(|c| {
            insert_row(c, key)?;
            if key == "w-fail-first" {
                // Hold the writer until two writes wait behind this one.
                spin_until(|| store.waiting.load(Ordering::SeqCst) >= 2);
            }
            if key.starts_with("w-fail") {
                return Err(EngineError::invalid("refused"));
            }
            Ok(())
        })
    };
    // Alone: nothing is committed for it.
    let before = store.commit_stats();
    put(&store, "w-fail-alone").unwrap_err();
    assert_eq!(store.commit_stats().commits, before.commits);
    assert_eq!(count(&store), 0);
    // First of a group with two writes waiting behind it: they commit in a group of
    // their own, without its row.
    let mut writes = spawn_behind(&store, put, "w-fail-first", &["w-a", "w-b"]).into_iter();
    writes.next().unwrap().join().unwrap().unwrap_err();
    for t in writes {
        t.join().unwrap().unwrap();
    }
    let rows = written_rows(&store);
    assert_eq!(rows, ["w-a", "w-b"]);
}

#[test]
fn a_group_ending_during_a_sync_commits_after_it_with_the_writes_that_joined() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(store(dir.path()));
    let put = |store: &Store, key: &str| store.write(|c| insert_row(c, key));
    put(&store, "w-0").unwrap();
    let before = store.commit_stats();
    // A sync runs (as far as the writes can tell): a write alone leaves its group open,
    // and the next one joins it.
    begin_simulated_sync(&store);
    let spawn = |key: &'static str| {
        let store = store.clone();
        std::thread::spawn(move || put(&store, key))
    };
    let first = spawn("w-1");
    spin_until(|| !lock(&store.groups).waiters.is_empty());
    let second = spawn("w-2");
    spin_until(|| lock(&store.groups).waiters.len() >= 2);
    assert_eq!(
        store.commit_stats().commits,
        before.commits,
        "nothing committed yet"
    );
    assert!(!first.is_finished() && !second.is_finished());
    // The sync ends: it elects a write of the owed group, which commits and syncs it.
    assert_eq!(end_simulated_sync(&store), 1);
    first.join().unwrap().unwrap();
    second.join().unwrap().unwrap();
    let after = store.commit_stats();
    assert_eq!(after.commits, before.commits + 1, "one commit for both");
    assert_eq!(after.syncs, before.syncs + 1);
    assert_eq!(count(&store), 3);
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
                        insert_row(c, &key)?;
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
    // The writes held the writer, and their syncs took time.
    let stats = store.commit_stats();
    assert!(stats.writer_busy > Duration::ZERO, "{stats:?}");
    assert!(stats.sync_busy > Duration::ZERO, "{stats:?}");
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

/// Adds an audit row whose event is `event` to the open write (it waits to be written).
fn add_audit(store: &Store, c: &Connection, event: &str) -> EngineResult<()> {
    super::super::insert_audit(
        store,
        c,
        super::super::AuditRow {
            change_id: "c".into(),
            vault_id: "v".into(),
            ts: 0,
            request_id: "r".into(),
            actor: "a".into(),
            account_id: None,
            action_type: "CREATE",
            resource_type: "RECORD",
            code: 200,
            event_json: event.to_string(),
        },
    )
}

fn audit_rows(store: &Store) -> Vec<String> {
    store
        .read(|c| {
            let mut st = c.prepare("SELECT event FROM sky_audit ORDER BY seq")?;
            let rows = st.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .unwrap()
}

#[test]
fn rows_a_write_leaves_waiting_survive_a_later_write_that_fails_or_fail_the_whole_group() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(store(dir.path()));
    // An audit row with the event "boom" cannot be written.
    run_sql(
        &store,
        "CREATE TRIGGER w_refuse BEFORE INSERT ON sky_audit WHEN NEW.event = 'boom'
         BEGIN SELECT RAISE(ABORT, 'refused row'); END;",
    );
    let put = |store: &Store, key: &str| {
        store.write(|c| {
            insert_row(c, key)?;
            let event = if key.ends_with("boom") { "boom" } else { key };
            add_audit(store, c, event)?;
            hold_or_fail(store, key)
        })
    };
    // One group of three: the first write's rows wait past its end; the second write fails
    // and its savepoint rolls back, which must not take the first write's rows with it.
    let results = run_group(&store, put, "w-first", &["w-fails", "w-ok"], 3);
    let failed = results.iter().filter(|r| r.is_err()).count();
    assert_eq!(failed, 1, "{results:?}");
    let mut rows = audit_rows(&store);
    rows.sort();
    assert_eq!(rows, ["w-first", "w-ok"]);
    assert_eq!(count(&store), 2);
    // The first write of the next group leaves a row that cannot be written: the next
    // write finds it waiting, and the group fails at once, the first write with it; the
    // write behind them begins a new group.
    // The simulated sync ends once the first write has ended (inside it, so its group stays
    // open).
    let results = run_group(&store, put, "w-first-boom", &["w-x", "w-y"], 1);
    let refused = results
        .iter()
        .filter(|r| {
            r.as_ref()
                .is_err_and(|e| e.detail().is_some_and(|d| d.contains("refused row")))
        })
        .count();
    assert_eq!(
        refused, 2,
        "the first write and the one that found its row: {results:?}"
    );
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    let mut rows = audit_rows(&store);
    rows.sort();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(count(&store), 3);
    // The store goes on.
    put(&store, "w-next").unwrap();
    assert_eq!(count(&store), 4);
}

#[test]
fn a_holder_count_a_write_leaves_waiting_survives_a_later_write_that_fails() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(store(dir.path()));
    run_sql(
        &store,
        "INSERT INTO sky_tokens(tid, col, token_fp, token_ct, value_ct, refs)
         VALUES (1, 1, x'01', x'02', x'03', 1)",
    );
    let put = |store: &Store, key: &str| {
        store.write(|c| {
            insert_row(c, key)?;
            // One more cell holds token row 1; the count waits past the write's end.
            store.index.hold(1, 1);
            hold_or_fail(store, key)
        })
    };
    let results = run_group(&store, put, "w-first", &["w-fails", "w-ok"], 3);
    let failed = results.iter().filter(|r| r.is_err()).count();
    assert_eq!(failed, 1);
    let refs: i64 = store
        .read(|c| {
            Ok(
                c.query_row("SELECT refs FROM sky_tokens WHERE tid = 1", [], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();
    assert_eq!(
        refs, 3,
        "the first and the last write's holds, not the failed one's"
    );
}

#[test]
fn a_write_that_panics_leaves_nothing_for_the_next_write_to_commit() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    // A write panics part way (after its row, as a bug in an operation would): the server
    // answers it with an internal error (its task's panic is caught) and goes on.
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        store.write(|c| -> EngineResult<()> {
            insert_row(c, "w-panics")?;
            panic!("a bug inside the write");
        })
    }));
    assert!(panicked.is_err());
    // The next write must not commit what the panicked write left behind.
    store.write(|c| insert_row(c, "w-next")).unwrap();
    let rows = written_rows(&store);
    assert_eq!(rows, ["w-next"], "the panicked write's row was committed");
}

#[test]
fn a_write_refused_after_a_failed_sync_leaves_no_row() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let put = |key: &str| store.write(|c| insert_row(c, key));
    put("w-before").unwrap();
    // A pipe cannot be synced: the next sync fails as a failing disk would.
    let (_read, write) = std::io::pipe().unwrap();
    lock(&store.groups).wal = Some(Arc::new(std::fs::File::from(std::os::fd::OwnedFd::from(
        write,
    ))));
    put("w-unsynced").unwrap_err();
    // Every later write is refused ("restart the emulator"): a refused write must leave
    // nothing behind, yet it ran and its group committed.
    let err = put("w-after").unwrap_err();
    assert!(
        err.detail().is_some_and(|d| d.contains("restart")),
        "{err:?}"
    );
    let seen: i64 = store
        .read(|c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM sky_meta WHERE key = 'w-after'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(
        seen, 0,
        "a write answered with an error is visible to readers"
    );
}

#[test]
fn a_write_failing_with_a_full_disk_leaves_no_write_of_its_group_committed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(store(dir.path()));
    let put = |store: &Store, key: &str| {
        store.write(|c| {
            if key == "w-3" {
                // The disk has room again.
                c.pragma_update(None, "max_page_count", 1_000_000_000)?;
            }
            if key == "w-full" {
                // The disk is full: the database cannot grow by a page (SQLite answers
                // SQLITE_FULL, and rolls back the whole transaction).
                let pages: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0))?;
                c.pragma_update(None, "max_page_count", pages)?;
                c.execute(
                    "INSERT INTO sky_meta(key, value) VALUES (?1, ?2)",
                    rusqlite::params![key, vec![7u8; 256 * 1024]],
                )?;
                return Ok(());
            }
            insert_row(c, key)
        })
    };
    put(&store, "w-0").unwrap();
    // Three writes in one group, during a (simulated) sync: each joins the open group.
    begin_simulated_sync(&store);
    let spawn = |key: &'static str| {
        let store = store.clone();
        std::thread::spawn(move || put(&store, key))
    };
    let mut writes = Vec::new();
    for (n, key) in ["w-1", "w-full", "w-3"].into_iter().enumerate() {
        writes.push(spawn(key));
        // Each write so far waits for its group or has been answered (a failed group answers
        // its writes at once).
        spin_until(|| {
            let answered = writes.iter().filter(|w| w.is_finished()).count();
            lock(&store.groups).waiters.len() + answered > n
        });
    }
    end_simulated_sync(&store);
    let results: Vec<_> = writes.into_iter().map(|t| t.join().unwrap()).collect();
    let rows = written_rows(&store);
    // Whatever each write was answered, a write answered with an error left nothing.
    for (key, res) in ["w-1", "w-full", "w-3"].iter().zip(&results) {
        if res.is_err() {
            assert!(
                !rows.iter().any(|r| r == key),
                "{key} was answered {res:?} but its row is committed: {rows:?}"
            );
        }
    }
}

#[test]
fn a_read_that_panics_in_memory_leaves_the_store_writable() {
    let init: ConnInit = Arc::new(|_| Ok(()));
    let store = Store::open(None, Arc::new(Keys::random()), init).unwrap();
    // In memory a read runs on the writer's connection, made read-only for it; the read
    // panics (as a bug in an operation would: the server answers it and goes on).
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        store.read(|_| -> EngineResult<()> { panic!("a bug inside the read") })
    }));
    assert!(panicked.is_err());
    store
        .write(|c| insert_row(c, "w-after"))
        .expect("a write after the panicked read");
}

#[test]
fn a_write_that_panics_inside_an_entry_savepoint_leaves_no_lookup_behind() {
    use super::super::index::{Kind, key};
    use super::super::{ENTRY_SAVEPOINT, in_savepoint};
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(store(dir.path()));
    let lookup = key(b"value of the panicked write");
    fn put(store: &Store, name: &str) -> EngineResult<()> {
        store.write(|c| {
            insert_row(c, name)?;
            if name == "w-panics" {
                // The write maps a lookup (as issuing a token does), then a continue-on-error
                // entry of it panics part way.
                store.index.set(
                    Kind::Deterministic,
                    key(b"value of the panicked write"),
                    Some(7),
                );
                let entry = in_savepoint(c, store, &ENTRY_SAVEPOINT, || -> EngineResult<()> {
                    insert_row(c, "w-entry")?;
                    panic!("a bug inside a batch entry");
                });
                return entry.and_then(|r| r);
            }
            Ok(())
        })
    }
    put(&store, "w-0").unwrap();
    // Both writes in one group, so the panicking one runs in a savepoint of the group's
    // transaction (the group's first write is undone by rolling the whole transaction back).
    begin_simulated_sync(&store);
    let first = {
        let store = store.clone();
        std::thread::spawn(move || put(&store, "w-1"))
    };
    spin_until(|| lock(&store.groups).waiters.len() == 1);
    let panicking = {
        let store = store.clone();
        std::thread::spawn(move || put(&store, "w-panics"))
    };
    spin_until(|| panicking.is_finished() || lock(&store.groups).waiters.len() == 2);
    end_simulated_sync(&store);
    first.join().unwrap().unwrap();
    assert!(panicking.join().is_err(), "the panic goes on to the caller");
    let rows = written_rows(&store);
    assert_eq!(rows, ["w-0", "w-1"]);
    assert_eq!(
        store.index.get(Kind::Deterministic, lookup, false),
        None,
        "the panicked write's lookup was published with the group"
    );
}

/// The inode of the WAL file the store syncs (its cached handle).
fn synced_wal_inode(store: &Store) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let g = lock(&store.groups);
    g.wal
        .as_ref()
        .expect("a sync opened the WAL")
        .metadata()
        .unwrap()
        .ino()
}

/// SQLite resolves symbolic links in the database's path (`unixFullPathname`) and keeps the
/// WAL beside the file the link points to; the store opens `<dir>/emulator.db-wal` (the path
/// it was given, plus `-wal`) at its first sync. With `emulator.db` a link (to a file in the
/// same directory, say), the WAL SQLite writes is `<target>-wal`: the store's first sync
/// cannot open its WAL, the first write is answered with an error although its row is
/// committed, and every later write is refused.
#[test]
fn a_store_whose_database_is_a_symlink_syncs_the_wal_sqlite_writes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::File::create(dir.path().join("vault-v4.db")).unwrap();
    std::os::unix::fs::symlink("vault-v4.db", dir.path().join("emulator.db")).unwrap();
    let store = store(dir.path());
    let first = store.write(|c| insert_row(c, "w1"));
    assert!(first.is_ok(), "the first write failed: {first:?}");
    let later = store.write(|c| insert_row(c, "w2"));
    assert!(later.is_ok(), "a later write failed: {later:?}");
}

/// The same, where a file `<dir>/emulator.db-wal` exists (left behind by an earlier layout of
/// the directory): the store syncs that file, not the WAL SQLite writes its frames to, and
/// answers OK for writes whose frames were never synced.
#[test]
fn the_synced_wal_is_the_file_sqlite_writes_even_beside_a_stale_wal() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::File::create(dir.path().join("vault-v4.db")).unwrap();
    std::fs::File::create(dir.path().join("emulator.db-wal")).unwrap();
    std::os::unix::fs::symlink("vault-v4.db", dir.path().join("emulator.db")).unwrap();
    let store = store(dir.path());
    store.write(|c| insert_row(c, "w1")).unwrap();
    let written = std::fs::metadata(dir.path().join("vault-v4.db-wal")).unwrap();
    assert!(
        written.len() > 0,
        "SQLite writes its frames to vault-v4.db-wal"
    );
    assert_eq!(
        synced_wal_inode(&store),
        written.ino(),
        "the write was answered OK after syncing {}, not the WAL holding its frames",
        dir.path().join("emulator.db-wal").display()
    );
}

/// The WAL the store syncs stays the file SQLite writes while the store is open: checkpoints
/// of the checkpoint thread that let the writer start the log over, and pooled readers beyond
/// the pool's size that close (a closing connection deletes the WAL only when it can lock the
/// database exclusively, which the writer's shared lock prevents).
#[test]
fn the_synced_wal_stays_the_file_sqlite_writes_across_checkpoints_and_closing_readers() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(store(dir.path()));
    let wal = dir.path().join("emulator.db-wal");
    store.write(|c| insert_row(c, "w0")).unwrap();
    let inode = synced_wal_inode(&store);
    for round in 0..5 {
        for i in 0..20 {
            store
                .write(|c| insert_row(c, &format!("w{round}-{i}")))
                .unwrap();
        }
        // More concurrent reads than the pool keeps: the extra connections close.
        let readers: Vec<_> = (0..12)
            .map(|_| {
                let store = store.clone();
                std::thread::spawn(move || {
                    store
                        .read(|c| {
                            std::thread::sleep(Duration::from_millis(20));
                            Ok(c.query_row("SELECT COUNT(*) FROM sky_meta", [], |r| {
                                r.get::<_, i64>(0)
                            })?)
                        })
                        .unwrap()
                })
            })
            .collect();
        readers.into_iter().for_each(|r| {
            r.join().unwrap();
        });
        std::thread::sleep(Duration::from_millis(300));
        let on_disk = std::fs::metadata(&wal).unwrap();
        assert_eq!(on_disk.ino(), inode, "round {round}");
        assert_eq!(synced_wal_inode(&store), inode, "round {round}");
        assert_eq!(on_disk.nlink(), 1, "round {round}");
    }
    assert!(store.checkpointer.is_some());
}
