//! Request and response bodies of the HTTP API, shared by the backend and the page.
//!
//! Passwords only ever travel from the page to the backend: no response type has a password field.

use serde::{Deserialize, Serialize};

use crate::report::{Field, Finding, Severity};
use crate::security::Security;

/// The shortest account password that sign-up accepts, in characters (not bytes). The page's
/// sign-up help states it.
pub const MIN_ACCOUNT_PASSWORD_CHARS: usize = 10;

/// Body of `POST /api/accounts` (sign-up) and `POST /api/session` (login).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

// Written by hand so that logging a request body can never print the account password.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Credentials")
            .field("email", &self.email)
            .field("password", &"***")
            .finish()
    }
}

/// Body of `GET /api/account`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub id: i64,
    pub email: String,
}

/// A finding as the API sends it: the typed code and its text in the request's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingView {
    #[serde(flatten)]
    pub finding: Finding,
    pub message: String,
}

/// A finding as a client reads it when it only shows it: field, severity and text.
///
/// The settings page reads findings in responses as this type, because the deserialiser of
/// [`FindingCode`](crate::report::FindingCode) with all its parameters adds about 30 KB to the
/// page's gzipped wasm. The JSON is the same as [`FindingView`]'s; the other keys are skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingText {
    pub field: Field,
    pub severity: Severity,
    pub message: String,
}

/// The body of every error response. `F` is how a client reads the findings: the default
/// [`FindingView`] with the typed code, or [`FindingText`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody<F = FindingView> {
    /// Machine-readable error code, such as `validation_failed` or `not_found`.
    pub error: String,
    /// Text for the seller in the request's language.
    pub message: String,
    /// Per-field findings, for validation errors.
    #[serde(default = "Vec::new", skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<F>,
}

/// The outcome of the last test mail of a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastTest {
    /// RFC 3339 time stamp.
    pub at: String,
    pub ok: bool,
    /// The verdict's code, such as `accepted` or `auth_rejected`.
    pub verdict: String,
}

/// The time and reason of the system deactivating a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deactivation {
    /// RFC 3339 time stamp.
    pub at: String,
    pub reason: String,
}

/// One stored SMTP server as the API returns it. It has no password, only `password_set`.
///
/// `F` is how a client reads the findings: the default [`FindingView`], or [`FindingText`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerView<F = FindingView> {
    pub id: i64,
    pub provider: String,
    pub active: bool,
    pub display_name: String,
    pub sender: String,
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub login: String,
    pub password_set: bool,
    pub bcc: String,
    pub is_default: bool,
    /// RFC 3339 time stamp of the last change.
    pub updated_at: String,
    pub last_test: Option<LastTest>,
    pub consecutive_failures: u32,
    pub deactivated: Option<Deactivation>,
    /// Warnings and hints of the stored settings, in the request's language.
    #[serde(default = "Vec::new")]
    pub findings: Vec<F>,
}

/// Body of `POST /api/servers/{id}/test-mail`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestMailRequest {
    /// Recipients of the test mail, one or several separated by `,` or `;` (at most
    /// [`MAX_TEST_RECIPIENTS`](crate::validate::MAX_TEST_RECIPIENTS)); the account's address
    /// when empty.
    #[serde(default)]
    pub recipient: Option<String>,
}

/// Body of `POST /api/test-mail`: the unsaved form, and the server's id when editing, so that
/// an empty password reuses the stored one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnsavedTestMailRequest {
    #[serde(default)]
    pub id: Option<i64>,
    pub server: crate::validate::ServerInput,
    /// Recipients as in [`TestMailRequest::recipient`].
    #[serde(default)]
    pub recipient: Option<String>,
}

/// A step of an SMTP session, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpStep {
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
}

impl SmtpStep {
    /// Returns the step's name for the checklist.
    pub fn label(self, language: crate::Language) -> &'static str {
        match self {
            SmtpStep::Resolve => language.pick("Namensauflösung", "Name resolution"),
            SmtpStep::Connect => language.pick("Verbindung (TCP)", "Connection (TCP)"),
            SmtpStep::TlsHandshake => language.pick("TLS-Handshake", "TLS handshake"),
            SmtpStep::Greeting => language.pick("Begrüßung des Servers", "Server greeting"),
            SmtpStep::Ehlo => "EHLO",
            SmtpStep::StartTls => "STARTTLS",
            SmtpStep::Auth => language.pick("Anmeldung (AUTH)", "Login (AUTH)"),
            SmtpStep::MailFrom => "MAIL FROM",
            SmtpStep::RcptTo => "RCPT TO",
            SmtpStep::Data => "DATA",
        }
    }
}

/// The outcome of one step of the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Ok,
    Failed,
    Skipped,
}

/// One line of the test mail's checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepResult {
    pub step: SmtpStep,
    pub status: StepStatus,
    /// The step's name in the request's language.
    pub label: String,
    /// The server's reply, such as `250 2.0.0 Ok: queued as 4F2A1`, or what the client saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The result of a test mail: one line per step, and a verdict that states what to change.
///
/// `F` is how a client reads the hints: the default [`FindingView`], or [`FindingText`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestMailResult<F = FindingView> {
    /// Whether the server accepted the mail. Acceptance is not delivery.
    pub ok: bool,
    /// The verdict's code, such as `accepted`, `auth_rejected` or `starttls_not_offered`.
    pub verdict: String,
    /// The verdict in the request's language.
    pub message: String,
    /// The recipients of the test mail, separated by `, `.
    pub recipient: String,
    pub steps: Vec<StepResult>,
    /// The raw SMTP replies, for the folded details section. Never contains credentials.
    pub transcript: Vec<String>,
    /// Warnings and hints about the recipients, such as Amazon's rule for buyer relay
    /// addresses, in the request's language. They come with every result, accepted or not.
    #[serde(default = "Vec::new")]
    pub hints: Vec<F>,
}

/// Counts findings by severity, for summaries.
pub fn count_findings(findings: &[FindingView], field: Option<Field>, severity: Severity) -> usize {
    findings
        .iter()
        .filter(|view| view.finding.severity == severity)
        .filter(|view| field.is_none_or(|field| view.finding.field == field))
        .count()
}

/// The move of the account's default server caused by a change. Sent only when the default changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultChange {
    /// The server that is the default now; `None` when no active server is left.
    pub default_server_id: Option<i64>,
    /// A description of the move in the request's language, such as "„Shop“ ist jetzt der Standardserver."
    pub message: String,
}

/// Body of the responses to create, update and "set as default": the saved server, with the
/// fields of [`ServerView`] at the top level, and the default change if there was one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerSaved {
    #[serde(flatten)]
    pub server: ServerView,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_change: Option<DefaultChange>,
}

/// Body of the response to `DELETE /api/servers/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerDeleted {
    pub id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_change: Option<DefaultChange>,
}
