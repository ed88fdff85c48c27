//! Record operations: insert (upsert, BYOT), update, delete, get, batch.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};

use super::audit::{AccessType, PendingEvent, RequestContext};
use super::error::{EngineError, EngineResult};
use super::ops::{Ops, now_secs};
use super::redaction;
use super::schema::{Column, DataType, Table};
use super::types::*;

/// Options of one insert.
pub(crate) struct InsertOpts<'a> {
    pub tokenization: bool,
    pub upsert: Option<&'a str>,
    pub byot: ByotMode,
}

/// Options of rendering a record for get.
pub(crate) struct RenderOpts<'a> {
    pub redaction: Redaction,
    /// Cap at the columns' default redaction (see `RequestContext::default_redaction_only`).
    pub capped: bool,
    pub tokenization: bool,
    pub fields: &'a [String],
    pub download_url: bool,
    pub file_metadata: bool,
}

pub(crate) fn canon(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Checks a date, datetime or time value against ISO 8601 (an empty string means no value);
/// returns what the value must be when it does not match.
///
/// - `DT_DATE`: `YYYY-MM-DD`;
/// - `DT_TIME`: `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`;
/// - `DT_DATETIME`: RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`), or the same without an
///   offset, with `T` or a space between date and time.
fn temporal_format_error(datatype: DataType, s: &str) -> Option<&'static str> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
    if s.is_empty() {
        return None;
    }
    match datatype {
        DataType::Date => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .is_err()
            .then_some("must be a date in the ISO 8601 format YYYY-MM-DD"),
        DataType::Time => ["%H:%M:%S%.f", "%H:%M"]
            .iter()
            .all(|f| NaiveTime::parse_from_str(s, f).is_err())
            .then_some("must be a time in the ISO 8601 format HH:MM:SS"),
        DataType::Datetime => (DateTime::parse_from_rfc3339(s).is_err()
            && ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
                .iter()
                .all(|f| NaiveDateTime::parse_from_str(s, f).is_err()))
        .then_some("must be a date and time in the ISO 8601 format YYYY-MM-DDTHH:MM:SS[Z|±HH:MM]"),
        _ => None,
    }
}

fn invalid_field(name: &str) -> EngineError {
    EngineError::invalid(format!("Invalid field present in JSON {name}"))
}

impl Ops<'_> {
    pub(crate) fn table(&self, name: &str) -> EngineResult<&Table> {
        self.vault.schema.table(name).ok_or_else(|| {
            EngineError::invalid(format!("Invalid request. Table {name} does not exist."))
        })
    }

    pub(crate) fn event(
        &self,
        api: &'static str,
        action: &'static str,
        resource: &'static str,
        table: Option<&str>,
    ) -> PendingEvent {
        PendingEvent {
            vault_id: self.vault.id.clone(),
            api_name: api,
            action_type: action,
            resource_type: resource,
            access_type: AccessType::Api,
            code: 200,
            message: String::new(),
            resource_ids: vec![format!("VAULT/{}", self.vault.id)],
            nested: Vec::new(),
            table: table.map(str::to_string),
        }
    }

    /// Runs a write in one transaction with its audit event; a failure is audited too.
    pub(crate) fn write_op<T>(
        &self,
        ctx: &RequestContext,
        mut ev: PendingEvent,
        f: impl FnOnce(&Connection, &mut PendingEvent) -> EngineResult<T>,
    ) -> EngineResult<T> {
        let res = self.inner.store.write(|tx| {
            let out = f(tx, &mut ev)?;
            self.inner.write_audit_in(tx, ctx, &ev)?;
            Ok(out)
        });
        if let Err(e) = &res {
            // The transaction rolled back with its event: record the failure on its own. The
            // caller gets the write's error either way.
            ev.code = e.http_code();
            ev.message = e.loggable_message().to_string();
            if let Err(audit) = self.inner.commit_audit(ctx, ev) {
                tracing::error!(error = %audit, "couldn't store the audit event of a failed write");
            }
        }
        res
    }

    /// Runs a read; its audit event is committed before the result is returned (fail closed:
    /// a read whose event cannot be stored fails).
    pub(crate) fn read_op<T>(
        &self,
        ctx: &RequestContext,
        mut ev: PendingEvent,
        f: impl FnOnce(&Connection, &mut PendingEvent) -> EngineResult<T>,
    ) -> EngineResult<T> {
        let res = self.inner.store.read(|c| f(c, &mut ev));
        if let Err(e) = &res {
            ev.code = e.http_code();
            ev.message = e.loggable_message().to_string();
        }
        let audited = self.inner.commit_audit(ctx, ev);
        match (res, audited) {
            (Ok(out), Ok(())) => Ok(out),
            (Ok(_), Err(audit)) => Err(audit),
            (Err(e), _) => Err(e),
        }
    }

    /// Checks and normalizes a value for `col`; `None` for null.
    pub(crate) fn normalize(
        &self,
        table: &Table,
        col: &Column,
        v: &Value,
        at: &str,
    ) -> EngineResult<Option<Value>> {
        if v.is_null() {
            return Ok(None);
        }
        let bad =
            |what: &str| EngineError::invalid(format!("{at}Value for column {} {what}", col.name));
        if col.datatype == DataType::File {
            return Err(EngineError::invalid(format!(
                "{at}Column {} holds files; upload files through the file upload endpoint",
                col.name
            )));
        }
        if col.is_array {
            if !v.is_array() {
                return Err(bad("must be an array"));
            }
            return Ok(Some(v.clone()));
        }
        let out = match col.datatype {
            DataType::Int32 => match v {
                Value::Number(n) if n.is_i64() || n.is_u64() => v.clone(),
                Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
                    Value::from(n.as_f64().unwrap_or(0.0) as i64)
                }
                Value::String(s) => s
                    .trim()
                    .parse::<i64>()
                    .map(Value::from)
                    .map_err(|_| bad("must be an integer"))?,
                _ => return Err(bad("must be an integer")),
            },
            DataType::Float32 => match v {
                Value::Number(_) => v.clone(),
                Value::String(s) => s
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .ok_or_else(|| bad("must be a number"))?,
                _ => return Err(bad("must be a number")),
            },
            DataType::Bool => match v {
                Value::Bool(_) => v.clone(),
                Value::String(s) if s == "true" || s == "false" => Value::Bool(s == "true"),
                _ => return Err(bad("must be a boolean")),
            },
            DataType::Json => v.clone(),
            DataType::String
            | DataType::Date
            | DataType::Datetime
            | DataType::Time
            | DataType::File => match v {
                Value::String(_) => v.clone(),
                Value::Number(_) | Value::Bool(_) => Value::String(v.to_string()),
                _ => return Err(bad("must be a string")),
            },
        };
        if let Value::String(s) = &out {
            if let Some(format) = temporal_format_error(col.datatype, s) {
                return Err(bad(format));
            }
            if col.validations.iter().any(|re| !re.is_match(s)) {
                return Err(bad(
                    "does not match the column's validation regular expression",
                ));
            }
            if !col.predefined_values.is_empty() && !col.predefined_values.iter().any(|p| p == s) {
                return Err(bad("is not one of the column's predefined values"));
            }
            if col.unique && s.chars().count() > self.inner.config.limits.max_unique_string_chars {
                return Err(bad(&format!(
                    "exceeds {} characters, the maximum for a unique column (token insertion error)",
                    self.inner.config.limits.max_unique_string_chars
                )));
            }
        }
        let _ = table;
        Ok(Some(out))
    }

    fn record_aad(&self, table: &str, sid: &str) -> Vec<u8> {
        format!("rec|{}|{table}|{sid}", self.vault.id).into_bytes()
    }

    pub(crate) fn load_record(
        &self,
        c: &Connection,
        table: &str,
        sid: &str,
    ) -> EngineResult<Option<Map<String, Value>>> {
        let blob: Option<Vec<u8>> = c
            .query_row(
                "SELECT data FROM sky_records WHERE vault_id = ?1 AND table_name = ?2 AND skyflow_id = ?3",
                params![self.vault.id, table, sid],
                |r| r.get(0),
            )
            .optional()?;
        match blob {
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
            .decrypt(&self.record_aad(table, sid), blob)?;
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
            .encrypt(&self.record_aad(table, sid), &plain);
        let now = now_secs();
        if new {
            let seq: i64 = c.query_row(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM sky_records WHERE vault_id = ?1 AND table_name = ?2",
                params![self.vault.id, table],
                |r| r.get(0),
            )?;
            c.execute(
                "INSERT INTO sky_records(vault_id, table_name, skyflow_id, seq, created_at, updated_at, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
                params![self.vault.id, table, sid, seq, now, blob],
            )?;
        } else {
            c.execute(
                "UPDATE sky_records SET data = ?4, updated_at = ?5 WHERE vault_id = ?1 AND table_name = ?2 AND skyflow_id = ?3",
                params![self.vault.id, table, sid, blob, now],
            )?;
        }
        Ok(())
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

    fn lookup_unique(
        &self,
        c: &Connection,
        table: &str,
        col: &str,
        v: &Value,
    ) -> EngineResult<Option<String>> {
        Ok(c.query_row(
            "SELECT skyflow_id FROM sky_unique WHERE vault_id = ?1 AND table_name = ?2 AND column_name = ?3 AND fp = ?4",
            params![self.vault.id, table, col, self.unique_fp(table, col, v)],
            |r| r.get(0),
        )
        .optional()?)
    }

    fn set_unique(
        &self,
        c: &Connection,
        table: &str,
        col: &str,
        v: Option<&Value>,
        sid: &str,
    ) -> EngineResult<()> {
        c.execute(
            "DELETE FROM sky_unique WHERE vault_id = ?1 AND table_name = ?2 AND column_name = ?3 AND skyflow_id = ?4",
            params![self.vault.id, table, col, sid],
        )?;
        if let Some(v) = v {
            if self.lookup_unique(c, table, col, v)?.is_some() {
                return Err(EngineError::unique_violation());
            }
            c.execute(
                "INSERT INTO sky_unique(vault_id, table_name, column_name, fp, skyflow_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![self.vault.id, table, col, self.unique_fp(table, col, v), sid],
            )?;
        }
        Ok(())
    }

    /// Checks BYOT rules for one record; returns the tokens to use.
    fn byot_tokens<'r>(
        &self,
        rec: &'r RecordInput,
        byot: ByotMode,
        at: &str,
    ) -> EngineResult<Option<&'r FieldMap>> {
        let tokens = rec.tokens.as_ref().filter(|t| !t.is_empty());
        match byot {
            ByotMode::Disable => {
                if tokens.is_some() {
                    return Err(EngineError::invalid(format!(
                        "{at}Tokens are not allowed when byot is DISABLE. Set byot to ENABLE or ENABLE_STRICT to pass tokens."
                    )));
                }
            }
            ByotMode::Enable | ByotMode::EnableStrict => {
                if let Some(t) = tokens {
                    for k in t.keys() {
                        if !rec.fields.contains_key(k) {
                            return Err(EngineError::invalid(format!(
                                "{at}Token for column {k} has no matching field; the keys of tokens must match the keys of fields"
                            )));
                        }
                    }
                }
                if byot == ByotMode::EnableStrict {
                    let t = tokens.ok_or_else(|| {
                        EngineError::invalid(format!("{at}byot is ENABLE_STRICT: every field needs a token, but none was given"))
                    })?;
                    if let Some(k) = rec.fields.keys().find(|k| !t.contains_key(*k)) {
                        return Err(EngineError::invalid(format!(
                            "{at}byot is ENABLE_STRICT: field {k} has no token"
                        )));
                    }
                }
            }
        }
        if let Some(t) = tokens
            && let Some((k, _)) = t.iter().find(|(_, v)| !v.is_string())
        {
            return Err(EngineError::invalid(format!(
                "{at}Token for column {k} must be a string"
            )));
        }
        Ok(tokens)
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
            let limits = &self.inner.config.limits;
            if req.records.is_empty() {
                return Err(EngineError::invalid(
                    "Insert failed. No records were provided.",
                ));
            }
            if req.records.len() > limits.max_records_per_request {
                return Err(EngineError::invalid(format!(
                    "Insert failed. Too many records: {} given, at most {} per request.",
                    req.records.len(),
                    limits.max_records_per_request
                )));
            }
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
        let n = c.execute(
            "DELETE FROM sky_records WHERE vault_id = ?1 AND table_name = ?2 AND skyflow_id = ?3",
            params![self.vault.id, table.name, sid],
        )?;
        if n == 0 {
            return Ok(false);
        }
        c.execute(
            "DELETE FROM sky_unique WHERE vault_id = ?1 AND table_name = ?2 AND skyflow_id = ?3",
            params![self.vault.id, table.name, sid],
        )?;
        let cols: Vec<String> = {
            let mut st = c.prepare(
                "SELECT column_name FROM sky_cell_tokens WHERE vault_id = ?1 AND table_name = ?2 AND skyflow_id = ?3",
            )?;
            st.query_map(params![self.vault.id, table.name, sid], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        for col in cols {
            self.release_cell_token(c, &table.name, sid, &col)?;
        }
        c.execute(
            "DELETE FROM sky_files WHERE vault_id = ?1 AND table_name = ?2 AND skyflow_id = ?3",
            params![self.vault.id, table.name, sid],
        )?;
        Ok(true)
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
            if req.skyflow_ids.len() > self.inner.config.limits.max_records_per_request {
                return Err(EngineError::invalid(format!(
                    "Delete failed. Too many ids: at most {} per request.",
                    self.inner.config.limits.max_records_per_request
                )));
            }
            if req.skyflow_ids.iter().any(|i| i == "*") {
                if req.skyflow_ids.len() > 1 {
                    return Err(EngineError::invalid("Delete failed. \"*\" must be the only id."));
                }
                let ids: Vec<String> = {
                    let mut st = c.prepare("SELECT skyflow_id FROM sky_records WHERE vault_id = ?1 AND table_name = ?2")?;
                    st.query_map(params![self.vault.id, t.name], |r| r.get(0))?.collect::<Result<_, _>>()?
                };
                for id in &ids {
                    self.delete_record(c, t, id)?;
                }
                ev.resource_ids.push(format!("TABLE/{}", t.name));
                return Ok(DeleteResponse { record_id_response: vec!["*".into()] });
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
            Ok(DeleteResponse { record_id_response: deleted })
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

    /// Renders a stored record for get.
    pub(crate) fn render(
        &self,
        c: &Connection,
        table: &Table,
        sid: &str,
        data: &Map<String, Value>,
        o: &RenderOpts<'_>,
    ) -> EngineResult<GetRecord> {
        let mut fields = Map::new();
        let mut meta = std::collections::BTreeMap::new();
        let cell_tokens = if o.tokenization {
            self.cell_tokens(c, &table.name, sid)?
        } else {
            Default::default()
        };
        for col in &table.columns {
            if !o.fields.is_empty() && !o.fields.iter().any(|f| f == &col.name) {
                continue;
            }
            if col.is_skyflow_id() {
                fields.insert(col.name.clone(), Value::String(sid.to_string()));
                continue;
            }
            if col.is_transient() {
                continue;
            }
            let Some(v) = data.get(&col.name) else {
                continue;
            };
            if col.datatype == DataType::File {
                let file_id = canon(v);
                let Some(fm) = self.file_meta(c, &file_id)? else {
                    continue;
                };
                if o.file_metadata {
                    meta.insert(col.name.clone(), fm.clone());
                }
                if o.tokenization {
                    if let Some(t) = cell_tokens.get(&col.name) {
                        fields.insert(col.name.clone(), Value::String(t.clone()));
                    }
                } else if o.download_url {
                    fields.insert(col.name.clone(), Value::String(self.download_url(&file_id)));
                } else {
                    let shown =
                        redaction::apply(col, o.redaction, o.capped, &Value::String(fm.file_name));
                    fields.insert(col.name.clone(), shown);
                }
                continue;
            }
            if o.tokenization {
                if let Some(t) = cell_tokens.get(&col.name) {
                    fields.insert(col.name.clone(), Value::String(t.clone()));
                }
            } else {
                fields.insert(
                    col.name.clone(),
                    redaction::apply(col, o.redaction, o.capped, v),
                );
            }
        }
        Ok(GetRecord {
            fields,
            file_metadata: (o.file_metadata && !meta.is_empty()).then_some(meta),
        })
    }

    fn check_fields(
        &self,
        table: &Table,
        fields: &[String],
        tokenization: bool,
    ) -> EngineResult<()> {
        for f in fields {
            let col = table.column(f).ok_or_else(|| invalid_field(f))?;
            if tokenization && col.token_policy.is_none() && !col.is_skyflow_id() {
                return Err(EngineError::invalid(format!(
                    "Invalid request. Column {f} is not tokenized; with tokenization=true, fields may only name tokenized columns."
                )));
            }
        }
        Ok(())
    }

    /// Get by ids, by unique column values, or the first records.
    pub(crate) fn get_in(
        &self,
        c: &Connection,
        t: &Table,
        req: &GetRequest,
        ev: &mut PendingEvent,
        capped: bool,
    ) -> EngineResult<GetResponse> {
        let limits = &self.inner.config.limits;
        let tokenization = req.tokenization.unwrap_or(false);
        if !req.skyflow_ids.is_empty()
            && (req.column_name.is_some() || !req.column_values.is_empty())
        {
            return Err(EngineError::invalid(
                "Invalid request. skyflow_ids and column_name/column_values can't be used together.",
            ));
        }
        if !req.column_values.is_empty() && req.column_name.is_none() {
            return Err(EngineError::invalid(
                "Invalid request. column_name is required with column_values.",
            ));
        }
        if req.column_name.is_some() && req.column_values.is_empty() {
            return Err(EngineError::invalid(
                "Invalid request. column_values is required with column_name.",
            ));
        }
        if tokenization && req.skyflow_ids.is_empty() {
            return Err(EngineError::invalid(
                "Invalid request. tokenization=true is only supported with skyflow_ids.",
            ));
        }
        if tokenization && req.redaction.is_some_and(|r| r != Redaction::Default) {
            return Err(EngineError::invalid(
                "Invalid request. redaction can't be used with tokenization=true.",
            ));
        }
        self.check_fields(t, &req.fields, tokenization)?;
        let limit = match req.limit {
            None => limits.max_rows,
            Some(l) if l < 1 || l as usize > limits.max_rows => {
                return Err(EngineError::invalid(format!(
                    "Invalid limit {l}: it must be between 1 and {}.",
                    limits.max_rows
                )));
            }
            Some(l) => l as usize,
        };
        let offset = match req.offset {
            None => 0,
            Some(o) if o < 0 => {
                return Err(EngineError::invalid(format!(
                    "Invalid offset {o}: it must not be negative."
                )));
            }
            Some(o) => o as usize,
        };
        let opts = RenderOpts {
            redaction: req.redaction.unwrap_or_default(),
            capped,
            tokenization,
            fields: &req.fields,
            download_url: req.download_url.unwrap_or(false),
            file_metadata: req.return_file_metadata.unwrap_or(false),
        };
        let mut ids: Vec<String> = Vec::new();
        let filtered = !req.skyflow_ids.is_empty() || req.column_name.is_some();
        if !req.skyflow_ids.is_empty() {
            if req.skyflow_ids.len() > limits.max_records_per_request {
                return Err(EngineError::invalid(format!(
                    "Invalid request. Too many skyflow_ids: at most {} per request.",
                    limits.max_records_per_request
                )));
            }
            ids = req.skyflow_ids.clone();
        } else if let Some(cn) = &req.column_name {
            let col = t.column(cn).ok_or_else(|| invalid_field(cn))?;
            if !col.unique {
                return Err(EngineError::invalid(format!(
                    "Invalid request. Column {cn} is not a unique column."
                )));
            }
            for raw in &req.column_values {
                if col.is_skyflow_id() {
                    ids.push(raw.clone());
                    continue;
                }
                let v = self
                    .normalize(t, col, &Value::String(raw.clone()), "")
                    .ok()
                    .flatten();
                if let Some(v) = v
                    && let Some(sid) = self.lookup_unique(c, &t.name, cn, &v)?
                {
                    ids.push(sid);
                }
            }
        }
        let mut records = Vec::new();
        if filtered {
            let mut seen = std::collections::HashSet::new();
            for id in &ids {
                if !seen.insert(id.clone()) {
                    continue;
                }
                if let Some(data) = self.load_record(c, &t.name, id)? {
                    records.push((id.clone(), data));
                }
            }
            match req.order_by.unwrap_or(OrderBy::None) {
                OrderBy::Ascending => records.sort_by(|a, b| a.0.cmp(&b.0)),
                OrderBy::Descending => records.sort_by(|a, b| b.0.cmp(&a.0)),
                OrderBy::None => {}
            }
            if records.is_empty() {
                return Err(EngineError::no_records());
            }
            if req.offset.is_some() || req.limit.is_some() {
                records = records.into_iter().skip(offset).take(limit).collect();
            }
        } else {
            let order = match req.order_by.unwrap_or_default() {
                OrderBy::Ascending => "skyflow_id ASC",
                OrderBy::Descending => "skyflow_id DESC",
                OrderBy::None => "seq ASC",
            };
            let sql = format!(
                "SELECT skyflow_id, data FROM sky_records WHERE vault_id = ?1 AND table_name = ?2 ORDER BY {order} LIMIT ?3 OFFSET ?4"
            );
            let mut st = c.prepare(&sql)?;
            let rows: Vec<(String, Vec<u8>)> = st
                .query_map(
                    params![self.vault.id, t.name, limit as i64, offset as i64],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?
                .collect::<Result<_, _>>()?;
            for (id, blob) in rows {
                let data = self.decode_record(&t.name, &id, &blob)?;
                records.push((id, data));
            }
        }
        let mut out = Vec::with_capacity(records.len());
        for (id, data) in &records {
            ev.resource_ids.push(format!("RECORD/{id}"));
            out.push(self.render(c, t, id, data, &opts)?);
        }
        Ok(GetResponse { records: out })
    }

    pub(crate) fn get(
        &self,
        ctx: &RequestContext,
        table: &str,
        req: GetRequest,
    ) -> EngineResult<GetResponse> {
        let ev = self.event(
            "/v1.RecordService/BulkGetRecord",
            "READ",
            "RECORD",
            Some(table),
        );
        self.read_op(ctx, ev, |c, ev| {
            let t = self.table(table)?;
            self.get_in(c, t, &req, ev, ctx.default_redaction_only)
        })
    }

    pub(crate) fn get_one(
        &self,
        ctx: &RequestContext,
        table: &str,
        id: &str,
        req: GetOneRequest,
    ) -> EngineResult<GetRecord> {
        let mut ev = self.event("/v1.RecordService/GetRecord", "READ", "RECORD", Some(table));
        ev.resource_ids.push(format!("RECORD/{id}"));
        self.read_op(ctx, ev, |c, _| {
            let t = self.table(table)?;
            let tokenization = req.tokenization.unwrap_or(false);
            self.check_fields(t, &req.fields, tokenization)?;
            let data = self
                .load_record(c, table, id)?
                .ok_or_else(EngineError::no_records)?;
            let opts = RenderOpts {
                redaction: req.redaction.unwrap_or_default(),
                capped: ctx.default_redaction_only,
                tokenization,
                fields: &req.fields,
                download_url: req.download_url.unwrap_or(false),
                file_metadata: req.return_file_metadata.unwrap_or(false),
            };
            self.render(c, t, id, &data, &opts)
        })
    }

    fn batch_entry(
        &self,
        ctx: &RequestContext,
        c: &Connection,
        r: &BatchRecord,
        byot: ByotMode,
        ev: &mut PendingEvent,
    ) -> EngineResult<Value> {
        let t = self.table(&r.table_name)?;
        let to_value = |v: &dyn erased::Ser| v.value();
        match r.method {
            BatchMethod::Post => {
                let rec = RecordInput {
                    fields: r.fields.clone().unwrap_or_default(),
                    tokens: r.tokens.clone(),
                };
                if byot == ByotMode::Enable && rec.tokens.as_ref().is_none_or(|t| t.is_empty()) {
                    // ENABLE allows records without tokens inside a batch.
                }
                let opts = InsertOpts {
                    tokenization: r.tokenization.unwrap_or(false),
                    upsert: r.upsert.as_deref(),
                    byot,
                };
                let ins = self.insert_one(c, t, &rec, &opts, "Insert failed. ")?;
                ev.resource_ids.push(format!("RECORD/{}", ins.skyflow_id));
                Ok(to_value(&InsertResponse { records: vec![ins] }))
            }
            BatchMethod::Put => {
                let id = r.id.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| {
                    EngineError::invalid("Update failed. ID is required for PUT.")
                })?;
                let rec = RecordInput {
                    fields: r.fields.clone().unwrap_or_default(),
                    tokens: r.tokens.clone(),
                };
                let byot = if rec.tokens.as_ref().is_none_or(|t| t.is_empty())
                    && byot == ByotMode::Enable
                {
                    ByotMode::Disable
                } else {
                    byot
                };
                let up = self.update_one(c, t, id, &rec, byot, r.tokenization.unwrap_or(false))?;
                ev.resource_ids.push(format!("RECORD/{id}"));
                Ok(to_value(&up))
            }
            BatchMethod::Get => {
                let id =
                    r.id.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| {
                        EngineError::invalid("Get failed. ID is required for GET.")
                    })?;
                let req = GetRequest {
                    skyflow_ids: vec![id.to_string()],
                    redaction: r.redaction,
                    tokenization: r.tokenization,
                    download_url: r.download_url,
                    return_file_metadata: r.return_file_metadata,
                    ..Default::default()
                };
                let res = self.get_in(c, t, &req, ev, ctx.default_redaction_only)?;
                Ok(to_value(&res))
            }
            BatchMethod::Delete => {
                let id = r.id.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| {
                    EngineError::invalid("Delete failed. ID is required for DELETE.")
                })?;
                if !self.delete_record(c, t, id)? {
                    return Err(EngineError::no_records());
                }
                ev.resource_ids.push(format!("RECORD/{id}"));
                Ok(to_value(&DeletedResponse {
                    skyflow_id: id.to_string(),
                    deleted: true,
                }))
            }
            BatchMethod::None => Err(EngineError::invalid(
                "Batch entry has method NONE; use POST, PUT, GET or DELETE.",
            )),
        }
    }

    pub(crate) fn batch(
        &self,
        ctx: &RequestContext,
        req: BatchRequest,
    ) -> EngineResult<BatchResponse> {
        let ev = self.event(
            "/v1.RecordService/RecordBatchOperation",
            "CREATE",
            "RECORD",
            None,
        );
        let continue_on_error = req.continue_on_error.unwrap_or(false);
        self.write_op(ctx, ev, |c, ev| {
            if req.records.is_empty() {
                return Err(EngineError::invalid(
                    "Batch failed. No records were provided.",
                ));
            }
            if req.records.len() > self.inner.config.limits.max_records_per_request {
                return Err(EngineError::invalid(format!(
                    "Batch failed. Too many records: at most {} per request.",
                    self.inner.config.limits.max_records_per_request
                )));
            }
            let byot = req.byot.unwrap_or_default();
            let mut responses = Vec::with_capacity(req.records.len());
            for (i, r) in req.records.iter().enumerate() {
                if !continue_on_error {
                    let body = self
                        .batch_entry(ctx, c, r, byot, ev)
                        .map_err(|e| e.with_prefix(&format!("Batch entry {i}: ")))?;
                    ev.nested
                        .push((200, String::new(), format!("RECORD/{}", r.table_name)));
                    responses.push(BatchItemResponse { status: 200, body });
                    continue;
                }
                c.execute_batch("SAVEPOINT sky_entry")?;
                match self.batch_entry(ctx, c, r, byot, ev) {
                    Ok(body) => {
                        c.execute_batch("RELEASE sky_entry")?;
                        ev.nested
                            .push((200, String::new(), format!("RECORD/{}", r.table_name)));
                        responses.push(BatchItemResponse { status: 200, body });
                    }
                    Err(e) => {
                        c.execute_batch("ROLLBACK TO sky_entry; RELEASE sky_entry")?;
                        let status = if e.http_code() >= 500 { 500 } else { 400 };
                        ev.nested.push((
                            status,
                            e.loggable_message().to_string(),
                            format!("RECORD/{}", r.table_name),
                        ));
                        responses.push(BatchItemResponse {
                            status,
                            body: serde_json::json!({ "error": e.message() }),
                        });
                    }
                }
            }
            Ok(BatchResponse {
                vault_id: self.vault.id.clone(),
                responses,
            })
        })
    }
}

/// Tiny helper so `batch_entry` can turn any response into JSON.
mod erased {
    pub(crate) trait Ser {
        fn value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
}
