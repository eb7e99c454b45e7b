//! The host field: trimmed, lowercased, without scheme or `:port`, and checked label by label.

use std::net::IpAddr;

use crate::address::idn::{self, DomainError, MAX_DOMAIN_LENGTH};
use crate::report::{Field, Finding, FindingCode, Fix, ValidationReport};
use crate::text;

/// Schemes that sellers copy from connection strings; they are removed with a hint.
const REMOVABLE_SCHEMES: &[&str] = &["smtp", "smtps", "ssl", "tls"];

/// First labels of hosts that receive mail for a mailbox (IMAP, POP3) rather than send it.
const INCOMING_LABELS: &[&str] = &["imap", "imap4", "pop", "pop3"];

/// Hosts that only receive mail for their domains (MX), with the host that accepts mail from
/// programs. The first four are the MX hosts that providers.json names for Microsoft 365,
/// Outlook.com, Yahoo and AOL; the last is Google's MX host.
const INBOUND_ONLY_HOSTS: &[(&str, &str)] = &[
    ("mail.protection.outlook.com", "smtp.office365.com"),
    ("olc.protection.outlook.com", "smtp-mail.outlook.com"),
    ("am0.yahoodns.net", "smtp.mail.yahoo.com"),
    ("gm0.yahoodns.net", "smtp.aol.com"),
    ("aspmx.l.google.com", "smtp.gmail.com"),
];

/// The host after normalisation, with what was removed from it.
pub(super) struct CheckedHost {
    /// Lowercase ASCII host name or IP address, without brackets.
    pub(super) name: String,
    /// The removed scheme, such as `smtps`.
    pub(super) scheme: Option<String>,
    /// The removed `:port` suffix.
    pub(super) port_suffix: Option<u16>,
    pub(super) is_ip: bool,
    pub(super) is_loopback: bool,
}

/// Checks the host field and reports what was removed or is suspicious.
pub(super) fn check_host(raw: &str, report: &mut ValidationReport) -> Option<CheckedHost> {
    let entered = check_entered_text(raw, report)?;
    let (scheme, rest) = split_scheme(&entered, report)?;
    check_shape(rest, report)?;
    let (name, port_suffix) = split_port_suffix(rest, report)?;
    let name = name.strip_suffix('.').unwrap_or(name);

    if let Some(scheme) = &scheme {
        report.push(Finding::hint(
            Field::Host,
            FindingCode::SchemeRemoved {
                scheme: scheme.clone(),
            },
        ));
    }
    if let Some(port) = port_suffix {
        report.push(Finding::hint(
            Field::Host,
            FindingCode::PortSuffixRemoved { port },
        ));
    }

    let (name, is_ip) = match name.parse::<IpAddr>() {
        Ok(ip) => (ip.to_string(), true),
        Err(_) => (check_host_name(name, report)?, false),
    };
    let is_loopback = is_loopback_host(&name);
    Some(CheckedHost {
        name,
        scheme,
        port_suffix,
        is_ip,
        is_loopback,
    })
}

/// Rejects empty input, control characters and preset placeholders; returns the trimmed,
/// lowercased text.
fn check_entered_text(raw: &str, report: &mut ValidationReport) -> Option<String> {
    if let Some(character) = text::first_control(raw) {
        let code = FindingCode::ControlCharacter {
            code_point: text::code_point(character),
        };
        report.push(Finding::error(Field::Host, code));
        return None;
    }
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        report.push(Finding::error(Field::Host, FindingCode::Required));
        return None;
    }
    // Presets for hosters with account-specific servers write the variable part as `XXX…`.
    if trimmed.contains("XXX") {
        report.push(Finding::error(
            Field::Host,
            FindingCode::HostPlaceholder {
                host: trimmed.to_lowercase(),
            },
        ));
        return None;
    }
    Some(trimmed.to_lowercase())
}

/// Splits off a scheme such as `smtps://`; an unknown scheme is an error.
fn split_scheme<'a>(host: &'a str, report: &mut ValidationReport) -> Option<(Option<String>, &'a str)> {
    let Some((scheme, rest)) = host.split_once("://") else {
        return Some((None, host));
    };
    if !REMOVABLE_SCHEMES.contains(&scheme) {
        report.push(Finding::error(
            Field::Host,
            FindingCode::UnsupportedScheme {
                scheme: scheme.to_owned(),
            },
        ));
        return None;
    }
    // A URL may end with a slash, as in `smtps://smtp.example.com/`.
    Some((Some(scheme.to_owned()), rest.strip_suffix('/').unwrap_or(rest)))
}

/// Rejects addresses, spaces and paths, which are never part of a host name.
fn check_shape(host: &str, report: &mut ValidationReport) -> Option<()> {
    let code = if host.contains('@') {
        FindingCode::HostIsEmailAddress
    } else if host.contains(char::is_whitespace) {
        FindingCode::HostContainsSpace
    } else if host.contains('/') {
        FindingCode::HostContainsPath
    } else {
        return Some(());
    };
    report.push(Finding::error(Field::Host, code));
    None
}

/// Splits off a `:port` suffix, keeping IPv6 addresses (with or without brackets) whole.
fn split_port_suffix<'a>(host: &'a str, report: &mut ValidationReport) -> Option<(&'a str, Option<u16>)> {
    let (name, port_text) = if let Some(bracketed) = host.strip_prefix('[') {
        let (address, after) = bracketed.split_once(']').unwrap_or((bracketed, ""));
        match after.strip_prefix(':') {
            Some(port_text) => (address, Some(port_text)),
            None if after.is_empty() => (address, None),
            None => {
                report.push(Finding::error(
                    Field::Host,
                    FindingCode::InvalidHostLabel {
                        label: host.to_owned(),
                    },
                ));
                return None;
            }
        }
    } else if host.matches(':').count() == 1 {
        let (name, port_text) = host.split_once(':').unwrap_or((host, ""));
        (name, Some(port_text))
    } else {
        (host, None)
    };

    let Some(port_text) = port_text else {
        return Some((name, None));
    };
    match super::connection::validate_port_text(port_text) {
        Ok(port) => Some((name, Some(port))),
        Err(_) => {
            report.push(Finding::error(
                Field::Host,
                FindingCode::PortOutOfRange {
                    value: port_text.to_owned(),
                },
            ));
            None
        }
    }
}

/// Checks a host name label by label, converts Unicode labels to A-labels, and warns about
/// names that will not work for sending.
fn check_host_name(name: &str, report: &mut ValidationReport) -> Option<String> {
    let domain = match idn::convert_domain(name) {
        Ok(domain) => domain,
        Err(error) => {
            let code = match error {
                DomainError::EmptyLabel => FindingCode::HostDot,
                DomainError::InvalidLabel(label) => FindingCode::InvalidHostLabel { label },
                DomainError::TooLong => FindingCode::TooLong {
                    max: MAX_DOMAIN_LENGTH,
                },
            };
            report.push(Finding::error(Field::Host, code));
            return None;
        }
    };
    let host = domain.ascii;

    if !host.contains('.') && host != "localhost" {
        report.push(Finding::warning(
            Field::Host,
            FindingCode::HostWithoutDot { host: host.clone() },
        ));
    }
    let first_label = host.split('.').next().unwrap_or_default();
    if INCOMING_LABELS.contains(&first_label) {
        report.push(Finding::warning(
            Field::Host,
            FindingCode::IncomingServerHost { host: host.clone() },
        ));
    }
    if let Some(submission_host) = submission_host_for_inbound_only(&host) {
        let code = FindingCode::InboundOnlyHost {
            host: host.clone(),
            submission_host: submission_host.to_owned(),
        };
        let fix = Fix::SetHost {
            host: submission_host.to_owned(),
        };
        report.push(Finding::warning(Field::Host, code).with_fix(fix));
    }
    Some(host)
}

fn submission_host_for_inbound_only(host: &str) -> Option<&'static str> {
    INBOUND_ONLY_HOSTS.iter().find_map(|(inbound, submission)| {
        let matches = host == *inbound
            || host
                .strip_suffix(inbound)
                .is_some_and(|prefix| prefix.ends_with('.'));
        matches.then_some(*submission)
    })
}

/// Returns whether a host is the machine itself: `localhost`, a name below `.localhost`
/// (RFC 6761), an address in 127.0.0.0/8, `::1`, or an IPv4-mapped loopback address.
/// Brackets, a trailing dot and case do not matter.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(address)) => address.is_loopback(),
        Ok(IpAddr::V6(address)) => {
            address.is_loopback()
                || address
                    .to_ipv4_mapped()
                    .is_some_and(|mapped| mapped.is_loopback())
        }
        Err(_) => false,
    }
}
