//! Vault tokens of Detect: `TYPE_xxxxxxx` (seven base62 characters derived from the value
//! with a keyed hash), kept in the emulator's encrypted store so re-identify can restore
//! the exact value.
//!
//! A token is stored under a keyed fingerprint of the token (never the token or the value
//! in clear); the stored record (value and entity type) is encrypted at rest by the store.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::engine::EntityType;
use crate::engine::{Engine, EngineResult};

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Shortest token id, as Skyflow's samples show.
const ID_LEN: usize = 7;

/// What a vault token stands for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct StoredToken {
    pub(crate) value: String,
    pub(crate) entity: String,
}

/// Makes and resolves the vault tokens of one vault.
pub(crate) struct VaultTokens<'a> {
    engine: &'a Engine,
    vault: &'a str,
    key: [u8; 32],
}

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

impl<'a> VaultTokens<'a> {
    pub(crate) fn new(engine: &'a Engine, vault: &'a str) -> Self {
        let key = mac(
            &engine.server_signing_key(),
            &[b"skyflow-emulator detect tokens"],
        );
        VaultTokens { engine, vault, key }
    }

    fn store_key(&self, token: &str) -> String {
        let fp = mac(
            &self.key,
            &[b"token", self.vault.as_bytes(), token.as_bytes()],
        );
        let hex: String = fp.iter().map(|b| format!("{b:02x}")).collect();
        format!("detect-token/{hex}")
    }

    /// The vault token of `value` as `entity` (without brackets), stored durably. The
    /// same value and type always get the same token in one vault.
    pub(crate) fn tokenize(&self, entity: EntityType, value: &str) -> EngineResult<String> {
        let digest = mac(
            &self.key,
            &[
                b"value",
                self.vault.as_bytes(),
                entity.as_wire().as_bytes(),
                value.as_bytes(),
            ],
        );
        let id: String = digest
            .iter()
            .map(|b| BASE62[usize::from(*b) % 62] as char)
            .collect();
        let record = StoredToken {
            value: value.to_owned(),
            entity: entity.as_label().to_owned(),
        };
        // A different value already holding this id (a collision) gets a longer id.
        for len in ID_LEN..=id.len() {
            let token = format!("{}_{}", entity.as_label(), &id[..len]);
            let key = self.store_key(&token);
            match self.lookup_key(&key)? {
                Some(existing) if existing == record => return Ok(token),
                Some(_) => continue,
                None => {
                    let bytes = serde_json::to_vec(&record).expect("a token record serializes");
                    self.engine.meta_put(&key, &bytes)?;
                    return Ok(token);
                }
            }
        }
        unreachable!("32 distinct base62 ids cannot all collide")
    }

    /// What `token` (without brackets) stands for, if this vault issued it.
    pub(crate) fn resolve(&self, token: &str) -> EngineResult<Option<StoredToken>> {
        self.lookup_key(&self.store_key(token))
    }

    fn lookup_key(&self, key: &str) -> EngineResult<Option<StoredToken>> {
        Ok(self
            .engine
            .meta_get(key)?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }
}
