//! Turns the outcome of a session into a verdict that tells the seller what to change.
//!
//! The mapping goes by step, reply code and enhanced status code (RFC 3463). Provider-specific
//! codes come from the providers' documentation: Google answers 534 5.7.9 when an app password
//! is required and 535 5.7.8 for rejected credentials; Microsoft 365 answers 535 5.7.139 when
//! SMTP AUTH is disabled for the mailbox or tenant and 535 5.7.3 for rejected credentials.

use std::time::Duration;

use shared::api::SmtpStep;
use shared::{Language, Security};

use crate::guard::AddressClass;
use crate::reply::Reply;
use crate::session::{FailureKind, ServerTarget, SessionFailure, SkipReason, StepOutcome, StepRecord};
use crate::tls::CertificateProblem;

/// The settings that verdict messages name.
#[derive(Debug, Clone, Copy)]
pub struct DiagnosisContext<'a> {
    pub target: &'a ServerTarget,
    /// The envelope sender, such as `info@shop.example`.
    pub sender: &'a str,
    /// The SMTP login, where one is configured.
    pub login: Option<&'a str>,
    /// Whether the password has only ASCII characters; some servers reject others.
    pub password_is_ascii: bool,
}

/// The verdict of an attempt: accepted, or the cause of the failure with what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// The server accepted the mail; `reply` is its reply after DATA.
    Accepted {
        reply: String,
    },
    HostNotFound {
        host: String,
    },
    AddressBlocked {
        host: String,
        class: AddressClass,
    },
    ConnectionRefused {
        host: String,
        port: u16,
    },
    ConnectTimedOut {
        host: String,
        port: u16,
        seconds: u64,
    },
    Unreachable {
        host: String,
        port: u16,
    },
    /// STARTTLS or no encryption chosen, but the port expects TLS from the first byte.
    PlainToTlsPort {
        port: u16,
    },
    /// Implicit TLS chosen, but the port speaks plain SMTP first (STARTTLS or none).
    TlsToPlainPort {
        port: u16,
    },
    NoGreeting {
        seconds: u64,
    },
    CertificateUntrusted {
        host: String,
    },
    CertificateExpired {
        host: String,
    },
    CertificateWrongName {
        host: String,
        host_is_ip: bool,
    },
    CertificateFormat {
        host: String,
    },
    TlsFailed,
    StartTlsNotOffered,
    AuthNotOffered {
        encrypted: bool,
    },
    AuthMechanismUnsupported {
        offered: String,
    },
    AppPasswordRequired,
    GmailCredentialsRejected,
    Microsoft365SmtpAuthDisabled,
    AuthRejected {
        code: String,
        password_is_ascii: bool,
    },
    /// The server requires a login for sending (530, RFC 4954 section 6), and none was given.
    AuthRequired,
    SenderNotOwned {
        sender: String,
        login: Option<String>,
    },
    SenderRejected {
        sender: String,
    },
    RelayDenied,
    RecipientRejected {
        reply: String,
    },
    MessageTooLarge,
    LimitReached {
        reply: String,
    },
    ServiceClosing {
        reply: String,
    },
    HeloRejected,
    SmtpUtf8Required,
    StepTimedOut {
        step: SmtpStep,
        seconds: u64,
    },
    DeadlineExceeded {
        step: SmtpStep,
        seconds: u64,
    },
    ConnectionClosed {
        step: SmtpStep,
    },
    ProtocolError {
        step: SmtpStep,
    },
    Rejected {
        step: SmtpStep,
        reply: String,
    },
    Internal,
}

/// Finds the verdict for a session's outcome.
pub fn diagnose(outcome: &Result<Reply, SessionFailure>, context: &DiagnosisContext<'_>) -> Verdict {
    match outcome {
        Ok(reply) => Verdict::Accepted {
            reply: reply.to_string(),
        },
        Err(failure) => diagnose_failure(failure, context),
    }
}

fn diagnose_failure(failure: &SessionFailure, context: &DiagnosisContext<'_>) -> Verdict {
    let target = context.target;
    let host = target.host.clone();
    let port = target.port;
    let plain_start = target.security != Security::ImplicitTls;
    let step = failure.step;
    match &failure.kind {
        FailureKind::HostNotFound { .. } => Verdict::HostNotFound { host },
        FailureKind::AddressBlocked { class, .. } => Verdict::AddressBlocked { host, class: *class },
        FailureKind::ConnectionRefused => Verdict::ConnectionRefused { host, port },
        FailureKind::Unreachable { .. } if step == SmtpStep::Connect => Verdict::Unreachable { host, port },
        FailureKind::TimedOut { limit, .. } if step == SmtpStep::Connect => Verdict::ConnectTimedOut {
            host,
            port,
            seconds: whole_seconds(*limit),
        },
        FailureKind::TlsExpected => Verdict::PlainToTlsPort { port },
        FailureKind::TimedOut { .. }
        | FailureKind::ConnectionClosed
        | FailureKind::ProtocolViolation { .. }
            if step == SmtpStep::Greeting && plain_start && port == Security::ImplicitTls.default_port() =>
        {
            Verdict::PlainToTlsPort { port }
        }
        FailureKind::TimedOut {
            limit,
            whole_attempt: false,
        } if step == SmtpStep::Greeting => Verdict::NoGreeting {
            seconds: whole_seconds(*limit),
        },
        FailureKind::TimedOut {
            limit,
            whole_attempt: true,
        } => Verdict::DeadlineExceeded {
            step,
            seconds: whole_seconds(*limit),
        },
        FailureKind::TimedOut { limit, .. } => Verdict::StepTimedOut {
            step,
            seconds: whole_seconds(*limit),
        },
        FailureKind::NotTls { .. } => Verdict::TlsToPlainPort { port },
        FailureKind::Certificate { problem, .. } => certificate_verdict(*problem, host),
        FailureKind::TlsFailed { .. } => Verdict::TlsFailed,
        FailureKind::StartTlsNotOffered => Verdict::StartTlsNotOffered,
        FailureKind::AuthNotOffered => Verdict::AuthNotOffered {
            encrypted: target.security != Security::None,
        },
        FailureKind::NoCommonAuthMechanism { offered } => Verdict::AuthMechanismUnsupported {
            offered: offered.join(" "),
        },
        FailureKind::Rejected(reply) => rejection_verdict(step, reply, context),
        FailureKind::ConnectionClosed => Verdict::ConnectionClosed { step },
        FailureKind::ProtocolViolation { .. } => Verdict::ProtocolError { step },
        FailureKind::Unsupported { .. } => Verdict::SmtpUtf8Required,
        FailureKind::Unreachable { .. } | FailureKind::Internal { .. } => Verdict::Internal,
    }
}

fn certificate_verdict(problem: CertificateProblem, host: String) -> Verdict {
    match problem {
        CertificateProblem::UnknownIssuer => Verdict::CertificateUntrusted { host },
        CertificateProblem::Expired => Verdict::CertificateExpired { host },
        CertificateProblem::WrongName => {
            let host_is_ip = host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok();
            Verdict::CertificateWrongName { host, host_is_ip }
        }
        CertificateProblem::UnsupportedFormat | CertificateProblem::Other => {
            Verdict::CertificateFormat { host }
        }
    }
}

fn rejection_verdict(step: SmtpStep, reply: &Reply, context: &DiagnosisContext<'_>) -> Verdict {
    let status = reply.enhanced_status();
    let has_status = |class, subject, detail| status.is_some_and(|status| status.is(class, subject, detail));
    let text = reply.text().to_ascii_lowercase();
    let shown = reply.to_string();

    if reply.code == 421 {
        return Verdict::ServiceClosing { reply: shown };
    }
    if step == SmtpStep::Ehlo || (reply.code == 504 && text.contains("helo")) {
        return Verdict::HeloRejected;
    }
    if step == SmtpStep::Auth {
        return auth_verdict(reply, context);
    }
    if reply.code == 530 {
        return Verdict::AuthRequired;
    }
    if reply.code == 552 || status.is_some_and(|status| status.subject == 3 && status.detail == 4) {
        return Verdict::MessageTooLarge;
    }
    if reply.code == 452 || status.is_some_and(|status| status.class == 4 && status.subject == 7) {
        return Verdict::LimitReached { reply: shown };
    }
    if step == SmtpStep::MailFrom {
        let not_owned = has_status(5, 7, 1) || text.contains("not owned") || text.contains("not allowed");
        return if not_owned {
            Verdict::SenderNotOwned {
                sender: context.sender.to_owned(),
                login: context.login.map(str::to_owned),
            }
        } else {
            Verdict::SenderRejected {
                sender: context.sender.to_owned(),
            }
        };
    }
    if step == SmtpStep::RcptTo {
        let relay = text.contains("relay") || has_status(5, 7, 1) || reply.code == 554;
        return if relay {
            Verdict::RelayDenied
        } else {
            Verdict::RecipientRejected { reply: shown }
        };
    }
    Verdict::Rejected { step, reply: shown }
}

fn auth_verdict(reply: &Reply, context: &DiagnosisContext<'_>) -> Verdict {
    let status = reply.enhanced_status();
    let has_status = |class, subject, detail| status.is_some_and(|status| status.is(class, subject, detail));
    let text = reply.text().to_ascii_lowercase();

    if has_status(5, 7, 139) || text.contains("smtpclientauthentication is disabled") {
        return Verdict::Microsoft365SmtpAuthDisabled;
    }
    if has_status(5, 7, 9) || (reply.code == 534 && text.contains("application-specific password")) {
        return Verdict::AppPasswordRequired;
    }
    if has_status(5, 7, 8) && is_google(context.target, &text) {
        return Verdict::GmailCredentialsRejected;
    }
    if reply.code == 535 || reply.code == 534 || has_status(5, 7, 3) || has_status(5, 7, 8) {
        let code = status.map_or_else(
            || reply.code.to_string(),
            |status| format!("{} {status}", reply.code),
        );
        return Verdict::AuthRejected {
            code,
            password_is_ascii: context.password_is_ascii,
        };
    }
    Verdict::Rejected {
        step: SmtpStep::Auth,
        reply: reply.to_string(),
    }
}

fn is_google(target: &ServerTarget, reply_text: &str) -> bool {
    let host = target.host.to_ascii_lowercase();
    host.ends_with("gmail.com") || host.ends_with("googlemail.com") || reply_text.contains("gsmtp")
}

fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs_f64().round() as u64
}

impl Verdict {
    /// Returns whether the server accepted the mail.
    pub fn is_accepted(&self) -> bool {
        matches!(self, Verdict::Accepted { .. })
    }

    /// Returns the stable code the API and the stored "last test" use, such as `auth_rejected`.
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Accepted { .. } => "accepted",
            Verdict::HostNotFound { .. } => "host_not_found",
            Verdict::AddressBlocked { .. } => "address_blocked",
            Verdict::ConnectionRefused { .. } => "connection_refused",
            Verdict::ConnectTimedOut { .. } => "connect_timed_out",
            Verdict::Unreachable { .. } => "unreachable",
            Verdict::PlainToTlsPort { .. } => "port_expects_tls",
            Verdict::TlsToPlainPort { .. } => "port_expects_starttls",
            Verdict::NoGreeting { .. } => "no_greeting",
            Verdict::CertificateUntrusted { .. } => "certificate_untrusted",
            Verdict::CertificateExpired { .. } => "certificate_expired",
            Verdict::CertificateWrongName { .. } => "certificate_wrong_name",
            Verdict::CertificateFormat { .. } => "certificate_invalid",
            Verdict::TlsFailed => "tls_failed",
            Verdict::StartTlsNotOffered => "starttls_not_offered",
            Verdict::AuthNotOffered { .. } => "auth_not_offered",
            Verdict::AuthMechanismUnsupported { .. } => "auth_mechanism_unsupported",
            Verdict::AppPasswordRequired => "app_password_required",
            Verdict::GmailCredentialsRejected => "gmail_credentials_rejected",
            Verdict::Microsoft365SmtpAuthDisabled => "m365_smtp_auth_disabled",
            Verdict::AuthRejected { .. } => "auth_rejected",
            Verdict::AuthRequired => "auth_required",
            Verdict::SenderNotOwned { .. } => "sender_not_owned",
            Verdict::SenderRejected { .. } => "sender_rejected",
            Verdict::RelayDenied => "relay_denied",
            Verdict::RecipientRejected { .. } => "recipient_rejected",
            Verdict::MessageTooLarge => "message_too_large",
            Verdict::LimitReached { .. } => "limit_reached",
            Verdict::ServiceClosing { .. } => "service_closing",
            Verdict::HeloRejected => "helo_rejected",
            Verdict::SmtpUtf8Required => "smtputf8_required",
            Verdict::StepTimedOut { .. } => "timed_out",
            Verdict::DeadlineExceeded { .. } => "deadline_exceeded",
            Verdict::ConnectionClosed { .. } => "connection_closed",
            Verdict::ProtocolError { .. } => "protocol_error",
            Verdict::Rejected { .. } => "rejected",
            Verdict::Internal => "internal_error",
        }
    }

    /// Returns the verdict for the seller: what happened and what to change.
    pub fn message(&self, language: Language) -> String {
        crate::verdict_texts::render(self, language)
    }
}

impl FailureKind {
    /// Returns a short description of what the client saw, for the failed step's line.
    pub fn describe(&self, language: Language) -> String {
        crate::verdict_texts::describe_failure(self, language)
    }
}

impl StepRecord {
    /// Returns the text of the step's line: the server's reply, what the client saw, or why
    /// the step was skipped.
    pub fn detail(&self, language: Language) -> Option<String> {
        let reply = self.reply.as_ref().map(Reply::to_string);
        match &self.outcome {
            StepOutcome::Ok { info: Some(info) } if reply.is_none() || self.step == SmtpStep::RcptTo => {
                Some(info.clone())
            }
            StepOutcome::Ok { info: Some(info) } => Some(format!("{} ({info})", reply.unwrap_or_default())),
            StepOutcome::Ok { info: None } => reply,
            StepOutcome::Failed(kind) => match (kind, reply) {
                (FailureKind::Rejected(_), Some(reply)) => Some(reply),
                (kind, Some(reply)) => Some(format!("{} ({reply})", kind.describe(language))),
                (kind, None) => Some(kind.describe(language)),
            },
            StepOutcome::Skipped(reason) => Some(reason.describe(language).to_owned()),
        }
    }
}

impl SkipReason {
    pub fn describe(self, language: Language) -> &'static str {
        match self {
            SkipReason::EarlierStepFailed => language.pick("nicht ausgeführt", "not run"),
            SkipReason::NotUsedBySecurity => language.pick(
                "bei dieser Verschlüsselung nicht nötig",
                "not used with this encryption",
            ),
            SkipReason::NoLogin => language.pick("kein Login angegeben", "no login given"),
        }
    }
}
