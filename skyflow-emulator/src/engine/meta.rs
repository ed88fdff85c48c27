//! Records the server keeps in the store: service accounts and API keys.

use serde::{Deserialize, Serialize};

/// A service account whose public key the emulator holds.
///
/// ```
/// use skyflow_emulator::engine::ServiceAccountRecord;
/// let sa = ServiceAccountRecord { client_id: "c".into(), client_name: "n".into(), key_id: "k".into(),
///     public_key_pem: "PEM".into(), roles: vec![], vault_id: None };
/// assert!(!format!("{sa:?}").contains("PEM"));
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ServiceAccountRecord {
    /// `clientID` (the JWT `iss`/`sub`).
    pub client_id: String,
    /// `clientName`.
    pub client_name: String,
    /// `keyID` (the JWT `key` claim).
    pub key_id: String,
    /// The RSA public key, PEM.
    pub public_key_pem: String,
    /// Role ids granted to the account.
    pub roles: Vec<String>,
    /// The vault the account is bound to (`None` = all vaults).
    pub vault_id: Option<String>,
}

impl std::fmt::Debug for ServiceAccountRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccountRecord")
            .field("client_id", &self.client_id)
            .field("key_id", &self.key_id)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

/// What an API key grants.
///
/// ```
/// use skyflow_emulator::engine::ApiKeyRecord;
/// let r = ApiKeyRecord { vault_id: None, roles: vec!["VAULT_OWNER".into()] };
/// assert_eq!(r.roles.len(), 1);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// The vault the key is bound to (`None` = all vaults).
    pub vault_id: Option<String>,
    /// Role ids.
    pub roles: Vec<String>,
}
