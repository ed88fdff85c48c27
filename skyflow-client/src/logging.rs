//! How the SDK logs: through [`tracing`], gated by the client's [`LogLevel`].
//!
//! Every event the SDK emits has the target `skyflow` and passes two filters:
//!
//! 1. the client's own level, set with
//!    [`SkyflowBuilder::log_level`](crate::SkyflowBuilder::log_level) and changed at any
//!    time with [`Skyflow::set_log_level`](crate::Skyflow::set_log_level) (default
//!    [`LogLevel::Error`]; [`LogLevel::Off`] silences the SDK completely);
//! 2. whatever subscriber is in charge where the event happens.
//!
//! If your application installs a `tracing` subscriber (globally or for the current
//! thread), the SDK's events go to it, and its own filters apply on top, e.g.
//! `RUST_LOG=skyflow=info` with `tracing_subscriber::EnvFilter`. If no subscriber is
//! installed at all, the SDK writes its events to standard error itself, one line per
//! event, like the other Skyflow SDKs do, so that errors are not lost silently.
//!
//! What is logged:
//!
//! - `INFO`: client initialized, vault/detect/connection handle created (with the vault or
//!   connection id), log level changed, config added/updated/removed, bearer-token events
//!   (generate triggered, generated, reused, due for refresh, expired, rejected), and for
//!   each operation the stages "validating request", "request resolved",
//!   "method triggered" and "success";
//! - `WARN`: retries after a failed attempt, giving up when a wait would pass the overall
//!   timeout, and a failed early token refresh (the still-valid cached token is used);
//! - `ERROR`: "`<Request>` resulted in failure" with the error's message, a failed token
//!   exchange, an unreadable credentials file, an expired static bearer token;
//! - `DEBUG`: one line per HTTP attempt (operation, status, request id).
//!
//! The standalone [`service_account`](crate::service_account) functions have no client, so
//! no client level applies to them: they emit their INFO lines with the same `skyflow`
//! target, and only your subscriber's filters decide whether they show.
//!
//! What is never logged, at any level: credentials, API keys, bearer tokens, private keys,
//! record values, tokens, query strings, and request or response bodies.
//!
//! ```
//! use skyflow_client::{LogLevel, Skyflow};
//!
//! # fn main() -> skyflow_client::Result<()> {
//! let client = Skyflow::builder().log_level(LogLevel::Info).build()?;
//! client.set_log_level(LogLevel::Off); // silence the SDK from now on
//! assert_eq!(client.log_level(), LogLevel::Off);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};

use tracing::Dispatch;
use tracing::subscriber::NoSubscriber;

use crate::Error;
use crate::config::LogLevel;

/// The target of every event the SDK emits.
pub(crate) const TARGET: &str = "skyflow";

/// The client's log gate: one per client, shared by its clones and handles, so a level
/// change applies everywhere at once.
#[derive(Clone)]
pub(crate) struct Logger {
    level: Arc<AtomicU8>,
}

impl fmt::Debug for Logger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Logger")
            .field("level", &self.level())
            .finish()
    }
}

/// A stage of an operation, logged at INFO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Before validating the request.
    Validating,
    /// The request was validated and turned into an HTTP call.
    Resolved,
    /// The HTTP call is about to be sent.
    Triggered,
    /// The call succeeded and the response was parsed.
    Success,
}

impl Stage {
    fn describe(self) -> &'static str {
        match self {
            Stage::Validating => "validating request",
            Stage::Resolved => "request resolved",
            Stage::Triggered => "method triggered",
            Stage::Success => "success",
        }
    }
}

impl Logger {
    pub(crate) fn new(level: LogLevel) -> Self {
        Logger {
            level: Arc::new(AtomicU8::new(level as u8)),
        }
    }

    pub(crate) fn level(&self) -> LogLevel {
        LogLevel::from_u8(self.level.load(Ordering::Relaxed))
    }

    pub(crate) fn set_level(&self, level: LogLevel) {
        self.level.store(level as u8, Ordering::Relaxed);
    }

    /// `true` when an event at `level` passes the client's gate.
    pub(crate) fn enabled(&self, level: LogLevel) -> bool {
        level != LogLevel::Off && (level as u8) >= (self.level() as u8)
    }

    pub(crate) fn debug(&self, message: fmt::Arguments<'_>) {
        self.emit(LogLevel::Debug, message);
    }

    pub(crate) fn info(&self, message: fmt::Arguments<'_>) {
        self.emit(LogLevel::Info, message);
    }

    pub(crate) fn warn(&self, message: fmt::Arguments<'_>) {
        self.emit(LogLevel::Warn, message);
    }

    pub(crate) fn error(&self, message: fmt::Arguments<'_>) {
        self.emit(LogLevel::Error, message);
    }

    /// Logs one INFO line for `stage` of `operation` (a request type name).
    pub(crate) fn stage(&self, operation: &str, stage: Stage) {
        self.info(format_args!("{operation}: {}", stage.describe()));
    }

    /// Logs the ERROR line for a failed operation. The error's message never holds a
    /// secret (see [`Error`]).
    pub(crate) fn failure(&self, operation: &str, err: &Error) {
        self.error(format_args!("{operation} resulted in failure: {err}"));
    }

    fn emit(&self, level: LogLevel, message: fmt::Arguments<'_>) {
        if !self.enabled(level) {
            return;
        }
        let event = || match level {
            LogLevel::Debug => tracing::debug!(target: TARGET, "{message}"),
            LogLevel::Info => tracing::info!(target: TARGET, "{message}"),
            LogLevel::Warn => tracing::warn!(target: TARGET, "{message}"),
            LogLevel::Error => tracing::error!(target: TARGET, "{message}"),
            LogLevel::Off => {}
        };
        let nobody_listens = tracing::dispatcher::get_default(|d| d.is::<NoSubscriber>());
        if nobody_listens {
            tracing::dispatcher::with_default(stderr_dispatch(), event);
        } else {
            event();
        }
    }
}

/// The subscriber used when the application installed none: plain lines on stderr.
fn stderr_dispatch() -> &'static Dispatch {
    static DISPATCH: OnceLock<Dispatch> = OnceLock::new();
    DISPATCH.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_max_level(tracing::Level::TRACE)
            .without_time()
            .with_target(false)
            .with_ansi(false)
            .finish();
        Dispatch::new(subscriber)
    })
}

#[cfg(test)]
pub(crate) mod capture {
    //! A subscriber that records formatted lines, for tests.

    use std::io;
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;

    /// Lines written by the test subscriber.
    #[derive(Clone, Default)]
    pub(crate) struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Captured {
        pub(crate) fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
        }
    }

    pub(crate) struct Writer(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Writer {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Writer;
        fn make_writer(&'a self) -> Writer {
            Writer(self.0.clone())
        }
    }

    /// Installs a subscriber for the current thread that keeps every event of the SDK's
    /// target, down to TRACE; keep the guard alive.
    pub(crate) fn install() -> (Captured, tracing::subscriber::DefaultGuard) {
        install_with(tracing_subscriber::fmt::format::FmtSpan::NONE)
    }

    /// As [`install`], also writing a line when a span closes, with every field recorded
    /// on it.
    pub(crate) fn install_with_span_close() -> (Captured, tracing::subscriber::DefaultGuard) {
        install_with(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
    }

    fn install_with(
        spans: tracing_subscriber::fmt::format::FmtSpan,
    ) -> (Captured, tracing::subscriber::DefaultGuard) {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(captured.clone())
            .with_env_filter(tracing_subscriber::EnvFilter::new("skyflow=trace"))
            .with_span_events(spans)
            // No timestamps: their digits could match a value a test checks never leaks.
            .without_time()
            .with_ansi(false)
            .finish();
        // With a single registered dispatcher, tracing caches a callsite's interest from
        // whichever thread hits it first; a second, permanent one (the stderr fallback)
        // makes it ask every dispatcher, so parallel tests do not hide each other's events.
        let _ = super::stderr_dispatch();
        let guard = tracing::subscriber::set_default(subscriber);
        tracing::callsite::rebuild_interest_cache();
        (captured, guard)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_level_gates_events_and_changes_at_runtime() {
        let (captured, _guard) = capture::install();
        let logger = Logger::new(LogLevel::Error);
        logger.info(format_args!("first info"));
        logger.error(format_args!("first error"));
        logger.set_level(LogLevel::Info);
        logger.info(format_args!("second info"));
        logger.debug(format_args!("hidden debug"));
        logger.set_level(LogLevel::Off);
        logger.error(format_args!("silenced error"));
        let text = captured.text();
        assert!(!text.contains("first info"), "{text}");
        assert!(text.contains("first error"), "{text}");
        assert!(text.contains("second info"), "{text}");
        assert!(!text.contains("hidden debug"), "{text}");
        assert!(!text.contains("silenced error"), "{text}");
        assert!(text.contains(TARGET), "{text}");
    }

    #[test]
    fn clones_share_the_level() {
        let logger = Logger::new(LogLevel::Error);
        let clone = logger.clone();
        clone.set_level(LogLevel::Debug);
        assert_eq!(logger.level(), LogLevel::Debug);
        assert!(logger.enabled(LogLevel::Debug));
        assert!(!Logger::new(LogLevel::Off).enabled(LogLevel::Error));
    }

    #[test]
    fn stage_and_failure_lines() {
        let (captured, _guard) = capture::install();
        let logger = Logger::new(LogLevel::Info);
        logger.stage("InsertRequest", Stage::Validating);
        logger.stage("InsertRequest", Stage::Success);
        logger.failure("InsertRequest", &Error::api(404, "Table not found"));
        let text = captured.text();
        assert!(text.contains("INFO"), "{text}");
        assert!(text.contains("InsertRequest: validating request"), "{text}");
        assert!(text.contains("InsertRequest: success"), "{text}");
        assert!(text.contains("ERROR"), "{text}");
        assert!(
            text.contains("InsertRequest resulted in failure: vault error [404 ")
                || text.contains("InsertRequest resulted in failure: vault error [404]"),
            "{text}"
        );
        assert!(text.contains("Table not found"), "{text}");
    }
}
