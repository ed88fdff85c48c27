//! Writes: insert (with upsert and BYOT) and update, one record or many, and the lifecycle of
//! each cell's token as values come, change and go (deletes are in `delete.rs`).

use std::sync::atomic::Ordering;

use rusqlite::Connection;
use serde_json::{Map, Value};

use super::audit::RequestContext;
use super::error::{EngineError, EngineResult};
use super::records::Record;
use super::schema::{Column, DataType, Table};
use super::tokens::{Issue, PreparedToken};
use super::types::*;
use super::validate::invalid_field;
use super::vault::Vault;

/// One cell being written: its column, its new value (`None` clears it), the BYOT token
/// given for it and its prepared token.
struct CellWrite<'a> {
    col: &'a Column,
    v: Option<&'a Value>,
    byot: Option<&'a str>,
    prepared: Option<PreparedToken>,
}

/// Records from which an insert prepares its two halves in parallel.
const PARALLEL_PREPARE: usize = 64;

/// Options of one insert.
pub(crate) struct InsertOpts<'a> {
    pub tokenization: bool,
    pub upsert: Option<&'a str>,
    pub byot: ByotMode,
}

/// One record of an insert after the work that needs no storage: its values validated and
/// normalized, its BYOT tokens, and the CPU side of each tokenized cell's token.
pub(crate) struct PreparedRecord<'a> {
    values: Vec<(&'a Column, Option<Value>)>,
    tokens: Option<&'a FieldMap>,
    prepared: Vec<Option<PreparedToken>>,
    /// The value of the upsert column.
    upsert: Option<Value>,
    /// For a plain insert (no upsert): the new record's id and sealed blob.
    sealed: Option<(String, Vec<u8>)>,
    /// The prefix of its error messages (`Insert failed for record <i>. `).
    at: String,
}

impl Vault {
    /// Validates one record of an insert and prepares its tokens (no storage needed).
    pub(crate) fn prepare_record<'a>(
        &self,
        table: &'a Table,
        rec: &'a RecordInput,
        opts: &InsertOpts<'_>,
        at: String,
    ) -> EngineResult<PreparedRecord<'a>> {
        let tokens = self.byot_tokens(rec, opts.byot, &at)?;
        let mut values: Vec<(&Column, Option<Value>)> = Vec::with_capacity(rec.fields.len());
        for (k, v) in &rec.fields {
            let col = table
                .column(k)
                .filter(|c| !c.is_skyflow_id())
                .ok_or_else(|| EngineError::invalid_insert_column(k))?;
            values.push((col, self.normalize(table, col, v, &at)?));
        }
        for col in table.columns.iter().filter(|c| c.spec.not_null) {
            if !col.is_skyflow_id()
                && !values
                    .iter()
                    .any(|(c, v)| c.spec.name == col.spec.name && v.is_some())
            {
                return Err(EngineError::invalid(format!(
                    "{at}Column {} is required",
                    col.spec.name
                )));
            }
        }
        let mut upsert = None;
        if let Some(up) = opts.upsert {
            let ucol = table
                .column(up)
                .filter(|c| c.is_unique() && !c.is_skyflow_id())
                .ok_or_else(|| {
                    EngineError::invalid(format!(
                        "{at}Upsert column {up} is not a unique column of table {}",
                        table.name
                    ))
                })?;
            let v = values
                .iter()
                .find(|(c, _)| c.spec.name == ucol.spec.name)
                .and_then(|(_, v)| v.clone())
                .ok_or_else(|| {
                    EngineError::invalid(format!(
                        "{at}Upsert column {up} needs a value in every record"
                    ))
                })?;
            upsert = Some(v);
        }
        let prepared = values
            .iter()
            .map(|(col, v)| match v {
                Some(v) if col.spec.token_policy.is_some() => {
                    let byot = tokens
                        .and_then(|t| t.get(&col.spec.name))
                        .and_then(Value::as_str);
                    self.prepare_token(col, v, byot).map(Some)
                }
                _ => Ok(None),
            })
            .collect::<EngineResult<_>>()?;
        // A new record holds exactly its non-transient values (as `write_cell` stores them).
        let sealed = match upsert {
            Some(_) => None,
            None => {
                let sid = super::fpt::uuid();
                let data: Map<String, Value> = values
                    .iter()
                    .filter(|(col, _)| !col.is_transient())
                    .filter_map(|(col, v)| Some((col.spec.name.clone(), v.clone()?)))
                    .collect();
                let blob = self.seal_record(&table.name, &sid, &data)?;
                Some((sid, blob))
            }
        };
        Ok(PreparedRecord {
            values,
            tokens,
            prepared,
            upsert,
            sealed,
            at,
        })
    }

    /// Prepares `records`, the first of which is record `first` of the request (`many`: the
    /// request has several, so messages name the record).
    fn prepare_records<'a>(
        &self,
        table: &'a Table,
        records: &'a [RecordInput],
        first: usize,
        many: bool,
        opts: &InsertOpts<'_>,
    ) -> EngineResult<Vec<PreparedRecord<'a>>> {
        records
            .iter()
            .enumerate()
            .map(|(i, rec)| {
                let at = if many {
                    format!("Insert failed for record {}. ", first + i)
                } else {
                    String::new()
                };
                self.prepare_record(table, rec, opts, at)
            })
            .collect()
    }

    /// Writes (or upserts) one prepared record inside the caller's transaction.
    pub(crate) fn write_record(
        &self,
        c: &Connection,
        table: &Table,
        p: PreparedRecord<'_>,
        opts: &InsertOpts<'_>,
    ) -> EngineResult<InsertedRecord> {
        let mut existing: Option<Record> = None;
        if let (Some(up), Some(v)) = (opts.upsert, &p.upsert)
            && let Some(sid) = self.lookup_unique(c, &table.name, up, v)?
        {
            existing = self.load_record(c, &table.name, &sid)?;
        }
        let (mut rec, sealed) = match (existing, p.sealed) {
            (Some(rec), _) => (rec, None),
            (None, Some((sid, blob))) => (self.new_record(c, sid), Some(blob)),
            (None, None) => (self.new_record(c, super::fpt::uuid()), None),
        };
        let out_tokens =
            self.write_cells(c, table, &mut rec, &p.values, p.tokens, p.prepared, &p.at)?;
        let skyflow_id = rec.sid.clone();
        if cfg!(debug_assertions)
            && let Some(blob) = &sealed
        {
            // The blob sealed beforehand holds exactly what the cells wrote.
            assert_eq!(self.decode_record(&table.name, &rec.sid, blob)?, rec.data);
        }
        self.store_record(c, table, rec, sealed)?;
        Ok(InsertedRecord {
            skyflow_id,
            tokens: opts.tokenization.then_some(out_tokens),
        })
    }

    /// Inserts (or upserts) one record inside the caller's transaction.
    pub(crate) fn insert_one(
        &self,
        c: &Connection,
        table: &Table,
        rec: &RecordInput,
        opts: &InsertOpts<'_>,
        at: &str,
    ) -> EngineResult<InsertedRecord> {
        let p = self.prepare_record(table, rec, opts, at.to_string())?;
        self.write_record(c, table, p, opts)
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
        let opts = InsertOpts {
            tokenization: req.tokenization.unwrap_or(false),
            upsert: req.upsert.as_deref(),
            byot: req.byot.unwrap_or_default(),
        };
        let prepare = || {
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
            if opts.byot == ByotMode::Enable
                && req
                    .records
                    .iter()
                    .all(|r| r.tokens.as_ref().is_none_or(|t| t.is_empty()))
            {
                return Err(EngineError::invalid(
                    "Insert failed. byot is ENABLE but no tokens were given.",
                ));
            }
            let many = req.records.len() > 1;
            let prepare_from =
                |first: usize, records| self.prepare_records(t, records, first, many, &opts);
            // A large request alone in flight prepares its two halves on two threads (with
            // others in flight the cores are busy already); the first failing record's error
            // is the one answered either way.
            let alone = self.inner.writes_in_flight.load(Ordering::Relaxed) <= 1;
            let records = if alone && req.records.len() >= PARALLEL_PREPARE {
                let (head, tail) = req.records.split_at(req.records.len() / 2);
                std::thread::scope(|s| {
                    let tail = s.spawn(|| prepare_from(head.len(), tail));
                    let mut head = prepare_from(0, head)?;
                    let tail = tail
                        .join()
                        .map_err(|_| EngineError::internal("preparing records panicked"))??;
                    head.extend(tail);
                    Ok::<_, EngineError>(head)
                })?
            } else {
                prepare_from(0, &req.records)?
            };
            Ok((t, records))
        };
        self.write_op_prepared(ctx, ev, prepare, |c, ev, (t, records)| {
            let mut out = Vec::with_capacity(records.len());
            for p in records {
                let r = self.write_record(c, t, p, &opts)?;
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
        let out_tokens =
            self.write_cells(c, table, &mut stored, &values, tokens, Vec::new(), "")?;
        self.store_record(c, table, stored, None)?;
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
    #[allow(clippy::too_many_arguments)]
    fn write_cells(
        &self,
        c: &Connection,
        table: &Table,
        rec: &mut Record,
        values: &[(&Column, Option<Value>)],
        tokens: Option<&FieldMap>,
        prepared: Vec<Option<PreparedToken>>,
        at: &str,
    ) -> EngineResult<Map<String, Value>> {
        let mut out = Map::new();
        let mut prepared = prepared.into_iter();
        for (col, v) in values {
            let prepared = prepared.next().flatten();
            let byot = tokens
                .and_then(|t| t.get(&col.spec.name))
                .and_then(Value::as_str);
            if byot.is_some() && col.spec.token_policy.is_none() {
                return Err(EngineError::invalid(format!(
                    "{at}Column {} does not support tokens",
                    col.spec.name
                )));
            }
            if v.is_none() && col.spec.not_null {
                return Err(EngineError::invalid(format!(
                    "{at}Column {} is required",
                    col.spec.name
                )));
            }
            let old = if col.is_unique() {
                rec.data.get(&col.spec.name).cloned()
            } else {
                None
            };
            let cell = CellWrite {
                col,
                v: v.as_ref(),
                byot,
                prepared,
            };
            if let Some(tok) = self.write_cell(c, table, rec, cell, at)? {
                out.insert(col.spec.name.clone(), Value::String(tok));
            }
            if col.is_unique() {
                // Skyflow's exact message, without the record index.
                self.set_unique(
                    c,
                    &table.name,
                    &col.spec.name,
                    old.as_ref(),
                    v.as_ref(),
                    rec,
                )?;
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
    fn write_cell(
        &self,
        c: &Connection,
        table: &Table,
        rec: &mut Record,
        cell: CellWrite<'_>,
        at: &str,
    ) -> EngineResult<Option<String>> {
        let CellWrite {
            col,
            v,
            byot,
            prepared,
        } = cell;
        let Some(v) = v else {
            self.clear_cell(c, &table.name, rec, col)?;
            return Ok(None);
        };
        let unchanged = rec.data.get(&col.spec.name) == Some(v);
        if !col.is_transient() {
            rec.data.insert(col.spec.name.clone(), v.clone());
        }
        if col.spec.token_policy.is_none() {
            return Ok(None);
        }
        if let Some(&tid) = rec.cells.get(&col.spec.name)
            && unchanged
        {
            let current = self.token_text(c, tid)?;
            if byot.is_none_or(|b| b == current) {
                return Ok(Some(current));
            }
        }
        let issue = Issue {
            byot,
            cells: Some(&mut rec.cells),
            prepared,
        };
        let token = self.issue_token(c, table, col, v, issue, at)?;
        Ok(Some(token))
    }

    /// Empties the cell of `col` in `rec` (of `table`): its value goes, the token it held is
    /// released and, in a file column, its file is deleted. Whether there was a file.
    pub(crate) fn clear_cell(
        &self,
        c: &Connection,
        table: &str,
        rec: &mut Record,
        col: &Column,
    ) -> EngineResult<bool> {
        rec.data.remove(&col.spec.name);
        if let Some(tid) = rec.cells.remove(&col.spec.name) {
            self.rows(c).release_token(tid);
        }
        if col.spec.datatype != DataType::File || rec.new {
            return Ok(false);
        }
        self.rows(c)
            .delete_cell_file(table, &rec.sid, &col.spec.name)
    }
}
