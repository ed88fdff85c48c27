//! `sky_audit`: one row per audit event (its JSON plus the columns it is filtered by).

use rusqlite::{Connection, params};

use super::Store;
use crate::engine::error::EngineResult;

/// A new audit row.
pub(crate) struct AuditRow<'a> {
    pub change_id: &'a str,
    pub vault_id: &'a str,
    pub ts: i64,
    pub request_id: &'a str,
    pub actor: &'a str,
    pub account_id: Option<&'a str>,
    pub action_type: &'a str,
    pub resource_type: &'a str,
    pub code: u16,
    pub event_json: &'a str,
}

/// Filters of an audit listing; `None` matches anything.
#[derive(Default)]
pub(crate) struct AuditQuery<'a> {
    pub equals: Vec<(&'static str, &'a str)>,
    pub code: Option<u16>,
    pub ascending: bool,
    pub limit: usize,
    pub offset: usize,
}

/// Stores one event in the caller's transaction.
pub(crate) fn insert_audit(c: &Connection, row: &AuditRow<'_>) -> EngineResult<()> {
    c.prepare_cached(
        "INSERT INTO sky_audit(change_id, vault_id, ts, request_id, actor, account_id, action_type, resource_type, code, event)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        row.change_id,
        row.vault_id,
        row.ts,
        row.request_id,
        row.actor,
        row.account_id,
        row.action_type,
        row.resource_type,
        row.code,
        row.event_json
    ])?;
    Ok(())
}

impl Store {
    /// `(event_json, ts, change_id)` of the events matching `q`.
    pub(crate) fn audit_rows(
        &self,
        q: &AuditQuery<'_>,
    ) -> EngineResult<Vec<(String, i64, String)>> {
        let mut sql = String::from("SELECT event, ts, change_id FROM sky_audit WHERE 1 = 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        for (col, v) in &q.equals {
            args.push(rusqlite::types::Value::Text((*v).to_string()));
            sql.push_str(&format!(" AND {col} = ?{}", args.len()));
        }
        if let Some(code) = q.code {
            args.push(rusqlite::types::Value::Integer(i64::from(code)));
            sql.push_str(&format!(" AND code = ?{}", args.len()));
        }
        sql.push_str(&format!(
            " ORDER BY seq {} LIMIT {} OFFSET {}",
            if q.ascending { "ASC" } else { "DESC" },
            q.limit,
            q.offset
        ));
        self.read(|c| {
            let mut st = c.prepare(&sql)?;
            let rows = st
                .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }
}
