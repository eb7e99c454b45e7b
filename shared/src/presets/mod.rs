//! Provider presets: the documented sending settings of common mail providers, and what a
//! seller must know about each.
//!
//! The table in [`data`] is generated from `shared/presets/providers.json` (settings and their
//! sources) and `shared/presets/texts.json` (texts and flags) by `scripts/generate_presets.py`.
//! Values marked `verified: false` there come from third-party sources only.

mod data;

use serde::Serialize;

use crate::i18n::Language;
use crate::report::{Field, Finding, FindingCode};
use crate::security::Security;

/// All presets, without "no specific provider" (which is the empty id).
pub const PRESETS: &[ProviderPreset] = data::PRESETS;

/// The provider id that stands for "no specific provider": the seller enters every value.
pub const NO_SPECIFIC_PROVIDER: &str = "";

/// A text in both languages of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Text {
    pub de: &'static str,
    pub en: &'static str,
}

impl Text {
    /// Creates a text. A single-language build keeps only its own language's text, so the
    /// other one is left out of the binary (see [`Language::effective`]).
    pub const fn new(de: &'static str, en: &'static str) -> Text {
        Text {
            de: if cfg!(feature = "english-only") { "" } else { de },
            en: if cfg!(feature = "german-only") { "" } else { en },
        }
    }

    /// Returns the text in a language.
    pub fn get(&self, language: Language) -> &'static str {
        language.pick(self.de, self.en)
    }
}

/// A host, port and security combination a provider accepts mail on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    pub host: &'static str,
    pub port: u16,
    pub security: Security,
    /// Whether a provider page or a maintained provider database confirms this combination.
    pub verified: bool,
}

/// The SMTP login a provider expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "text", rename_all = "snake_case")]
pub enum LoginForm {
    /// The full email address.
    FullAddress,
    /// The part of the address before the `@`.
    LocalPart,
    /// Something else, such as an API key name, described in both languages.
    Described(Text),
}

/// Whether the provider accepts the account's normal password from programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppPassword {
    /// The normal password works.
    NotRequired,
    /// Programs must use an app password (or a separate mail password or token).
    Required,
    /// Programs must use an app password when two-factor login is on.
    WithTwoFactor,
}

/// The settings a provider documents for sending mail, and what a seller must know about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderPreset {
    /// Stable identifier, stored with each server, such as `gmx_de`.
    pub id: &'static str,
    /// The name in the provider list, such as `GMX (gmx.net / .de / .at / .ch)`.
    pub name: &'static str,
    /// The name in sentences, such as `GMX`.
    pub short_name: &'static str,
    /// Mail domains whose addresses belong to this provider, such as `gmx.de`.
    pub domains: &'static [&'static str],
    /// The recommended host, port and security. `X` characters in the host, as in
    /// `wXXXXXXX.kasserver.com`, stand for the account-specific part.
    pub host: &'static str,
    pub port: u16,
    pub security: Security,
    /// Other combinations the provider accepts, such as port 465 next to 587.
    pub alternatives: &'static [Endpoint],
    pub login: LoginForm,
    pub app_password: AppPassword,
    /// An administrator must enable SMTP AUTH (Microsoft 365).
    pub smtp_auth_by_admin: bool,
    /// Password logins from programs are rejected; only OAuth works.
    pub oauth_only: bool,
    /// Access for mail programs must be switched on in the mailbox settings first.
    pub mail_access_switch: bool,
    /// Each account has its own host name, which the preset's host only sketches.
    pub account_specific_host: bool,
    /// The account may send for domains other than its login's (mail services, iCloud+).
    pub other_sender_domains: bool,
    /// Notes on login and password.
    pub note: Text,
    /// The documented sending limits, where the provider gives any.
    pub sending_limit: Option<Text>,
    /// Whether the main settings are confirmed by a provider page or a maintained database.
    pub verified: bool,
}

impl ProviderPreset {
    /// Returns the recommended endpoint followed by the alternatives.
    pub fn endpoints(&self) -> impl Iterator<Item = Endpoint> + '_ {
        let recommended = Endpoint {
            host: self.host,
            port: self.port,
            security: self.security,
            verified: self.verified,
        };
        std::iter::once(recommended).chain(self.alternatives.iter().copied())
    }

    /// Returns whether mail for this provider may go through `host` (lowercase ASCII).
    ///
    /// That is one of its endpoints, a host below one of its mail domains, or a host of a preset
    /// of the same provider, such as GMX's international and German servers.
    pub fn serves_host(&self, host: &str) -> bool {
        let is_endpoint = self.endpoints().any(|endpoint| endpoint.host == host);
        let is_below_domain = self.domains.iter().any(|domain| is_subdomain_of(host, domain));
        let is_same_provider =
            preset_for_host(host).is_some_and(|preset| preset.short_name == self.short_name);
        is_endpoint || is_below_domain || is_same_provider
    }

    /// Returns what a seller must know about this provider, as findings for the fields they
    /// concern: app password, SMTP AUTH, OAuth only, access to switch on, account-specific
    /// host, sending limits and the note. The page can show them as soon as the preset is
    /// chosen; [`crate::validate_server`] reports them for the chosen or detected preset.
    pub fn hints(&self) -> Vec<Finding> {
        let provider = || self.id.to_owned();
        let mut hints = Vec::new();
        match self.app_password {
            AppPassword::Required => {
                let code = FindingCode::AppPasswordRequired { provider: provider() };
                hints.push(Finding::hint(Field::Password, code));
            }
            AppPassword::WithTwoFactor => {
                let code = FindingCode::AppPasswordWithTwoFactor { provider: provider() };
                hints.push(Finding::hint(Field::Password, code));
            }
            AppPassword::NotRequired => {}
        }
        if self.smtp_auth_by_admin {
            let code = FindingCode::SmtpAuthByAdministrator { provider: provider() };
            hints.push(Finding::hint(Field::Login, code));
        }
        if self.oauth_only {
            hints.push(Finding::warning(
                Field::Password,
                FindingCode::OAuthOnly { provider: provider() },
            ));
        }
        if self.mail_access_switch {
            hints.push(Finding::hint(
                Field::Provider,
                FindingCode::MailAccessSwitch { provider: provider() },
            ));
        }
        if self.account_specific_host {
            hints.push(Finding::hint(
                Field::Host,
                FindingCode::AccountSpecificHost { provider: provider() },
            ));
        }
        if self.sending_limit.is_some() {
            hints.push(Finding::hint(
                Field::Provider,
                FindingCode::SendingLimit { provider: provider() },
            ));
        }
        hints.push(Finding::hint(
            Field::Provider,
            FindingCode::ProviderNote { provider: provider() },
        ));
        hints
    }

    /// Returns whether the preset offers STARTTLS on port 587.
    pub fn offers_starttls_on_587(&self) -> bool {
        self.endpoints()
            .any(|endpoint| endpoint.port == 587 && endpoint.security == Security::StartTls)
    }

    /// Returns whether the host still has the preset's placeholder for the account-specific part.
    pub fn has_placeholder_host(&self) -> bool {
        self.host.contains("XXX")
    }
}

fn is_subdomain_of(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain)
        .is_some_and(|prefix| prefix.ends_with('.'))
}

/// Finds a preset by its id.
pub fn preset_by_id(id: &str) -> Option<&'static ProviderPreset> {
    PRESETS.iter().find(|preset| preset.id == id)
}

/// Finds the preset whose mail domains contain a domain, given alone (`gmx.de`) or as part of
/// an address (`max@gmx.de`), in any case and with ASCII or Unicode letters.
pub fn preset_for_domain(domain_or_address: &str) -> Option<&'static ProviderPreset> {
    let domain = domain_or_address
        .rsplit('@')
        .next()?
        .trim()
        .trim_end_matches('.')
        .to_lowercase();
    PRESETS
        .iter()
        .find(|preset| preset.domains.contains(&domain.as_str()))
}

/// Finds the preset with a host among its endpoints (lowercase ASCII), preferring a preset whose
/// recommended host it is: `smtp.office365.com` finds Microsoft 365, not Outlook.com, which
/// lists it as an alternative.
pub fn preset_for_host(host: &str) -> Option<&'static ProviderPreset> {
    PRESETS.iter().find(|preset| preset.host == host).or_else(|| {
        PRESETS
            .iter()
            .find(|preset| preset.alternatives.iter().any(|endpoint| endpoint.host == host))
    })
}

/// Returns the label of the empty provider id in the provider list.
pub fn no_specific_provider_label(language: Language) -> &'static str {
    language.pick("Kein bestimmter Anbieter", "No specific provider")
}

#[cfg(test)]
mod tests;
