//! The outbox: shops hand over their mails through `POST /api/messages`, and workers deliver
//! them through the seller's SMTP servers without losing any.
//!
//! The life of a mail:
//! 1. The request is checked, a server is chosen (`choice`), and the mailer builds the
//!    message once (`compose`), with its Message-ID.
//! 2. The writer thread stores it durably (`writer` defines what that means), and only then
//!    does the API return 202.
//! 3. Workers claim due mails in batches per server (`dispatch`), within the server's
//!    connection cap and sending limits (`limits`), and send them over pooled sessions
//!    (`pool`, `delivery`). Every attempt sends the same bytes, adding the server's BCC
//!    addresses to the envelope.
//! 4. The outcome goes back through the writer: sent, retried with backoff, or failed.
//!
//! Delivery is at least once. A mail is marked `sending` before its attempt and `sent` after
//! the server's 2xx reply. If the process dies between the two, the next start sends it again,
//! so the receiver may get it twice, with the same Message-ID. No other path sends a mail
//! whose DATA was accepted again.

mod addresses;
pub mod caller;
pub mod check;
pub mod choice;
pub mod compose;
pub mod delivery;
pub mod dispatch;
pub mod limits;
pub mod pool;
pub mod queue;
pub mod rejection;
pub mod settings;
pub mod sweep;
pub mod texts;
pub mod tokens;
pub mod writer;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailer::{MailerConfig, Timeouts};
use shared::Language;
use tokio::sync::{watch, Notify};

pub use caller::{Caller, Credential};
pub use queue::{InsertOutcome, MessageId, NewMessage};
pub use rejection::OutboxRejection;
pub use settings::OutboxSettings;
pub use texts::deactivation_reason_text;

use delivery::Delivery;
use dispatch::{DispatchState, Dispatcher, Idle};
use pool::Pool;
use queue::now_ms;
use texts::Waiting;
use tokens::TokenCache;
use writer::{QueueError, Writer, WriterError};

use crate::settings::Settings;
use crate::store::{AccountId, ServerForSending, ServerId, Store, StoreError};

/// An account's servers in the form the server choice uses, with their validated settings.
pub type ServerCandidates = Arc<Vec<(choice::Candidate, shared::NormalizedServer)>>;

/// How often idle workers move mail off deleted or switched-off servers, at most.
const SWEEP_INTERVAL: Duration = Duration::from_secs(5);
/// How long a shutdown waits for mails being sent right now.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The outbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum OutboxStartError {
    #[error(transparent)]
    Writer(#[from] WriterError),
    #[error("the SMTP settings are unusable: {0}")]
    Mailer(String),
    #[error("cannot start the outbox's worker thread")]
    Thread(#[source] std::io::Error),
}

/// A handle to the running outbox; clones share it. When the last clone is gone, the workers
/// finish their current mails and stop.
#[derive(Debug, Clone)]
pub struct Outbox {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    writer: Writer,
    settings: Arc<OutboxSettings>,
    dispatch: Arc<Mutex<DispatchState>>,
    delivery: Delivery,
    pool: Arc<Pool>,
    wake: Arc<Notify>,
    tokens: TokenCache,
    /// Each account's servers for the server choice, with the store's server generation they
    /// were read at.
    candidates: Mutex<HashMap<AccountId, (u64, ServerCandidates)>>,
    shutdown: watch::Sender<bool>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}

impl Outbox {
    /// Opens the writer, returns mails a stopped process left in `sending` to the queue, and
    /// starts the workers on their own thread.
    ///
    /// # Errors
    /// The database, the SMTP settings or the thread cannot be set up.
    pub fn start(store: Store, settings: &Settings) -> Result<Outbox, OutboxStartError> {
        let outbox_settings = Arc::new(settings.outbox.clone());
        let mailer = Arc::new(mailer_config(settings, &outbox_settings)?);
        let (writer, interrupted) = Writer::start(&settings.database_path())?;
        if interrupted > 0 {
            tracing::warn!(
                count = interrupted,
                "mails were being sent when the last run stopped; they are sent again, and a receiver may get one twice (same Message-ID)"
            );
        }

        let (shutdown, shutdown_receiver) = watch::channel(false);
        let pool = Arc::new(Pool::new(
            outbox_settings.idle_connection_timeout,
            outbox_settings.max_messages_per_connection,
            outbox_settings.connections_per_server,
        ));
        let dispatch = Arc::new(Mutex::new(DispatchState::default()));
        let delivery = Delivery::new(
            store.clone(),
            writer.clone(),
            Arc::clone(&pool),
            mailer,
            Arc::clone(&outbox_settings),
            shutdown_receiver,
        );
        let inner = Arc::new(Inner {
            store,
            writer,
            settings: outbox_settings,
            dispatch,
            delivery,
            pool,
            wake: Arc::new(Notify::new()),
            tokens: TokenCache::default(),
            candidates: Mutex::default(),
            shutdown,
            thread: Mutex::new(None),
        });
        let thread = spawn_workers(&inner)?;
        *lock(&inner.thread) = Some(thread);
        tracing::info!(
            workers = inner.settings.workers,
            connections_per_server = inner.settings.connections_per_server,
            deactivate_after_failures = inner.settings.deactivate_after_failures,
            give_up_after_secs = inner.settings.give_up_after.as_secs(),
            retry_first_delay_secs = inner.settings.retry_first_delay.as_secs(),
            retry_max_delay_secs = inner.settings.retry_max_delay.as_secs(),
            max_message_bytes = inner.settings.max_message_bytes,
            "outbox started"
        );
        Ok(Outbox { inner })
    }

    /// Stores a mail durably and wakes the idle workers if its server has a free connection.
    ///
    /// # Errors
    /// The database failed; nothing was stored.
    pub async fn submit(&self, message: NewMessage) -> Result<InsertOutcome, QueueError> {
        let server = message.server;
        let outcome = self.inner.writer.insert(message).await?;
        let needs_worker = dispatch::needs_idle_worker(
            &self.inner.dispatch,
            server,
            self.inner.settings.connections_per_server,
        );
        if matches!(outcome, InsertOutcome::Created { .. }) && needs_worker {
            self.inner.wake.notify_waiters();
        }
        Ok(outcome)
    }

    /// Puts a failed mail back into the queue; `false` when the account has no such failed mail.
    ///
    /// # Errors
    /// The database failed.
    pub async fn resend(&self, account: AccountId, id: MessageId) -> Result<bool, QueueError> {
        let requeued = self.inner.writer.requeue(account, id).await?;
        if requeued {
            self.inner.wake.notify_waiters();
        }
        Ok(requeued)
    }

    /// Forgets what the workers know about a server and wakes them, after the seller
    /// reactivated it or changed its limits.
    pub fn server_changed(&self, server: ServerId) {
        self.inner.delivery.forget_health(server);
        self.inner.wake.notify_waiters();
    }

    /// Says why a queued mail of this server waits, if it does.
    pub fn waiting(&self, server: ServerId, deactivation: Option<&str>) -> Option<Waiting> {
        if let Some(reason) = deactivation {
            return Some(Waiting::ServerDeactivated {
                reason: reason.to_owned(),
            });
        }
        dispatch::is_rate_limited(&self.inner.dispatch, server).then_some(Waiting::RateLimited)
    }

    /// Connects to a server and logs in, as a mail would, without sending one.
    pub async fn check_connection(
        &self,
        server: &ServerForSending,
        language: Language,
    ) -> check::ConnectionCheck {
        check::check_connection(&self.inner.delivery.mailer, server, language).await
    }

    /// Returns the account's servers for the server choice, read again only after a server
    /// changed (by the store's server generation), because reading them for every mail was the
    /// largest cost of accepting one.
    ///
    /// # Errors
    /// The database failed.
    pub async fn server_candidates(&self, account: AccountId) -> Result<ServerCandidates, StoreError> {
        // Read before loading: a change during the load makes the next call load again.
        let generation = self.inner.store.server_generation();
        if let Some((cached_at, candidates)) = lock(&self.inner.candidates).get(&account) {
            if *cached_at == generation {
                return Ok(Arc::clone(candidates));
            }
        }
        let candidates: ServerCandidates = Arc::new(self.inner.store.load_server_candidates(account).await?);
        lock(&self.inner.candidates).insert(account, (generation, Arc::clone(&candidates)));
        Ok(candidates)
    }

    /// Returns the cache that authenticates API tokens.
    pub fn tokens(&self) -> &TokenCache {
        &self.inner.tokens
    }

    /// Returns the outbox's settings.
    pub fn settings(&self) -> &OutboxSettings {
        &self.inner.settings
    }

    /// Returns the number of idle pooled connections, for tests.
    pub fn idle_connections(&self) -> usize {
        self.inner.pool.idle_count()
    }

    /// Stops the workers after their current mail (waiting up to 10 seconds), closes the pooled
    /// connections, and returns when the worker thread has ended and the outcomes of its last
    /// attempts are committed.
    pub async fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
        let thread = lock(&self.inner.thread).take();
        let Some(thread) = thread else { return };
        let joined = tokio::task::spawn_blocking(move || thread.join()).await;
        if !matches!(joined, Ok(Ok(()))) {
            tracing::error!("the outbox's worker thread ended with a panic");
        }
        if let Err(error) = self.inner.writer.flush().await {
            tracing::error!(
                error.cause_chain = %cause_chain(&error),
                "the last outcomes were not committed; those mails are sent again at the next start"
            );
        }
    }
}

/// Formats an error and its sources as `outer: inner: innermost`, for logs.
pub(crate) fn cause_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    chain
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Builds the mailer's configuration from the start-up settings, with the outbox's time limits.
fn mailer_config(settings: &Settings, outbox: &OutboxSettings) -> Result<MailerConfig, OutboxStartError> {
    let phase = |limit: Duration, total: Duration| limit.min(total);
    let timeouts = Timeouts {
        total: outbox.open_timeout,
        resolve: phase(Duration::from_secs(30), outbox.open_timeout),
        connect: phase(Duration::from_secs(30), outbox.open_timeout),
        tls_handshake: phase(Duration::from_secs(30), outbox.open_timeout),
        greeting: phase(Duration::from_secs(60), outbox.open_timeout),
        command: phase(Duration::from_secs(60), outbox.send_timeout),
        data: outbox.send_timeout,
    };
    settings
        .mailer_config(timeouts)
        .map_err(|error| OutboxStartError::Mailer(error.to_string()))
}

/// Starts the worker thread: its own single-threaded runtime with the workers and the
/// housekeeping task, so that sending never competes with the HTTP workers' runtimes.
fn spawn_workers(inner: &Arc<Inner>) -> Result<std::thread::JoinHandle<()>, OutboxStartError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(OutboxStartError::Thread)?;
    let dispatcher = Dispatcher {
        store: inner.store.clone(),
        writer: inner.writer.clone(),
        state: Arc::clone(&inner.dispatch),
        wake: Arc::clone(&inner.wake),
        batch_size: inner.settings.batch_size,
        connections_per_server: inner.settings.connections_per_server,
    };
    let delivery = inner.delivery.clone();
    let wake = Arc::clone(&inner.wake);
    let pool = Arc::clone(&inner.pool);
    let settings = Arc::clone(&inner.settings);
    let store = inner.store.clone();
    let writer = inner.writer.clone();
    let shutdown = inner.shutdown.subscribe();

    std::thread::Builder::new()
        .name("outbox".to_owned())
        .spawn(move || {
            runtime.block_on(async move {
                let mut tasks = tokio::task::JoinSet::new();
                for _ in 0..settings.workers {
                    tasks.spawn(run_worker(
                        dispatcher.clone(),
                        delivery.clone(),
                        Arc::clone(&wake),
                        settings.poll_interval,
                        shutdown.clone(),
                    ));
                }
                tasks.spawn(run_housekeeping(
                    store,
                    writer,
                    Arc::clone(&pool),
                    settings.poll_interval,
                    shutdown.clone(),
                ));

                let mut stop = shutdown;
                let _ = stop.wait_for(|stopping| *stopping).await;
                tracing::info!("outbox stopping; finishing the mails being sent");
                if tokio::time::timeout(SHUTDOWN_GRACE, async {
                    while tasks.join_next().await.is_some() {}
                })
                .await
                .is_err()
                {
                    tracing::warn!("mails still being sent at shutdown; the next start sends them again");
                }
                pool.close_everything();
                // Lets the QUIT commands of the closed sessions go out.
                tokio::time::sleep(Duration::from_millis(100)).await;
                tracing::info!("outbox stopped");
            });
        })
        .map_err(OutboxStartError::Thread)
}

/// Claims and sends batches until the outbox stops; waits for new mail when there is none.
async fn run_worker(
    dispatcher: Dispatcher,
    delivery: Delivery,
    wake: Arc<Notify>,
    poll_interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        // Registered before looking, so that mail stored meanwhile wakes this worker.
        let notified = wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();

        let wait = match dispatcher.next_batch().await {
            Ok(Ok(batch)) => {
                delivery.deliver(batch).await;
                continue;
            }
            Ok(Err(Idle::NothingDue {
                next_due_ms: Some(due),
            })) => {
                let until_due = u64::try_from(due - now_ms()).unwrap_or(0);
                poll_interval.min(Duration::from_millis(until_due))
            }
            Ok(Err(_)) => poll_interval,
            Err(error) => {
                tracing::error!(error.cause_chain = %cause_chain(&error), "looking for due mail failed");
                poll_interval
            }
        };
        tokio::select! {
            () = &mut notified => {}
            () = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// Closes expired pooled connections and moves mail off deleted or switched-off servers.
async fn run_housekeeping(
    store: Store,
    writer: Writer,
    pool: Arc<Pool>,
    poll_interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut last_sweep: Option<tokio::time::Instant> = None;
    loop {
        pool.close_expired();
        if last_sweep.is_none_or(|at| at.elapsed() >= SWEEP_INTERVAL.min(poll_interval * 5)) {
            last_sweep = Some(tokio::time::Instant::now());
            if let Err(error) = sweep::sweep_orphans(&store, &writer).await {
                tracing::error!(error.cause_chain = %cause_chain(&error), "moving mail off unusable servers failed");
            }
        }
        tokio::select! {
            () = tokio::time::sleep(poll_interval) => {}
            _ = shutdown.wait_for(|stopping| *stopping) => return,
        }
    }
}
