//! PIPELINING (RFC 2920): MAIL FROM, RCPT TO and DATA leave in one write. Against aiosmtpd
//! with and without the extension, and against scripted peers that reject or stall inside the
//! group.

use std::time::Duration;

use mailer::{deliver, prepare_mail, Deadline, FailureKind, OutgoingMail, SessionFailure, SmtpSession};
use shared::api::SmtpStep;
use shared::Security;
use testkit::{FaultPeer, PeerScript, ServerMode, SmtpServer, SmtpServerOptions, TestCertificates};

use crate::helpers::*;

/// The sample mail with lines that start with a dot, which the client must double.
fn dotted_mail() -> OutgoingMail {
    OutgoingMail {
        text_body: ".Punkt am Zeilenanfang\n..zwei Punkte\nEnde.\n".to_owned(),
        ..sample_mail()
    }
}

/// Starts a scripted peer that offers PIPELINING and replies as `script` sets.
async fn pipelining_peer(script: PeerScript) -> FaultPeer {
    FaultPeer::start(script.with_extensions(&["8BITMIME", "PIPELINING"])).await
}

/// Opens a session to a peer on loopback, without login and without TLS.
async fn open_session(port: u16) -> SmtpSession {
    let config = config();
    let deadline = Deadline::after(config.timeouts.total);
    SmtpSession::open(
        &config,
        &target("127.0.0.1", port, Security::None),
        None,
        deadline,
    )
    .await
    .expect("session opens")
}

async fn send_dotted_mail(session: &mut SmtpSession) -> Result<mailer::Reply, SessionFailure> {
    let prepared = prepare_mail(&dotted_mail()).expect("mail builds");
    session
        .send(&prepared, Deadline::after(short_timeouts().total))
        .await
}

/// Checks that `failure` is the server's rejection with `code` at `step`.
fn assert_rejected(failure: &SessionFailure, step: SmtpStep, code: u16) {
    assert_eq!(failure.step, step);
    assert!(
        matches!(&failure.kind, FailureKind::Rejected(reply) if reply.code == code),
        "{failure:?}"
    );
}

/// Checks that the peer's last command was RSET and that it received no message.
fn assert_reset_without_message(peer: &FaultPeer) {
    let lines = peer.received_lines();
    assert_eq!(lines.last().map(String::as_str), Some("RSET"), "{lines:#?}");
    assert!(peer.messages().is_empty());
}

/// Returns the position of the first transcript entry that starts with `prefix`.
fn position(transcript: &[String], prefix: &str) -> usize {
    transcript
        .iter()
        .position(|entry| entry.starts_with(prefix))
        .unwrap_or_else(|| panic!("no entry starts with {prefix:?} in {transcript:#?}"))
}

#[tokio::test]
async fn pipelined_mail_matches_stepwise_bytes() {
    let pipelined = SmtpServer::start(SmtpServerOptions::default());
    let stepwise = SmtpServer::start(SmtpServerOptions {
        pipelining: false,
        ..SmtpServerOptions::default()
    });
    let prepared = prepare_mail(&dotted_mail()).expect("mail builds");
    assert!(
        prepared.data().windows(3).any(|window| window == b"\r\n."),
        "the mail must have a line that starts with a dot"
    );

    let with_pipelining = deliver(
        &config(),
        &target("127.0.0.1", pipelined.port(), Security::None),
        None,
        &prepared,
    )
    .await;
    let without = deliver(
        &config(),
        &target("127.0.0.1", stepwise.port(), Security::None),
        None,
        &prepared,
    )
    .await;
    assert!(
        with_pipelining.outcome.is_ok(),
        "{:#?}",
        with_pipelining.transcript
    );
    assert!(without.outcome.is_ok(), "{:#?}", without.transcript);

    // With PIPELINING, DATA leaves before the reply to MAIL FROM arrives; without, after it.
    let transcript = &with_pipelining.transcript;
    assert!(
        position(transcript, "C: DATA") < position(transcript, "S: 250 2.1.5"),
        "{transcript:#?}"
    );
    assert!(
        position(transcript, "C: RCPT TO:<archiv@shop.example>") < position(transcript, "S: 250 OK"),
        "{transcript:#?}"
    );
    let transcript = &without.transcript;
    assert!(
        position(transcript, "S: 250 OK") < position(transcript, "C: RCPT TO:"),
        "{transcript:#?}"
    );

    let received = pipelined.single_message();
    let reference = stepwise.single_message();
    assert_eq!(received.data(), reference.data());
    assert_eq!(received.mail_from, reference.mail_from);
    assert_eq!(
        received.rcpt_tos,
        vec!["kunde@example.net", "archiv@shop.example"]
    );
    assert_eq!(received.mail_options, reference.mail_options);
    assert!(
        received
            .text()
            .contains("\r\n.Punkt am Zeilenanfang\r\n..zwei Punkte\r\nEnde."),
        "{}",
        received.text()
    );
}

#[tokio::test]
async fn reused_session_keeps_short_journal() {
    let server = SmtpServer::start(SmtpServerOptions::default());
    let mut session = open_session(server.port()).await;
    assert!(session.capabilities().pipelining);

    let prepared = prepare_mail(&dotted_mail()).expect("mail builds");
    let deadline = Deadline::after(short_timeouts().total);
    session.send(&prepared, deadline).await.expect("first mail");
    let steps_after_one = session.journal().steps().len();
    for round in 1..30 {
        let result = session.send(&prepared, deadline).await;
        assert!(result.is_ok(), "mail {round}: {result:?}");
    }
    assert_eq!(session.journal().steps().len(), steps_after_one);
    session.quit().await;

    let messages = server.messages();
    assert_eq!(messages.len(), 30);
    assert!(messages
        .iter()
        .all(|message| message.data() == messages[0].data()));
}

#[tokio::test]
async fn rejected_recipient_closes_connection() {
    // The peer accepts DATA although RCPT failed, as a server does when another recipient was
    // accepted. Sending the message would deliver it to the accepted recipients only.
    let peer = pipelining_peer(PeerScript::smtp().reply(
        "RCPT",
        "550 5.1.1 <kunde@example.net>: Recipient address rejected: User unknown",
    ))
    .await;
    let mut session = open_session(peer.port()).await;

    let failure = send_dotted_mail(&mut session)
        .await
        .expect_err("recipient rejected");
    assert_rejected(&failure, SmtpStep::RcptTo, 550);
    assert!(session.is_broken());
    let transcript = session.journal().transcript();
    drop(session);

    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(peer.messages().is_empty(), "{:#?}", peer.messages());
    let lines = peer.received_lines();
    assert!(!lines.iter().any(|line| line == "RSET"), "{lines:#?}");
    assert!(
        transcript
            .iter()
            .any(|entry| entry.contains("closing the connection")),
        "{transcript:#?}"
    );
}

#[tokio::test]
async fn rejected_sender_keeps_session_usable() {
    let peer = pipelining_peer(
        PeerScript::smtp()
            .reply(
                "MAIL",
                "553 5.7.1 <info@shop.example>: Sender address rejected: not owned by user max@example.com",
            )
            .reply("RCPT", "503 5.5.1 Error: need MAIL command")
            .reply("DATA", "503 5.5.1 Error: need RCPT command"),
    )
    .await;
    let mut session = open_session(peer.port()).await;

    let failure = send_dotted_mail(&mut session).await.expect_err("sender rejected");
    assert_rejected(&failure, SmtpStep::MailFrom, 553);
    assert!(!session.is_broken());
    assert_reset_without_message(&peer);
}

#[tokio::test]
async fn sender_rejection_verdict_matches_stepwise() {
    let reply = "553 5.7.1 <info@shop.example>: Sender address rejected: not owned by user max@example.com";
    let plain = FaultPeer::start(PeerScript::smtp().reply("MAIL", reply)).await;
    let pipelined = pipelining_peer(
        PeerScript::smtp()
            .reply("MAIL", reply)
            .reply("RCPT", "503 5.5.1 Error: need MAIL command")
            .reply("DATA", "503 5.5.1 Error: need RCPT command"),
    )
    .await;

    let mut verdicts = Vec::new();
    for port in [plain.port(), pipelined.port()] {
        let (report, verdict) = send(
            &config(),
            &target("127.0.0.1", port, Security::None),
            None,
            &sample_mail(),
        )
        .await;
        assert!(report.outcome.is_err());
        verdicts.push(german(&verdict));
    }
    assert_eq!(verdicts[0], verdicts[1]);
}

#[tokio::test]
async fn rejected_message_is_reported_at_data() {
    let peer = pipelining_peer(PeerScript::smtp().reply("END", "451 4.3.0 Temporary lookup failure")).await;
    let mut session = open_session(peer.port()).await;

    let failure = send_dotted_mail(&mut session)
        .await
        .expect_err("message rejected");
    assert_rejected(&failure, SmtpStep::Data, 451);
    assert!(!session.is_broken());
    assert_eq!(peer.messages().len(), 1);
}

#[tokio::test]
async fn silent_data_times_out_at_data() {
    let peer = pipelining_peer(PeerScript::smtp().silent_at("DATA")).await;
    let mut session = open_session(peer.port()).await;

    let failure = send_dotted_mail(&mut session)
        .await
        .expect_err("no reply to DATA");
    assert_eq!(failure.step, SmtpStep::Data);
    assert!(
        matches!(failure.kind, FailureKind::TimedOut { .. }),
        "{failure:?}"
    );
    assert!(session.is_broken());
}

/// Returns the journal's record of `step` in a report.
fn step_record(report: &mailer::DeliveryReport, step: SmtpStep) -> mailer::StepRecord {
    report
        .steps
        .iter()
        .find(|record| record.step == step)
        .cloned()
        .unwrap_or_else(|| panic!("no record of {step:?} in {:#?}", report.steps))
}

#[tokio::test]
async fn transaction_steps_match_stepwise() {
    let pipelined = SmtpServer::start(SmtpServerOptions::default());
    let stepwise = SmtpServer::start(SmtpServerOptions {
        pipelining: false,
        ..SmtpServerOptions::default()
    });

    let mut reports = Vec::new();
    for port in [pipelined.port(), stepwise.port()] {
        let (report, verdict) = send(
            &config(),
            &target("127.0.0.1", port, Security::None),
            None,
            &sample_mail(),
        )
        .await;
        assert!(verdict.is_accepted(), "{:#?}", report.transcript);
        reports.push(report);
    }

    for step in [SmtpStep::MailFrom, SmtpStep::RcptTo, SmtpStep::Data] {
        let with_pipelining = step_record(&reports[0], step);
        let without = step_record(&reports[1], step);
        assert_eq!(with_pipelining.outcome, without.outcome, "{step:?}");
        assert_eq!(
            with_pipelining.detail(shared::Language::De),
            without.detail(shared::Language::De),
            "{step:?}"
        );
    }
}

#[tokio::test]
async fn silent_recipient_step_has_no_reply() {
    let plain = FaultPeer::start(PeerScript::smtp().silent_at("RCPT")).await;
    let pipelined = pipelining_peer(PeerScript::smtp().silent_at("RCPT")).await;

    let mut failed = Vec::new();
    for port in [plain.port(), pipelined.port()] {
        let (report, _) = send(
            &config(),
            &target("127.0.0.1", port, Security::None),
            None,
            &sample_mail(),
        )
        .await;
        let failure = report.outcome.clone().expect_err("no reply to RCPT");
        assert_eq!(failure.step, SmtpStep::RcptTo);
        assert!(
            matches!(failure.kind, FailureKind::TimedOut { .. }),
            "{failure:?}"
        );
        failed.push(step_record(&report, SmtpStep::RcptTo));
    }
    assert_eq!(failed[1].reply, None, "the reply to MAIL FROM is not RCPT's");
    assert_eq!(failed[0], failed[1]);
}

#[tokio::test]
async fn each_reply_has_its_own_limit() {
    // Each reply takes less than the command limit of 800 ms, but the four replies together
    // take more, as with a server that checks every recipient before it replies.
    let delay = Duration::from_millis(350);
    let plain = FaultPeer::start(PeerScript::smtp().reply_delay(delay)).await;
    let pipelined = pipelining_peer(PeerScript::smtp().reply_delay(delay)).await;

    for port in [plain.port(), pipelined.port()] {
        let (report, verdict) = send(
            &config(),
            &target("127.0.0.1", port, Security::None),
            None,
            &sample_mail(),
        )
        .await;
        assert!(verdict.is_accepted(), "port {port}: {:#?}", report.transcript);
    }
    assert_eq!(pipelined.messages().len(), 1);
}

#[tokio::test]
async fn closing_server_fails_at_mail_from() {
    // A server that times out an idle connection replies 421 to the next command and closes
    // it. The outbox treats such a failure at MAIL FROM of a reused session as a stale one.
    let peer = pipelining_peer(
        PeerScript::smtp()
            .reply("MAIL", "421 4.4.2 peer.test Error: timeout exceeded")
            .close_after("MAIL"),
    )
    .await;
    let mut session = open_session(peer.port()).await;

    let failure = send_dotted_mail(&mut session)
        .await
        .expect_err("connection closed");
    assert_rejected(&failure, SmtpStep::MailFrom, 421);
    assert!(session.is_broken());
}

#[tokio::test]
async fn silently_closed_connection_fails_at_mail_from() {
    // The peer closes the connection right after its EHLO reply, as after an idle timeout.
    let peer = pipelining_peer(PeerScript::smtp().close_after("EHLO")).await;
    let mut session = open_session(peer.port()).await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    let failure = send_dotted_mail(&mut session)
        .await
        .expect_err("connection closed");
    assert_eq!(failure.step, SmtpStep::MailFrom);
    assert!(
        matches!(
            failure.kind,
            FailureKind::ConnectionClosed | FailureKind::Unreachable { .. }
        ),
        "{failure:?}"
    );
    assert!(session.is_broken());
}

#[tokio::test]
async fn rejected_data_keeps_session_usable() {
    // The server rejects DATA because it accepted no recipient, so it awaits no content and
    // RSET is safe.
    let peer = pipelining_peer(
        PeerScript::smtp()
            .reply(
                "RCPT",
                "550 5.1.1 <kunde@example.net>: Recipient address rejected: User unknown",
            )
            .reply("DATA", "554 5.5.1 Error: no valid recipients"),
    )
    .await;
    let mut session = open_session(peer.port()).await;

    let failure = send_dotted_mail(&mut session)
        .await
        .expect_err("recipients rejected");
    assert_rejected(&failure, SmtpStep::RcptTo, 550);
    assert!(!session.is_broken());
    assert_reset_without_message(&peer);
}

#[tokio::test]
async fn multiline_rejection_counts_as_one_reply() {
    let peer = pipelining_peer(
        PeerScript::smtp()
            .reply(
                "MAIL",
                "550-5.7.1 Sender rejected.\r\n550-5.7.1 See the provider's help page\r\n550 5.7.1 for details.",
            )
            .reply("RCPT", "503 5.5.1 Error: need MAIL command")
            .reply("DATA", "503 5.5.1 Error: need RCPT command"),
    )
    .await;
    let mut session = open_session(peer.port()).await;

    let failure = send_dotted_mail(&mut session).await.expect_err("sender rejected");
    assert_eq!(failure.step, SmtpStep::MailFrom);
    let FailureKind::Rejected(reply) = &failure.kind else {
        panic!("not a rejection: {failure:?}");
    };
    assert_eq!(reply.code, 550);
    assert_eq!(reply.lines.len(), 3, "{reply:?}");
    assert!(!session.is_broken());
    let lines = peer.received_lines();
    assert_eq!(lines.last().map(String::as_str), Some("RSET"), "{lines:#?}");
}

#[tokio::test]
async fn pipelines_over_tls_in_both_modes() {
    let certificates = TestCertificates::generate();
    for (mode, security) in [
        (ServerMode::ImplicitTls, Security::ImplicitTls),
        (ServerMode::StartTls, Security::StartTls),
    ] {
        let server = SmtpServer::start(SmtpServerOptions {
            mode,
            certificates: Some(&certificates),
            credentials: Some(("max@shop.example", "geheim-123")),
            ..SmtpServerOptions::default()
        });

        let (report, verdict) = send(
            &config_trusting(&certificates),
            &target("localhost", server.port(), security),
            Some(&login("max@shop.example", "geheim-123")),
            &dotted_mail(),
        )
        .await;

        assert!(verdict.is_accepted(), "{security:?}: {:#?}", report.transcript);
        let transcript = &report.transcript;
        assert!(
            position(transcript, "C: DATA") < position(transcript, "S: 250 OK"),
            "{security:?}: {transcript:#?}"
        );
        let message = server.single_message();
        assert!(
            message
                .text()
                .contains("\r\n.Punkt am Zeilenanfang\r\n..zwei Punkte\r\n"),
            "{security:?}: {}",
            message.text()
        );
    }
}

#[tokio::test]
async fn goodbye_after_accepted_message_keeps_acceptance() {
    // The server accepts the message, then at once ends the session with an unasked 421 in
    // the same write. The mail is accepted, and reporting the 421 would send it a second time.
    let peer = pipelining_peer(
        PeerScript::smtp()
            .reply(
                "END",
                "250 2.0.0 Ok: queued as PEER1\r\n421 4.4.2 peer.test Error: timeout exceeded",
            )
            .close_after("DATA"),
    )
    .await;
    let mut session = open_session(peer.port()).await;

    let reply = send_dotted_mail(&mut session).await.expect("message accepted");
    assert_eq!(reply.code, 250, "{reply:?}");
    assert_eq!(peer.messages().len(), 1);
}

#[tokio::test]
async fn goodbye_after_stepwise_message_keeps_reply() {
    // The same server without PIPELINING: lettre reads the 250, and the reply shown must be it.
    let peer = FaultPeer::start(
        PeerScript::smtp()
            .reply(
                "END",
                "250 2.0.0 Ok: queued as PEER1\r\n421 4.4.2 peer.test Error: timeout exceeded",
            )
            .close_after("DATA"),
    )
    .await;
    let mut session = open_session(peer.port()).await;

    let reply = send_dotted_mail(&mut session).await.expect("message accepted");
    assert_eq!(reply.code, 250, "{reply:?}");
}
