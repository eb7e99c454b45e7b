//! Building and running the HTTP server.
//!
//! [`Application::build`] opens the store, binds the listener and assembles the routes, so that
//! `main` and the tests start the same service. The tests bind port 0 and read [`Application::port`].

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, HttpServer};

use crate::middleware::{add_response_headers, observe_request};
use crate::outbox::{Outbox, OutboxStartError};
use crate::routes::test_mail::TestMailer;
use crate::routes::{api_not_found, configure_api};
use crate::settings::{display_path, Settings};
use crate::store::{OpenError, Store};

/// How long a graceful shutdown waits for open requests before closing them.
const SHUTDOWN_TIMEOUT_SECONDS: u64 = 10;

/// The service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot create the data folder {path}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] OpenError),
    #[error("cannot start the outbox")]
    Outbox(#[from] OutboxStartError),
    #[error("cannot set up the test mail")]
    TestMail(#[from] mailer::ConfigError),
    #[error(
        "cannot listen on {address}; is another program using it? Set POSTAUSGANG_LISTEN to a free address"
    )]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
}

/// A bound, not yet running HTTP server with its store.
pub struct Application {
    address: SocketAddr,
    server: Server,
    store: Store,
    outbox: Outbox,
}

impl Application {
    /// Opens the store (creating the database and key file on first start), binds the listen
    /// address and assembles the routes. The server runs once [`Application::run_until_stopped`]
    /// or [`Application::run_until_signalled`] is awaited.
    ///
    /// # Errors
    /// The data folder, database or key file is unusable, or the address cannot be bound.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        std::fs::create_dir_all(&settings.data_dir).map_err(|source| StartupError::DataDir {
            path: settings.data_dir.clone(),
            source,
        })?;
        let store = Store::open(&settings.database_path(), &settings.key_file)?;
        let outbox = Outbox::start(store.clone(), &settings)?;
        let test_mailer = TestMailer::from_settings(&settings)?;

        let listen = settings.listen;
        let bind_error = |source| StartupError::Bind {
            address: listen,
            source,
        };
        let listener = TcpListener::bind(settings.listen).map_err(bind_error)?;
        let address = listener.local_addr().map_err(bind_error)?;

        log_frontend_state(&settings);
        let server =
            serve(listener, store.clone(), outbox.clone(), test_mailer, settings).map_err(bind_error)?;
        tracing::info!(%address, "listening on http://{address}/");
        Ok(Application {
            address,
            server,
            store,
            outbox,
        })
    }

    /// Returns the bound port, which differs from the configured one when that was 0.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Returns the bound address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Returns the store, for background jobs and tests that prepare or inspect data.
    pub fn store(&self) -> Store {
        self.store.clone()
    }

    /// Returns the outbox, for tests that watch its connections.
    pub fn outbox(&self) -> Outbox {
        self.outbox.clone()
    }

    /// Returns a handle that stops the server from another task.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Runs until the server is stopped through [`Application::handle`] or fails.
    ///
    /// # Errors
    /// The server failed while running.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.outbox.shutdown().await;
        result
    }

    /// Runs until SIGINT or SIGTERM, then finishes open requests (up to 10 seconds) and returns.
    /// The shutdown and its cause are logged.
    ///
    /// # Errors
    /// The server failed while running.
    pub async fn run_until_signalled(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let mut server = std::pin::pin!(self.server);
        tokio::select! {
            result = &mut server => {
                tracing::warn!("the server stopped without a shutdown signal");
                result
            }
            cause = shutdown_signal() => {
                tracing::info!(cause, "shutdown requested; finishing open requests");
                // The server future processes the stop command, so both must be polled together.
                let ((), result) = tokio::join!(handle.stop(true), server);
                self.outbox.shutdown().await;
                tracing::info!("shutdown complete");
                result
            }
        }
    }
}

fn serve(
    listener: TcpListener,
    store: Store,
    outbox: Outbox,
    test_mailer: TestMailer,
    settings: Settings,
) -> std::io::Result<Server> {
    let frontend_dir = settings.frontend_dir.clone();
    let store = web::Data::new(store);
    let outbox = web::Data::new(outbox);
    let test_mailer = web::Data::new(test_mailer);
    let settings = web::Data::new(settings);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(observe_request))
            .wrap(from_fn(add_response_headers))
            .wrap(Compress::default())
            .app_data(store.clone())
            .app_data(outbox.clone())
            .app_data(test_mailer.clone())
            .app_data(settings.clone())
            .service(
                web::scope("/api")
                    .configure(configure_api)
                    .default_service(web::to(api_not_found)),
            )
            .configure(crate::docs::configure)
            .configure(|config| crate::frontend::configure(config, &frontend_dir))
    })
    .listen(listener)?
    // Signals are handled in run_until_signalled, so that the shutdown cause is logged.
    .disable_signals()
    .shutdown_timeout(SHUTDOWN_TIMEOUT_SECONDS)
    .run();
    Ok(server)
}

fn log_frontend_state(settings: &Settings) {
    let frontend_dir = display_path(&settings.frontend_dir);
    if settings.frontend_is_built() {
        tracing::info!(%frontend_dir, "serving the built page");
    } else {
        tracing::warn!(
            %frontend_dir,
            "the page is not built; serving a notice instead (build it with scripts/build-frontend.sh and restart)"
        );
    }
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM and returns the signal's name.
async fn shutdown_signal() -> &'static str {
    let interrupt = async {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "SIGINT",
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGINT; stop the server with SIGTERM");
                std::future::pending().await
            }
        }
    };
    tokio::select! {
        name = interrupt => name,
        name = terminate_signal() => name,
    }
}

#[cfg(unix)]
async fn terminate_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            terminate.recv().await;
            "SIGTERM"
        }
        Err(error) => {
            tracing::error!(%error, "cannot listen for SIGTERM; stop the server with SIGINT");
            std::future::pending().await
        }
    }
}

#[cfg(not(unix))]
async fn terminate_signal() -> &'static str {
    std::future::pending().await
}
