//! The names the derive generates, computed in one place so the check stage can reject
//! collisions before the expand stage emits anything.
//!
//! For struct `Person` and field `card_number`: the column type `PersonCardNumber`, the
//! constant `Person::CARD_NUMBER`, the view `PersonView<M>` and the alias `PersonTokens`.

use proc_macro2::Ident;
use quote::format_ident;

use crate::ast::{Container, Field};
use crate::attr::pascal_case;

/// Associated constants of `VaultTable`: a column constant with one of these names would be
/// an inherent constant that shadows the trait's (`Person::TABLE`).
pub(crate) const RESERVED_CONSTS: [&str; 3] = ["TABLE", "COLUMNS", "SKYFLOW_ID_FIELD"];

/// The view's private marker field; a column field of this name would collide with it.
pub(crate) const VIEW_MARKER_FIELD: &str = "__skyflow_mode";

/// `card_number` → `CARD_NUMBER`; `cardNumber` → `CARD_NUMBER`.
pub(crate) fn screaming(field: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for ch in field.chars() {
        if ch.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        out.push(ch.to_ascii_uppercase());
    }
    out
}

/// The column type of `field`: `PersonCardNumber`.
pub(crate) fn column_type(cont: &Container<'_>, field: &Field<'_>) -> Ident {
    Ident::new(
        &format!("{}{}", cont.ident, pascal_case(&field.name())),
        field.ident.span(),
    )
}

/// The column constant of `field`: `CARD_NUMBER`.
pub(crate) fn column_const(field: &Field<'_>) -> Ident {
    Ident::new(&screaming(&field.name()), field.ident.span())
}

/// `PersonView`.
pub(crate) fn view(cont: &Container<'_>) -> Ident {
    format_ident!("{}View", cont.ident)
}

/// `PersonTokens`.
pub(crate) fn tokens_alias(cont: &Container<'_>) -> Ident {
    format_ident!("{}Tokens", cont.ident)
}

/// Why the names `field` generates cannot be used, given the columns before it; `None`
/// when they can.
pub(crate) fn clash(
    cont: &Container<'_>,
    field: &Field<'_>,
    earlier: &[&Field<'_>],
) -> Option<String> {
    let ident = cont.ident;
    let name = field.name();
    let konst = column_const(field).to_string();
    let ty = column_type(cont, field).to_string();
    let keep = format!(
        "help: rename the field; `#[vault(column = \"{}\")]` keeps the column name",
        field.column
    );
    if RESERVED_CONSTS.contains(&konst.as_str()) {
        return Some(format!(
            "field name `{name}` is reserved: its constant `{ident}::{konst}` would shadow \
             `VaultTable::{konst}`\n{keep}"
        ));
    }
    if name == VIEW_MARKER_FIELD {
        return Some(format!(
            "field name `{name}` is reserved for the derive's own use in `{}`\n{keep}",
            view(cont)
        ));
    }
    for (generated, kind) in [
        (view(cont), "view type"),
        (tokens_alias(cont), "tokens alias"),
    ] {
        if generated == ty {
            return Some(format!(
                "field `{name}` would generate the column type `{ty}`, the name of the \
                 derive's {kind} `{generated}`\n{keep}"
            ));
        }
    }
    let other = earlier
        .iter()
        .find(|other| column_const(other) == konst || column_type(cont, other) == ty)?;
    Some(format!(
        "fields `{}` and `{name}` both generate the column type `{ty}` and the constant \
         `{ident}::{konst}`\n{keep}",
        other.name()
    ))
}

/// The columns whose generated names are usable, in field order. After a successful check
/// this is every column; after errors it leaves out the clashing ones, so the companion
/// items are still emitted without adding errors of their own.
pub(crate) fn usable_columns<'c, 'a>(cont: &'c Container<'a>) -> Vec<&'c Field<'a>> {
    let mut usable: Vec<&Field<'a>> = Vec::new();
    for field in cont.columns() {
        if clash(cont, field, &usable).is_none() {
            usable.push(field);
        }
    }
    usable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screaming_handles_snake_and_camel_case() {
        assert_eq!(screaming("card_number"), "CARD_NUMBER");
        assert_eq!(screaming("cardNumber"), "CARD_NUMBER");
        assert_eq!(screaming("ssn2"), "SSN2");
    }
}
