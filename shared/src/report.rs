//! The validation report: findings per field, each with a typed code.

use serde::{Deserialize, Serialize};

use crate::i18n::Language;
use crate::security::Security;

/// A field of the SMTP server form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Provider,
    DisplayName,
    Sender,
    Host,
    Port,
    Login,
    Password,
    Security,
    Bcc,
    /// The recipient of a test mail. Not part of the stored settings.
    TestRecipient,
}

impl Field {
    /// Returns the field's label as the form shows it.
    pub fn label(self, language: Language) -> &'static str {
        match self {
            Field::Provider => language.pick("Anbieter", "Provider"),
            Field::DisplayName => language.pick("Anzeigename", "Display name"),
            Field::Sender => language.pick("Absender", "Sender"),
            Field::Host => language.pick("SMTP-Server", "SMTP server"),
            Field::Port => "Port",
            Field::Login => "Login",
            Field::Password => language.pick("Passwort", "Password"),
            Field::Security => language.pick("Verschlüsselung", "Encryption"),
            Field::Bcc => "BCC",
            Field::TestRecipient => language.pick("Testempfänger", "Test recipient"),
        }
    }
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks saving.
    Error,
    /// Saving works, but sending will probably fail or land in spam.
    Warning,
    /// Useful to know, nothing is wrong.
    Hint,
}

/// A change the form can apply with one click to resolve a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fix {
    /// Set port and security together, such as 587 with STARTTLS.
    SetPortAndSecurity { port: u16, security: Security },
    /// Replace the host, such as the submission host instead of an inbound MX.
    SetHost { host: String },
    /// Switch to a provider preset.
    UsePreset { preset_id: String },
}

/// What a finding is about, with the values its message needs.
///
/// The serialised form is `{"code": "...", "params": {...}}`, which the API and the page match on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingCode {
    /// A required field is empty.
    Required,
    /// The port is not a number from 1 to 65535.
    PortOutOfRange { value: String },
}

/// One finding of the validation: which field, how severe, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub field: Field,
    pub severity: Severity,
    #[serde(flatten)]
    pub code: FindingCode,
    /// A one-click change that resolves the finding, where there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

impl Finding {
    /// Renders the finding for a seller: it names the field, what is wrong and the fix.
    pub fn message(&self, language: Language) -> String {
        crate::validate::messages::render(self, language)
    }
}

/// All findings of one validation run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationReport {
    pub findings: Vec<Finding>,
}

impl ValidationReport {
    /// Returns whether any finding blocks saving.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|finding| finding.severity == Severity::Error)
    }

    /// Returns the findings for one field, errors first.
    pub fn for_field(&self, field: Field) -> Vec<&Finding> {
        let mut findings: Vec<&Finding> = self.findings.iter().filter(|f| f.field == field).collect();
        findings.sort_by_key(|finding| finding.severity);
        findings
    }
}
