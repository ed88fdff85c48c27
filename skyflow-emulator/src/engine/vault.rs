//! [`Vault`]: the handle on one vault that every data operation goes through.

use std::sync::Arc;

use super::audit::RequestContext;
use super::error::EngineResult;
use super::ops::{Inner, Ops, VaultState};
use super::schema::VaultSchema;
use super::types::*;

/// A handle on one vault. All data operations live here; each takes the
/// [`RequestContext`] of the call, which is written to the audit log.
///
/// ```
/// use skyflow_emulator::engine::{Engine, EngineConfig, VaultSchema};
/// let e = Engine::open(EngineConfig::in_memory()).unwrap();
/// let id = e.create_vault(None, VaultSchema::quickstart()).unwrap();
/// assert_eq!(e.vault(&id).unwrap().id(), id);
/// ```
#[derive(Clone)]
pub struct Vault {
    pub(super) inner: Arc<Inner>,
    pub(super) state: Arc<VaultState>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("id", &self.state.id)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// The vault id.
    ///
    /// ```
    /// # use skyflow_emulator::engine::{Engine, EngineConfig, VaultSchema};
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// let id = e.create_vault(Some("abc"), VaultSchema::quickstart()).unwrap();
    /// assert_eq!(e.vault("abc").unwrap().id(), "abc");
    /// ```
    pub fn id(&self) -> &str {
        &self.state.id
    }

    /// The vault's schema.
    ///
    /// ```
    /// # use skyflow_emulator::engine::{Engine, EngineConfig, VaultSchema};
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let id = e.create_vault(None, VaultSchema::quickstart()).unwrap();
    /// assert!(e.vault(&id).unwrap().schema().table("persons").is_some());
    /// ```
    pub fn schema(&self) -> &VaultSchema {
        &self.state.schema
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
        self.ops().insert(ctx, table, req)
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
        self.ops().batch(ctx, req)
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
        self.ops().get(ctx, table, req)
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
        self.ops().get_one(ctx, table, id, req)
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
        self.ops().update(ctx, table, id, req)
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
        self.ops().delete(ctx, table, req)
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
        self.ops().delete_one(ctx, table, id)
    }

    /// Runs one read-only `SELECT` over the vault's tables (at most 25 rows, redaction applied).
    /// Anything else is refused with 400.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// assert!(v.query(&RequestContext::system(), "SELECT * FROM table1").unwrap().records.is_empty());
    /// assert_eq!(v.query(&RequestContext::system(), "DELETE FROM table1").unwrap_err().http_code(), 400);
    /// ```
    pub fn query(&self, ctx: &RequestContext, sql: &str) -> EngineResult<QueryResponse> {
        self.ops().query(ctx, sql)
    }

    /// Returns the existing tokens of values already stored in a deterministic column of the
    /// given group (or table + column). Never creates anything; 404 when a value is absent.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let req: TokenizeRequest = serde_json::from_value(serde_json::json!({
    ///     "tokenizationParameters": [{"value": "x@y.com", "table": "table1", "column": "email"}]})).unwrap();
    /// assert_eq!(v.tokenize(&RequestContext::system(), req).unwrap_err().http_code(), 404);
    /// ```
    pub fn tokenize(
        &self,
        ctx: &RequestContext,
        req: TokenizeRequest,
    ) -> EngineResult<TokenizeResponse> {
        self.ops().tokenize(ctx, req)
    }

    /// Resolves tokens to values with per-token redaction. Without `continueOnError` the
    /// first missing token fails the call (404 `Token not found for <token>`).
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let req: DetokenizeRequest = serde_json::from_value(serde_json::json!({
    ///     "detokenizationParameters": [{"token": "nope"}], "continueOnError": true})).unwrap();
    /// let res = v.detokenize(&RequestContext::system(), req).unwrap();
    /// assert_eq!(res.http_status(), 207);
    /// ```
    pub fn detokenize(
        &self,
        ctx: &RequestContext,
        req: DetokenizeRequest,
    ) -> EngineResult<DetokenizeResponse> {
        self.ops().detokenize(ctx, req)
    }

    /// Stores a file in a `DT_FILE` column (v2 upload), creating a record when no id is given.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let up = FileUpload { table: "table1".into(), column: "file".into(), skyflow_id: None,
    ///     file_name: "a.txt".into(), content_type: None, data: b"hello".to_vec(), return_file_metadata: true };
    /// let res = v.upload_file(&RequestContext::system(), up).unwrap();
    /// assert_eq!(res.file_metadata.unwrap()["file"].file_size_kb, 1);
    /// ```
    pub fn upload_file(
        &self,
        ctx: &RequestContext,
        upload: FileUpload,
    ) -> EngineResult<FileUploadResponse> {
        self.ops().upload_file(ctx, upload)
    }

    /// The v1 upload: stores a file in column `column` of the existing record `id` and answers
    /// like an update.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let up = FileUpload { table: "table1".into(), column: "file".into(), skyflow_id: Some("missing".into()),
    ///     file_name: "a.txt".into(), content_type: None, data: b"x".to_vec(), return_file_metadata: false };
    /// assert_eq!(v.upload_file_v1(&RequestContext::system(), up).unwrap_err().http_code(), 404);
    /// ```
    pub fn upload_file_v1(
        &self,
        ctx: &RequestContext,
        upload: FileUpload,
    ) -> EngineResult<UpdateResponse> {
        self.ops().upload_file_v1(ctx, upload)
    }

    /// Deletes the file in `column` of record `id`.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// assert_eq!(v.delete_file(&RequestContext::system(), "table1", "x", "file").unwrap_err().http_code(), 404);
    /// ```
    pub fn delete_file(
        &self,
        ctx: &RequestContext,
        table: &str,
        id: &str,
        column: &str,
    ) -> EngineResult<DeletedResponse> {
        self.ops().delete_file(ctx, table, id, column)
    }

    /// Anti-virus status of a stored file: `SCAN_CLEAN`, or `SCAN_FILE_NOT_FOUND`.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let s = v.scan_status(&RequestContext::system(), "table1", "x", "file").unwrap();
    /// assert_eq!(s.av_scan_status, "SCAN_FILE_NOT_FOUND");
    /// ```
    pub fn scan_status(
        &self,
        ctx: &RequestContext,
        table: &str,
        id: &str,
        column: &str,
    ) -> EngineResult<ScanStatusResponse> {
        self.ops().scan_status(ctx, table, id, column)
    }

    /// Upload status of files (`UPLOADED`/`SCAN_CLEAN` for stored files).
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// assert!(v.upload_status(&RequestContext::system(), UploadStatusRequest::default()).unwrap().records.is_empty());
    /// ```
    pub fn upload_status(
        &self,
        ctx: &RequestContext,
        req: UploadStatusRequest,
    ) -> EngineResult<UploadStatusResponse> {
        self.ops().upload_status(ctx, req)
    }

    fn ops(&self) -> Ops<'_> {
        Ops {
            inner: &self.inner,
            vault: &self.state,
        }
    }
}
