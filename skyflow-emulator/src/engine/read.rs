//! Reads: get by ids, by unique column values or a page of the table, and get of one record.

use std::collections::HashSet;

use rusqlite::Connection;
use serde_json::Value;

use super::audit::{PendingEvent, RequestContext};
use super::error::{EngineError, EngineResult};
use super::render::RenderOpts;
use super::schema::Table;
use super::store::RecordOrder;
use super::types::*;
use super::validate::invalid_field;
use super::vault::Vault;

impl Vault {
    /// Get by ids, by unique column values, or the first records.
    pub(crate) fn get_in(
        &self,
        c: &Connection,
        t: &Table,
        req: &GetRequest,
        ev: &mut PendingEvent,
        capped: bool,
    ) -> EngineResult<GetResponse> {
        let (limit, offset) = self.check_get(t, req)?;
        let tokenization = req.tokenization.unwrap_or(false);
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
            ids = req.skyflow_ids.clone();
        } else if let Some(cn) = &req.column_name {
            let col = t.column(cn).ok_or_else(|| invalid_field(cn))?;
            if !col.is_unique() {
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
            let mut seen = HashSet::new();
            for id in &ids {
                if !seen.insert(id.clone()) {
                    continue;
                }
                if let Some(rec) = self.load_record(c, &t.name, id)? {
                    records.push((id.clone(), rec.data));
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
                OrderBy::Ascending => RecordOrder::IdAscending,
                OrderBy::Descending => RecordOrder::IdDescending,
                OrderBy::None => RecordOrder::Inserted,
            };
            let rows = self.rows(c).records_page(&t.name, order, limit, offset)?;
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

    /// Bulk get from `table`: by `skyflow_ids`, by `column_name` + `column_values` (unique
    /// column), or the first records (at most `limit` ≤ 25, after `offset`). 404 "No Records
    /// Found" when nothing matches ids or values.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let res = v.get(&RequestContext::system(), "table1", GetRequest::default()).unwrap();
    /// assert!(res.records.is_empty());
    /// ```
    pub fn get(
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

    /// Gets one record by id (404 "No Records Found" when missing).
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let err = v.get_one(&RequestContext::system(), "table1", "missing", GetOneRequest::default()).unwrap_err();
    /// assert_eq!(err.http_code(), 404);
    /// ```
    pub fn get_one(
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
                .ok_or_else(EngineError::no_records)?
                .data;
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
}
