//! The connection security of an SMTP server.

use serde::{Deserialize, Serialize};

use crate::i18n::Language;

/// How the connection to the SMTP server is protected.
///
/// Older forms show this as two checkboxes, "SSL" and "STARTTLS": "SSL" checked means
/// [`Security::ImplicitTls`], "STARTTLS" checked means [`Security::StartTls`], neither means
/// [`Security::None`]. Where a server offers both, STARTTLS on port 587 is the recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// TLS from the first byte ("SSL/TLS"), usually on port 465.
    ImplicitTls,
    /// A plain greeting, then the STARTTLS command upgrades the connection, usually on port 587.
    #[serde(rename = "starttls")]
    StartTls,
    /// No encryption. Passwords and mails travel in clear text.
    None,
}

impl Security {
    /// All modes, in the order a form lists them.
    pub const ALL: [Security; 3] = [Security::StartTls, Security::ImplicitTls, Security::None];

    /// Returns the port this mode usually runs on (RFC 8314 for 465, RFC 6409 for 587).
    pub fn default_port(self) -> u16 {
        match self {
            Security::ImplicitTls => 465,
            Security::StartTls => 587,
            Security::None => 25,
        }
    }

    /// Returns the mode's name as the form shows it.
    pub fn label(self, language: Language) -> &'static str {
        match self {
            Security::ImplicitTls => "SSL/TLS",
            Security::StartTls => "STARTTLS",
            Security::None => language.pick("Keine Verschlüsselung", "No encryption"),
        }
    }

    /// Returns the identifier used in the API and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Security::ImplicitTls => "implicit_tls",
            Security::StartTls => "starttls",
            Security::None => "none",
        }
    }

    /// Parses the identifier used in the API and in storage.
    pub fn parse(value: &str) -> Option<Security> {
        Security::ALL.into_iter().find(|mode| mode.as_str() == value)
    }
}
