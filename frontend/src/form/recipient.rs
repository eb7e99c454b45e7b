//! Hints on the test mail's recipient: what a test to that address can and cannot show.

use shared::Language;

use super::values::domain_of;

/// Something the seller should know about the chosen test recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientHint {
    /// The recipient shares the sender's domain, so the mail may never leave the provider and a
    /// typo in the sender or a problem with external delivery goes unnoticed.
    SameDomainAsSender { domain: String },
    /// An Amazon buyer relay address: Amazon forwards only mail from senders approved in Seller
    /// Central.
    AmazonRelay { sender: String },
}

impl RecipientHint {
    /// Renders the hint for the seller.
    pub fn message(&self, language: Language) -> String {
        match (self, language) {
            (RecipientHint::SameDomainAsSender { domain }, Language::De) => format!(
                "Empfänger und Absender liegen beide bei {domain}. So bleibt die Mail beim selben Anbieter, \
                 und Probleme bei der Zustellung nach außen fallen nicht auf. Nehmen Sie besser eine Adresse \
                 bei einem anderen Anbieter."
            ),
            (RecipientHint::SameDomainAsSender { domain }, Language::En) => format!(
                "Recipient and sender are both at {domain}. The mail then stays with the same provider, \
                 and problems with delivery to the outside go unnoticed. Better use an address at another \
                 provider."
            ),
            (RecipientHint::AmazonRelay { sender }, Language::De) => format!(
                "Damit Amazon Ihre Nachricht an Käufer weiterleitet, muss {sender} in Seller Central unter \
                 Nachrichten-Berechtigungen als zugelassener Absender eingetragen sein."
            ),
            (RecipientHint::AmazonRelay { sender }, Language::En) => format!(
                "For Amazon to forward your message to buyers, {sender} must be an approved sender in \
                 Seller Central under messaging permissions."
            ),
        }
    }
}

/// Returns the hints for a test mail from `sender` to `recipient`, both as typed.
pub fn recipient_hints(sender: &str, recipient: &str) -> Vec<RecipientHint> {
    let (Some(recipient_domain), Some(sender_domain)) = (domain_of(recipient), domain_of(sender)) else {
        return Vec::new();
    };

    let mut hints = Vec::new();
    if recipient_domain == sender_domain {
        hints.push(RecipientHint::SameDomainAsSender {
            domain: sender_domain.clone(),
        });
    }
    if is_amazon_relay_domain(&recipient_domain) {
        hints.push(RecipientHint::AmazonRelay {
            sender: sender_address(sender),
        });
    }
    hints
}

/// Amazon's buyer relay addresses look like `a1b2c3@marketplace.amazon.de`, one domain per
/// marketplace country (`.de`, `.fr`, `.co.uk`, `.com`, ...).
fn is_amazon_relay_domain(domain: &str) -> bool {
    domain.starts_with("marketplace.amazon.")
}

/// Returns the address inside `Name <address>`, or the trimmed value when there are no brackets.
fn sender_address(sender: &str) -> String {
    let inner = sender
        .rsplit_once('<')
        .map_or(sender, |(_, rest)| rest.trim_end_matches('>'));
    inner.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amazon_relay_recipient_gets_the_seller_central_hint() {
        let hints = recipient_hints("info@shop.example", "a1b2c3d4e5@marketplace.amazon.de");

        let expected = RecipientHint::AmazonRelay {
            sender: "info@shop.example".to_owned(),
        };
        assert_eq!(hints, vec![expected.clone()]);
        assert_eq!(
            expected.message(Language::De),
            "Damit Amazon Ihre Nachricht an Käufer weiterleitet, muss info@shop.example in Seller Central \
             unter Nachrichten-Berechtigungen als zugelassener Absender eingetragen sein."
        );
    }

    #[test]
    fn amazon_hint_names_the_bare_sender_address() {
        let hints = recipient_hints("Max <info@shop.example>", "x@marketplace.amazon.co.uk");

        assert_eq!(
            hints,
            vec![RecipientHint::AmazonRelay {
                sender: "info@shop.example".to_owned()
            }]
        );
    }

    #[test]
    fn recipient_on_sender_domain_gets_a_hint() {
        let hints = recipient_hints("info@shop.example", "Info@Shop.example");

        assert_eq!(
            hints,
            vec![RecipientHint::SameDomainAsSender {
                domain: "shop.example".to_owned()
            }]
        );
    }

    #[test]
    fn external_recipient_gets_no_hint() {
        let hints = recipient_hints("info@shop.example", "max@privat.example");

        assert!(hints.is_empty());
    }

    #[test]
    fn incomplete_recipient_gets_no_hint() {
        assert!(recipient_hints("info@shop.example", "max@").is_empty());
    }
}
