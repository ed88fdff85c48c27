//! What the derive emits next to its errors: an `impl VaultTable` whose bodies are never
//! run, so code that uses the type sees our error message, not a cascade of "trait not
//! implemented" errors.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

pub(crate) fn expand(input: &DeriveInput, p: &TokenStream) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut where_clause = where_clause.cloned().unwrap_or_else(|| syn::WhereClause {
        where_token: Default::default(),
        predicates: syn::punctuated::Punctuated::new(),
    });
    where_clause
        .predicates
        .push(syn::parse_quote!(Self: 'static));
    quote! {
        #[doc(hidden)]
        #[allow(unused_qualifications)]
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #p::VaultTable for #ident #ty_generics #where_clause {
                const TABLE: &'static str = "";
                const COLUMNS: &'static [#p::ColumnInfo] = &[];
                const SKYFLOW_ID_FIELD: &'static str = "";
                type View<M: #p::ReadMode> = #p::FallbackView<M>;

                fn skyflow_id(&self) -> #p::Option<&#p::SkyflowId> {
                    #p::Option::None
                }

                fn set_skyflow_id(&mut self, _: #p::SkyflowId) {}

                fn write_fields(&self, _: &mut #p::FieldWriter) -> #p::Result<()> {
                    #p::fallback_error()
                }

                fn from_fields(_: &#p::FieldMap) -> #p::Result<Self> {
                    #p::fallback_error()
                }
            }
        };
    }
}
