//! The sign-up address, checked with the same rules as a server's sender address.

use shared::{validate_server, Field, PortInput, Security, ServerInput, Severity};

use crate::error::ApiError;

/// Checks a sign-up address and returns it normalised for display and storage (trimmed, with
/// the Unicode form of the domain). A display name (`Max <max@shop.example>`) is rejected,
/// because the account needs a bare address.
///
/// # Errors
/// [`ApiError::InvalidEmail`] when `shared`'s sender rules report an error, or when the input
/// is not a bare address.
// NOTE: shared exposes no standalone address parser yet, so this runs the sender rule through
// `validate_server` with fixed, valid values for the other fields. Call the parser directly once
// shared exports one.
pub fn parse_sign_up_email(input: &str) -> Result<String, ApiError> {
    let trimmed = input.trim();
    if !looks_like_bare_address(trimmed) {
        return Err(ApiError::InvalidEmail);
    }

    let probe = ServerInput {
        provider: String::new(),
        active: true,
        display_name: String::new(),
        sender: trimmed.to_owned(),
        host: "smtp.example.com".to_owned(),
        port: PortInput::Number(587),
        security: Security::StartTls,
        login: String::new(),
        password: None,
        bcc: String::new(),
        is_default: false,
    };
    let (report, normalized) = validate_server(&probe, false);
    let sender_is_invalid = report
        .findings
        .iter()
        .any(|finding| finding.field == Field::Sender && finding.severity == Severity::Error);
    if sender_is_invalid {
        return Err(ApiError::InvalidEmail);
    }

    match normalized {
        Some(server) if server.sender.display_name.is_some() => Err(ApiError::InvalidEmail),
        Some(server) => Ok(server.sender.address.to_unicode()),
        None => Ok(trimmed.to_owned()),
    }
}

/// Returns whether the input has the shape of a bare address, before shared's full rules: one
/// `@` between a non-empty local part and domain, and no spaces, angle brackets or control
/// characters.
fn looks_like_bare_address(input: &str) -> bool {
    let forbidden =
        |character: char| character.is_whitespace() || character.is_control() || "<>".contains(character);
    match input.rsplit_once('@') {
        Some((local, domain)) => !local.is_empty() && !domain.is_empty() && !input.contains(forbidden),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_address_is_accepted_and_trimmed() {
        assert_eq!(
            parse_sign_up_email("  max@shop.example ").expect("valid"),
            "max@shop.example"
        );
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        for input in [
            "",
            "max",
            "max@",
            "@shop.example",
            "Max <max@shop.example>",
            "max@shop.example\r\nBcc: x@y.z",
        ] {
            assert!(
                matches!(parse_sign_up_email(input), Err(ApiError::InvalidEmail)),
                "{input:?} must be rejected"
            );
        }
    }
}
