//! Why a schema file was rejected, and where.

use std::fmt;

/// A schema file that could not be read as a Skyflow vault schema.
///
/// It says what is wrong and where: a line and column for JSON that does not parse or has
/// the wrong shape, and the vault, table, column and tag for a value the format does not
/// allow. Its `Display` is one line, ready to be shown to a user.
///
/// ```
/// use skyflow_schema::SchemaFile;
///
/// let err = SchemaFile::parse("{\"schemas\": [\n  {\"name\": 7}\n]}").unwrap_err();
/// assert_eq!(err.line(), Some(2));
/// assert!(err.to_string().contains("line 2"), "{err}");
///
/// let json = r#"{"schemas":[{"name":"persons","fields":[
///     {"name":"ssn","datatype":"DT_STRING","tags":[
///         {"name":"skyflow.options.default_token_policy","values":["DETERMINISTIC"]}]}]}]}"#;
/// let err = SchemaFile::parse(json).unwrap_err();
/// assert_eq!(
///     err.location(),
///     Some("table `persons`, column `ssn`, tag `skyflow.options.default_token_policy`")
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    message: String,
    location: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
}

impl SchemaError {
    /// An error about the value at `location` (vault, table, column, tag).
    pub(crate) fn at(location: impl Into<String>, message: impl Into<String>) -> Self {
        SchemaError {
            message: message.into(),
            location: Some(location.into()),
            line: None,
            column: None,
        }
    }

    /// An error about the file as a whole.
    pub(crate) fn whole(message: impl Into<String>) -> Self {
        SchemaError {
            message: message.into(),
            location: None,
            line: None,
            column: None,
        }
    }

    /// JSON that does not parse, or does not have the shape of a schema.
    pub(crate) fn json(err: &serde_json::Error) -> Self {
        // serde_json appends " at line L column C"; we keep the position separately.
        let text = err.to_string();
        let message = match text.rfind(" at line ") {
            Some(i) if err.line() > 0 => text[..i].to_owned(),
            _ => text,
        };
        SchemaError {
            message: format!("not a valid vault schema: {message}"),
            location: None,
            line: (err.line() > 0).then_some(err.line()),
            column: (err.line() > 0).then_some(err.column()),
        }
    }

    /// What is wrong, without the location.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The vault, table, column and tag the error is about, when it is about one.
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// The 1-based line of the JSON text, for JSON that does not parse or has the wrong
    /// shape.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The 1-based column on [`line`](Self::line).
    pub fn column(&self) -> Option<usize> {
        self.column
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.location, self.line, self.column) {
            (Some(location), _, _) => write!(f, "{location}: {}", self.message),
            (None, Some(line), Some(column)) => {
                write!(f, "line {line}, column {column}: {}", self.message)
            }
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SchemaError {}
