//! The derive's view of the input: a borrowed IR that keeps references to the syn tree for
//! spans.

use syn::{Data, DeriveInput, Fields, Generics, Ident, Type, Visibility};

use crate::attr;
use crate::ctxt::Ctxt;

/// A struct with named fields, and its attributes.
pub(crate) struct Container<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) generics: &'a Generics,
    pub(crate) attrs: attr::Container,
    pub(crate) fields: Vec<Field<'a>>,
}

/// One named field.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    pub(crate) attrs: attr::Field,
    /// The column name in the vault: `column`, else `rename_all` applied to the field name.
    pub(crate) column: String,
}

impl Field<'_> {
    /// The field name without a raw-identifier prefix.
    pub(crate) fn name(&self) -> String {
        unraw(self.ident)
    }

    /// Whether the field is a column (not the id, not skipped).
    pub(crate) fn is_column(&self) -> bool {
        self.attrs.skyflow_id.is_none() && self.attrs.skip.is_none()
    }
}

pub(crate) fn unraw(ident: &Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map_or(name.clone(), str::to_owned)
}

const NAMED_ONLY: &str = "#[derive(VaultTable)] needs a struct with named fields: \
                          each field is a column, named after the field";

impl<'a> Container<'a> {
    /// Parses the input. Returns `None` (with the error recorded) when it is not a struct
    /// with named fields; container attributes are parsed either way so their mistakes are
    /// reported too.
    pub(crate) fn from_ast(
        cx: &Ctxt,
        input: &'a DeriveInput,
    ) -> (attr::Container, Option<Vec<Field<'a>>>) {
        let attrs = attr::Container::from_ast(cx, &input.attrs);
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => Some(
                    named
                        .named
                        .iter()
                        .map(|field| {
                            let field_attrs = attr::Field::from_ast(cx, &field.attrs);
                            let ident =
                                field.ident.as_ref().expect("named fields have identifiers");
                            let column = field_attrs.column.as_ref().map_or_else(
                                || attrs.rename_all.apply_to_field(&unraw(ident)),
                                |c| c.value.clone(),
                            );
                            Field {
                                ident,
                                ty: &field.ty,
                                attrs: field_attrs,
                                column,
                            }
                        })
                        .collect(),
                ),
                Fields::Unnamed(unnamed) => {
                    cx.error_spanned_by(
                        unnamed,
                        format!("{NAMED_ONLY}; tuple structs have no field names\nhelp: write `struct {} {{ ... }}` with named fields", input.ident),
                    );
                    None
                }
                Fields::Unit => {
                    cx.error_spanned_by(
                        &input.ident,
                        format!("{NAMED_ONLY}; a unit struct has no columns"),
                    );
                    None
                }
            },
            Data::Enum(data) => {
                cx.error_spanned_by(
                    data.enum_token,
                    format!("{NAMED_ONLY}; enums are not supported"),
                );
                None
            }
            Data::Union(data) => {
                cx.error_spanned_by(
                    data.union_token,
                    format!("{NAMED_ONLY}; unions are not supported"),
                );
                None
            }
        };
        (attrs, fields)
    }

    pub(crate) fn new(
        input: &'a DeriveInput,
        attrs: attr::Container,
        fields: Vec<Field<'a>>,
    ) -> Self {
        Container {
            ident: &input.ident,
            vis: &input.vis,
            generics: &input.generics,
            attrs,
            fields,
        }
    }

    /// The (first) `#[vault(skyflow_id)]` field. Check guarantees exactly one before a
    /// normal expansion; after errors the derive expands only when one exists.
    pub(crate) fn id_field(&self) -> &Field<'a> {
        self.fields
            .iter()
            .find(|f| f.attrs.skyflow_id.is_some())
            .expect("expansion needs a #[vault(skyflow_id)] field")
    }

    /// Whether some field is marked `#[vault(skyflow_id)]`.
    pub(crate) fn has_id_field(&self) -> bool {
        self.fields.iter().any(|f| f.attrs.skyflow_id.is_some())
    }

    pub(crate) fn columns(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|f| f.is_column())
    }
}
