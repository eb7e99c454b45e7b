//! Recipients of a test mail, and the marketplace hints that depend on them.

use crate::address::{parse_address_list, EmailAddress};
use crate::report::{Field, Finding, FindingCode, ValidationReport};

/// Maximum number of test recipients in one request.
pub const MAX_TEST_RECIPIENTS: usize = 10;

/// The domain prefix of Amazon's buyer relay addresses, such as `…@marketplace.amazon.de`.
const AMAZON_RELAY_PREFIX: &str = "marketplace.amazon.";

/// Validates the recipients of a test mail (one or several, separated by `,` or `;`) and adds
/// the hints for marketplace relay addresses.
///
/// `sender` is the sender of the server being tested, for the Amazon hint. Blank input gives
/// no findings and no addresses; the caller then uses the account's address.
pub fn validate_test_recipients(
    input: &str,
    sender: Option<&EmailAddress>,
) -> (ValidationReport, Vec<EmailAddress>) {
    let mut report = ValidationReport::default();
    let addresses = match parse_address_list(input) {
        Ok(addresses) => addresses,
        Err(invalid_entries) => {
            for invalid in invalid_entries {
                report.push(invalid.problem.to_finding(Field::TestRecipient, &invalid.entry));
            }
            return (report, Vec::new());
        }
    };
    if addresses.len() > MAX_TEST_RECIPIENTS {
        report.push(Finding::error(
            Field::TestRecipient,
            FindingCode::TooManyAddresses {
                max: MAX_TEST_RECIPIENTS,
            },
        ));
        return (report, Vec::new());
    }

    if addresses.iter().any(is_amazon_relay_address) {
        let sender = sender.map(EmailAddress::to_unicode).unwrap_or_default();
        report.push(Finding::hint(
            Field::TestRecipient,
            FindingCode::AmazonApprovedSender { sender },
        ));
        report.push(Finding::hint(
            Field::TestRecipient,
            FindingCode::AmazonImportantSubject,
        ));
    }
    (report, addresses)
}

/// Returns whether an address is one of Amazon's buyer relay addresses, which Amazon forwards
/// only from approved senders.
pub fn is_amazon_relay_address(address: &EmailAddress) -> bool {
    address.domain_ascii.starts_with(AMAZON_RELAY_PREFIX)
}
