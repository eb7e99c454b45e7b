//! Login and password.

use super::{CheckedFields, Password};
use crate::address::parse_email_address;
use crate::report::{Field, Finding, FindingCode, ValidationReport};
use crate::text;

/// Maximum length of the login, in characters (SASL PLAIN allows 255 bytes, RFC 4616).
pub const MAX_LOGIN_LENGTH: usize = 255;

/// Maximum length of the password, in characters; API keys of mail services are far shorter.
pub const MAX_PASSWORD_LENGTH: usize = 1024;

/// Checks login and password; returns the trimmed login. The password stays exactly as typed.
///
/// `password` is the newly entered one, if any; `has_password` also counts a stored one.
pub(super) fn check_credentials(
    login: &str,
    password: Option<&Password>,
    has_password: bool,
    report: &mut ValidationReport,
) -> Option<String> {
    if let Some(password) = password {
        check_password(password, report);
    }
    let login = check_login_text(login, report)?;

    match (login.is_empty(), has_password) {
        (true, true) => report.push(Finding::error(Field::Login, FindingCode::Required)),
        (false, false) => report.push(Finding::error(Field::Password, FindingCode::Required)),
        (true, false) => report.push(Finding::hint(Field::Login, FindingCode::NoAuthentication)),
        (false, true) => {}
    }
    Some(login)
}

fn check_login_text(login: &str, report: &mut ValidationReport) -> Option<String> {
    if let Some(character) = text::first_control(login) {
        let code = FindingCode::ControlCharacter {
            code_point: text::code_point(character),
        };
        report.push(Finding::error(Field::Login, code));
        return None;
    }
    let login = login.trim();
    if login.chars().count() > MAX_LOGIN_LENGTH {
        report.push(Finding::error(
            Field::Login,
            FindingCode::TooLong {
                max: MAX_LOGIN_LENGTH,
            },
        ));
        return None;
    }
    Some(login.to_owned())
}

fn check_password(password: &Password, report: &mut ValidationReport) {
    let password = password.expose();
    if password.chars().count() > MAX_PASSWORD_LENGTH {
        report.push(Finding::error(
            Field::Password,
            FindingCode::TooLong {
                max: MAX_PASSWORD_LENGTH,
            },
        ));
    }
    if password.starts_with(char::is_whitespace) || password.ends_with(char::is_whitespace) {
        report.push(Finding::hint(
            Field::Password,
            FindingCode::PasswordSurroundingSpaces,
        ));
    }
}

/// Hints that a login address of another domain than the sender's may not be allowed to send
/// for it: many providers reject such senders with 553 5.7.1.
pub(super) fn check_login_domain(fields: &CheckedFields, report: &mut ValidationReport) {
    let (Some(login), Some(sender)) = (&fields.login, &fields.sender) else {
        return;
    };
    // Most logins have the sender's domain; comparing the text spares parsing them.
    let typed_domain = login.rsplit_once('@').map(|(_, domain)| domain);
    let sender_domain = &sender.address;
    let has_sender_domain = typed_domain.is_some_and(|domain| {
        domain.eq_ignore_ascii_case(&sender_domain.domain_ascii)
            || domain.eq_ignore_ascii_case(&sender_domain.domain_unicode)
    });
    if has_sender_domain {
        return;
    }
    let Ok(login_address) = parse_email_address(login) else {
        return;
    };
    let sends_for_other_domains = fields
        .effective_preset()
        .is_some_and(|preset| preset.other_sender_domains);
    let login_domain = &login_address.domain_ascii;
    let sender_domain = &sender.address.domain_ascii;
    if sends_for_other_domains || are_related_domains(login_domain, sender_domain) {
        return;
    }
    let code = FindingCode::LoginDomainDiffers {
        login_domain: login_address.domain_unicode,
        sender_domain: sender.address.domain_unicode.clone(),
    };
    report.push(Finding::hint(Field::Login, code));
}

/// Returns whether two domains are equal or one lies below the other, as `mg.shop.example`
/// below `shop.example`.
fn are_related_domains(first: &str, second: &str) -> bool {
    let is_below = |lower: &str, upper: &str| {
        lower
            .strip_suffix(upper)
            .is_some_and(|prefix| prefix.ends_with('.'))
    };
    first == second || is_below(first, second) || is_below(second, first)
}
