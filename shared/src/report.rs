//! The validation report: findings per field, each with a typed code.

use serde::{Deserialize, Serialize};

use crate::address::AddressProblem;
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

/// The subject of a finding, with the values its message needs.
///
/// The serialised form is `{"code": "...", "params": {...}}`, which the API and the page match
/// on. Each variant's documentation names the severity and field it is reported with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingCode {
    /// Error: a required field is empty.
    Required,
    /// Error: a line break or another control character in a text field. In a header value it
    /// would start a new header line (header injection).
    ControlCharacter { code_point: String },
    /// Error: the text is longer than `max` characters.
    TooLong { max: usize },

    /// Error, sender, BCC or test recipient: `input` is not an acceptable address.
    InvalidAddress {
        input: String,
        #[serde(flatten)]
        problem: AddressProblem,
    },
    /// Warning, sender or BCC: the part before the `@` has non-ASCII characters, which only
    /// servers with SMTPUTF8 accept.
    NonAsciiLocalPart { address: String },
    /// Warning, sender: the address belongs to a mail provider (such as a freemail domain), but
    /// the server is not that provider's, so the mail fails DMARC checks.
    SenderOfOtherProvider { domain: String, provider: String },
    /// Error, BCC: more than `max` addresses.
    TooManyAddresses { max: usize },

    /// Hint, host: a scheme such as `smtps://` was removed.
    SchemeRemoved { scheme: String },
    /// Warning, security: the removed scheme implies another security mode than the chosen one.
    SchemeContradictsSecurity { scheme: String, security: Security },
    /// Error, host: a scheme that no SMTP server has, such as `https://`.
    UnsupportedScheme { scheme: String },
    /// Hint, host: a `:port` suffix was removed.
    PortSuffixRemoved { port: u16 },
    /// Warning, port: the removed `:port` suffix differs from the port field.
    PortSuffixContradictsPort { suffix_port: u16, port: u16 },
    /// Error, host: a space inside the host name.
    HostContainsSpace,
    /// Error, host: a `/` and a path after the host name.
    HostContainsPath,
    /// Error, host: an email address instead of a host name.
    HostIsEmailAddress,
    /// Error, host: a dot at the start of the host name or two dots in a row.
    HostDot,
    /// Error, host: a label with characters other than letters, digits and hyphens, or a hyphen
    /// at its start or end, or more than 63 characters.
    InvalidHostLabel { label: String },
    /// Error, host: a placeholder such as `wXXXXXXX.kasserver.com` from a preset is still there.
    HostPlaceholder { host: String },
    /// Warning, host: an IP address, for which the server's certificate is not valid.
    HostIsIpAddress { ip: String },
    /// Warning, host: a host name without a dot, which public DNS does not resolve.
    HostWithoutDot { host: String },
    /// Warning, host: a server for incoming mail (IMAP or POP3).
    IncomingServerHost { host: String },
    /// Warning, host: a server that only receives mail for its domain (an MX), with the host
    /// that accepts mail from programs instead.
    InboundOnlyHost { host: String, submission_host: String },

    /// Error, port: not a number from 1 to 65535.
    PortOutOfRange { value: String },
    /// Warning, port: port 25, where submission is usually unencrypted, often blocked by
    /// hosters and refused for relaying by many providers.
    #[serde(rename = "port_25")]
    Port25,
    /// Warning, security: STARTTLS on a port that expects TLS from the first byte (465).
    #[serde(rename = "starttls_on_implicit_tls_port")]
    StartTlsOnImplicitTlsPort { port: u16 },
    /// Warning, security: TLS from the first byte on a port that expects STARTTLS (587, 25, 2525).
    #[serde(rename = "implicit_tls_on_starttls_port")]
    ImplicitTlsOnStartTlsPort { port: u16 },
    /// Warning, security: no encryption on a port that expects TLS from the first byte (465).
    NoTlsOnImplicitTlsPort { port: u16 },
    /// Error, security: no encryption with a password, to a host that is not loopback.
    PasswordWithoutEncryption,
    /// Warning, security: no encryption, to a host that is not loopback.
    NoEncryption,

    /// Hint, login: the login is an address of another domain than the sender's.
    LoginDomainDiffers {
        login_domain: String,
        sender_domain: String,
    },
    /// Hint, login: neither login nor password, so mail goes out without authentication.
    NoAuthentication,
    /// Hint, password: the password starts or ends with a space, which is kept.
    PasswordSurroundingSpaces,

    /// Error, provider: the provider id names no preset.
    UnknownProvider { provider: String },
    /// Hint, host: the host is not one of the chosen provider's servers.
    HostNotOfProvider { provider: String },
    /// Hint, password: the provider accepts only an app password from programs.
    AppPasswordRequired { provider: String },
    /// Hint, password: the provider needs an app password when two-factor login is on.
    AppPasswordWithTwoFactor { provider: String },
    /// Hint, login: an administrator must enable SMTP AUTH for the mailbox.
    SmtpAuthByAdministrator { provider: String },
    /// Warning, password: the provider rejects password logins from programs (OAuth only).
    #[serde(rename = "oauth_only")]
    OAuthOnly { provider: String },
    /// Hint, provider: access for mail programs must be switched on in the mailbox settings.
    MailAccessSwitch { provider: String },
    /// Hint, host: each account has its own host name.
    AccountSpecificHost { provider: String },
    /// Hint, provider: the provider's note about login and password.
    ProviderNote { provider: String },
    /// Hint, provider: the provider's documented sending limits.
    SendingLimit { provider: String },

    /// Hint, security: eBay buyers are reached more reliably with STARTTLS on port 587.
    #[serde(rename = "ebay_prefers_starttls")]
    EbayPrefersStartTls,
    /// Hint, test recipient: Amazon forwards buyer messages only from an approved sender.
    AmazonApprovedSender { sender: String },
    /// Hint, test recipient: important Amazon buyer messages carry `[Wichtig]` in the subject.
    AmazonImportantSubject,
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
    /// Builds a finding that blocks saving.
    pub fn error(field: Field, code: FindingCode) -> Finding {
        Finding {
            field,
            severity: Severity::Error,
            code,
            fix: None,
        }
    }

    /// Builds a finding that does not block saving but predicts trouble.
    pub fn warning(field: Field, code: FindingCode) -> Finding {
        Finding {
            field,
            severity: Severity::Warning,
            code,
            fix: None,
        }
    }

    /// Builds a finding that is useful to know.
    pub fn hint(field: Field, code: FindingCode) -> Finding {
        Finding {
            field,
            severity: Severity::Hint,
            code,
            fix: None,
        }
    }

    /// Adds the one-click change that resolves the finding.
    pub fn with_fix(self, fix: Fix) -> Finding {
        Finding {
            fix: Some(fix),
            ..self
        }
    }

    /// Renders the finding for a seller: it names the field, what is wrong and the fix.
    pub fn message(&self, language: Language) -> String {
        crate::messages::render(self, language)
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
        self.findings
            .iter()
            .any(|finding| finding.severity == Severity::Error)
    }

    /// Adds a finding.
    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Returns whether a finding with this code was reported for the field.
    pub fn contains(&self, field: Field, code: &FindingCode) -> bool {
        self.findings
            .iter()
            .any(|finding| finding.field == field && &finding.code == code)
    }

    /// Returns the findings for one field, errors first.
    pub fn for_field(&self, field: Field) -> Vec<&Finding> {
        // One pass per severity keeps the report's order within a severity, as a stable sort
        // would, without linking the standard library's sort into the page's wasm.
        [Severity::Error, Severity::Warning, Severity::Hint]
            .into_iter()
            .flat_map(|severity| {
                self.findings
                    .iter()
                    .filter(move |finding| finding.field == field && finding.severity == severity)
            })
            .collect()
    }
}
