//! Keys, AES-256-GCM encryption of values at rest, and HMAC-SHA256 fingerprints.
//!
//! One 32-byte master key lives in `DIR/engine.key` (mode 0600), never in the database.
//! Sub-keys are derived with HMAC-SHA256(master, label): one for AES-GCM, one for value
//! fingerprints (blind indexes), one for download URLs, one handed to the server.

use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::error::{EngineError, EngineResult};

type HmacSha256 = Hmac<Sha256>;

const KEY_FILE_HEADER: &str = "skyflow-emulator engine key v1";
const CIPHER_VERSION: u8 = 1;

/// The engine's keys. `Debug` never prints key material.
pub(crate) struct Keys {
    aead: Aes256Gcm,
    /// The fingerprint key, already absorbed into an HMAC state (cloned per fingerprint).
    fingerprint: HmacSha256,
    url: [u8; 32],
    server: [u8; 32],
    check: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(<hidden>)")
    }
}

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut m = <HmacSha256 as Mac>::new_from_slice(master).expect("hmac accepts any key length");
    m.update(label.as_bytes());
    m.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of a hex string (either case); `None` if it is not one.
pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    hex(bytes)
}

impl Keys {
    pub(crate) fn from_master(master: [u8; 32]) -> Keys {
        let aead_key = derive(&master, "aes-256-gcm values");
        Keys {
            aead: Aes256Gcm::new_from_slice(&aead_key).expect("32-byte key"),
            fingerprint: <HmacSha256 as Mac>::new_from_slice(&derive(&master, "hmac fingerprints"))
                .expect("hmac accepts any key length"),
            url: derive(&master, "download urls"),
            server: derive(&master, "server signing"),
            check: derive(&master, "key check"),
        }
    }

    /// Fresh random keys (in-memory mode).
    pub(crate) fn random() -> Keys {
        let mut master = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut master);
        Keys::from_master(master)
    }

    /// Loads `path`, or creates it (0600) when `create` is true and it does not exist.
    pub(crate) fn load_or_create(path: &Path, create: bool) -> EngineResult<Keys> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let mut lines = text.lines();
                if lines.next() != Some(KEY_FILE_HEADER) {
                    return Err(EngineError::internal(format!(
                        "key file {} is not an engine key file",
                        path.display()
                    )));
                }
                let bytes = lines
                    .next()
                    .and_then(|l| unhex(l.trim()))
                    .filter(|b| b.len() == 32)
                    .ok_or_else(|| {
                        EngineError::internal(format!("key file {} is corrupt", path.display()))
                    })?;
                let mut master = [0u8; 32];
                master.copy_from_slice(&bytes);
                Ok(Keys::from_master(master))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                let mut master = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut master);
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                let mut f = opts.open(path).map_err(|e| {
                    EngineError::internal(format!("cannot create key file {}: {e}", path.display()))
                })?;
                f.write_all(format!("{KEY_FILE_HEADER}\n{}\n", hex(&master)).as_bytes())
                    .and_then(|_| f.sync_all())
                    .map_err(|e| {
                        EngineError::internal(format!(
                            "cannot write key file {}: {e}",
                            path.display()
                        ))
                    })?;
                if let Some(dir) = path.parent()
                    && let Ok(d) = std::fs::File::open(dir)
                {
                    let _ = d.sync_all();
                }
                Ok(Keys::from_master(master))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(EngineError::internal(format!(
                    "key file {} is missing but the database exists; refusing to start without the key",
                    path.display()
                )))
            }
            Err(e) => Err(EngineError::internal(format!(
                "cannot read key file {}: {e}",
                path.display()
            ))),
        }
    }

    /// A value that identifies the key (stored in the database to detect a wrong key file).
    pub(crate) fn check_value(&self) -> String {
        hex(&self.check)
    }

    pub(crate) fn server_key(&self) -> [u8; 32] {
        self.server
    }

    /// Encrypts `plain`, binding it to `aad`. Output: version byte, 12-byte nonce, ciphertext.
    pub(crate) fn encrypt(&self, aad: &[u8], plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        // 96-bit random nonces from the thread's CSPRNG (seeded and reseeded by the OS).
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .aead
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
            .expect("AES-GCM encryption cannot fail for in-memory buffers");
        let mut out = Vec::with_capacity(13 + ct.len());
        out.push(CIPHER_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Decrypts a blob made by [`Keys::encrypt`] with the same `aad`; fails on any change.
    pub(crate) fn decrypt(&self, aad: &[u8], blob: &[u8]) -> EngineResult<Vec<u8>> {
        if blob.len() < 13 + 16 || blob[0] != CIPHER_VERSION {
            return Err(EngineError::internal("stored ciphertext is malformed"));
        }
        self.aead
            .decrypt(
                Nonce::from_slice(&blob[1..13]),
                Payload {
                    msg: &blob[13..],
                    aad,
                },
            )
            .map_err(|_| EngineError::internal("stored ciphertext failed authentication"))
    }

    /// Keyed fingerprint of length-prefixed parts (a blind index).
    pub(crate) fn fingerprint(&self, parts: &[&[u8]]) -> Vec<u8> {
        let mut m = self.fingerprint.clone();
        for p in parts {
            m.update(&(p.len() as u64).to_be_bytes());
            m.update(p);
        }
        m.finalize().into_bytes().to_vec()
    }

    /// Signature of a download URL.
    pub(crate) fn sign_url(&self, file_id: &str, exp: i64) -> String {
        let mut m = <HmacSha256 as Mac>::new_from_slice(&self.url).expect("hmac key");
        m.update(file_id.as_bytes());
        m.update(b"|");
        m.update(exp.to_string().as_bytes());
        hex(&m.finalize().into_bytes())
    }

    /// Constant-time check of a download URL signature.
    pub(crate) fn verify_url(&self, file_id: &str, exp: i64, sig: &str) -> bool {
        let Some(given) = unhex(sig) else {
            return false;
        };
        let mut m = <HmacSha256 as Mac>::new_from_slice(&self.url).expect("hmac key");
        m.update(file_id.as_bytes());
        m.update(b"|");
        m.update(exp.to_string().as_bytes());
        m.verify_slice(&given).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_tamper() {
        let k = Keys::random();
        let blob = k.encrypt(b"aad", b"secret value");
        assert_eq!(k.decrypt(b"aad", &blob).unwrap(), b"secret value");
        assert!(k.decrypt(b"other", &blob).is_err());
        let mut bad = blob.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(k.decrypt(b"aad", &bad).is_err());
        assert!(!blob.windows(6).any(|w| w == b"secret"));
    }

    #[test]
    fn fingerprints_are_keyed_and_prefixed() {
        let k = Keys::random();
        assert_eq!(k.fingerprint(&[b"a", b"bc"]), k.fingerprint(&[b"a", b"bc"]));
        assert_ne!(k.fingerprint(&[b"ab", b"c"]), k.fingerprint(&[b"a", b"bc"]));
        assert_ne!(Keys::random().fingerprint(&[b"a"]), k.fingerprint(&[b"a"]));
    }

    #[test]
    fn url_signatures() {
        let k = Keys::random();
        let s = k.sign_url("f1", 100);
        assert!(k.verify_url("f1", 100, &s));
        assert!(!k.verify_url("f1", 101, &s));
        assert!(!k.verify_url("f2", 100, &s));
        assert!(!k.verify_url("f1", 100, "zz"));
    }

    #[test]
    fn key_file_created_private_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("engine.key");
        assert!(Keys::load_or_create(&p, false).is_err());
        let a = Keys::load_or_create(&p, true).unwrap();
        let b = Keys::load_or_create(&p, true).unwrap();
        assert_eq!(a.check_value(), b.check_value());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert_eq!(format!("{a:?}"), "Keys(<hidden>)");
    }
}
