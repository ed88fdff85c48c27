//! `sky_tokens`: one row per token, in issuing order (`tid`): keyed hash and ciphertext of
//! the token, the issuing column with its column group (a row of `sky_columns`), the
//! encrypted value, for deterministic policies a keyed hash of the value, and how many cells
//! hold it (`refs`). Tokens are found by hash through the in-memory index; a record row names
//! the token rows its cells hold. A row keeps the first [`FP_LEN`] bytes of each keyed hash:
//! the bytes the index maps, so a lookup checks the row against all it knows. New rows wait
//! in the open write and are written several per statement ([`flush_tokens`]).

use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, params};

use super::index::{Key, Kind, key};
use super::{MOST_ROWS_PER_INSERT, MultiInsert, RecordStore, Store};
use crate::engine::error::EngineResult;

/// Bytes of a keyed hash a token row keeps.
const FP_LEN: usize = 16;

/// The bytes of keyed hash `fp` a token row keeps.
fn short(fp: &[u8]) -> &[u8] {
    &fp[..fp.len().min(FP_LEN)]
}

/// A new token row.
pub(crate) struct TokenRow<'a> {
    pub token_fp: &'a [u8],
    pub token_ct: Vec<u8>,
    pub group: &'a str,
    pub value_fp: Option<&'a [u8]>,
    pub table: &'a str,
    pub column: &'a str,
    pub value_ct: Vec<u8>,
    pub expires_at: Option<i64>,
    /// How many cells hold it from the start (the caller links them).
    pub refs: i64,
}

/// A token row issued by the open write and not written yet: the values of its columns.
pub(crate) struct DueToken {
    tid: i64,
    col: i64,
    token_fp: Short,
    token_ct: Vec<u8>,
    value_fp: Option<Short>,
    value_ct: Vec<u8>,
    expires_at: Option<i64>,
    refs: i64,
}

/// The bytes of a keyed hash a token row keeps, held without an allocation.
struct Short {
    bytes: [u8; FP_LEN],
    len: usize,
}

impl DueToken {
    /// A persistent row of token hash `token_fp` held by one cell (tests of the index).
    #[cfg(test)]
    pub(super) fn held_once(tid: i64, token_fp: &[u8], value_fp: Option<&[u8]>) -> DueToken {
        DueToken {
            tid,
            col: 1,
            token_fp: Short::new(token_fp),
            token_ct: Vec::new(),
            value_fp: value_fp.map(Short::new),
            value_ct: Vec::new(),
            expires_at: None,
            refs: 1,
        }
    }

    pub(super) fn tid(&self) -> i64 {
        self.tid
    }

    pub(super) fn add_refs(&mut self, by: i64) {
        self.refs += by;
    }

    /// A persistent row no cell holds.
    pub(super) fn unheld(&self) -> bool {
        self.expires_at.is_none() && self.refs <= 0
    }

    pub(super) fn token_key(&self) -> Key {
        key(self.token_fp.as_slice())
    }

    pub(super) fn value_key(&self) -> Option<Key> {
        self.value_fp.as_ref().map(|v| key(v.as_slice()))
    }
}

impl Short {
    fn new(fp: &[u8]) -> Short {
        let kept = short(fp);
        let mut bytes = [0u8; FP_LEN];
        bytes[..kept.len()].copy_from_slice(kept);
        Short {
            bytes,
            len: kept.len(),
        }
    }

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Stored as a blob of the bytes kept.
impl ToSql for Short {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Blob(self.as_slice())))
    }
}

/// The multi-row INSERT of token rows (see [`flush_tokens`]).
static INSERT_TOKENS: MultiInsert<8> = MultiInsert::new("sky_tokens");

/// Writes the token rows the open write issued and has not written yet, several per
/// statement ([`MultiInsert`]: one statement per row was a third of the writer's time in a
/// bulk insert, mostly spent entering and leaving the statement rather than storing the
/// row). Runs before anything reads or counts token rows in the write, and before the write
/// or a savepoint ends; a failure fails the write, which then rolls back with the rows it
/// wrote.
pub(crate) fn flush_tokens(conn: &Connection, store: &Store) -> EngineResult<()> {
    INSERT_TOKENS.write(conn, &store.index.take_due_tokens(), |row| {
        [
            &row.tid,
            &row.col,
            &row.token_fp,
            &row.token_ct,
            &row.value_fp,
            &row.value_ct,
            &row.expires_at,
            &row.refs,
        ]
    })
}

/// What a token resolves to.
pub(crate) struct TokenTarget {
    pub table: String,
    pub column: String,
    pub value_ct: Vec<u8>,
    pub expires_at: Option<i64>,
}

impl RecordStore<'_> {
    /// The row of the deterministic token of the value with keyed hash `value_fp` (the hash
    /// is scoped to the vault and column group).
    pub(crate) fn deterministic_token(&self, value_fp: &[u8]) -> Option<i64> {
        self.find(Kind::Deterministic, key(value_fp))
    }

    /// Stores a token; its row id, or `None` when its hash is taken already. A deterministic
    /// value must have no token yet (the caller looked: [`RecordStore::deterministic_token`]).
    /// The row itself is written with the next ones ([`flush_tokens`]); its lookups count at
    /// once.
    pub(crate) fn insert_token(&self, row: TokenRow<'_>) -> EngineResult<Option<i64>> {
        let token_key = key(row.token_fp);
        let value_key = row.value_fp.map(key);
        if self.find(Kind::Token, token_key).is_some() {
            return Ok(None);
        }
        let col = self.column(row.table, row.column, row.group)?;
        let tid = self.store.index.next_token();
        let due = self.store.index.defer_token(DueToken {
            tid,
            col,
            token_fp: Short::new(row.token_fp),
            token_ct: row.token_ct,
            value_fp: row.value_fp.map(Short::new),
            value_ct: row.value_ct,
            expires_at: row.expires_at,
            refs: row.refs,
        });
        if due >= MOST_ROWS_PER_INSERT {
            flush_tokens(self.conn, self.store)?;
        }
        self.map(Kind::Token, token_key, Some(tid));
        if let Some(k) = value_key {
            self.map(Kind::Deterministic, k, Some(tid));
        }
        Ok(Some(tid))
    }

    /// The `sky_columns` row of `column` of `table` in column group `group` (of this vault),
    /// added with the open write when new.
    fn column(&self, table: &str, column: &str, group: &str) -> EngineResult<i64> {
        let (k, known) =
            (self.store.index).column(&self.store.keys, [self.vault_id, table, column, group]);
        if let Some(col) = known {
            return Ok(col);
        }
        let col = self.store.index.next_column();
        self.conn
            .prepare_cached(
                "INSERT INTO sky_columns(col, vault_id, table_name, column_name, group_name) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![col, self.vault_id, table, column, group])?;
        self.map(Kind::Column, k, Some(col));
        Ok(col)
    }

    /// What the token with hash `token_fp` resolves to.
    pub(crate) fn token_target(&self, token_fp: &[u8]) -> EngineResult<Option<TokenTarget>> {
        let Some(tid) = self.find(Kind::Token, key(token_fp)) else {
            return Ok(None);
        };
        if self.writer {
            flush_tokens(self.conn, self.store)?;
        }
        Ok(self
            .conn
            .prepare_cached(
                "SELECT c.table_name, c.column_name, t.value_ct, t.expires_at FROM sky_tokens t JOIN sky_columns c ON c.col = t.col
                 WHERE t.tid = ?1 AND c.vault_id = ?2 AND t.token_fp = ?3",
            )?
            .query_row(params![tid, self.vault_id, short(token_fp)], |r| {
                Ok(TokenTarget {
                    table: r.get(0)?,
                    column: r.get(1)?,
                    value_ct: r.get(2)?,
                    expires_at: r.get(3)?,
                })
            })
            .optional()?)
    }

    /// One more cell holds token row `tid` (written with the write's other counts, see
    /// [`flush_pending`]).
    pub(crate) fn hold_token(&self, tid: i64) {
        self.store.index.hold(tid, 1);
    }

    /// One cell no longer holds token row `tid`: when the write's counts are written, a
    /// persistent token no cell holds any more is deleted. Transient tokens (with an expiry)
    /// stay until their TTL.
    pub(crate) fn release_token(&self, tid: i64) {
        self.store.index.hold(tid, -1);
    }

    /// The text of token row `tid`, if read lately.
    pub(crate) fn cached_text(&self, tid: i64) -> Option<String> {
        self.store.index.text(tid)
    }

    /// Remembers the text of token row `tid`.
    pub(crate) fn remember_text(&self, tid: i64, text: &str) {
        self.store.index.remember_text(tid, text);
    }

    /// The encrypted token of row `tid`.
    pub(crate) fn token_ct(&self, tid: i64) -> EngineResult<Option<Vec<u8>>> {
        if self.writer {
            flush_tokens(self.conn, self.store)?;
        }
        Ok(self
            .conn
            .prepare_cached(
                "SELECT t.token_ct FROM sky_tokens t JOIN sky_columns c ON c.col = t.col WHERE t.tid = ?1 AND c.vault_id = ?2",
            )?
            .query_row(params![tid, self.vault_id], |r| r.get(0))
            .optional()?)
    }
}

/// Writes everything waiting in the open write: holder counts, then rows (records, tokens,
/// audit events).
pub(crate) fn flush_pending(conn: &Connection, store: &Store) -> EngineResult<()> {
    if store.index.has_pending() {
        write_holders(conn, store, false)?;
        super::records::flush_records(conn, store)?;
        flush_tokens(conn, store)?;
        super::audit::flush_audit(conn, store)?;
    }
    Ok(())
}

/// Writes the holder counts that fell in the open write and deletes the persistent tokens
/// no cell holds any more (with their lookups), so a released token stops resolving when
/// its write ends. Runs when a write or a savepoint ends. The counts that rose wait, like
/// new rows, to be written outside the write's savepoint ([`flush_pending`]): an UPDATE in a
/// savepoint journals the whole page it changes.
pub(crate) fn write_releases(conn: &Connection, store: &Store) -> EngineResult<()> {
    write_holders(conn, store, true)
}

/// Writes the holder counts the open write changed (with `releases_only`, those that
/// fell). A token row still waiting to be written takes its count (or its deletion) in
/// memory.
fn write_holders(conn: &Connection, store: &Store, releases_only: bool) -> EngineResult<()> {
    for (tid, by) in store.index.take_holders(releases_only) {
        if store.index.hold_due(tid, by).is_some() {
            continue;
        }
        conn.prepare_cached("UPDATE sky_tokens SET refs = refs + ?2 WHERE tid = ?1")?
            .execute(params![tid, by])?;
        if by > 0 {
            continue;
        }
        let gone: Option<(Vec<u8>, Option<Vec<u8>>)> = conn
            .prepare_cached(
                "DELETE FROM sky_tokens WHERE tid = ?1 AND expires_at IS NULL AND refs <= 0 RETURNING token_fp, value_fp",
            )?
            .query_row(params![tid], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((token_fp, value_fp)) = gone {
            store.index.set(Kind::Token, key(&token_fp), None);
            if let Some(v) = value_fp {
                store.index.set(Kind::Deterministic, key(&v), None);
            }
            store.index.forget_text(tid);
        }
    }
    Ok(())
}
