//! Rendering a stored record the way get answers it: field selection, redaction, tokens,
//! file names, download URLs and file metadata.

use rusqlite::Connection;
use serde_json::{Map, Value};

use super::error::EngineResult;
use super::redaction;
use super::schema::{DataType, Table};
use super::types::*;
use super::validate::canon;
use super::vault::Vault;

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

impl Vault {
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
            if !o.fields.is_empty() && !o.fields.iter().any(|f| f == &col.spec.name) {
                continue;
            }
            if col.is_skyflow_id() {
                fields.insert(col.spec.name.clone(), Value::String(sid.to_string()));
                continue;
            }
            if col.is_transient() {
                continue;
            }
            let Some(v) = data.get(&col.spec.name) else {
                continue;
            };
            if col.spec.datatype == DataType::File {
                let file_id = canon(v);
                let Some(fm) = self.file_meta(c, &file_id)? else {
                    continue;
                };
                if o.file_metadata {
                    meta.insert(col.spec.name.clone(), fm.clone());
                }
                if o.tokenization {
                    if let Some(t) = cell_tokens.get(&col.spec.name) {
                        fields.insert(col.spec.name.clone(), Value::String(t.clone()));
                    }
                } else if o.download_url {
                    fields.insert(
                        col.spec.name.clone(),
                        Value::String(self.download_url(&file_id)),
                    );
                } else {
                    let shown =
                        redaction::apply(col, o.redaction, o.capped, &Value::String(fm.file_name));
                    fields.insert(col.spec.name.clone(), shown);
                }
                continue;
            }
            if o.tokenization {
                if let Some(t) = cell_tokens.get(&col.spec.name) {
                    fields.insert(col.spec.name.clone(), Value::String(t.clone()));
                }
            } else {
                fields.insert(
                    col.spec.name.clone(),
                    redaction::apply(col, o.redaction, o.capped, v),
                );
            }
        }
        Ok(GetRecord {
            fields,
            file_metadata: (o.file_metadata && !meta.is_empty()).then_some(meta),
        })
    }
}
