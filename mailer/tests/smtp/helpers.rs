//! Shared set-up for the SMTP tests: configuration with short limits, sample mails, and a
//! decoder for RFC 2047 encoded words.

use std::time::Duration;

use base64::Engine as _;
use mailer::{
    deliver, diagnose, prepare_mail, AddressClass, AllowList, DeliveryReport, DiagnosisContext, HeloName,
    MailerConfig, OutgoingMail, ServerTarget, SmtpLogin, Timeouts, TrustRoots, Verdict,
};
use shared::{EmailAddress, Language, Mailbox, Password, Security};
use testkit::TestCertificates;

pub const HELO_NAME: &str = "mailer.postausgang.example";

/// Limits short enough that a stalled peer ends a test in about a second.
pub fn short_timeouts() -> Timeouts {
    Timeouts {
        total: Duration::from_secs(8),
        resolve: Duration::from_secs(2),
        connect: Duration::from_secs(2),
        tls_handshake: Duration::from_secs(2),
        greeting: Duration::from_millis(800),
        command: Duration::from_millis(800),
        data: Duration::from_secs(2),
    }
}

/// A configuration that allows loopback and trusts only the public roots.
pub fn config() -> MailerConfig {
    MailerConfig {
        helo_name: HeloName::parse(HELO_NAME).expect("valid EHLO name"),
        trust: TrustRoots::public().expect("public roots"),
        allow: AllowList::allowing([AddressClass::Loopback]),
        timeouts: short_timeouts(),
    }
}

/// A configuration that also trusts the test CA, as `POSTAUSGANG_EXTRA_ROOT_CERTS` would.
pub fn config_trusting(certificates: &TestCertificates) -> MailerConfig {
    MailerConfig {
        trust: TrustRoots::with_extra_roots_file(&certificates.ca_path()).expect("test CA loads"),
        ..config()
    }
}

pub fn target(host: &str, port: u16, security: Security) -> ServerTarget {
    ServerTarget {
        host: host.to_owned(),
        port,
        security,
    }
}

pub fn login(username: &str, password: &str) -> SmtpLogin {
    SmtpLogin {
        username: username.to_owned(),
        password: Password::new(password.to_owned()),
    }
}

pub fn address(local_part: &str, domain: &str) -> EmailAddress {
    EmailAddress {
        local_part: local_part.to_owned(),
        domain_unicode: domain.to_owned(),
        domain_ascii: domain.to_owned(),
    }
}

pub fn mailbox(display_name: Option<&str>, local_part: &str, domain: &str) -> Mailbox {
    Mailbox {
        display_name: display_name.map(str::to_owned),
        address: address(local_part, domain),
    }
}

/// A test mail from `Max Mustermann <info@shop.example>` to `kunde@example.net`, BCC
/// `archiv@shop.example`.
pub fn sample_mail() -> OutgoingMail {
    OutgoingMail {
        from: mailbox(Some("Max Mustermann"), "info", "shop.example"),
        to: vec![mailbox(None, "kunde", "example.net")],
        bcc: vec![address("archiv", "shop.example")],
        subject: "Test-Mail von Postausgang".to_owned(),
        text_body: "Diese Mail prüft die Einstellungen.".to_owned(),
        attachments: Vec::new(),
    }
}

/// Sends `mail` through `target` and returns the report with its verdict.
pub async fn send(
    config: &MailerConfig,
    target: &ServerTarget,
    login: Option<&SmtpLogin>,
    mail: &OutgoingMail,
) -> (DeliveryReport, Verdict) {
    let prepared = prepare_mail(mail).expect("the mail builds");
    let report = deliver(config, target, login, &prepared).await;
    let sender = prepared.envelope_from();
    let context = DiagnosisContext {
        target,
        sender: &sender,
        login: login.map(|login| login.username.as_str()),
        password_is_ascii: login.is_none_or(|login| login.password.expose().is_ascii()),
    };
    let verdict = diagnose(&report.outcome, &context);
    (report, verdict)
}

/// Returns the transcript's client lines without their `C: ` prefix.
pub fn client_lines(report: &DeliveryReport) -> Vec<String> {
    report
        .transcript
        .iter()
        .filter_map(|entry| entry.strip_prefix("C: ").map(str::to_owned))
        .collect()
}

/// Returns the verdict's German text.
pub fn german(verdict: &Verdict) -> String {
    verdict.message(Language::De)
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=` and `=?utf-8?q?…?=`) in a header value;
/// whitespace between two encoded words is dropped (RFC 2047 section 6.2).
pub fn decode_encoded_words(value: &str) -> String {
    let mut decoded = Vec::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        if !(after_word && before.trim().is_empty()) {
            decoded.extend_from_slice(before.as_bytes());
        }
        let mut parts = rest[start + 2..].splitn(3, '?');
        let _charset = parts.next().expect("charset");
        let encoding = parts.next().expect("encoding").to_ascii_lowercase();
        let remainder = parts.next().expect("encoded text");
        let end = remainder.find("?=").expect("end of encoded word");
        let text = &remainder[..end];
        if encoding == "b" {
            decoded.extend(
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .expect("base64 word"),
            );
        } else {
            decoded.extend(decode_q(text));
        }
        rest = &remainder[end + 2..];
        after_word = true;
    }
    decoded.extend_from_slice(rest.as_bytes());
    String::from_utf8(decoded).expect("UTF-8 header")
}

fn decode_q(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'_' => decoded.push(b' '),
            b'=' => {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).expect("hex digits");
                decoded.push(u8::from_str_radix(hex, 16).expect("hex byte"));
                index += 2;
            }
            byte => decoded.push(byte),
        }
        index += 1;
    }
    decoded
}

/// Returns the header lines (before the blank line) of a message as received.
pub fn header_lines(message: &str) -> Vec<String> {
    let head = message.split("\r\n\r\n").next().unwrap_or_default();
    head.split("\r\n").map(str::to_owned).collect()
}

/// Returns the unfolded value of the first header called `name`.
pub fn header_value(message: &str, name: &str) -> Option<String> {
    let prefix = format!("{}:", name.to_ascii_lowercase());
    let lines = header_lines(message);
    let start = lines
        .iter()
        .position(|line| line.to_ascii_lowercase().starts_with(&prefix))?;
    let mut value = lines[start][prefix.len()..].trim_start().to_owned();
    for line in lines[start + 1..]
        .iter()
        .take_while(|line| line.starts_with([' ', '\t']))
    {
        value.push_str(line);
    }
    Some(value)
}
