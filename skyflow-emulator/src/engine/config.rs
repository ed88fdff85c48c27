//! Configuration of the engine: the one [`Limits`] type (also the server's, re-exported as
//! `skyflow_emulator::Limits`), [`EngineConfig`] and [`VaultInfo`].

use std::path::PathBuf;
use std::time::Duration;

use super::error::{EngineError, EngineResult};

/// Request limits, checked by the engine (one place for every API) with messages that reach
/// the client as they are. The defaults are generous where Skyflow documents nothing
/// (marked (inferred) in Skyflow's vault semantics, section 1.15) and exact where it does.
/// Every limit is configurable: CLI flags of the binary, [`crate::EmulatorOptions::limits`],
/// or [`EngineConfig::limits`].
///
/// | limit | default | error when exceeded |
/// |---|---|---|
/// | `max_body_bytes`: size of a request body (JSON or multipart) | 16 MiB | 413 |
/// | `max_records_per_request`: records in insert/batch, ids in get/delete, items in tokenize/detokenize | 1000 | 400 |
/// | `max_file_bytes`: size of one uploaded file; never more than `max_body_bytes` (a file travels in a body), so the smaller of the two applies | 16 MiB | 413 |
/// | `max_rows`: rows returned by a get or a query page | 25 | 400 |
/// | `max_unique_string_chars`: characters of a string in a unique column | 2500 | 400 |
/// | `download_url_ttl`: validity of a file download URL | 15 min | 403 |
/// | `query_timeout`: wall-clock budget of one query | 5 s | 400 |
///
/// ```
/// use skyflow_emulator::Limits;
/// let l = Limits::default().with_max_records_per_request(10);
/// assert_eq!(l.max_records_per_request, 10);
/// assert_eq!(l.max_rows, 25);
/// assert!(l.check_records(11, "records").unwrap_err().message().contains("limit is 10"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Records per insert/batch/get-by-ids/delete request, and values per tokenize/detokenize
    /// request (default 1000 (inferred)).
    pub max_records_per_request: usize,
    /// Request body size the HTTP layer accepts (default 16 MiB (inferred)).
    pub max_body_bytes: usize,
    /// File size accepted by uploads (default 16 MiB (inferred)); see
    /// [`Limits::effective_max_file_bytes`].
    pub max_file_bytes: usize,
    /// Rows returned by a get or a query (default 25, Skyflow's documented maximum).
    pub max_rows: usize,
    /// Characters of a string in a unique column (default 2500, documented).
    pub max_unique_string_chars: usize,
    /// Validity of a download URL (default 15 minutes, documented).
    pub download_url_ttl: Duration,
    /// Wall-clock budget of one SQL query (default 5 s (inferred)).
    pub query_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_records_per_request: 1000,
            max_body_bytes: 16 * 1024 * 1024,
            max_file_bytes: 16 * 1024 * 1024,
            max_rows: 25,
            max_unique_string_chars: 2500,
            download_url_ttl: Duration::from_secs(15 * 60),
            query_timeout: Duration::from_secs(5),
        }
    }
}

impl Limits {
    /// Sets the body size limit.
    ///
    /// ```
    /// let l = skyflow_emulator::Limits::default().with_max_body_bytes(1024);
    /// assert_eq!(l.max_body_bytes, 1024);
    /// ```
    pub fn with_max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Sets the records-per-request limit (also the values per tokenize/detokenize request).
    ///
    /// ```
    /// let l = skyflow_emulator::Limits::default().with_max_records_per_request(5);
    /// assert_eq!(l.max_records_per_request, 5);
    /// ```
    pub fn with_max_records_per_request(mut self, records: usize) -> Self {
        self.max_records_per_request = records;
        self
    }

    /// Sets the file size limit (the effective limit is the smaller of this and the body
    /// limit).
    ///
    /// ```
    /// let l = skyflow_emulator::Limits::default().with_max_file_bytes(1 << 20);
    /// assert_eq!(l.max_file_bytes, 1 << 20);
    /// assert_eq!(l.with_max_body_bytes(1000).effective_max_file_bytes(), 1000);
    /// ```
    pub fn with_max_file_bytes(mut self, bytes: usize) -> Self {
        self.max_file_bytes = bytes;
        self
    }

    /// Sets the query time budget.
    ///
    /// ```
    /// let l = skyflow_emulator::Limits::default().with_query_timeout(std::time::Duration::from_secs(1));
    /// assert_eq!(l.query_timeout.as_secs(), 1);
    /// ```
    pub fn with_query_timeout(mut self, timeout: Duration) -> Self {
        self.query_timeout = timeout;
        self
    }

    /// Sets the validity of download URLs.
    ///
    /// ```
    /// let l = skyflow_emulator::Limits::default().with_download_url_ttl(std::time::Duration::from_secs(60));
    /// assert_eq!(l.download_url_ttl.as_secs(), 60);
    /// ```
    pub fn with_download_url_ttl(mut self, ttl: Duration) -> Self {
        self.download_url_ttl = ttl;
        self
    }

    /// The file size limit in force: `max_file_bytes`, but never more than `max_body_bytes`.
    ///
    /// ```
    /// let l = skyflow_emulator::Limits::default();
    /// assert!(l.effective_max_file_bytes() <= l.max_body_bytes);
    /// ```
    pub fn effective_max_file_bytes(&self) -> usize {
        self.max_file_bytes.min(self.max_body_bytes)
    }

    /// 400 `Invalid request. Too many <what> in one request: <count>, the limit is <n>.` when
    /// `count` is over `max_records_per_request`. Every API that takes a list checks it here.
    ///
    /// ```
    /// let l = skyflow_emulator::Limits::default().with_max_records_per_request(2);
    /// assert!(l.check_records(2, "ids").is_ok());
    /// assert_eq!(l.check_records(3, "ids").unwrap_err().http_code(), 400);
    /// ```
    pub fn check_records(&self, count: usize, what: &str) -> EngineResult<()> {
        if count > self.max_records_per_request {
            return Err(EngineError::invalid(format!(
                "Invalid request. Too many {what} in one request: {count}, the limit is {}.",
                self.max_records_per_request
            )));
        }
        Ok(())
    }
}

/// How to open an [`Engine`](super::Engine).
///
/// ```
/// use skyflow_emulator::engine::EngineConfig;
/// let c = EngineConfig::on_disk("/tmp/vault-data");
/// assert!(c.data_dir.is_some());
/// assert!(EngineConfig::in_memory().data_dir.is_none());
/// ```
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Directory holding `emulator.db` (+ WAL), the key file `engine.key` (0600) and
    /// `read-audit/`, the database of the audit events of reads (kept apart so that a read's
    /// audit commit does not empty the other readers' page caches).
    /// `None` keeps everything in memory (keys too) and nothing survives the process.
    pub data_dir: Option<PathBuf>,
    /// Limits.
    pub limits: Limits,
    /// Reader connections in the pool (default 4; on-disk mode only).
    pub readers: usize,
    /// Copy Skyflow's observed quirks instead of answering a clear 4xx (default `false`). For
    /// now one quirk: a query naming an unknown column answers 500 / gRPC 13
    /// `ERROR (internal_error): Could not find Field <c>` (vault-semantics §1.11) instead of
    /// 400 `Invalid query: Could not find Field <c>`.
    pub skyflow_quirks: bool,
    /// Base URL used in download URLs (default `http://127.0.0.1`); the server sets the real
    /// one with [`Engine::set_public_base_url`](super::Engine::set_public_base_url) once it has bound its port.
    pub public_base_url: String,
}

impl EngineConfig {
    /// An in-memory engine with default limits.
    ///
    /// ```
    /// let c = skyflow_emulator::engine::EngineConfig::in_memory();
    /// assert_eq!(c.limits.max_rows, 25);
    /// ```
    pub fn in_memory() -> Self {
        EngineConfig {
            data_dir: None,
            limits: Limits::default(),
            readers: 4,
            skyflow_quirks: false,
            public_base_url: "http://127.0.0.1".into(),
        }
    }

    /// An on-disk engine in `dir` (created if missing) with default limits.
    ///
    /// ```
    /// let c = skyflow_emulator::engine::EngineConfig::on_disk("data");
    /// assert_eq!(c.data_dir.unwrap().to_str(), Some("data"));
    /// ```
    pub fn on_disk(dir: impl Into<PathBuf>) -> Self {
        EngineConfig {
            data_dir: Some(dir.into()),
            ..Self::in_memory()
        }
    }
}

/// Facts about one vault.
///
/// ```
/// use skyflow_emulator::engine::{Engine, EngineConfig, VaultSchema};
/// let e = Engine::open(EngineConfig::in_memory()).unwrap();
/// let id = e.create_vault(None, VaultSchema::quickstart()).unwrap();
/// assert_eq!(e.vaults()[0].id, id);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultInfo {
    /// The vault id (32 lowercase hex characters when generated).
    pub id: String,
    /// Table names.
    pub tables: Vec<String>,
}
