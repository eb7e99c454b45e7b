//! An SMTP session that records each step: name resolution, TCP, TLS, greeting, EHLO,
//! STARTTLS, AUTH, MAIL FROM, RCPT TO and DATA.
//!
//! The security setting alone decides the transport, never the port:
//! - [`Security::ImplicitTls`]: TLS from the first byte (lettre calls it the wrapper mode).
//!   The client never sends STARTTLS.
//! - [`Security::StartTls`]: a plain greeting, then STARTTLS is required. A server that does not
//!   offer it ends the session before AUTH, so the password never travels in clear text.
//! - [`Security::None`]: plain text throughout.
//!
//! lettre's [`AsyncSmtpConnection`] speaks the protocol. This module runs it one step at a
//! time over a stream it owns, so that every step has its own time limit, its own reply and,
//! on failure, its own diagnosis. Where the server offers PIPELINING, the session writes a
//! mail's MAIL FROM, RCPT TO and DATA itself in one go and maps each reply to its step.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::commands::{Auth, Data, Ehlo, Mail, Rcpt, Rset, Starttls};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::Response;
use lettre::Address;
use rustls::pki_types::ServerName;
use shared::api::{SmtpStep, StepStatus};
use shared::{Password, Security};
use tokio::net::TcpStream;

use crate::config::{MailerConfig, Timeouts};
use crate::guard::{classify, AddressClass};
use crate::message::PreparedMail;
use crate::reply::{Capabilities, Reply};
use crate::stream::{LinkHandle, SessionStream, SharedTranscript, TappedTcp};
use crate::tls::{classify_handshake_error, CertificateProblem, HandshakeFailure};

/// The server to connect to, as the seller entered it and the shared validation normalised it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTarget {
    /// A host name in ASCII (A-labels) or an IP address.
    pub host: String,
    pub port: u16,
    pub security: Security,
}

/// The SMTP login. It is distinct from the sender address: many providers use a customer
/// number or another address as the login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpLogin {
    pub username: String,
    pub password: Password,
}

/// The point in time by which a whole attempt must be over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    at: Instant,
}

impl Deadline {
    /// Returns a deadline `total` from now.
    pub fn after(total: Duration) -> Deadline {
        Deadline {
            at: Instant::now() + total,
        }
    }

    /// Returns the limit of a phase that may take `phase` on its own, cut to what is left.
    fn limit(&self, phase: Duration) -> PhaseLimit {
        self.limit_from(Instant::now(), phase)
    }

    fn limit_from(&self, start: Instant, phase: Duration) -> PhaseLimit {
        let left = self.at.saturating_duration_since(start);
        if left < phase {
            PhaseLimit {
                duration: left,
                whole_attempt: true,
            }
        } else {
            PhaseLimit {
                duration: phase,
                whole_attempt: false,
            }
        }
    }
}

/// How long a phase may take, and whether the attempt's deadline rather than the phase's own
/// limit set it.
#[derive(Debug, Clone, Copy)]
struct PhaseLimit {
    duration: Duration,
    whole_attempt: bool,
}

impl PhaseLimit {
    fn timed_out(self) -> FailureKind {
        FailureKind::TimedOut {
            limit: self.duration,
            whole_attempt: self.whole_attempt,
        }
    }
}

/// The failure of a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// DNS found no address for the host.
    HostNotFound { detail: String },
    /// Every address of the host is in a class the operator has not allowed.
    AddressBlocked { address: IpAddr, class: AddressClass },
    /// The host reset the connection attempt, so nothing listens on the port.
    ConnectionRefused,
    /// The network could not reach the host, such as "network unreachable".
    Unreachable { detail: String },
    /// The phase did not finish in time. `whole_attempt` is true when the attempt's deadline
    /// ended it rather than the phase's own limit.
    TimedOut { limit: Duration, whole_attempt: bool },
    /// TLS was expected but the server sent plain text, such as an SMTP greeting on port 587.
    NotTls { received: String },
    /// No greeting came, and a second connection showed that the port speaks TLS from the
    /// first byte: implicit TLS is needed.
    TlsExpected,
    /// The server's certificate was rejected.
    Certificate {
        problem: CertificateProblem,
        detail: String,
    },
    /// The TLS handshake failed for another reason, such as no common protocol version.
    TlsFailed { detail: String },
    /// STARTTLS was required but the EHLO reply does not offer it.
    StartTlsNotOffered,
    /// A login is configured but the EHLO reply offers no AUTH.
    AuthNotOffered,
    /// The server offers AUTH, but neither PLAIN nor LOGIN.
    NoCommonAuthMechanism { offered: Vec<String> },
    /// The server replied with a 4xx or 5xx code.
    Rejected(Reply),
    /// The server closed the connection without a reply.
    ConnectionClosed,
    /// The server's bytes are not SMTP, or it sent data it must not send at this point.
    ProtocolViolation { detail: String },
    /// The mail needs an extension the server does not offer, such as SMTPUTF8.
    Unsupported { extension: &'static str },
    /// A failure on the client's side.
    Internal { detail: String },
}

/// The step that failed and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFailure {
    pub step: SmtpStep,
    pub kind: FailureKind,
}

/// The reason a step was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// An earlier step failed.
    EarlierStepFailed,
    /// The security setting does not use this step, such as STARTTLS with implicit TLS.
    NotUsedBySecurity,
    /// No login is configured, so there is no AUTH.
    NoLogin,
}

/// The outcome of a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// Done. `info` adds what the reply does not show, such as the resolved addresses.
    Ok {
        info: Option<String>,
    },
    Failed(FailureKind),
    Skipped(SkipReason),
}

/// One line of the session's checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    pub step: SmtpStep,
    pub outcome: StepOutcome,
    /// The server's reply to this step, where there was one.
    pub reply: Option<Reply>,
}

impl StepRecord {
    pub fn status(&self) -> StepStatus {
        match self.outcome {
            StepOutcome::Ok { .. } => StepStatus::Ok,
            StepOutcome::Failed(_) => StepStatus::Failed,
            StepOutcome::Skipped(_) => StepStatus::Skipped,
        }
    }
}

/// The steps and the transcript of one session, kept whether it succeeds or fails.
#[derive(Debug, Clone)]
pub struct Journal {
    steps: Vec<StepRecord>,
    transcript: SharedTranscript,
    /// Forms of the password that must never appear in the transcript, should a server echo one.
    secrets: Vec<String>,
}

impl Journal {
    fn new(login: Option<&SmtpLogin>) -> Journal {
        Journal {
            steps: Vec::new(),
            transcript: SharedTranscript::default(),
            secrets: secret_forms(login),
        }
    }

    /// Returns the steps in the order they ran, then the skipped ones.
    pub fn steps(&self) -> &[StepRecord] {
        &self.steps
    }

    /// Returns the server's lines (`S: …`) and the client's commands (`C: …`) in order.
    /// AUTH payloads show as `***`, and the message itself as its size.
    pub fn transcript(&self) -> Vec<String> {
        let mut entries = self.transcript.lock().entries();
        for entry in &mut entries {
            for secret in &self.secrets {
                if entry.contains(secret.as_str()) {
                    *entry = entry.replace(secret.as_str(), "***");
                }
            }
        }
        entries
    }

    fn ok(&mut self, step: SmtpStep, reply: Option<Reply>, info: Option<String>) {
        self.steps.push(StepRecord {
            step,
            outcome: StepOutcome::Ok { info },
            reply,
        });
    }

    fn fail(&mut self, step: SmtpStep, kind: FailureKind, reply: Option<Reply>) -> SessionFailure {
        self.steps.push(StepRecord {
            step,
            outcome: StepOutcome::Failed(kind.clone()),
            reply,
        });
        SessionFailure { step, kind }
    }

    fn skip(&mut self, step: SmtpStep, reason: SkipReason) {
        self.steps.push(StepRecord {
            step,
            outcome: StepOutcome::Skipped(reason),
            reply: None,
        });
    }

    /// Adds every step of the security mode that has no record yet as skipped.
    fn skip_remaining(&mut self, security: Security) {
        for step in steps_of(security) {
            if !self.steps.iter().any(|record| record.step == step) {
                self.skip(step, SkipReason::EarlierStepFailed);
            }
        }
    }

    fn reply_mark(&self) -> usize {
        self.transcript.lock().reply_count()
    }

    /// Returns the last complete reply received since `mark`.
    fn last_reply_since(&self, mark: usize) -> Option<Reply> {
        self.transcript
            .lock()
            .replies_since(mark)
            .iter()
            .rev()
            .find_map(|received| received.reply.clone())
    }

    /// Returns the first reply received since `mark`; `None` when it lacks a reply code.
    fn first_reply_since(&self, mark: usize) -> Option<Reply> {
        self.transcript
            .lock()
            .replies_since(mark)
            .first()
            .and_then(|received| received.reply.clone())
    }

    fn label_next_write(&self, label: &str) {
        self.transcript.lock().label_next_write(label);
    }

    fn note(&self, text: &str) {
        self.transcript.lock().note(text);
    }
}

/// Returns the steps a session with this security runs, in order.
fn steps_of(security: Security) -> Vec<SmtpStep> {
    use SmtpStep::*;
    match security {
        Security::ImplicitTls => vec![
            Resolve,
            Connect,
            TlsHandshake,
            Greeting,
            Ehlo,
            StartTls,
            Auth,
            MailFrom,
            RcptTo,
            Data,
        ],
        Security::StartTls => vec![
            Resolve,
            Connect,
            Greeting,
            Ehlo,
            StartTls,
            TlsHandshake,
            Auth,
            MailFrom,
            RcptTo,
            Data,
        ],
        Security::None => vec![
            Resolve,
            Connect,
            Greeting,
            Ehlo,
            TlsHandshake,
            StartTls,
            Auth,
            MailFrom,
            RcptTo,
            Data,
        ],
    }
}

fn secret_forms(login: Option<&SmtpLogin>) -> Vec<String> {
    use base64::Engine as _;
    let Some(login) = login else { return Vec::new() };
    let password = login.password.expose();
    // Very short passwords would turn ordinary words of the transcript into `***`.
    if password.chars().count() < 3 {
        return Vec::new();
    }
    let engine = base64::engine::general_purpose::STANDARD;
    let plain_payload = format!("\0{}\0{}", login.username, password);
    vec![
        password.to_owned(),
        engine.encode(password),
        engine.encode(plain_payload),
    ]
}

/// A failed [`SmtpSession::open`]: what failed, and the journal up to that point.
#[derive(Debug)]
pub struct OpenError {
    pub failure: SessionFailure,
    pub journal: Journal,
}

/// An open, authenticated SMTP session that can send one mail or several in a row.
///
/// The outbox can keep a session between mails; [`SmtpSession::is_broken`] says when it must
/// open a new one instead.
pub struct SmtpSession {
    connection: AsyncSmtpConnection,
    link: LinkHandle,
    /// The same socket without lettre, for pipelined transactions.
    direct: SessionStream,
    capabilities: Capabilities,
    /// How many journal steps opening the session recorded; later steps are the current mail's.
    opening_steps: usize,
    journal: Journal,
    timeouts: Timeouts,
    broken: bool,
}

impl std::fmt::Debug for SmtpSession {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SmtpSession")
            .field("capabilities", &self.capabilities)
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

impl SmtpSession {
    /// Connects and runs the steps up to AUTH: resolve, check the address, connect, TLS,
    /// greeting, EHLO, STARTTLS and AUTH, as the security setting asks.
    ///
    /// # Errors
    /// Any step fails or runs out of time; the error carries the journal with every step.
    pub async fn open(
        config: &MailerConfig,
        target: &ServerTarget,
        login: Option<&SmtpLogin>,
        deadline: Deadline,
    ) -> Result<SmtpSession, Box<OpenError>> {
        let mut opening = Opening {
            config,
            target,
            deadline,
            journal: Journal::new(login),
            hello: ClientId::Domain(config.helo_name.as_str().to_owned()),
            peer: None,
        };
        match opening.run(login).await {
            Ok(session) => Ok(session),
            Err(failure) => {
                let mut journal = opening.journal;
                journal.skip_remaining(target.security);
                Err(Box::new(OpenError { failure, journal }))
            }
        }
    }

    /// Sends one mail: MAIL FROM, RCPT TO for every recipient, DATA.
    ///
    /// When the server offers PIPELINING, MAIL FROM, the RCPT TOs and DATA leave in one write.
    /// Otherwise each command waits for its reply.
    ///
    /// Returns the server's reply after the message, such as `250 2.0.0 Ok: queued as 4F2A1`:
    /// the server accepted the mail, which is not the same as delivering it. The journal keeps
    /// the opening's steps and those of the latest mail.
    ///
    /// # Errors
    /// The server rejects a step or a step runs out of time. After a rejection the session
    /// sends RSET and stays usable; after a timeout or a lost connection it is broken.
    pub async fn send(&mut self, mail: &PreparedMail, deadline: Deadline) -> Result<Reply, SessionFailure> {
        self.journal.steps.truncate(self.opening_steps);
        self.journal.transcript.lock().forget_replies();
        let result = if self.capabilities.pipelining {
            self.run_pipelined(mail, deadline).await
        } else {
            self.run_transaction(mail, deadline).await
        };
        if let Err(failure) = &result {
            match failure.kind {
                _ if self.broken => {}
                FailureKind::Rejected(_) | FailureKind::Unsupported { .. } => self.reset(deadline).await,
                _ => self.broken = true,
            }
        }
        result
    }

    /// Returns whether the connection is lost or in an unknown state, so that it must not be
    /// used for another mail.
    pub fn is_broken(&self) -> bool {
        self.broken || self.connection.has_broken()
    }

    /// Returns whether the connection runs over TLS.
    pub fn is_encrypted(&self) -> bool {
        self.link.is_encrypted()
    }

    /// Returns the extensions of the server's last EHLO reply.
    pub fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// Sends QUIT, waiting at most five seconds for the reply, and returns the journal.
    pub async fn quit(mut self) -> Journal {
        if !self.is_broken() {
            self.journal.label_next_write("QUIT");
            let limit = self.timeouts.command.min(Duration::from_secs(5));
            // The mail is accepted at this point, so a server that does not reply to QUIT
            // changes nothing.
            let _ = tokio::time::timeout(limit, self.connection.quit()).await;
        }
        self.journal
    }

    async fn run_transaction(
        &mut self,
        mail: &PreparedMail,
        deadline: Deadline,
    ) -> Result<Reply, SessionFailure> {
        self.mail_from(mail, deadline).await?;
        self.rcpt_to(mail, deadline).await?;
        self.data(mail, deadline).await
    }

    /// Sends one mail with PIPELINING (RFC 2920): MAIL FROM, every RCPT TO and DATA in one
    /// write, then the content after DATA's 354 in a second one. This takes two round trips
    /// per mail instead of three plus one per recipient.
    async fn run_pipelined(
        &mut self,
        mail: &PreparedMail,
        deadline: Deadline,
    ) -> Result<Reply, SessionFailure> {
        let parameters = self.mail_parameters(mail)?;
        let recipients = mail.recipients.len();
        let mut commands = Mail::new(Some(mail.envelope_from.clone()), parameters).to_string();
        let mut labels = Vec::with_capacity(recipients + 2);
        labels.push(format!("MAIL FROM:<{}>", mail.envelope_from));
        for recipient in &mail.recipients {
            commands.push_str(&Rcpt::new(recipient.clone(), Vec::new()).to_string());
            labels.push(format!("RCPT TO:<{recipient}>"));
        }
        commands.push_str(&Data.to_string());
        labels.push("DATA".to_owned());

        let expected = recipients + 2;
        let mark = self.journal.reply_mark();
        self.journal.transcript.lock().label_next_write_all(labels);
        let exchange = self
            .exchange(
                commands.as_bytes(),
                mark + expected,
                self.timeouts.command,
                deadline,
            )
            .await;
        let received: Vec<Option<Reply>> = self
            .journal
            .transcript
            .lock()
            .replies_since(mark)
            .iter()
            .take(expected)
            .map(|received| received.reply.clone())
            .collect();
        let exchange_failure = exchange.err();

        // The first reply that is not positive decides, as it would have without PIPELINING.
        for (index, reply) in received.iter().enumerate() {
            let step = pipelined_step(index, recipients);
            let kind = match reply {
                Some(reply) if reply.is_positive() => continue,
                Some(reply) => FailureKind::Rejected(reply.clone()),
                None => FailureKind::ProtocolViolation {
                    detail: "the server's reply does not start with a reply code".to_owned(),
                },
            };
            let data_started = received.len() == expected
                && received
                    .last()
                    .and_then(Option::as_ref)
                    .is_some_and(Reply::is_positive);
            if exchange_failure.is_some() || data_started || reply.is_none() {
                // After a 354 the server waits for content that must not go out: closing the
                // connection ends the transaction without delivering anything.
                if data_started {
                    self.journal.note(
                        "closing the connection instead of sending the message of a rejected transaction",
                    );
                }
                self.broken = true;
            }
            self.record_pipelined_steps(&received[..index], &mail.recipients);
            return Err(self.journal.fail(step, kind, reply.clone()));
        }
        if let Some(kind) = exchange_failure {
            self.broken = true;
            self.record_pipelined_steps(&received, &mail.recipients);
            // The failed step got no reply. The last reply received belongs to the step before.
            let step = pipelined_step(received.len(), recipients);
            return Err(self.journal.fail(step, kind, None));
        }
        self.record_pipelined_steps(&received[..expected - 1], &mail.recipients);

        let framed = frame_content(&mail.data);
        let mark = self.journal.reply_mark();
        self.journal
            .label_next_write(&format!("<message, {} bytes>", mail.data.len()));
        let outcome = self
            .exchange(&framed, mark + 1, self.timeouts.data, deadline)
            .await;
        // Only the first reply is the message's. A server may send more in the same read, such
        // as a 421 that ends the session after it accepted the mail.
        let reply = self.journal.first_reply_since(mark);
        let kind = match (outcome, reply) {
            (Ok(()), Some(reply)) if reply.is_positive() => {
                self.journal.ok(SmtpStep::Data, Some(reply.clone()), None);
                return Ok(reply);
            }
            (Ok(()), Some(reply)) => FailureKind::Rejected(reply),
            (Ok(()), None) => FailureKind::ProtocolViolation {
                detail: "the server's reply does not start with a reply code".to_owned(),
            },
            (Err(kind), _) => kind,
        };
        let reply = self.journal.first_reply_since(mark);
        Err(self.journal.fail(SmtpStep::Data, kind, reply))
    }

    /// Records MAIL FROM and RCPT TO as done for the positive replies of a pipelined group,
    /// with each recipient's reply as the stepwise path records them.
    fn record_pipelined_steps(&mut self, positive: &[Option<Reply>], recipients: &[Address]) {
        let Some((mail_reply, recipient_replies)) = positive.split_first() else {
            return;
        };
        self.journal.ok(SmtpStep::MailFrom, mail_reply.clone(), None);
        let recipient_replies = &recipient_replies[..recipient_replies.len().min(recipients.len())];
        if recipient_replies.len() == recipients.len() && !recipients.is_empty() {
            let accepted: Vec<String> = recipients
                .iter()
                .zip(recipient_replies)
                .filter_map(|(recipient, reply)| Some(format!("{recipient}: {}", reply.as_ref()?)))
                .collect();
            let last = recipient_replies.last().cloned().flatten();
            self.journal.ok(SmtpStep::RcptTo, last, Some(accepted.join("; ")));
        }
    }

    /// Writes `bytes` and reads until the transcript counts `until` replies. As without
    /// PIPELINING, each reply may take `phase` from the write or from the reply before it,
    /// cut to what is left of the deadline.
    async fn exchange(
        &mut self,
        bytes: &[u8],
        until: usize,
        phase: Duration,
        deadline: Deadline,
    ) -> Result<(), FailureKind> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut limit = deadline.limit(phase);
        let mut ends_at = Instant::now() + limit.duration;
        let write = async {
            self.direct.write_all(bytes).await?;
            self.direct.flush().await
        };
        match tokio::time::timeout_at(ends_at.into(), write).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return Err(io_failure(&error)),
            Err(_) => return Err(limit.timed_out()),
        }

        let mut buffer = [0u8; 1024];
        let mut counted = self.journal.reply_mark();
        while counted < until {
            match tokio::time::timeout_at(ends_at.into(), self.direct.read(&mut buffer)).await {
                Ok(Ok(0)) => return Err(FailureKind::ConnectionClosed),
                Ok(Ok(_)) => {}
                Ok(Err(error)) => return Err(io_failure(&error)),
                Err(_) => return Err(limit.timed_out()),
            }
            let now_counted = self.journal.reply_mark();
            if now_counted > counted {
                counted = now_counted;
                limit = deadline.limit(phase);
                ends_at = Instant::now() + limit.duration;
            }
        }
        Ok(())
    }

    /// Returns the MAIL FROM parameters this mail needs on this server.
    fn mail_parameters(&mut self, mail: &PreparedMail) -> Result<Vec<MailParameter>, SessionFailure> {
        let mut parameters = Vec::new();
        if mail.needs_smtputf8() {
            if !self.capabilities.smtputf8 {
                return Err(self.journal.fail(
                    SmtpStep::MailFrom,
                    FailureKind::Unsupported {
                        extension: "SMTPUTF8",
                    },
                    None,
                ));
            }
            parameters.push(MailParameter::SmtpUtfEight);
            if self.capabilities.eight_bit_mime {
                parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
            }
        }
        if self.capabilities.size_limit.is_some() {
            parameters.push(MailParameter::Size(mail.data.len()));
        }
        Ok(parameters)
    }

    async fn mail_from(&mut self, mail: &PreparedMail, deadline: Deadline) -> Result<(), SessionFailure> {
        let step = SmtpStep::MailFrom;
        let parameters = self.mail_parameters(mail)?;
        let label = format!("MAIL FROM:<{}>", mail.envelope_from);
        let command = Mail::new(Some(mail.envelope_from.clone()), parameters);
        let reply = self
            .command(step, &label, command, self.timeouts.command, deadline)
            .await?;
        self.journal.ok(step, reply, None);
        Ok(())
    }

    async fn rcpt_to(&mut self, mail: &PreparedMail, deadline: Deadline) -> Result<(), SessionFailure> {
        let step = SmtpStep::RcptTo;
        let mut accepted = Vec::new();
        let mut last_reply = None;
        for recipient in &mail.recipients {
            let label = format!("RCPT TO:<{recipient}>");
            let command = Rcpt::new(recipient.clone(), Vec::new());
            let reply = self
                .command(step, &label, command, self.timeouts.command, deadline)
                .await?;
            if let Some(reply) = &reply {
                accepted.push(format!("{recipient}: {reply}"));
            }
            last_reply = reply;
        }
        self.journal.ok(step, last_reply, Some(accepted.join("; ")));
        Ok(())
    }

    async fn data(&mut self, mail: &PreparedMail, deadline: Deadline) -> Result<Reply, SessionFailure> {
        let step = SmtpStep::Data;
        self.command(step, "DATA", Data, self.timeouts.command, deadline)
            .await?;

        let label = format!("<message, {} bytes>", mail.data.len());
        let limit = deadline.limit(self.timeouts.data);
        let mark = self.journal.reply_mark();
        self.journal.label_next_write(&label);
        self.link.hold_message();
        let outcome = tokio::time::timeout(limit.duration, self.connection.message(&mail.data)).await;
        self.link.release_message();
        let reply = self.journal.first_reply_since(mark);
        match outcome {
            Ok(Ok(response)) => {
                let reply = reply.unwrap_or_else(|| reply_from_response(&response));
                self.journal.ok(step, Some(reply.clone()), None);
                Ok(reply)
            }
            Ok(Err(error)) => {
                Err(self
                    .journal
                    .fail(step, failure_from_lettre(&error, reply.as_ref()), reply))
            }
            Err(_) => Err(self.journal.fail(step, limit.timed_out(), reply)),
        }
    }

    /// Sends RSET after a rejected transaction, so the next mail starts clean.
    async fn reset(&mut self, deadline: Deadline) {
        let limit = deadline.limit(self.timeouts.command);
        self.journal.label_next_write("RSET");
        let reset = tokio::time::timeout(limit.duration, self.connection.command(Rset)).await;
        if !matches!(reset, Ok(Ok(_))) {
            self.broken = true;
        }
    }

    /// Sends one command and waits for its reply; a failure is recorded for `step`.
    async fn command<C: std::fmt::Display>(
        &mut self,
        step: SmtpStep,
        label: &str,
        command: C,
        phase: Duration,
        deadline: Deadline,
    ) -> Result<Option<Reply>, SessionFailure> {
        run_command(
            &mut self.connection,
            &mut self.journal,
            step,
            label,
            command,
            deadline.limit(phase),
        )
        .await
    }
}

async fn run_command<C: std::fmt::Display>(
    connection: &mut AsyncSmtpConnection,
    journal: &mut Journal,
    step: SmtpStep,
    label: &str,
    command: C,
    limit: PhaseLimit,
) -> Result<Option<Reply>, SessionFailure> {
    let mark = journal.reply_mark();
    journal.label_next_write(label);
    let outcome = tokio::time::timeout(limit.duration, connection.command(command)).await;
    let reply = journal.last_reply_since(mark);
    match outcome {
        Ok(Ok(response)) => Ok(Some(reply.unwrap_or_else(|| reply_from_response(&response)))),
        Ok(Err(error)) => Err(journal.fail(step, failure_from_lettre(&error, reply.as_ref()), reply)),
        Err(_) => Err(journal.fail(step, limit.timed_out(), reply)),
    }
}

/// The state of [`SmtpSession::open`] while it runs.
struct Opening<'a> {
    config: &'a MailerConfig,
    target: &'a ServerTarget,
    deadline: Deadline,
    journal: Journal,
    hello: ClientId,
    /// The address the session connected to, for the TLS probe after a missing greeting.
    peer: Option<SocketAddr>,
}

impl Opening<'_> {
    async fn run(&mut self, login: Option<&SmtpLogin>) -> Result<SmtpSession, SessionFailure> {
        let addresses = self.resolve().await?;
        let (tcp, peer) = self.connect(&addresses).await?;
        let (stream, link) = self.wrap_stream(tcp, peer).await?;
        let direct = SessionStream::over(link.clone(), peer, self.journal.transcript.clone());
        let (mut connection, mut capabilities) = self.greet(stream).await?;

        if self.target.security == Security::StartTls {
            capabilities = self.start_tls(&mut connection, &link, &capabilities).await?;
        } else {
            self.journal
                .skip(SmtpStep::StartTls, SkipReason::NotUsedBySecurity);
        }
        if self.target.security == Security::None {
            self.journal
                .skip(SmtpStep::TlsHandshake, SkipReason::NotUsedBySecurity);
        }
        match login {
            Some(login) => self.authenticate(&mut connection, &capabilities, login).await?,
            None => self.journal.skip(SmtpStep::Auth, SkipReason::NoLogin),
        }

        Ok(SmtpSession {
            connection,
            link,
            direct,
            capabilities,
            opening_steps: self.journal.steps.len(),
            journal: self.journal.clone(),
            timeouts: self.config.timeouts,
            broken: false,
        })
    }

    async fn resolve(&mut self) -> Result<Vec<SocketAddr>, SessionFailure> {
        let step = SmtpStep::Resolve;
        let host = self.target.host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(address) = host.parse::<IpAddr>() {
            self.journal.ok(step, None, Some(address.to_string()));
            return Ok(vec![SocketAddr::new(address, self.target.port)]);
        }

        let limit = self.deadline.limit(self.config.timeouts.resolve);
        let lookup =
            tokio::time::timeout(limit.duration, tokio::net::lookup_host((host, self.target.port))).await;
        let addresses: Vec<SocketAddr> = match lookup {
            Ok(Ok(addresses)) => addresses.collect(),
            Ok(Err(error)) => {
                return Err(self.journal.fail(
                    step,
                    FailureKind::HostNotFound {
                        detail: error.to_string(),
                    },
                    None,
                ));
            }
            Err(_) => return Err(self.journal.fail(step, limit.timed_out(), None)),
        };
        if addresses.is_empty() {
            let detail = "no address records".to_owned();
            return Err(self
                .journal
                .fail(step, FailureKind::HostNotFound { detail }, None));
        }

        let shown: Vec<String> = addresses.iter().map(|address| address.ip().to_string()).collect();
        self.journal.ok(step, None, Some(shown.join(", ")));
        Ok(addresses)
    }

    /// Connects to the first allowed address that accepts. The connection goes to the address
    /// that was checked; nothing resolves the name again.
    async fn connect(&mut self, addresses: &[SocketAddr]) -> Result<(TcpStream, SocketAddr), SessionFailure> {
        let step = SmtpStep::Connect;
        let allowed: Vec<SocketAddr> = addresses
            .iter()
            .copied()
            .filter(|address| self.config.allow.permits(address.ip()))
            .collect();
        let Some(first) = addresses.first() else {
            return Err(self.journal.fail(
                step,
                FailureKind::Internal {
                    detail: "no address".to_owned(),
                },
                None,
            ));
        };
        if allowed.is_empty() {
            let kind = FailureKind::AddressBlocked {
                address: first.ip(),
                class: classify(first.ip()),
            };
            return Err(self.journal.fail(step, kind, None));
        }

        let limit = self.deadline.limit(self.config.timeouts.connect);
        let phase_end = Instant::now() + limit.duration;
        let mut last_failure = limit.timed_out();
        for address in allowed {
            let left = phase_end.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, TcpStream::connect(address)).await {
                Ok(Ok(tcp)) => {
                    // Each command is a small write that waits for its reply. With Nagle's
                    // algorithm on, the end of a message can wait for the server's delayed ACK
                    // (40 ms on Linux), which caps a reused connection at about 25 mails a second.
                    if let Err(error) = tcp.set_nodelay(true) {
                        tracing::debug!(%error, "cannot switch off Nagle's algorithm; sending may be slower");
                    }
                    self.peer = Some(address);
                    self.journal.ok(step, None, Some(address.to_string()));
                    return Ok((tcp, address));
                }
                Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
                    last_failure = FailureKind::ConnectionRefused;
                }
                Ok(Err(error)) => {
                    last_failure = FailureKind::Unreachable {
                        detail: error.to_string(),
                    }
                }
                Err(_) => last_failure = limit.timed_out(),
            }
        }
        Err(self.journal.fail(step, last_failure, None))
    }

    /// Returns the stream lettre will use: TLS from the start for implicit TLS, plain otherwise.
    async fn wrap_stream(
        &mut self,
        tcp: TcpStream,
        peer: SocketAddr,
    ) -> Result<(SessionStream, LinkHandle), SessionFailure> {
        let transcript = self.journal.transcript.clone();
        if self.target.security != Security::ImplicitTls {
            return Ok(SessionStream::plain(tcp, peer, transcript));
        }
        let tls = self.handshake(tcp).await?;
        Ok(SessionStream::tls(tls, peer, transcript))
    }

    /// Runs the TLS handshake, verifying the certificate against the host the seller entered.
    async fn handshake(
        &mut self,
        tcp: TcpStream,
    ) -> Result<tokio_rustls::client::TlsStream<TappedTcp>, SessionFailure> {
        let step = SmtpStep::TlsHandshake;
        let host = self.target.host.trim_start_matches('[').trim_end_matches(']');
        let server_name = match ServerName::try_from(host.to_owned()) {
            Ok(name) => name,
            Err(error) => {
                let kind = FailureKind::Internal {
                    detail: format!("invalid TLS server name: {error}"),
                };
                return Err(self.journal.fail(step, kind, None));
            }
        };

        let limit = self.deadline.limit(self.config.timeouts.tls_handshake);
        let connecting = self
            .config
            .trust
            .connector()
            .connect(server_name, TappedTcp::new(tcp))
            .into_fallible();
        match tokio::time::timeout(limit.duration, connecting).await {
            Ok(Ok(tls)) => {
                let version = tls
                    .get_ref()
                    .1
                    .protocol_version()
                    .map(|version| format!("{version:?}"));
                self.journal.note(&format!(
                    "TLS established with {}",
                    version.as_deref().unwrap_or("TLS")
                ));
                self.journal.ok(step, None, version);
                Ok(tls)
            }
            Ok(Err((error, tapped))) => {
                let kind = handshake_failure(&error, tapped.captured());
                if let FailureKind::NotTls { received } = &kind {
                    self.journal
                        .note(&format!("expected TLS, received plain text: {received}"));
                }
                Err(self.journal.fail(step, kind, None))
            }
            Err(_) => Err(self.journal.fail(step, limit.timed_out(), None)),
        }
    }

    /// Waits for the greeting and sends EHLO. lettre does both in one call, so the greeting's
    /// arrival in the transcript switches the time limit from the greeting's to the command's.
    async fn greet(
        &mut self,
        stream: SessionStream,
    ) -> Result<(AsyncSmtpConnection, Capabilities), SessionFailure> {
        let mark = self.journal.reply_mark();
        let greeting_limit = self.deadline.limit(self.config.timeouts.greeting);
        let mut ehlo_limit: Option<PhaseLimit> = None;
        let mut wake_at = Instant::now() + greeting_limit.duration;
        self.journal
            .label_next_write(&format!("EHLO {}", self.config.helo_name.as_str()));

        let hello = self.hello.clone();
        let connecting = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello);
        tokio::pin!(connecting);
        let outcome = loop {
            tokio::select! {
                outcome = &mut connecting => break Ok(outcome),
                () = tokio::time::sleep_until(wake_at.into()) => {
                    let greeting_at = self.journal.transcript.lock().replies_since(mark).first().map(|reply| reply.received_at);
                    match (ehlo_limit, greeting_at) {
                        (None, Some(greeted_at)) => {
                            let limit = self.deadline.limit_from(greeted_at, self.config.timeouts.command);
                            ehlo_limit = Some(limit);
                            wake_at = greeted_at + limit.duration;
                        }
                        (None, None) => break Err((SmtpStep::Greeting, greeting_limit.timed_out())),
                        (Some(limit), _) => break Err((SmtpStep::Ehlo, limit.timed_out())),
                    }
                }
            }
        };

        let replies: Vec<Option<Reply>> = self
            .journal
            .transcript
            .lock()
            .replies_since(mark)
            .iter()
            .map(|received| received.reply.clone())
            .collect();
        let greeting = replies.first().cloned().flatten();
        match outcome {
            Ok(Ok(connection)) => {
                let ehlo = replies.last().cloned().flatten();
                self.journal.ok(SmtpStep::Greeting, greeting, None);
                let capabilities = ehlo.as_ref().map(Capabilities::from_ehlo).unwrap_or_default();
                self.journal.ok(SmtpStep::Ehlo, ehlo, None);
                Ok((connection, capabilities))
            }
            Ok(Err(error)) => {
                let ehlo = if replies.len() > 1 {
                    replies.last().cloned().flatten()
                } else {
                    None
                };
                Err(self.attribute_greeting_failure(&error, greeting, ehlo))
            }
            Err((step, kind)) => {
                if step == SmtpStep::Ehlo {
                    self.journal.ok(SmtpStep::Greeting, greeting, None);
                }
                let kind = if step == SmtpStep::Greeting && self.probe_speaks_tls().await {
                    FailureKind::TlsExpected
                } else {
                    kind
                };
                Err(self.journal.fail(step, kind, None))
            }
        }
    }

    /// Opens a second connection to the same address and starts a TLS handshake, to learn
    /// whether a silent server waits for TLS. Any TLS answer counts, even a rejected certificate.
    async fn probe_speaks_tls(&mut self) -> bool {
        let Some(peer) = self
            .peer
            .filter(|_| self.target.security != Security::ImplicitTls)
        else {
            return false;
        };
        let host = self
            .target
            .host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let Ok(server_name) = ServerName::try_from(host) else {
            return false;
        };
        let limit = self
            .deadline
            .limit(self.config.timeouts.tls_handshake.min(Duration::from_secs(5)));
        let connector = self.config.trust.connector();
        let probe = async {
            let tcp = TcpStream::connect(peer).await.ok()?;
            let result = connector.connect(server_name, TappedTcp::new(tcp)).await;
            Some(match result {
                Ok(_) => true,
                Err(error) => matches!(
                    classify_handshake_error(&error),
                    HandshakeFailure::Certificate(..)
                ),
            })
        };
        let speaks_tls = matches!(tokio::time::timeout(limit.duration, probe).await, Ok(Some(true)));
        if speaks_tls {
            self.journal
                .note("a second connection to the same port completed a TLS handshake");
        }
        speaks_tls
    }

    /// Decides whether the greeting or the EHLO failed: before the client wrote anything, and
    /// with a negative or no greeting, it was the greeting.
    fn attribute_greeting_failure(
        &mut self,
        error: &lettre::transport::smtp::Error,
        greeting: Option<Reply>,
        ehlo: Option<Reply>,
    ) -> SessionFailure {
        let client_wrote = self.journal.transcript.lock().writes() > 0;
        let greeting_failed = !client_wrote || greeting.as_ref().is_none_or(|reply| !reply.is_positive());
        if greeting_failed {
            let kind = failure_from_lettre(error, greeting.as_ref());
            return self.journal.fail(SmtpStep::Greeting, kind, greeting);
        }
        self.journal.ok(SmtpStep::Greeting, greeting, None);
        let kind = failure_from_lettre(error, ehlo.as_ref());
        self.journal.fail(SmtpStep::Ehlo, kind, ehlo)
    }

    /// Requires STARTTLS, upgrades the socket, and sends EHLO again over TLS.
    async fn start_tls(
        &mut self,
        connection: &mut AsyncSmtpConnection,
        link: &LinkHandle,
        capabilities: &Capabilities,
    ) -> Result<Capabilities, SessionFailure> {
        let step = SmtpStep::StartTls;
        if !capabilities.starttls {
            self.journal
                .note("STARTTLS not offered; the session ends before AUTH");
            return Err(self.journal.fail(step, FailureKind::StartTlsNotOffered, None));
        }
        let limit = self.deadline.limit(self.config.timeouts.command);
        let reply = run_command(connection, &mut self.journal, step, "STARTTLS", Starttls, limit).await?;
        if self.journal.transcript.lock().has_partial_reply() {
            // Bytes after the STARTTLS reply were sent in clear text but would be read as if
            // they came over TLS (a response injection), so the session stops here.
            let detail = "the server sent data after its STARTTLS reply".to_owned();
            return Err(self
                .journal
                .fail(step, FailureKind::ProtocolViolation { detail }, reply));
        }
        self.journal.ok(step, reply, None);

        let Some(tcp) = link.detach_plain() else {
            let kind = FailureKind::Internal {
                detail: "the socket was not plain before STARTTLS".to_owned(),
            };
            return Err(self.journal.fail(SmtpStep::TlsHandshake, kind, None));
        };
        let tls = self.handshake(tcp).await?;
        link.attach_tls(tls);

        let ehlo_label = format!("EHLO {}", self.config.helo_name.as_str());
        let limit = self.deadline.limit(self.config.timeouts.command);
        let ehlo = Ehlo::new(self.hello.clone());
        let reply = run_command(
            connection,
            &mut self.journal,
            SmtpStep::Ehlo,
            &ehlo_label,
            ehlo,
            limit,
        )
        .await?;
        let capabilities = reply.as_ref().map(Capabilities::from_ehlo).unwrap_or_default();
        self.journal.ok(SmtpStep::Ehlo, reply, None);
        Ok(capabilities)
    }

    /// Logs in with PLAIN, or LOGIN where the server lacks PLAIN.
    async fn authenticate(
        &mut self,
        connection: &mut AsyncSmtpConnection,
        capabilities: &Capabilities,
        login: &SmtpLogin,
    ) -> Result<(), SessionFailure> {
        let step = SmtpStep::Auth;
        if !capabilities.offers_auth() {
            return Err(self.journal.fail(step, FailureKind::AuthNotOffered, None));
        }
        let offered = |name: &str| {
            capabilities
                .auth_mechanisms
                .iter()
                .any(|mechanism| mechanism == name)
        };
        let mechanism = if offered("PLAIN") {
            Mechanism::Plain
        } else if offered("LOGIN") {
            Mechanism::Login
        } else {
            let kind = FailureKind::NoCommonAuthMechanism {
                offered: capabilities.auth_mechanisms.clone(),
            };
            return Err(self.journal.fail(step, kind, None));
        };

        let credentials = Credentials::new(login.username.clone(), login.password.expose().to_owned());
        let command = Auth::new(mechanism, credentials.clone(), None).map_err(|error| {
            self.journal.fail(
                step,
                FailureKind::Internal {
                    detail: error.to_string(),
                },
                None,
            )
        })?;
        let label = match mechanism {
            Mechanism::Login => "AUTH LOGIN".to_owned(),
            _ => format!("AUTH {mechanism} ***"),
        };
        let limit = self.deadline.limit(self.config.timeouts.command);
        let mut reply = run_command(connection, &mut self.journal, step, &label, command, limit).await?;

        // LOGIN requests the user name and the password in two 334 challenges.
        for _ in 0..2 {
            let Some(challenge) = reply.clone().filter(|reply| reply.code == 334) else {
                break;
            };
            let response = Response::new(lettre_code(334), challenge.lines.clone());
            let command =
                Auth::new_from_response(mechanism, credentials.clone(), &response).map_err(|error| {
                    self.journal.fail(
                        step,
                        FailureKind::ProtocolViolation {
                            detail: error.to_string(),
                        },
                        None,
                    )
                })?;
            let limit = self.deadline.limit(self.config.timeouts.command);
            reply = run_command(connection, &mut self.journal, step, "***", command, limit).await?;
        }
        if reply.as_ref().is_some_and(|reply| reply.code == 334) {
            let detail = "the server kept sending AUTH challenges".to_owned();
            return Err(self
                .journal
                .fail(step, FailureKind::ProtocolViolation { detail }, reply));
        }
        self.journal.ok(step, reply, Some(mechanism.to_string()));
        Ok(())
    }
}

/// Builds a lettre reply code from its three digits.
fn lettre_code(code: u16) -> lettre::transport::smtp::response::Code {
    use lettre::transport::smtp::response::{Category, Code, Detail, Severity};
    let severity = match code / 100 {
        2 => Severity::PositiveCompletion,
        3 => Severity::PositiveIntermediate,
        4 => Severity::TransientNegativeCompletion,
        _ => Severity::PermanentNegativeCompletion,
    };
    let category = match (code / 10) % 10 {
        0 => Category::Syntax,
        1 => Category::Information,
        2 => Category::Connections,
        3 => Category::Unspecified3,
        4 => Category::Unspecified4,
        _ => Category::MailSystem,
    };
    let detail = match code % 10 {
        0 => Detail::Zero,
        1 => Detail::One,
        2 => Detail::Two,
        3 => Detail::Three,
        4 => Detail::Four,
        5 => Detail::Five,
        6 => Detail::Six,
        7 => Detail::Seven,
        8 => Detail::Eight,
        _ => Detail::Nine,
    };
    Code::new(severity, category, detail)
}

fn reply_from_response(response: &Response) -> Reply {
    Reply {
        code: u16::from(response.code()),
        lines: response.message().map(str::to_owned).collect(),
    }
}

/// Sorts a TLS handshake error; the bytes the server sent tell a plain SMTP greeting apart.
fn handshake_failure(error: &std::io::Error, captured: &[u8]) -> FailureKind {
    let received = String::from_utf8_lossy(captured);
    let first_line = received.lines().next().unwrap_or_default().to_owned();
    let looks_like_smtp = crate::reply::parse_code(&first_line).is_some();
    match classify_handshake_error(error) {
        _ if looks_like_smtp => FailureKind::NotTls { received: first_line },
        HandshakeFailure::NotTls(detail) => FailureKind::NotTls { received: detail },
        HandshakeFailure::Certificate(problem, detail) => FailureKind::Certificate { problem, detail },
        HandshakeFailure::Other(_) if is_connection_closed(error) => FailureKind::ConnectionClosed,
        HandshakeFailure::Other(detail) => FailureKind::TlsFailed { detail },
    }
}

/// Returns the step of the reply at `index` in a pipelined group: MAIL FROM, the recipients'
/// RCPT TOs, then DATA.
fn pipelined_step(index: usize, recipients: usize) -> SmtpStep {
    match index {
        0 => SmtpStep::MailFrom,
        index if index <= recipients => SmtpStep::RcptTo,
        _ => SmtpStep::Data,
    }
}

/// Sorts a failed read or write on the session's socket.
fn io_failure(error: &std::io::Error) -> FailureKind {
    if is_connection_closed(error) {
        FailureKind::ConnectionClosed
    } else {
        FailureKind::Unreachable {
            detail: error.to_string(),
        }
    }
}

/// Returns the message as it goes after DATA's 354: a `.` that starts a line gets a second one
/// (RFC 5321, section 4.5.2), and the end-of-data line follows. These are the bytes lettre's
/// `message` writes, which the session uses without PIPELINING, so both paths send the same.
fn frame_content(data: &[u8]) -> Vec<u8> {
    let mut framed = Vec::with_capacity(data.len() + 16);
    let mut copied = 0;
    for (index, &byte) in data.iter().enumerate() {
        if byte == b'.' && (index == 0 || data[..index].ends_with(b"\r\n")) {
            framed.extend_from_slice(&data[copied..=index]);
            framed.push(b'.');
            copied = index + 1;
        }
    }
    framed.extend_from_slice(&data[copied..]);
    framed.extend_from_slice(b"\r\n.\r\n");
    framed
}

fn is_connection_closed(error: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        error.kind(),
        ErrorKind::UnexpectedEof
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
    )
}

/// Sorts a lettre error; `reply` is the reply the transcript caught for the same command.
fn failure_from_lettre(error: &lettre::transport::smtp::Error, reply: Option<&Reply>) -> FailureKind {
    if let Some(code) = error.status() {
        let reply = reply.cloned().unwrap_or_else(|| Reply {
            code: u16::from(code),
            lines: std::error::Error::source(error)
                .map(|source| source.to_string())
                .into_iter()
                .collect(),
        });
        return FailureKind::Rejected(reply);
    }
    if let Some(io_error) = find_io_error(error) {
        if is_connection_closed(io_error) {
            return FailureKind::ConnectionClosed;
        }
        return FailureKind::Unreachable {
            detail: io_error.to_string(),
        };
    }
    let detail = std::error::Error::source(error)
        .map(|source| source.to_string())
        .unwrap_or_else(|| error.to_string());
    if error.is_response() && detail.contains("incomplete response") {
        return FailureKind::ConnectionClosed;
    }
    if error.is_response() {
        return FailureKind::ProtocolViolation { detail };
    }
    FailureKind::Internal {
        detail: error.to_string(),
    }
}

fn find_io_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut current = Some(error);
    while let Some(candidate) = current {
        if let Some(io_error) = candidate.downcast_ref::<std::io::Error>() {
            return Some(io_error);
        }
        current = candidate.source();
    }
    None
}

/// The result of one delivery attempt: the server's final reply or the failure, and the
/// journal of every step.
#[derive(Debug, Clone)]
pub struct DeliveryReport {
    pub outcome: Result<Reply, SessionFailure>,
    pub steps: Vec<StepRecord>,
    pub transcript: Vec<String>,
}

/// Opens a session, sends one mail and quits, all within the configured total time limit.
///
/// This is the test mail's path and the simplest path for a single real mail.
pub async fn deliver(
    config: &MailerConfig,
    target: &ServerTarget,
    login: Option<&SmtpLogin>,
    mail: &PreparedMail,
) -> DeliveryReport {
    let deadline = Deadline::after(config.timeouts.total);
    let mut session = match SmtpSession::open(config, target, login, deadline).await {
        Ok(session) => session,
        Err(error) => return report(Err(error.failure), &error.journal),
    };
    let outcome = session.send(mail, deadline).await;
    let mut journal = session.quit().await;
    journal.skip_remaining(target.security);
    report(outcome, &journal)
}

fn report(outcome: Result<Reply, SessionFailure>, journal: &Journal) -> DeliveryReport {
    DeliveryReport {
        outcome,
        steps: journal.steps().to_vec(),
        transcript: journal.transcript(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_starting_a_line_is_doubled() {
        assert_eq!(
            frame_content(b".a\r\n.b\r\nc.d\r\n.."),
            b"..a\r\n..b\r\nc.d\r\n...\r\n.\r\n"
        );
    }

    #[test]
    fn dot_after_a_bare_line_feed_stays_single() {
        // lettre's codec starts a new line only at CR LF; both paths must send the same bytes.
        assert_eq!(frame_content(b"a\n.b"), b"a\n.b\r\n.\r\n");
        assert_eq!(frame_content(b"a\r\r\n.b"), b"a\r\r\n..b\r\n.\r\n");
    }

    #[test]
    fn end_of_data_follows_the_content() {
        assert_eq!(frame_content(b""), b"\r\n.\r\n");
        assert_eq!(
            frame_content(b"Subject: x\r\n\r\nText"),
            b"Subject: x\r\n\r\nText\r\n.\r\n"
        );
    }

    #[test]
    fn replies_of_a_group_map_to_steps() {
        assert_eq!(pipelined_step(0, 2), SmtpStep::MailFrom);
        assert_eq!(pipelined_step(1, 2), SmtpStep::RcptTo);
        assert_eq!(pipelined_step(2, 2), SmtpStep::RcptTo);
        assert_eq!(pipelined_step(3, 2), SmtpStep::Data);
    }
}
