//! Finding work: which servers have due mail, whether a connection and the sending limits
//! allow another batch, and claiming it.
//!
//! Each batch contains mails of one server and is sent over one connection. A worker keeps a
//! [`Lease`] on that server while it sends, so the leases cap the connections per server.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rusqlite::params;
use shared::outbox::SendingLimits;
use tokio::sync::Notify;

use super::limits::{effective_limits, Limiter};
use super::queue::{now_ms, ClaimedMessage};
use super::writer::{QueueError, Writer};
use crate::store::{AccountId, ServerId, Store, StoreError};

/// The maximum bytes of mail content one batch loads, so that large attachments do not pile up
/// in memory. A batch always contains at least one mail, however large.
const BATCH_BYTE_BUDGET: usize = 16 * 1024 * 1024;

/// A server with queued mail, as the look-up finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueServer {
    pub id: ServerId,
    pub account: AccountId,
    pub provider: String,
    pub active: bool,
    pub custom_limits: Option<SendingLimits>,
    /// Unix milliseconds at which its oldest queued mail is due.
    pub first_due_ms: i64,
}

/// The workers' shared state of the servers: leases, sending limits and waiting servers.
#[derive(Debug, Default)]
pub struct DispatchState {
    leases: HashMap<ServerId, usize>,
    limiter: Limiter,
    rate_limited: HashSet<ServerId>,
}

/// A claimed batch: mails of one server, and the lease on that server.
#[derive(Debug)]
pub struct Batch {
    pub server: ServerId,
    pub account: AccountId,
    pub messages: Vec<ClaimedMessage>,
    pub lease: Lease,
}

/// A worker's hold on one of a server's connections. Dropping it frees the place and wakes an
/// idle worker, because mail stored while every connection was busy woke none (see
/// [`needs_idle_worker`]).
#[derive(Debug)]
pub struct Lease {
    server: ServerId,
    state: Arc<Mutex<DispatchState>>,
    wake: Arc<Notify>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut state = lock(&self.state);
        if let Some(leases) = state.leases.get_mut(&self.server) {
            *leases = leases.saturating_sub(1);
        }
        drop(state);
        self.wake.notify_one();
    }
}

fn lock(state: &Mutex<DispatchState>) -> MutexGuard<'_, DispatchState> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Returns whether a server's mail waits for its sending limit right now.
pub fn is_rate_limited(state: &Mutex<DispatchState>, server: ServerId) -> bool {
    lock(state).rate_limited.contains(&server)
}

/// Returns whether new mail of a server needs an idle worker woken. It does not while every
/// connection of the server is leased, because each lease's worker looks for due mail again
/// when it ends, nor while the server waits for its sending limit, which idle workers check at
/// their poll interval. Waking every idle worker for each stored mail made each of them query
/// the due servers after every stored mail, only to find the server blocked.
pub fn needs_idle_worker(
    state: &Mutex<DispatchState>,
    server: ServerId,
    connections_per_server: usize,
) -> bool {
    let state = lock(state);
    let leased = state.leases.get(&server).copied().unwrap_or(0);
    leased < connections_per_server && !state.rate_limited.contains(&server)
}

/// The handles a worker needs to find and claim work.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    pub store: Store,
    pub writer: Writer,
    pub state: Arc<Mutex<DispatchState>>,
    /// Woken when a lease ends.
    pub wake: Arc<Notify>,
    pub batch_size: usize,
    pub connections_per_server: usize,
}

/// The reason no batch was claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idle {
    /// Nothing is due before this time (Unix milliseconds), or nothing is queued at all.
    NothingDue { next_due_ms: Option<i64> },
    /// Mail is due, but every server with due mail is at its connection or sending limit.
    Blocked,
}

impl Dispatcher {
    /// Claims the next batch: the server whose mail has waited longest, among those with a free
    /// connection and room in their sending limits.
    ///
    /// # Errors
    /// The database failed.
    pub async fn next_batch(&self) -> Result<Result<Batch, Idle>, QueueError> {
        let now = now_ms();
        let due_servers = self.store.due_servers().await?;
        // Mail of a deactivated server waits for its reactivation, not for a due time.
        let next_due_ms = due_servers
            .iter()
            .filter(|server| server.active)
            .map(|server| server.first_due_ms)
            .min();

        let mut blocked = false;
        for server in due_servers
            .iter()
            .filter(|server| server.active && server.first_due_ms <= now)
        {
            let limits = effective_limits(&server.provider, server.custom_limits).limits;
            self.seed_limiter(server.id, limits, now).await?;
            let Some(reserved) = self.reserve(server.id, limits, now) else {
                blocked = true;
                continue;
            };

            let lease = Lease {
                server: server.id,
                state: Arc::clone(&self.state),
                wake: Arc::clone(&self.wake),
            };
            let messages = match self.writer.claim(server.id, reserved, BATCH_BYTE_BUDGET).await {
                Ok(messages) => messages,
                Err(error) => {
                    lock(&self.state).limiter.unrecord(server.id, reserved);
                    return Err(error);
                }
            };
            lock(&self.state)
                .limiter
                .unrecord(server.id, reserved.saturating_sub(messages.len()));
            if messages.is_empty() {
                continue;
            }
            return Ok(Ok(Batch {
                server: server.id,
                account: server.account,
                messages,
                lease,
            }));
        }
        Ok(Err(if blocked {
            Idle::Blocked
        } else {
            Idle::NothingDue { next_due_ms }
        }))
    }

    /// Takes a connection place and counts the batch's attempts against the limits. Returns
    /// how many mails the batch may contain, or `None` when the server is at a limit.
    fn reserve(&self, server: ServerId, limits: SendingLimits, now: i64) -> Option<usize> {
        let mut state = lock(&self.state);
        if state.leases.get(&server).copied().unwrap_or(0) >= self.connections_per_server {
            return None;
        }
        let allowance = state.limiter.allowance(server, limits, now);
        if allowance == 0 {
            if state.rate_limited.insert(server) {
                tracing::info!(
                    server_id = server.0,
                    "sending limit reached; mail waits in the queue"
                );
            }
            return None;
        }
        state.rate_limited.remove(&server);
        let reserved = self.batch_size.min(allowance);
        state.limiter.record(server, limits, reserved, now);
        *state.leases.entry(server).or_insert(0) += 1;
        Some(reserved)
    }

    async fn seed_limiter(
        &self,
        server: ServerId,
        limits: SendingLimits,
        now: i64,
    ) -> Result<(), StoreError> {
        if !lock(&self.state).limiter.needs_seed(server, limits) {
            return Ok(());
        }
        let max = limits.per_hour.or(limits.per_minute).unwrap_or(0) as usize;
        let attempts = self.store.recent_attempts(server, now, max).await?;
        lock(&self.state).limiter.seed(server, attempts);
        Ok(())
    }
}

impl Store {
    /// Returns every server with queued mail, with its limits and when its oldest mail is due.
    ///
    /// The recursive query walks the distinct server ids of the queued-mail index one seek at
    /// a time, so its cost grows with the number of servers, not of queued mails.
    pub async fn due_servers(&self) -> Result<Vec<DueServer>, StoreError> {
        self.run(|connection| {
            let mut statement = connection.prepare_cached(
                "WITH RECURSIVE due (server_id) AS ( \
                     SELECT MIN(server_id) FROM messages WHERE status = 'queued' AND server_id IS NOT NULL \
                     UNION ALL \
                     SELECT (SELECT MIN(server_id) FROM messages WHERE status = 'queued' AND server_id > due.server_id) \
                     FROM due WHERE due.server_id IS NOT NULL \
                 ) \
                 SELECT s.id, s.account_id, s.provider, s.active, l.server_id IS NOT NULL, l.per_minute, l.per_hour, \
                     (SELECT MIN(next_attempt_ms) FROM messages WHERE status = 'queued' AND server_id = s.id) \
                 FROM due JOIN servers s ON s.id = due.server_id \
                 LEFT JOIN server_sending_limits l ON l.server_id = s.id",
            )?;
            let servers = statement
                .query_map(params![], |row| {
                    let has_custom: bool = row.get(4)?;
                    Ok(DueServer {
                        id: ServerId(row.get(0)?),
                        account: AccountId(row.get(1)?),
                        provider: row.get(2)?,
                        active: row.get(3)?,
                        custom_limits: has_custom
                            .then(|| -> rusqlite::Result<SendingLimits> {
                                Ok(SendingLimits {
                                    per_minute: row.get(5)?,
                                    per_hour: row.get(6)?,
                                })
                            })
                            .transpose()?,
                        first_due_ms: row.get(7)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut servers = servers;
            servers.sort_by_key(|server| server.first_due_ms);
            Ok(servers)
        })
        .await
    }
}
