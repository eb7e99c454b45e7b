//! Scripted peers that misbehave: each attempt ends within its limits with the right verdict.

use std::time::{Duration, Instant};

use base64::Engine as _;
use mailer::{AllowList, Verdict};
use shared::api::{SmtpStep, StepStatus};
use shared::Security;
use testkit::{FaultPeer, PeerScript, PeerTls, TestCertificates};

use crate::helpers::*;

/// Time the test machine may add on top of a configured limit before a test calls it a hang.
const SLACK: Duration = Duration::from_secs(2);

fn failed_step(report: &mailer::DeliveryReport) -> Option<SmtpStep> {
    report
        .steps
        .iter()
        .find(|record| record.status() == StepStatus::Failed)
        .map(|record| record.step)
}

#[tokio::test]
async fn silent_peer_ends_at_greeting_limit() {
    // BC39: a port that accepts but never greets ends after the greeting limit.
    let peer = FaultPeer::start(PeerScript::silent()).await;
    let config = config();
    let started = Instant::now();

    let (report, verdict) = send(
        &config,
        &target("127.0.0.1", peer.port(), Security::StartTls),
        None,
        &sample_mail(),
    )
    .await;

    let elapsed = started.elapsed();
    assert_eq!(verdict, Verdict::NoGreeting { seconds: 1 });
    assert_eq!(failed_step(&report), Some(SmtpStep::Greeting));
    assert!(
        elapsed < config.timeouts.greeting + config.timeouts.tls_handshake + SLACK,
        "took {elapsed:?}"
    );
}

#[tokio::test]
async fn refused_port_suggests_submission_ports() {
    // BC39: nothing listens; the verdict suggests 587 and 465.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };

    let (report, verdict) = send(
        &config(),
        &target("127.0.0.1", port, Security::StartTls),
        None,
        &sample_mail(),
    )
    .await;

    assert_eq!(
        verdict,
        Verdict::ConnectionRefused {
            host: "127.0.0.1".to_owned(),
            port
        }
    );
    assert_eq!(failed_step(&report), Some(SmtpStep::Connect));
    let text = german(&verdict);
    assert!(
        text.contains("587 (STARTTLS)") && text.contains("465 (SSL/TLS)"),
        "{text}"
    );
}

#[tokio::test]
async fn missing_starttls_keeps_password() {
    // BC23: STARTTLS chosen, the server does not offer it: no AUTH is ever sent.
    let peer = FaultPeer::start(PeerScript::smtp().with_extensions(&["AUTH PLAIN LOGIN"])).await;

    let (report, verdict) = send(
        &config(),
        &target("127.0.0.1", peer.port(), Security::StartTls),
        Some(&login("max@example.com", "geheim")),
        &sample_mail(),
    )
    .await;

    assert_eq!(verdict, Verdict::StartTlsNotOffered);
    assert!(german(&verdict).starts_with(
        "Der Server bietet auf diesem Port keine Verschlüsselung an. Ihr Passwort wurde nicht gesendet."
    ));
    assert!(!peer
        .received_lines()
        .iter()
        .any(|line| line.to_ascii_uppercase().starts_with("AUTH")));
    assert!(!client_lines(&report).iter().any(|line| line.starts_with("AUTH")));
    assert_eq!(failed_step(&report), Some(SmtpStep::StartTls));
}

async fn auth_verdict(reply: &str, password: &str) -> (mailer::DeliveryReport, Verdict) {
    let certificates = TestCertificates::generate();
    let script = PeerScript::smtp()
        .with_tls(PeerTls::StartTls(certificates.rustls_server_config()))
        .reply("AUTH", reply);
    let peer = FaultPeer::start(script).await;
    send(
        &config_trusting(&certificates),
        &target("localhost", peer.port(), Security::StartTls),
        Some(&login("max@shop.example", password)),
        &sample_mail(),
    )
    .await
}

#[tokio::test]
async fn microsoft_smtp_auth_disabled() {
    // BC25: 535 5.7.139 means SMTP AUTH is off for the mailbox, not a wrong password.
    let reply =
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.";

    let (report, verdict) = auth_verdict(reply, "geheim").await;

    assert_eq!(verdict, Verdict::Microsoft365SmtpAuthDisabled);
    assert!(
        german(&verdict).contains("„Authenticated SMTP“"),
        "{}",
        german(&verdict)
    );
    assert!(
        report
            .transcript
            .iter()
            .any(|entry| entry == &format!("S: {reply}")),
        "{:#?}",
        report.transcript
    );
    assert_eq!(failed_step(&report), Some(SmtpStep::Auth));
}

#[tokio::test]
async fn microsoft_bad_credentials() {
    // BC25: 535 5.7.3 is a rejected login or password.
    let (_, verdict) = auth_verdict("535 5.7.3 Authentication unsuccessful", "geheim").await;

    assert_eq!(
        verdict,
        Verdict::AuthRejected {
            code: "535 5.7.3".to_owned(),
            password_is_ascii: true
        }
    );
}

#[tokio::test]
async fn non_ascii_password_rejection_adds_hint() {
    // BC29: on 535 with a non-ASCII password, hint that some servers take ASCII only.
    let (_, verdict) = auth_verdict("535 5.7.8 Error: authentication failed", "Pä§%w0rd").await;

    assert!(
        german(&verdict).contains("Passwörter ohne Umlaute und Sonderzeichen"),
        "{}",
        german(&verdict)
    );
}

#[tokio::test]
async fn auth_replies_map_to_verdicts() {
    let cases = [
        (
            "534 5.7.9 Application-specific password required. https://support.google.com/mail",
            Verdict::AppPasswordRequired,
        ),
        (
            "535 5.7.8 Username and Password not accepted. gsmtp",
            Verdict::GmailCredentialsRejected,
        ),
    ];
    for (reply, expected) in cases {
        let (_, verdict) = auth_verdict(reply, "geheim").await;
        assert_eq!(verdict, expected, "verdict for {reply}");
    }
}

#[tokio::test]
async fn plain_auth_payload_is_exact() {
    // BC29: the AUTH PLAIN payload is \0login\0password in UTF-8, and the transcript hides it.
    let password = "Pä§%\"#/\\ w0rd&amp;";
    let peer = FaultPeer::start(PeerScript::smtp()).await;

    let (report, verdict) = send(
        &config(),
        &target("127.0.0.1", peer.port(), Security::None),
        Some(&login("max@example.com", password)),
        &sample_mail(),
    )
    .await;

    assert!(verdict.is_accepted(), "{verdict:?}");
    let auth_line = peer
        .received_lines()
        .into_iter()
        .find(|line| line.starts_with("AUTH PLAIN "))
        .expect("AUTH");
    let payload = base64::engine::general_purpose::STANDARD
        .decode(&auth_line["AUTH PLAIN ".len()..])
        .expect("base64");
    assert_eq!(payload, format!("\0max@example.com\0{password}").into_bytes());
    let transcript = report.transcript.join("\n");
    assert!(
        !transcript.contains(&auth_line["AUTH PLAIN ".len()..]),
        "{transcript}"
    );
}

#[tokio::test]
async fn login_mechanism_used_without_plain() {
    let peer = FaultPeer::start(PeerScript::smtp().with_extensions(&["AUTH LOGIN"])).await;

    let (report, verdict) = send(
        &config(),
        &target("127.0.0.1", peer.port(), Security::None),
        Some(&login("smtp-user-4711", "geheim")),
        &sample_mail(),
    )
    .await;

    assert!(verdict.is_accepted(), "{verdict:?}");
    let lines = peer.received_lines();
    assert!(lines.contains(&"AUTH LOGIN".to_owned()), "{lines:?}");
    assert!(lines.contains(&base64::engine::general_purpose::STANDARD.encode("smtp-user-4711")));
    assert!(!report
        .transcript
        .iter()
        .any(|entry| entry.contains(&base64::engine::general_purpose::STANDARD.encode("geheim"))));
}

#[tokio::test]
async fn sender_not_owned() {
    // BC32: the provider allows only the account's own addresses as sender.
    let reply = "553 5.7.1 <info@shop.example>: Sender address rejected: not owned by user max@example.com";
    let peer = FaultPeer::start(PeerScript::smtp().reply("MAIL", reply)).await;

    let (report, verdict) = send(
        &config(),
        &target("127.0.0.1", peer.port(), Security::None),
        Some(&login("max@example.com", "geheim")),
        &sample_mail(),
    )
    .await;

    assert_eq!(failed_step(&report), Some(SmtpStep::MailFrom));
    assert_eq!(
        german(&verdict),
        "Ihr Anbieter erlaubt als Absender nur Adressen dieses Kontos. Richten Sie info@shop.example dort als \
         Alias ein oder verwenden Sie max@example.com als Absender."
    );
}

#[tokio::test]
async fn rejections_map_to_verdicts() {
    let cases = [
        (
            "RCPT",
            "554 5.7.1 <kunde@example.net>: Relay access denied",
            "relay_denied",
        ),
        (
            "RCPT",
            "550 5.1.1 <kunde@example.net>: Recipient address rejected",
            "recipient_rejected",
        ),
        ("RCPT", "452 4.5.3 Error: too many recipients", "limit_reached"),
        ("MAIL", "530 5.7.0 Authentication required", "auth_required"),
        (
            "MAIL",
            "450 4.7.1 Rate limit exceeded, try again later",
            "limit_reached",
        ),
        (
            "END",
            "552 5.3.4 Message size exceeds fixed limit",
            "message_too_large",
        ),
        (
            "MAIL",
            "421 4.7.0 Too many connections, closing transmission channel",
            "service_closing",
        ),
        (
            "EHLO",
            "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
            "helo_rejected",
        ),
    ];
    for (verb, reply, expected) in cases {
        let peer = FaultPeer::start(PeerScript::smtp().reply(verb, reply)).await;
        let (report, verdict) = send(
            &config(),
            &target("127.0.0.1", peer.port(), Security::None),
            None,
            &sample_mail(),
        )
        .await;
        assert_eq!(
            verdict.code(),
            expected,
            "verdict for {reply}: {verdict:?}\n{:#?}",
            report.transcript
        );
    }
}

#[tokio::test]
async fn helo_rejection_points_to_operator() {
    // BC45: a rejected EHLO name is not the seller's fault.
    let peer = FaultPeer::start(PeerScript::smtp().reply("EHLO", "504 5.5.2 Helo command rejected")).await;

    let (_, verdict) = send(
        &config(),
        &target("127.0.0.1", peer.port(), Security::None),
        None,
        &sample_mail(),
    )
    .await;

    assert_eq!(verdict, Verdict::HeloRejected);
    assert!(german(&verdict).contains("(HELO/EHLO-Name)"));
}

#[tokio::test]
async fn silence_after_ehlo_times_out_at_next_step() {
    let peer = FaultPeer::start(PeerScript::smtp().silent_at("MAIL")).await;
    let config = config();
    let started = Instant::now();

    let (report, verdict) = send(
        &config,
        &target("127.0.0.1", peer.port(), Security::None),
        None,
        &sample_mail(),
    )
    .await;

    assert_eq!(
        verdict,
        Verdict::StepTimedOut {
            step: SmtpStep::MailFrom,
            seconds: 1
        }
    );
    assert_eq!(failed_step(&report), Some(SmtpStep::MailFrom));
    assert!(
        started.elapsed() < config.timeouts.command + SLACK,
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn silence_after_ehlo_in_starttls_mode() {
    let peer = FaultPeer::start(
        PeerScript::smtp()
            .with_extensions(&["STARTTLS"])
            .silent_at("STARTTLS"),
    )
    .await;

    let (report, verdict) = send(
        &config(),
        &target("127.0.0.1", peer.port(), Security::StartTls),
        None,
        &sample_mail(),
    )
    .await;

    assert_eq!(verdict.code(), "timed_out", "{verdict:?}");
    assert_eq!(failed_step(&report), Some(SmtpStep::StartTls));
}

#[tokio::test]
async fn tls_port_spoken_to_in_plain() {
    let certificates = TestCertificates::generate();
    let peer =
        FaultPeer::start(PeerScript::smtp().with_tls(PeerTls::Implicit(certificates.rustls_server_config())))
            .await;

    let (_, verdict) = send(
        &config_trusting(&certificates),
        &target("localhost", peer.port(), Security::None),
        None,
        &sample_mail(),
    )
    .await;

    assert_eq!(verdict, Verdict::PlainToTlsPort { port: peer.port() });
}

#[tokio::test]
async fn plain_port_spoken_to_with_tls() {
    let peer = FaultPeer::start(PeerScript::smtp()).await;

    let (_, verdict) = send(
        &config(),
        &target("localhost", peer.port(), Security::ImplicitTls),
        None,
        &sample_mail(),
    )
    .await;

    assert_eq!(verdict, Verdict::TlsToPlainPort { port: peer.port() });
}

#[tokio::test]
async fn loopback_blocked_without_allow_list() {
    let peer = FaultPeer::start(PeerScript::smtp()).await;
    let config = mailer::MailerConfig {
        allow: AllowList::public_only(),
        ..config()
    };

    let (report, verdict) = send(
        &config,
        &target("127.0.0.1", peer.port(), Security::None),
        None,
        &sample_mail(),
    )
    .await;

    assert_eq!(verdict.code(), "address_blocked");
    assert_eq!(failed_step(&report), Some(SmtpStep::Connect));
    assert_eq!(peer.connections(), 0);
}

#[tokio::test]
async fn whole_attempt_bounded_by_total_limit() {
    let peer = FaultPeer::start(PeerScript::smtp().silent_at("RCPT")).await;
    let mut config = config();
    config.timeouts.total = Duration::from_millis(500);
    config.timeouts.command = Duration::from_secs(5);
    let started = Instant::now();

    let (_, verdict) = send(
        &config,
        &target("127.0.0.1", peer.port(), Security::None),
        None,
        &sample_mail(),
    )
    .await;

    assert!(matches!(verdict, Verdict::DeadlineExceeded { .. }), "{verdict:?}");
    assert!(
        started.elapsed() < Duration::from_millis(500) + SLACK,
        "took {:?}",
        started.elapsed()
    );
}
