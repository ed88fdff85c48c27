//! Tokens: issuing (deterministic, random, FPT, transient, BYOT) and releasing; tokenize and
//! detokenize are in `resolve.rs`.
//!
//! A token row holds the token (encrypted, plus a keyed hash for lookups), its column group,
//! the column that issued it, an encrypted copy of the value and, for deterministic policies,
//! a keyed hash of the value scoped to the group. Cells link to their persistent token; a
//! persistent token is deleted when the last cell using it goes. Transient tokens are not
//! linked to cells: they live until their TTL, even after the record is deleted.

use std::collections::HashMap;

use rusqlite::Connection;
use serde_json::Value;

use super::error::{EngineError, EngineResult, ErrorKind};
use super::fpt;
use super::schema::{Column, Table, TokenPolicy};
use super::store::{Cells, TokenRow};
use super::validate::canon_ref;
use super::vault::Vault;

const MAX_TOKEN_ATTEMPTS: usize = 32;

/// How a token is issued for a cell: the BYOT token given for it, the cells of the record
/// that will hold it (none for a value tokenized on its own), and its prepared work.
#[derive(Default)]
pub(crate) struct Issue<'a> {
    pub byot: Option<&'a str>,
    pub cells: Option<&'a mut Cells>,
    pub prepared: Option<PreparedToken>,
}

/// The CPU side of issuing a token, done before the writer lock (see
/// [`Vault::prepare_token`]).
pub(crate) struct PreparedToken {
    /// The value's keyed hash in its column group (deterministic policies).
    value_fp: Option<Vec<u8>>,
    /// A new token, used if the value has none yet.
    fresh: Option<FreshToken>,
    /// The value's JSON, for further new tokens should this one be taken.
    plain: Vec<u8>,
}

/// A new token with its keyed hash and ciphertexts.
struct FreshToken {
    token: String,
    fp: Vec<u8>,
    token_ct: Vec<u8>,
    value_ct: Vec<u8>,
}

impl Vault {
    pub(super) fn token_fp(&self, token: &str) -> Vec<u8> {
        self.inner
            .keys
            .fingerprint(&[b"tok", self.vault.id.as_bytes(), token.as_bytes()])
    }

    pub(super) fn value_fp(&self, group: &str, v: &Value) -> Vec<u8> {
        self.inner.keys.fingerprint(&[
            b"det",
            self.vault.id.as_bytes(),
            group.as_bytes(),
            canon_ref(v).as_bytes(),
        ])
    }

    /// Associated data of a token's ciphertext: `tok|<vault>`.
    fn token_aad(&self) -> Vec<u8> {
        [b"tok|", self.vault.id.as_bytes()].concat()
    }

    /// Associated data of a token's value: `tokval|<vault>|<token hash>`.
    pub(super) fn value_aad(&self, token_fp: &[u8]) -> Vec<u8> {
        [b"tokval|", self.vault.id.as_bytes(), b"|", token_fp].concat()
    }

    fn generate(&self, col: &Column, v: &Value) -> String {
        let s = canon_ref(v);
        let fpt_ok = col.spec.datatype.allows_fpt();
        match col.spec.token_policy {
            Some(
                TokenPolicy::DeterministicFpt
                | TokenPolicy::NonDeterministicFpt
                | TokenPolicy::FormatPreservingToken,
            ) if fpt_ok => {
                let t = match &col.fpt_gen {
                    Some(generator) => generator.draw(),
                    None => Some(fpt::like_value(&s)).filter(|t| !t.is_empty()),
                };
                t.unwrap_or_else(fpt::uuid)
            }
            Some(TokenPolicy::RandomToken) => fpt::random_token(),
            // A value of 10 digits or fewer (or none) would keep every digit: nothing is left
            // to change, so it takes a UUID token, as a value in a non-text column does.
            Some(TokenPolicy::DeterministicPreserveLeft6Right4) if fpt_ok => {
                fpt::preserve_left6_right4(&s).unwrap_or_else(fpt::uuid)
            }
            Some(TokenPolicy::DeterministicPreserveEmailDomain) if fpt_ok => {
                fpt::preserve_email_domain(&s)
            }
            _ => fpt::uuid(),
        }
    }

    /// The keyed hash and ciphertexts of a new token `token` for a value whose JSON is
    /// `plain`.
    fn fresh_token(&self, token: String, plain: &[u8]) -> FreshToken {
        let fp = self.token_fp(&token);
        FreshToken {
            token_ct: self.inner.keys.encrypt(&self.token_aad(), token.as_bytes()),
            value_ct: self.inner.keys.encrypt(&self.value_aad(&fp), plain),
            fp,
            token,
        }
    }

    /// A new token for `v` in `col` (the BYOT token `byot` if given) with its hash and
    /// ciphertexts; `None` when the drawn token equals the value itself.
    fn draw_token(
        &self,
        col: &Column,
        v: &Value,
        byot: Option<&str>,
        plain: &[u8],
    ) -> Option<FreshToken> {
        let token = match byot {
            Some(b) => b.to_string(),
            None => Some(self.generate(col, v)).filter(|t| *t != canon_ref(v))?,
        };
        Some(self.fresh_token(token, plain))
    }

    /// The CPU side of issuing the token of `v` in `col` (the BYOT token `byot` if given),
    /// done before the write waits for the writer: the value's keyed hash, and a new token
    /// with its ciphertexts unless the value is known to have a token already.
    pub(crate) fn prepare_token(
        &self,
        col: &Column,
        v: &Value,
        byot: Option<&str>,
    ) -> EngineResult<PreparedToken> {
        let policy = col
            .spec
            .token_policy
            .ok_or_else(|| EngineError::internal("column has no token policy"))?;
        let value_fp = policy
            .is_deterministic()
            .then(|| self.value_fp(&col.spec.column_group, v));
        let plain = serde_json::to_vec(v).map_err(|e| EngineError::internal(e.to_string()))?;
        let known = byot.is_none()
            && value_fp
                .as_deref()
                .is_some_and(|f| self.inner.store.has_deterministic(f));
        let fresh = if known {
            None
        } else {
            self.draw_token(col, v, byot, &plain)
        };
        Ok(PreparedToken {
            value_fp,
            fresh,
            plain,
        })
    }

    /// Issues (or finds) the token of `v` in `col`; with `issue.cells` (the cells of the
    /// record being written) the cell of `col` holds it from now on, and the token it held
    /// before is released. Transient tokens are never held by a cell.
    pub(crate) fn issue_token(
        &self,
        c: &Connection,
        table: &Table,
        col: &Column,
        v: &Value,
        issue: Issue<'_>,
        at: &str,
    ) -> EngineResult<String> {
        let Issue {
            byot,
            cells,
            prepared,
        } = issue;
        let policy = col
            .spec
            .token_policy
            .ok_or_else(|| EngineError::internal("column has no token policy"))?;
        let cells = cells.filter(|_| !policy.is_transient());
        if let Some(b) = byot {
            if b.is_empty() {
                return Err(EngineError::invalid(format!(
                    "{at}The token supplied for column {} is empty",
                    col.spec.name
                )));
            }
            if let Some(generator) = &col.fpt_gen
                && col.spec.datatype.allows_fpt()
                && matches!(
                    policy,
                    TokenPolicy::DeterministicFpt
                        | TokenPolicy::NonDeterministicFpt
                        | TokenPolicy::FormatPreservingToken
                )
                && !generator.is_match(b)
            {
                return Err(EngineError::invalid(format!(
                    "{at}The token supplied for column {} does not match the column's format_preserving_regex",
                    col.spec.name
                )));
            }
        }
        let PreparedToken {
            value_fp,
            mut fresh,
            plain,
        } = match prepared {
            Some(p) => p,
            None => self.prepare_token(col, v, byot)?,
        };
        // A deterministic value that already has a token keeps it.
        if let Some(vfp) = &value_fp
            && let Some(tid) = self.rows(c).deterministic_token(vfp)
        {
            let token = self.token_text(c, tid)?;
            if let Some(b) = byot
                && b != token
            {
                return Err(EngineError::new(
                    ErrorKind::InvalidArgument,
                    format!(
                        "{at}The token supplied for column {} conflicts with the token already issued for this value",
                        col.spec.name
                    ),
                ));
            }
            if let Some(cells) = cells {
                self.hold(c, cells, &col.spec.name, tid, false)?;
            }
            return Ok(token);
        }
        let expires = policy
            .is_transient()
            .then(|| self.inner.now() + i64::from(col.spec.ttl_minutes) * 60);
        for _ in 0..MAX_TOKEN_ATTEMPTS {
            let Some(FreshToken {
                token,
                fp,
                token_ct,
                value_ct,
            }) = fresh
                .take()
                .or_else(|| self.draw_token(col, v, byot, &plain))
            else {
                continue;
            };
            // A token a cell will hold is stored already counting that holder.
            let stored = self.rows(c).insert_token(TokenRow {
                token_fp: &fp,
                token_ct,
                group: &col.spec.column_group,
                value_fp: value_fp.as_deref(),
                table: &table.name,
                column: &col.spec.name,
                value_ct,
                expires_at: expires,
                refs: i64::from(cells.is_some()),
            })?;
            let Some(tid) = stored else {
                if byot.is_some() {
                    return Err(EngineError::new(
                        ErrorKind::InvalidArgument,
                        format!(
                            "{at}The token supplied for column {} is already mapped to another value",
                            col.spec.name
                        ),
                    ));
                }
                continue;
            };
            if let Some(cells) = cells {
                self.hold(c, cells, &col.spec.name, tid, true)?;
            }
            return Ok(token);
        }
        // The schema's format leaves too few tokens for the values written: the client's to
        // fix, so the message reaches it.
        Err(EngineError::new(
            ErrorKind::InvalidArgument,
            format!(
                "{at}Could not draw an unused token for column {}: the token format of its policy has too few tokens left",
                col.spec.name
            ),
        ))
    }

    /// The cell of `col` holds token row `tid` (already counted as its holder when
    /// `counted`); the token it held before is released.
    fn hold(
        &self,
        c: &Connection,
        cells: &mut Cells,
        col: &str,
        tid: i64,
        counted: bool,
    ) -> EngineResult<()> {
        let before = cells.insert(col.to_string(), tid);
        if before == Some(tid) {
            return Ok(());
        }
        let rows = self.rows(c);
        if !counted {
            rows.hold_token(tid);
        }
        if let Some(old) = before {
            rows.release_token(old);
        }
        Ok(())
    }

    /// The text of the token of row `tid`.
    pub(crate) fn token_text(&self, c: &Connection, tid: i64) -> EngineResult<String> {
        let rows = self.rows(c);
        if let Some(text) = rows.cached_text(tid) {
            return Ok(text);
        }
        let ct = rows
            .token_ct(tid)?
            .ok_or_else(|| EngineError::internal("a cell links to a missing token"))?;
        let text = self.decrypt_token(&ct)?;
        rows.remember_text(tid, &text);
        Ok(text)
    }

    pub(super) fn decrypt_token(&self, ct: &[u8]) -> EngineResult<String> {
        String::from_utf8(self.inner.keys.decrypt(&self.token_aad(), ct)?)
            .map_err(|_| EngineError::internal("stored token is corrupt"))
    }

    /// Column → token of the cells of one record.
    pub(crate) fn cell_tokens(
        &self,
        c: &Connection,
        table: &str,
        sid: &str,
    ) -> EngineResult<HashMap<String, String>> {
        let Some(row) = self.rows(c).record(table, sid)? else {
            return Ok(HashMap::new());
        };
        let mut out = HashMap::with_capacity(row.cells.len());
        for (col, tid) in row.cells {
            let t = self.token_text(c, tid)?;
            out.insert(col, t);
        }
        Ok(out)
    }
}
