//! Sending through aiosmtpd, a real SMTP server implementation, in each security mode.

use mailer::{prepare_mail, Deadline, SmtpSession, Verdict};
use shared::api::{SmtpStep, StepStatus};
use shared::{Language, Security};
use testkit::{CertificateOptions, ServerMode, SmtpServer, SmtpServerOptions, TestCertificates};

use crate::helpers::*;

const USER: &str = "max@shop.example";
const PASSWORD: &str = "geheim-123";

fn status_of(report: &mailer::DeliveryReport, step: SmtpStep) -> Vec<StepStatus> {
    report
        .steps
        .iter()
        .filter(|record| record.step == step)
        .map(|record| record.status())
        .collect()
}

#[tokio::test]
async fn implicit_tls_with_auth_delivers() {
    // BC22: with implicit TLS the client never sends STARTTLS.
    let certificates = TestCertificates::generate();
    let server = SmtpServer::start(SmtpServerOptions {
        mode: ServerMode::ImplicitTls,
        certificates: Some(&certificates),
        credentials: Some((USER, PASSWORD)),
        ..SmtpServerOptions::default()
    });

    let (report, verdict) = send(
        &config_trusting(&certificates),
        &target("localhost", server.port(), Security::ImplicitTls),
        Some(&login(USER, PASSWORD)),
        &sample_mail(),
    )
    .await;

    assert!(
        report.outcome.is_ok(),
        "{:?}\n{:#?}",
        report.outcome,
        report.transcript
    );
    assert!(verdict.is_accepted(), "{verdict:?}");
    assert_eq!(status_of(&report, SmtpStep::TlsHandshake), vec![StepStatus::Ok]);
    assert_eq!(status_of(&report, SmtpStep::StartTls), vec![StepStatus::Skipped]);
    assert_eq!(status_of(&report, SmtpStep::Auth), vec![StepStatus::Ok]);
    assert!(
        !client_lines(&report)
            .iter()
            .any(|line| line.starts_with("STARTTLS")),
        "{:#?}",
        report.transcript
    );
    let message = server.single_message();
    assert_eq!(message.login.as_deref(), Some(USER));
    assert_eq!(message.rcpt_tos, vec!["kunde@example.net", "archiv@shop.example"]);
}

#[tokio::test]
async fn starttls_with_auth_delivers_expected_headers() {
    let certificates = TestCertificates::generate();
    let server = SmtpServer::start(SmtpServerOptions {
        mode: ServerMode::StartTls,
        certificates: Some(&certificates),
        credentials: Some((USER, PASSWORD)),
        ..SmtpServerOptions::default()
    });

    let (report, verdict) = send(
        &config_trusting(&certificates),
        &target("localhost", server.port(), Security::StartTls),
        Some(&login(USER, PASSWORD)),
        &sample_mail(),
    )
    .await;

    assert!(verdict.is_accepted(), "{verdict:?}\n{:#?}", report.transcript);
    assert_eq!(status_of(&report, SmtpStep::StartTls), vec![StepStatus::Ok]);
    assert_eq!(status_of(&report, SmtpStep::TlsHandshake), vec![StepStatus::Ok]);
    assert_eq!(
        status_of(&report, SmtpStep::Ehlo),
        vec![StepStatus::Ok, StepStatus::Ok]
    );
    let message = server.single_message();
    let text = message.text();
    assert_eq!(message.mail_from, "info@shop.example");
    assert_eq!(message.rcpt_tos, vec!["kunde@example.net", "archiv@shop.example"]);
    assert_eq!(
        header_value(&text, "From").as_deref(),
        Some("\"Max Mustermann\" <info@shop.example>")
    );
    assert_eq!(header_value(&text, "To").as_deref(), Some("kunde@example.net"));
    assert_eq!(header_value(&text, "Bcc"), None);
    let message_id = header_value(&text, "Message-ID").expect("Message-ID header");
    assert!(message_id.ends_with("@shop.example>"), "{message_id}");
    assert!(
        header_value(&text, "Date").is_some(),
        "Date header missing:\n{text}"
    );
}

#[tokio::test]
async fn starttls_step_order_puts_handshake_after_starttls() {
    // BC22, reverse: with STARTTLS the socket is plain until the server replied 220 to STARTTLS.
    let certificates = TestCertificates::generate();
    let server = SmtpServer::start(SmtpServerOptions {
        mode: ServerMode::StartTls,
        certificates: Some(&certificates),
        credentials: Some((USER, PASSWORD)),
        ..SmtpServerOptions::default()
    });

    let (report, _) = send(
        &config_trusting(&certificates),
        &target("localhost", server.port(), Security::StartTls),
        Some(&login(USER, PASSWORD)),
        &sample_mail(),
    )
    .await;

    let order: Vec<SmtpStep> = report.steps.iter().map(|record| record.step).collect();
    let greeting = order
        .iter()
        .position(|step| *step == SmtpStep::Greeting)
        .expect("greeting");
    let starttls = order
        .iter()
        .position(|step| *step == SmtpStep::StartTls)
        .expect("STARTTLS");
    let handshake = order
        .iter()
        .position(|step| *step == SmtpStep::TlsHandshake)
        .expect("handshake");
    assert!(greeting < starttls && starttls < handshake, "{order:?}");
}

#[tokio::test]
async fn special_password_reaches_server_byte_exact() {
    // BC29: aiosmtpd accepts only the exact bytes, so acceptance proves no escaping happened.
    let password = "Pä§%\"#/\\ w0rd&amp;";
    let certificates = TestCertificates::generate();
    let server = SmtpServer::start(SmtpServerOptions {
        mode: ServerMode::StartTls,
        certificates: Some(&certificates),
        credentials: Some(("max@example.com", password)),
        ..SmtpServerOptions::default()
    });

    let (report, verdict) = send(
        &config_trusting(&certificates),
        &target("localhost", server.port(), Security::StartTls),
        Some(&login("max@example.com", password)),
        &sample_mail(),
    )
    .await;

    assert!(verdict.is_accepted(), "{verdict:?}\n{:#?}", report.transcript);
    let transcript = report.transcript.join("\n");
    assert!(!transcript.contains(password), "password in transcript");
    assert!(transcript.contains("AUTH PLAIN ***"), "{transcript}");
}

#[tokio::test]
async fn login_differs_from_sender() {
    // BC31: AUTH uses the configured login, MAIL FROM the sender.
    let certificates = TestCertificates::generate();
    let server = SmtpServer::start(SmtpServerOptions {
        mode: ServerMode::ImplicitTls,
        certificates: Some(&certificates),
        credentials: Some(("smtp-user-4711", "geheim")),
        ..SmtpServerOptions::default()
    });
    let mut mail = sample_mail();
    mail.from = mailbox(Some("Shop"), "info", "shop.example");

    let (_, verdict) = send(
        &config_trusting(&certificates),
        &target("localhost", server.port(), Security::ImplicitTls),
        Some(&login("smtp-user-4711", "geheim")),
        &mail,
    )
    .await;

    assert!(verdict.is_accepted(), "{verdict:?}");
    let message = server.single_message();
    assert_eq!(message.login.as_deref(), Some("smtp-user-4711"));
    assert_eq!(message.mail_from, "info@shop.example");
}

#[tokio::test]
async fn accepted_verdict_names_reply_not_delivery() {
    // BC35: the verdict reads "accepted" with the server's reply, and the BCC is included.
    let server = SmtpServer::start(SmtpServerOptions {
        queue_id: "4F2A1",
        ..SmtpServerOptions::default()
    });

    let (report, verdict) = send(
        &config(),
        &target("127.0.0.1", server.port(), Security::None),
        None,
        &sample_mail(),
    )
    .await;

    let Verdict::Accepted { reply } = &verdict else {
        panic!("not accepted: {verdict:?}")
    };
    assert_eq!(reply, "250 2.0.0 Ok: queued as 4F2A1");
    let german_text = german(&verdict);
    assert!(german_text
        .starts_with("Der Server hat die Mail angenommen (Antwort: 250 2.0.0 Ok: queued as 4F2A1)."));
    assert!(
        german_text.contains("Angenommen heißt noch nicht zugestellt"),
        "{german_text}"
    );
    assert!(verdict
        .message(Language::En)
        .contains("Accepted does not mean delivered"));
    assert_eq!(
        server.single_message().rcpt_tos,
        vec!["kunde@example.net", "archiv@shop.example"]
    );
    assert!(report
        .steps
        .iter()
        .all(|record| record.status() != StepStatus::Failed));
}

#[tokio::test]
async fn bcc_only_in_envelope() {
    // BC43: RCPT TO lists both addresses, and no header line starts with "Bcc:".
    let server = SmtpServer::start(SmtpServerOptions::default());

    let (_, verdict) = send(
        &config(),
        &target("127.0.0.1", server.port(), Security::None),
        None,
        &sample_mail(),
    )
    .await;

    assert!(verdict.is_accepted(), "{verdict:?}");
    let message = server.single_message();
    assert_eq!(message.rcpt_tos, vec!["kunde@example.net", "archiv@shop.example"]);
    let bcc_lines = message
        .text()
        .lines()
        .filter(|line| line.to_ascii_lowercase().starts_with("bcc:"))
        .count();
    assert_eq!(bcc_lines, 0);
}

#[tokio::test]
async fn ehlo_name_is_configured_fqdn() {
    // BC45: a server that rejects non-FQDN EHLO names at RCPT accepts ours.
    let server = SmtpServer::start(SmtpServerOptions {
        require_fqdn_helo: true,
        ..SmtpServerOptions::default()
    });

    let (_, verdict) = send(
        &config(),
        &target("127.0.0.1", server.port(), Security::None),
        None,
        &sample_mail(),
    )
    .await;

    assert!(verdict.is_accepted(), "{verdict:?}");
    assert_eq!(server.single_message().helo.as_deref(), Some(HELO_NAME));
}

#[tokio::test]
async fn untrusted_certificate_rejected() {
    let certificates = TestCertificates::generate();
    let server = SmtpServer::start(SmtpServerOptions {
        mode: ServerMode::ImplicitTls,
        certificates: Some(&certificates),
        ..SmtpServerOptions::default()
    });

    let (report, verdict) = send(
        &config(),
        &target("localhost", server.port(), Security::ImplicitTls),
        None,
        &sample_mail(),
    )
    .await;

    assert_eq!(
        verdict,
        Verdict::CertificateUntrusted {
            host: "localhost".to_owned()
        }
    );
    assert_eq!(
        status_of(&report, SmtpStep::TlsHandshake),
        vec![StepStatus::Failed]
    );
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn ip_host_against_name_certificate() {
    // BC19: the certificate names a host, the seller entered an IP address.
    let certificates = TestCertificates::generate_with(&CertificateOptions {
        dns_names: vec!["localhost".to_owned()],
        ip_addresses: Vec::new(),
    });
    let server = SmtpServer::start(SmtpServerOptions {
        mode: ServerMode::ImplicitTls,
        certificates: Some(&certificates),
        ..SmtpServerOptions::default()
    });

    let (_, verdict) = send(
        &config_trusting(&certificates),
        &target("127.0.0.1", server.port(), Security::ImplicitTls),
        None,
        &sample_mail(),
    )
    .await;

    assert_eq!(
        verdict,
        Verdict::CertificateWrongName {
            host: "127.0.0.1".to_owned(),
            host_is_ip: true
        }
    );
    assert_eq!(
        german(&verdict),
        "Das Zertifikat des Servers gilt für einen Namen (z. B. mail.provider.example), nicht für 127.0.0.1. \
         Bitte den Servernamen eintragen."
    );
}

#[tokio::test]
async fn implicit_tls_to_starttls_port() {
    // BC20: implicit TLS against a server that greets in plain text.
    let certificates = TestCertificates::generate();
    let server = SmtpServer::start(SmtpServerOptions {
        mode: ServerMode::StartTls,
        certificates: Some(&certificates),
        ..SmtpServerOptions::default()
    });
    let port = server.port();

    let (report, verdict) = send(
        &config_trusting(&certificates),
        &target("localhost", port, Security::ImplicitTls),
        None,
        &sample_mail(),
    )
    .await;

    assert_eq!(verdict, Verdict::TlsToPlainPort { port });
    assert_eq!(
        german(&verdict),
        format!("Port {port} erwartet STARTTLS. Wählen Sie STARTTLS oder Port 465 mit SSL/TLS.")
    );
    assert!(
        report
            .transcript
            .iter()
            .any(|entry| entry.contains("received plain text: 220")),
        "{:#?}",
        report.transcript
    );
}

#[tokio::test]
async fn starttls_to_implicit_tls_port() {
    // The reverse of BC20: the client waits for a greeting, the server for a TLS handshake.
    let certificates = TestCertificates::generate();
    let server = SmtpServer::start(SmtpServerOptions {
        mode: ServerMode::ImplicitTls,
        certificates: Some(&certificates),
        ..SmtpServerOptions::default()
    });
    let port = server.port();

    let (report, verdict) = send(
        &config_trusting(&certificates),
        &target("localhost", port, Security::StartTls),
        None,
        &sample_mail(),
    )
    .await;

    assert_eq!(verdict, Verdict::PlainToTlsPort { port });
    assert_eq!(status_of(&report, SmtpStep::Greeting), vec![StepStatus::Failed]);
}

#[tokio::test]
async fn session_sends_two_mails() {
    // The outbox keeps a session open between mails.
    let server = SmtpServer::start(SmtpServerOptions::default());
    let config = config();
    let target = target("127.0.0.1", server.port(), Security::None);
    let prepared = prepare_mail(&sample_mail()).expect("mail builds");
    let deadline = Deadline::after(config.timeouts.total);

    let mut session = SmtpSession::open(&config, &target, None, deadline)
        .await
        .expect("session opens");
    let first = session.send(&prepared, deadline).await;
    let second = session.send(&prepared, deadline).await;
    session.quit().await;

    assert!(first.is_ok(), "{first:?}");
    assert!(second.is_ok(), "{second:?}");
    assert_eq!(server.messages().len(), 2);
}
