//! Postausgang's SMTP client: everything that talks to a seller's mail server.
//!
//! The test mail and the outbox use the same path:
//! 1. [`prepare_mail`] builds the message and the envelope from the shared domain types.
//! 2. [`SmtpSession::open`] resolves the host, checks the address with the [`guard`], connects,
//!    runs TLS as the security setting says, and logs in. [`SmtpSession::send`] sends one mail
//!    and can be called again on the same session. [`deliver`] does both for a single mail.
//! 3. [`diagnose`] turns the outcome into a [`Verdict`] with a German and an English text.
//!
//! Each step is recorded in a [`Journal`] with the server's reply. The transcript shows AUTH
//! payloads as `***`, and lettre's own logging (its `tracing` feature) is not compiled in,
//! because it would log every SMTP line, AUTH included.

pub mod config;
pub mod diagnosis;
pub mod guard;
pub mod message;
pub mod reply;
pub mod session;
mod stream;
pub mod tls;
mod verdict_texts;

pub use config::{ConfigError, HeloName, MailerConfig, Timeouts};
pub use diagnosis::{diagnose, DiagnosisContext, Verdict};
pub use guard::{classify, AddressClass, AllowList};
pub use message::{
    prepare_mail, prepare_mail_with, Attachment, MailOptions, MessageError, OutgoingMail, PreparedMail,
};
pub use reply::{Capabilities, EnhancedStatus, Reply};
pub use session::{
    deliver, Deadline, DeliveryReport, FailureKind, Journal, OpenError, ServerTarget, SessionFailure,
    SkipReason, SmtpLogin, SmtpSession, StepOutcome, StepRecord,
};
pub use tls::{CertificateProblem, TrustRoots};
