//! The tables of the store and its format: created when missing, migrated from an older
//! format when the store opens (each migration is one transaction), refused when newer.

use rusqlite::Connection;

use crate::engine::crypto::Keys;
use crate::engine::error::{EngineError, EngineResult};

/// Format version of the store; a newer one is refused, an older one is migrated on open.
///
/// - 1: cells' links to tokens indexed by token (`sky_cell_tokens_fp`) to tell whether a
///   token is still held;
/// - 2: each token counts the cells that hold it (`sky_tokens.refs`), so a link is one
///   B-tree entry instead of two;
/// - 3: records and tokens are rows in insertion order with no index keyed by a hash (their
///   lookups are in memory, see `index.rs`); a record row holds its cells' links to tokens
///   (`cells`) and the keyed hashes of its unique values (`uniq`);
/// - 4: a token row names its column by a number (`col`, a row of `sky_columns`) instead of
///   four texts, and keeps the first 16 bytes of its keyed hashes (the bytes the lookups use).
pub(crate) const STORE_FORMAT: i64 = 4;

/// Moves a format-1 store to format 2: counts each token's links into `refs` and drops the
/// index the count replaces.
const MIGRATE_1_TO_2: &str = r#"
ALTER TABLE sky_tokens ADD COLUMN refs INTEGER NOT NULL DEFAULT 0;
UPDATE sky_tokens SET refs = (SELECT COUNT(*) FROM sky_cell_tokens c
    WHERE c.vault_id = sky_tokens.vault_id AND c.token_fp = sky_tokens.token_fp);
DROP INDEX IF EXISTS sky_cell_tokens_fp;
"#;

/// Moves a format-2 store to format 3: tokens and records are copied in their order into the
/// new tables; each record takes its cells' links (as token row ids) and its unique hashes
/// along; the link and unique tables go.
const MIGRATE_2_TO_3: &str = r#"
CREATE TABLE sky_tokens_3(
    tid INTEGER PRIMARY KEY, vault_id TEXT NOT NULL, token_fp BLOB NOT NULL, token_ct BLOB NOT NULL,
    group_name TEXT NOT NULL, value_fp BLOB, table_name TEXT NOT NULL, column_name TEXT NOT NULL,
    value_ct BLOB NOT NULL, expires_at INTEGER, refs INTEGER NOT NULL DEFAULT 0);
INSERT INTO sky_tokens_3(vault_id, token_fp, token_ct, group_name, value_fp, table_name, column_name, value_ct, expires_at, refs)
    SELECT vault_id, token_fp, token_ct, group_name, value_fp, table_name, column_name, value_ct, expires_at, refs
    FROM sky_tokens ORDER BY rowid;
CREATE INDEX sky_tokens_3_fp ON sky_tokens_3(vault_id, token_fp);
CREATE TABLE sky_records_3(
    rid INTEGER PRIMARY KEY, vault_id TEXT NOT NULL, table_name TEXT NOT NULL, skyflow_id TEXT NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, data BLOB NOT NULL, cells TEXT, uniq TEXT);
INSERT INTO sky_records_3(vault_id, table_name, skyflow_id, created_at, updated_at, data, cells, uniq)
    SELECT r.vault_id, r.table_name, r.skyflow_id, r.created_at, r.updated_at, r.data,
        (SELECT json_group_object(c.column_name, t.tid) FROM sky_cell_tokens c
            JOIN sky_tokens_3 t ON t.vault_id = c.vault_id AND t.token_fp = c.token_fp
            WHERE c.vault_id = r.vault_id AND c.table_name = r.table_name AND c.skyflow_id = r.skyflow_id),
        (SELECT json_group_array(hex(u.fp)) FROM sky_unique u
            WHERE u.vault_id = r.vault_id AND u.table_name = r.table_name AND u.skyflow_id = r.skyflow_id)
    FROM sky_records r ORDER BY r.vault_id, r.table_name, r.seq;
DROP INDEX sky_tokens_3_fp;
DROP TABLE sky_cell_tokens;
DROP TABLE sky_unique;
DROP TABLE sky_records;
DROP TABLE sky_tokens;
ALTER TABLE sky_tokens_3 RENAME TO sky_tokens;
ALTER TABLE sky_records_3 RENAME TO sky_records;
"#;

/// Moves a format-3 store to format 4: each (vault, table, column, column group) that issued
/// tokens becomes a row of `sky_columns`, numbered in the order of its first token; the tokens
/// are copied in their order, naming that row, with their hashes cut to 16 bytes.
const MIGRATE_3_TO_4: &str = r#"
CREATE TABLE sky_columns(
    col INTEGER PRIMARY KEY, vault_id TEXT NOT NULL, table_name TEXT NOT NULL,
    column_name TEXT NOT NULL, group_name TEXT NOT NULL);
INSERT INTO sky_columns(vault_id, table_name, column_name, group_name)
    SELECT vault_id, table_name, column_name, group_name FROM sky_tokens
    GROUP BY vault_id, table_name, column_name, group_name ORDER BY MIN(tid);
CREATE TABLE sky_tokens_4(
    tid INTEGER PRIMARY KEY, col INTEGER NOT NULL, token_fp BLOB NOT NULL, token_ct BLOB NOT NULL,
    value_fp BLOB, value_ct BLOB NOT NULL, expires_at INTEGER, refs INTEGER NOT NULL DEFAULT 0);
INSERT INTO sky_tokens_4(tid, col, token_fp, token_ct, value_fp, value_ct, expires_at, refs)
    SELECT t.tid, c.col, substr(t.token_fp, 1, 16), t.token_ct, substr(t.value_fp, 1, 16),
        t.value_ct, t.expires_at, t.refs
    FROM sky_tokens t JOIN sky_columns c ON c.vault_id = t.vault_id AND c.table_name = t.table_name
        AND c.column_name = t.column_name AND c.group_name = t.group_name
    ORDER BY t.tid;
DROP TABLE sky_tokens;
ALTER TABLE sky_tokens_4 RENAME TO sky_tokens;
"#;

/// The tables of the current format (`IF NOT EXISTS`: run on every open, after migrations).
///
/// `sky_audit.seq` is a plain row id: audit rows are never deleted, so each new row still
/// takes the highest number so far. (`AUTOINCREMENT` would also update `sqlite_sequence` in
/// every write: one more B-tree write per event and one more page per commit. Stores created
/// with it keep it; both number their rows the same.)
const DDL: &str = r#"
CREATE TABLE IF NOT EXISTS sky_meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS sky_vaults(vault_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, schema_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sky_records(
    rid INTEGER PRIMARY KEY, vault_id TEXT NOT NULL, table_name TEXT NOT NULL, skyflow_id TEXT NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, data BLOB NOT NULL, cells TEXT, uniq TEXT);
CREATE INDEX IF NOT EXISTS sky_records_table ON sky_records(vault_id, table_name);
CREATE TABLE IF NOT EXISTS sky_columns(
    col INTEGER PRIMARY KEY, vault_id TEXT NOT NULL, table_name TEXT NOT NULL,
    column_name TEXT NOT NULL, group_name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sky_tokens(
    tid INTEGER PRIMARY KEY, col INTEGER NOT NULL, token_fp BLOB NOT NULL, token_ct BLOB NOT NULL,
    value_fp BLOB, value_ct BLOB NOT NULL, expires_at INTEGER, refs INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sky_files(
    file_id TEXT PRIMARY KEY, vault_id TEXT NOT NULL, table_name TEXT NOT NULL, skyflow_id TEXT NOT NULL,
    column_name TEXT NOT NULL, meta BLOB NOT NULL, data BLOB NOT NULL, created_at INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS sky_files_cell ON sky_files(vault_id, table_name, skyflow_id, column_name);
CREATE TABLE IF NOT EXISTS sky_audit(
    seq INTEGER PRIMARY KEY, change_id TEXT NOT NULL, vault_id TEXT, ts INTEGER NOT NULL,
    request_id TEXT, actor TEXT, account_id TEXT, action_type TEXT, resource_type TEXT, code INTEGER,
    event TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sky_service_accounts(client_id TEXT PRIMARY KEY, key_id TEXT NOT NULL UNIQUE, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sky_api_keys(fp BLOB PRIMARY KEY, record TEXT NOT NULL);
"#;

/// The step from each older format to the next: the format it moves from, its statements.
const MIGRATIONS: [(i64, &str); 3] = [
    (1, MIGRATE_1_TO_2),
    (2, MIGRATE_2_TO_3),
    (3, MIGRATE_3_TO_4),
];

/// Moves the store from format `from` to the next with the statements `sql`, in one
/// transaction that also records the new format: a step that fails leaves the store as it was,
/// at `from`, and the next open tries it again.
fn migrate(conn: &Connection, from: i64, sql: &str) -> EngineResult<()> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let step = conn
        .execute_batch(sql)
        .and_then(|()| {
            conn.execute(
                "UPDATE sky_meta SET value = ?1 WHERE key = 'format'",
                [(from + 1).to_string().into_bytes()],
            )
        })
        .and_then(|_| conn.execute_batch("COMMIT"));
    if step.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    step?;
    Ok(())
}

/// Creates the tables of a new store, or checks the key of an existing one and migrates it to
/// [`STORE_FORMAT`].
pub(super) fn prepare(conn: &Connection, keys: &Keys) -> EngineResult<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS sky_meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);",
    )?;
    // Format version and key check.
    let format: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM sky_meta WHERE key = 'format'", [], |r| {
            r.get(0)
        })
        .ok();
    match format {
        Some(v) => {
            let f: i64 = String::from_utf8_lossy(&v).parse().unwrap_or(i64::MAX);
            if f > STORE_FORMAT {
                return Err(EngineError::internal(format!(
                    "the store has format {f}, newer than this emulator's {STORE_FORMAT}; refusing to open it"
                )));
            }
            let check: Option<Vec<u8>> = conn
                .query_row(
                    "SELECT value FROM sky_meta WHERE key = 'key_check'",
                    [],
                    |r| r.get(0),
                )
                .ok();
            if check.as_deref() != Some(keys.check_value().as_bytes()) {
                return Err(EngineError::internal(
                    "the key file does not match this database; refusing to start",
                ));
            }
            for (from, sql) in MIGRATIONS {
                if f <= from {
                    migrate(conn, from, sql)?;
                }
            }
            conn.execute_batch(DDL)?;
        }
        None => {
            conn.execute_batch(DDL)?;
            conn.execute(
                "INSERT INTO sky_meta(key, value) VALUES ('format', ?1), ('key_check', ?2)",
                rusqlite::params![
                    STORE_FORMAT.to_string().into_bytes(),
                    keys.check_value().into_bytes()
                ],
            )?;
        }
    }
    Ok(())
}
