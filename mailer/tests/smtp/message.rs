//! What the server receives: envelope and headers, as a scripted peer records them.

use std::str::FromStr;

use shared::Security;
use testkit::{FaultPeer, PeerScript};

use crate::helpers::*;

/// Sends `mail` to a plain peer and returns the client's lines and the received message.
async fn capture(mail: &mailer::OutgoingMail) -> (Vec<String>, String) {
    let peer = FaultPeer::start(PeerScript::smtp()).await;
    let (report, verdict) = send(
        &config(),
        &target("127.0.0.1", peer.port(), Security::None),
        None,
        mail,
    )
    .await;
    assert!(verdict.is_accepted(), "{verdict:?}\n{:#?}", report.transcript);
    let message = peer.messages().into_iter().next().expect("one message");
    (peer.received_lines(), message)
}

fn mail_from_line(lines: &[String]) -> String {
    lines
        .iter()
        .find(|line| line.starts_with("MAIL FROM:"))
        .expect("MAIL FROM")
        .clone()
}

#[tokio::test]
async fn display_name_stays_out_of_envelope() {
    // BC02: "Name <addr>" gives MAIL FROM:<addr>, the same as the bare address.
    let mut named = sample_mail();
    named.from = mailbox(Some("Max Mustermann"), "max", "example.com");
    let mut bare = sample_mail();
    bare.from = mailbox(None, "max", "example.com");

    let (named_lines, named_message) = capture(&named).await;
    let (bare_lines, _) = capture(&bare).await;

    assert!(
        mail_from_line(&named_lines).starts_with("MAIL FROM:<max@example.com>"),
        "{named_lines:?}"
    );
    assert_eq!(mail_from_line(&named_lines), mail_from_line(&bare_lines));
    let from = header_value(&named_message, "From").expect("From header");
    assert_eq!(from.matches('<').count(), 1, "{from}");
    assert_eq!(from.matches('>').count(), 1, "{from}");
}

#[tokio::test]
async fn display_names_with_specials_round_trip() {
    // BC05: specials in display names are quoted, and a colon never becomes group syntax.
    for name in ["Max's Shop: Angebote", "Max \"der Händler\"", "Shop <Outlet>"] {
        let mut mail = sample_mail();
        mail.from = mailbox(Some(name), "max", "example.com");

        let (_, message) = capture(&mail).await;

        let header = header_value(&message, "From").expect("From header");
        let parsed = lettre::message::Mailbox::from_str(&header)
            .unwrap_or_else(|error| panic!("From header {header:?} does not parse: {error}"));
        let parsed_name = parsed.name.as_deref().map(decode_encoded_words);
        assert_eq!(parsed_name.as_deref(), Some(name), "From header {header:?}");
        assert_eq!(parsed.email.to_string(), "max@example.com");
    }
}

#[tokio::test]
async fn idn_sender_uses_a_labels_without_smtputf8() {
    // BC13: the peer offers no SMTPUTF8, so the envelope uses the punycode domain.
    let mut mail = sample_mail();
    mail.from = shared::Mailbox {
        display_name: Some("Max".to_owned()),
        address: shared::EmailAddress {
            local_part: "max".to_owned(),
            domain_unicode: "bücher.example".to_owned(),
            domain_ascii: "xn--bcher-kva.example".to_owned(),
        },
    };

    let (lines, message) = capture(&mail).await;

    assert!(
        mail_from_line(&lines).starts_with("MAIL FROM:<max@xn--bcher-kva.example>"),
        "{lines:?}"
    );
    assert!(message.is_ascii());
}

#[tokio::test]
async fn long_subject_folds_within_limits() {
    // BC47: a long non-ASCII subject is split into encoded words of at most 75 characters,
    // on lines of at most 78, and decodes to the input.
    let subject = "Ihre Bestellung über Größenänderung – Rückfragen zur Lieferung ".repeat(6);
    let mut mail = sample_mail();
    mail.subject = subject.clone();

    let (_, message) = capture(&mail).await;

    let lines = header_lines(&message);
    let start = lines
        .iter()
        .position(|line| line.starts_with("Subject:"))
        .expect("Subject header");
    let subject_lines: Vec<&String> = std::iter::once(&lines[start])
        .chain(
            lines[start + 1..]
                .iter()
                .take_while(|line| line.starts_with([' ', '\t'])),
        )
        .collect();
    for line in &subject_lines {
        assert!(line.len() <= 78, "line of {} characters: {line}", line.len());
        for word in line.split_whitespace().filter(|word| word.starts_with("=?")) {
            assert!(
                word.len() <= 75,
                "encoded word of {} characters: {word}",
                word.len()
            );
        }
    }
    let decoded = decode_encoded_words(&header_value(&message, "Subject").expect("Subject"));
    assert_eq!(decoded, subject);
}
