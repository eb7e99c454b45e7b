//! The operator's settings for the mailer: EHLO name, trusted roots, allowed address classes
//! and time limits.

use std::path::PathBuf;
use std::time::Duration;

use crate::guard::{AllowList, AllowListError};
use crate::tls::{TrustRoots, TrustRootsError};

/// The name this host gives in EHLO: a fully qualified domain name such as `mail-out.example.com`.
///
/// Strict servers reject `EHLO localhost` or a bare container id (504 5.5.2), so the name is
/// configured and checked at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeloName(String);

/// Why a configured EHLO name is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("EHLO name \"{value}\" is invalid: {reason}")]
pub struct HeloNameError {
    pub value: String,
    pub reason: &'static str,
}

impl HeloName {
    /// Parses a fully qualified domain name: at least two dot-separated labels of letters,
    /// digits and hyphens, 63 characters per label and 253 in total, not `localhost`.
    pub fn parse(value: &str) -> Result<HeloName, HeloNameError> {
        let name = value.trim().trim_end_matches('.').to_ascii_lowercase();
        let reject = |reason| {
            Err(HeloNameError {
                value: value.to_owned(),
                reason,
            })
        };
        if name.is_empty() || name.len() > 253 {
            return reject("it must have 1 to 253 characters");
        }
        let labels: Vec<&str> = name.split('.').collect();
        if labels.len() < 2 {
            return reject("it must be a fully qualified domain name such as mail-out.example.com");
        }
        if name == "localhost" || name.ends_with(".localhost") || name == "localhost.localdomain" {
            return reject("servers reject localhost as an EHLO name");
        }
        if !labels.iter().all(|label| is_valid_label(label)) {
            return reject("each label must have 1 to 63 letters, digits or inner hyphens");
        }
        if labels
            .last()
            .is_some_and(|top| top.bytes().all(|byte| byte.is_ascii_digit()))
        {
            return reject("the top-level label must not be numeric");
        }
        Ok(HeloName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_valid_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || *byte == b'-')
        && bytes.first() != Some(&b'-')
        && bytes.last() != Some(&b'-')
}

/// Time limits of one attempt. Each phase has its own limit, and `total` bounds the whole
/// attempt from name resolution to the reply after DATA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub total: Duration,
    pub resolve: Duration,
    pub connect: Duration,
    pub tls_handshake: Duration,
    /// From the TCP (or TLS) connection to the server's 220 greeting.
    pub greeting: Duration,
    /// For each command's reply: EHLO, STARTTLS, AUTH, MAIL FROM, RCPT TO and DATA's 354.
    pub command: Duration,
    /// From the end of the message to the server's final reply, which may include its spam scan.
    pub data: Duration,
}

impl Default for Timeouts {
    /// Limits for a seller waiting on a test mail. They are shorter than the minimums of
    /// RFC 5321 section 4.5.3.2 (5 minutes for the greeting and most commands, 10 minutes
    /// after the message), which suit a queue, not a person at a form.
    fn default() -> Timeouts {
        Timeouts {
            total: Duration::from_secs(60),
            resolve: Duration::from_secs(10),
            connect: Duration::from_secs(15),
            tls_handshake: Duration::from_secs(15),
            greeting: Duration::from_secs(20),
            command: Duration::from_secs(20),
            data: Duration::from_secs(45),
        }
    }
}

/// Everything the mailer needs from the operator.
#[derive(Debug, Clone)]
pub struct MailerConfig {
    pub helo_name: HeloName,
    pub trust: TrustRoots,
    pub allow: AllowList,
    pub timeouts: Timeouts,
}

/// A configuration value that cannot be used, named by its environment variable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("POSTAUSGANG_HELO_NAME is not set; set it to this host's fully qualified domain name, such as mail-out.example.com")]
    MissingHeloName,
    #[error("POSTAUSGANG_HELO_NAME: {0}")]
    HeloName(#[from] HeloNameError),
    #[error("POSTAUSGANG_EXTRA_ROOT_CERTS: {0}")]
    TrustRoots(#[from] TrustRootsError),
    #[error("POSTAUSGANG_SMTP_ALLOW_ADDRESSES: {0}")]
    AllowList(#[from] AllowListError),
    #[error("POSTAUSGANG_SMTP_TIMEOUT_SECS must be a whole number of seconds from 5 to 600, not \"{0}\"")]
    Timeout(String),
}

impl MailerConfig {
    /// Reads the configuration from the process environment.
    ///
    /// - `POSTAUSGANG_HELO_NAME` (required): the EHLO name.
    /// - `POSTAUSGANG_EXTRA_ROOT_CERTS` (optional): a PEM file of extra trusted root certificates.
    /// - `POSTAUSGANG_SMTP_ALLOW_ADDRESSES` (optional): non-public address classes to allow,
    ///   such as `loopback` or `private,unique_local`.
    /// - `POSTAUSGANG_SMTP_TIMEOUT_SECS` (optional): the limit of a whole attempt, 60 by default.
    pub fn from_env() -> Result<MailerConfig, ConfigError> {
        MailerConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, which returns a variable's value if set.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<MailerConfig, ConfigError> {
        let set = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());

        let helo_name = HeloName::parse(&set("POSTAUSGANG_HELO_NAME").ok_or(ConfigError::MissingHeloName)?)?;
        let trust = match set("POSTAUSGANG_EXTRA_ROOT_CERTS") {
            Some(path) => TrustRoots::with_extra_roots_file(&PathBuf::from(path))?,
            None => TrustRoots::public()?,
        };
        let allow = set("POSTAUSGANG_SMTP_ALLOW_ADDRESSES")
            .unwrap_or_default()
            .parse()?;
        let mut timeouts = Timeouts::default();
        if let Some(value) = set("POSTAUSGANG_SMTP_TIMEOUT_SECS") {
            let seconds: u64 = value
                .trim()
                .parse()
                .map_err(|_| ConfigError::Timeout(value.clone()))?;
            if !(5..=600).contains(&seconds) {
                return Err(ConfigError::Timeout(value));
            }
            timeouts.total = Duration::from_secs(seconds);
        }

        Ok(MailerConfig {
            helo_name,
            trust,
            allow,
            timeouts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helo_name_accepts_fqdn() {
        let name = HeloName::parse("Mail-Out.Example.COM.").expect("valid name");
        assert_eq!(name.as_str(), "mail-out.example.com");
    }

    #[test]
    fn helo_name_rejects_non_fqdn() {
        for value in [
            "localhost",
            "a1b2c3d4e5f6",
            "",
            "mail..example.com",
            "-mail.example.com",
            "1.2.3.4",
            "foo.localhost",
        ] {
            assert!(HeloName::parse(value).is_err(), "{value:?} must be rejected");
        }
    }

    #[test]
    fn config_requires_helo_name() {
        let error = MailerConfig::from_lookup(|_| None).expect_err("missing name");
        assert!(matches!(error, ConfigError::MissingHeloName));
    }

    #[test]
    fn config_reads_allow_list_and_timeout() {
        let config = MailerConfig::from_lookup(|name| match name {
            "POSTAUSGANG_HELO_NAME" => Some("mail-out.example.com".to_owned()),
            "POSTAUSGANG_SMTP_ALLOW_ADDRESSES" => Some("loopback".to_owned()),
            "POSTAUSGANG_SMTP_TIMEOUT_SECS" => Some("30".to_owned()),
            _ => None,
        })
        .expect("valid config");
        assert!(config.allow.permits("127.0.0.1".parse().expect("address")));
        assert_eq!(config.timeouts.total, Duration::from_secs(30));
    }

    #[test]
    fn config_rejects_timeout_out_of_range() {
        let error = MailerConfig::from_lookup(|name| match name {
            "POSTAUSGANG_HELO_NAME" => Some("mail-out.example.com".to_owned()),
            "POSTAUSGANG_SMTP_TIMEOUT_SECS" => Some("0".to_owned()),
            _ => None,
        })
        .expect_err("0 s is out of range");
        assert!(matches!(error, ConfigError::Timeout(_)));
    }
}
