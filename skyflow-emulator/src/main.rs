//! `skyflow-emulator`: a local Skyflow-compatible vault server.
//!
//! ```text
//! skyflow-emulator --listen 127.0.0.1:PORT --data-dir DIR [--schema FILE]... [--connections FILE]... [--in-memory]
//! ```
//!
//! When ready it writes `DIR/emulator.json` and prints the same JSON as one line on stdout.
//! Logs go to stderr (`RUST_LOG` filters them, default `info`; `sqlparser`, which would print
//! SQL text, is always off). SIGINT or SIGTERM stops it
//! gracefully.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use skyflow_emulator::{Emulator, EmulatorOptions, Limits};

/// The server allocates and frees many small values per record from several threads at
/// once (request JSON, tokens, ciphertexts); mimalloc does that faster than the system
/// allocator (bulk inserts 10–25% faster in `benches/http_throughput.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A local Skyflow-compatible vault: Skyflow's Data API (records, tokens, query, files,
/// service-account auth) over SQLite.
///
/// When ready, writes DIR/emulator.json with vault_id, vault_url, api_key, credentials_file
/// and listen, and prints the same JSON as one line on stdout. Restarting on the same DIR keeps
/// all data, keys and credentials (the credentials file's tokenURI is rewritten to the new
/// port).
///
/// Limits (Skyflow documents none besides 25 rows per get/query page): a body over
/// --max-body-bytes gets 413; more than --max-records-per-request records (insert, batch),
/// ids (get, delete) or items (tokenize, detokenize) in one request gets 400; a file over
/// --max-file-bytes (never more than --max-body-bytes) gets 413; a query running longer than
/// --query-timeout-ms gets 400.
#[derive(Debug, Parser)]
#[command(name = "skyflow-emulator", version)]
struct Cli {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,

    /// Directory for data, keys, credentials and emulator.json (created if missing).
    /// Optional with --in-memory (a temporary directory is used).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// A Skyflow vault schema JSON file (one vault, or a JSON array of several); repeat for
    /// more vaults. Default: the quickstart vault plus table1.
    #[arg(long = "schema", value_name = "FILE")]
    schemas: Vec<PathBuf>,

    /// A connections file for the local connection gateway (routes, upstreams, fields to
    /// detokenize and tokenize; see the crate docs of `skyflow_emulator::gateway`); repeat
    /// for several. emulator.json lists each connection's connection_url.
    #[arg(long = "connections", value_name = "FILE")]
    connections: Vec<PathBuf>,

    /// Keep vault data in memory only (DIR then receives only emulator.json, auth.json and
    /// the credentials file).
    #[arg(long)]
    in_memory: bool,

    /// Largest accepted request body in bytes (413 above it).
    #[arg(long, default_value_t = Limits::default().max_body_bytes)]
    max_body_bytes: usize,

    /// Most records, ids or tokenize/detokenize items per request (400 above it).
    #[arg(long, default_value_t = Limits::default().max_records_per_request)]
    max_records_per_request: usize,

    /// Largest uploaded file in bytes (413 above it); capped at --max-body-bytes.
    #[arg(long, default_value_t = Limits::default().max_file_bytes)]
    max_file_bytes: usize,

    /// Longest a query may run, in milliseconds (400 when it runs longer).
    #[arg(long, default_value_t = Limits::default().query_timeout.as_millis() as u64)]
    query_timeout_ms: u64,

    /// Lifetime of issued bearer tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    token_ttl_secs: u64,

    /// Lifetime of file download URLs, in seconds.
    #[arg(long, default_value_t = 900)]
    download_url_ttl_secs: u64,

    /// Turn authentication off (every request acts as the vault owner). Never do this on a
    /// shared machine.
    #[arg(long)]
    no_auth: bool,

    /// Copy Skyflow's observed error quirks instead of clear 4xx answers (for now: a query on
    /// an unknown column answers 500 "ERROR (internal_error): Could not find Field <c>").
    #[arg(long)]
    skyflow_quirks: bool,
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // `sqlparser` logs the SQL text (which holds values) at debug level: it is always off.
    let directives = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
    let filter = tracing_subscriber::EnvFilter::try_new(format!("{directives},sqlparser=off"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlparser=off"));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(filter)
        .init();

    let mut options = match (&cli.data_dir, cli.in_memory) {
        (Some(dir), false) => EmulatorOptions::with_data_dir(dir),
        (Some(dir), true) => EmulatorOptions::in_memory().facts_dir(dir),
        (None, true) => EmulatorOptions::in_memory(),
        (None, false) => {
            eprintln!("error: --data-dir DIR is required (or pass --in-memory)");
            return ExitCode::from(2);
        }
    };
    options = options
        .listen(cli.listen)
        .limits(
            Limits::default()
                .with_max_body_bytes(cli.max_body_bytes)
                .with_max_records_per_request(cli.max_records_per_request)
                .with_max_file_bytes(cli.max_file_bytes)
                .with_query_timeout(Duration::from_millis(cli.query_timeout_ms)),
        )
        .token_ttl(Duration::from_secs(cli.token_ttl_secs))
        .download_url_ttl(Duration::from_secs(cli.download_url_ttl_secs))
        .auth(!cli.no_auth)
        .skyflow_quirks(cli.skyflow_quirks);
    for schema in cli.schemas {
        options = options.schema_file(schema);
    }
    for file in cli.connections {
        options = options.connections_file(file);
    }

    let emulator = match Emulator::start(options).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match serde_json::to_string(emulator.info()) {
        Ok(line) => println!("{line}"),
        Err(_) => {
            eprintln!("error: couldn't encode the emulator facts");
            return ExitCode::FAILURE;
        }
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    emulator.shutdown().await;
    ExitCode::SUCCESS
}
