//! Parsing of `#[vault(...)]` attributes into typed structs.
//!
//! No parser here returns early on a user mistake: bad, unknown or duplicated keys are
//! recorded in the [`Ctxt`] and skipped, so the user sees every mistake in one compile.
//! Values are checked where they are parsed.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::{Expr, ExprLit, Lit, LitStr, Token};

use crate::ctxt::Ctxt;
use crate::symbol::{
    COLUMN, CONTAINER_KEYS, CRATE, FIELD_KEYS, REDACTION, RENAME_ALL, SKIP, SKYFLOW_ID, Symbol,
    TABLE, UNIQUE, VAULT,
};

/// A value that may be set once; a second `set` records a duplicate error.
pub(crate) struct Attr<'c, T> {
    cx: &'c Ctxt,
    name: Symbol,
    tokens: TokenStream,
    value: Option<T>,
}

impl<'c, T> Attr<'c, T> {
    fn none(cx: &'c Ctxt, name: Symbol) -> Self {
        Attr {
            cx,
            name,
            tokens: TokenStream::new(),
            value: None,
        }
    }

    fn set<A: ToTokens>(&mut self, obj: A, value: T) {
        let tokens = obj.into_token_stream();
        if self.value.is_some() {
            self.cx.error_spanned_by(
                tokens,
                format!(
                    "duplicate vault attribute `{}`\nhelp: set it once: `{}`",
                    self.name,
                    self.name.format()
                ),
            );
        } else {
            self.tokens = tokens;
            self.value = Some(value);
        }
    }

    fn get(self) -> Option<Spanned<T>> {
        let tokens = self.tokens;
        self.value.map(|value| Spanned { value, tokens })
    }
}

/// A flag such as `#[vault(unique)]`.
struct Flag<'c>(Attr<'c, ()>);

impl<'c> Flag<'c> {
    fn none(cx: &'c Ctxt, name: Symbol) -> Self {
        Flag(Attr::none(cx, name))
    }

    fn set_true<A: ToTokens>(&mut self, obj: A) {
        self.0.set(obj, ());
    }

    /// The tokens of the key when it was set.
    fn get(self) -> Option<TokenStream> {
        self.0.get().map(|spanned| spanned.tokens)
    }
}

/// A parsed value with the tokens it came from (for spans of later errors).
pub(crate) struct Spanned<T> {
    pub(crate) value: T,
    pub(crate) tokens: TokenStream,
}

/// serde's `rename_all` rules.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) enum RenameRule {
    None,
    LowerCase,
    UpperCase,
    PascalCase,
    CamelCase,
    SnakeCase,
    ScreamingSnakeCase,
    KebabCase,
    ScreamingKebabCase,
}

const RENAME_RULES: &[(&str, RenameRule)] = &[
    ("lowercase", RenameRule::LowerCase),
    ("UPPERCASE", RenameRule::UpperCase),
    ("PascalCase", RenameRule::PascalCase),
    ("camelCase", RenameRule::CamelCase),
    ("snake_case", RenameRule::SnakeCase),
    ("SCREAMING_SNAKE_CASE", RenameRule::ScreamingSnakeCase),
    ("kebab-case", RenameRule::KebabCase),
    ("SCREAMING-KEBAB-CASE", RenameRule::ScreamingKebabCase),
];

impl RenameRule {
    /// Applies the rule to a Rust field name (which is snake_case by convention).
    pub(crate) fn apply_to_field(self, field: &str) -> String {
        match self {
            RenameRule::None | RenameRule::SnakeCase => field.to_owned(),
            RenameRule::LowerCase => field.to_ascii_lowercase(),
            RenameRule::UpperCase => field.to_ascii_uppercase(),
            RenameRule::PascalCase => pascal_case(field),
            RenameRule::CamelCase => {
                let pascal = pascal_case(field);
                let mut chars = pascal.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_lowercase().to_string() + chars.as_str()
                })
            }
            RenameRule::ScreamingSnakeCase => field.to_ascii_uppercase(),
            RenameRule::KebabCase => field.replace('_', "-"),
            RenameRule::ScreamingKebabCase => field.replace('_', "-").to_ascii_uppercase(),
        }
    }
}

/// `card_number` → `CardNumber`.
pub(crate) fn pascal_case(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for ch in snake.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.push(ch.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// A field's declared redaction.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) enum Redaction {
    PlainText,
    Masked,
    Redacted,
    Default,
}

const REDACTIONS: &[(&str, Redaction)] = &[
    ("plain_text", Redaction::PlainText),
    ("masked", Redaction::Masked),
    ("redacted", Redaction::Redacted),
    ("default", Redaction::Default),
];

impl Redaction {
    /// The runtime marker type, under `__private::redaction`.
    pub(crate) fn marker(self) -> &'static str {
        match self {
            Redaction::PlainText => "PlainText",
            Redaction::Masked => "Masked",
            Redaction::Redacted => "Redacted",
            Redaction::Default => "VaultDefault",
        }
    }
}

/// Levenshtein distance, for "did you mean" hints.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate to `word`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|candidate| (distance(&lower, &candidate.to_ascii_lowercase()), candidate))
        .filter(|(d, candidate)| *d <= candidate.len().max(word.len()).div_ceil(3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

fn one_of(candidates: impl IntoIterator<Item = impl std::fmt::Display>) -> String {
    candidates
        .into_iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn path_string(path: &syn::Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

/// Checks a table or column name: letters, digits and `_`, not starting with a digit.
pub(crate) fn name_problem(name: &str) -> Option<&'static str> {
    let mut chars = name.chars();
    match chars.next() {
        None => Some("must not be empty"),
        Some(first) if first.is_ascii_digit() => Some("must not start with a digit"),
        _ if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            Some("may contain only ASCII letters, digits and `_`")
        }
        _ => None,
    }
}

/// Skips the value of a key we reject, so parsing goes on with the next key.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<TokenStream> {
    if meta.input.peek(Token![=]) {
        let expr: Expr = meta.value()?.parse()?;
        Ok(expr.into_token_stream())
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<TokenStream>()
    } else {
        Ok(TokenStream::new())
    }
}

/// Reads `key = "string"`; records a precise error (with the correct format) otherwise.
fn string_value(cx: &Ctxt, key: Symbol, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<LitStr>> {
    if !meta.input.peek(Token![=]) {
        let rest = skip_value(meta)?;
        let path = &meta.path;
        cx.error_spanned_by(
            quote::quote!(#path #rest),
            format!(
                "vault attribute `{key}` needs a value\nhelp: the correct format looks like `{}`",
                key.format()
            ),
        );
        return Ok(None);
    }
    let mut expr: Expr = meta.value()?.parse()?;
    while let Expr::Group(group) = expr {
        expr = *group.expr;
    }
    if let Expr::Lit(ExprLit {
        lit: Lit::Str(lit), ..
    }) = expr
    {
        Ok(Some(lit))
    } else {
        cx.error_spanned_by(
            &expr,
            format!(
                "vault attribute `{key}` takes a string literal\nhelp: the correct format looks like `{}`",
                key.format()
            ),
        );
        Ok(None)
    }
}

/// Reads a bare flag; records an error if a value was given.
fn flag_value(cx: &Ctxt, key: Symbol, meta: &ParseNestedMeta<'_>) -> syn::Result<bool> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        let rest = skip_value(meta)?;
        let path = &meta.path;
        cx.error_spanned_by(
            quote::quote!(#path #rest),
            format!(
                "vault attribute `{key}` takes no value\nhelp: the correct format looks like `{}`",
                key.format()
            ),
        );
        return Ok(false);
    }
    Ok(true)
}

/// Records an unknown key; returns the key it was probably meant to be.
fn unknown_key(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    kind: &str,
    keys: &[Symbol],
    other: (&str, &[Symbol]),
) -> syn::Result<Option<&'static str>> {
    let name = path_string(&meta.path);
    let mut msg = format!("unknown vault {kind} attribute `{name}`");
    let suggestion = closest(&name, keys.iter().map(|k| k.0));
    if let Some(suggestion) = suggestion {
        msg.push_str(&format!("\nhelp: did you mean `{suggestion}`?"));
    } else if other.1.iter().any(|k| meta.path == *k) {
        msg.push_str(&format!(
            "\nhelp: `{name}` is a {} attribute; put it on {}",
            other.0,
            if other.0 == "field" {
                "a field"
            } else {
                "the struct"
            }
        ));
    } else {
        msg.push_str(&format!("\nhelp: expected one of {}", one_of(keys)));
    }
    cx.error_spanned_by(&meta.path, msg);
    skip_value(meta)?;
    Ok(suggestion)
}

/// Runs `f` on every key of every `#[vault(...)]` attribute in `attrs`.
fn for_each_key(
    cx: &Ctxt,
    attrs: &[syn::Attribute],
    mut f: impl FnMut(&ParseNestedMeta<'_>) -> syn::Result<()>,
) {
    for attr in attrs {
        if attr.path() != VAULT {
            continue;
        }
        if let syn::Meta::List(list) = &attr.meta
            && list.tokens.is_empty()
        {
            continue;
        }
        if let Err(err) = attr.parse_nested_meta(|meta| f(&meta)) {
            cx.syn_error(err);
        }
    }
}

/// Container attributes.
pub(crate) struct Container {
    pub(crate) table: Option<Spanned<String>>,
    /// Whether a `table` key was written (or misspelt), even if it was invalid: then a
    /// "missing table" error would only repeat the error already reported.
    pub(crate) table_mentioned: bool,
    pub(crate) rename_all: RenameRule,
    pub(crate) crate_path: Option<syn::Path>,
}

impl Container {
    pub(crate) fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut table = Attr::none(cx, TABLE);
        let mut rename_all = Attr::none(cx, RENAME_ALL);
        let mut crate_path = Attr::none(cx, CRATE);
        let mut table_mentioned = false;

        for_each_key(cx, attrs, |meta| {
            if meta.path == TABLE {
                table_mentioned = true;
                if let Some(lit) = string_value(cx, TABLE, meta)? {
                    let name = lit.value();
                    if let Some(problem) = name_problem(&name) {
                        cx.error_spanned_by(
                            &lit,
                            format!("invalid vault table name `{name}`: a table name {problem}"),
                        );
                    } else {
                        table.set(&meta.path, name);
                    }
                }
            } else if meta.path == RENAME_ALL {
                if let Some(lit) = string_value(cx, RENAME_ALL, meta)? {
                    let rule = lit.value();
                    if let Some((_, rule)) = RENAME_RULES.iter().find(|(name, _)| *name == rule) {
                        rename_all.set(&meta.path, *rule);
                    } else {
                        let mut msg = format!(
                            "unknown rename_all rule `{rule}`\nhelp: expected one of {}",
                            one_of(RENAME_RULES.iter().map(|(name, _)| name))
                        );
                        if let Some(s) = closest(&rule, RENAME_RULES.iter().map(|(n, _)| *n)) {
                            msg = format!(
                                "unknown rename_all rule `{rule}`\nhelp: did you mean `{s}`?"
                            );
                        }
                        cx.error_spanned_by(&lit, msg);
                    }
                }
            } else if meta.path == CRATE {
                if let Some(lit) = string_value(cx, CRATE, meta)? {
                    match lit.parse::<syn::Path>() {
                        Ok(path) => crate_path.set(&meta.path, path),
                        Err(_) => cx.error_spanned_by(
                            &lit,
                            format!(
                                "`{}` is not a path\nhelp: the correct format looks like `{}`",
                                lit.value(),
                                CRATE.format()
                            ),
                        ),
                    }
                }
            } else {
                let meant =
                    unknown_key(cx, meta, "container", CONTAINER_KEYS, ("field", FIELD_KEYS))?;
                table_mentioned |= meant == Some(TABLE.0);
            }
            Ok(())
        });

        Container {
            table: table.get(),
            table_mentioned,
            rename_all: rename_all.get().map_or(RenameRule::None, |r| r.value),
            crate_path: crate_path.get().map(|p| p.value),
        }
    }
}

/// Field attributes. Each key keeps the tokens it was written with, for the spans of
/// cross-field errors.
pub(crate) struct Field {
    pub(crate) skyflow_id: Option<TokenStream>,
    pub(crate) column: Option<Spanned<String>>,
    pub(crate) redaction: Option<Spanned<Redaction>>,
    pub(crate) unique: Option<TokenStream>,
    pub(crate) skip: Option<TokenStream>,
}

impl Field {
    pub(crate) fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut skyflow_id = Flag::none(cx, SKYFLOW_ID);
        let mut column = Attr::none(cx, COLUMN);
        let mut redaction = Attr::none(cx, REDACTION);
        let mut unique = Flag::none(cx, UNIQUE);
        let mut skip = Flag::none(cx, SKIP);

        for_each_key(cx, attrs, |meta| {
            if meta.path == SKYFLOW_ID {
                if flag_value(cx, SKYFLOW_ID, meta)? {
                    skyflow_id.set_true(&meta.path);
                }
            } else if meta.path == UNIQUE {
                if flag_value(cx, UNIQUE, meta)? {
                    unique.set_true(&meta.path);
                }
            } else if meta.path == SKIP {
                if flag_value(cx, SKIP, meta)? {
                    skip.set_true(&meta.path);
                }
            } else if meta.path == COLUMN {
                if let Some(lit) = string_value(cx, COLUMN, meta)? {
                    let name = lit.value();
                    if let Some(problem) = name_problem(&name) {
                        cx.error_spanned_by(
                            &lit,
                            format!("invalid vault column name `{name}`: a column name {problem}"),
                        );
                    } else {
                        column.set(&meta.path, name);
                    }
                }
            } else if meta.path == REDACTION {
                if let Some(lit) = string_value(cx, REDACTION, meta)? {
                    let value = lit.value();
                    if let Some((_, r)) = REDACTIONS.iter().find(|(name, _)| *name == value) {
                        redaction.set(&meta.path, *r);
                    } else {
                        let expected = one_of(REDACTIONS.iter().map(|(n, _)| n));
                        let msg = match closest(&value, REDACTIONS.iter().map(|(n, _)| *n)) {
                            Some(s) => format!(
                                "unknown redaction `{value}`, expected one of {expected}\nhelp: did you mean `{s}`?"
                            ),
                            None => format!(
                                "unknown redaction `{value}`\nhelp: expected one of {expected}"
                            ),
                        };
                        cx.error_spanned_by(&lit, msg);
                    }
                }
            } else {
                unknown_key(cx, meta, "field", FIELD_KEYS, ("container", CONTAINER_KEYS))?;
            }
            Ok(())
        });

        Field {
            skyflow_id: skyflow_id.get(),
            column: column.get(),
            redaction: redaction.get(),
            unique: unique.get(),
            skip: skip.get(),
        }
    }
}
