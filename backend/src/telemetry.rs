//! Logging setup: `tracing` events formatted as text, filtered by `RUST_LOG`.

use tracing::Subscriber;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::{SubscriberInitExt, TryInitError};
use tracing_subscriber::EnvFilter;

/// The filter when `RUST_LOG` is not set.
///
/// lettre logs every SMTP command and reply at `debug`, including the `AUTH` line with the
/// base64-encoded credentials, so its target stays at `warn` even when `info` is widened to
/// `debug` through `RUST_LOG` (as long as the override keeps `lettre=warn`).
pub const DEFAULT_LOG_FILTER: &str = "info,lettre=warn";

/// Builds a subscriber that writes to `writer`, filtered by `RUST_LOG` or else `default_filter`.
pub fn build_subscriber<W>(default_filter: &str, writer: W) -> impl Subscriber + Send + Sync
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    // Colour codes help on a terminal but clutter log files and journals.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(writer)
        .finish()
}

/// Installs the subscriber for the whole process, and routes the `log` records of libraries
/// (actix-server, r2d2) into it.
///
/// # Errors
/// Another subscriber is already installed.
pub fn init_subscriber(subscriber: impl Subscriber + Send + Sync) -> Result<(), TryInitError> {
    subscriber.try_init()
}
