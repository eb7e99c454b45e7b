//! The test mail's recipients: `shared`'s checks, plus a hint on what a test to the sender's own
//! domain cannot show.

use shared::{parse_mailbox, validate_test_recipients, Field, Finding, Language, ValidationReport};

use super::values::domain_of;

/// Validates the recipients as typed with `shared` (syntax, the maximum count, Amazon's relay
/// addresses) for a test mail from `sender`.
pub fn check_recipients(sender: &str, recipients: &str) -> ValidationReport {
    let sender = parse_mailbox(sender).ok();
    let (report, _) = validate_test_recipients(recipients, sender.as_ref().map(|mailbox| &mailbox.address));
    report
}

/// Returns the findings of the recipient field, errors first.
pub fn recipient_findings(report: &ValidationReport) -> Vec<Finding> {
    report
        .for_field(Field::TestRecipient)
        .into_iter()
        .cloned()
        .collect()
}

/// A hint when a recipient shares the sender's domain: the mail may then never leave the provider,
/// so a typo in the sender or a problem with delivery to the outside goes unnoticed.
pub fn same_domain_hint(sender: &str, recipients: &str, language: Language) -> Option<String> {
    let sender_domain = domain_of(sender)?;
    let shares_domain = recipients
        .split([',', ';'])
        .filter_map(domain_of)
        .any(|domain| domain == sender_domain);
    if !shares_domain {
        return None;
    }
    Some(match language.effective() {
        Language::De => format!(
            "Empfänger und Absender liegen beide bei {sender_domain}. So bleibt die Mail beim selben Anbieter, \
             und Probleme bei der Zustellung nach außen fallen nicht auf. Nehmen Sie besser eine Adresse \
             bei einem anderen Anbieter."
        ),
        Language::En => format!(
            "Recipient and sender are both at {sender_domain}. The mail then stays with the same provider, \
             and problems with delivery to the outside go unnoticed. Better use an address at another \
             provider."
        ),
    })
}

#[cfg(test)]
mod tests {
    use shared::{FindingCode, Severity};

    use super::*;

    #[test]
    fn amazon_relay_recipient_gets_the_seller_central_hint() {
        let report = check_recipients("info@shop.example", "a1b2c3d4e5@marketplace.amazon.de");

        let findings = recipient_findings(&report);
        let amazon = findings
            .iter()
            .find(|finding| matches!(finding.code, FindingCode::AmazonApprovedSender { .. }))
            .expect("an Amazon hint");
        assert_eq!(amazon.severity, Severity::Hint);
        assert!(amazon.message(Language::De).contains("info@shop.example"));
    }

    #[test]
    fn invalid_recipient_is_an_error() {
        let report = check_recipients("info@shop.example", "kunde@");

        assert!(report.has_errors());
    }

    #[test]
    fn recipient_on_sender_domain_gets_a_hint() {
        let hint = same_domain_hint("Max <info@shop.example>", "Info@Shop.example", Language::De);

        assert!(hint.is_some_and(|hint| hint.contains("shop.example")));
    }

    #[test]
    fn second_recipient_on_sender_domain_gets_a_hint() {
        let hint = same_domain_hint(
            "info@shop.example",
            "max@privat.example; lager@shop.example",
            Language::En,
        );

        assert!(hint.is_some());
    }

    #[test]
    fn external_recipient_gets_no_hint() {
        assert_eq!(
            same_domain_hint("info@shop.example", "max@privat.example", Language::De),
            None
        );
    }
}
