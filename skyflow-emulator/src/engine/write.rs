//! Writes: insert (with upsert and BYOT), update and delete, one record or many, and the
//! lifecycle of each cell's token as values come, change and go.

use rusqlite::Connection;
use serde_json::{Map, Value};

use super::audit::RequestContext;
use super::error::{EngineError, EngineResult};
use super::ops::Ops;
use super::schema::{Column, Table};
use super::types::*;
use super::validate::invalid_field;

/// Options of one insert.
pub(crate) struct InsertOpts<'a> {
    pub tokenization: bool,
    pub upsert: Option<&'a str>,
    pub byot: ByotMode,
}

impl Ops<'_> {
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
        let mut existing: Option<(String, Map<String, Value>)> = None;
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
                let data = self.load_record(c, &table.name, &sid)?.unwrap_or_default();
                existing = Some((sid, data));
            }
        }
        let is_new = existing.is_none();
        let (sid, mut data) = existing.unwrap_or_else(|| (super::fpt::uuid(), Map::new()));
        let mut out_tokens = Map::new();
        for (col, v) in &values {
            let byot = tokens
                .and_then(|t| t.get(&col.name))
                .and_then(Value::as_str);
            if byot.is_some() && col.token_policy.is_none() {
                return Err(EngineError::invalid(format!(
                    "{at}Column {} does not support tokens",
                    col.name
                )));
            }
            if !is_new {
                self.release_cell_token(c, &table.name, &sid, &col.name)?;
            }
            match v {
                None => {
                    data.remove(&col.name);
                }
                Some(v) => {
                    if !col.is_transient() {
                        data.insert(col.name.clone(), v.clone());
                    }
                    if col.token_policy.is_some() {
                        let tok = self.issue_token(c, table, col, v, byot, Some(&sid), at)?;
                        out_tokens.insert(col.name.clone(), Value::String(tok));
                    }
                }
            }
            if col.unique {
                // Skyflow's exact message, without the record index.
                self.set_unique(c, &table.name, &col.name, v.as_ref(), &sid)?;
            }
        }
        self.store_record(c, &table.name, &sid, &data, is_new)?;
        Ok(InsertedRecord {
            skyflow_id: sid,
            tokens: opts.tokenization.then_some(out_tokens),
        })
    }

    pub(crate) fn insert(
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
        let mut data = self
            .load_record(c, &table.name, sid)?
            .ok_or_else(EngineError::no_records)?;
        if byot == ByotMode::Enable && rec.tokens.as_ref().is_none_or(|t| t.is_empty()) {
            return Err(EngineError::invalid(
                "Update failed. byot is ENABLE but no tokens were given.",
            ));
        }
        let tokens = self.byot_tokens(rec, byot, "")?;
        let mut out_tokens = Map::new();
        let mut values = Vec::new();
        for (k, v) in &rec.fields {
            if k == "skyflow_id" {
                continue;
            }
            let col = table.column(k).ok_or_else(|| invalid_field(k))?;
            values.push((col, self.normalize(table, col, v, "")?));
        }
        for (col, v) in &values {
            let byot = tokens
                .and_then(|t| t.get(&col.name))
                .and_then(Value::as_str);
            if byot.is_some() && col.token_policy.is_none() {
                return Err(EngineError::invalid(format!(
                    "Column {} does not support tokens",
                    col.name
                )));
            }
            self.release_cell_token(c, &table.name, sid, &col.name)?;
            match v {
                None => {
                    if col.not_null {
                        return Err(EngineError::invalid(format!(
                            "Column {} is required",
                            col.name
                        )));
                    }
                    data.remove(&col.name);
                }
                Some(v) => {
                    if !col.is_transient() {
                        data.insert(col.name.clone(), v.clone());
                    }
                    if col.token_policy.is_some() {
                        let tok = self.issue_token(c, table, col, v, byot, Some(sid), "")?;
                        out_tokens.insert(col.name.clone(), Value::String(tok));
                    }
                }
            }
            if col.unique {
                self.set_unique(c, &table.name, &col.name, v.as_ref(), sid)?;
            }
        }
        self.store_record(c, &table.name, sid, &data, false)?;
        Ok(UpdateResponse {
            skyflow_id: sid.to_string(),
            tokens: tokenization.then_some(out_tokens),
        })
    }

    pub(crate) fn update(
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

    /// Deletes one record (its unique entries, persistent tokens and files); false if absent.
    pub(crate) fn delete_record(
        &self,
        c: &Connection,
        table: &Table,
        sid: &str,
    ) -> EngineResult<bool> {
        let rows = self.rows(c);
        for (col, fp) in rows.record_cell_fps(&table.name, sid)? {
            rows.unlink_cell(&table.name, sid, &col, &fp)?;
        }
        rows.delete_record(&table.name, sid)
    }

    pub(crate) fn delete(
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

    pub(crate) fn delete_one(
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
