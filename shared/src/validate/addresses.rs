//! The sender and BCC fields.

use crate::address::{parse_address_list, parse_mailbox, AddressProblem, EmailAddress, Mailbox};
use crate::report::{Field, Finding, FindingCode, ValidationReport};

/// Maximum number of BCC addresses. Each one is a copy of every customer mail.
pub const MAX_BCC_ADDRESSES: usize = 10;

/// Checks the sender: a bare address or `Name <address>`.
pub(super) fn check_sender(sender: &str, report: &mut ValidationReport) -> Option<Mailbox> {
    match parse_mailbox(sender) {
        Ok(mailbox) => {
            warn_about_non_ascii_local_part(Field::Sender, &mailbox.address, report);
            Some(mailbox)
        }
        Err(AddressProblem::Empty) => {
            report.push(Finding::error(Field::Sender, FindingCode::Required));
            None
        }
        Err(problem) => {
            report.push(problem.to_finding(Field::Sender, sender));
            None
        }
    }
}

/// Checks the BCC field: empty, or up to [`MAX_BCC_ADDRESSES`] addresses separated by `,`
/// or `;`, each checked like the sender.
pub(super) fn check_bcc(bcc: &str, report: &mut ValidationReport) -> Option<Vec<EmailAddress>> {
    let addresses = match parse_address_list(bcc) {
        Ok(addresses) => addresses,
        Err(invalid_entries) => {
            for invalid in invalid_entries {
                report.push(invalid.problem.to_finding(Field::Bcc, &invalid.entry));
            }
            return None;
        }
    };
    if addresses.len() > MAX_BCC_ADDRESSES {
        report.push(Finding::error(
            Field::Bcc,
            FindingCode::TooManyAddresses {
                max: MAX_BCC_ADDRESSES,
            },
        ));
        return None;
    }
    for address in &addresses {
        warn_about_non_ascii_local_part(Field::Bcc, address, report);
    }
    Some(addresses)
}

fn warn_about_non_ascii_local_part(field: Field, address: &EmailAddress, report: &mut ValidationReport) {
    if address.needs_smtputf8() {
        report.push(Finding::warning(
            field,
            FindingCode::NonAsciiLocalPart {
                address: address.to_unicode(),
            },
        ));
    }
}
