//! `sky_tokens` (one row per token: keyed hash and ciphertext of the token, its column group,
//! the issuing column, the encrypted value, for deterministic policies a keyed hash of the
//! value, and how many cells hold it) and `sky_cell_tokens` (which token a record's cell
//! holds). Linking and unlinking a cell keeps the token's count (`refs`) in step.

use rusqlite::{OptionalExtension, params};

use super::RecordStore;
use crate::engine::error::EngineResult;

/// A new token row.
pub(crate) struct TokenRow<'a> {
    pub token_fp: &'a [u8],
    pub token_ct: &'a [u8],
    pub group: &'a str,
    pub value_fp: Option<&'a [u8]>,
    pub table: &'a str,
    pub column: &'a str,
    pub value_ct: &'a [u8],
    pub expires_at: Option<i64>,
    /// How many cells hold it from the start (the caller links them).
    pub refs: i64,
}

/// What a token resolves to.
pub(crate) struct TokenTarget {
    pub table: String,
    pub column: String,
    pub value_ct: Vec<u8>,
    pub expires_at: Option<i64>,
}

impl RecordStore<'_> {
    /// The `(token_fp, token_ct)` of the deterministic token of value hash `value_fp` in
    /// `group`.
    pub(crate) fn deterministic_token(
        &self,
        group: &str,
        value_fp: &[u8],
    ) -> EngineResult<Option<(Vec<u8>, Vec<u8>)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT token_fp, token_ct FROM sky_tokens WHERE vault_id = ?1 AND group_name = ?2 AND value_fp = ?3",
            )?
            .query_row(params![self.vault_id, group, value_fp], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    /// Stores a token; false when its hash (or its deterministic value) is taken already.
    pub(crate) fn insert_token(&self, row: &TokenRow<'_>) -> EngineResult<bool> {
        let n = self
            .conn
            .prepare_cached(
                "INSERT INTO sky_tokens(vault_id, token_fp, token_ct, group_name, value_fp, table_name, column_name, value_ct, expires_at, refs)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING",
            )?
            .execute(params![
                self.vault_id,
                row.token_fp,
                row.token_ct,
                row.group,
                row.value_fp,
                row.table,
                row.column,
                row.value_ct,
                row.expires_at,
                row.refs
            ])?;
        Ok(n > 0)
    }

    /// What the token with hash `token_fp` resolves to.
    pub(crate) fn token_target(&self, token_fp: &[u8]) -> EngineResult<Option<TokenTarget>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT table_name, column_name, value_ct, expires_at FROM sky_tokens WHERE vault_id = ?1 AND token_fp = ?2",
            )?
            .query_row(params![self.vault_id, token_fp], |r| {
                Ok(TokenTarget {
                    table: r.get(0)?,
                    column: r.get(1)?,
                    value_ct: r.get(2)?,
                    expires_at: r.get(3)?,
                })
            })
            .optional()?)
    }

    /// Links cell (`sid`, `col`) to the token with hash `token_fp`, in place of the token it
    /// held (whose count of holders drops; dropping that token when unused is the caller's
    /// call) and counts the cell as the new token's holder.
    ///
    /// A cell of a record being created (`new_record`) holds no token yet: it is linked
    /// without looking for one, and the caller has counted it already (the token was stored
    /// with its first holder counted, or the caller used [`RecordStore::count_holders`]).
    pub(crate) fn link_cell(
        &self,
        table: &str,
        sid: &str,
        col: &str,
        token_fp: &[u8],
        new_record: bool,
    ) -> EngineResult<()> {
        let old = if new_record {
            None
        } else {
            self.cell_token_fp(table, sid, col)?
        };
        if old.as_deref() == Some(token_fp) {
            return Ok(());
        }
        self.conn
            .prepare_cached(
                "INSERT INTO sky_cell_tokens(vault_id, table_name, skyflow_id, column_name, token_fp) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(vault_id, table_name, skyflow_id, column_name) DO UPDATE SET token_fp = excluded.token_fp",
            )?
            .execute(params![self.vault_id, table, sid, col, token_fp])?;
        if let Some(old) = old {
            self.count_holders(&old, -1)?;
        }
        if new_record {
            return Ok(());
        }
        self.count_holders(token_fp, 1)
    }

    /// Adds `by` to the number of cells holding token `token_fp`.
    pub(crate) fn count_holders(&self, token_fp: &[u8], by: i64) -> EngineResult<()> {
        self.conn
            .prepare_cached(
                "UPDATE sky_tokens SET refs = refs + ?3 WHERE vault_id = ?1 AND token_fp = ?2",
            )?
            .execute(params![self.vault_id, token_fp, by])?;
        Ok(())
    }

    /// The token hash cell (`sid`, `col`) is linked to.
    pub(crate) fn cell_token_fp(
        &self,
        table: &str,
        sid: &str,
        col: &str,
    ) -> EngineResult<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT token_fp FROM sky_cell_tokens WHERE vault_id = ?1 AND table_name = ?2 AND skyflow_id = ?3 AND column_name = ?4",
            )?
            .query_row(params![self.vault_id, table, sid, col], |r| r.get(0))
            .optional()?)
    }

    /// Unlinks cell (`sid`, `col`) from its token.
    pub(crate) fn unlink_cell(&self, table: &str, sid: &str, col: &str) -> EngineResult<()> {
        let mut st = self.conn.prepare_cached(
            "DELETE FROM sky_cell_tokens WHERE vault_id = ?1 AND table_name = ?2 AND skyflow_id = ?3 AND column_name = ?4
             RETURNING token_fp",
        )?;
        let fps: Vec<Vec<u8>> = st
            .query_map(params![self.vault_id, table, sid, col], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for fp in &fps {
            self.count_holders(fp, -1)?;
        }
        Ok(())
    }

    /// Unlinks every cell of record `sid`; the token hashes they held.
    pub(crate) fn unlink_record_cells(&self, table: &str, sid: &str) -> EngineResult<Vec<Vec<u8>>> {
        let mut st = self.conn.prepare_cached(
            "DELETE FROM sky_cell_tokens WHERE vault_id = ?1 AND table_name = ?2 AND skyflow_id = ?3 RETURNING token_fp",
        )?;
        let fps: Vec<Vec<u8>> = st
            .query_map(params![self.vault_id, table, sid], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for fp in &fps {
            self.count_holders(fp, -1)?;
        }
        Ok(fps)
    }

    /// Deletes the persistent token `token_fp` when no cell holds it. Transient tokens (with
    /// an expiry) stay until their TTL.
    pub(crate) fn drop_token_if_unused(&self, token_fp: &[u8]) -> EngineResult<()> {
        self.conn
            .prepare_cached(
                "DELETE FROM sky_tokens WHERE vault_id = ?1 AND token_fp = ?2 AND expires_at IS NULL AND refs <= 0",
            )?
            .execute(params![self.vault_id, token_fp])?;
        Ok(())
    }

    /// The encrypted token with hash `token_fp`.
    pub(crate) fn token_ct(&self, token_fp: &[u8]) -> EngineResult<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT token_ct FROM sky_tokens WHERE vault_id = ?1 AND token_fp = ?2",
            )?
            .query_row(params![self.vault_id, token_fp], |r| r.get(0))
            .optional()?)
    }

    /// `(column, token_ct)` of every linked cell of record `sid`.
    pub(crate) fn record_cell_tokens(
        &self,
        table: &str,
        sid: &str,
    ) -> EngineResult<Vec<(String, Vec<u8>)>> {
        let mut st = self.conn.prepare_cached(
            "SELECT ct.column_name, t.token_ct FROM sky_cell_tokens ct
             JOIN sky_tokens t ON t.vault_id = ct.vault_id AND t.token_fp = ct.token_fp
             WHERE ct.vault_id = ?1 AND ct.table_name = ?2 AND ct.skyflow_id = ?3",
        )?;
        let rows = st
            .query_map(params![self.vault_id, table, sid], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}
