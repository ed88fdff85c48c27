//! The query endpoint: parse with sqlparser, accept exactly one SELECT over vault tables,
//! rewrite each vault table into a subquery that decrypts its columns through the
//! application function `sky_col`, run it on a read-only connection under an authorizer
//! and a time budget, and redact the output.
//!
//! Layers of defence: (1) only `Statement::Query` with a plain SELECT body; (2) an AST walk
//! that allows only vault tables (no table functions, derived tables or CTEs) and only
//! allow-listed functions; (3) a SQLite authorizer that allows only SELECT, reads of the
//! internal record table and allow-listed functions; (4) `query_only` connections; (5) SQLite
//! limits while the statement runs (strings and blobs up to 1 MiB, bounded expression depth,
//! SQL length and function arguments) and a progress-handler time budget.
//!
//! Errors never quote the rewritten SQL or SQLite's own message; a query naming an unknown
//! column is a 400 whose message is sensitive (it may be a value typed without quotes).

use std::cell::RefCell;
use std::collections::HashSet;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Instant;

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::types::Value as SqlValue;
use serde_json::{Map, Value};
use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, LimitClause, ObjectName,
    ObjectNamePart, Query, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, Statement,
    TableAlias, TableFactor, Value as SqlAstValue, Visit, VisitMut, Visitor, VisitorMut,
};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;

mod walk;

use walk::*;

use crate::engine::audit::{AccessType, RequestContext};
use crate::engine::crypto::Keys;
use crate::engine::error::{EngineError, EngineResult, ErrorKind};
use crate::engine::records::record_aad;
use crate::engine::redaction;
use crate::engine::schema::{Column, DataType, DlpPolicy, Table};
use crate::engine::types::*;
use crate::engine::vault::Vault;

/// Functions a query may call (lower case). `redaction` is handled before this check.
const ALLOWED_FUNCTIONS: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "total",
    "lower",
    "upper",
    "length",
    "substr",
    "substring",
    "trim",
    "ltrim",
    "rtrim",
    "coalesce",
    "ifnull",
    "nullif",
    "abs",
    "round",
    "replace",
    "instr",
    "date",
    "time",
    "datetime",
    "julianday",
    "strftime",
    "like",
];

/// SQLite limits in force while a user query runs.
const QUERY_LIMITS: [(Limit, i32); 6] = [
    (Limit::SQLITE_LIMIT_LENGTH, 1 << 20),
    (Limit::SQLITE_LIMIT_SQL_LENGTH, 1 << 20),
    (Limit::SQLITE_LIMIT_EXPR_DEPTH, 100),
    (Limit::SQLITE_LIMIT_FUNCTION_ARG, 16),
    (Limit::SQLITE_LIMIT_COMPOUND_SELECT, 4),
    (Limit::SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1000),
];

/// The last decrypted record of this thread: (ciphertext, fields).
type CachedRecord = Option<(Vec<u8>, Map<String, Value>)>;

thread_local! {
    static LAST_RECORD: RefCell<CachedRecord> = const { RefCell::new(None) };
}

/// Registers `sky_col(data, vault, table, skyflow_id, column)`: decrypts a stored record
/// and returns one column as a typed SQL value. The last decrypted record is cached per
/// thread (keyed by its ciphertext, whose nonce is unique).
pub(crate) fn register_functions(conn: &Connection, keys: Arc<Keys>) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "sky_col",
        5,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        move |ctx| {
            let blob: Vec<u8> = ctx.get(0)?;
            let vault: String = ctx.get(1)?;
            let table: String = ctx.get(2)?;
            let sid: String = ctx.get(3)?;
            let col: String = ctx.get(4)?;
            let v = LAST_RECORD.with(|cell| -> rusqlite::Result<Option<Value>> {
                let mut cache = cell.borrow_mut();
                if let Some((b, m)) = cache.as_ref()
                    && *b == blob
                {
                    return Ok(m.get(&col).cloned());
                }
                let aad = record_aad(&vault, &table, &sid);
                let plain = keys.decrypt(&aad, &blob).map_err(|e| {
                    rusqlite::Error::UserFunctionError(e.message().to_string().into())
                })?;
                let m: Map<String, Value> = serde_json::from_slice(&plain).map_err(|_| {
                    rusqlite::Error::UserFunctionError("stored record is corrupt".into())
                })?;
                let out = m.get(&col).cloned();
                *cache = Some((blob, m));
                Ok(out)
            })?;
            Ok(match v {
                None | Some(Value::Null) => SqlValue::Null,
                Some(Value::Bool(b)) => SqlValue::Integer(i64::from(b)),
                Some(Value::Number(n)) => match n.as_i64() {
                    Some(i) => SqlValue::Integer(i),
                    None => SqlValue::Real(n.as_f64().unwrap_or(0.0)),
                },
                Some(Value::String(s)) => SqlValue::Text(s),
                Some(other) => SqlValue::Text(other.to_string()),
            })
        },
    )
}

fn bad(msg: impl Into<String>) -> EngineError {
    EngineError::invalid(format!("Invalid query: {}", msg.into()))
}

fn ident(v: &str) -> Ident {
    Ident::with_quote('"', v)
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn quote_lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn single_name(name: &ObjectName) -> Option<String> {
    match name.0.as_slice() {
        [ObjectNamePart::Identifier(i)] => Some(i.value.clone()),
        _ => None,
    }
}

/// How one output column is redacted.
enum Output<'t> {
    /// Shown as computed (literals, counts).
    Plain,
    /// Exactly one column: its type and redaction.
    Column(&'t Column, Redaction),
    /// An expression over columns: `*REDACTED*` unless every column is plain under `level`.
    Derived(bool),
}

/// The tables of one FROM clause: (alias, table).
type Scope<'t> = Vec<(String, &'t Table)>;

impl Vault {
    fn scope_of<'t>(&'t self, from: &[sqlparser::ast::TableWithJoins]) -> EngineResult<Scope<'t>> {
        fn walk<'t>(ops: &'t Vault, f: &TableFactor, out: &mut Scope<'t>) -> EngineResult<()> {
            match f {
                TableFactor::Table {
                    name, alias, args, ..
                } => {
                    if args.is_some() {
                        return Err(bad("table-valued functions are not allowed"));
                    }
                    let n =
                        single_name(name).ok_or_else(|| bad(format!("unknown table {name}")))?;
                    let t =
                        ops.vault.schema.table(&n).ok_or_else(|| {
                            bad(format!("table {n} does not exist in this vault"))
                        })?;
                    out.push((alias.as_ref().map(|a| a.name.value.clone()).unwrap_or(n), t));
                    Ok(())
                }
                TableFactor::NestedJoin {
                    table_with_joins, ..
                } => {
                    walk(ops, &table_with_joins.relation, out)?;
                    for j in &table_with_joins.joins {
                        walk(ops, &j.relation, out)?;
                    }
                    Ok(())
                }
                TableFactor::Derived { .. } => Err(bad("subqueries in FROM are not supported")),
                _ => Err(bad("only vault tables may appear in FROM")),
            }
        }
        let mut out = Vec::new();
        for twj in from {
            walk(self, &twj.relation, &mut out)?;
            for j in &twj.joins {
                walk(self, &j.relation, &mut out)?;
            }
        }
        Ok(out)
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
        let mut ev = self.event("/v1.QueryService/ExecuteQuery", "READ", "RECORD", None);
        ev.access_type = AccessType::Sql;
        self.read_op(ctx, ev, |c, _| {
            self.run_query(c, sql, ctx.default_redaction_only)
        })
    }

    fn run_query(&self, c: &Connection, sql: &str, capped: bool) -> EngineResult<QueryResponse> {
        let limits = &self.inner.config.limits;
        if sql.trim().is_empty() {
            return Err(bad("the query is empty"));
        }
        let mut stmts = Parser::parse_sql(&SQLiteDialect {}, sql).map_err(|e| {
            EngineError::sensitive(ErrorKind::InvalidArgument, format!("Invalid query: {e}"))
        })?;
        if stmts.len() != 1 {
            return Err(bad("exactly one SELECT statement is allowed"));
        }
        let Statement::Query(mut query) = stmts.remove(0) else {
            return Err(bad("only SELECT statements are allowed"));
        };
        check_query_shape(&query)?;
        // LIMIT: a literal no larger than max_rows.
        if let Some(lc) = &query.limit_clause {
            let limit = match lc {
                LimitClause::LimitOffset {
                    limit, limit_by, ..
                } => {
                    if !limit_by.is_empty() {
                        return Err(bad("LIMIT BY is not supported"));
                    }
                    limit.as_ref()
                }
                LimitClause::OffsetCommaLimit { limit, .. } => Some(limit),
            };
            if let Some(l) = limit {
                let n = match l {
                    Expr::Value(v) => match &v.value {
                        SqlAstValue::Number(n, _) => n.parse::<i64>().ok(),
                        _ => None,
                    },
                    _ => None,
                }
                .ok_or_else(|| bad("LIMIT must be a number"))?;
                if n < 0 || n as usize > limits.max_rows {
                    return Err(bad(format!(
                        "LIMIT must be between 0 and {}",
                        limits.max_rows
                    )));
                }
            }
        }
        let SetExpr::Select(select) = query.body.as_mut() else {
            return Err(bad(
                "only a plain SELECT is supported (no UNION, VALUES or TABLE)",
            ));
        };
        if select.into.is_some() {
            return Err(bad("SELECT INTO is not allowed"));
        }
        let scope = self.scope_of(&select.from)?;
        // Transient columns may not be filtered on.
        if let Some(w) = &select.selection {
            for (q, name) in column_refs(w).0 {
                if let Some(col) = resolve(&scope, q.as_deref(), &name)
                    && col.is_transient()
                {
                    return Err(bad(format!(
                        "WHERE is not supported on transient column {}",
                        col.spec.name
                    )));
                }
            }
        }
        // Projection: expand wildcards, unwrap REDACTION(), decide each output's redaction.
        let mut items = Vec::new();
        let mut outputs: Vec<Output<'_>> = Vec::new();
        for item in std::mem::take(&mut select.projection) {
            match item {
                SelectItem::Wildcard(_) => {
                    for (alias, t) in &scope {
                        expand(alias, t, &mut items, &mut outputs);
                    }
                }
                SelectItem::QualifiedWildcard(
                    SelectItemQualifiedWildcardKind::ObjectName(name),
                    _,
                ) => {
                    let a =
                        single_name(&name).ok_or_else(|| bad(format!("unknown table {name}")))?;
                    let (alias, t) = scope
                        .iter()
                        .find(|(al, _)| *al == a)
                        .ok_or_else(|| bad(format!("unknown table {a}")))?;
                    expand(alias, t, &mut items, &mut outputs);
                }
                SelectItem::QualifiedWildcard(..) => return Err(bad("unsupported wildcard")),
                SelectItem::UnnamedExpr(e) => {
                    let (e, level) = unwrap_redaction(e)?;
                    let out = classify(&scope, &e, level, capped);
                    let item = match (&out, level) {
                        (Output::Column(col, _), Some(_)) => SelectItem::ExprWithAlias {
                            expr: e,
                            alias: ident(&col.spec.name),
                        },
                        _ => SelectItem::UnnamedExpr(e),
                    };
                    items.push(item);
                    outputs.push(out);
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    let (e, level) = unwrap_redaction(expr)?;
                    outputs.push(classify(&scope, &e, level, capped));
                    items.push(SelectItem::ExprWithAlias { expr: e, alias });
                }
            }
        }
        select.projection = items;
        // Allow-list walk (functions, tables) over the whole query.
        let mut check = Checker {
            ops: self,
            error: None,
            columns: HashSet::new(),
        };
        let _ = Visit::visit(&*query, &mut check);
        if let Some(e) = check.error {
            return Err(e);
        }
        // Rewrite tables into decrypting subqueries; double-quoted non-columns into strings.
        let mut rw = Rewriter {
            ops: self,
            columns: check.columns,
            error: None,
        };
        let _ = VisitMut::visit(&mut *query, &mut rw);
        if let Some(e) = rw.error {
            return Err(e);
        }
        let text = query.to_string();
        self.execute(c, &text, &outputs, capped)
    }

    fn execute(
        &self,
        c: &Connection,
        text: &str,
        outputs: &[Output<'_>],
        capped: bool,
    ) -> EngineResult<QueryResponse> {
        let limits = &self.inner.config.limits;
        let deadline = Instant::now() + limits.query_timeout;
        c.progress_handler(1000, Some(move || Instant::now() > deadline));
        c.authorizer(Some(authorize));
        // Caps for this statement only (the same reader connections serve gets, whose stored
        // blobs may be larger): no string or blob over 1 MiB, so nested string functions
        // cannot build huge values; bounded expression depth, SQL length and arguments.
        let mut saved = Vec::with_capacity(QUERY_LIMITS.len());
        for (limit, value) in QUERY_LIMITS {
            saved.push((limit, c.set_limit(limit, value)?));
        }
        let res = (|| -> EngineResult<QueryResponse> {
            let mut st = c.prepare(text).map_err(|e| self.sqlite_error(e))?;
            let names: Vec<String> = st.column_names().iter().map(|s| s.to_string()).collect();
            let mut rows = st.query([]).map_err(|e| self.sqlite_error(e))?;
            let mut records = Vec::new();
            while records.len() < limits.max_rows {
                let Some(row) = rows.next().map_err(|e| self.sqlite_error(e))? else {
                    break;
                };
                let mut fields = Map::new();
                for (i, name) in names.iter().enumerate() {
                    let raw: SqlValue = row.get(i)?;
                    let v = match raw {
                        SqlValue::Null => Value::Null,
                        SqlValue::Integer(n) => Value::from(n),
                        SqlValue::Real(f) => serde_json::Number::from_f64(f)
                            .map(Value::Number)
                            .unwrap_or(Value::Null),
                        SqlValue::Text(s) => Value::String(s),
                        SqlValue::Blob(b) => Value::String(super::crypto::to_hex(&b)),
                    };
                    let shown = match outputs.get(i) {
                        Some(Output::Column(col, level)) => {
                            let typed = match (&col.spec.datatype, &v) {
                                (DataType::Bool, Value::Number(n)) => {
                                    Value::Bool(n.as_i64() == Some(1))
                                }
                                (DataType::Json, Value::String(s)) => {
                                    serde_json::from_str(s).unwrap_or(v.clone())
                                }
                                _ if col.spec.is_array => match &v {
                                    Value::String(s) => {
                                        serde_json::from_str(s).unwrap_or(v.clone())
                                    }
                                    _ => v.clone(),
                                },
                                _ => v.clone(),
                            };
                            redaction::apply(col, *level, capped, &typed)
                        }
                        Some(Output::Derived(true)) if !v.is_null() => {
                            Value::String(redaction::REDACTED_TEXT.into())
                        }
                        _ => v,
                    };
                    fields.insert(name.clone(), shown);
                }
                records.push(QueryRecord { fields });
            }
            Ok(QueryResponse { records })
        })();
        c.authorizer(None::<fn(AuthContext<'_>) -> Authorization>);
        c.progress_handler(0, None::<fn() -> bool>);
        for (limit, value) in saved {
            c.set_limit(limit, value)?;
        }
        res
    }

    /// Maps a SQLite failure to a caller-facing error that holds no SQL text, no literal and
    /// no internal name (the rewritten query names internal tables and functions).
    ///
    /// An unknown column answers 400 by default; with `skyflow_quirks` it copies Skyflow's
    /// observed 500 `ERROR (internal_error): Could not find Field <c>`. Either way the message
    /// names what the caller wrote, which may be a value typed without quotes
    /// (`WHERE email = SecretValue`), so the error is sensitive: logs and the audit trail get
    /// a placeholder, only the caller sees the name.
    fn sqlite_error(&self, e: rusqlite::Error) -> EngineError {
        let msg = e.to_string();
        if let Some(col) = msg.split("no such column: ").nth(1) {
            let col = col.split_whitespace().next().unwrap_or(col);
            let col = col.rsplit('.').next().unwrap_or(col);
            if self.inner.config.skyflow_quirks {
                return EngineError::sensitive(
                    ErrorKind::Internal,
                    format!("ERROR (internal_error): Could not find Field {col}"),
                );
            }
            return EngineError::sensitive(
                ErrorKind::InvalidArgument,
                format!("Invalid query: Could not find Field {col}"),
            );
        }
        if msg.contains("interrupted") {
            return bad("the query ran longer than the time limit");
        }
        if msg.contains("not authorized") {
            return bad("the query uses something the local vault does not allow");
        }
        if msg.contains("too big") || msg.contains("too large") || msg.contains("too many") {
            return bad("the query exceeds the local vault's size limits");
        }
        bad("the query could not be run")
    }
}
