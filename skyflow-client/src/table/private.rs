//! Everything `#[derive(VaultTable)]` output names, under one path
//! (`::skyflow::__private`). Not public API: it changes without notice.

pub use super::column::{Column, ColumnInfo, ColumnOf, UniqueColumn};
pub use super::convert::{FieldMap, FieldReader, FieldWriter};
pub use super::redaction::{self, FieldDefault, PlainText, ReadMode, Redaction, Tokens};
pub use super::value::SkyflowId;
pub use super::{FromRecord, VaultTable};
pub use crate::{Error, Result};

pub use core::clone::Clone;
pub use core::default::Default;
pub use core::fmt::{Debug, Formatter, Result as FmtResult};
pub use core::marker::{Copy, PhantomData};
pub use core::option::Option;
pub use core::result::Result::{Err, Ok};

/// Access to the `#[vault(skyflow_id)]` field, implemented only for `Option<SkyflowId>`.
#[diagnostic::on_unimplemented(
    message = "the `#[vault(skyflow_id)]` field must have type `Option<SkyflowId>`, not `{Self}`",
    label = "expected `Option<SkyflowId>`",
    note = "the id is `None` until the record has been inserted; \
            use `Option<skyflow::table::SkyflowId>`"
)]
pub trait SkyflowIdField {
    /// The id, if set.
    fn get(&self) -> Option<&SkyflowId>;
    /// Stores the id.
    fn set(&mut self, id: SkyflowId);
    /// Builds the field from a read record's id.
    fn from_read(id: Option<SkyflowId>) -> Self;
}

impl SkyflowIdField for Option<SkyflowId> {
    fn get(&self) -> Option<&SkyflowId> {
        self.as_ref()
    }

    fn set(&mut self, id: SkyflowId) {
        *self = Some(id);
    }

    fn from_read(id: Option<SkyflowId>) -> Self {
        id
    }
}

/// Writes one value of a view for `Debug` without revealing plaintext.
pub struct DebugValue<'a, M: ReadMode, C: Column>(pub &'a M::Value<C>);

impl<M: ReadMode, C: Column> Debug for DebugValue<'_, M, C> {
    fn fmt(&self, f: &mut Formatter<'_>) -> FmtResult {
        M::fmt_value::<C>(self.0, f)
    }
}

/// The view type of a fallback impl (emitted when `#[derive(VaultTable)]` reports an
/// error): it is never built.
pub struct FallbackView<M>(PhantomData<M>);

impl<M> FromRecord for FallbackView<M> {
    fn from_record(_: &FieldMap) -> Result<Self> {
        Err(Error::decode(
            "this type's #[derive(VaultTable)] failed to compile",
        ))
    }
}

impl<M> Debug for FallbackView<M> {
    fn fmt(&self, f: &mut Formatter<'_>) -> FmtResult {
        f.write_str("FallbackView")
    }
}

/// Rejects every read in a fallback impl.
///
/// # Errors
///
/// Always.
pub fn fallback_error<T>() -> Result<T> {
    Err(Error::decode(
        "this type's #[derive(VaultTable)] failed to compile",
    ))
}
