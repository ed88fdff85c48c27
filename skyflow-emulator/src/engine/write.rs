//! Writes: insert (with upsert and BYOT), update and delete, one record or many, and the
//! lifecycle of each cell's token as values come, change and go.

use rusqlite::Connection;
use serde_json::{Map, Value};

use super::audit::RequestContext;
use super::error::{EngineError, EngineResult};
use super::records::Record;
use super::schema::{Column, Table};
use super::store::Cells;
use super::types::*;
use super::validate::invalid_field;
use super::vault::Vault;

/// Options of one insert.
pub(crate) struct InsertOpts<'a> {
    pub tokenization: bool,
    pub upsert: Option<&'a str>,
    pub byot: ByotMode,
}

impl Vault {
    /// Inserts (or upserts) one record inside the caller's transaction.
    pub(crate) fn insert_one(
        &self,
        c: &Connection,
        table: &Table,
        rec: &RecordInput,
        opts: &InsertOpts<'_>,
        at: &str,
    ) -> EngineResult<InsertedRecord> {
        let tokens = self.byot_tokens(rec, opts.byot, at)?;
        let mut values: Vec<(&Column, Option<Value>)> = Vec::new();
        for (k, v) in &rec.fields {
            let col = table
                .column(k)
                .filter(|c| !c.is_skyflow_id())
                .ok_or_else(|| EngineError::invalid_insert_column(k))?;
            values.push((col, self.normalize(table, col, v, at)?));
        }
        for col in table.columns.iter().filter(|c| c.not_null) {
            if !col.is_skyflow_id()
                && !values
                    .iter()
                    .any(|(c, v)| c.name == col.name && v.is_some())
            {
                return Err(EngineError::invalid(format!(
                    "{at}Column {} is required",
                    col.name
                )));
            }
        }
        let mut existing: Option<Record> = None;
        if let Some(up) = opts.upsert {
            let ucol = table
                .column(up)
                .filter(|c| c.unique && !c.is_skyflow_id())
                .ok_or_else(|| {
                    EngineError::invalid(format!(
                        "{at}Upsert column {up} is not a unique column of table {}",
                        table.name
                    ))
                })?;
            let v = values
                .iter()
                .find(|(c, _)| c.name == ucol.name)
                .and_then(|(_, v)| v.clone())
                .ok_or_else(|| {
                    EngineError::invalid(format!(
                        "{at}Upsert column {up} needs a value in every record"
                    ))
                })?;
            if let Some(sid) = self.lookup_unique(c, &table.name, up, &v)? {
                existing = self.load_record(c, &table.name, &sid)?;
            }
        }
        let mut rec = match existing {
            Some(rec) => rec,
            None => self.new_record(c),
        };
        let out_tokens = self.write_cells(c, table, &mut rec, &values, tokens, at)?;
        let skyflow_id = rec.sid.clone();
        self.store_record(c, table, rec)?;
        Ok(InsertedRecord {
            skyflow_id,
            tokens: opts.tokenization.then_some(out_tokens),
        })
    }

    /// Inserts records into `table` (one transaction: all or nothing). Honours tokenization,
    /// upsert on a unique column, homogeneous and BYOT. Errors: unknown table (400) or column
    /// (400 `Insert failed. Column <c> is invalid. Specify a valid column.`), validation
    /// failures (400), duplicate unique values (400/9 with Skyflow's exact message), BYOT rule
    /// violations (400), too many records (400).
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let req: InsertRequest = serde_json::from_value(serde_json::json!({
    ///     "records": [{"fields": {"email": "a@b.com"}}], "tokenization": true})).unwrap();
    /// let res = v.insert(&RequestContext::system(), "table1", req).unwrap();
    /// assert!(res.records[0].tokens.as_ref().unwrap().contains_key("email"));
    /// ```
    pub fn insert(
        &self,
        ctx: &RequestContext,
        table: &str,
        req: InsertRequest,
    ) -> EngineResult<InsertResponse> {
        let ev = self.event(
            "/v1.RecordService/InsertRecord",
            "CREATE",
            "RECORD",
            Some(table),
        );
        self.write_op(ctx, ev, |c, ev| {
            let t = self.table(table)?;
            if req.records.is_empty() {
                return Err(EngineError::invalid(
                    "Insert failed. No records were provided.",
                ));
            }
            self.inner
                .config
                .limits
                .check_records(req.records.len(), "records")?;
            let byot = req.byot.unwrap_or_default();
            if req.homogeneous.unwrap_or(false) {
                if req.upsert.is_some() {
                    return Err(EngineError::invalid(
                        "Insert failed. homogeneous can't be used with upsert.",
                    ));
                }
                let first: Vec<&String> = req.records[0].fields.keys().collect();
                if req
                    .records
                    .iter()
                    .any(|r| r.fields.keys().collect::<Vec<_>>() != first)
                {
                    return Err(EngineError::invalid(
                        "Insert failed. homogeneous is true but the records have different fields.",
                    ));
                }
            }
            if byot == ByotMode::Enable
                && req
                    .records
                    .iter()
                    .all(|r| r.tokens.as_ref().is_none_or(|t| t.is_empty()))
            {
                return Err(EngineError::invalid(
                    "Insert failed. byot is ENABLE but no tokens were given.",
                ));
            }
            let opts = InsertOpts {
                tokenization: req.tokenization.unwrap_or(false),
                upsert: req.upsert.as_deref(),
                byot,
            };
            let mut out = Vec::with_capacity(req.records.len());
            for (i, rec) in req.records.iter().enumerate() {
                let at = if req.records.len() > 1 {
                    format!("Insert failed for record {i}. ")
                } else {
                    String::new()
                };
                let r = self.insert_one(c, t, rec, &opts, &at)?;
                ev.resource_ids.push(format!("RECORD/{}", r.skyflow_id));
                out.push(r);
            }
            Ok(InsertResponse { records: out })
        })
    }

    /// Updates one record inside the caller's transaction.
    pub(crate) fn update_one(
        &self,
        c: &Connection,
        table: &Table,
        sid: &str,
        rec: &RecordInput,
        byot: ByotMode,
        tokenization: bool,
    ) -> EngineResult<UpdateResponse> {
        let mut stored = self
            .load_record(c, &table.name, sid)?
            .ok_or_else(EngineError::no_records)?;
        if byot == ByotMode::Enable && rec.tokens.as_ref().is_none_or(|t| t.is_empty()) {
            return Err(EngineError::invalid(
                "Update failed. byot is ENABLE but no tokens were given.",
            ));
        }
        let tokens = self.byot_tokens(rec, byot, "")?;
        let mut values = Vec::new();
        for (k, v) in &rec.fields {
            if k == "skyflow_id" {
                continue;
            }
            let col = table.column(k).ok_or_else(|| invalid_field(k))?;
            values.push((col, self.normalize(table, col, v, "")?));
        }
        let out_tokens = self.write_cells(c, table, &mut stored, &values, tokens, "")?;
        self.store_record(c, table, stored)?;
        Ok(UpdateResponse {
            skyflow_id: sid.to_string(),
            tokens: tokenization.then_some(out_tokens),
        })
    }

    /// Updates the given fields of record `id` (each field replaced whole; new tokens issued
    /// for changed values; transient TTLs restart).
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let err = v.update(&RequestContext::system(), "table1", "missing", UpdateRequest::default()).unwrap_err();
    /// assert_eq!(err.http_code(), 404);
    /// ```
    pub fn update(
        &self,
        ctx: &RequestContext,
        table: &str,
        id: &str,
        req: UpdateRequest,
    ) -> EngineResult<UpdateResponse> {
        let mut ev = self.event(
            "/v1.RecordService/UpdateRecord",
            "UPDATE",
            "RECORD",
            Some(table),
        );
        ev.resource_ids.push(format!("RECORD/{id}"));
        self.write_op(ctx, ev, |c, _| {
            let t = self.table(table)?;
            self.update_one(
                c,
                t,
                id,
                &req.record,
                req.byot.unwrap_or_default(),
                req.tokenization.unwrap_or(false),
            )
        })
    }

    /// Writes the cells of one record (its values, its tokens and unique entries); returns
    /// column → token of the tokenized cells.
    fn write_cells(
        &self,
        c: &Connection,
        table: &Table,
        rec: &mut Record,
        values: &[(&Column, Option<Value>)],
        tokens: Option<&FieldMap>,
        at: &str,
    ) -> EngineResult<Map<String, Value>> {
        let mut out = Map::new();
        for (col, v) in values {
            let byot = tokens
                .and_then(|t| t.get(&col.name))
                .and_then(Value::as_str);
            if byot.is_some() && col.token_policy.is_none() {
                return Err(EngineError::invalid(format!(
                    "{at}Column {} does not support tokens",
                    col.name
                )));
            }
            if v.is_none() && col.not_null {
                return Err(EngineError::invalid(format!(
                    "{at}Column {} is required",
                    col.name
                )));
            }
            let old = if col.unique {
                rec.data.get(&col.name).cloned()
            } else {
                None
            };
            if let Some(tok) = self.write_cell(c, table, col, rec, v.as_ref(), byot, at)? {
                out.insert(col.name.clone(), Value::String(tok));
            }
            if col.unique {
                // Skyflow's exact message, without the record index.
                self.set_unique(c, &table.name, &col.name, old.as_ref(), v.as_ref(), rec)?;
            }
        }
        Ok(out)
    }

    /// Writes one cell and settles its token (the emulator's token lifecycle, see the crate
    /// docs):
    /// - the cell's current value written again keeps the cell's token (any persistent
    ///   policy), unless a BYOT token asks for another;
    /// - otherwise the value gets its token: the group's token of that value (deterministic),
    ///   or a new one (random, transient, BYOT);
    /// - the token the cell held before is dropped when no cell holds it any more, so it
    ///   never resolves to a value it was not issued for.
    #[allow(clippy::too_many_arguments)]
    fn write_cell(
        &self,
        c: &Connection,
        table: &Table,
        col: &Column,
        rec: &mut Record,
        v: Option<&Value>,
        byot: Option<&str>,
        at: &str,
    ) -> EngineResult<Option<String>> {
        let Some(v) = v else {
            rec.data.remove(&col.name);
            self.release_cell(c, &mut rec.cells, &col.name)?;
            return Ok(None);
        };
        let unchanged = rec.data.get(&col.name) == Some(v);
        if !col.is_transient() {
            rec.data.insert(col.name.clone(), v.clone());
        }
        if col.token_policy.is_none() {
            return Ok(None);
        }
        if let Some(&tid) = rec.cells.get(&col.name)
            && unchanged
        {
            let current = self.token_text(c, tid)?;
            if byot.is_none_or(|b| b == current) {
                return Ok(Some(current));
            }
        }
        let token = self.issue_token(c, table, col, v, byot, Some(&mut rec.cells), at)?;
        Ok(Some(token))
    }

    /// The cell of column `col` no longer holds a token: the one it held is released.
    pub(crate) fn release_cell(
        &self,
        c: &Connection,
        cells: &mut Cells,
        col: &str,
    ) -> EngineResult<()> {
        if let Some(tid) = cells.remove(col) {
            self.rows(c).release_token(tid);
        }
        Ok(())
    }

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
