//! Records at rest: the encrypted record blob (one JSON object per record, bound to its
//! vault, table and id) and the unique index (keyed hashes of unique values).

use rusqlite::Connection;
use serde_json::{Map, Value};

use super::error::{EngineError, EngineResult};
use super::ops::now_secs;
use super::validate::canon;
use super::vault::Vault;

/// The associated data a record blob is sealed with: it binds the blob to its vault, table
/// and id (a blob copied elsewhere does not decrypt).
pub(crate) fn record_aad(vault: &str, table: &str, sid: &str) -> Vec<u8> {
    format!("rec|{vault}|{table}|{sid}").into_bytes()
}

impl Vault {
    pub(crate) fn load_record(
        &self,
        c: &Connection,
        table: &str,
        sid: &str,
    ) -> EngineResult<Option<Map<String, Value>>> {
        match self.rows(c).record(table, sid)? {
            None => Ok(None),
            Some(b) => self.decode_record(table, sid, &b).map(Some),
        }
    }

    pub(crate) fn decode_record(
        &self,
        table: &str,
        sid: &str,
        blob: &[u8],
    ) -> EngineResult<Map<String, Value>> {
        let plain = self
            .inner
            .keys
            .decrypt(&record_aad(&self.vault.id, table, sid), blob)?;
        serde_json::from_slice(&plain)
            .map_err(|_| EngineError::internal("stored record is corrupt"))
    }

    pub(crate) fn store_record(
        &self,
        c: &Connection,
        table: &str,
        sid: &str,
        data: &Map<String, Value>,
        new: bool,
    ) -> EngineResult<()> {
        let plain = serde_json::to_vec(data).map_err(|e| EngineError::internal(e.to_string()))?;
        let blob = self
            .inner
            .keys
            .encrypt(&record_aad(&self.vault.id, table, sid), &plain);
        self.rows(c).put_record(table, sid, &blob, now_secs(), new)
    }

    pub(crate) fn unique_fp(&self, table: &str, col: &str, v: &Value) -> Vec<u8> {
        self.inner.keys.fingerprint(&[
            b"uniq",
            self.vault.id.as_bytes(),
            table.as_bytes(),
            col.as_bytes(),
            canon(v).as_bytes(),
        ])
    }

    /// The record holding `v` in unique column `col`.
    pub(crate) fn lookup_unique(
        &self,
        c: &Connection,
        table: &str,
        col: &str,
        v: &Value,
    ) -> EngineResult<Option<String>> {
        self.rows(c)
            .unique_owner(table, col, &self.unique_fp(table, col, v))
    }

    /// Sets the unique entry of cell (`sid`, `col`) to `v` (or none); 400/9 with Skyflow's
    /// exact message when another record holds `v`. A new record has no entry to clear.
    pub(crate) fn set_unique(
        &self,
        c: &Connection,
        table: &str,
        col: &str,
        v: Option<&Value>,
        sid: &str,
        is_new: bool,
    ) -> EngineResult<()> {
        let rows = self.rows(c);
        if !is_new {
            rows.clear_unique(table, col, sid)?;
        }
        if let Some(v) = v {
            let fp = self.unique_fp(table, col, v);
            if rows.unique_owner(table, col, &fp)?.is_some() {
                return Err(EngineError::unique_violation());
            }
            rows.put_unique(table, col, &fp, sid)?;
        }
        Ok(())
    }
}
