//! Parsing a service account's credentials JSON into a signing key.

use std::fmt;

use jsonwebtoken::EncodingKey;
use rsa::RsaPrivateKey;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::DecodePrivateKey;
use serde_json::Value;
use url::{Host, Url};

/// What is wrong with a credentials JSON, a token URI or an option: the field and why.
///
/// Callers turn it into a config or validation [`Error`](crate::Error). The message never
/// contains the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub(crate) field: String,
    pub(crate) message: String,
}

impl Invalid {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Parses a credentials document as JSON; a syntax error names only its position
    /// (serde_json's own message could quote the input).
    pub(crate) fn json(text: &str) -> Result<Value, Invalid> {
        serde_json::from_str(text).map_err(|e| {
            Invalid::new(
                "credentials",
                format!(
                    "is not valid JSON (line {}, column {})",
                    e.line(),
                    e.column()
                ),
            )
        })
    }

    /// Prefixes the field, e.g. `privateKey` becomes `credentials_string.privateKey`.
    /// An error about the whole document (field `credentials`) takes the parent's name.
    pub(crate) fn within(mut self, parent: &str) -> Self {
        self.field = if self.field == "credentials" {
            parent.to_owned()
        } else {
            format!("{parent}.{}", self.field)
        };
        self
    }

    /// As a configuration error.
    pub(crate) fn into_config(self) -> crate::Error {
        crate::Error::config(self.field, self.message)
    }

    /// As a validation error of `operation`.
    pub(crate) fn into_validation(self, operation: &str) -> crate::Error {
        crate::Error::validation(operation, self.field, self.message)
    }
}

#[cfg(test)]
thread_local! {
    /// How many times [`ServiceAccountKey::parse`] ran on this thread, for tests that
    /// check the key is not parsed again and again.
    pub(crate) static PARSES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// A parsed service account: who it is, where to exchange, and the key to sign with.
#[derive(Clone)]
pub(crate) struct ServiceAccountKey {
    pub(crate) client_id: String,
    pub(crate) key_id: String,
    /// `tokenURI` exactly as written in the credentials (the default JWT `aud`).
    pub(crate) token_uri: String,
    pub(crate) client_name: Option<String>,
    pub(crate) signing_key: EncodingKey,
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_name", &self.client_name)
            .field("signing_key", &"** redacted **")
            .finish_non_exhaustive()
    }
}

impl ServiceAccountKey {
    /// Parses a service-account credentials JSON string.
    ///
    /// Accepts camelCase and snake_case keys, compact or pretty-printed JSON, and real line
    /// breaks inside string values (a PEM pasted as is).
    pub(crate) fn parse(json: &str) -> Result<Self, Invalid> {
        #[cfg(test)]
        PARSES.with(|n| n.set(n.get() + 1));
        let text = escape_newlines_in_strings(json.trim());
        if text.is_empty() {
            return Err(Invalid::new("credentials", "is empty"));
        }
        let value = Invalid::json(&text)?;
        let Value::Object(map) = value else {
            return Err(Invalid::new("credentials", "must be a JSON object"));
        };
        let get = |names: &[&str]| -> Option<Result<String, Invalid>> {
            names.iter().find_map(|name| {
                map.get(*name).map(|v| match v {
                    Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
                    Value::String(_) => Err(Invalid::new(*name, "must not be empty")),
                    Value::Null => Err(Invalid::new(*name, "must not be null")),
                    _ => Err(Invalid::new(*name, "must be a string")),
                })
            })
        };
        let required = |names: &[&str]| -> Result<String, Invalid> {
            get(names).unwrap_or_else(|| {
                Err(Invalid::new(
                    names[0],
                    format!(
                        "is missing (also accepted as `{}`)",
                        names[1..].join("`, `")
                    ),
                ))
            })
        };

        let private_key = required(&["privateKey", "private_key"])?;
        let client_id = required(&["clientID", "client_id", "clientId"])?;
        let key_id = required(&["keyID", "key_id", "keyId"])?;
        let token_uri = required(&["tokenURI", "token_uri", "tokenUri"])?;
        let client_name = get(&["clientName", "client_name"]).and_then(Result::ok);

        check_token_uri(&token_uri).map_err(|e| Invalid::new("tokenURI", e))?;
        let signing_key =
            signing_key_from_pem(&private_key).map_err(|e| Invalid::new("privateKey", e))?;
        Ok(ServiceAccountKey {
            client_id,
            key_id,
            token_uri,
            client_name,
            signing_key,
        })
    }
}

/// Parses a PEM RSA private key, PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
/// (`BEGIN RSA PRIVATE KEY`), into a signing key. The error never quotes the key.
pub(crate) fn signing_key_from_pem(pem: &str) -> Result<EncodingKey, String> {
    // A PEM whose line breaks arrived as literal `\n` pairs (escaped twice) is common.
    let pem = if !pem.contains('\n') && pem.contains("\\n") {
        pem.replace("\\n", "\n")
    } else {
        pem.to_owned()
    };
    let pem = pem.trim();
    let key = RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|_| {
            "is not a PEM-encoded RSA private key (PKCS#8 `BEGIN PRIVATE KEY` or PKCS#1 \
             `BEGIN RSA PRIVATE KEY`)"
                .to_owned()
        })?;
    let der = key
        .to_pkcs1_der()
        .map_err(|_| "could not be re-encoded as an RSA key".to_owned())?;
    Ok(EncodingKey::from_rsa_der(der.as_bytes()))
}

/// Checks a token URI: an absolute URL with a host, `https`, or plain `http` for a loopback
/// host (`localhost`, `127.0.0.0/8`, `::1`) such as a local emulator.
pub(crate) fn check_token_uri(uri: &str) -> Result<Url, String> {
    let url = Url::parse(uri.trim()).map_err(|_| "is not a URL".to_owned())?;
    let host = url
        .host()
        .ok_or_else(|| "must be a URL with a host".to_owned())?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&host) => Ok(url),
        "http" => Err("must use https (plain http is allowed only for a loopback host)".to_owned()),
        _ => Err("must be an https URL".to_owned()),
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// The token-exchange endpoint for a token URI: its scheme, host and port, with the path
/// replaced by `/v1/auth/sa/oauth/token`.
pub(crate) fn exchange_url(token_uri: &Url) -> String {
    format!(
        "{}/v1/auth/sa/oauth/token",
        token_uri.origin().ascii_serialization()
    )
}

/// Replaces raw CR/LF/TAB characters inside JSON string literals with their escapes, so a
/// PEM pasted with real line breaks still parses. Characters outside strings are kept, so
/// pretty-printed JSON still parses too.
pub(crate) fn escape_newlines_in_strings(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 64);
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            if escaped {
                escaped = false;
                out.push(c);
                continue;
            }
            match c {
                '\\' => {
                    escaped = true;
                    out.push(c);
                }
                '"' => {
                    in_string = false;
                    out.push(c);
                }
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                _ => out.push(c),
            }
        } else {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_uri_rules() {
        // https anywhere; plain http only on loopback.
        let accepted = [
            "https://manage.skyflowapis.com/v1/auth/sa/oauth/token",
            "http://127.0.0.1:8080/x",
            "http://127.3.4.5/x",
            "http://localhost:9/x",
            "http://[::1]:9/x",
        ];
        let rejected = [
            "http://example.com/x",
            "ftp://example.com/x",
            "not a url",
            "manage.skyflowapis.com",
            "https://",
        ];
        for uri in accepted {
            assert!(check_token_uri(uri).is_ok(), "{uri}");
        }
        for uri in rejected {
            assert!(check_token_uri(uri).is_err(), "{uri}");
        }
    }

    #[test]
    fn exchange_url_keeps_scheme_host_port_only() {
        let url = check_token_uri("https://manage.example.com/v1/auth/sa/oauth/token?x=1").unwrap();
        assert_eq!(
            exchange_url(&url),
            "https://manage.example.com/v1/auth/sa/oauth/token"
        );
        let url = check_token_uri("http://127.0.0.1:8123/anything").unwrap();
        assert_eq!(
            exchange_url(&url),
            "http://127.0.0.1:8123/v1/auth/sa/oauth/token"
        );
        let url = check_token_uri("http://[::1]:8123/").unwrap();
        assert_eq!(
            exchange_url(&url),
            "http://[::1]:8123/v1/auth/sa/oauth/token"
        );
    }

    #[test]
    fn newline_escaping_only_touches_strings() {
        let pretty = "{\n  \"a\": \"x\ny\",\n  \"b\": \"q\\\"\n\"\n}";
        let fixed = escape_newlines_in_strings(pretty);
        let v: Value = serde_json::from_str(&fixed).unwrap();
        assert_eq!(v["a"], "x\ny");
        assert_eq!(v["b"], "q\"\n");
    }

    #[test]
    fn garbage_private_key_is_rejected_without_echo() {
        let err = signing_key_from_pem(
            "-----BEGIN PRIVATE KEY-----\nSECRETSTUFF\n-----END PRIVATE KEY-----",
        )
        .unwrap_err();
        assert!(!err.contains("SECRETSTUFF"));
    }
}
