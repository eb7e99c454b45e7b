//! Builds the MIME message and the SMTP envelope of one mail from the shared domain types.
//!
//! The test mail and the shop's real mails go through [`prepare_mail`], so a test proves what
//! customers will get. The message is 7-bit: lettre encodes non-ASCII header text as RFC 2047
//! encoded words (folded to at most 75 characters each) and picks quoted-printable or base64
//! for non-ASCII bodies. Only a non-ASCII local part needs the server's SMTPUTF8.

use std::fmt::Write as _;

use lettre::address::Envelope;
use lettre::message::header::ContentType;
use lettre::message::{Attachment as MimeAttachment, Mailbox as MimeMailbox, MultiPart, SinglePart};
use lettre::{Address, Message};
use rand::Rng as _;
use shared::{EmailAddress, Mailbox};

/// A file attached to a mail, such as an invoice PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    /// A MIME type such as `application/pdf`.
    pub content_type: String,
    pub content: Vec<u8>,
}

/// One mail to send: sender, recipients and content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    /// Blind copies: envelope recipients only, never a header.
    pub bcc: Vec<EmailAddress>,
    pub subject: String,
    pub text_body: String,
    pub attachments: Vec<Attachment>,
}

/// Parts of a shop's mail that the test mail does not use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailOptions {
    /// An HTML body. With a non-empty text body, both go as `multipart/alternative`. With an
    /// empty text body, the HTML part goes alone.
    pub html_body: Option<String>,
    pub reply_to: Option<Mailbox>,
}

/// A mail ready for the SMTP session: the envelope and the message bytes.
#[derive(Debug, Clone)]
pub struct PreparedMail {
    pub(crate) envelope_from: Address,
    pub(crate) recipients: Vec<Address>,
    pub(crate) data: Vec<u8>,
    message_id: String,
    needs_smtputf8: bool,
}

impl PreparedMail {
    /// Returns the Message-ID header's value, such as `<3f…@shop.example>`.
    pub fn message_id(&self) -> &str {
        &self.message_id
    }

    /// Returns the message as it goes after DATA (before dot-stuffing).
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Returns the envelope sender (MAIL FROM), such as `max@shop.example`.
    pub fn envelope_from(&self) -> String {
        self.envelope_from.to_string()
    }

    /// Returns the envelope recipients (RCPT TO), the BCC addresses last.
    pub fn envelope_recipients(&self) -> Vec<String> {
        self.recipients.iter().map(Address::to_string).collect()
    }

    /// Returns whether the envelope or the headers contain UTF-8, which needs SMTPUTF8.
    pub fn needs_smtputf8(&self) -> bool {
        self.needs_smtputf8
    }

    /// Rebuilds a mail prepared earlier from the parts its accessors returned, so that a queue
    /// can store it and send the same bytes, with the same Message-ID, on every attempt.
    ///
    /// # Errors
    /// An address does not parse, or there is no recipient.
    pub fn from_stored(
        envelope_from: &str,
        recipients: &[String],
        data: Vec<u8>,
        message_id: String,
    ) -> Result<PreparedMail, MessageError> {
        let envelope_from = parse_stored_address(envelope_from, "sender")?;
        let recipients: Vec<Address> = recipients
            .iter()
            .map(|recipient| parse_stored_address(recipient, "recipient"))
            .collect::<Result<_, _>>()?;
        if recipients.is_empty() {
            return Err(MessageError::NoRecipient);
        }
        let needs_smtputf8 = needs_smtputf8(&data, &envelope_from, &recipients);
        Ok(PreparedMail {
            envelope_from,
            recipients,
            data,
            message_id,
            needs_smtputf8,
        })
    }

    /// Adds envelope recipients after the others, such as a server's BCC addresses. They get
    /// the mail without appearing in any header.
    ///
    /// # Errors
    /// An address contains a control character or is invalid.
    pub fn add_envelope_recipients(&mut self, addresses: &[EmailAddress]) -> Result<(), MessageError> {
        for address in addresses {
            check_address(address, "BCC address")?;
            let address = envelope_address(address, "BCC address")?;
            self.needs_smtputf8 |= !address.to_string().is_ascii();
            self.recipients.push(address);
        }
        Ok(())
    }
}

fn parse_stored_address(text: &str, field: &'static str) -> Result<Address, MessageError> {
    if text.chars().any(char::is_control) {
        return Err(MessageError::ControlCharacter { field });
    }
    text.parse().map_err(
        |error: lettre::address::AddressError| MessageError::InvalidAddress {
            field,
            detail: error.to_string(),
        },
    )
}

fn needs_smtputf8(data: &[u8], envelope_from: &Address, recipients: &[Address]) -> bool {
    !data.is_ascii()
        || recipients
            .iter()
            .chain([envelope_from])
            .any(|address| !address.to_string().is_ascii())
}

/// The reason a mail could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// A CR, LF or other control character in a value that becomes a header. It would let the
    /// value add header lines of its own, such as a hidden Bcc.
    #[error("the {field} contains a line break or another control character")]
    ControlCharacter { field: &'static str },
    #[error("the {field} is not a valid address: {detail}")]
    InvalidAddress { field: &'static str, detail: String },
    #[error("the mail has no recipient")]
    NoRecipient,
    #[error("the attachment content type \"{0}\" is invalid")]
    InvalidContentType(String),
    #[error("the message could not be built: {0}")]
    Build(String),
}

/// Builds the message and the envelope.
///
/// The Message-ID's right-hand side is the sender's domain, the Date is now, and BCC addresses
/// go into the envelope only.
///
/// # Errors
/// A header value contains a control character, an address is invalid, there is no recipient,
/// or an attachment has an invalid content type.
pub fn prepare_mail(mail: &OutgoingMail) -> Result<PreparedMail, MessageError> {
    prepare_mail_with(mail, &MailOptions::default())
}

/// Builds the message and the envelope like [`prepare_mail`], with an HTML body or a Reply-To
/// header where `options` has them.
///
/// # Errors
/// As [`prepare_mail`], and also when the Reply-To address is invalid or contains a control
/// character.
pub fn prepare_mail_with(mail: &OutgoingMail, options: &MailOptions) -> Result<PreparedMail, MessageError> {
    reject_control_characters(mail)?;
    if let Some(reply_to) = &options.reply_to {
        check_header_text(
            reply_to.display_name.as_deref().unwrap_or_default(),
            "reply-to address",
        )?;
        check_address(&reply_to.address, "reply-to address")?;
    }
    if mail.to.is_empty() {
        return Err(MessageError::NoRecipient);
    }

    let from = mime_mailbox(&mail.from, "sender")?;
    let to: Vec<MimeMailbox> = mail
        .to
        .iter()
        .map(|mailbox| mime_mailbox(mailbox, "recipient"))
        .collect::<Result<_, _>>()?;
    let bcc: Vec<Address> = mail
        .bcc
        .iter()
        .map(|address| envelope_address(address, "BCC address"))
        .collect::<Result<_, _>>()?;
    let message_id = new_message_id(&mail.from.address.domain_ascii);

    let mut builder = Message::builder()
        .from(from.clone())
        .subject(mail.subject.clone())
        .message_id(Some(message_id.clone()));
    for recipient in &to {
        builder = builder.to(recipient.clone());
    }
    if let Some(reply_to) = &options.reply_to {
        builder = builder.reply_to(mime_mailbox(reply_to, "reply-to address")?);
    }
    // With the envelope given, lettre does not parse the From and To headers it just wrote back
    // into addresses to derive one. It is lettre's envelope only: the session sends `recipients`.
    let mut recipients: Vec<Address> = to.iter().map(|mailbox| mailbox.email.clone()).collect();
    let envelope = Envelope::new(Some(from.email.clone()), recipients.clone())
        .map_err(|error| MessageError::Build(error.to_string()))?;
    let message = builder
        .envelope(envelope)
        .multipart(body_parts(mail, options.html_body.as_deref())?)
        .map_err(|error| MessageError::Build(error.to_string()))?;

    recipients.extend(bcc);
    let data = message.formatted();
    let needs_smtputf8 = needs_smtputf8(&data, &from.email, &recipients);
    Ok(PreparedMail {
        envelope_from: from.email,
        recipients,
        data,
        message_id,
        needs_smtputf8,
    })
}

fn body_parts(mail: &OutgoingMail, html_body: Option<&str>) -> Result<MultiPart, MessageError> {
    let text = || {
        SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text_body.clone())
    };
    let mut parts = match html_body {
        None => MultiPart::mixed().singlepart(text()),
        Some(html) if mail.text_body.is_empty() => {
            MultiPart::mixed().singlepart(SinglePart::html(html.to_owned()))
        }
        Some(html) => MultiPart::mixed().multipart(MultiPart::alternative_plain_html(
            mail.text_body.clone(),
            html.to_owned(),
        )),
    };
    for attachment in &mail.attachments {
        let content_type = ContentType::parse(&attachment.content_type)
            .map_err(|_| MessageError::InvalidContentType(attachment.content_type.clone()))?;
        let part =
            MimeAttachment::new(attachment.filename.clone()).body(attachment.content.clone(), content_type);
        parts = parts.singlepart(part);
    }
    Ok(parts)
}

fn mime_mailbox(mailbox: &Mailbox, field: &'static str) -> Result<MimeMailbox, MessageError> {
    let address = envelope_address(&mailbox.address, field)?;
    let name = mailbox
        .display_name
        .clone()
        .filter(|name| !name.trim().is_empty());
    Ok(MimeMailbox::new(name, address))
}

/// Returns the address with the domain's A-labels (`xn--…`), as SMTP needs it without SMTPUTF8.
fn envelope_address(address: &EmailAddress, field: &'static str) -> Result<Address, MessageError> {
    Address::new(&address.local_part, &address.domain_ascii).map_err(|error| MessageError::InvalidAddress {
        field,
        detail: error.to_string(),
    })
}

fn reject_control_characters(mail: &OutgoingMail) -> Result<(), MessageError> {
    let mailbox_fields = [(&mail.from, "sender")]
        .into_iter()
        .chain(mail.to.iter().map(|mailbox| (mailbox, "recipient")));
    for (mailbox, field) in mailbox_fields {
        check_header_text(mailbox.display_name.as_deref().unwrap_or_default(), field)?;
        check_address(&mailbox.address, field)?;
    }
    for address in &mail.bcc {
        check_address(address, "BCC address")?;
    }
    check_header_text(&mail.subject, "subject")?;
    for attachment in &mail.attachments {
        check_header_text(&attachment.filename, "attachment name")?;
    }
    Ok(())
}

fn check_address(address: &EmailAddress, field: &'static str) -> Result<(), MessageError> {
    check_header_text(&address.local_part, field)?;
    check_header_text(&address.domain_ascii, field)
}

fn check_header_text(value: &str, field: &'static str) -> Result<(), MessageError> {
    if value.chars().any(char::is_control) {
        return Err(MessageError::ControlCharacter { field });
    }
    Ok(())
}

/// Returns `<32 random hex digits@domain>`. The random part comes from rand's thread-local
/// generator (ChaCha, seeded and reseeded from the operating system), so IDs from several
/// processes do not collide, without a system call per mail.
fn new_message_id(domain_ascii: &str) -> String {
    let random: [u8; 16] = rand::thread_rng().gen();
    let mut message_id = String::with_capacity(35 + domain_ascii.len());
    message_id.push('<');
    for byte in random {
        // `fmt::Write` for `String` always returns `Ok`.
        let _ = write!(message_id, "{byte:02x}");
    }
    message_id.push('@');
    message_id.push_str(domain_ascii);
    message_id.push('>');
    message_id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(local_part: &str, domain: &str) -> EmailAddress {
        EmailAddress {
            local_part: local_part.to_owned(),
            domain_unicode: domain.to_owned(),
            domain_ascii: domain.to_owned(),
        }
    }

    fn mailbox(name: Option<&str>, local_part: &str, domain: &str) -> Mailbox {
        Mailbox {
            display_name: name.map(str::to_owned),
            address: address(local_part, domain),
        }
    }

    fn sample_mail() -> OutgoingMail {
        OutgoingMail {
            from: mailbox(Some("Max Mustermann"), "max", "shop.example"),
            to: vec![mailbox(None, "kunde", "example.net")],
            bcc: vec![address("archiv", "shop.example")],
            subject: "Ihre Bestellung".to_owned(),
            text_body: "Grüße aus dem Shop".to_owned(),
            attachments: Vec::new(),
        }
    }

    fn header_lines(prepared: &PreparedMail) -> Vec<String> {
        let text = String::from_utf8_lossy(prepared.data()).into_owned();
        let head = text.split("\r\n\r\n").next().unwrap_or_default().to_owned();
        head.split("\r\n").map(str::to_owned).collect()
    }

    #[test]
    fn envelope_lists_bcc_after_recipients() {
        let prepared = prepare_mail(&sample_mail()).expect("valid mail");
        assert_eq!(prepared.envelope_from(), "max@shop.example");
        assert_eq!(
            prepared.envelope_recipients(),
            vec!["kunde@example.net", "archiv@shop.example"]
        );
    }

    #[test]
    fn message_has_no_bcc_header() {
        let prepared = prepare_mail(&sample_mail()).expect("valid mail");
        let bcc_lines = header_lines(&prepared)
            .into_iter()
            .filter(|line| line.to_ascii_lowercase().starts_with("bcc:"))
            .count();
        assert_eq!(bcc_lines, 0);
    }

    #[test]
    fn message_id_uses_sender_domain() {
        let prepared = prepare_mail(&sample_mail()).expect("valid mail");
        assert!(
            prepared.message_id().ends_with("@shop.example>"),
            "{}",
            prepared.message_id()
        );
        assert!(header_lines(&prepared)
            .iter()
            .any(|line| line == &format!("Message-ID: {}", prepared.message_id())));
    }

    #[test]
    fn message_is_seven_bit() {
        let prepared = prepare_mail(&sample_mail()).expect("valid mail");
        assert!(prepared.data().is_ascii());
        assert!(!prepared.needs_smtputf8());
    }

    #[test]
    fn control_character_in_display_name_rejected() {
        // BC07: a line break in the sender's name would add a header line of its own.
        let mut mail = sample_mail();
        mail.from.display_name = Some("Max\r\nBcc: fremder@example.net".to_owned());
        assert_eq!(
            prepare_mail(&mail).expect_err("injection"),
            MessageError::ControlCharacter { field: "sender" }
        );
    }

    #[test]
    fn line_break_in_bcc_rejected() {
        let mut mail = sample_mail();
        mail.bcc = vec![address("archiv", "shop.example\nX-Injected: 1")];
        assert_eq!(
            prepare_mail(&mail).expect_err("injection"),
            MessageError::ControlCharacter { field: "BCC address" }
        );
    }

    #[test]
    fn mail_without_recipient_rejected() {
        let mut mail = sample_mail();
        mail.to.clear();
        assert_eq!(
            prepare_mail(&mail).expect_err("no recipient"),
            MessageError::NoRecipient
        );
    }

    #[test]
    fn html_body_goes_as_alternative_to_text() {
        let options = MailOptions {
            html_body: Some("<p>Grüße aus dem Shop</p>".to_owned()),
            reply_to: None,
        };
        let prepared = prepare_mail_with(&sample_mail(), &options).expect("valid mail");
        let text = String::from_utf8_lossy(prepared.data()).into_owned();
        assert!(text.contains("multipart/alternative"), "{text}");
        assert!(text.contains("Content-Type: text/plain"), "{text}");
        assert!(text.contains("Content-Type: text/html"), "{text}");
    }

    #[test]
    fn html_body_alone_without_text() {
        let mut mail = sample_mail();
        mail.text_body.clear();
        let options = MailOptions {
            html_body: Some("<p>Hallo</p>".to_owned()),
            reply_to: None,
        };
        let prepared = prepare_mail_with(&mail, &options).expect("valid mail");
        let text = String::from_utf8_lossy(prepared.data()).into_owned();
        assert!(!text.contains("multipart/alternative"), "{text}");
        assert!(!text.contains("text/plain"), "{text}");
        assert!(text.contains("Content-Type: text/html"), "{text}");
    }

    #[test]
    fn reply_to_becomes_header() {
        let options = MailOptions {
            html_body: None,
            reply_to: Some(mailbox(Some("Kundenservice"), "service", "shop.example")),
        };
        let prepared = prepare_mail_with(&sample_mail(), &options).expect("valid mail");
        assert!(header_lines(&prepared)
            .iter()
            .any(|line| line == "Reply-To: Kundenservice <service@shop.example>"));
    }

    #[test]
    fn line_break_in_reply_to_rejected() {
        let options = MailOptions {
            html_body: None,
            reply_to: Some(mailbox(
                Some("Service\r\nBcc: x@example.net"),
                "service",
                "shop.example",
            )),
        };
        assert_eq!(
            prepare_mail_with(&sample_mail(), &options).expect_err("injection"),
            MessageError::ControlCharacter {
                field: "reply-to address"
            }
        );
    }

    #[test]
    fn stored_mail_round_trips() {
        let prepared = prepare_mail(&sample_mail()).expect("valid mail");

        let restored = PreparedMail::from_stored(
            &prepared.envelope_from(),
            &prepared.envelope_recipients(),
            prepared.data().to_vec(),
            prepared.message_id().to_owned(),
        )
        .expect("stored parts are valid");

        assert_eq!(restored.envelope_from(), prepared.envelope_from());
        assert_eq!(restored.envelope_recipients(), prepared.envelope_recipients());
        assert_eq!(restored.data(), prepared.data());
        assert_eq!(restored.message_id(), prepared.message_id());
        assert_eq!(restored.needs_smtputf8(), prepared.needs_smtputf8());
    }

    #[test]
    fn added_envelope_recipients_come_last() {
        let mut prepared = prepare_mail(&sample_mail()).expect("valid mail");

        prepared
            .add_envelope_recipients(&[address("kopie", "shop.example")])
            .expect("valid address");

        assert_eq!(
            prepared.envelope_recipients(),
            vec!["kunde@example.net", "archiv@shop.example", "kopie@shop.example"]
        );
    }

    #[test]
    fn attachment_becomes_second_part() {
        let mut mail = sample_mail();
        mail.attachments.push(Attachment {
            filename: "Rechnung 4711.pdf".to_owned(),
            content_type: "application/pdf".to_owned(),
            content: b"%PDF-1.4 test".to_vec(),
        });
        let prepared = prepare_mail(&mail).expect("valid mail");
        let text = String::from_utf8_lossy(prepared.data()).into_owned();
        assert!(text.contains("Content-Type: application/pdf"), "{text}");
        assert!(text.contains("Content-Disposition: attachment"), "{text}");
    }
}
