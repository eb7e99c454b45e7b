//! Sending a claimed batch over a pooled session, and what each attempt's end means.
//!
//! - The server accepted the mail (2xx after DATA): sent. It is never sent again.
//! - A 4xx reply, a timeout or a lost connection: another attempt later, with exponential
//!   backoff and jitter, until the retry period ends.
//! - A 5xx reply: failed at once. Only the seller's resend sends it again.
//! - Opening the session failed (connection, TLS, greeting, login): another attempt later.
//!
//! Failures caused by the server count towards auto-deactivation. These are all failures but a
//! recipient's rejection, a rejection of the content and the server's rate limiting. After the
//! configured number in a row, the server is deactivated and its mail waits in the queue.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use mailer::{
    diagnose, DiagnosisContext, FailureKind, MailerConfig, PreparedMail, Reply, ServerTarget, SessionFailure,
    SmtpLogin, SmtpSession,
};
use rand::Rng;
use shared::api::SmtpStep;
use shared::Password;
use tokio::sync::watch;

use super::dispatch::Batch;
use super::pool::{Fingerprint, Pool, PooledSession};
use super::queue::{now_ms, ClaimedMessage, Outcome};
use super::settings::OutboxSettings;
use super::texts::{DeactivationReason, Reason};
use super::writer::Writer;
use crate::store::{AccountId, ServerForSending, ServerId, Store};

/// The outbox's handling of a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureHandling {
    /// No further attempt: a 5xx reply, or a mail this server can never take.
    pub permanent: bool,
    /// The failure counts towards deactivating the server.
    pub server_fault: bool,
}

/// Classifies a failed attempt; `opening` is true when the session failed to open.
pub fn classify_failure(failure: &SessionFailure, opening: bool) -> FailureHandling {
    if opening {
        return FailureHandling {
            permanent: false,
            server_fault: true,
        };
    }
    match &failure.kind {
        FailureKind::Rejected(reply) if reply.code >= 500 => FailureHandling {
            permanent: true,
            // A rejected sender is the server's configuration; recipients and content are not.
            server_fault: failure.step == SmtpStep::MailFrom,
        },
        FailureKind::Rejected(reply) => {
            let throttled = reply
                .enhanced_status()
                .is_some_and(|status| status.class == 4 && status.subject == 7);
            FailureHandling {
                permanent: false,
                server_fault: !throttled && (reply.code == 421 || failure.step != SmtpStep::RcptTo),
            }
        }
        FailureKind::Unsupported { .. } => FailureHandling {
            permanent: true,
            server_fault: false,
        },
        _ => FailureHandling {
            permanent: false,
            server_fault: true,
        },
    }
}

/// Returns whether a failure on a reused session looks like the server closed it while it was
/// idle. Then the mail goes over a new session at once, without counting as a failed attempt.
pub fn is_stale_session(failure: &SessionFailure) -> bool {
    let closed = match &failure.kind {
        FailureKind::ConnectionClosed
        | FailureKind::Unreachable { .. }
        | FailureKind::ProtocolViolation { .. } => true,
        FailureKind::Rejected(reply) => reply.code == 421,
        _ => false,
    };
    closed && failure.step == SmtpStep::MailFrom
}

/// Returns the wait before the attempt after `attempts` failed ones: the first delay doubled
/// per attempt, at most the maximum, of which the upper half is random (`jitter` in 0..1).
pub fn retry_delay(settings: &OutboxSettings, attempts: u32, jitter: f64) -> Duration {
    let exponent = attempts.saturating_sub(1).min(30);
    let delay = settings
        .retry_first_delay
        .saturating_mul(1_u32 << exponent)
        .min(settings.retry_max_delay);
    delay / 2 + delay.mul_f64(jitter.clamp(0.0, 1.0) / 2.0)
}

/// The failure bookkeeping of one server.
#[derive(Debug, Clone, Copy, Default)]
struct Health {
    /// The stored count of failures in a row, when known; `None` until read or written.
    failures: Option<u32>,
    /// When this process last counted a failure of the server.
    last_counted: Option<Instant>,
}

/// The end of one attempt.
enum Attempt {
    Accepted(Reply),
    /// The session could not be opened.
    OpenFailed(SessionFailure),
    SendFailed(SessionFailure),
}

/// The handles a worker needs to send batches.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub store: Store,
    pub writer: Writer,
    pub pool: Arc<Pool>,
    pub mailer: Arc<MailerConfig>,
    pub settings: Arc<OutboxSettings>,
    health: Arc<Mutex<HashMap<ServerId, Health>>>,
    pub shutdown: watch::Receiver<bool>,
}

impl Delivery {
    pub fn new(
        store: Store,
        writer: Writer,
        pool: Arc<Pool>,
        mailer: Arc<MailerConfig>,
        settings: Arc<OutboxSettings>,
        shutdown: watch::Receiver<bool>,
    ) -> Delivery {
        Delivery {
            store,
            writer,
            pool,
            mailer,
            settings,
            health: Arc::default(),
            shutdown,
        }
    }

    /// Sends the batch's mails one after another over one session, and records each outcome.
    pub async fn deliver(&self, batch: Batch) {
        let server = match self
            .store
            .load_server_for_sending(batch.account, batch.server)
            .await
        {
            Ok(Some(server)) if server.settings.active => server,
            Ok(_) => {
                // Deleted or switched off since the claim: the sweep moves or fails its mail.
                self.release_all(batch.messages).await;
                return;
            }
            Err(error) => {
                tracing::error!(server_id = batch.server.0, error.cause_chain = %super::cause_chain(&error), "cannot load the server for sending");
                self.release_all(batch.messages).await;
                return;
            }
        };

        let fingerprint = Fingerprint::of(&server);
        let mut session = self.pool.take(batch.server, fingerprint);
        let mut messages = batch.messages.into_iter();
        while let Some(message) = messages.next() {
            if *self.shutdown.borrow() {
                self.release_all(std::iter::once(message).chain(messages).collect())
                    .await;
                break;
            }
            let Some(prepared) = rebuild_mail(&message, &server) else {
                self.record(Outcome::Failed {
                    id: message.id,
                    reply: None,
                    reason: Reason::unreadable(),
                })
                .await;
                continue;
            };

            let attempt = self.attempt(&mut session, &server, &prepared).await;
            let open_failure = self.conclude(&batch.account, &server, &message, attempt).await;
            if let Some(reason) = open_failure {
                // The rest of the batch would fail the same way; it waits for the next attempt.
                for rest in messages.by_ref() {
                    let outcome = self.retry_or_give_up(&rest, None, reason.clone());
                    self.record(outcome).await;
                }
            }
        }

        if let Some(session) = session {
            self.pool.give_back(batch.server, fingerprint, session);
        }
        drop(batch.lease);
    }

    /// Sends one mail over the pooled session, or over a new one when there is none or the
    /// pooled one turns out to be closed.
    async fn attempt(
        &self,
        slot: &mut Option<PooledSession>,
        server: &ServerForSending,
        prepared: &PreparedMail,
    ) -> Attempt {
        if let Some(mut pooled) = slot.take().filter(|pooled| !pooled.session.is_broken()) {
            let deadline = mailer::Deadline::after(self.settings.send_timeout);
            match pooled.session.send(prepared, deadline).await {
                Ok(reply) => {
                    pooled.sent += 1;
                    *slot = Some(pooled);
                    return Attempt::Accepted(reply);
                }
                Err(failure) if pooled.reused && is_stale_session(&failure) => {
                    tracing::debug!(
                        server_id = server.id.0,
                        "a pooled connection was closed by the server; opening a new one"
                    );
                }
                Err(failure) => {
                    *slot = Some(pooled);
                    return Attempt::SendFailed(failure);
                }
            }
        }

        let target = target_of(server);
        let login = login_of(server);
        let deadline = mailer::Deadline::after(self.settings.open_timeout);
        let session = match SmtpSession::open(&self.mailer, &target, login.as_ref(), deadline).await {
            Ok(session) => session,
            Err(error) => return Attempt::OpenFailed(error.failure),
        };
        let mut pooled = PooledSession::fresh(session);
        let deadline = mailer::Deadline::after(self.settings.send_timeout);
        let result = pooled.session.send(prepared, deadline).await;
        pooled.sent += 1;
        pooled.reused = true;
        *slot = Some(pooled);
        match result {
            Ok(reply) => Attempt::Accepted(reply),
            Err(failure) => Attempt::SendFailed(failure),
        }
    }

    /// Records the attempt's outcome and keeps the server's failure count. Returns the reason
    /// when the session could not be opened, for the batch's other mails.
    async fn conclude(
        &self,
        account: &AccountId,
        server: &ServerForSending,
        message: &ClaimedMessage,
        attempt: Attempt,
    ) -> Option<Reason> {
        let (failure, opening) = match attempt {
            Attempt::Accepted(reply) => {
                tracing::debug!(mail_id = message.id.0, server_id = server.id.0, "mail sent");
                // As with failures, the server's count comes first: a mail shown as sent has
                // reset it.
                self.note_success(*account, server.id).await;
                self.record(Outcome::Sent {
                    id: message.id,
                    reply: reply.to_string(),
                })
                .await;
                return None;
            }
            Attempt::OpenFailed(failure) => (failure, true),
            Attempt::SendFailed(failure) => (failure, false),
        };

        let handling = classify_failure(&failure, opening);
        let reason = self.reason_for(server, message, &failure);
        let reply = match &failure.kind {
            FailureKind::Rejected(reply) => Some(reply.to_string()),
            _ => None,
        };
        tracing::warn!(
            mail_id = message.id.0,
            server_id = server.id.0,
            step = ?failure.step,
            reason = %reason.code,
            attempts = message.attempts,
            permanent = handling.permanent,
            "sending a mail failed"
        );
        let outcome = if handling.permanent {
            Outcome::Failed {
                id: message.id,
                reply,
                reason: reason.clone(),
            }
        } else {
            self.retry_or_give_up(message, reply, reason.clone())
        };
        // The server's count comes first, so that a server deactivated by this failure is
        // inactive before the retried mail is due again.
        if handling.server_fault {
            self.note_failure(*account, server.id, reason.clone()).await;
        }
        self.record(outcome).await;
        opening.then_some(reason)
    }

    /// Schedules the next attempt, or fails the mail when it would fall after the retry period.
    fn retry_or_give_up(&self, message: &ClaimedMessage, reply: Option<String>, reason: Reason) -> Outcome {
        let jitter = rand::thread_rng().gen::<f64>();
        let delay = retry_delay(&self.settings, message.attempts, jitter);
        let give_up_at_ms = (message.queued_at.saturating_mul(1000))
            .saturating_add(i64::try_from(self.settings.give_up_after.as_millis()).unwrap_or(i64::MAX));
        let next_ms = now_ms().saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
        if next_ms > give_up_at_ms {
            tracing::warn!(
                mail_id = message.id.0,
                attempts = message.attempts,
                "giving up on a mail after its retry period"
            );
            return Outcome::Failed {
                id: message.id,
                reply,
                reason: Reason::gave_up(self.settings.give_up_after, &reason),
            };
        }
        tracing::info!(
            mail_id = message.id.0,
            attempts = message.attempts,
            delay_ms = delay.as_millis() as u64,
            "retrying a mail later"
        );
        Outcome::Retry {
            id: message.id,
            at_ms: next_ms,
            reply,
            reason,
        }
    }

    fn reason_for(
        &self,
        server: &ServerForSending,
        message: &ClaimedMessage,
        failure: &SessionFailure,
    ) -> Reason {
        let target = target_of(server);
        let password_is_ascii = server
            .password
            .as_ref()
            .is_none_or(|password| password.expose().is_ascii());
        let context = DiagnosisContext {
            target: &target,
            sender: &message.envelope_from,
            login: (!server.settings.login.is_empty()).then_some(server.settings.login.as_str()),
            password_is_ascii,
        };
        Reason::from_verdict(&diagnose(&Err(failure.clone()), &context))
    }

    async fn release_all(&self, messages: Vec<ClaimedMessage>) {
        for message in messages {
            self.record(Outcome::Released { id: message.id }).await;
        }
    }

    async fn record(&self, outcome: Outcome) {
        self.writer.record(outcome).await;
    }

    async fn note_success(&self, account: AccountId, server: ServerId) {
        if self
            .health()
            .get(&server)
            .is_some_and(|health| health.failures == Some(0))
        {
            return;
        }
        match self.store.record_send_success(account, server).await {
            Ok(_) => {
                self.health().insert(
                    server,
                    Health {
                        failures: Some(0),
                        last_counted: None,
                    },
                );
            }
            Err(error) => {
                tracing::error!(server_id = server.0, error.cause_chain = %super::cause_chain(&error), "cannot reset the server's failure count");
            }
        }
    }

    /// Counts a failure caused by the server, and deactivates the server at the threshold.
    ///
    /// A failure counts only when half the first retry delay (the shortest wait before a retry)
    /// has passed since the last counted one. So the mails that fail together in one outage are
    /// one failure, and only an outage that lasts through several retries deactivates a server.
    async fn note_failure(&self, account: AccountId, server: ServerId, reason: Reason) {
        let now = Instant::now();
        {
            let mut health = self.health();
            let entry = health.entry(server).or_insert(Health {
                failures: None,
                last_counted: None,
            });
            if entry
                .last_counted
                .is_some_and(|counted| now.duration_since(counted) < self.settings.retry_first_delay / 2)
            {
                return;
            }
            entry.last_counted = Some(now);
        }
        let failures = match self.store.record_send_failure(account, server).await {
            Ok(Some(failures)) => failures,
            Ok(None) => return,
            Err(error) => {
                tracing::error!(server_id = server.0, error.cause_chain = %super::cause_chain(&error), "cannot count the server's failure");
                return;
            }
        };
        self.health().insert(
            server,
            Health {
                failures: Some(failures),
                last_counted: Some(now),
            },
        );
        if failures < self.settings.deactivate_after_failures {
            return;
        }

        let stored = DeactivationReason {
            failures,
            last: reason,
        }
        .to_stored();
        match self.store.deactivate_server(account, server, &stored).await {
            Ok(_) => {
                tracing::warn!(
                    server_id = server.0,
                    failures,
                    "deactivated the server after failed sends in a row; its mail waits"
                );
                self.pool.retire(server);
            }
            Err(error) => {
                tracing::error!(server_id = server.0, error.cause_chain = %super::cause_chain(&error), "cannot deactivate the server");
            }
        }
    }

    /// Forgets what is known about a server's failures, after it was reactivated.
    pub fn forget_health(&self, server: ServerId) {
        self.health().remove(&server);
    }

    fn health(&self) -> MutexGuard<'_, HashMap<ServerId, Health>> {
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Rebuilds the stored mail with the server's BCC addresses as extra envelope recipients.
fn rebuild_mail(message: &ClaimedMessage, server: &ServerForSending) -> Option<PreparedMail> {
    let content = message.content.clone()?;
    let built = PreparedMail::from_stored(
        &message.envelope_from,
        &message.envelope_to,
        content,
        message.message_id.clone(),
    )
    .and_then(|mut prepared| {
        prepared.add_envelope_recipients(&server.settings.bcc)?;
        Ok(prepared)
    });
    match built {
        Ok(prepared) => Some(prepared),
        Err(error) => {
            tracing::error!(mail_id = message.id.0, %error, "a stored mail cannot be rebuilt");
            None
        }
    }
}

/// Returns where to connect for a server.
pub fn target_of(server: &ServerForSending) -> ServerTarget {
    ServerTarget {
        host: server.settings.host.clone(),
        port: server.settings.port,
        security: server.settings.security,
    }
}

/// Returns the login for a server, if it has one.
pub fn login_of(server: &ServerForSending) -> Option<SmtpLogin> {
    (!server.settings.login.is_empty()).then(|| SmtpLogin {
        username: server.settings.login.clone(),
        password: server
            .password
            .clone()
            .unwrap_or_else(|| Password::new(String::new())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(step: SmtpStep, code: u16, text: &str) -> SessionFailure {
        SessionFailure {
            step,
            kind: FailureKind::Rejected(Reply {
                code,
                lines: vec![text.to_owned()],
            }),
        }
    }

    #[test]
    fn five_hundreds_fail_at_once() {
        let handling = classify_failure(&rejected(SmtpStep::RcptTo, 550, "5.1.1 No such user"), false);
        assert!(handling.permanent);
        assert!(
            !handling.server_fault,
            "a recipient's rejection is not the server's fault"
        );
    }

    #[test]
    fn rejected_sender_counts_against_server() {
        let handling = classify_failure(
            &rejected(SmtpStep::MailFrom, 553, "5.7.1 Sender not owned"),
            false,
        );
        assert!(handling.permanent);
        assert!(handling.server_fault);
    }

    #[test]
    fn four_hundreds_retry() {
        let handling = classify_failure(&rejected(SmtpStep::Data, 451, "4.3.0 Try again later"), false);
        assert!(!handling.permanent);
        assert!(handling.server_fault);
    }

    #[test]
    fn greylisting_and_throttling_do_not_count() {
        let greylisted = classify_failure(&rejected(SmtpStep::RcptTo, 450, "4.2.0 Greylisted"), false);
        assert!(!greylisted.permanent);
        assert!(!greylisted.server_fault);

        let throttled = classify_failure(
            &rejected(SmtpStep::MailFrom, 451, "4.7.1 Rate limit exceeded"),
            false,
        );
        assert!(!throttled.permanent);
        assert!(!throttled.server_fault);
    }

    #[test]
    fn lost_connection_and_open_failures_retry_and_count() {
        let lost = SessionFailure {
            step: SmtpStep::Data,
            kind: FailureKind::ConnectionClosed,
        };
        assert_eq!(
            classify_failure(&lost, false),
            FailureHandling {
                permanent: false,
                server_fault: true
            }
        );
        let login = rejected(SmtpStep::Auth, 535, "5.7.8 Authentication failed");
        assert_eq!(
            classify_failure(&login, true),
            FailureHandling {
                permanent: false,
                server_fault: true
            },
            "a rejected login is the server's problem, not the mail's"
        );
    }

    #[test]
    fn closed_idle_connection_is_stale() {
        let closed = SessionFailure {
            step: SmtpStep::MailFrom,
            kind: FailureKind::ConnectionClosed,
        };
        assert!(is_stale_session(&closed));
        assert!(is_stale_session(&rejected(
            SmtpStep::MailFrom,
            421,
            "4.4.2 Timeout"
        )));
        assert!(!is_stale_session(&rejected(
            SmtpStep::MailFrom,
            451,
            "4.3.0 Later"
        )));
        let lost_in_data = SessionFailure {
            step: SmtpStep::Data,
            kind: FailureKind::ConnectionClosed,
        };
        assert!(
            !is_stale_session(&lost_in_data),
            "after MAIL FROM the server may have the mail"
        );
    }

    #[test]
    fn backoff_doubles_with_jitter() {
        let settings = OutboxSettings {
            retry_first_delay: Duration::from_secs(60),
            retry_max_delay: Duration::from_secs(3600),
            ..OutboxSettings::default()
        };
        assert_eq!(retry_delay(&settings, 1, 0.0), Duration::from_secs(30));
        assert_eq!(retry_delay(&settings, 1, 1.0), Duration::from_secs(60));
        assert_eq!(retry_delay(&settings, 3, 1.0), Duration::from_secs(240));
        assert_eq!(retry_delay(&settings, 20, 1.0), Duration::from_secs(3600));
        assert_eq!(retry_delay(&settings, 20, 0.0), Duration::from_secs(1800));
    }
}
