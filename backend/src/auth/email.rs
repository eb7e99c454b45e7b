//! The sign-up address, checked with the same address rules as a server's sender.

use crate::error::ApiError;

/// Checks a sign-up address and returns it normalised for display and storage (trimmed, with
/// the Unicode form of the domain). The account needs a bare address, so a display name
/// (`Max <max@shop.example>`) is rejected.
///
/// # Errors
/// [`ApiError::InvalidEmail`] when `shared::parse_email_address` rejects the input.
pub fn parse_sign_up_email(input: &str) -> Result<String, ApiError> {
    // The problem is not logged: it can quote parts of the address, which is personal data.
    let address = shared::parse_email_address(input).map_err(|_| ApiError::InvalidEmail)?;
    Ok(address.to_unicode())
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
    fn unicode_domain_is_kept_for_display() {
        assert_eq!(
            parse_sign_up_email("max@bücher.example").expect("valid"),
            "max@bücher.example"
        );
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        for input in [
            "",
            "max",
            "max@",
            "@shop.example",
            "max@examplecom",
            "max..shop@example.com",
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
