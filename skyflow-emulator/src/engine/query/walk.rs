//! The AST side of a query: the shape check, column resolution, redaction classification,
//! the checker walk, the rewrite of each vault table into a decrypting subquery, and the
//! SQLite authorizer.

use super::*;

pub(super) fn authorize(ctx: AuthContext<'_>) -> Authorization {
    match ctx.action {
        AuthAction::Select => Authorization::Allow,
        AuthAction::Read {
            table_name: "sky_records",
            ..
        } => Authorization::Allow,
        AuthAction::Function { function_name } => {
            let f = function_name.to_ascii_lowercase();
            if f == "sky_col" || ALLOWED_FUNCTIONS.contains(&f.as_str()) {
                Authorization::Allow
            } else {
                Authorization::Deny
            }
        }
        _ => Authorization::Deny,
    }
}

pub(super) fn check_query_shape(q: &Query) -> EngineResult<()> {
    if q.with.is_some() {
        return Err(bad("WITH (common table expressions) is not supported"));
    }
    if q.fetch.is_some()
        || !q.locks.is_empty()
        || q.for_clause.is_some()
        || q.settings.is_some()
        || q.format_clause.is_some()
        || !q.pipe_operators.is_empty()
    {
        return Err(bad("unsupported clause"));
    }
    Ok(())
}

/// Wildcard expansion: every visible column of `t`, qualified by `alias`.
pub(super) fn expand<'t>(
    alias: &str,
    t: &'t Table,
    items: &mut Vec<SelectItem>,
    outputs: &mut Vec<Output<'t>>,
) {
    for col in &t.columns {
        if col.is_transient() || col.spec.datatype == DataType::File {
            continue;
        }
        items.push(SelectItem::UnnamedExpr(Expr::CompoundIdentifier(vec![
            ident(alias),
            ident(&col.spec.name),
        ])));
        outputs.push(Output::Column(col, Redaction::Default));
    }
}

/// `REDACTION(expr, 'LEVEL')` → (expr, Some(level)).
pub(super) fn unwrap_redaction(e: Expr) -> EngineResult<(Expr, Option<Redaction>)> {
    if let Expr::Function(f) = &e
        && f.name.to_string().eq_ignore_ascii_case("redaction")
    {
        let FunctionArguments::List(list) = &f.args else {
            return Err(bad("REDACTION takes a column and a redaction level"));
        };
        let args: Vec<&Expr> = list
            .args
            .iter()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect();
        if args.len() != 2 || list.args.len() != 2 {
            return Err(bad("REDACTION takes a column and a redaction level"));
        }
        let level = match args[1] {
            Expr::Value(v) => match &v.value {
                SqlAstValue::SingleQuotedString(s) | SqlAstValue::DoubleQuotedString(s) => {
                    Some(s.clone())
                }
                _ => None,
            },
            Expr::Identifier(i) => Some(i.value.clone()),
            _ => None,
        }
        .and_then(|s| Redaction::parse(&s.to_ascii_uppercase()))
        .ok_or_else(|| {
            bad("REDACTION level must be one of DEFAULT, REDACTED, MASKED, PLAIN_TEXT")
        })?;
        return Ok((args[0].clone(), Some(level)));
    }
    Ok((e, None))
}

/// Column references of an expression outside subqueries, and whether it has subqueries.
pub(super) fn column_refs(e: &Expr) -> (Vec<(Option<String>, String)>, bool) {
    struct Refs {
        depth: usize,
        refs: Vec<(Option<String>, String)>,
        sub: bool,
    }
    impl Visitor for Refs {
        type Break = ();
        fn pre_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
            self.depth += 1;
            self.sub = true;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
            self.depth -= 1;
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if self.depth == 0 {
                match e {
                    Expr::Identifier(i) => self.refs.push((None, i.value.clone())),
                    Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                        let n = parts.len();
                        self.refs
                            .push((Some(parts[n - 2].value.clone()), parts[n - 1].value.clone()));
                    }
                    _ => {}
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut r = Refs {
        depth: 0,
        refs: Vec::new(),
        sub: false,
    };
    let _ = Visit::visit(e, &mut r);
    (r.refs, r.sub)
}

pub(super) fn resolve<'t>(
    scope: &Scope<'t>,
    qualifier: Option<&str>,
    name: &str,
) -> Option<&'t Column> {
    match qualifier {
        Some(q) => scope
            .iter()
            .find(|(a, _)| a == q)
            .and_then(|(_, t)| t.column(name)),
        None => scope.iter().find_map(|(_, t)| t.column(name)),
    }
}

pub(super) fn classify<'t>(
    scope: &Scope<'t>,
    e: &Expr,
    level: Option<Redaction>,
    capped: bool,
) -> Output<'t> {
    let lvl = level.unwrap_or_default();
    let single = match e {
        Expr::Identifier(i) => resolve(scope, None, &i.value),
        Expr::CompoundIdentifier(p) if p.len() >= 2 => {
            resolve(scope, Some(&p[p.len() - 2].value), &p[p.len() - 1].value)
        }
        Expr::Nested(inner) => return classify(scope, inner, level, capped),
        Expr::Function(f) => {
            let name = f.name.to_string().to_ascii_lowercase();
            if name == "count" {
                return Output::Plain;
            }
            if (name == "min" || name == "max")
                && let FunctionArguments::List(l) = &f.args
                && let [FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))] = l.args.as_slice()
                && let Output::Column(c, _) = classify(scope, arg, level, capped)
            {
                return Output::Column(c, lvl);
            }
            None
        }
        _ => None,
    };
    if let Some(col) = single {
        return Output::Column(col, lvl);
    }
    let (refs, sub) = column_refs(e);
    if refs.is_empty() && !sub {
        return Output::Plain;
    }
    let restricted = sub
        || refs
            .iter()
            .any(|(q, n)| match resolve(scope, q.as_deref(), n) {
                Some(c) => redaction::effective(c, lvl, capped) != DlpPolicy::PlainText,
                None => true,
            });
    Output::Derived(restricted)
}

/// Validates the whole query tree: tables, table factors, functions.
pub(super) struct Checker<'a> {
    pub(super) ops: &'a Vault,
    pub(super) error: Option<EngineError>,
    pub(super) columns: HashSet<String>,
}

impl Visitor for Checker<'_> {
    type Break = ();
    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        let shape = check_query_shape(q).and_then(|_| match q.body.as_ref() {
            SetExpr::Select(s) if s.into.is_none() => Ok(()),
            SetExpr::Select(_) => Err(bad("SELECT INTO is not allowed")),
            SetExpr::Query(_) | SetExpr::SetOperation { .. } => Ok(()),
            _ => Err(bad("only SELECT is allowed")),
        });
        if let Err(e) = shape {
            self.error = Some(e);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
    fn pre_visit_table_factor(&mut self, f: &TableFactor) -> ControlFlow<()> {
        match f {
            TableFactor::Table { name, args, .. } => {
                if args.is_some() {
                    self.error = Some(bad("table-valued functions are not allowed"));
                    return ControlFlow::Break(());
                }
                match single_name(name).and_then(|n| self.ops.vault.schema.table(&n)) {
                    Some(t) => {
                        self.columns
                            .extend(t.columns.iter().map(|c| c.spec.name.clone()));
                        ControlFlow::Continue(())
                    }
                    None => {
                        self.error =
                            Some(bad(format!("table {name} does not exist in this vault")));
                        ControlFlow::Break(())
                    }
                }
            }
            TableFactor::NestedJoin { .. } => ControlFlow::Continue(()),
            TableFactor::Derived { .. } => {
                self.error = Some(bad("subqueries in FROM are not supported"));
                ControlFlow::Break(())
            }
            _ => {
                self.error = Some(bad("only vault tables may appear in FROM"));
                ControlFlow::Break(())
            }
        }
    }
    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        if let Expr::Function(f) = e {
            let name = f.name.to_string().to_ascii_lowercase();
            if name == "redaction" {
                self.error = Some(bad(
                    "REDACTION() is only allowed as a top-level output column",
                ));
                return ControlFlow::Break(());
            }
            if !ALLOWED_FUNCTIONS.contains(&name.as_str()) {
                self.error = Some(bad(format!("function {name} is not allowed")));
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}

/// Replaces vault tables by decrypting subqueries; `"x"` that names no column becomes `'x'`;
/// `ILIKE` becomes `LIKE` (SQLite's LIKE is case-insensitive for ASCII) (inferred).
pub(super) struct Rewriter<'a> {
    pub(super) ops: &'a Vault,
    pub(super) columns: HashSet<String>,
    pub(super) error: Option<EngineError>,
}

impl Rewriter<'_> {
    fn subquery(&self, t: &Table) -> EngineResult<Box<Query>> {
        let v = quote_lit(&self.ops.vault.id);
        let tn = quote_lit(&t.name);
        let mut cols = vec![format!("skyflow_id AS {}", quote_ident("skyflow_id"))];
        for c in t.columns.iter().filter(|c| !c.is_skyflow_id()) {
            if c.is_transient() || c.spec.datatype == DataType::File {
                cols.push(format!("NULL AS {}", quote_ident(&c.spec.name)));
            } else {
                cols.push(format!(
                    "sky_col(data, {v}, {tn}, skyflow_id, {}) AS {}",
                    quote_lit(&c.spec.name),
                    quote_ident(&c.spec.name)
                ));
            }
        }
        let sql = format!(
            "SELECT {} FROM sky_records WHERE vault_id = {v} AND table_name = {tn}",
            cols.join(", ")
        );
        match Parser::parse_sql(&SQLiteDialect {}, &sql)
            .map_err(|e| EngineError::internal(e.to_string()))?
            .pop()
        {
            Some(Statement::Query(q)) => Ok(q),
            _ => Err(EngineError::internal("rewrite produced no query")),
        }
    }
}

impl VisitorMut for Rewriter<'_> {
    type Break = ();
    fn post_visit_table_factor(&mut self, f: &mut TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { name, alias, .. } = f {
            let Some(t) = single_name(name).and_then(|n| self.ops.vault.schema.table(&n)) else {
                self.error = Some(bad(format!("table {name} does not exist in this vault")));
                return ControlFlow::Break(());
            };
            let alias = alias.clone().unwrap_or(TableAlias {
                name: ident(&t.name),
                columns: vec![],
            });
            match self.subquery(t) {
                Ok(subquery) => {
                    *f = TableFactor::Derived {
                        lateral: false,
                        subquery,
                        alias: Some(alias),
                    }
                }
                Err(e) => {
                    self.error = Some(e);
                    return ControlFlow::Break(());
                }
            }
        }
        ControlFlow::Continue(())
    }
    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        match e {
            Expr::Identifier(i)
                if i.quote_style == Some('"') && !self.columns.contains(&i.value) =>
            {
                *e = Expr::Value(SqlAstValue::SingleQuotedString(i.value.clone()).into());
            }
            Expr::ILike {
                negated,
                any,
                expr,
                pattern,
                escape_char,
            } => {
                *e = Expr::Like {
                    negated: *negated,
                    any: *any,
                    expr: expr.clone(),
                    pattern: pattern.clone(),
                    escape_char: escape_char.clone(),
                };
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}
