//! Deletes: one record or many (or every record of a table), each releasing its cells'
//! tokens (a persistent token no cell holds any more goes with its last holder).

use rusqlite::Connection;

use super::audit::RequestContext;
use super::error::{EngineError, EngineResult};
use super::schema::Table;
use super::types::*;
use super::vault::Vault;

impl Vault {
    /// Deletes one record (its unique entries, persistent tokens and files); false if absent.
    pub(crate) fn delete_record(
        &self,
        c: &Connection,
        table: &Table,
        sid: &str,
    ) -> EngineResult<bool> {
        let rows = self.rows(c);
        let Some(cells) = rows.delete_record(&table.name, sid)? else {
            return Ok(false);
        };
        for tid in cells.values() {
            rows.release_token(*tid);
        }
        Ok(true)
    }

    /// Deletes records by id (`["*"]` deletes all rows of the table). Persistent tokens of the
    /// deleted values are removed when no other record uses them; transient tokens live on
    /// until their TTL. 404 when none of the ids exist.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let res = v.delete(&RequestContext::system(), "table1", DeleteRequest { skyflow_ids: vec!["*".into()] }).unwrap();
    /// assert_eq!(res.record_id_response, vec!["*"]);
    /// ```
    pub fn delete(
        &self,
        ctx: &RequestContext,
        table: &str,
        req: DeleteRequest,
    ) -> EngineResult<DeleteResponse> {
        let ev = self.event(
            "/v1.RecordService/BulkDeleteRecord",
            "DELETE",
            "RECORD",
            Some(table),
        );
        self.write_op(ctx, ev, |c, ev| {
            let t = self.table(table)?;
            if req.skyflow_ids.is_empty() {
                return Err(EngineError::invalid("Delete failed. skyflow_ids is empty."));
            }
            self.inner
                .config
                .limits
                .check_records(req.skyflow_ids.len(), "ids")?;
            if req.skyflow_ids.iter().any(|i| i == "*") {
                if req.skyflow_ids.len() > 1 {
                    return Err(EngineError::invalid(
                        "Delete failed. \"*\" must be the only id.",
                    ));
                }
                for id in &self.rows(c).record_ids(&t.name)? {
                    self.delete_record(c, t, id)?;
                }
                ev.resource_ids.push(format!("TABLE/{}", t.name));
                return Ok(DeleteResponse {
                    record_id_response: vec!["*".into()],
                });
            }
            let mut deleted = Vec::new();
            for id in &req.skyflow_ids {
                if self.delete_record(c, t, id)? {
                    ev.resource_ids.push(format!("RECORD/{id}"));
                    deleted.push(id.clone());
                }
            }
            if deleted.is_empty() {
                return Err(EngineError::no_records());
            }
            Ok(DeleteResponse {
                record_id_response: deleted,
            })
        })
    }

    /// Deletes one record.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// assert_eq!(v.delete_one(&RequestContext::system(), "table1", "missing").unwrap_err().http_code(), 404);
    /// ```
    pub fn delete_one(
        &self,
        ctx: &RequestContext,
        table: &str,
        id: &str,
    ) -> EngineResult<DeletedResponse> {
        let mut ev = self.event(
            "/v1.RecordService/DeleteRecord",
            "DELETE",
            "RECORD",
            Some(table),
        );
        ev.resource_ids.push(format!("RECORD/{id}"));
        self.write_op(ctx, ev, |c, _| {
            let t = self.table(table)?;
            if !self.delete_record(c, t, id)? {
                return Err(EngineError::no_records());
            }
            Ok(DeletedResponse {
                skyflow_id: id.to_string(),
                deleted: true,
            })
        })
    }
}
