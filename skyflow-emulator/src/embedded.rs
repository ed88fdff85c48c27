//! Starting the emulator: in-process ([`Emulator::start`]) or from the binary, which uses the
//! same code.
//!
//! On start the emulator
//! 1. opens (or creates) its data directory through the engine: the vault database (which
//!    also keeps the API key, the service accounts' public keys and the default account's
//!    private key, encrypted), the database of read audit events (`read-audit/`) and the
//!    engine's key file;
//! 2. on first start creates the vaults, generates the API key and a service account
//!    (RSA 2048) and writes its credentials file `credentials.json`; on later starts it
//!    rewrites that file with the new port in `tokenURI`;
//! 3. binds the listener, then writes `emulator.json` (the facts below) and starts serving.
//!
//! `emulator.json` holds `vault_id`, `vault_url`, `api_key`, `credentials_file`, `listen`, plus
//! `vaults` (every vault's id, name and role ids) and `connections` (each configured
//! connection's `connection_id` and `connection_url`).

use axum::serve::ListenerExt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth;
use crate::engine::Limits;
use crate::engine::{ApiKeyRecord, Engine};
use crate::gateway::{ConnectionSpec, connection_url};
use crate::provision::{Provisioned, engine_error, provision, register_token_uri};
use crate::server::{AppState, StateInner};

/// Name of the facts file written into the data directory.
pub const INFO_FILE: &str = "emulator.json";
/// Name of the default service account's credentials file.
pub const CREDENTIALS_FILE: &str = "credentials.json";
/// An error while starting the emulator.
///
/// # Example
///
/// ```
/// # async fn run() {
/// use skyflow_emulator::{Emulator, EmulatorOptions};
/// let opts = EmulatorOptions::in_memory().listen("not-an-address");
/// let err = Emulator::start(opts).await.unwrap_err();
/// assert!(err.to_string().contains("listen"));
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StartError {
    message: String,
}

impl StartError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// Options for [`Emulator::start`].
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use skyflow_emulator::EmulatorOptions;
/// let opts = EmulatorOptions::with_data_dir("/tmp/vault")
///     .listen("127.0.0.1:0")
///     .token_ttl(Duration::from_secs(60));
/// # let _ = opts;
/// ```
#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    pub(crate) data_dir: Option<PathBuf>,
    pub(crate) in_memory: bool,
    listen: String,
    pub(crate) schema_files: Vec<PathBuf>,
    pub(crate) limits: Limits,
    pub(crate) token_ttl: Duration,
    pub(crate) download_url_ttl: Duration,
    pub(crate) auth: bool,
    pub(crate) skyflow_quirks: bool,
    connection_files: Vec<PathBuf>,
    connections: Vec<ConnectionSpec>,
}

impl EmulatorOptions {
    /// Nothing on disk: vault data lives in memory, and the credentials file goes to a
    /// temporary directory removed when the emulator is dropped.
    ///
    /// # Example
    ///
    /// ```
    /// let opts = skyflow_emulator::EmulatorOptions::in_memory();
    /// # let _ = opts;
    /// ```
    pub fn in_memory() -> Self {
        Self {
            data_dir: None,
            in_memory: true,
            listen: "127.0.0.1:0".to_owned(),
            schema_files: Vec::new(),
            limits: Limits::default(),
            token_ttl: auth::DEFAULT_TOKEN_TTL,
            download_url_ttl: Duration::from_secs(900),
            auth: true,
            skyflow_quirks: false,
            connection_files: Vec::new(),
            connections: Vec::new(),
        }
    }

    /// Data kept in `dir` (created if missing); a restart on the same directory keeps data,
    /// keys and credentials.
    ///
    /// # Example
    ///
    /// ```
    /// let opts = skyflow_emulator::EmulatorOptions::with_data_dir("/tmp/my-vault");
    /// # let _ = opts;
    /// ```
    pub fn with_data_dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: Some(dir.into()),
            in_memory: false,
            ..Self::in_memory()
        }
    }

    /// Writes `emulator.json` and the credentials file into `dir` but keeps vault data in
    /// memory (the binary's `--in-memory` with `--data-dir`).
    ///
    /// # Example
    ///
    /// ```
    /// let opts = skyflow_emulator::EmulatorOptions::in_memory().facts_dir("/tmp/facts");
    /// # let _ = opts;
    /// ```
    pub fn facts_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// The address to listen on (default `127.0.0.1:0`, a free port).
    ///
    /// # Example
    ///
    /// ```
    /// let opts = skyflow_emulator::EmulatorOptions::in_memory().listen("127.0.0.1:8080");
    /// # let _ = opts;
    /// ```
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.listen = addr.into();
        self
    }

    /// Adds the vaults of a Skyflow vault schema JSON file (repeatable): one vault, named
    /// after the file, or several when the file is a JSON array of vault schemas (named as
    /// the file names them). Without any, the default vault (quickstart plus `table1`) is
    /// served.
    ///
    /// # Example
    ///
    /// ```
    /// let opts = skyflow_emulator::EmulatorOptions::in_memory().schema_file("vault.json");
    /// # let _ = opts;
    /// ```
    pub fn schema_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.schema_files.push(path.into());
        self
    }

    /// Request limits.
    ///
    /// # Example
    ///
    /// ```
    /// use skyflow_emulator::{EmulatorOptions, Limits};
    /// let opts = EmulatorOptions::in_memory().limits(Limits::default().with_max_body_bytes(1 << 20));
    /// # let _ = opts;
    /// ```
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Lifetime of issued access tokens (default one hour).
    ///
    /// # Example
    ///
    /// ```
    /// let opts = skyflow_emulator::EmulatorOptions::in_memory().token_ttl(std::time::Duration::from_secs(2));
    /// # let _ = opts;
    /// ```
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// Lifetime of file download URLs (default 15 minutes).
    ///
    /// # Example
    ///
    /// ```
    /// let opts = skyflow_emulator::EmulatorOptions::in_memory().download_url_ttl(std::time::Duration::from_secs(1));
    /// # let _ = opts;
    /// ```
    pub fn download_url_ttl(mut self, ttl: Duration) -> Self {
        self.download_url_ttl = ttl;
        self
    }

    /// Turns authentication off (every request acts as the vault owner). On by default.
    ///
    /// # Example
    ///
    /// ```
    /// let opts = skyflow_emulator::EmulatorOptions::in_memory().auth(false);
    /// # let _ = opts;
    /// ```
    pub fn auth(mut self, enabled: bool) -> Self {
        self.auth = enabled;
        self
    }

    /// Copies Skyflow's observed error quirks instead of answering a clear 4xx (off by
    /// default). For now one quirk: a query naming an unknown column answers 500 / gRPC 13
    /// `ERROR (internal_error): Could not find Field <c>` instead of 400.
    ///
    /// # Example
    ///
    /// ```
    /// let opts = skyflow_emulator::EmulatorOptions::in_memory().skyflow_quirks(true);
    /// # let _ = opts;
    /// ```
    pub fn skyflow_quirks(mut self, enabled: bool) -> Self {
        self.skyflow_quirks = enabled;
        self
    }

    /// Configures the local connection gateway from a connections file (the binary's
    /// `--connections FILE`; format in [`gateway`](crate::gateway)); may be repeated. A
    /// file that can't be read or holds an invalid connection fails the start.
    ///
    /// # Example
    ///
    /// ```
    /// let opts = skyflow_emulator::EmulatorOptions::in_memory().connections_file("connections.json");
    /// # let _ = opts;
    /// ```
    pub fn connections_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.connection_files.push(path.into());
        self
    }

    /// Adds one connection to the local gateway at start (see also
    /// [`Emulator::add_connection`] for a running emulator).
    ///
    /// # Example
    ///
    /// ```
    /// use skyflow_emulator::gateway::ConnectionSpec;
    /// let opts = skyflow_emulator::EmulatorOptions::in_memory()
    ///     .connection(ConnectionSpec::new("kyc", "/check", "http://127.0.0.1:9000/check"));
    /// # let _ = opts;
    /// ```
    pub fn connection(mut self, spec: ConnectionSpec) -> Self {
        self.connections.push(spec);
        self
    }

    /// Every connection to configure: the files' connections, then the ones added one by
    /// one; an id seen twice is an error.
    fn all_connections(&self) -> Result<Vec<ConnectionSpec>, StartError> {
        let mut specs = Vec::new();
        for path in &self.connection_files {
            let text = std::fs::read_to_string(path).map_err(|e| {
                StartError::new(format!(
                    "couldn't read the connections file {}: {e}",
                    path.display()
                ))
            })?;
            let parsed = crate::gateway::parse_connections(&text)
                .map_err(|e| StartError::new(format!("{}: {e}", path.display())))?;
            specs.extend(parsed);
        }
        specs.extend(self.connections.iter().cloned());
        for (index, spec) in specs.iter().enumerate() {
            spec.validate().map_err(StartError::new)?;
            if specs[..index].iter().any(|s| s.id == spec.id) {
                return Err(StartError::new(format!(
                    "connection id `{}` is configured twice",
                    spec.id
                )));
            }
        }
        Ok(specs)
    }
}

/// The facts about a running emulator, as written to `emulator.json`.
///
/// # Example
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let emulator = skyflow_emulator::Emulator::start(skyflow_emulator::EmulatorOptions::in_memory()).await?;
/// let info: &skyflow_emulator::EmulatorInfo = emulator.info();
/// println!("{}", info.vault_url);
/// # Ok(()) }
/// ```
#[derive(Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EmulatorInfo {
    /// Id of the first (default) vault.
    pub vault_id: String,
    /// Base URL of the vault API, e.g. `http://127.0.0.1:PORT`.
    pub vault_url: String,
    /// The API key.
    pub api_key: String,
    /// Path of the service-account credentials file.
    pub credentials_file: PathBuf,
    /// The bound address, e.g. `127.0.0.1:PORT`.
    pub listen: String,
    /// Every vault served.
    pub vaults: Vec<VaultInfo>,
    /// The connections of the local gateway configured at start, with the URL a client
    /// uses for each.
    #[serde(default)]
    pub connections: Vec<ConnectionInfo>,
}

/// One connection of the local gateway, as listed in `emulator.json`.
///
/// # Example
///
/// ```
/// let c = skyflow_emulator::ConnectionInfo {
///     connection_id: "kyc".into(),
///     connection_url: "http://127.0.0.1:8080/v1/gateway/outboundRoutes/kyc/check".into(),
/// };
/// assert_eq!(c.connection_id, "kyc");
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// The connection id.
    pub connection_id: String,
    /// The connection URL, `{name}` placeholders included.
    pub connection_url: String,
}

impl std::fmt::Debug for EmulatorInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorInfo")
            .field("vault_id", &self.vault_id)
            .field("vault_url", &self.vault_url)
            .field("api_key", &"** redacted **")
            .field("credentials_file", &self.credentials_file)
            .field("listen", &self.listen)
            .field("vaults", &self.vaults)
            .field("connections", &self.connections)
            .finish()
    }
}

/// One vault served by the emulator.
///
/// # Example
///
/// ```
/// let v = skyflow_emulator::VaultInfo { vault_id: "v".into(), name: "quickstart".into(), roles: Default::default() };
/// assert_eq!(v.name, "quickstart");
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct VaultInfo {
    /// Vault id (the `{vault}` path segment).
    pub vault_id: String,
    /// Vault name from the schema.
    pub name: String,
    /// Role ids: `owner`, `editor`, `viewer` → id, for `scope: "role:<id>"`.
    pub roles: std::collections::BTreeMap<String, String>,
}

/// A running emulator. Dropping it stops the server (call [`Emulator::shutdown`] to wait for
/// in-flight requests).
///
/// # Example
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use skyflow_emulator::{Emulator, EmulatorOptions};
/// let emulator = Emulator::start(EmulatorOptions::in_memory()).await?;
/// println!("vault {} at {}", emulator.vault_id(), emulator.vault_url());
/// emulator.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Emulator {
    state: AppState,
    info: EmulatorInfo,
    credentials_json: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    temp_dir: Option<PathBuf>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

fn write_atomic(path: &Path, contents: &[u8], private: bool) -> Result<(), StartError> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let fail = |what: &str| StartError::new(format!("couldn't {what} {}", path.display()));
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        let mut file = options.open(&tmp).map_err(|_| fail("write"))?;
        file.write_all(contents).map_err(|_| fail("write"))?;
        file.sync_all().map_err(|_| fail("sync"))?;
    }
    std::fs::rename(&tmp, path).map_err(|_| fail("replace"))?;
    if let Some(parent) = path.parent()
        && let Ok(dir) = std::fs::File::open(parent)
    {
        let _ = dir.sync_all();
    }
    Ok(())
}

impl Emulator {
    /// Starts the emulator and returns once it is listening.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), skyflow_emulator::StartError> {
    /// let emulator = skyflow_emulator::Emulator::start(skyflow_emulator::EmulatorOptions::in_memory()).await?;
    /// # let _ = emulator; Ok(()) }
    /// ```
    pub async fn start(options: EmulatorOptions) -> Result<Emulator, StartError> {
        let addr: SocketAddr = options
            .listen
            .parse()
            .map_err(|_| StartError::new(format!("invalid listen address {:?}", options.listen)))?;

        let (dir, temp_dir) = match &options.data_dir {
            Some(dir) => (dir.clone(), None),
            None => {
                let dir =
                    std::env::temp_dir().join(format!("skyflow-emulator-{}", auth::random_hex(8)));
                (dir.clone(), Some(dir))
            }
        };
        std::fs::create_dir_all(&dir).map_err(|_| {
            StartError::new(format!(
                "couldn't create the data directory {}",
                dir.display()
            ))
        })?;

        let Provisioned {
            engine,
            vaults,
            api_key,
            default_record,
            private_key_pem,
            authority,
        } = provision(&options, &dir).await?;
        let vault_ids: Vec<String> = vaults.iter().map(|v| v.vault_id.clone()).collect();

        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| StartError::new(format!("couldn't listen on {addr}: {e}")))?;
        let local = listener
            .local_addr()
            .map_err(|_| StartError::new("couldn't read the bound address"))?;
        let host = match local.ip() {
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            std::net::IpAddr::V4(ip) if ip.is_unspecified() => "127.0.0.1".to_owned(),
            std::net::IpAddr::V4(ip) => ip.to_string(),
        };
        let vault_url = format!("http://{host}:{}", local.port());
        let token_uri = format!("{vault_url}{}", auth::TOKEN_PATH);
        register_token_uri(&engine, &authority, &token_uri)?;

        let state = AppState {
            inner: Arc::new(StateInner {
                engine: Arc::new(engine),
                auth: authority,
                base_url: RwLock::new(String::new()),
                gateway: crate::gateway::Gateway::new(),
                detect_runs: Arc::default(),
            }),
        };
        state.set_base_url(&vault_url);
        let mut connections = Vec::new();
        for spec in options.all_connections()? {
            connections.push(ConnectionInfo {
                connection_id: spec.id.clone(),
                connection_url: connection_url(&vault_url, &spec),
            });
            state.gateway().add(spec).map_err(StartError::new)?;
        }

        let credentials_json =
            auth::credentials_json(&default_record, &private_key_pem, &token_uri);
        let credentials_file = dir.join(CREDENTIALS_FILE);
        write_atomic(&credentials_file, credentials_json.as_bytes(), true)?;

        let info = EmulatorInfo {
            vault_id: vault_ids.first().cloned().unwrap_or_default(),
            vault_url,
            api_key,
            credentials_file,
            listen: local.to_string(),
            vaults,
            connections,
        };
        let info_json = serde_json::to_string(&info)
            .map_err(|_| StartError::new("couldn't encode emulator.json"))?;
        write_atomic(&dir.join(INFO_FILE), info_json.as_bytes(), true)?;

        let (tx, rx) = oneshot::channel::<()>();
        let router = crate::server::app(state.clone());
        // Responses go out as they are written: without TCP_NODELAY the last segment of a large
        // answer waits for the client's delayed ACK (about 40 ms on Linux).
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "couldn't set TCP_NODELAY");
            }
        });
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "server stopped with an error");
            }
        });
        tracing::info!(listen = %local, vaults = vault_ids.len(), "skyflow-emulator ready");

        Ok(Emulator {
            state,
            info,
            credentials_json,
            shutdown: Some(tx),
            task: Some(task),
            temp_dir,
        })
    }

    /// The facts written to `emulator.json`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run(e: skyflow_emulator::Emulator) {
    /// println!("{}", serde_json::to_string(e.info()).unwrap());
    /// # }
    /// ```
    pub fn info(&self) -> &EmulatorInfo {
        &self.info
    }

    /// Id of the default vault.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run(e: skyflow_emulator::Emulator) { println!("{}", e.vault_id()); }
    /// ```
    pub fn vault_id(&self) -> &str {
        &self.info.vault_id
    }

    /// Base URL of the vault API (`http://127.0.0.1:PORT`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run(e: skyflow_emulator::Emulator) { println!("{}", e.vault_url()); }
    /// ```
    pub fn vault_url(&self) -> &str {
        &self.info.vault_url
    }

    /// The API key (send as `Authorization: Bearer <key>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run(e: skyflow_emulator::Emulator) { let _key = e.api_key(); }
    /// ```
    pub fn api_key(&self) -> &str {
        &self.info.api_key
    }

    /// Path of the default service account's credentials file.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run(e: skyflow_emulator::Emulator) { println!("{}", e.credentials_file().display()); }
    /// ```
    pub fn credentials_file(&self) -> &Path {
        &self.info.credentials_file
    }

    /// The default service account's credentials JSON (one line).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run(e: skyflow_emulator::Emulator) { let _creds: &str = e.credentials_json(); }
    /// ```
    pub fn credentials_json(&self) -> &str {
        &self.credentials_json
    }

    /// The bound address (`127.0.0.1:PORT`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run(e: skyflow_emulator::Emulator) { println!("{}", e.listen()); }
    /// ```
    pub fn listen(&self) -> &str {
        &self.info.listen
    }

    /// Every vault served (id, name, role ids).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run(e: skyflow_emulator::Emulator) { for v in e.vaults() { println!("{}", v.vault_id); } }
    /// ```
    pub fn vaults(&self) -> &[VaultInfo] {
        &self.info.vaults
    }

    /// The server state, to build another router with [`crate::app`] (for `oneshot` tests).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run(e: skyflow_emulator::Emulator) { let _router = skyflow_emulator::app(e.state()); }
    /// ```
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Adds a connection to the local gateway (replacing one with the same id) and
    /// returns its connection URL, for the SDK's `ConnectionConfig`. See
    /// [`gateway`](crate::gateway) for what a connection does.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run(emulator: skyflow_emulator::Emulator) -> Result<(), skyflow_emulator::StartError> {
    /// use skyflow_emulator::gateway::{ConnectionSpec, Field};
    /// let url = emulator.add_connection(
    ///     ConnectionSpec::new("kyc", "/check", "http://127.0.0.1:9000/check")
    ///         .detokenize(Field::Json("ssn".to_owned())),
    /// )?;
    /// assert!(url.ends_with("/v1/gateway/outboundRoutes/kyc/check"));
    /// # Ok(()) }
    /// ```
    pub fn add_connection(&self, spec: ConnectionSpec) -> Result<String, StartError> {
        let url = connection_url(self.vault_url(), &spec);
        self.state.gateway().add(spec).map_err(StartError::new)?;
        Ok(url)
    }

    /// Removes a connection of the local gateway; `false` when there was none.
    pub fn remove_connection(&self, id: &str) -> bool {
        self.state.gateway().remove(id)
    }

    /// The connection URL of connection `id`, if configured.
    pub fn connection_url(&self, id: &str) -> Option<String> {
        let spec = self.state.gateway().get(id)?;
        Some(connection_url(self.vault_url(), &spec))
    }

    /// Registers a new service account holding `role_ids` (see [`VaultInfo::roles`]) and
    /// returns its credentials JSON (one line; its `tokenURI` points at this emulator). With a
    /// data directory the account survives restarts.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run(e: skyflow_emulator::Emulator) -> Result<(), skyflow_emulator::StartError> {
    /// let viewer = e.vaults()[0].roles["viewer"].clone();
    /// let creds = e.create_service_account("reader", &[viewer]).await?;
    /// # let _ = creds; Ok(()) }
    /// ```
    pub async fn create_service_account(
        &self,
        client_name: &str,
        role_ids: &[String],
    ) -> Result<String, StartError> {
        for role in role_ids {
            if !self.state.auth().knows_role(role) {
                return Err(StartError::new(format!("unknown role id {role}")));
            }
        }
        let name = client_name.to_owned();
        let roles = role_ids.to_vec();
        let account =
            tokio::task::spawn_blocking(move || auth::generate_service_account(&name, roles))
                .await
                .map_err(|_| StartError::new("key generation failed"))?
                .map_err(StartError::new)?;
        self.state
            .auth()
            .add_account(account.record.clone())
            .map_err(StartError::new)?;
        let token_uri = format!("{}{}", self.info.vault_url, auth::TOKEN_PATH);
        let json = auth::credentials_json(&account.record, &account.private_key_pem, &token_uri);
        let engine = self.state.inner.engine.clone();
        let record = account.record.clone();
        tokio::task::spawn_blocking(move || engine.put_service_account(&record))
            .await
            .map_err(|_| StartError::new("couldn't store the service account"))?
            .map_err(engine_error("couldn't store the service account"))?;
        Ok(json)
    }

    /// The data engine behind the server (for tests and tools: e.g.
    /// [`Engine::advance_clock`] to expire download URLs and transient tokens).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), skyflow_emulator::StartError> {
    /// let emulator = skyflow_emulator::Emulator::start(skyflow_emulator::EmulatorOptions::in_memory()).await?;
    /// emulator.engine().advance_clock(std::time::Duration::from_secs(60));
    /// # Ok(()) }
    /// ```
    pub fn engine(&self) -> &Engine {
        &self.state.inner.engine
    }

    /// Creates another API key holding `role_ids` (role ids from [`Emulator::vaults`]; an
    /// empty slice means every role of every vault) and returns it. Only its keyed hash is
    /// stored; the key works across restarts until revoked.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), skyflow_emulator::StartError> {
    /// let emulator = skyflow_emulator::Emulator::start(skyflow_emulator::EmulatorOptions::in_memory()).await?;
    /// let viewer = emulator.vaults()[0].roles["viewer"].clone();
    /// let key = emulator.create_api_key(&[viewer]).await?;
    /// assert!(key.starts_with("sky-"));
    /// # Ok(()) }
    /// ```
    pub async fn create_api_key(&self, role_ids: &[String]) -> Result<String, StartError> {
        for role in role_ids {
            if !self.state.auth().knows_role(role) {
                return Err(StartError::new(format!("unknown role id {role}")));
            }
        }
        let roles = if role_ids.is_empty() {
            self.info
                .vaults
                .iter()
                .flat_map(|v| v.roles.values().cloned())
                .collect()
        } else {
            role_ids.to_vec()
        };
        let key = auth::generate_api_key();
        let engine = self.state.inner.engine.clone();
        let stored = key.clone();
        tokio::task::spawn_blocking(move || {
            engine.put_api_key(
                &stored,
                &ApiKeyRecord {
                    vault_id: None,
                    roles,
                },
            )
        })
        .await
        .map_err(|_| StartError::new("couldn't store the API key"))?
        .map_err(engine_error("couldn't store the API key"))?;
        Ok(key)
    }

    /// Revokes an API key (the primary one included); returns whether it existed. Requests
    /// with it get 401 from then on, also after a restart.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), skyflow_emulator::StartError> {
    /// let emulator = skyflow_emulator::Emulator::start(skyflow_emulator::EmulatorOptions::in_memory()).await?;
    /// let key = emulator.create_api_key(&[]).await?;
    /// assert!(emulator.revoke_api_key(&key).await?);
    /// # Ok(()) }
    /// ```
    pub async fn revoke_api_key(&self, key: &str) -> Result<bool, StartError> {
        let engine = self.state.inner.engine.clone();
        let owned = key.to_owned();
        let existed = tokio::task::spawn_blocking(move || engine.delete_api_key(&owned))
            .await
            .map_err(|_| StartError::new("couldn't revoke the API key"))?
            .map_err(engine_error("couldn't revoke the API key"))?;
        self.state.auth().revoke_primary(key);
        Ok(existed)
    }

    /// Deletes a service account; bearer tokens it was issued stop working at once. Returns
    /// whether it existed.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), skyflow_emulator::StartError> {
    /// let emulator = skyflow_emulator::Emulator::start(skyflow_emulator::EmulatorOptions::in_memory()).await?;
    /// let creds = emulator.create_service_account("temp", &[]).await?;
    /// let id = serde_json::from_str::<serde_json::Value>(&creds).unwrap()["clientID"].as_str().unwrap().to_owned();
    /// assert!(emulator.delete_service_account(&id).await?);
    /// # Ok(()) }
    /// ```
    pub async fn delete_service_account(&self, client_id: &str) -> Result<bool, StartError> {
        let engine = self.state.inner.engine.clone();
        let owned = client_id.to_owned();
        let existed = tokio::task::spawn_blocking(move || engine.delete_service_account(&owned))
            .await
            .map_err(|_| StartError::new("couldn't delete the service account"))?
            .map_err(engine_error("couldn't delete the service account"))?;
        let known = self.state.auth().remove_account(client_id);
        Ok(existed || known)
    }

    /// Stops accepting connections, waits for in-flight requests, and stops the server.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn run(e: skyflow_emulator::Emulator) { e.shutdown().await; }
    /// ```
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        tracing::info!("skyflow-emulator stopped");
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(dir) = self.temp_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
