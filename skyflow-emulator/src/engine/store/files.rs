//! `sky_files`: the encrypted metadata and bytes of files in `DT_FILE` cells.

use rusqlite::{Connection, OptionalExtension, params};

use super::RecordStore;
use crate::engine::error::EngineResult;

/// A new file row (metadata and bytes already encrypted).
pub(crate) struct FileRow<'a> {
    pub file_id: &'a str,
    pub table: &'a str,
    pub sid: &'a str,
    pub column: &'a str,
    pub meta_ct: &'a [u8],
    pub data_ct: &'a [u8],
    pub now: i64,
}

/// `(meta_ct, data_ct)` of file `file_id`, whichever vault holds it (download URLs name only
/// the file).
pub(crate) fn file_blobs(
    c: &Connection,
    file_id: &str,
) -> EngineResult<Option<(Vec<u8>, Vec<u8>)>> {
    Ok(
        c.prepare_cached("SELECT meta, data FROM sky_files WHERE file_id = ?1")?
            .query_row(params![file_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?,
    )
}

impl RecordStore<'_> {
    /// The encrypted metadata of file `file_id` of this vault.
    pub(crate) fn file_meta(&self, file_id: &str) -> EngineResult<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT meta FROM sky_files WHERE file_id = ?1 AND vault_id = ?2")?
            .query_row(params![file_id, self.vault_id], |r| r.get(0))
            .optional()?)
    }

    /// Stores a file.
    pub(crate) fn insert_file(&self, row: &FileRow<'_>) -> EngineResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO sky_files(file_id, vault_id, table_name, skyflow_id, column_name, meta, data, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                row.file_id,
                self.vault_id,
                row.table,
                row.sid,
                row.column,
                row.meta_ct,
                row.data_ct,
                row.now
            ])?;
        Ok(())
    }

    /// Deletes the file of cell (`sid`, `col`); false if there was none.
    pub(crate) fn delete_cell_file(&self, table: &str, sid: &str, col: &str) -> EngineResult<bool> {
        let n = self
            .conn
            .prepare_cached(
                "DELETE FROM sky_files WHERE vault_id = ?1 AND table_name = ?2 AND skyflow_id = ?3 AND column_name = ?4",
            )?
            .execute(params![self.vault_id, table, sid, col])?;
        Ok(n > 0)
    }

    /// Whether cell (`sid`, `col`) holds a file.
    pub(crate) fn has_cell_file(&self, table: &str, sid: &str, col: &str) -> EngineResult<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT 1 FROM sky_files WHERE vault_id = ?1 AND table_name = ?2 AND skyflow_id = ?3 AND column_name = ?4",
            )?
            .query_row(params![self.vault_id, table, sid, col], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Deletes every file of record `sid`.
    pub(super) fn delete_record_files(&self, table: &str, sid: &str) -> EngineResult<()> {
        self.conn
            .prepare_cached(
                "DELETE FROM sky_files WHERE vault_id = ?1 AND table_name = ?2 AND skyflow_id = ?3",
            )?
            .execute(params![self.vault_id, table, sid])?;
        Ok(())
    }
}
