//! Tokenize (the existing token of a value) and detokenize (the value of a token, redacted
//! as asked).

use serde_json::Value;

use super::audit::RequestContext;
use super::error::{EngineError, EngineResult, ErrorKind};
use super::redaction;
use super::schema::{DataType, TokenPolicy};
use super::store::TokenTarget;
use super::types::*;
use super::validate::{canon, into_canon};
use super::vault::Vault;

impl Vault {
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
                        (column.spec.column_group.clone(), vec![(t.clone(), col.clone())])
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
                if !col.spec.token_policy.is_some_and(TokenPolicy::is_deterministic) {
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
                    Some(col) if col.spec.datatype == DataType::File => {
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
                        let vt = if col.spec.is_array {
                            ValueType::Array
                        } else {
                            ValueType::from(col.spec.datatype)
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
