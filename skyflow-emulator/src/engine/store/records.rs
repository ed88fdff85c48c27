//! `sky_records`: one row per record, in insertion order (`rid`), holding the encrypted
//! record, its cells' links to tokens (`cells`: column → token row id) and the keyed hashes
//! of its unique values (`uniq`). Records are found by id, and unique values by hash, through
//! the in-memory index. New rows wait in the open write and are written several per
//! statement ([`flush_records`]).

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};

use super::index::{Kind, key};
use super::{MOST_ROWS_PER_INSERT, MultiInsert, RecordStore, Store};
use crate::engine::crypto::{to_hex, unhex};
use crate::engine::error::{EngineError, EngineResult};

/// Which token row each tokenized cell of a record holds, by column.
pub(crate) type Cells = BTreeMap<String, i64>;

/// Order of a page of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordOrder {
    /// Insertion order.
    Inserted,
    /// By skyflow_id, ascending.
    IdAscending,
    /// By skyflow_id, descending.
    IdDescending,
}

/// A stored record.
pub(crate) struct RecordRow {
    pub rid: i64,
    pub blob: Vec<u8>,
    pub cells: Cells,
}

/// A record row added by the open write and not written yet: the values of its columns.
pub(crate) struct DueRecord {
    rid: i64,
    vault_id: String,
    table: String,
    sid: String,
    now: i64,
    blob: Vec<u8>,
    cells: Option<String>,
    uniq: Option<String>,
}

/// The multi-row INSERT of record rows (see [`flush_records`]).
static INSERT_RECORDS: MultiInsert<9> = MultiInsert::new("sky_records");

/// Writes the record rows the open write added and has not written yet, several per
/// statement. Runs before anything in the write reads, changes or lists record rows, and
/// before the write or a savepoint ends; a failure fails the write, which then rolls back
/// with the rows it wrote.
pub(crate) fn flush_records(conn: &rusqlite::Connection, store: &Store) -> EngineResult<()> {
    // The table's columns: rid, vault_id, table_name, skyflow_id, created_at, updated_at,
    // data, cells, uniq.
    INSERT_RECORDS.write(conn, &store.index.take_due_records(), |row| {
        [
            &row.rid,
            &row.vault_id,
            &row.table,
            &row.sid,
            &row.now,
            &row.now,
            &row.blob,
            &row.cells,
            &row.uniq,
        ]
    })
}

/// The unique hashes of a `uniq` column (a JSON array of hex strings).
pub(super) fn unique_hashes(json: &str) -> EngineResult<Vec<Vec<u8>>> {
    let hexes: Vec<String> = serde_json::from_str(json)
        .map_err(|_| EngineError::internal("stored record is corrupt"))?;
    hexes
        .iter()
        .map(|h| unhex(h).ok_or_else(|| EngineError::internal("stored record is corrupt")))
        .collect()
}

fn parse_cells(json: Option<String>) -> EngineResult<Cells> {
    match json {
        None => Ok(Cells::new()),
        Some(j) => {
            serde_json::from_str(&j).map_err(|_| EngineError::internal("stored record is corrupt"))
        }
    }
}

impl RecordStore<'_> {
    /// The row id of record `sid`.
    fn record_rid(&self, table: &str, sid: &str) -> Option<i64> {
        self.find(Kind::Record, self.record_key(table, sid))
    }

    /// Writes the record rows waiting in the open write (on the writer), before a statement
    /// that reads or changes record rows.
    fn flush(&self) -> EngineResult<()> {
        if self.writer {
            flush_records(self.conn, self.store)?;
        }
        Ok(())
    }

    /// Record `sid` of `table`.
    pub(crate) fn record(&self, table: &str, sid: &str) -> EngineResult<Option<RecordRow>> {
        let Some(rid) = self.record_rid(table, sid) else {
            return Ok(None);
        };
        self.flush()?;
        let row = self
            .conn
            .prepare_cached(
                "SELECT vault_id, table_name, skyflow_id, data, cells FROM sky_records WHERE rid = ?1",
            )?
            .query_row(params![rid], |r| {
                let same = r.get_ref(0)?.as_str()? == self.vault_id
                    && r.get_ref(1)?.as_str()? == table
                    && r.get_ref(2)?.as_str()? == sid;
                Ok(same.then(|| (r.get::<_, Vec<u8>>(3), r.get::<_, Option<String>>(4))))
            })
            .optional()?
            .flatten();
        match row {
            None => Ok(None),
            Some((blob, cells)) => Ok(Some(RecordRow {
                rid,
                blob: blob?,
                cells: parse_cells(cells?)?,
            })),
        }
    }

    /// A row id for a new record (writer only).
    pub(crate) fn new_record_id(&self) -> i64 {
        self.store.index.next_record()
    }

    /// Stores record `sid` (row `row.rid`; `new`: not stored yet) with its cells' links and
    /// the hashes of its unique values. A new row is written with the next ones
    /// ([`flush_records`]); its lookup counts at once.
    pub(crate) fn put_record(
        &self,
        table: &str,
        sid: &str,
        row: RecordRow,
        unique: &[Vec<u8>],
        now: i64,
        new: bool,
    ) -> EngineResult<()> {
        let cells = if row.cells.is_empty() {
            None
        } else {
            Some(
                serde_json::to_string(&row.cells)
                    .map_err(|e| EngineError::internal(e.to_string()))?,
            )
        };
        let uniq = if unique.is_empty() {
            None
        } else {
            let hexes: Vec<String> = unique.iter().map(|u| to_hex(u)).collect();
            Some(serde_json::to_string(&hexes).map_err(|e| EngineError::internal(e.to_string()))?)
        };
        if new {
            let due = self.store.index.defer_record(DueRecord {
                rid: row.rid,
                vault_id: self.vault_id.to_owned(),
                table: table.to_owned(),
                sid: sid.to_owned(),
                now,
                blob: row.blob,
                cells,
                uniq,
            });
            if due >= MOST_ROWS_PER_INSERT {
                flush_records(self.conn, self.store)?;
            }
            self.map(Kind::Record, self.record_key(table, sid), Some(row.rid));
        } else {
            self.flush()?;
            self.conn
                .prepare_cached(
                    "UPDATE sky_records SET updated_at = ?2, data = ?3, cells = ?4, uniq = ?5 WHERE rid = ?1",
                )?
                .execute(params![row.rid, now, row.blob, cells, uniq])?;
        }
        Ok(())
    }

    /// Deletes record `sid` with its unique entries and files; the cells' links it held (the
    /// caller releases those tokens), or `None` if it did not exist.
    pub(crate) fn delete_record(&self, table: &str, sid: &str) -> EngineResult<Option<Cells>> {
        let Some(rid) = self.record_rid(table, sid) else {
            return Ok(None);
        };
        self.flush()?;
        let gone: Option<(Option<String>, Option<String>)> = self
            .conn
            .prepare_cached(
                "DELETE FROM sky_records WHERE rid = ?1 AND vault_id = ?2 AND table_name = ?3 AND skyflow_id = ?4
                 RETURNING cells, uniq",
            )?
            .query_row(params![rid, self.vault_id, table, sid], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((cells, uniq)) = gone else {
            return Ok(None);
        };
        self.map(Kind::Record, self.record_key(table, sid), None);
        if let Some(u) = uniq {
            for fp in unique_hashes(&u)? {
                self.clear_unique(&fp, rid);
            }
        }
        self.delete_record_files(table, sid)?;
        Ok(Some(parse_cells(cells)?))
    }

    /// Every record id of `table`.
    pub(crate) fn record_ids(&self, table: &str) -> EngineResult<Vec<String>> {
        self.flush()?;
        let mut st = self.conn.prepare_cached(
            "SELECT skyflow_id FROM sky_records WHERE vault_id = ?1 AND table_name = ?2",
        )?;
        let ids = st
            .query_map(params![self.vault_id, table], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// A page of `(skyflow_id, blob)` of `table`.
    pub(crate) fn records_page(
        &self,
        table: &str,
        order: RecordOrder,
        limit: usize,
        offset: usize,
    ) -> EngineResult<Vec<(String, Vec<u8>)>> {
        self.flush()?;
        let sql = match order {
            RecordOrder::Inserted => {
                "SELECT skyflow_id, data FROM sky_records WHERE vault_id = ?1 AND table_name = ?2 ORDER BY rid ASC LIMIT ?3 OFFSET ?4"
            }
            RecordOrder::IdAscending => {
                "SELECT skyflow_id, data FROM sky_records WHERE vault_id = ?1 AND table_name = ?2 ORDER BY skyflow_id ASC LIMIT ?3 OFFSET ?4"
            }
            RecordOrder::IdDescending => {
                "SELECT skyflow_id, data FROM sky_records WHERE vault_id = ?1 AND table_name = ?2 ORDER BY skyflow_id DESC LIMIT ?3 OFFSET ?4"
            }
        };
        let mut st = self.conn.prepare_cached(sql)?;
        let rows = st
            .query_map(
                params![self.vault_id, table, limit as i64, offset as i64],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The id of the record holding the unique value with keyed hash `fp` in `table`.
    pub(crate) fn unique_owner(&self, table: &str, fp: &[u8]) -> EngineResult<Option<String>> {
        let Some(rid) = self.unique_row(fp) else {
            return Ok(None);
        };
        self.flush()?;
        Ok(self
            .conn
            .prepare_cached(
                "SELECT skyflow_id FROM sky_records WHERE rid = ?1 AND vault_id = ?2 AND table_name = ?3",
            )?
            .query_row(params![rid, self.vault_id, table], |r| r.get(0))
            .optional()?)
    }

    /// The row of the record holding the unique value with keyed hash `fp`.
    pub(crate) fn unique_row(&self, fp: &[u8]) -> Option<i64> {
        self.find(Kind::Unique, key(fp))
    }

    /// Forgets that record row `rid` holds the unique value with hash `fp`.
    pub(crate) fn clear_unique(&self, fp: &[u8], rid: i64) {
        if self.unique_row(fp) == Some(rid) {
            self.map(Kind::Unique, key(fp), None);
        }
    }

    /// Records that record row `rid` holds the unique value with hash `fp`.
    pub(crate) fn put_unique(&self, fp: &[u8], rid: i64) {
        self.map(Kind::Unique, key(fp), Some(rid));
    }
}
