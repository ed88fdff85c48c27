//! `sky_records` (one encrypted blob per record) and `sky_unique` (keyed hashes of the values
//! of unique columns).

use rusqlite::{OptionalExtension, params};

use super::RecordStore;
use crate::engine::error::EngineResult;

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

impl RecordStore<'_> {
    /// The encrypted blob of record `sid`.
    pub(crate) fn record(&self, table: &str, sid: &str) -> EngineResult<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT data FROM sky_records WHERE vault_id = ?1 AND table_name = ?2 AND skyflow_id = ?3",
            )?
            .query_row(params![self.vault_id, table, sid], |r| r.get(0))
            .optional()?)
    }

    /// Stores the blob of record `sid`: a new record goes after the table's last one.
    pub(crate) fn put_record(
        &self,
        table: &str,
        sid: &str,
        blob: &[u8],
        now: i64,
        new: bool,
    ) -> EngineResult<()> {
        let sql = if new {
            "INSERT INTO sky_records(vault_id, table_name, skyflow_id, seq, created_at, updated_at, data)
             VALUES (?1, ?2, ?3,
               (SELECT COALESCE(MAX(seq), 0) + 1 FROM sky_records WHERE vault_id = ?1 AND table_name = ?2),
               ?4, ?4, ?5)"
        } else {
            "UPDATE sky_records SET updated_at = ?4, data = ?5 WHERE vault_id = ?1 AND table_name = ?2 AND skyflow_id = ?3"
        };
        self.conn
            .prepare_cached(sql)?
            .execute(params![self.vault_id, table, sid, now, blob])?;
        Ok(())
    }

    /// Deletes record `sid` with its unique entries and files; false if it did not exist.
    /// Its cells' tokens are the caller's to release first.
    pub(crate) fn delete_record(&self, table: &str, sid: &str) -> EngineResult<bool> {
        let n = self
            .conn
            .prepare_cached(
                "DELETE FROM sky_records WHERE vault_id = ?1 AND table_name = ?2 AND skyflow_id = ?3",
            )?
            .execute(params![self.vault_id, table, sid])?;
        if n == 0 {
            return Ok(false);
        }
        self.conn
            .prepare_cached(
                "DELETE FROM sky_unique WHERE vault_id = ?1 AND table_name = ?2 AND skyflow_id = ?3",
            )?
            .execute(params![self.vault_id, table, sid])?;
        self.delete_record_files(table, sid)?;
        Ok(true)
    }

    /// Every record id of `table`.
    pub(crate) fn record_ids(&self, table: &str) -> EngineResult<Vec<String>> {
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
        let sql = match order {
            RecordOrder::Inserted => {
                "SELECT skyflow_id, data FROM sky_records WHERE vault_id = ?1 AND table_name = ?2 ORDER BY seq ASC LIMIT ?3 OFFSET ?4"
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

    /// The record holding the value with keyed hash `fp` in unique column `col`.
    pub(crate) fn unique_owner(
        &self,
        table: &str,
        col: &str,
        fp: &[u8],
    ) -> EngineResult<Option<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT skyflow_id FROM sky_unique WHERE vault_id = ?1 AND table_name = ?2 AND column_name = ?3 AND fp = ?4",
            )?
            .query_row(params![self.vault_id, table, col, fp], |r| r.get(0))
            .optional()?)
    }

    /// Forgets the unique entry of cell (`sid`, `col`).
    pub(crate) fn clear_unique(&self, table: &str, col: &str, sid: &str) -> EngineResult<()> {
        self.conn
            .prepare_cached(
                "DELETE FROM sky_unique WHERE vault_id = ?1 AND table_name = ?2 AND column_name = ?3 AND skyflow_id = ?4",
            )?
            .execute(params![self.vault_id, table, col, sid])?;
        Ok(())
    }

    /// Records that cell (`sid`, `col`) holds the value with keyed hash `fp`.
    pub(crate) fn put_unique(
        &self,
        table: &str,
        col: &str,
        fp: &[u8],
        sid: &str,
    ) -> EngineResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO sky_unique(vault_id, table_name, column_name, fp, skyflow_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![self.vault_id, table, col, fp, sid])?;
        Ok(())
    }
}
