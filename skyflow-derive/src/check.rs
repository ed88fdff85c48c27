//! Rules that need more than one attribute or field. Every broken rule is recorded; none
//! stops the others.

use std::collections::BTreeMap;

use quote::ToTokens;

use crate::ast::Container;
use crate::attr::name_problem;
use crate::ctxt::Ctxt;
use crate::naming;

pub(crate) fn check(cx: &Ctxt, cont: &Container<'_>) {
    check_table(cx, cont);
    check_generics(cx, cont);
    check_skyflow_id(cx, cont);
    check_conflicts(cx, cont);
    check_columns(cx, cont);
    check_generated_names(cx, cont);
}

/// Every name the derive generates for a column is free: not a constant of `VaultTable`,
/// not the view or tokens type, not generated twice.
fn check_generated_names(cx: &Ctxt, cont: &Container<'_>) {
    let mut earlier: Vec<&crate::ast::Field<'_>> = Vec::new();
    for field in cont.columns() {
        match naming::clash(cont, field, &earlier) {
            Some(problem) => cx.error_spanned_by(field.ident, problem),
            None => earlier.push(field),
        }
    }
}

fn check_table(cx: &Ctxt, cont: &Container<'_>) {
    if cont.attrs.table.is_none() && !cont.attrs.table_mentioned {
        cx.error_spanned_by(
            cont.ident,
            format!(
                "missing #[vault(table = \"...\")] on `{}`: the table name is required\nhelp: name the vault table, e.g. `#[vault(table = \"persons\")]`",
                cont.ident
            ),
        );
    }
}

fn check_generics(cx: &Ctxt, cont: &Container<'_>) {
    if !cont.generics.params.is_empty() {
        cx.error_spanned_by(
            cont.generics,
            "#[derive(VaultTable)] does not support generic structs: a vault table has one fixed set of column types\nhelp: derive on a concrete struct",
        );
    }
}

fn check_skyflow_id(cx: &Ctxt, cont: &Container<'_>) {
    let ids: Vec<_> = cont
        .fields
        .iter()
        .filter_map(|f| f.attrs.skyflow_id.as_ref().map(|tokens| (f, tokens)))
        .collect();
    match ids.as_slice() {
        [] => cx.error_spanned_by(
            cont.ident,
            format!(
                "#[vault(skyflow_id)] must appear on exactly one field of `{}`\nhelp: add a field `#[vault(skyflow_id)] id: Option<SkyflowId>`",
                cont.ident
            ),
        ),
        [_] => {}
        [(first, _), rest @ ..] => {
            for (_, tokens) in rest {
                cx.error_spanned_by(
                    tokens,
                    format!(
                        "#[vault(skyflow_id)] must appear on exactly one field; it is already on `{}`",
                        first.name()
                    ),
                );
            }
        }
    }
}

fn check_conflicts(cx: &Ctxt, cont: &Container<'_>) {
    for field in &cont.fields {
        let attrs = &field.attrs;
        let column_keys = [
            ("column", attrs.column.as_ref().map(|c| &c.tokens)),
            ("redaction", attrs.redaction.as_ref().map(|r| &r.tokens)),
            ("unique", attrs.unique.as_ref()),
        ];
        if attrs.skyflow_id.is_some() {
            for (key, tokens) in column_keys {
                if let Some(tokens) = tokens {
                    cx.error_spanned_by(
                        tokens,
                        format!(
                            "#[vault(skyflow_id)] cannot be combined with #[vault({key})]: the id is not a column"
                        ),
                    );
                }
            }
            if let Some(tokens) = &attrs.skip {
                cx.error_spanned_by(
                    tokens,
                    "#[vault(skyflow_id)] cannot be combined with #[vault(skip)]: the id field is required",
                );
            }
        } else if attrs.skip.is_some() {
            for (key, tokens) in column_keys {
                if let Some(tokens) = tokens {
                    cx.error_spanned_by(
                        tokens,
                        format!(
                            "#[vault(skip)] cannot be combined with #[vault({key})]: a skipped field is not a column"
                        ),
                    );
                }
            }
        }
    }
}

fn check_columns(cx: &Ctxt, cont: &Container<'_>) {
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    for field in cont.columns() {
        let span_tokens = field
            .attrs
            .column
            .as_ref()
            .map_or_else(|| field.ident.to_token_stream(), |c| c.tokens.clone());
        if field.column == "skyflow_id" {
            cx.error_spanned_by(
                &span_tokens,
                "column name `skyflow_id` is reserved for the record id\nhelp: mark the id field `#[vault(skyflow_id)]` instead",
            );
            continue;
        }
        if field.attrs.column.is_none()
            && let Some(problem) = name_problem(&field.column)
        {
            cx.error_spanned_by(
                &span_tokens,
                format!(
                    "field `{}` maps to the invalid column name `{}`: a column name {problem}\nhelp: name the column with `#[vault(column = \"...\")]`",
                    field.name(),
                    field.column
                ),
            );
            continue;
        }
        if let Some(other) = seen.get(field.column.as_str()) {
            cx.error_spanned_by(
                &span_tokens,
                format!(
                    "column `{}` is mapped by two fields, `{other}` and `{}`",
                    field.column,
                    field.name()
                ),
            );
        } else {
            seen.insert(&field.column, field.name());
        }
    }
}
