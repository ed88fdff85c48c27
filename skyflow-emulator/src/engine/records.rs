//! Records at rest: the encrypted record blob (one JSON object per record, bound to its
//! vault, table and id), the tokens its cells hold, and the unique index (keyed hashes of
//! unique values).

use rusqlite::Connection;
use serde_json::{Map, Value};

use super::error::{EngineError, EngineResult};
use super::ops::now_secs;
use super::schema::Table;
use super::store::{Cells, RecordRow};
use super::validate::canon;
use super::vault::Vault;

/// The associated data a record blob is sealed with: it binds the blob to its vault, table
/// and id (a blob copied elsewhere does not decrypt).
pub(crate) fn record_aad(vault: &str, table: &str, sid: &str) -> Vec<u8> {
    format!("rec|{vault}|{table}|{sid}").into_bytes()
}

/// A record being read or written: its values and the token each tokenized cell holds.
pub(crate) struct Record {
    pub sid: String,
    /// Its row in the store.
    pub rid: i64,
    /// Not stored yet.
    pub new: bool,
    pub data: Map<String, Value>,
    pub cells: Cells,
}

impl Vault {
    /// A new, empty record with id `sid` (inside a write).
    pub(crate) fn new_record(&self, c: &Connection, sid: String) -> Record {
        Record {
            sid,
            rid: self.rows(c).new_record_id(),
            new: true,
            data: Map::new(),
            cells: Cells::new(),
        }
    }

    pub(crate) fn load_record(
        &self,
        c: &Connection,
        table: &str,
        sid: &str,
    ) -> EngineResult<Option<Record>> {
        match self.rows(c).record(table, sid)? {
            None => Ok(None),
            Some(RecordRow { rid, blob, cells }) => Ok(Some(Record {
                sid: sid.to_string(),
                rid,
                new: false,
                data: self.decode_record(table, sid, &blob)?,
                cells,
            })),
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

    /// The encrypted blob of record `sid` of `table` holding `data`.
    pub(crate) fn seal_record(
        &self,
        table: &str,
        sid: &str,
        data: &Map<String, Value>,
    ) -> EngineResult<Vec<u8>> {
        let plain = serde_json::to_vec(data).map_err(|e| EngineError::internal(e.to_string()))?;
        Ok(self
            .inner
            .keys
            .encrypt(&record_aad(&self.vault.id, table, sid), &plain))
    }

    /// Stores `rec` (its values, its cells' tokens and the hashes of its unique values);
    /// `sealed` is its blob when sealed already (see [`Vault::seal_record`]).
    pub(crate) fn store_record(
        &self,
        c: &Connection,
        table: &Table,
        rec: Record,
        sealed: Option<Vec<u8>>,
    ) -> EngineResult<()> {
        let blob = match sealed {
            Some(blob) => blob,
            None => self.seal_record(&table.name, &rec.sid, &rec.data)?,
        };
        let unique: Vec<Vec<u8>> = table
            .columns
            .iter()
            .filter(|col| col.is_unique() && !col.is_skyflow_id())
            .filter_map(|col| {
                let v = rec.data.get(&col.spec.name)?;
                Some(self.unique_fp(&table.name, &col.spec.name, v))
            })
            .collect();
        let row = RecordRow {
            rid: rec.rid,
            blob,
            cells: rec.cells,
        };
        self.rows(c)
            .put_record(&table.name, &rec.sid, row, &unique, now_secs(), rec.new)
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
            .unique_owner(table, &self.unique_fp(table, col, v))
    }

    /// Moves the unique entry of `rec`'s cell in column `col` from value `old` to `new`; 400/9
    /// with Skyflow's exact message when another record holds `new`.
    pub(crate) fn set_unique(
        &self,
        c: &Connection,
        table: &str,
        col: &str,
        old: Option<&Value>,
        new: Option<&Value>,
        rec: &Record,
    ) -> EngineResult<()> {
        let rows = self.rows(c);
        if let Some(old) = old {
            rows.clear_unique(&self.unique_fp(table, col, old), rec.rid);
        }
        if let Some(v) = new {
            let fp = self.unique_fp(table, col, v);
            if rows.unique_row(&fp).is_some() {
                return Err(EngineError::unique_violation());
            }
            rows.put_unique(&fp, rec.rid);
        }
        Ok(())
    }
}
