//! Value types of the typed layer: record ids, plaintext that must not be printed, and the
//! wrappers that say how a value was read (masked, redacted, the vault's default policy, or a
//! token).

use std::fmt;
use std::marker::PhantomData;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::column::Column;

/// The id the vault gives a record (`skyflow_id`).
///
/// Ids are not secrets: they print as they are in `Debug` and `Display`.
///
/// ```
/// use skyflow_client::table::SkyflowId;
///
/// let id = SkyflowId::new("f3b0c3a6-8c1e-4a8e-9a43-2b8a3c1d9e77");
/// assert_eq!(id.as_str(), "f3b0c3a6-8c1e-4a8e-9a43-2b8a3c1d9e77");
/// assert_eq!(id.to_string(), id.as_str());
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SkyflowId(String);

impl SkyflowId {
    /// Wraps an id the vault returned (or that you stored earlier).
    ///
    /// ```
    /// let id = skyflow_client::table::SkyflowId::new(String::from("id-1"));
    /// assert_eq!(id.as_str(), "id-1");
    /// ```
    pub fn new(id: impl Into<String>) -> Self {
        SkyflowId(id.into())
    }

    /// The id as a string slice.
    ///
    /// ```
    /// assert_eq!(skyflow_client::table::SkyflowId::from("x").as_str(), "x");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as an owned string.
    ///
    /// ```
    /// let s: String = skyflow_client::table::SkyflowId::from("x").into_string();
    /// assert_eq!(s, "x");
    /// ```
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for SkyflowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SkyflowId").field(&self.0).finish()
    }
}

impl fmt::Display for SkyflowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for SkyflowId {
    fn from(id: String) -> Self {
        SkyflowId(id)
    }
}

impl From<&str> for SkyflowId {
    fn from(id: &str) -> Self {
        SkyflowId(id.to_owned())
    }
}

impl AsRef<str> for SkyflowId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

const REDACTED: &str = "** redacted **";

/// A plaintext value that must never be printed: put it in your struct for sensitive
/// fields (card numbers, SSNs).
///
/// It serializes exactly like `T`, so the vault sees the plain value, but `Debug` prints
/// `** redacted **` and there is no `Display`. Read the value with
/// [`expose`](Sensitive::expose) where you really need it.
///
/// ```
/// use skyflow_client::table::Sensitive;
///
/// let ssn = Sensitive::new(String::from("123-45-6789"));
/// assert_eq!(format!("{ssn:?}"), "Sensitive(** redacted **)");
/// assert_eq!(ssn.expose(), "123-45-6789");
/// assert_eq!(serde_json::to_value(&ssn).unwrap(), "123-45-6789");
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    /// Wraps a plaintext value.
    ///
    /// ```
    /// let n = skyflow_client::table::Sensitive::new(42_i64);
    /// assert_eq!(*n.expose(), 42);
    /// ```
    pub const fn new(value: T) -> Self {
        Sensitive(value)
    }

    /// Borrows the plaintext.
    ///
    /// ```
    /// let s = skyflow_client::table::Sensitive::new("4111");
    /// assert_eq!(*s.expose(), "4111");
    /// ```
    pub const fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the plaintext.
    ///
    /// ```
    /// let s = skyflow_client::table::Sensitive::new(String::from("4111"));
    /// assert_eq!(s.into_inner(), "4111");
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Sensitive(value)
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sensitive({REDACTED})")
    }
}

impl<T: Serialize> Serialize for Sensitive<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sensitive<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Sensitive)
    }
}

/// Turns a JSON value the vault returned for a masked, redacted or default read into text.
///
/// Strings stay as they are; numbers and booleans become their JSON text; `null` (or a
/// missing column) is `None`.
pub(crate) fn shown_text(raw: Option<&serde_json::Value>) -> Option<String> {
    match raw {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    }
}

macro_rules! shown_value {
    (
        $(#[$doc:meta])*
        $name:ident, $debug_shows:literal
    ) => {
        $(#[$doc])*
        pub struct $name<T> {
            text: Option<String>,
            value: PhantomData<fn() -> T>,
        }

        impl<T> $name<T> {
            pub(crate) fn from_raw(raw: Option<&serde_json::Value>) -> Self {
                $name {
                    text: shown_text(raw),
                    value: PhantomData,
                }
            }

            /// `true` when the vault returned `null` (or did not return the column).
            pub fn is_null(&self) -> bool {
                self.text.is_none()
            }
        }

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                $name {
                    text: self.text.clone(),
                    value: PhantomData,
                }
            }
        }

        impl<T> PartialEq for $name<T> {
            fn eq(&self, other: &Self) -> bool {
                self.text == other.text
            }
        }

        impl<T> Eq for $name<T> {}

        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if $debug_shows {
                    f.debug_tuple(stringify!($name)).field(&self.text).finish()
                } else {
                    write!(f, "{}({REDACTED})", stringify!($name))
                }
            }
        }
    };
}

shown_value! {
    /// A value read with `MASKED` redaction: the vault's masked rendering of a `T`, such as
    /// `XXXX-XXXX-XXXX-1111` for a card number.
    ///
    /// It holds only the masked text, never a `T`: there is no way to turn it into the
    /// plain value without a new plain-text read. Because it is already masked, `Debug` and
    /// [`as_str`](MaskedValue::as_str) show the masked text.
    ///
    /// ```
    /// use skyflow_client::table::MaskedValue;
    ///
    /// fn show(card: &MaskedValue<String>) -> &str {
    ///     card.as_str().unwrap_or("(none)")
    /// }
    /// # let _ = show;
    /// ```
    MaskedValue, true
}

shown_value! {
    /// A value read with `REDACTED` redaction (the vault returns a fixed placeholder such
    /// as `*REDACTED*`).
    ///
    /// Like [`MaskedValue`], it never holds a `T`. `Debug` and [`as_str`](RedactedValue::as_str)
    /// show the placeholder.
    ///
    /// ```
    /// use skyflow_client::table::RedactedValue;
    ///
    /// fn placeholder(v: &RedactedValue<i64>) -> Option<&str> {
    ///     v.as_str()
    /// }
    /// # let _ = placeholder;
    /// ```
    RedactedValue, true
}

shown_value! {
    /// A value read with `DEFAULT` redaction: whatever the column's redaction policy in the
    /// vault schema produces, which may be plaintext, masked or redacted.
    ///
    /// Because it may be plaintext, `Debug` never prints it; because it may be masked, it
    /// can't be used as a `T` either. Read the text with
    /// [`expose_unverified`](DefaultRedacted::expose_unverified).
    ///
    /// ```
    /// use skyflow_client::table::DefaultRedacted;
    ///
    /// fn text(v: &DefaultRedacted<String>) -> Option<&str> {
    ///     v.expose_unverified()
    /// }
    /// # let _ = text;
    /// ```
    DefaultRedacted, false
}

impl<T> MaskedValue<T> {
    /// The masked text, or `None` when the value is null.
    ///
    /// ```
    /// # fn f(card: skyflow_client::table::MaskedValue<String>) {
    /// if let Some(text) = card.as_str() {
    ///     println!("card on file: {text}");
    /// }
    /// # }
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        self.text.as_deref()
    }
}

impl<T> RedactedValue<T> {
    /// The placeholder text, or `None` when the value is null.
    ///
    /// ```
    /// # fn f(v: skyflow_client::table::RedactedValue<String>) {
    /// assert!(v.as_str().is_none() || !v.as_str().unwrap().is_empty());
    /// # }
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        self.text.as_deref()
    }
}

impl<T> DefaultRedacted<T> {
    /// The text the vault returned. It may be plaintext: treat it as a secret.
    ///
    /// ```
    /// # fn f(v: skyflow_client::table::DefaultRedacted<String>) {
    /// let _text: Option<&str> = v.expose_unverified();
    /// # }
    /// ```
    pub fn expose_unverified(&self) -> Option<&str> {
        self.text.as_deref()
    }
}

/// A token of column `C`: what the vault returns instead of the value when you ask for
/// tokens.
///
/// The column is part of the type, so a token of `PersonSsn` cannot be passed where a
/// token of `PersonEmail` is expected, and detokenizing it yields `PersonSsn`'s value type
/// (see [`Detokenize`](super::Detokenize)). Tokens are secrets: `Debug` prints the column
/// but not the token.
///
/// ```
/// use skyflow::VaultTable;
/// use skyflow::table::{SkyflowId, Token};
///
/// #[derive(VaultTable)]
/// #[vault(table = "persons")]
/// struct Person {
///     #[vault(skyflow_id)]
///     id: Option<SkyflowId>,
///     ssn: String,
/// }
///
/// let token: Token<PersonSsn> = Token::from_raw("4f2a-77c1");
/// assert_eq!(format!("{token:?}"), "Token(column = \"ssn\", ** redacted **)");
/// assert_eq!(token.expose(), "4f2a-77c1");
/// ```
pub struct Token<C> {
    token: String,
    column: PhantomData<fn() -> C>,
}

impl<C: Column> Token<C> {
    /// Wraps a token string you know belongs to column `C` (one you stored earlier, or one
    /// you bring to an insert).
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{SkyflowId, Token}};
    /// # #[derive(VaultTable)]
    /// # #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, ssn: String }
    /// let token = Token::<PersonSsn>::from_raw(String::from("tok-1"));
    /// # let _ = token;
    /// ```
    pub fn from_raw(token: impl Into<String>) -> Self {
        Token {
            token: token.into(),
            column: PhantomData,
        }
    }

    /// The token string. Tokens are secrets: don't log it.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{SkyflowId, Token}};
    /// # #[derive(VaultTable)]
    /// # #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, ssn: String }
    /// assert_eq!(Token::<PersonSsn>::from_raw("t").expose(), "t");
    /// ```
    pub fn expose(&self) -> &str {
        &self.token
    }

    /// Unwraps the token string.
    ///
    /// ```
    /// # use skyflow::{VaultTable, table::{SkyflowId, Token}};
    /// # #[derive(VaultTable)]
    /// # #[vault(table = "persons")]
    /// # struct Person { #[vault(skyflow_id)] id: Option<SkyflowId>, ssn: String }
    /// let raw: String = Token::<PersonSsn>::from_raw("t").into_raw();
    /// assert_eq!(raw, "t");
    /// ```
    pub fn into_raw(self) -> String {
        self.token
    }
}

impl<C> Clone for Token<C> {
    fn clone(&self) -> Self {
        Token {
            token: self.token.clone(),
            column: PhantomData,
        }
    }
}

impl<C> PartialEq for Token<C> {
    fn eq(&self, other: &Self) -> bool {
        self.token == other.token
    }
}

impl<C> Eq for Token<C> {}

impl<C> std::hash::Hash for Token<C> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.token.hash(state);
    }
}

impl<C: Column> fmt::Debug for Token<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token(column = {:?}, {REDACTED})", C::NAME)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sensitive_serializes_transparently_and_hides_debug() {
        let s = Sensitive::new(String::from("4111111111111111"));
        assert_eq!(serde_json::to_value(&s).unwrap(), json!("4111111111111111"));
        let back: Sensitive<String> = serde_json::from_value(json!("4111111111111111")).unwrap();
        assert_eq!(back, s);
        let dbg = format!("{s:?} {:#?}", Some(&s));
        assert!(!dbg.contains("4111"), "{dbg}");
    }

    #[test]
    fn shown_values_keep_text_only() {
        let m: MaskedValue<i64> = MaskedValue::from_raw(Some(&json!("XXXX42")));
        assert_eq!(m.as_str(), Some("XXXX42"));
        assert_eq!(format!("{m:?}"), "MaskedValue(Some(\"XXXX42\"))");
        let n: MaskedValue<i64> = MaskedValue::from_raw(Some(&json!(7)));
        assert_eq!(n.as_str(), Some("7"));
        let null: RedactedValue<String> = RedactedValue::from_raw(Some(&serde_json::Value::Null));
        assert!(null.is_null());
        let missing: RedactedValue<String> = RedactedValue::from_raw(None);
        assert!(missing.is_null());
    }

    #[test]
    fn default_redacted_never_prints_its_text() {
        let d: DefaultRedacted<String> = DefaultRedacted::from_raw(Some(&json!("jane@x.com")));
        assert_eq!(d.expose_unverified(), Some("jane@x.com"));
        let dbg = format!("{d:?}");
        assert!(!dbg.contains("jane"), "{dbg}");
        assert_eq!(dbg, "DefaultRedacted(** redacted **)");
    }

    #[test]
    fn skyflow_id_round_trips_as_string() {
        let id = SkyflowId::from("id-1");
        assert_eq!(serde_json::to_value(&id).unwrap(), json!("id-1"));
        let back: SkyflowId = serde_json::from_value(json!("id-1")).unwrap();
        assert_eq!(back, id);
        assert_eq!(format!("{id:?}"), "SkyflowId(\"id-1\")");
    }
}
