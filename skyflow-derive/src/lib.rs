//! Procedural macros for the `skyflow` SDK.
//!
//! The `#[derive(VaultTable)]` macro lives here; it is re-exported by the `skyflow` and
//! `skyflow-client` crates next to the `VaultTable` trait, which is what applications use.
//!
//! The pipeline is split by file: `attr.rs` parses `#[vault(...)]` attributes (keys from
//! `symbol.rs`), `ast.rs` builds the input IR, `check.rs` applies the rules that span
//! several fields, `expand.rs` generates code, and `fallback.rs` emits a stub impl when
//! there were errors. Every error is collected in a `Ctxt` (`ctxt.rs`), so one compile
//! reports all of them.

mod ast;
mod attr;
mod check;
mod ctxt;
mod expand;
mod fallback;
mod naming;
mod symbol;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `VaultTable` for a struct stored as the records of one vault table.
///
/// It generates, next to the struct (here `Person`):
///
/// - `impl VaultTable for Person`: the table name, the column list (name, Rust type,
///   declared redaction, uniqueness), access to the skyflow_id field, and conversion to and
///   from the vault's field maps through serde;
/// - one unit type per column, named after the struct and the field (`PersonEmail`), and an
///   associated constant on the struct (`Person::EMAIL`). The typed API takes these
///   wherever it names a column, so misspelt columns and columns of other tables do not
///   compile, and only `#[vault(unique)]` columns are accepted as upsert keys and in
///   get-by-column;
/// - `PersonView<M>`, the record as read in a read mode `M` (masked, redacted, vault
///   default, per-field default, or tokens): its fields have types such as `MaskedValue<String>`
///   that cannot be used as the plain value; and `PersonTokens = PersonView<Tokens>`, the
///   record's id with one `Option<Token<PersonX>>` per column.
///
/// Every field that is neither the id nor skipped is a column; its type must implement
/// `serde::Serialize` and `serde::de::DeserializeOwned`. The names the derive generates
/// must be free: a column field may not be named `table`, `columns` or `skyflow_id_field`
/// (its constant would shadow `VaultTable::TABLE` …), may not generate `PersonView` or
/// `PersonTokens` (fields `view`, `tokens`), and two fields may not generate the same name
/// (`card_number` and `cardNumber`); rename the field and keep the column name with
/// `#[vault(column = "...")]`. Column types are named after the struct, so two derived
/// structs in one module whose names run together (`Person.card_number` and
/// `PersonCard.number`) both generate `PersonCardNumber`: keep such structs in separate
/// modules. Wrap sensitive plaintext in
/// `Sensitive<T>` to keep it out of `Debug`.
///
/// ```
/// use skyflow::VaultTable;
/// use skyflow::table::{GetByColumn, Sensitive, SkyflowId, Upsert};
///
/// #[derive(Debug, VaultTable)]
/// #[vault(table = "persons")]
/// pub struct Person {
///     #[vault(skyflow_id)]
///     pub id: Option<SkyflowId>,
///     pub name: String,
///     #[vault(unique)]
///     pub email: String,
///     #[vault(column = "card_number", redaction = "masked")]
///     pub card: Sensitive<String>,
///     pub date_of_birth: Option<chrono::NaiveDate>,
///     #[vault(skip)]
///     pub cached_score: u32,
/// }
///
/// assert_eq!(Person::TABLE, "persons");
/// assert_eq!(Person::COLUMNS.len(), 4);
/// assert_eq!(Upsert::on(Person::EMAIL).column_name(), "email");
/// let by_email = GetByColumn::new(Person::EMAIL, ["jane@example.com"]);
/// assert_eq!(by_email.column_name(), "email");
/// # Ok::<(), skyflow::Error>(())
/// ```
///
/// # Attributes
///
/// All keys live in one `#[vault(...)]` namespace. Names are string literals, flags are
/// bare words, several `#[vault(...)]` attributes on one item are merged, and an unknown or
/// repeated key is a compile error that points at the key.
///
/// ## Container attributes
///
/// - `#[vault(table = "persons")]` (**required**): the vault table. There is no
///   inference from the struct name.
/// - `#[vault(rename_all = "...")]`: how field names become column names, with serde's
///   rule names: `lowercase`, `UPPERCASE`, `PascalCase`, `camelCase`, `snake_case`,
///   `SCREAMING_SNAKE_CASE`, `kebab-case`, `SCREAMING-KEBAB-CASE`. A field's `column`
///   wins over it. Column names may hold only letters, digits and `_`, so the kebab rules
///   are rejected at compile time.
/// - `#[vault(crate = "path")]`: where the runtime is, when it is not the `skyflow` crate
///   (for example `"skyflow_client"` when you depend on `skyflow-client` directly, or a
///   renamed dependency). Generated code names `<path>::__private`.
///
/// ```
/// use skyflow::VaultTable;
/// use skyflow::table::SkyflowId;
///
/// #[derive(VaultTable)]
/// #[vault(table = "Accounts", rename_all = "camelCase", crate = "skyflow")]
/// struct Account {
///     #[vault(skyflow_id)]
///     id: Option<SkyflowId>,
///     account_number: String,
///     #[vault(column = "holder")]
///     holder_name: String,
/// }
///
/// let names: Vec<_> = Account::COLUMNS.iter().map(|c| c.name()).collect();
/// assert_eq!(names, ["accountNumber", "holder"]);
/// ```
///
/// ## Field attributes
///
/// - `#[vault(skyflow_id)]` (**exactly one field**): the record id. Its type must be
///   `Option<SkyflowId>`: `None` until the record is inserted. It is not a column.
/// - `#[vault(column = "card_number")]`: the column name, when it differs from the field
///   name.
/// - `#[vault(redaction = "...")]`: the redaction the field is read with by per-field
///   reads (`redaction::FieldDefault`) and shown in the column metadata: `plain_text`,
///   `masked`, `redacted` or `default` (the vault's policy for the column; the default).
/// - `#[vault(unique)]`: the column is unique in the vault schema, so it can be an upsert
///   key (`Upsert::on`) and be used in get-by-column (`GetByColumn::new`).
/// - `#[vault(skip)]`: the field is not stored in the vault; reads fill it with
///   `Default::default()`.
///
/// `skyflow_id` and `skip` cannot be combined with the column keys (`column`, `redaction`,
/// `unique`).
///
/// ```
/// use skyflow::VaultTable;
/// use skyflow::table::{FieldMap, FromRecord, MaskedValue, SkyflowId, redaction};
///
/// #[derive(VaultTable)]
/// #[vault(table = "cards")]
/// struct Card {
///     #[vault(skyflow_id)]
///     id: Option<SkyflowId>,
///     #[vault(column = "card_number", redaction = "masked", unique)]
///     number: String,
///     #[vault(redaction = "plain_text")]
///     holder: String,
///     #[vault(redaction = "redacted")]
///     cvv: Option<String>,
///     #[vault(skip)]
///     note: String,
/// }
///
/// let fields: FieldMap = serde_json::from_value(serde_json::json!({
///     "skyflow_id": "id-1",
///     "card_number": "XXXX-1111",
///     "holder": "Jane",
///     "cvv": "*REDACTED*",
/// }))?;
/// // A per-field read: each column comes back as its declared redaction says.
/// let card = CardView::<redaction::FieldDefault>::from_record(&fields)?;
/// let number: MaskedValue<String> = card.number;
/// let holder: String = card.holder;
/// assert_eq!(number.as_str(), Some("XXXX-1111"));
/// assert_eq!(holder, "Jane");
/// assert_eq!(card.cvv.as_str(), Some("*REDACTED*"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// Mistakes are reported together, each at the offending token, with a hint:
///
/// ```compile_fail
/// use skyflow::VaultTable;
///
/// #[derive(VaultTable)]
/// #[vault(tabel = "persons")] // unknown vault container attribute `tabel`; did you mean `table`?
/// struct Person {
///     #[vault(colum = "name")] // unknown vault field attribute `colum`; did you mean `column`?
///     name: String,
/// }
/// ```
#[proc_macro_derive(VaultTable, attributes(vault))]
pub fn derive_vault_table(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    derive_vault_table_inner(&input).into()
}

/// The derive on `proc_macro2` tokens, callable from unit tests.
fn derive_vault_table_inner(input: &DeriveInput) -> proc_macro2::TokenStream {
    expand::derive(input)
}

#[cfg(test)]
mod tests {
    use super::derive_vault_table_inner;

    fn errors(input: proc_macro2::TokenStream) -> Vec<String> {
        let input = syn::parse2(input).unwrap();
        let output = derive_vault_table_inner(&input).to_string();
        output
            .match_indices("compile_error !")
            .map(|(i, _)| {
                let rest = &output[i..];
                let start = rest.find('"').unwrap() + 1;
                let end = rest[start..].find("\" }").unwrap();
                rest[start..start + end].to_owned()
            })
            .collect()
    }

    #[test]
    fn reports_a_missing_table_and_id() {
        let errs = errors(quote::quote! {
            struct Person {
                name: String,
            }
        });
        assert_eq!(errs.len(), 2, "{errs:#?}");
        assert!(errs[0].contains("missing #[vault(table"));
        assert!(errs[1].contains("#[vault(skyflow_id)] must appear on exactly one field"));
    }

    #[test]
    fn accepts_a_valid_struct() {
        let errs = errors(quote::quote! {
            #[vault(table = "persons")]
            struct Person {
                #[vault(skyflow_id)]
                id: Option<SkyflowId>,
                #[vault(unique, column = "mail")]
                email: String,
            }
        });
        assert!(errs.is_empty(), "{errs:?}");
    }

    #[test]
    fn counts_every_mistake_in_one_pass() {
        let errs = errors(quote::quote! {
            #[vault(tabel = "persons")]
            struct Person {
                #[vault(skyflow_id)]
                id: Option<SkyflowId>,
                #[vault(colum = "x", redaction = "mask")]
                name: String,
                #[vault(unique, unique)]
                email: String,
            }
        });
        // The misspelt `table` is not reported a second time as missing.
        assert_eq!(errs.len(), 4, "{errs:#?}");
        assert!(errs[0].contains("unknown vault container attribute `tabel`"));
        assert!(errs[0].contains("did you mean `table`?"));
        assert!(errs[1].contains("unknown vault field attribute `colum`"));
        assert!(errs[2].contains("unknown redaction `mask`"));
        assert!(errs[3].contains("duplicate vault attribute `unique`"));
    }

    #[test]
    fn rejects_reserved_and_colliding_names() {
        let errs = errors(quote::quote! {
            #[vault(table = "persons")]
            struct Person {
                #[vault(skyflow_id)]
                id: Option<SkyflowId>,
                table: String,
                card_number: String,
                cardNumber: String,
                view: String,
            }
        });
        assert_eq!(errs.len(), 3, "{errs:#?}");
        assert!(
            errs[0].contains("field name `table` is reserved"),
            "{errs:#?}"
        );
        assert!(errs[0].contains("`Person::TABLE` would shadow `VaultTable::TABLE`"));
        assert!(errs[1].contains("fields `card_number` and `cardNumber` both generate"));
        assert!(errs[2].contains("the name of the derive's view type `PersonView`"));
    }

    /// The derive's output for `input`, formatted for review.
    fn expansion(input: proc_macro2::TokenStream) -> String {
        let input = syn::parse2(input).unwrap();
        let output = derive_vault_table_inner(&input);
        let file: syn::File = syn::parse2(output).expect("the expansion is valid Rust");
        prettyplease::unparse(&file)
    }

    /// Compares `actual` with `tests/expand/{name}.rs`; `SKYFLOW_BLESS=1` rewrites the file.
    fn snapshot(name: &str, actual: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/expand")
            .join(format!("{name}.rs"));
        if std::env::var_os("SKYFLOW_BLESS").is_some() {
            std::fs::write(&path, actual).unwrap();
            return;
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} is missing; run with SKYFLOW_BLESS=1", path.display()));
        assert!(
            expected == actual,
            "the expansion of `{name}` changed; review it and re-bless with \
             SKYFLOW_BLESS=1 cargo test -p skyflow-derive\n--- expected\n{expected}\n--- actual\n{actual}"
        );
    }

    /// Every attribute: unique, column, redaction, skip, and the id.
    #[test]
    fn expansion_of_a_full_struct() {
        snapshot(
            "full",
            &expansion(quote::quote! {
                #[vault(table = "persons")]
                pub struct Person {
                    #[vault(skyflow_id)]
                    pub id: Option<SkyflowId>,
                    pub name: String,
                    #[vault(unique)]
                    pub email: String,
                    #[vault(column = "card_number", redaction = "masked")]
                    pub card: Sensitive<String>,
                    #[vault(skip)]
                    pub cached: u32,
                }
            }),
        );
    }

    /// `rename_all` and a custom runtime path, on a private struct.
    #[test]
    fn expansion_with_rename_all_and_crate_path() {
        snapshot(
            "rename_all",
            &expansion(quote::quote! {
                #[vault(table = "accounts", rename_all = "camelCase", crate = "my_sdk")]
                struct Account {
                    #[vault(skyflow_id)]
                    id: Option<SkyflowId>,
                    #[vault(redaction = "redacted")]
                    account_number: u64,
                }
            }),
        );
    }

    /// After a bad attribute: the error, then the companion items all the same.
    #[test]
    fn expansion_after_an_error() {
        snapshot(
            "after_error",
            &expansion(quote::quote! {
                #[vault(table = "persons")]
                struct Person {
                    #[vault(skyflow_id)]
                    id: Option<SkyflowId>,
                    #[vault(redaction = "mask")]
                    email: String,
                }
            }),
        );
    }
}
