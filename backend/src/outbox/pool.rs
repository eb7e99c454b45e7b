//! Open SMTP sessions kept between mails, per server.
//!
//! Opening a session costs a TCP and a TLS handshake, the greeting, EHLO and a login, while
//! reusing one costs nothing. A session is reused while it has been idle for less than the idle
//! limit and has sent fewer mails than the per-connection limit. It is reused only with the
//! settings it was opened with. A session opened with other settings (the seller changed host,
//! login or password since) is closed instead, so a change takes effect with the next mail.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use mailer::SmtpSession;
use sha2::{Digest, Sha256};

use crate::store::{ServerForSending, ServerId};

/// A digest of the settings and the password a session was opened with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// Returns the digest of a server's sending settings.
    pub fn of(server: &ServerForSending) -> Fingerprint {
        let mut digest = Sha256::new();
        // Serialising the plain settings struct cannot fail.
        digest.update(serde_json::to_vec(&server.settings).unwrap_or_default());
        digest.update([0]);
        if let Some(password) = &server.password {
            digest.update(password.expose().as_bytes());
        }
        Fingerprint(digest.finalize().into())
    }
}

/// A session taken from the pool or opened for it.
#[derive(Debug)]
pub struct PooledSession {
    pub session: SmtpSession,
    /// Mails sent over this session so far.
    pub sent: u32,
    /// Whether the session carried a mail before this lease, so that a closed connection may
    /// be the server's idle timeout rather than a failure.
    pub reused: bool,
}

impl PooledSession {
    /// Wraps a session that was just opened.
    pub fn fresh(session: SmtpSession) -> PooledSession {
        PooledSession {
            session,
            sent: 0,
            reused: false,
        }
    }
}

#[derive(Debug)]
struct IdleSession {
    session: SmtpSession,
    sent: u32,
    idle_since: Instant,
}

#[derive(Debug)]
struct ServerSessions {
    fingerprint: Fingerprint,
    idle: Vec<IdleSession>,
}

/// The idle sessions of every server.
#[derive(Debug)]
pub struct Pool {
    servers: Mutex<HashMap<ServerId, ServerSessions>>,
    idle_timeout: Duration,
    max_messages: u32,
    max_idle_per_server: usize,
}

impl Pool {
    pub fn new(idle_timeout: Duration, max_messages: u32, max_idle_per_server: usize) -> Pool {
        Pool {
            servers: Mutex::default(),
            idle_timeout,
            max_messages,
            max_idle_per_server,
        }
    }

    /// Takes an idle session opened with these settings, if there is a usable one. Sessions
    /// opened with other settings are closed.
    pub fn take(&self, server: ServerId, fingerprint: Fingerprint) -> Option<PooledSession> {
        let mut servers = self.lock();
        let sessions = servers.entry(server).or_insert_with(|| ServerSessions {
            fingerprint,
            idle: Vec::new(),
        });
        if sessions.fingerprint != fingerprint {
            tracing::info!(
                server_id = server.0,
                "the server's settings changed; closing its pooled connections"
            );
            close_all(std::mem::take(&mut sessions.idle));
            sessions.fingerprint = fingerprint;
        }
        while let Some(idle) = sessions.idle.pop() {
            if idle.idle_since.elapsed() < self.idle_timeout && !idle.session.is_broken() {
                return Some(PooledSession {
                    session: idle.session,
                    sent: idle.sent,
                    reused: true,
                });
            }
            close(idle.session);
        }
        None
    }

    /// Returns a session after a lease. It is closed instead when it is broken, has sent its
    /// share of mails, belongs to old settings, or the server already has enough idle ones.
    pub fn give_back(&self, server: ServerId, fingerprint: Fingerprint, pooled: PooledSession) {
        if pooled.session.is_broken() {
            return;
        }
        let mut servers = self.lock();
        let current = servers
            .get_mut(&server)
            .filter(|sessions| sessions.fingerprint == fingerprint);
        match current {
            Some(sessions)
                if pooled.sent < self.max_messages && sessions.idle.len() < self.max_idle_per_server =>
            {
                sessions.idle.push(IdleSession {
                    session: pooled.session,
                    sent: pooled.sent,
                    idle_since: Instant::now(),
                });
            }
            _ => close(pooled.session),
        }
    }

    /// Closes every idle session of a server, such as after the system deactivated it.
    pub fn retire(&self, server: ServerId) {
        if let Some(sessions) = self.lock().remove(&server) {
            close_all(sessions.idle);
        }
    }

    /// Closes the sessions that have been idle too long, before the server closes them.
    pub fn close_expired(&self) {
        let mut servers = self.lock();
        for sessions in servers.values_mut() {
            let (expired, kept): (Vec<IdleSession>, Vec<IdleSession>) = std::mem::take(&mut sessions.idle)
                .into_iter()
                .partition(|idle| idle.idle_since.elapsed() >= self.idle_timeout || idle.session.is_broken());
            sessions.idle = kept;
            close_all(expired);
        }
    }

    /// Closes every idle session, at shutdown.
    pub fn close_everything(&self) {
        let drained: Vec<ServerSessions> = self.lock().drain().map(|(_, sessions)| sessions).collect();
        for sessions in drained {
            close_all(sessions.idle);
        }
    }

    /// Returns the number of idle sessions, for tests.
    pub fn idle_count(&self) -> usize {
        self.lock().values().map(|sessions| sessions.idle.len()).sum()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<ServerId, ServerSessions>> {
        self.servers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn close_all(sessions: Vec<IdleSession>) {
    for idle in sessions {
        close(idle.session);
    }
}

/// Sends QUIT in the background; dropping the session closes the socket either way.
fn close(session: SmtpSession) {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            runtime.spawn(async move {
                session.quit().await;
            });
        }
        Err(_) => drop(session),
    }
}
