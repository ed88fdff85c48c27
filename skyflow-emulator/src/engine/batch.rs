//! The batch API: POST/PUT/GET/DELETE entries in order, in one transaction, or each entry
//! on its own (a savepoint) with `continueOnError`.

use rusqlite::Connection;
use serde_json::Value;

use super::audit::{PendingEvent, RequestContext};
use super::error::{EngineError, EngineResult};
use super::types::*;
use super::vault::Vault;
use super::write::InsertOpts;

impl Vault {
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
                // ENABLE allows records without tokens inside a batch.
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

    /// Runs a batch (POST/PUT/GET/DELETE entries in order). With `continueOnError` each entry
    /// succeeds or fails alone (`Status` 200/400); without it the whole batch is one
    /// transaction and the first failure is returned as the error.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let req: BatchRequest = serde_json::from_value(serde_json::json!({"continueOnError": true, "records": [
    ///   {"tableName": "table1", "method": "POST", "fields": {"name": "Jane"}},
    ///   {"tableName": "table1", "method": "POST", "fields": {"nope": "x"}}]})).unwrap();
    /// let res = v.batch(&RequestContext::system(), req).unwrap();
    /// assert_eq!(res.responses[1].status, 400);
    /// ```
    pub fn batch(&self, ctx: &RequestContext, req: BatchRequest) -> EngineResult<BatchResponse> {
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
            self.inner
                .config
                .limits
                .check_records(req.records.len(), "records")?;
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
                match self
                    .rows(c)
                    .savepoint(|| self.batch_entry(ctx, c, r, byot, ev))?
                {
                    Ok(body) => {
                        ev.nested
                            .push((200, String::new(), format!("RECORD/{}", r.table_name)));
                        responses.push(BatchItemResponse { status: 200, body });
                    }
                    Err(e) => {
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
