//! `sky_audit`: one row per audit event (its JSON plus the columns it is filtered by).

use rusqlite::Connection;

use super::{MOST_ROWS_PER_INSERT, MultiInsert, Store};
use crate::engine::error::EngineResult;

/// A new audit row (it waits in the open write until [`flush_audit`] writes it).
pub(crate) struct AuditRow {
    pub change_id: String,
    pub vault_id: String,
    pub ts: i64,
    pub request_id: String,
    pub actor: String,
    pub account_id: Option<String>,
    pub action_type: &'static str,
    pub resource_type: &'static str,
    pub code: u16,
    pub event_json: String,
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

/// The multi-row INSERT of audit rows (`seq` is left to SQLite).
static INSERT_AUDIT: MultiInsert<10> = MultiInsert::new(
    "sky_audit(change_id, vault_id, ts, request_id, actor, account_id, action_type, resource_type, code, event)",
);

/// Stores one event in the caller's write (`c` is the writer's connection): the row waits
/// in the write with its other new rows and is written with them ([`flush_audit`]).
pub(crate) fn insert_audit(store: &Store, c: &Connection, row: AuditRow) -> EngineResult<()> {
    if store.index.defer_audit(row) >= MOST_ROWS_PER_INSERT {
        flush_audit(c, store)?;
    }
    Ok(())
}

/// Writes the audit rows the open write added and has not written yet, in their order.
pub(crate) fn flush_audit(c: &Connection, store: &Store) -> EngineResult<()> {
    INSERT_AUDIT.write(c, &store.index.take_due_audit(), |row| {
        [
            &row.change_id,
            &row.vault_id,
            &row.ts,
            &row.request_id,
            &row.actor,
            &row.account_id,
            &row.action_type,
            &row.resource_type,
            &row.code,
            &row.event_json,
        ]
    })
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
