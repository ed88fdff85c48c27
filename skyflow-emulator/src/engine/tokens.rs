//! Tokens: issuing (deterministic, random, FPT, transient, BYOT), releasing, tokenize and
//! detokenize.
//!
//! A token row holds the token (encrypted, plus a keyed hash for lookups), its column group,
//! the column that issued it, an encrypted copy of the value and, for deterministic policies,
//! a keyed hash of the value scoped to the group. Cells link to their persistent token; a
//! persistent token is deleted when the last cell using it goes. Transient tokens are not
//! linked to cells: they live until their TTL, even after the record is deleted.

use std::collections::HashMap;

use rusqlite::Connection;
use serde_json::Value;

use super::audit::RequestContext;
use super::error::{EngineError, EngineResult, ErrorKind};
use super::fpt;
use super::redaction;
use super::schema::{Column, DataType, Table, TokenPolicy};
use super::store::{Cells, TokenRow, TokenTarget};
use super::types::*;
use super::validate::{canon, into_canon};
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
}

/// A new token with its keyed hash and ciphertexts.
struct FreshToken {
    token: String,
    fp: Vec<u8>,
    token_ct: Vec<u8>,
    value_ct: Vec<u8>,
}

impl Vault {
    fn token_fp(&self, token: &str) -> Vec<u8> {
        self.inner
            .keys
            .fingerprint(&[b"tok", self.vault.id.as_bytes(), token.as_bytes()])
    }

    fn value_fp(&self, group: &str, v: &Value) -> Vec<u8> {
        self.inner.keys.fingerprint(&[
            b"det",
            self.vault.id.as_bytes(),
            group.as_bytes(),
            canon(v).as_bytes(),
        ])
    }

    fn token_aad(&self) -> Vec<u8> {
        format!("tok|{}", self.vault.id).into_bytes()
    }

    fn value_aad(&self, token_fp: &[u8]) -> Vec<u8> {
        let mut a = format!("tokval|{}|", self.vault.id).into_bytes();
        a.extend_from_slice(token_fp);
        a
    }

    fn generate(&self, col: &Column, v: &Value) -> String {
        let s = canon(v);
        let fpt_ok = col.datatype.allows_fpt();
        match col.token_policy {
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
            Some(TokenPolicy::DeterministicPreserveLeft6Right4) if fpt_ok => {
                fpt::preserve_left6_right4(&s)
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
            .token_policy
            .ok_or_else(|| EngineError::internal("column has no token policy"))?;
        let value_fp = policy
            .is_deterministic()
            .then(|| self.value_fp(&col.column_group, v));
        if byot.is_none()
            && value_fp
                .as_deref()
                .is_some_and(|f| self.inner.store.has_deterministic(f))
        {
            return Ok(PreparedToken {
                value_fp,
                fresh: None,
            });
        }
        let token = match byot {
            Some(b) => Some(b.to_string()),
            None => Some(self.generate(col, v)).filter(|t| *t != canon(v)),
        };
        let plain = serde_json::to_vec(v).map_err(|e| EngineError::internal(e.to_string()))?;
        Ok(PreparedToken {
            value_fp,
            fresh: token.map(|t| self.fresh_token(t, &plain)),
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
            .token_policy
            .ok_or_else(|| EngineError::internal("column has no token policy"))?;
        let cells = cells.filter(|_| !policy.is_transient());
        if let Some(b) = byot {
            if b.is_empty() {
                return Err(EngineError::invalid(format!(
                    "{at}The token supplied for column {} is empty",
                    col.name
                )));
            }
            if let Some(generator) = &col.fpt_gen
                && col.datatype.allows_fpt()
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
                    col.name
                )));
            }
        }
        let (value_fp, mut fresh) = match prepared {
            Some(p) => (p.value_fp, p.fresh),
            None => (
                policy
                    .is_deterministic()
                    .then(|| self.value_fp(&col.column_group, v)),
                None,
            ),
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
                        col.name
                    ),
                ));
            }
            if let Some(cells) = cells {
                self.hold(c, cells, &col.name, tid, false)?;
            }
            return Ok(token);
        }
        let expires = policy
            .is_transient()
            .then(|| self.inner.now() + i64::from(col.ttl_minutes) * 60);
        let mut plain = None;
        for _ in 0..MAX_TOKEN_ATTEMPTS {
            let FreshToken {
                token,
                fp,
                token_ct,
                value_ct,
            } = match fresh.take() {
                Some(f) => f,
                None => {
                    let token = match byot {
                        Some(b) => b.to_string(),
                        None => self.generate(col, v),
                    };
                    if byot.is_none() && token == canon(v) {
                        continue;
                    }
                    if plain.is_none() {
                        plain = Some(
                            serde_json::to_vec(v)
                                .map_err(|e| EngineError::internal(e.to_string()))?,
                        );
                    }
                    self.fresh_token(token, plain.as_deref().unwrap_or_default())
                }
            };
            // A token a cell will hold is stored already counting that holder.
            let stored = self.rows(c).insert_token(&TokenRow {
                token_fp: &fp,
                token_ct: &token_ct,
                group: &col.column_group,
                value_fp: value_fp.as_deref(),
                table: &table.name,
                column: &col.name,
                value_ct: &value_ct,
                expires_at: expires,
                refs: i64::from(cells.is_some()),
            })?;
            let Some(tid) = stored else {
                if byot.is_some() {
                    return Err(EngineError::new(
                        ErrorKind::InvalidArgument,
                        format!(
                            "{at}The token supplied for column {} is already mapped to another value",
                            col.name
                        ),
                    ));
                }
                continue;
            };
            if let Some(cells) = cells {
                self.hold(c, cells, &col.name, tid, true)?;
            }
            return Ok(token);
        }
        Err(EngineError::internal(format!(
            "could not draw a free token for column {} (the token space of its format is exhausted)",
            col.name
        )))
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

    fn decrypt_token(&self, ct: &[u8]) -> EngineResult<String> {
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

    /// Returns the existing tokens of values already stored in a deterministic column of the
    /// given group (or table + column). Never creates anything; 404 when a value is absent.
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let req: TokenizeRequest = serde_json::from_value(serde_json::json!({
    ///     "tokenizationParameters": [{"value": "x@y.com", "table": "table1", "column": "email"}]})).unwrap();
    /// assert_eq!(v.tokenize(&RequestContext::system(), req).unwrap_err().http_code(), 404);
    /// ```
    pub fn tokenize(
        &self,
        ctx: &RequestContext,
        req: TokenizeRequest,
    ) -> EngineResult<TokenizeResponse> {
        let ev = self.event("/v1.TokenService/Tokenize", "READ", "TOKEN", None);
        self.read_op(ctx, ev, |c, _| {
            let params_ = &req.tokenization_parameters;
            if params_.is_empty() {
                return Err(EngineError::invalid("Tokenize failed. tokenizationParameters is empty."));
            }
            self.inner.config.limits.check_records(params_.len(), "values")?;
            let mut out = Vec::with_capacity(params_.len());
            let mut missing: Vec<String> = Vec::new();
            for (i, p) in params_.iter().enumerate() {
                let (group, members): (String, Vec<(String, String)>) = match (&p.column_group, &p.table, &p.column) {
                    (Some(g), None, None) => {
                        let m = self.vault.schema.column_group(g).ok_or_else(|| {
                            EngineError::invalid(format!("Tokenize failed for value {i}. Column group {g} does not exist."))
                        })?;
                        (g.clone(), m.to_vec())
                    }
                    (None, Some(t), Some(col)) => {
                        let table = self.table(t)?;
                        let column = table.column(col).ok_or_else(|| invalid_column(i, col))?;
                        (column.column_group.clone(), vec![(t.clone(), col.clone())])
                    }
                    _ => {
                        return Err(EngineError::invalid(format!(
                            "Tokenize failed for value {i}. Give either columnGroup, or table and column."
                        )));
                    }
                };
                let (t0, c0) = &members[0];
                let table = self.table(t0)?;
                let col = table.column(c0).ok_or_else(|| invalid_column(i, c0))?;
                if !col.token_policy.is_some_and(TokenPolicy::is_deterministic) {
                    return Err(EngineError::invalid(format!(
                        "Tokenize failed for value {i}. Column group {group} does not use a deterministic token policy."
                    )));
                }
                let v = match self.normalize(table, col, &p.value, "") {
                    Ok(Some(v)) => v,
                    _ => Value::Null,
                };
                let found = if v.is_null() {
                    None
                } else {
                    self.rows(c).deterministic_token(&self.value_fp(&group, &v))
                };
                match found {
                    Some(tid) => {
                        let t = self.token_text(c, tid)?;
                        out.push(TokenRecord { token: t });
                    }
                    None => {
                        for (t, cn) in &members {
                            let n = format!("{t}.{cn}");
                            if !missing.contains(&n) {
                                missing.push(n);
                            }
                        }
                    }
                }
            }
            if !missing.is_empty() {
                return Err(EngineError::new(
                    ErrorKind::NotFound,
                    format!(
                        "Tokenize returns previously issued tokens for existing data. Provided value(s) do not exist in the provided table.column(s): {}",
                        missing.join(", ")
                    ),
                ));
            }
            Ok(TokenizeResponse { records: out })
        })
    }

    /// Resolves tokens to values with per-token redaction. Without `continueOnError` the
    /// first missing token fails the call (404 `Token not found for <token>`).
    ///
    /// ```
    /// # use skyflow_emulator::engine::*;
    /// # let e = Engine::open(EngineConfig::in_memory()).unwrap();
    /// # let v = e.vault(&e.create_vault(None, VaultSchema::default_schema()).unwrap()).unwrap();
    /// let req: DetokenizeRequest = serde_json::from_value(serde_json::json!({
    ///     "detokenizationParameters": [{"token": "nope"}], "continueOnError": true})).unwrap();
    /// let res = v.detokenize(&RequestContext::system(), req).unwrap();
    /// assert_eq!(res.http_status(), 207);
    /// ```
    pub fn detokenize(
        &self,
        ctx: &RequestContext,
        req: DetokenizeRequest,
    ) -> EngineResult<DetokenizeResponse> {
        let ev = self.event("/v1.TokenService/Detokenize", "READ", "TOKEN", None);
        self.read_op(ctx, ev, move |c, ev| {
            let DetokenizeRequest {
                detokenization_parameters: ps,
                download_url,
                continue_on_error,
            } = req;
            if ps.is_empty() {
                return Err(EngineError::invalid(
                    "Detokenize failed. detokenizationParameters is empty.",
                ));
            }
            self.inner.config.limits.check_records(ps.len(), "tokens")?;
            let continue_on_error = continue_on_error.unwrap_or(false);
            let download = download_url.unwrap_or(false);
            let now = self.inner.now();
            // The values' AAD is a fixed prefix plus the token's hash: built in one buffer.
            let mut aad = self.value_aad(&[]);
            let aad_prefix = aad.len();
            let mut out = Vec::with_capacity(ps.len());
            for p in ps {
                let tfp = self.token_fp(&p.token);
                let row = self.rows(c).token_target(&tfp)?;
                let row = row.filter(|r| r.expires_at.is_none_or(|e| e > now));
                let Some(TokenTarget {
                    table,
                    column,
                    value_ct: vct,
                    ..
                }) = row
                else {
                    let err = EngineError::token_not_found(&p.token);
                    if continue_on_error {
                        ev.nested.push_parts(404, "Token not found", &["TOKEN/"]);
                        out.push(DetokenizedRecord {
                            token: p.token,
                            value_type: None,
                            value: None,
                            error: Some(err.message().to_string()),
                        });
                        continue;
                    }
                    return Err(err);
                };
                aad.truncate(aad_prefix);
                aad.extend_from_slice(&tfp);
                let v = stored_value(self.inner.keys.decrypt(&aad, &vct)?)?;
                let col = self
                    .vault
                    .schema
                    .table(&table)
                    .and_then(|t| t.column(&column));
                let redaction = p.redaction.unwrap_or_default();
                let (value, vt) = match col {
                    Some(col) if col.datatype == DataType::File => {
                        let file_id = canon(&v);
                        let shown = if download {
                            self.download_url(&file_id)
                        } else {
                            let name = self
                                .file_meta(c, &file_id)?
                                .map(|m| m.file_name)
                                .unwrap_or_default();
                            into_canon(redaction::apply_owned(
                                col,
                                redaction,
                                ctx.default_redaction_only,
                                Value::String(name),
                            ))
                        };
                        (shown, ValueType::String)
                    }
                    Some(col) => {
                        let shown =
                            redaction::apply_owned(col, redaction, ctx.default_redaction_only, v);
                        let vt = if col.is_array {
                            ValueType::Array
                        } else {
                            ValueType::from(col.datatype)
                        };
                        (into_canon(shown), vt)
                    }
                    // The column is gone from the schema: its redaction policy is unknown, so
                    // the value never leaves in clear.
                    None => (redaction::REDACTED_TEXT.to_string(), ValueType::String),
                };
                ev.nested
                    .push_parts(200, "", &["TOKEN/", &table, ".", &column]);
                out.push(DetokenizedRecord {
                    token: p.token,
                    value_type: Some(vt),
                    value: Some(value),
                    error: None,
                });
            }
            Ok(DetokenizeResponse { records: out })
        })
    }
}

/// A token's value from its stored JSON. Most values are strings with nothing to unescape
/// (quoted, without a backslash): those become the string without a JSON parse, reusing the
/// buffer.
fn stored_value(mut json: Vec<u8>) -> EngineResult<Value> {
    let plain_string = json.len() >= 2
        && json[0] == b'"'
        && json[json.len() - 1] == b'"'
        && !json[1..json.len() - 1]
            .iter()
            .any(|&b| b == b'\\' || b == b'"' || b < 0x20);
    if plain_string {
        json.pop();
        json.remove(0);
        if let Ok(s) = String::from_utf8(json) {
            return Ok(Value::String(s));
        }
        return Err(EngineError::internal("stored token value is corrupt"));
    }
    serde_json::from_slice(&json)
        .map_err(|_| EngineError::internal("stored token value is corrupt"))
}

fn invalid_column(i: usize, col: &str) -> EngineError {
    EngineError::invalid(format!(
        "Tokenize failed for value {i}. Column {col} is invalid. Specify a valid column."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_decode_like_serde_json() {
        for v in [
            serde_json::json!("Jane Doe"),
            serde_json::json!(""),
            serde_json::json!("quote \" and \\ backslash"),
            serde_json::json!("tab\tnewline\n"),
            serde_json::json!("ünïcødé ✓"),
            serde_json::json!(42),
            serde_json::json!(4.5),
            serde_json::json!(true),
            serde_json::json!(["a", 1]),
            serde_json::json!({"k": "v"}),
            Value::Null,
        ] {
            assert_eq!(stored_value(serde_json::to_vec(&v).unwrap()).unwrap(), v);
        }
        for corrupt in [&b"\"\xff\""[..], b"\"", b"{", b""] {
            assert!(stored_value(corrupt.to_vec()).is_err(), "{corrupt:?}");
        }
    }
}
