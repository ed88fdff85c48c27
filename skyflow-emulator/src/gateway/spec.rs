//! What a connection is: its route, its upstream and the fields it swaps.

use serde::{Deserialize, Serialize};

/// Where a value sits in a request or a response.
///
/// In a connections file each field is an object with exactly one key:
/// `{"json": "card.number"}`, `{"form": "card[number]"}`, `{"xml": "card/number"}`,
/// `{"header": "x-card-token"}`, `{"query": "ssn"}` or `{"path": "card_id"}`.
///
/// - `json`: a dotted path into a JSON body; `*` stands for every item of a list (or every
///   value of an object), a number for one list item (`items.*.card.number`, `cards.0`).
/// - `form`: a field name of an `application/x-www-form-urlencoded` body, as encoded
///   (`card[number]`), or of a text part (not a file) of a `multipart/form-data` body;
///   every occurrence. The other parts of a multipart body go out byte for byte.
/// - `xml`: the element path below the document's root element, `/`-separated
///   (`card/number` in `<root><card><number>…`); every matching element.
/// - `header`: a header name (any case).
/// - `query`: a query parameter name; every occurrence.
/// - `path`: a `{name}` parameter of the connection's route (requests only).
///
/// ```
/// use skyflow_emulator::gateway::Field;
/// let field: Field = serde_json::from_str(r#"{"json":"card.number"}"#).unwrap();
/// assert_eq!(field, Field::Json("card.number".to_owned()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Field {
    /// A dotted path into a JSON body.
    Json(String),
    /// A form field name.
    Form(String),
    /// An element path below the XML root.
    Xml(String),
    /// A header name.
    Header(String),
    /// A query parameter name.
    Query(String),
    /// A route path parameter.
    Path(String),
}

impl Field {
    /// `json:card.number`, for messages.
    pub(crate) fn describe(&self) -> String {
        let (kind, name) = match self {
            Field::Json(n) => ("json", n),
            Field::Form(n) => ("form", n),
            Field::Xml(n) => ("xml", n),
            Field::Header(n) => ("header", n),
            Field::Query(n) => ("query", n),
            Field::Path(n) => ("path", n),
        };
        format!("{kind}:{name}")
    }
}

/// A field of the upstream's answer whose plaintext value is stored in `table.column`
/// and replaced by the token.
///
/// ```
/// use skyflow_emulator::gateway::{Field, TokenizeField};
/// let rule: TokenizeField = serde_json::from_str(
///     r#"{"field":{"json":"customer.ssn"},"table":"persons","column":"ssn"}"#,
/// ).unwrap();
/// assert_eq!(rule.field, Field::Json("customer.ssn".to_owned()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenizeField {
    /// Where the value is.
    pub field: Field,
    /// The vault table the value goes into.
    pub table: String,
    /// The column (which must have a token policy).
    pub column: String,
}

/// One connection: a route (methods and a path with `{name}` parameters) of the gateway,
/// the upstream it forwards to, the fields detokenized on the way out and the fields
/// tokenized on the way back.
///
/// ```
/// use skyflow_emulator::gateway::{ConnectionSpec, Field};
/// let spec = ConnectionSpec::new("payments", "/cards/{card_id}/charge", "http://127.0.0.1:9000/charge/{card_id}")
///     .methods(["POST"])
///     .detokenize(Field::Path("card_id".to_owned()))
///     .detokenize(Field::Json("card.number".to_owned()))
///     .tokenize(Field::Json("customer.ssn".to_owned()), "persons", "ssn");
/// assert!(spec.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionSpec {
    /// The connection id (a URL path segment).
    pub id: String,
    /// The vault tokens are resolved in and stored into; the emulator's first vault when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault_id: Option<String>,
    /// Accepted methods (GET, POST, PUT, PATCH, DELETE); every one when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
    /// The route path after the connection URL's prefix, with `{name}` parameters, for
    /// example `/cards/{card_id}`; empty for the bare prefix.
    #[serde(default)]
    pub path: String,
    /// The upstream URL; `{name}` placeholders take the route's parameters (after
    /// detokenization). The request's query string is appended.
    pub upstream: String,
    /// Fields whose tokens are replaced by their values before forwarding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detokenize: Vec<Field>,
    /// Fields of the upstream's answer stored in the vault and replaced by tokens.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokenize: Vec<TokenizeField>,
}

/// The methods a connection may accept.
pub(crate) const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

impl ConnectionSpec {
    /// A connection accepting every method, with no fields swapped.
    pub fn new(
        id: impl Into<String>,
        path: impl Into<String>,
        upstream: impl Into<String>,
    ) -> Self {
        ConnectionSpec {
            id: id.into(),
            vault_id: None,
            methods: Vec::new(),
            path: path.into(),
            upstream: upstream.into(),
            detokenize: Vec::new(),
            tokenize: Vec::new(),
        }
    }

    /// Restricts the methods.
    #[must_use]
    pub fn methods<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.methods = methods.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the vault.
    #[must_use]
    pub fn vault_id(mut self, vault_id: impl Into<String>) -> Self {
        self.vault_id = Some(vault_id.into());
        self
    }

    /// Adds a field to detokenize on the way out.
    #[must_use]
    pub fn detokenize(mut self, field: Field) -> Self {
        self.detokenize.push(field);
        self
    }

    /// Adds a field of the answer to tokenize into `table.column` on the way back.
    #[must_use]
    pub fn tokenize(
        mut self,
        field: Field,
        table: impl Into<String>,
        column: impl Into<String>,
    ) -> Self {
        self.tokenize.push(TokenizeField {
            field,
            table: table.into(),
            column: column.into(),
        });
        self
    }

    /// Checks the connection: an id usable in a URL, known methods, a path starting with
    /// `/` (or empty), an `http`/`https` upstream whose placeholders are route parameters,
    /// path fields naming route parameters, and no path field among the tokenized ones.
    pub fn validate(&self) -> Result<(), String> {
        let id = &self.id;
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(format!(
                "connection id `{id}` must be letters, digits, `-`, `_` or `.`"
            ));
        }
        for method in &self.methods {
            if !METHODS.contains(&method.to_ascii_uppercase().as_str()) {
                return Err(format!(
                    "connection {id}: method `{method}` is not one of {}",
                    METHODS.join(", ")
                ));
            }
        }
        if !self.path.is_empty() && !self.path.starts_with('/') {
            return Err(format!("connection {id}: path must start with `/`"));
        }
        let params = route_params(&self.path);
        let upstream = url::Url::parse(&self.upstream.replace(['{', '}'], ""))
            .map_err(|e| format!("connection {id}: upstream is not a valid URL: {e}"))?;
        if !matches!(upstream.scheme(), "http" | "https") {
            return Err(format!("connection {id}: upstream must be http or https"));
        }
        for name in placeholders(&self.upstream) {
            if !params.contains(&name) {
                return Err(format!(
                    "connection {id}: upstream placeholder `{{{name}}}` is not a route parameter"
                ));
            }
        }
        for field in &self.detokenize {
            if let Field::Path(name) = field
                && !params.iter().any(|p| p == name)
            {
                return Err(format!(
                    "connection {id}: detokenize field path:{name} is not a route parameter"
                ));
            }
        }
        for rule in &self.tokenize {
            if matches!(rule.field, Field::Path(_) | Field::Query(_)) {
                return Err(format!(
                    "connection {id}: tokenize field {} is not part of an answer",
                    rule.field.describe()
                ));
            }
            if rule.table.is_empty() || rule.column.is_empty() {
                return Err(format!(
                    "connection {id}: tokenize field {} needs a table and a column",
                    rule.field.describe()
                ));
            }
        }
        Ok(())
    }
}

/// A connections file: `{"connections": [ … ]}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectionsFile {
    connections: Vec<ConnectionSpec>,
}

/// Parses a connections file (`{"connections": [ … ]}` or a bare list) and validates
/// each connection.
///
/// ```
/// let specs = skyflow_emulator::gateway::parse_connections(r#"{"connections":[
///     {"id":"kyc","path":"/check","upstream":"http://127.0.0.1:9000/check",
///      "detokenize":[{"json":"ssn"}]}
/// ]}"#).unwrap();
/// assert_eq!(specs[0].id, "kyc");
/// ```
pub fn parse_connections(text: &str) -> Result<Vec<ConnectionSpec>, String> {
    let invalid = |e: serde_json::Error| format!("connections file is not valid: {e}");
    let specs = if text.trim_start().starts_with('[') {
        serde_json::from_str::<Vec<ConnectionSpec>>(text).map_err(invalid)?
    } else {
        serde_json::from_str::<ConnectionsFile>(text)
            .map_err(invalid)?
            .connections
    };
    for (index, spec) in specs.iter().enumerate() {
        spec.validate()?;
        if specs[..index].iter().any(|s| s.id == spec.id) {
            return Err(format!("connection id `{}` appears twice", spec.id));
        }
    }
    Ok(specs)
}

/// The `{name}` parameters of a route path, in order.
pub(crate) fn route_params(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(str::to_owned)
        .collect()
}

/// The `{name}` placeholders of a URL template.
pub(crate) fn placeholders(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        names.push(rest[open + 1..open + close].to_owned());
        rest = &rest[open + close + 1..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_parse_and_bad_connections_are_named() {
        let specs = parse_connections(
            r#"[{"id":"a","methods":["post"],"path":"/x/{id}","upstream":"http://h/y/{id}",
                "detokenize":[{"path":"id"},{"header":"x-t"}],
                "tokenize":[{"field":{"xml":"a/b"},"table":"t","column":"c"}]}]"#,
        )
        .unwrap();
        assert_eq!(specs[0].detokenize.len(), 2);
        let bad = |json: &str| parse_connections(json).unwrap_err();
        assert!(bad(r#"[{"id":"a b","upstream":"http://h"}]"#).contains("a b"));
        assert!(bad(r#"[{"id":"a","upstream":"ftp://h"}]"#).contains("http"));
        assert!(bad(r#"[{"id":"a","upstream":"http://h/{nope}"}]"#).contains("nope"));
        assert!(bad(r#"[{"id":"a","methods":["TRACE"],"upstream":"http://h"}]"#).contains("TRACE"));
        assert!(
            bad(r#"[{"id":"a","upstream":"http://h","detokenize":[{"path":"x"}]}]"#)
                .contains("path:x")
        );
        assert!(
            bad(r#"[{"id":"a","upstream":"http://h","detokenize":[{"jsn":"x"}]}]"#)
                .contains("not valid")
        );
        assert!(
            bad(r#"[{"id":"a","upstream":"http://h"},{"id":"a","upstream":"http://h"}]"#)
                .contains("twice")
        );
    }
}
