//! Files in `DT_FILE` columns: upload (v1, v2), delete, scan status, signed download URLs.
//! File bytes and metadata are encrypted at rest like record values.

use rusqlite::Connection;
use serde_json::{Map, Value, json};

use super::audit::RequestContext;
use super::error::{EngineError, EngineResult, ErrorKind};
use super::ops::{Inner, now_secs};
use super::schema::{Column, DataType, Table};
use super::store::{FileRow, file_blobs};
use super::tokens::Issue;
use super::types::*;
use super::vault::Vault;

fn file_aad(file_id: &str, part: &str) -> Vec<u8> {
    format!("file|{file_id}|{part}").into_bytes()
}

/// The MIME type from the content's magic bytes, else the declared type, else a guess.
pub(crate) fn sniff(data: &[u8], declared: Option<&str>, name: &str) -> String {
    let magic: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"%PDF-", "application/pdf"),
        (b"PK\x03\x04", "application/zip"),
        (b"RIFF", "audio/wav"),
        (b"ID3", "audio/mpeg"),
    ];
    if let Some((_, m)) = magic.iter().find(|(sig, _)| data.starts_with(sig)) {
        return (*m).to_string();
    }
    if let Some(d) = declared.filter(|d| !d.is_empty() && *d != "application/octet-stream") {
        return d.to_string();
    }
    if std::str::from_utf8(data).is_ok() {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            return "application/json".into();
        }
        if lower.ends_with(".csv") {
            return "text/csv".into();
        }
        return "text/plain".into();
    }
    "application/octet-stream".into()
}

impl Inner {
    pub(crate) fn download_url_for(&self, file_id: &str) -> String {
        let exp = self.now() + self.config.limits.download_url_ttl.as_secs() as i64;
        let sig = self.keys.sign_url(file_id, exp);
        let base = self
            .base_url
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        format!("{base}/v1/files/download/{file_id}?exp={exp}&sig={sig}")
    }

    pub(crate) fn download_file(
        &self,
        file_id: &str,
        exp: i64,
        sig: &str,
    ) -> EngineResult<FileDownload> {
        if !self.keys.verify_url(file_id, exp, sig) {
            return Err(EngineError::new(
                ErrorKind::PermissionDenied,
                "Invalid download URL signature",
            ));
        }
        if exp < self.now() {
            return Err(EngineError::new(
                ErrorKind::PermissionDenied,
                "Download URL expired",
            ));
        }
        let row = self.store.read(|c| file_blobs(c, file_id))?;
        let (meta, data) =
            row.ok_or_else(|| EngineError::new(ErrorKind::NotFound, "File not found"))?;
        let meta: FileMetadata =
            serde_json::from_slice(&self.keys.decrypt(&file_aad(file_id, "meta"), &meta)?)
                .map_err(|_| EngineError::internal("stored file metadata is corrupt"))?;
        let data = self.keys.decrypt(&file_aad(file_id, "data"), &data)?;
        Ok(FileDownload {
            file_name: meta.file_name,
            content_type: meta.file_type,
            data,
        })
    }
}

impl Vault {
    pub(crate) fn download_url(&self, file_id: &str) -> String {
        self.inner.download_url_for(file_id)
    }

    pub(crate) fn file_meta(
        &self,
        c: &Connection,
        file_id: &str,
    ) -> EngineResult<Option<FileMetadata>> {
        self.rows(c)
            .file_meta(file_id)?
            .map(|b| {
                serde_json::from_slice(&self.inner.keys.decrypt(&file_aad(file_id, "meta"), &b)?)
                    .map_err(|_| EngineError::internal("stored file metadata is corrupt"))
            })
            .transpose()
    }

    fn file_column<'t>(&self, table: &'t Table, column: &str) -> EngineResult<&'t Column> {
        let col = table.column(column).ok_or_else(|| {
            EngineError::invalid(format!(
                "Invalid request. Column {column} does not exist in table {}.",
                table.name
            ))
        })?;
        if col.spec.datatype != DataType::File {
            return Err(EngineError::invalid(format!(
                "Invalid request. Column {column} is not a file column (DT_FILE)."
            )));
        }
        Ok(col)
    }

    /// Stores a file in the cell; creates the record when `sid` is `None`.
    fn store_file(
        &self,
        c: &Connection,
        table: &Table,
        col: &Column,
        sid: Option<&str>,
        up: &FileUpload,
    ) -> EngineResult<(String, FileMetadata)> {
        let max = self.inner.config.limits.effective_max_file_bytes();
        if up.data.len() > max {
            return Err(EngineError::new(
                ErrorKind::PayloadTooLarge,
                format!("File is too large: at most {max} bytes are accepted."),
            ));
        }
        let mut rec = match sid {
            Some(id) => self
                .load_record(c, &table.name, id)?
                .ok_or_else(EngineError::no_records)?,
            None => self.new_record(c, super::fpt::uuid()),
        };
        // The file (and token) the cell held before.
        self.clear_cell(c, &table.name, &mut rec, col)?;
        let file_id = super::fpt::uuid_simple();
        let name = if up.file_name.is_empty() {
            "file".to_string()
        } else {
            up.file_name.clone()
        };
        let meta = FileMetadata {
            file_type: sniff(&up.data, up.content_type.as_deref(), &name),
            file_name: name,
            file_size_kb: (up.data.len() as u64).div_ceil(1024),
        };
        let meta_json =
            serde_json::to_vec(&meta).map_err(|e| EngineError::internal(e.to_string()))?;
        self.rows(c).insert_file(&FileRow {
            file_id: &file_id,
            table: &table.name,
            sid: &rec.sid,
            column: &col.spec.name,
            meta_ct: &self
                .inner
                .keys
                .encrypt(&file_aad(&file_id, "meta"), &meta_json),
            data_ct: &self
                .inner
                .keys
                .encrypt(&file_aad(&file_id, "data"), &up.data),
            now: now_secs(),
        })?;
        let v = Value::String(file_id);
        rec.data.insert(col.spec.name.clone(), v.clone());
        if col.spec.token_policy.is_some() {
            let issue = Issue {
                cells: Some(&mut rec.cells),
                ..Issue::default()
            };
            self.issue_token(c, table, col, &v, issue, "")?;
        }
        let sid = rec.sid.clone();
        self.store_record(c, table, rec, None)?;
        Ok((sid, meta))
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
        up: FileUpload,
    ) -> EngineResult<FileUploadResponse> {
        let ev = self.event(
            "/v2.FileService/UploadFile",
            "CREATE",
            "FILE",
            Some(&up.table),
        );
        self.write_op(ctx, ev, |c, ev| {
            let t = self.table(&up.table)?;
            let col = self.file_column(t, &up.column)?;
            let sid = up.skyflow_id.as_deref().filter(|s| !s.is_empty());
            let (sid, meta) = self.store_file(c, t, col, sid, &up)?;
            ev.resource_ids.push(format!("RECORD/{sid}"));
            let file_metadata = up
                .return_file_metadata
                .then(|| std::iter::once((col.spec.name.clone(), meta)).collect());
            Ok(FileUploadResponse {
                skyflow_id: sid,
                file_metadata,
            })
        })
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
        up: FileUpload,
    ) -> EngineResult<UpdateResponse> {
        let ev = self.event(
            "/v1.FileService/UploadFile",
            "UPDATE",
            "FILE",
            Some(&up.table),
        );
        self.write_op(ctx, ev, |c, ev| {
            let t = self.table(&up.table)?;
            let col = self.file_column(t, &up.column)?;
            let sid = up
                .skyflow_id
                .as_deref()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    EngineError::invalid("Invalid request. The record id is required.")
                })?;
            let (sid, _) = self.store_file(c, t, col, Some(sid), &up)?;
            ev.resource_ids.push(format!("RECORD/{sid}"));
            Ok(UpdateResponse {
                skyflow_id: sid,
                tokens: None,
            })
        })
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
        let mut ev = self.event("/v1.FileService/DeleteFile", "DELETE", "FILE", Some(table));
        ev.resource_ids.push(format!("RECORD/{id}"));
        self.write_op(ctx, ev, |c, _| {
            let t = self.table(table)?;
            let col = self.file_column(t, column)?;
            let mut rec = self
                .load_record(c, table, id)?
                .ok_or_else(EngineError::no_records)?;
            if !self.clear_cell(c, table, &mut rec, col)? {
                // Nothing is stored: the write rolls back.
                return Err(EngineError::new(
                    ErrorKind::NotFound,
                    format!("No file found in column {column} of this record"),
                ));
            }
            self.store_record(c, t, rec, None)?;
            Ok(DeletedResponse {
                skyflow_id: id.to_string(),
                deleted: true,
            })
        })
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
        let mut ev = self.event(
            "/v1.FileService/GetFileScanStatus",
            "READ",
            "FILE",
            Some(table),
        );
        ev.resource_ids.push(format!("RECORD/{id}"));
        self.read_op(ctx, ev, |c, _| {
            let t = self.table(table)?;
            self.file_column(t, column)?;
            let status = if self.rows(c).has_cell_file(table, id, column)? {
                "SCAN_CLEAN"
            } else {
                "SCAN_FILE_NOT_FOUND"
            };
            Ok(ScanStatusResponse {
                av_scan_status: status.into(),
            })
        })
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
        let ev = self.event("/v2.FileService/GetFilesUploadStatus", "READ", "FILE", None);
        self.read_op(ctx, ev, |c, ev| {
            self.inner
                .config
                .limits
                .check_records(req.records.len(), "records")?;
            let mut out = Vec::new();
            for r in &req.records {
                let t = self.table(&r.table_name)?;
                let mut fields = Map::new();
                fields.insert("skyflow_id".into(), Value::String(r.skyflow_id.clone()));
                for f in &r.file_fields {
                    self.file_column(t, f)?;
                    let stored = self.rows(c).has_cell_file(&t.name, &r.skyflow_id, f)?;
                    let status = if stored {
                        json!({"file_status": "UPLOADED", "av_scan_status": "SCAN_CLEAN", "mimetype_status": "VALID"})
                    } else {
                        json!({"file_status": "NOT_FOUND", "av_scan_status": "SCAN_FILE_NOT_FOUND", "mimetype_status": ""})
                    };
                    fields.insert(f.clone(), status);
                }
                ev.resource_ids.push(format!("RECORD/{}", r.skyflow_id));
                out.push(UploadStatusResponseRecord { fields, table_name: t.name.clone() });
            }
            Ok(UploadStatusResponse { records: out })
        })
    }
}
