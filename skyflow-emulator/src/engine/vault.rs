//! [`Vault`]: the handle on one vault that every data operation goes through. The operations
//! are implemented (and documented) in the file of their responsibility: `write.rs` (insert,
//! update, delete), `read.rs` (get), `batch.rs`, `tokens.rs` (tokenize, detokenize),
//! `files.rs`, `query/`; what they share is in `ops.rs`.

use std::sync::Arc;

use super::ops::{Inner, VaultState};
use super::schema::VaultSchema;

/// A handle on one vault. All data operations live here; each takes the
/// [`RequestContext`](super::RequestContext) of the call, which is written to the audit log.
///
/// ```
/// use skyflow_emulator::engine::{Engine, EngineConfig, VaultSchema};
/// let e = Engine::open(EngineConfig::in_memory()).unwrap();
/// let id = e.create_vault(None, VaultSchema::quickstart()).unwrap();
/// assert_eq!(e.vault(&id).unwrap().id(), id);
/// ```
#[derive(Clone)]
pub struct Vault {
    pub(super) inner: Arc<Inner>,
    pub(super) vault: Arc<VaultState>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("id", &self.vault.id)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// The vault id.
    ///
    /// ```
    /// # use skyflow_emulator::engine::{Engine, EngineConfig, VaultSchema};
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// let id = e.create_vault(Some("abc"), VaultSchema::quickstart()).unwrap();
    /// assert_eq!(e.vault("abc").unwrap().id(), "abc");
    /// ```
    pub fn id(&self) -> &str {
        &self.vault.id
    }

    /// The vault's schema.
    ///
    /// ```
    /// # use skyflow_emulator::engine::{Engine, EngineConfig, VaultSchema};
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let id = e.create_vault(None, VaultSchema::quickstart()).unwrap();
    /// assert!(e.vault(&id).unwrap().schema().table("persons").is_some());
    /// ```
    pub fn schema(&self) -> &VaultSchema {
        &self.vault.schema
    }
}
