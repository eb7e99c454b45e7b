//! Validation of one SMTP server's settings, field by field and across fields.

mod addresses;
mod connection;
mod credentials;
mod host;
mod provider;
mod recipients;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::presets::{self, ProviderPreset};
use crate::report::{Field, Finding, FindingCode, ValidationReport};
use crate::security::Security;
use crate::text;

pub use crate::address::{EmailAddress, Mailbox};
pub use addresses::MAX_BCC_ADDRESSES;
pub use connection::validate_port_text;
pub use credentials::{MAX_LOGIN_LENGTH, MAX_PASSWORD_LENGTH};
pub use host::is_loopback_host;
pub use recipients::{is_amazon_relay_address, validate_test_recipients, MAX_TEST_RECIPIENTS};

/// Maximum length of the server's display name, in characters.
pub const MAX_DISPLAY_NAME_LENGTH: usize = 100;

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
    /// A free label for the server list; not the sender's name.
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

/// The settings after validation, normalised: trimmed host, parsed sender, BCC list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizedServer {
    /// The preset id as entered, trimmed; empty for "no specific provider".
    pub provider: String,
    pub active: bool,
    /// The display name, trimmed; may be empty.
    pub display_name: String,
    pub sender: Mailbox,
    /// Lowercase ASCII, without scheme, `:port` suffix or trailing dot.
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// The login, trimmed; empty when the server needs no authentication.
    pub login: String,
    pub bcc: Vec<EmailAddress>,
    pub is_default: bool,
}

/// Results of the single-field checks, for the rules that combine fields.
struct CheckedFields {
    selected_preset: Option<&'static ProviderPreset>,
    display_name: Option<String>,
    sender: Option<Mailbox>,
    host: Option<host::CheckedHost>,
    port: Option<u16>,
    security: Security,
    login: Option<String>,
    has_password: bool,
    bcc: Option<Vec<EmailAddress>>,
}

impl CheckedFields {
    /// Returns the preset whose rules apply: the chosen one, or the one the host belongs to.
    fn effective_preset(&self) -> Option<&'static ProviderPreset> {
        let detected = || {
            self.host
                .as_ref()
                .and_then(|host| presets::preset_for_host(&host.name))
        };
        self.selected_preset.or_else(detected)
    }

    fn is_loopback(&self) -> bool {
        self.host.as_ref().is_some_and(|host| host.is_loopback)
    }
}

/// Validates one server's settings and returns every finding, plus the normalised settings
/// when no finding is an error.
///
/// `password_on_file` says whether a password is already stored for this server, so that an
/// update without a new password still counts as having one.
pub fn validate_server(
    input: &ServerInput,
    password_on_file: bool,
) -> (ValidationReport, Option<NormalizedServer>) {
    let mut report = ValidationReport::default();
    let fields = check_fields(input, password_on_file, &mut report);

    connection::check_connection(&fields, &mut report);
    credentials::check_login_domain(&fields, &mut report);
    provider::check_provider_rules(&fields, &mut report);

    let normalized = if report.has_errors() {
        None
    } else {
        normalize(input, fields)
    };
    (report, normalized)
}

/// Runs the checks that look at one field each.
fn check_fields(input: &ServerInput, password_on_file: bool, report: &mut ValidationReport) -> CheckedFields {
    let password = input.password.as_ref().filter(|password| !password.is_empty());
    let has_password = password.is_some() || password_on_file;

    CheckedFields {
        selected_preset: provider::check_provider_id(&input.provider, report),
        display_name: check_display_name(&input.display_name, report),
        sender: addresses::check_sender(&input.sender, report),
        host: host::check_host(&input.host, report),
        port: connection::check_port(&input.port, input.security, report),
        security: input.security,
        login: credentials::check_credentials(&input.login, password, has_password, report),
        has_password,
        bcc: addresses::check_bcc(&input.bcc, report),
    }
}

/// Checks the server's label: free text without control characters, at most 100 characters.
fn check_display_name(display_name: &str, report: &mut ValidationReport) -> Option<String> {
    if let Some(character) = text::first_control(display_name) {
        let code = FindingCode::ControlCharacter {
            code_point: text::code_point(character),
        };
        report.push(Finding::error(Field::DisplayName, code));
        return None;
    }
    let display_name = display_name.trim();
    if display_name.chars().count() > MAX_DISPLAY_NAME_LENGTH {
        report.push(Finding::error(
            Field::DisplayName,
            FindingCode::TooLong {
                max: MAX_DISPLAY_NAME_LENGTH,
            },
        ));
        return None;
    }
    Some(display_name.to_owned())
}

fn normalize(input: &ServerInput, fields: CheckedFields) -> Option<NormalizedServer> {
    Some(NormalizedServer {
        provider: input.provider.trim().to_owned(),
        active: input.active,
        display_name: fields.display_name?,
        sender: fields.sender?,
        host: fields.host?.name,
        port: fields.port?,
        security: input.security,
        login: fields.login?,
        bcc: fields.bcc?,
        is_default: input.is_default,
    })
}
