//! Delivery through real SMTP servers: what arrives, retries, failures and connection reuse.

use reqwest::Method;
use serde_json::json;
use shared::{Mailbox, Security};
use testkit::{ServerMode, SmtpServer, SmtpServerOptions};

use super::peer::{Behaviour, Peer};
use super::{address, loopback_server, mail, spawn_outbox, wait_until};
use crate::helpers::json_body;

#[tokio::test]
async fn mail_arrives_at_real_smtp_server() {
    // Arrange: aiosmtpd, a real SMTP server implementation, on a loopback port.
    let smtp = SmtpServer::start(SmtpServerOptions {
        mode: ServerMode::Plain,
        ..SmtpServerOptions::default()
    });
    let app = spawn_outbox(|_| {}).await;
    let mut server = loopback_server(smtp.port(), "info@shop.example");
    server.is_default = true;
    app.add_server(server).await;
    let token = app.create_token().await;
    let mut body = mail("Ihre Rechnung 4711");
    body["html"] = json!("<p>Vielen Dank für Ihre Bestellung.</p>");
    body["reply_to"] = json!("Kundenservice <service@shop.example>");
    body["attachments"] = json!([{
        "filename": "Rechnung 4711.pdf",
        "content_type": "application/pdf",
        "content_base64": "JVBERi0xLjQKJeLjz9MK",
    }]);

    // Act
    let id = app.submit_ok(&token, &body).await;
    let message = app
        .wait_for_message(&token, id, "the mail is sent", |message| {
            message["status"] == "sent"
        })
        .await;

    // Assert
    let received = smtp.single_message();
    assert_eq!(received.mail_from, "info@shop.example");
    assert_eq!(received.rcpt_tos, vec!["erika@kunde.example"]);
    assert_eq!(
        received.header("Message-ID"),
        message["message_id"].as_str().map(str::to_owned)
    );
    assert_eq!(
        received.header("From").as_deref(),
        Some("\"Max Mustermann\" <info@shop.example>")
    );
    assert_eq!(
        received.header("Reply-To").as_deref(),
        Some("Kundenservice <service@shop.example>")
    );
    let text = received.text();
    assert!(text.contains("multipart/alternative"), "{text}");
    assert!(text.contains("Content-Type: application/pdf"), "{text}");
    assert!(
        text.contains("JVBERi0xLjQKJeLjz9MK"),
        "the attachment arrives unchanged: {text}"
    );
    assert_eq!(message["attempts"], 1);
    assert!(
        message["last_reply"]
            .as_str()
            .is_some_and(|reply| reply.starts_with("250")),
        "{message}"
    );
    assert!(message["sent_at"].is_string());
}

#[tokio::test]
async fn mail_arrives_over_starttls_with_login() {
    let certificates = testkit::TestCertificates::generate();
    let smtp = SmtpServer::start(SmtpServerOptions {
        mode: ServerMode::StartTls,
        certificates: Some(&certificates),
        credentials: Some(("shop@shop.example", "Geheim§%\"-123")),
        ..SmtpServerOptions::default()
    });
    let app = spawn_outbox_trusting(&certificates).await;
    let mut server = loopback_server(smtp.port(), "info@shop.example");
    server.is_default = true;
    server.host = "localhost".to_owned();
    server.security = Security::StartTls;
    server.login = "shop@shop.example".to_owned();
    let (stored, _) = app
        .store
        .create_server(
            app.account,
            server,
            Some(shared::Password::new("Geheim§%\"-123".to_owned())),
        )
        .await
        .expect("store the server");
    let token = app.create_token().await;

    let id = app.submit_ok(&token, &mail("Bestellung 4711")).await;
    app.wait_for_message(&token, id, "the mail is sent", |message| {
        message["status"] == "sent"
    })
    .await;

    let received = smtp.single_message();
    assert_eq!(received.login.as_deref(), Some("shop@shop.example"));
    assert_eq!(received.mail_from, "info@shop.example");
    assert!(stored.password_set);
}

/// Starts the application trusting the test's CA, as an operator with a private CA would.
async fn spawn_outbox_trusting(certificates: &testkit::TestCertificates) -> super::OutboxApp {
    let path = certificates.ca_path();
    super::spawn_outbox_with(|settings| settings.extra_root_certs = Some(path)).await
}

#[tokio::test]
async fn retry_after_451_then_sent() {
    // Arrange: the server replies 451 to the first message and 250 to the second.
    let peer = Peer::start(Behaviour {
        data_replies: ["451 4.3.0 Temporary local problem, try again later".to_owned()].into(),
        ..Behaviour::default()
    })
    .await;
    let app = spawn_outbox(|_| {}).await;
    let mut server = loopback_server(peer.port(), "info@shop.example");
    server.is_default = true;
    let server = app.add_server(server).await;
    let token = app.create_token().await;

    // Act
    let id = app.submit_ok(&token, &mail("Bestellung 4711")).await;
    let message = app
        .wait_for_message(&token, id, "the mail is sent", |message| {
            message["status"] == "sent"
        })
        .await;

    // Assert
    assert_eq!(message["attempts"], 2);
    assert_eq!(peer.data_ends(), 2, "the message went twice");
    assert_eq!(peer.accepted().len(), 1, "and was accepted once");
    assert_eq!(
        message["reason"],
        serde_json::Value::Null,
        "a sent mail shows no failure"
    );
    assert_eq!(app.server_view(server).await["consecutive_failures"], 0);
}

#[tokio::test]
async fn rejection_550_fails_at_once() {
    // Arrange
    let peer = Peer::start(Behaviour {
        rcpt_replies: [
            "550 5.1.1 <erika@kunde.example>: Recipient address rejected: User unknown".to_owned(),
        ]
        .into(),
        ..Behaviour::default()
    })
    .await;
    let app = spawn_outbox(|_| {}).await;
    let mut server = loopback_server(peer.port(), "info@shop.example");
    server.is_default = true;
    let server = app.add_server(server).await;
    let token = app.create_token().await;

    // Act
    let id = app.submit_ok(&token, &mail("Bestellung 4711")).await;
    let message = app
        .wait_for_message(&token, id, "the mail fails", |message| {
            message["status"] == "failed"
        })
        .await;
    let german = json_body(
        reqwest::Client::new()
            .get(app.url(&format!("/api/messages/{id}")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("send"),
    )
    .await;

    // Assert
    assert_eq!(message["attempts"], 1, "a 5xx reply is not retried");
    assert_eq!(
        message["last_reply"],
        "550 5.1.1 <erika@kunde.example>: Recipient address rejected: User unknown"
    );
    assert_eq!(message["reason_code"], "recipient_rejected");
    assert!(
        message["reason"].as_str().is_some_and(|text| !text.is_empty()),
        "{message}"
    );
    assert_ne!(
        german["reason"], message["reason"],
        "the reason follows the request's language"
    );
    assert_eq!(peer.data_ends(), 0);
    assert_eq!(
        app.server_view(server).await["consecutive_failures"],
        0,
        "a recipient's rejection is not the server's fault"
    );
}

#[tokio::test]
async fn connection_reused_for_consecutive_mails() {
    let peer = Peer::start(Behaviour::default()).await;
    let app = spawn_outbox(|outbox| {
        outbox.workers = 1;
        outbox.connections_per_server = 1;
    })
    .await;
    let mut server = loopback_server(peer.port(), "info@shop.example");
    server.is_default = true;
    app.add_server(server).await;
    let token = app.create_token().await;

    for number in 1..=5 {
        let id = app
            .submit_ok(&token, &mail(&format!("Bestellung {number}")))
            .await;
        app.wait_for_message(&token, id, "the mail is sent", |message| {
            message["status"] == "sent"
        })
        .await;
    }

    assert_eq!(peer.accepted().len(), 5);
    assert_eq!(peer.connections(), 1, "one connection carried every mail");
    assert_eq!(app.outbox.idle_connections(), 1);
}

#[tokio::test]
async fn connection_closed_by_server_replaced_transparently() {
    // The server closes the connection after each mail, as servers with a per-connection
    // limit or a short idle timeout do. The next mail must not count a failed attempt.
    let peer = Peer::start(Behaviour {
        close_after_message: true,
        ..Behaviour::default()
    })
    .await;
    let app = spawn_outbox(|outbox| {
        outbox.workers = 1;
        outbox.connections_per_server = 1;
    })
    .await;
    let mut server = loopback_server(peer.port(), "info@shop.example");
    server.is_default = true;
    let server = app.add_server(server).await;
    let token = app.create_token().await;

    let mut ids = Vec::new();
    for number in 1..=3 {
        let id = app
            .submit_ok(&token, &mail(&format!("Bestellung {number}")))
            .await;
        app.wait_for_message(&token, id, "the mail is sent", |message| {
            message["status"] == "sent"
        })
        .await;
        ids.push(id);
    }

    assert_eq!(peer.accepted().len(), 3);
    assert_eq!(peer.connections(), 3, "a new connection for each mail");
    for id in ids {
        assert_eq!(
            app.message(&token, id).await["attempts"],
            1,
            "mail {id} needed one attempt"
        );
    }
    assert_eq!(app.server_view(server).await["consecutive_failures"], 0);
}

#[tokio::test]
async fn idle_timeout_421_answered_with_new_connection() {
    // BC41: the server ends an idle pooled session with "421 … idle timeout" and closes it.
    // The next mail must go over a new connection at once, without a failed attempt.
    let peer = Peer::start(Behaviour {
        goodbye_after_message: Some("421 4.4.2 peer.test Error: timeout exceeded".to_owned()),
        ..Behaviour::default()
    })
    .await;
    let app = spawn_outbox(|outbox| {
        outbox.workers = 1;
        outbox.connections_per_server = 1;
    })
    .await;
    let mut server = loopback_server(peer.port(), "info@shop.example");
    server.is_default = true;
    let server = app.add_server(server).await;
    let token = app.create_token().await;
    let first = app.submit_ok(&token, &mail("Bestellung 1")).await;
    app.wait_for_message(&token, first, "the first mail is sent", |message| {
        message["status"] == "sent"
    })
    .await;

    let second = app.submit_ok(&token, &mail("Bestellung 2")).await;
    let message = app
        .wait_for_message(&token, second, "the second mail is sent", |message| {
            message["status"] == "sent"
        })
        .await;

    assert_eq!(message["attempts"], 1, "the closed session cost no attempt");
    assert_eq!(peer.accepted().len(), 2);
    assert_eq!(peer.connections(), 2);
    assert_eq!(app.server_view(server).await["consecutive_failures"], 0);
}

#[tokio::test]
async fn changed_settings_retire_pooled_connections() {
    // Arrange: a mail leaves a pooled connection to the first peer.
    let first = Peer::start(Behaviour::default()).await;
    let second = Peer::start(Behaviour::default()).await;
    let app = spawn_outbox(|outbox| {
        outbox.workers = 1;
        outbox.connections_per_server = 1;
    })
    .await;
    let mut settings = loopback_server(first.port(), "info@shop.example");
    settings.is_default = true;
    let server = app.add_server(settings.clone()).await;
    let token = app.create_token().await;
    let id = app.submit_ok(&token, &mail("Bestellung 1")).await;
    app.wait_for_message(&token, id, "the first mail is sent", |message| {
        message["status"] == "sent"
    })
    .await;
    assert_eq!(app.outbox.idle_connections(), 1);

    // Act: the seller moves the server to another port and changes the sender.
    settings.port = second.port();
    settings.sender = Mailbox {
        display_name: None,
        address: address("neu@shop.example"),
    };
    app.store
        .update_server(
            app.account,
            server,
            settings,
            backend::store::PasswordChange::Keep,
        )
        .await
        .expect("update")
        .expect("the server exists");
    let id = app.submit_ok(&token, &mail("Bestellung 2")).await;
    app.wait_for_message(&token, id, "the second mail is sent", |message| {
        message["status"] == "sent"
    })
    .await;

    // Assert
    assert_eq!(first.accepted().len(), 1);
    assert_eq!(
        second.accepted().len(),
        1,
        "the second mail used the new settings"
    );
    assert_eq!(second.accepted()[0].mail_from, "neu@shop.example");
}

#[tokio::test]
async fn many_mails_all_sent_once() {
    let peer = Peer::start(Behaviour::default()).await;
    let app = spawn_outbox(|_| {}).await;
    let mut server = loopback_server(peer.port(), "info@shop.example");
    server.is_default = true;
    app.add_server(server).await;
    let token = app.create_token().await;

    let submissions = (0..60).map(|number| {
        let app = &app;
        let token = &token;
        async move { app.submit_ok(token, &mail(&format!("Bestellung {number}"))).await }
    });
    let ids = futures_util::future::join_all(submissions).await;
    wait_until("every mail is sent", || async {
        app.store
            .count_messages(Some(shared::outbox::MessageStatus::Sent))
            .await
            .expect("count")
            == 60
    })
    .await;

    let mut message_ids: Vec<String> = peer
        .accepted()
        .iter()
        .filter_map(|received| received.header("Message-ID"))
        .collect();
    message_ids.sort();
    message_ids.dedup();
    assert_eq!(ids.len(), 60);
    assert_eq!(peer.accepted().len(), 60, "no mail went twice");
    assert_eq!(message_ids.len(), 60, "every mail has its own Message-ID");
    let list = app
        .with_token(&token, Method::GET, "/api/messages?status=sent&limit=500", None)
        .await;
    assert_eq!(
        json_body(list).await["messages"].as_array().map(Vec::len),
        Some(60)
    );
}
