//! `sky_tokens`: one row per token, in issuing order (`tid`): keyed hash and ciphertext of
//! the token, its column group, the issuing column, the encrypted value, for deterministic
//! policies a keyed hash of the value, and how many cells hold it (`refs`). Tokens are found
//! by hash through the in-memory index; a record row names the token rows its cells hold.

use rusqlite::{OptionalExtension, params};

use super::RecordStore;
use super::index::{Kind, key};
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
    /// The `(row id, token_ct)` of the deterministic token of value hash `value_fp` in
    /// `group`.
    pub(crate) fn deterministic_token(
        &self,
        group: &str,
        value_fp: &[u8],
    ) -> EngineResult<Option<(i64, Vec<u8>)>> {
        let Some(tid) = self.find(Kind::Deterministic, key(value_fp)) else {
            return Ok(None);
        };
        Ok(self
            .conn
            .prepare_cached(
                "SELECT token_ct FROM sky_tokens WHERE tid = ?1 AND vault_id = ?2 AND group_name = ?3 AND value_fp = ?4",
            )?
            .query_row(params![tid, self.vault_id, group, value_fp], |r| {
                Ok((tid, r.get(0)?))
            })
            .optional()?)
    }

    /// Stores a token; its row id, or `None` when its hash (or its deterministic value) is
    /// taken already.
    pub(crate) fn insert_token(&self, row: &TokenRow<'_>) -> EngineResult<Option<i64>> {
        let token_key = key(row.token_fp);
        let value_key = row.value_fp.map(key);
        if self.find(Kind::Token, token_key).is_some()
            || value_key.is_some_and(|k| self.find(Kind::Deterministic, k).is_some())
        {
            return Ok(None);
        }
        let tid = self.store.index.next_token();
        self.conn
            .prepare_cached(
                "INSERT INTO sky_tokens(tid, vault_id, token_fp, token_ct, group_name, value_fp, table_name, column_name, value_ct, expires_at, refs)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                tid,
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
        self.map(Kind::Token, token_key, Some(tid));
        if let Some(k) = value_key {
            self.map(Kind::Deterministic, k, Some(tid));
        }
        Ok(Some(tid))
    }

    /// What the token with hash `token_fp` resolves to.
    pub(crate) fn token_target(&self, token_fp: &[u8]) -> EngineResult<Option<TokenTarget>> {
        let Some(tid) = self.find(Kind::Token, key(token_fp)) else {
            return Ok(None);
        };
        Ok(self
            .conn
            .prepare_cached(
                "SELECT table_name, column_name, value_ct, expires_at FROM sky_tokens WHERE tid = ?1 AND vault_id = ?2 AND token_fp = ?3",
            )?
            .query_row(params![tid, self.vault_id, token_fp], |r| {
                Ok(TokenTarget {
                    table: r.get(0)?,
                    column: r.get(1)?,
                    value_ct: r.get(2)?,
                    expires_at: r.get(3)?,
                })
            })
            .optional()?)
    }

    /// Adds `by` to the number of cells holding token row `tid`.
    pub(crate) fn count_holders(&self, tid: i64, by: i64) -> EngineResult<()> {
        self.conn
            .prepare_cached("UPDATE sky_tokens SET refs = refs + ?2 WHERE tid = ?1")?
            .execute(params![tid, by])?;
        Ok(())
    }

    /// One cell no longer holds token row `tid`: its count drops, and a persistent token no
    /// cell holds any more is deleted. Transient tokens (with an expiry) stay until their TTL.
    pub(crate) fn release_token(&self, tid: i64) -> EngineResult<()> {
        self.count_holders(tid, -1)?;
        let gone: Option<(Vec<u8>, Option<Vec<u8>>)> = self
            .conn
            .prepare_cached(
                "DELETE FROM sky_tokens WHERE tid = ?1 AND expires_at IS NULL AND refs <= 0 RETURNING token_fp, value_fp",
            )?
            .query_row(params![tid], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((token_fp, value_fp)) = gone {
            self.map(Kind::Token, key(&token_fp), None);
            if let Some(v) = value_fp {
                self.map(Kind::Deterministic, key(&v), None);
            }
        }
        Ok(())
    }

    /// The encrypted token of row `tid`.
    pub(crate) fn token_ct(&self, tid: i64) -> EngineResult<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT token_ct FROM sky_tokens WHERE tid = ?1 AND vault_id = ?2")?
            .query_row(params![tid, self.vault_id], |r| r.get(0))
            .optional()?)
    }
}
