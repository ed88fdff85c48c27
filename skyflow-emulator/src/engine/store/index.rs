//! The store's lookups by key, held in memory.
//!
//! Every row the store writes goes at the end of its table (a rowid one higher than the last),
//! so a write dirties a few pages at the end of each table instead of pages all over B-tree
//! indexes keyed by random hashes. Whatever is looked up by a keyed hash or a record id is
//! found here instead: a map from the first 16 bytes of the keyed hash to the row's id. The
//! maps are rebuilt from the tables when the store opens; a lookup that finds a row id reads
//! that row by id and checks the full hash (or the id) it holds.
//!
//! Readers see only what is committed. The writer sees the open group's changes on top, in
//! levels that follow its savepoints: a savepoint that rolls back undoes its changes here too,
//! and the group's changes are published when its transaction commits (or dropped when the
//! commit fails).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Mutex, RwLock};

use rusqlite::Connection;

use super::audit::AuditRow;
use super::lock;
use super::records::DueRecord;
use super::tokens::DueToken;
use crate::engine::crypto::Keys;
use crate::engine::error::EngineResult;

/// First 16 bytes of a keyed hash: the key of every map below.
pub(crate) type Key = u128;

/// The key of a keyed hash (at least 16 bytes; HMAC-SHA256 gives 32).
pub(crate) fn key(fp: &[u8]) -> Key {
    let mut b = [0u8; 16];
    let n = fp.len().min(16);
    b[..n].copy_from_slice(&fp[..n]);
    u128::from_le_bytes(b)
}

/// The keyed hash of the column `names` (vault, table, column, column group).
fn column_key(keys: &Keys, names: [&str; 4]) -> Key {
    let [vault, table, column, group] = names.map(str::as_bytes);
    key(&keys.fingerprint(&[b"col", vault, table, column, group]))
}

/// What a map finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Token hash → token row.
    Token = 0,
    /// Hash of a deterministic value in its column group → token row.
    Deterministic = 1,
    /// Hash of (vault, table, skyflow_id) → record row.
    Record = 2,
    /// Hash of a unique column's value → record row.
    Unique = 3,
    /// Hash of a (vault, table, column, column group) → its row of `sky_columns`.
    Column = 4,
}

const KINDS: usize = 5;

/// Keys are uniformly distributed keyed hashes, so their low 64 bits are a good hash already.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}

type Map<V> = HashMap<Key, V, BuildHasherDefault<KeyHasher>>;

/// The committed maps, plus the writer's uncommitted changes.
pub(crate) struct Index {
    committed: RwLock<[Map<i64>; KINDS]>,
    pending: Mutex<Pending>,
    /// Texts of tokens read lately, by token row id. A token's text never changes and row ids
    /// are never reused while the store is open, so an entry is right for as long as its row
    /// exists; the row's deletion removes it.
    texts: Mutex<HashMap<i64, String>>,
    /// Keys of the columns that issued tokens, with their committed row if known, by their
    /// names (see [`Index::column`]).
    column_keys: Mutex<HashMap<u64, Vec<KnownColumn>>>,
}

/// A column that issued tokens: its names (vault, table, column, column group), its key, and
/// its row of `sky_columns` once committed.
type KnownColumn = ([String; 4], Key, Option<i64>);

impl Pending {
    /// Drops the holder counts and rows waiting to be written.
    fn drop_waiting(&mut self) {
        self.holders.clear();
        self.due.clear();
        self.due_records.clear();
        self.due_audit.clear();
    }
}

/// Most token texts [`Index::texts`] keeps (it starts over when full).
const MAX_TEXTS: usize = 1 << 16;

/// The open group's changes (`None`: the key was removed), with an undo log for its
/// savepoints, and the next free row ids.
#[derive(Default)]
struct Pending {
    view: [Map<Option<i64>>; KINDS],
    /// (kind, key, the view's entry before the change) since the outermost savepoint.
    log: Vec<(Kind, Key, Option<Option<i64>>)>,
    /// Where each open savepoint starts in `log`.
    marks: Vec<usize>,
    /// Changes to tokens' holder counts not written yet, by token row id (see
    /// [`Index::hold`]).
    holders: HashMap<i64, i64>,
    /// Token rows issued and not written yet (see [`Index::defer_token`]).
    due: Vec<DueToken>,
    /// Record rows added and not written yet (see [`Index::defer_record`]).
    due_records: Vec<DueRecord>,
    /// Audit rows added and not written yet (see [`Index::defer_audit`]).
    due_audit: Vec<AuditRow>,
    next_record: i64,
    next_token: i64,
    next_column: i64,
}

impl Index {
    /// Builds the in-memory lookups from the tables: every token's hash (and deterministic value
    /// hash), every record's id and unique hashes.
    pub(crate) fn load(conn: &Connection, keys: &Keys) -> EngineResult<Index> {
        let mut rows: Vec<(Kind, Key, i64)> = Vec::new();
        let mut st = conn.prepare("SELECT tid, token_fp, value_fp FROM sky_tokens")?;
        let mut q = st.query([])?;
        while let Some(r) = q.next()? {
            let tid: i64 = r.get(0)?;
            rows.push((Kind::Token, key(&r.get::<_, Vec<u8>>(1)?), tid));
            if let Some(vfp) = r.get::<_, Option<Vec<u8>>>(2)? {
                rows.push((Kind::Deterministic, key(&vfp), tid));
            }
        }
        let mut st = conn.prepare(
            "SELECT col, vault_id, table_name, column_name, group_name FROM sky_columns",
        )?;
        let mut q = st.query([])?;
        while let Some(r) = q.next()? {
            let names: [String; 4] = [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?];
            let names = names.each_ref().map(String::as_str);
            rows.push((Kind::Column, column_key(keys, names), r.get(0)?));
        }
        let mut st =
            conn.prepare("SELECT rid, vault_id, table_name, skyflow_id, uniq FROM sky_records")?;
        let mut q = st.query([])?;
        while let Some(r) = q.next()? {
            let rid: i64 = r.get(0)?;
            let (vault, table, sid): (String, String, String) = (r.get(1)?, r.get(2)?, r.get(3)?);
            rows.push((
                Kind::Record,
                super::record_key(keys, &vault, &table, &sid),
                rid,
            ));
            if let Some(u) = r.get::<_, Option<String>>(4)? {
                for fp in super::records::unique_hashes(&u)? {
                    rows.push((Kind::Unique, key(&fp), rid));
                }
            }
        }
        let next = |sql: &str| -> EngineResult<i64> {
            Ok(conn
                .query_row(sql, [], |r| r.get::<_, Option<i64>>(0))?
                .unwrap_or(0)
                + 1)
        };
        let next_record = next("SELECT MAX(rid) FROM sky_records")?;
        let next_token = next("SELECT MAX(tid) FROM sky_tokens")?;
        let next_column = next("SELECT MAX(col) FROM sky_columns")?;
        let index = Index::new(rows, next_record, next_token);
        lock(&index.pending).next_column = next_column;
        Ok(index)
    }

    /// An index of the rows given as (kind, key, row id), with the next free row ids.
    pub(crate) fn new(
        rows: impl IntoIterator<Item = (Kind, Key, i64)>,
        next_record: i64,
        next_token: i64,
    ) -> Index {
        let mut maps: [Map<i64>; KINDS] = Default::default();
        for (kind, k, id) in rows {
            maps[kind as usize].insert(k, id);
        }
        Index {
            committed: RwLock::new(maps),
            pending: Mutex::new(Pending {
                next_record,
                next_token,
                next_column: 1,
                ..Pending::default()
            }),
            texts: Mutex::new(HashMap::new()),
            column_keys: Mutex::new(HashMap::new()),
        }
    }

    /// The key of the column `names` (vault, table, column, column group), and its row of
    /// `sky_columns` if it has one (for the writer: counting the open group's). The key is a
    /// keyed hash, computed once per column (one per token would cost more than the row);
    /// a row once committed is remembered with it (column rows are never removed).
    pub(crate) fn column(&self, keys: &Keys, names: [&str; 4]) -> (Key, Option<i64>) {
        // The cache's own bucket: each name's length and last byte (entries are told apart by
        // their names, so a shared bucket only costs a comparison).
        let bucket = names.iter().fold(0u64, |h, n| {
            let last = n.as_bytes().last().copied().unwrap_or(0);
            (h ^ (n.len() as u64) << 8 ^ u64::from(last)).wrapping_mul(0x100_0000_01b3)
        });
        let mut cache = lock(&self.column_keys);
        let known = cache.entry(bucket).or_default();
        let at = match known.iter().position(|(n, _, _)| n.iter().eq(names.iter())) {
            Some(at) => at,
            None => {
                known.push((names.map(str::to_string), column_key(keys, names), None));
                known.len() - 1
            }
        };
        let (_, k, committed) = &mut known[at];
        let k = *k;
        if committed.is_none() {
            *committed = self.get(Kind::Column, k, false);
        }
        match committed {
            Some(col) => (k, Some(*col)),
            None => (k, self.get(Kind::Column, k, true)),
        }
    }

    /// Adds `by` to the count of cells holding token row `tid` (writer only). Counts are
    /// kept here and written once per token at the end of the write or before a savepoint
    /// (a value shared by every record of a bulk write is one UPDATE, not one per record).
    pub(crate) fn hold(&self, tid: i64, by: i64) {
        *lock(&self.pending).holders.entry(tid).or_insert(0) += by;
    }

    /// Keeps token row `row` to be written with the next rows (writer only): rows are
    /// written several per statement, before anything reads or counts them and before the
    /// write or a savepoint ends ([`super::tokens::flush_tokens`]). How many are waiting.
    pub(crate) fn defer_token(&self, row: DueToken) -> usize {
        self.defer(|p| &mut p.due, row)
    }

    /// Keeps record row `row` to be written with the next rows (writer only), as
    /// [`Index::defer_token`] does for token rows. How many are waiting.
    pub(crate) fn defer_record(&self, row: DueRecord) -> usize {
        self.defer(|p| &mut p.due_records, row)
    }

    /// Takes the record rows waiting to be written (writer only).
    pub(crate) fn take_due_records(&self) -> Vec<DueRecord> {
        self.take_due(|p| &mut p.due_records)
    }

    /// Keeps audit row `row` to be written with the next rows (writer only). How many are
    /// waiting.
    pub(crate) fn defer_audit(&self, row: AuditRow) -> usize {
        self.defer(|p| &mut p.due_audit, row)
    }

    /// Takes the audit rows waiting to be written (writer only).
    pub(crate) fn take_due_audit(&self) -> Vec<AuditRow> {
        self.take_due(|p| &mut p.due_audit)
    }

    /// Adds `row` to the waiting rows `queue` picks; how many wait there now.
    fn defer<T>(&self, queue: impl FnOnce(&mut Pending) -> &mut Vec<T>, row: T) -> usize {
        let mut p = lock(&self.pending);
        let rows = queue(&mut p);
        rows.push(row);
        rows.len()
    }

    /// Takes the waiting rows `queue` picks.
    fn take_due<T>(&self, queue: impl FnOnce(&mut Pending) -> &mut Vec<T>) -> Vec<T> {
        std::mem::take(queue(&mut lock(&self.pending)))
    }

    /// Whether rows or holder counts wait to be written (writer only).
    pub(crate) fn has_pending(&self) -> bool {
        let p = lock(&self.pending);
        !(p.due.is_empty()
            && p.due_records.is_empty()
            && p.due_audit.is_empty()
            && p.holders.is_empty())
    }

    /// Adds `by` to the holder count of token row `tid` if the row waits to be written
    /// (writer only): `None` when it does not (its count is in the table). A persistent row
    /// no cell holds any more is dropped with its lookups: `Some(true)`.
    pub(crate) fn hold_due(&self, tid: i64, by: i64) -> Option<bool> {
        let mut p = lock(&self.pending);
        // Waiting rows are in issuing order, so by row id.
        let at = p.due.binary_search_by_key(&tid, DueToken::tid).ok()?;
        let row = &mut p.due[at];
        row.add_refs(by);
        if !row.unheld() {
            return Some(false);
        }
        let row = p.due.remove(at);
        let keys = [
            Some((Kind::Token, row.token_key())),
            row.value_key().map(|k| (Kind::Deterministic, k)),
        ];
        for (kind, k) in keys.into_iter().flatten() {
            let before = p.view[kind as usize].insert(k, None);
            if !p.marks.is_empty() {
                p.log.push((kind, k, before));
            }
        }
        drop(p);
        self.forget_text(tid);
        Some(true)
    }

    /// Takes the token rows waiting to be written (writer only).
    pub(crate) fn take_due_tokens(&self) -> Vec<DueToken> {
        self.take_due(|p| &mut p.due)
    }

    /// The holder counts to write now, in row order (taken off the pending ones): with
    /// `releases_only`, the counts that fell (the others keep waiting).
    pub(crate) fn take_holders(&self, releases_only: bool) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        lock(&self.pending).holders.retain(|&tid, &mut by| {
            let take = by < 0 || (by > 0 && !releases_only);
            if take {
                out.push((tid, by));
            }
            !take && by != 0
        });
        out.sort_unstable();
        out
    }

    /// The text of token row `tid`, if read lately.
    pub(crate) fn text(&self, tid: i64) -> Option<String> {
        lock(&self.texts).get(&tid).cloned()
    }

    /// Remembers the text of token row `tid`.
    pub(crate) fn remember_text(&self, tid: i64, text: &str) {
        let mut texts = lock(&self.texts);
        if texts.len() >= MAX_TEXTS {
            texts.clear();
        }
        texts.insert(tid, text.to_string());
    }

    /// Token row `tid` is deleted.
    pub(crate) fn forget_text(&self, tid: i64) {
        lock(&self.texts).remove(&tid);
    }

    /// The row of `k`: committed rows only for a reader, with the open group's changes for
    /// the writer.
    pub(crate) fn get(&self, kind: Kind, k: Key, writer: bool) -> Option<i64> {
        if writer && let Some(v) = lock(&self.pending).view[kind as usize].get(&k) {
            return *v;
        }
        self.committed.read().unwrap_or_else(|p| p.into_inner())[kind as usize]
            .get(&k)
            .copied()
    }

    /// Sets (or with `None`, removes) the row of `k` in the open group (writer only).
    pub(crate) fn set(&self, kind: Kind, k: Key, row: Option<i64>) {
        let mut p = lock(&self.pending);
        let before = p.view[kind as usize].insert(k, row);
        if !p.marks.is_empty() {
            p.log.push((kind, k, before));
        }
    }

    /// A new record row id (writer only).
    pub(crate) fn next_record(&self) -> i64 {
        let mut p = lock(&self.pending);
        p.next_record += 1;
        p.next_record - 1
    }

    /// A new `sky_columns` row id (writer only).
    pub(crate) fn next_column(&self) -> i64 {
        let mut p = lock(&self.pending);
        p.next_column += 1;
        p.next_column - 1
    }

    /// A new token row id (writer only).
    pub(crate) fn next_token(&self) -> i64 {
        let mut p = lock(&self.pending);
        p.next_token += 1;
        p.next_token - 1
    }

    /// A savepoint starts.
    pub(crate) fn mark(&self) {
        let mut p = lock(&self.pending);
        let at = p.log.len();
        p.marks.push(at);
    }

    /// The innermost savepoint is released: its changes stay with the enclosing one.
    pub(crate) fn release(&self) {
        let mut p = lock(&self.pending);
        p.marks.pop();
        if p.marks.is_empty() {
            p.log.clear();
        }
    }

    /// The innermost savepoint rolled back: its changes are undone (holder counts and rows
    /// not written yet are its own: they are written before a savepoint starts).
    pub(crate) fn rollback(&self) {
        let mut p = lock(&self.pending);
        p.drop_waiting();
        let Some(at) = p.marks.pop() else {
            return;
        };
        let undo: Vec<_> = p.log.drain(at..).rev().collect();
        for (kind, k, before) in undo {
            let view = &mut p.view[kind as usize];
            match before {
                Some(v) => view.insert(k, v),
                None => view.remove(&k),
            };
        }
    }

    /// The group committed: its changes become visible to readers.
    pub(crate) fn publish(&self) {
        let mut p = lock(&self.pending);
        let mut committed = self.committed.write().unwrap_or_else(|e| e.into_inner());
        for (kind, view) in p.view.iter_mut().enumerate() {
            let map = &mut committed[kind];
            for (k, v) in view.drain() {
                match v {
                    Some(id) => map.insert(k, id),
                    None => map.remove(&k),
                };
            }
        }
        p.log.clear();
        p.marks.clear();
    }

    /// The group's commit failed: its changes are dropped.
    pub(crate) fn discard(&self) {
        let mut p = lock(&self.pending);
        p.drop_waiting();
        for view in &mut p.view {
            view.clear();
        }
        p.log.clear();
        p.marks.clear();
    }

    /// How many keys of each kind are committed (tests and diagnostics).
    #[cfg(test)]
    pub(crate) fn len(&self, kind: Kind) -> usize {
        self.committed.read().unwrap_or_else(|p| p.into_inner())[kind as usize].len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_see_only_published_changes_and_rollbacks_undo_a_savepoint() {
        let ix = Index::new([(Kind::Token, 1, 10)], 1, 11);
        ix.mark();
        ix.set(Kind::Token, 2, Some(20));
        ix.set(Kind::Token, 1, None);
        assert_eq!(ix.get(Kind::Token, 2, true), Some(20));
        assert_eq!(ix.get(Kind::Token, 1, true), None);
        // Readers still see the committed state.
        assert_eq!(ix.get(Kind::Token, 2, false), None);
        assert_eq!(ix.get(Kind::Token, 1, false), Some(10));
        // A nested savepoint that fails is undone; the outer one's changes stay.
        ix.mark();
        ix.set(Kind::Token, 2, Some(21));
        ix.set(Kind::Token, 3, Some(30));
        ix.rollback();
        assert_eq!(ix.get(Kind::Token, 2, true), Some(20));
        assert_eq!(ix.get(Kind::Token, 3, true), None);
        ix.release();
        ix.publish();
        assert_eq!(ix.get(Kind::Token, 2, false), Some(20));
        assert_eq!(ix.get(Kind::Token, 1, false), None);
        assert_eq!(ix.len(Kind::Token), 1);
        // A failed commit drops the group's changes.
        ix.mark();
        ix.set(Kind::Record, 5, Some(50));
        ix.release();
        ix.discard();
        assert_eq!(ix.get(Kind::Record, 5, true), None);
        assert_eq!(ix.next_token(), 11);
        assert_eq!(ix.next_token(), 12);
    }

    #[test]
    fn a_waiting_token_row_takes_its_holder_counts_and_goes_when_no_cell_holds_it() {
        let ix = Index::new([], 1, 1);
        ix.mark();
        let (token_fp, value_fp) = ([1u8; 16], [2u8; 16]);
        for tid in [5, 6] {
            ix.defer_token(DueToken::held_once(tid, &[tid as u8; 16], None));
        }
        ix.defer_token(DueToken::held_once(7, &token_fp, Some(&value_fp)));
        ix.set(Kind::Token, key(&token_fp), Some(7));
        ix.set(Kind::Deterministic, key(&value_fp), Some(7));
        // Row 4 is not waiting: its count is the table's.
        assert_eq!(ix.hold_due(4, 1), None);
        // Two more cells hold row 7, then all three let it go.
        assert_eq!(ix.hold_due(7, 2), Some(false));
        assert_eq!(ix.hold_due(7, -3), Some(true));
        let due = ix.take_due_tokens();
        assert_eq!(due.iter().map(DueToken::tid).collect::<Vec<_>>(), [5, 6]);
        assert_eq!(ix.get(Kind::Token, key(&token_fp), true), None);
        assert_eq!(ix.get(Kind::Deterministic, key(&value_fp), true), None);
    }

    #[test]
    fn a_failed_write_restores_what_it_removed() {
        let ix = Index::new([(Kind::Unique, 7, 70)], 1, 1);
        ix.mark();
        ix.set(Kind::Unique, 7, None);
        ix.set(Kind::Unique, 7, Some(71));
        ix.rollback();
        assert_eq!(ix.get(Kind::Unique, 7, true), Some(70));
        ix.publish();
        assert_eq!(ix.get(Kind::Unique, 7, false), Some(70));
    }
}
