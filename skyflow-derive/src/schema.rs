//! The schema stage: checks the struct against the vault's own schema file, when it names
//! one (`#[vault(schema = "…")]`) or the crate sets a default (`SKYFLOW_VAULT_SCHEMA` at
//! compile time).
//!
//! It runs after [`check`](crate::check), records every mismatch in the [`Ctxt`] with a span
//! on the struct or the field and the schema file's name, and takes `unique` from the schema
//! where the struct does not write it. It returns the tokens that make cargo rebuild the
//! struct when the schema file or the environment variable changes: an `include_bytes!` of
//! the file and an `option_env!` of the variable, both in unused constants.

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use skyflow_schema::{Column, DataType, SchemaFile, Table, VaultSchema};
use syn::{GenericArgument, LitStr, PathArguments, Type};

use crate::ast::{Container, Field};
use crate::attr::{Redaction, closest};
use crate::ctxt::Ctxt;
use crate::symbol::{PARTIAL, SCHEMA_VAULT};

/// The environment variable naming the crate-wide default schema file.
pub(crate) const SCHEMA_ENV: &str = "SKYFLOW_VAULT_SCHEMA";

/// The schema file a struct is checked against.
struct Source {
    /// The path as written (attribute or environment variable).
    written: String,
    /// The path on disk: `written`, relative to the crate's manifest directory.
    path: PathBuf,
    /// What errors about the file as a whole are spanned on.
    span: TokenStream,
    /// Whether it came from the environment variable.
    from_env: bool,
}

impl Source {
    fn resolve(
        cont: &Container<'_>,
        env: Option<String>,
        manifest_dir: Option<&Path>,
    ) -> Option<Source> {
        let (written, span, from_env) = match (&cont.attrs.schema, env) {
            (Some(lit), _) => (lit.value(), lit.to_token_stream(), false),
            (None, Some(value)) => (value, cont.ident.to_token_stream(), true),
            (None, None) => return None,
        };
        let path = match manifest_dir {
            Some(dir) => dir.join(&written),
            None => PathBuf::from(&written),
        };
        Some(Source {
            written,
            path,
            span,
            from_env,
        })
    }

    /// How messages name the file.
    fn label(&self) -> String {
        if self.from_env {
            format!("vault schema `{}` (from {SCHEMA_ENV})", self.written)
        } else {
            format!("vault schema `{}`", self.written)
        }
    }
}

/// Runs the stage with the compiler's environment.
pub(crate) fn check(cx: &Ctxt, cont: &mut Container<'_>) -> TokenStream {
    let env = std::env::var(SCHEMA_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty());
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    check_with(cx, cont, env, manifest_dir.as_deref())
}

/// The stage, with the environment passed in (for unit tests).
pub(crate) fn check_with(
    cx: &Ctxt,
    cont: &mut Container<'_>,
    env: Option<String>,
    manifest_dir: Option<&Path>,
) -> TokenStream {
    let env_name = SCHEMA_ENV;
    // Setting, changing or clearing the variable rebuilds the struct.
    let mut tracking = quote! {
        #[allow(unused_qualifications)]
        const _: ::core::option::Option<&str> = ::core::option_env!(#env_name);
    };
    let Some(source) = Source::resolve(cont, env, manifest_dir) else {
        if let Some(vault) = &cont.attrs.schema_vault {
            cx.error_spanned_by(
                vault,
                format!(
                    "#[vault({SCHEMA_VAULT})] needs a schema file\nhelp: name it with `#[vault(schema = \"vault-schema.json\")]`, or set {SCHEMA_ENV} for the whole crate"
                ),
            );
        }
        return tracking;
    };
    let text = match std::fs::read_to_string(&source.path) {
        Ok(text) => text,
        Err(err) => {
            cx.error_spanned_by(
                &source.span,
                format!(
                    "cannot read {}: {}\nhelp: the path is relative to the crate's Cargo.toml",
                    source.label(),
                    io_reason(&err)
                ),
            );
            return tracking;
        }
    };
    // Editing the file rebuilds the struct, whether or not it parses now.
    if let Some(path) = source.path.to_str() {
        let path = LitStr::new(path, proc_macro2::Span::call_site());
        tracking.extend(quote! {
            #[allow(unused_qualifications)]
            const _: &[u8] = ::core::include_bytes!(#path);
        });
    }
    let file = match SchemaFile::parse(&text) {
        Ok(file) => file,
        Err(err) => {
            cx.error_spanned_by(
                &source.span,
                format!("{} does not parse: {err}", source.label()),
            );
            return tracking;
        }
    };
    if let Some(table) = find_table(cx, cont, &file, &source) {
        check_fields(cx, cont, table, &source);
    }
    tracking
}

fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => err.to_string(),
    }
}

fn vault_label(vault: &VaultSchema, index: usize) -> String {
    vault
        .name()
        .map_or_else(|| format!("#{}", index + 1), str::to_owned)
}

/// The struct's table in the schema; records an error when it is missing or ambiguous.
fn find_table<'f>(
    cx: &Ctxt,
    cont: &Container<'_>,
    file: &'f SchemaFile,
    source: &Source,
) -> Option<&'f Table> {
    let table = cont.attrs.table.as_ref()?;
    let name = table.value.as_str();
    let mut vaults: Vec<(usize, &VaultSchema)> = file.vaults().iter().enumerate().collect();
    if let Some(wanted) = &cont.attrs.schema_vault {
        let wanted_name = wanted.value();
        let labels: Vec<String> = vaults.iter().map(|(i, v)| vault_label(v, *i)).collect();
        let Some(pos) = labels.iter().position(|l| *l == wanted_name) else {
            let mut msg = format!("vault `{wanted_name}` is not in {}", source.label());
            match closest(&wanted_name, labels.iter().map(String::as_str)) {
                Some(s) => msg.push_str(&format!("\nhelp: did you mean `{s}`?")),
                None => msg.push_str(&format!("\nhelp: its vaults are {}", list(&labels))),
            }
            cx.error_spanned_by(wanted, msg);
            return None;
        };
        vaults = vec![vaults[pos]];
    }
    let hits: Vec<(usize, &VaultSchema, &Table)> = vaults
        .iter()
        .filter_map(|(i, v)| v.table(name).map(|t| (*i, *v, t)))
        .collect();
    match hits.as_slice() {
        [(_, _, table)] => Some(table),
        [] => {
            let several = file.vaults().len() > 1;
            let mut msg = format!("table `{name}` is not in {}", source.label());
            if let Some(wanted) = &cont.attrs.schema_vault {
                msg = format!(
                    "table `{name}` is not in vault `{}` of {}",
                    wanted.value(),
                    source.label()
                );
            }
            let tables: Vec<&str> = vaults
                .iter()
                .flat_map(|(_, v)| v.tables().iter().map(|t| t.name.as_str()))
                .collect();
            if let Some((i, v, _)) = file
                .vaults()
                .iter()
                .enumerate()
                .find_map(|(i, v)| v.table(name).map(|t| (i, v, t)))
            {
                msg.push_str(&format!(
                    "\nhelp: it is in vault `{}`; pick it with `#[vault({SCHEMA_VAULT} = \"{}\")]`",
                    vault_label(v, i),
                    vault_label(v, i)
                ));
            } else if let Some(s) = closest(name, tables.iter().copied()) {
                msg.push_str(&format!("\nhelp: did you mean `{s}`?"));
            } else {
                let what = if several {
                    "its tables"
                } else {
                    "the schema's tables"
                };
                msg.push_str(&format!("\nhelp: {what} are {}", list(&tables)));
            }
            cx.error_spanned_by(&table.tokens, msg);
            None
        }
        several => {
            let labels: Vec<String> = several.iter().map(|(i, v, _)| vault_label(v, *i)).collect();
            cx.error_spanned_by(
                &table.tokens,
                format!(
                    "table `{name}` is in several vaults of {}: {}\nhelp: pick one with `#[vault({SCHEMA_VAULT} = \"{}\")]`",
                    source.label(),
                    list(&labels),
                    labels[0]
                ),
            );
            None
        }
    }
}

fn list<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| format!("`{}`", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every column of the struct against the table, and the table's required columns against
/// the struct.
fn check_fields(cx: &Ctxt, cont: &mut Container<'_>, table: &Table, source: &Source) {
    let where_ = format!("table `{}` of {}", table.name, source.label());
    for field in cont.fields.iter_mut().filter(|f| f.is_column()) {
        let Some(column) = table.column(&field.column) else {
            let span = field
                .attrs
                .column
                .as_ref()
                .map_or_else(|| field.ident.to_token_stream(), |c| c.tokens.clone());
            let mut msg = format!("column `{}` is not in {where_}", field.column);
            let names = table
                .columns
                .iter()
                .filter(|c| !c.is_skyflow_id())
                .map(|c| c.name.as_str());
            match closest(&field.column, names.clone()) {
                Some(s) if field.attrs.column.is_some() => {
                    msg.push_str(&format!("\nhelp: did you mean `{s}`?"));
                }
                Some(s) => msg.push_str(&format!(
                    "\nhelp: did you mean `{s}`? name it with `#[vault(column = \"{s}\")]`"
                )),
                None => msg.push_str(&format!(
                    "\nhelp: its columns are {}",
                    list(&names.collect::<Vec<_>>())
                )),
            }
            cx.error_spanned_by(span, msg);
            continue;
        };
        check_type(cx, field, column, &where_);
        check_unique(cx, field, column, &where_);
        check_redaction(cx, field, column, &where_);
    }
    if cont.attrs.partial.is_none() {
        let missing: Vec<&str> = table
            .columns
            .iter()
            .filter(|c| c.not_null && !c.is_skyflow_id())
            .filter(|c| !cont.columns().any(|f| f.column == c.name))
            .map(|c| c.name.as_str())
            .collect();
        if !missing.is_empty() {
            let (noun, verb) = if missing.len() == 1 {
                ("column", "is")
            } else {
                ("columns", "are")
            };
            cx.error_spanned_by(
                cont.ident,
                format!(
                    "`{}` has no field for required {noun} {} of {where_}: {noun} marked NOT_NULL {verb} needed by every insert\nhelp: add a field for each, or mark a struct that is never inserted `#[vault({PARTIAL})]`",
                    cont.ident,
                    list(&missing)
                ),
            );
        }
    }
}

fn check_unique(cx: &Ctxt, field: &mut Field<'_>, column: &Column, where_: &str) {
    match &field.attrs.unique {
        Some(tokens) if !column.unique => cx.error_spanned_by(
            tokens,
            format!(
                "column `{}` is not unique in {where_}, so it cannot be `#[vault(unique)]`\nhelp: remove `unique`, or make the column unique in the schema (`isUnique`, or the `UNIQUE` configuration tag)",
                column.name
            ),
        ),
        // Taken from the schema: the column can be an upsert key and a get-by-column key.
        None if column.unique => field.attrs.unique = Some(field.ident.to_token_stream()),
        _ => {}
    }
}

fn check_redaction(cx: &Ctxt, field: &Field<'_>, column: &Column, where_: &str) {
    let Some(redaction) = &field.attrs.redaction else {
        return;
    };
    let datatype = column.datatype;
    let problem = match redaction.value {
        Redaction::Masked if !datatype.allows_masking() => Some((
            "masked",
            "Skyflow masks only strings, dates, datetimes and times",
            "`redacted`, `plain_text` or `default`",
        )),
        Redaction::Redacted if !datatype.allows_redaction() => Some((
            "redacted",
            "Skyflow does not redact files",
            "`plain_text` or `default`",
        )),
        _ => None,
    };
    if let Some((name, why, instead)) = problem {
        cx.error_spanned_by(
            &redaction.tokens,
            format!(
                "column `{}` is {} in {where_} and cannot be read `{name}`: {why}\nhelp: use {instead}",
                column.name,
                datatype.name()
            ),
        );
    }
}

/// What the derive knows of a field's type: wrappers peeled off, the rest classified.
struct Shape<'a> {
    optional: bool,
    array: bool,
    core: &'a Type,
    kind: Option<Kind>,
}

#[derive(Copy, Clone, PartialEq, Eq)]
enum Kind {
    Text,
    Int32,
    OtherInt,
    Float,
    Bool,
    Date,
    Datetime,
    Time,
    Json,
}

/// The single type argument of `Name<T>`.
fn type_arg(segment: &syn::PathSegment) -> Option<&Type> {
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

fn shape(mut ty: &Type) -> Shape<'_> {
    let mut optional = false;
    let mut array = false;
    loop {
        match ty {
            Type::Group(g) => ty = &g.elem,
            Type::Paren(p) => ty = &p.elem,
            Type::Reference(r) => ty = &r.elem,
            Type::Slice(s) if !array => {
                array = true;
                ty = &s.elem;
            }
            Type::Path(p) if p.qself.is_none() => {
                let Some(last) = p.path.segments.last() else {
                    break;
                };
                let name = last.ident.to_string();
                let inner = type_arg(last);
                match (name.as_str(), inner) {
                    ("Option", Some(inner)) if !optional && !array => {
                        optional = true;
                        ty = inner;
                    }
                    ("Vec", Some(inner)) if !array => {
                        array = true;
                        ty = inner;
                    }
                    ("Sensitive" | "Box" | "Arc" | "Rc" | "Cow", Some(inner)) => ty = inner,
                    _ => break,
                }
            }
            _ => break,
        }
    }
    let kind = match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().and_then(|last| {
            Some(match last.ident.to_string().as_str() {
                "String" | "str" | "char" => Kind::Text,
                "i32" => Kind::Int32,
                "i8" | "i16" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
                | "usize" => Kind::OtherInt,
                "f32" | "f64" => Kind::Float,
                "bool" => Kind::Bool,
                "NaiveDate" | "Date" => Kind::Date,
                "NaiveDateTime" | "DateTime" | "OffsetDateTime" | "PrimitiveDateTime"
                | "SystemTime" => Kind::Datetime,
                "NaiveTime" | "Time" => Kind::Time,
                "Value" => Kind::Json,
                _ => return None,
            })
        }),
        _ => None,
    };
    Shape {
        optional,
        array,
        core: ty,
        kind,
    }
}

/// The Rust types that fit a data type, for messages.
fn fitting(datatype: DataType) -> &'static str {
    match datatype {
        DataType::String | DataType::File => "`String`",
        DataType::Int32 => "`i32`",
        DataType::Float32 => "`f32` or `f64`",
        DataType::Bool => "`bool`",
        DataType::Date => "`chrono::NaiveDate`",
        DataType::Datetime => "`chrono::NaiveDateTime` or `chrono::DateTime<Utc>`",
        DataType::Time => "`chrono::NaiveTime`",
        DataType::Json => "any serde type",
    }
}

fn fits(datatype: DataType, kind: Kind) -> bool {
    match datatype {
        DataType::Json => true,
        DataType::String | DataType::File => kind == Kind::Text,
        DataType::Int32 => kind == Kind::Int32,
        DataType::Float32 => kind == Kind::Float,
        DataType::Bool => kind == Kind::Bool,
        DataType::Date => kind == Kind::Date,
        DataType::Datetime => kind == Kind::Datetime,
        DataType::Time => kind == Kind::Time,
    }
}

fn check_type(cx: &Ctxt, field: &Field<'_>, column: &Column, where_: &str) {
    let shape = shape(field.ty);
    let datatype = column.datatype;
    let written = crate::expand::type_string(field.ty);
    let core = crate::expand::type_string(shape.core);
    let what = format!("column `{}` is {}", column.name, datatype.name());
    if datatype != DataType::Json && shape.array != column.is_array {
        let msg = if column.is_array {
            format!(
                "{what} and holds an array in {where_}, so `{written}` does not fit\nhelp: use a `Vec` of {}",
                fitting(datatype)
            )
        } else {
            format!(
                "{what} and holds one value in {where_}, so `{written}` does not fit\nhelp: use {}",
                fitting(datatype)
            )
        };
        cx.error_spanned_by(field.ty, msg);
        return;
    }
    if let Some(kind) = shape.kind
        && !fits(datatype, kind)
    {
        let mut msg = format!(
            "{what} in {where_}, so `{core}` does not fit\nhelp: use {}",
            fitting(datatype)
        );
        if datatype == DataType::Int32 && kind == Kind::OtherInt {
            msg = format!(
                "{what} (signed, 32 bits) in {where_}, so `{core}` does not fit: it {}\nhelp: use `i32`",
                if core.starts_with('u') {
                    "cannot hold the column's negative values"
                } else {
                    "has another width"
                }
            );
        }
        cx.error_spanned_by(shape.core, msg);
        return;
    }
    if shape.optional && column.not_null {
        cx.error_spanned_by(
            field.ty,
            format!(
                "column `{}` is NOT_NULL in {where_}, so it always has a value and `{written}` does not fit\nhelp: drop the `Option`",
                column.name
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use proc_macro2::TokenStream;

    use super::{check_with, shape};
    use crate::ast::Container;
    use crate::ctxt::Ctxt;

    /// Runs the stage on `input` with `SKYFLOW_VAULT_SCHEMA` set to `env`, paths relative to
    /// this crate: the errors, the tracking tokens, and the unique columns afterwards.
    fn run(input: TokenStream, env: Option<&str>) -> (Vec<String>, String, Vec<String>) {
        let input: syn::DeriveInput = syn::parse2(input).unwrap();
        let cx = Ctxt::new();
        let (attrs, fields) = Container::from_ast(&cx, &input);
        let mut cont = Container::new(&input, attrs, fields.unwrap());
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let tracking = check_with(&cx, &mut cont, env.map(str::to_owned), Some(manifest));
        let unique = cont
            .columns()
            .filter(|f| f.attrs.unique.is_some())
            .map(|f| f.column.clone())
            .collect();
        let errors = cx
            .check()
            .err()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default();
        (errors, tracking.to_string(), unique)
    }

    const QUICKSTART: &str = "../skyflow-emulator/schemas/quickstart.json";

    #[test]
    fn the_environment_names_a_crate_wide_default() {
        let (errors, tracking, _) = run(
            quote::quote! {
                #[vault(table = "persons")]
                struct Person {
                    #[vault(skyflow_id)]
                    id: Option<SkyflowId>,
                    nme: String,
                }
            },
            Some(QUICKSTART),
        );
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].starts_with(
                "column `nme` is not in table `persons` of vault schema `../skyflow-emulator/schemas/quickstart.json` (from SKYFLOW_VAULT_SCHEMA)"
            ),
            "{}",
            errors[0]
        );
        assert!(errors[0].contains("did you mean `name`?"), "{}", errors[0]);
        assert!(tracking.contains("include_bytes !"), "{tracking}");
        assert!(tracking.contains("quickstart.json"), "{tracking}");
        assert!(
            tracking.contains("option_env ! (\"SKYFLOW_VAULT_SCHEMA\")"),
            "{tracking}"
        );
    }

    #[test]
    fn the_attribute_wins_over_the_environment() {
        let (errors, tracking, unique) = run(
            quote::quote! {
                #[vault(table = "table1", schema = "../skyflow-emulator/schemas/table1.json")]
                struct Customer {
                    #[vault(skyflow_id)]
                    id: Option<SkyflowId>,
                    email: String,
                    age: Option<i32>,
                }
            },
            Some("no/such/file.json"),
        );
        assert!(errors.is_empty(), "{errors:#?}");
        assert!(tracking.contains("table1.json"), "{tracking}");
        // `email` is unique in the schema, so it is unique in the struct.
        assert_eq!(unique, ["email"]);
    }

    #[test]
    fn without_a_schema_only_the_variable_is_tracked() {
        let (errors, tracking, unique) = run(
            quote::quote! {
                #[vault(table = "anything")]
                struct Row {
                    #[vault(skyflow_id)]
                    id: Option<SkyflowId>,
                    #[vault(redaction = "masked")]
                    whatever: u64,
                }
            },
            None,
        );
        assert!(errors.is_empty(), "{errors:#?}");
        assert!(!tracking.contains("include_bytes"), "{tracking}");
        assert!(tracking.contains("option_env"), "{tracking}");
        assert!(unique.is_empty());
    }

    #[test]
    fn a_file_of_several_vaults_needs_the_vault_when_a_table_is_in_two() {
        let path = std::env::temp_dir().join(format!(
            "skyflow-derive-several-{}.json",
            std::process::id()
        ));
        let one = |name: &str| {
            format!(
                r#"{{"name":"{name}","vaultSchema":{{"schemas":[{{"name":"persons","fields":[{{"name":"email","datatype":"DT_STRING"}}]}}]}}}}"#
            )
        };
        std::fs::write(&path, format!("[{}, {}]", one("eu"), one("us"))).unwrap();
        let file = path.to_str().unwrap().to_owned();
        let input = |vault: Option<&str>| {
            let vault = vault.map(|v| quote::quote!(schema_vault = #v,));
            quote::quote! {
                #[vault(table = "persons", #vault schema = #file)]
                struct Person {
                    #[vault(skyflow_id)]
                    id: Option<SkyflowId>,
                    email: String,
                }
            }
        };
        let (errors, _, _) = run(input(None), None);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].contains("is in several vaults"), "{}", errors[0]);
        assert!(errors[0].contains("`eu`, `us`"), "{}", errors[0]);
        let (errors, _, _) = run(input(Some("us")), None);
        assert!(errors.is_empty(), "{errors:#?}");
        let (errors, _, _) = run(input(Some("uss")), None);
        assert!(
            errors[0].starts_with("vault `uss` is not in vault schema"),
            "{}",
            errors[0]
        );
        assert!(errors[0].contains("did you mean `us`?"), "{}", errors[0]);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn shape_peels_wrappers() {
        let ty: syn::Type = syn::parse_quote!(Option<Sensitive<String>>);
        let s = shape(&ty);
        assert!(s.optional && !s.array && s.kind == Some(super::Kind::Text));
        let ty: syn::Type = syn::parse_quote!(Vec<Option<u8>>);
        let s = shape(&ty);
        assert!(s.array && !s.optional && s.kind.is_none());
        let ty: syn::Type = syn::parse_quote!(&'static [chrono::NaiveDate]);
        let s = shape(&ty);
        assert!(s.array && s.kind == Some(super::Kind::Date));
        let ty: syn::Type = syn::parse_quote!(my::Email);
        assert!(shape(&ty).kind.is_none());
    }
}
