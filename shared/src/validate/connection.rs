//! Port and security, alone and together with the host.

use super::{CheckedFields, PortInput};
use crate::report::{Field, Finding, FindingCode, Fix, ValidationReport};
use crate::security::Security;

/// Schemes that mean TLS from the first byte, as in `smtps://` URLs (RFC 8314).
const IMPLICIT_TLS_SCHEMES: &[&str] = &["smtps", "ssl"];

/// Ports where servers expect a plain greeting and STARTTLS: submission (587, RFC 6409),
/// SMTP (25) and the common alternative 2525.
const STARTTLS_PORTS: &[u16] = &[587, 25, 2525];

/// The port for TLS from the first byte (RFC 8314).
const IMPLICIT_TLS_PORT: u16 = 465;

/// Parses the text of the port input for live validation in the form.
///
/// # Errors
///
/// [`FindingCode::Required`] for blank text, [`FindingCode::PortOutOfRange`] for anything
/// that is not a whole number from 1 to 65535.
pub fn validate_port_text(text: &str) -> Result<u16, FindingCode> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FindingCode::Required);
    }
    let out_of_range = || FindingCode::PortOutOfRange {
        value: text.to_owned(),
    };
    if !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(out_of_range());
    }
    match text.parse::<u16>() {
        Ok(port) if port >= 1 => Ok(port),
        _ => Err(out_of_range()),
    }
}

/// Checks the port field; a missing port gets the security mode's usual port as fix.
pub(super) fn check_port(port: &PortInput, security: Security, report: &mut ValidationReport) -> Option<u16> {
    let parsed = match port {
        PortInput::Text(text) => validate_port_text(text),
        PortInput::Number(number) => match u16::try_from(*number) {
            Ok(port) if port >= 1 => Ok(port),
            _ => Err(FindingCode::PortOutOfRange {
                value: number.to_string(),
            }),
        },
    };
    match parsed {
        Ok(port) => Some(port),
        Err(code) => {
            let mut finding = Finding::error(Field::Port, code);
            if finding.code == FindingCode::Required {
                finding = finding.with_fix(Fix::SetPortAndSecurity {
                    port: security.default_port(),
                    security,
                });
            }
            report.push(finding);
            None
        }
    }
}

/// Runs the rules that combine port, security, host and password.
pub(super) fn check_connection(fields: &CheckedFields, report: &mut ValidationReport) {
    check_encryption(fields, report);
    check_removed_host_parts(fields, report);
    if let Some(port) = fields.port {
        check_port_and_security(port, fields, report);
    }
    check_ip_host(fields, report);
}

/// Warns about an IP address as host when TLS is on, because certificates name hosts. Loopback
/// is left out: a local relay or a test server may have a certificate for its address.
fn check_ip_host(fields: &CheckedFields, report: &mut ValidationReport) {
    let Some(host) = &fields.host else {
        return;
    };
    if host.is_ip && !host.is_loopback && fields.security != Security::None {
        let code = FindingCode::HostIsIpAddress {
            ip: host.name.clone(),
        };
        report.push(Finding::warning(Field::Host, code));
    }
}

/// Flags port 25 and the port and security pairs that hang or fail on the wire.
fn check_port_and_security(port: u16, fields: &CheckedFields, report: &mut ValidationReport) {
    let security = fields.security;
    // A relay on the same machine (a local MTA or a bridge) listens on port 25 legitimately.
    if port == 25 && !fields.is_loopback() {
        let fix = Fix::SetPortAndSecurity {
            port: 587,
            security: Security::StartTls,
        };
        report.push(Finding::warning(Field::Port, FindingCode::Port25).with_fix(fix));
    }

    let mismatch = match security {
        Security::StartTls if port == IMPLICIT_TLS_PORT => Some((
            FindingCode::StartTlsOnImplicitTlsPort { port },
            IMPLICIT_TLS_PORT,
            Security::ImplicitTls,
        )),
        Security::None if port == IMPLICIT_TLS_PORT => Some((
            FindingCode::NoTlsOnImplicitTlsPort { port },
            IMPLICIT_TLS_PORT,
            Security::ImplicitTls,
        )),
        Security::ImplicitTls if STARTTLS_PORTS.contains(&port) => Some((
            FindingCode::ImplicitTlsOnStartTlsPort { port },
            port,
            Security::StartTls,
        )),
        _ => None,
    };
    if let Some((code, fix_port, fix_security)) = mismatch {
        let fix = Fix::SetPortAndSecurity {
            port: fix_port,
            security: fix_security,
        };
        report.push(Finding::warning(Field::Security, code).with_fix(fix));
    }

    // eBay forwards some buyer mails only when they arrive over STARTTLS on port 587, so point
    // sellers on 465 to it where their provider offers it.
    let provider_offers_587 = fields
        .effective_preset()
        .is_none_or(|preset| preset.offers_starttls_on_587());
    if security == Security::ImplicitTls && port == IMPLICIT_TLS_PORT && provider_offers_587 {
        let fix = Fix::SetPortAndSecurity {
            port: 587,
            security: Security::StartTls,
        };
        report.push(Finding::hint(Field::Security, FindingCode::EbayPrefersStartTls).with_fix(fix));
    }
}

/// Blocks a password in clear text and warns about unencrypted mail, except to loopback.
fn check_encryption(fields: &CheckedFields, report: &mut ValidationReport) {
    if fields.security != Security::None || fields.is_loopback() {
        return;
    }
    let fix = Fix::SetPortAndSecurity {
        port: 587,
        security: Security::StartTls,
    };
    let finding = if fields.has_password {
        Finding::error(Field::Security, FindingCode::PasswordWithoutEncryption)
    } else {
        Finding::warning(Field::Security, FindingCode::NoEncryption)
    };
    report.push(finding.with_fix(fix));
}

/// Flags a removed scheme or `:port` suffix that disagrees with the chosen security or port.
fn check_removed_host_parts(fields: &CheckedFields, report: &mut ValidationReport) {
    let Some(host) = &fields.host else {
        return;
    };
    let security = fields.security;

    if let Some(scheme) = &host.scheme {
        let implies_implicit_tls = IMPLICIT_TLS_SCHEMES.contains(&scheme.as_str());
        let contradiction = match scheme.as_str() {
            _ if implies_implicit_tls && security != Security::ImplicitTls => Some(Fix::SetPortAndSecurity {
                port: IMPLICIT_TLS_PORT,
                security: Security::ImplicitTls,
            }),
            "smtp" if security == Security::ImplicitTls => Some(Fix::SetPortAndSecurity {
                port: 587,
                security: Security::StartTls,
            }),
            _ => None,
        };
        if let Some(fix) = contradiction {
            let code = FindingCode::SchemeContradictsSecurity {
                scheme: scheme.clone(),
                security,
            };
            report.push(Finding::warning(Field::Security, code).with_fix(fix));
        }
    }

    if let (Some(suffix_port), Some(port)) = (host.port_suffix, fields.port) {
        if suffix_port != port {
            let fix = Fix::SetPortAndSecurity {
                port: suffix_port,
                security: usual_security(suffix_port, security),
            };
            let code = FindingCode::PortSuffixContradictsPort { suffix_port, port };
            report.push(Finding::warning(Field::Port, code).with_fix(fix));
        }
    }
}

/// Returns the security a port usually runs, or `current` for ports without a convention.
fn usual_security(port: u16, current: Security) -> Security {
    match port {
        IMPLICIT_TLS_PORT => Security::ImplicitTls,
        587 => Security::StartTls,
        _ => current,
    }
}
