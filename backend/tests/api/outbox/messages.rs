//! Accepting mail: what is stored, what is rejected, idempotency, the log and resending.

use reqwest::Method;
use serde_json::{json, Value};

use super::peer::{Behaviour, Peer};
use super::{loopback_server, mail, spawn_outbox, OutboxApp};
use crate::helpers::json_body;

/// Starts the application with a default server on a peer that accepts everything.
async fn app_with_default_server() -> (OutboxApp, Peer, String) {
    let peer = Peer::start(Behaviour::default()).await;
    let app = spawn_outbox(|_| {}).await;
    let mut server = loopback_server(peer.port(), "info@shop.example");
    server.is_default = true;
    app.add_server(server).await;
    let token = app.create_token().await;
    (app, peer, token)
}

async fn stored_count(app: &OutboxApp) -> u64 {
    app.store.count_messages(None).await.expect("count")
}

#[tokio::test]
async fn accepted_mail_answers_202_with_location() {
    let (app, _peer, token) = app_with_default_server().await;

    let response = app.submit(&token, &mail("Bestellung 4711")).await;

    assert_eq!(response.status(), 202);
    let location = response
        .headers()
        .get("location")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = json_body(response).await;
    assert_eq!(location, Some(format!("/api/messages/{}", body["id"])));
    assert_eq!(body["status"], "queued");
    assert!(
        body["message_id"]
            .as_str()
            .is_some_and(|id| id.ends_with("@shop.example>")),
        "{body}"
    );
}

#[tokio::test]
async fn invalid_recipient_rejected_and_nothing_stored() {
    let (app, _peer, token) = app_with_default_server().await;
    let mut body = mail("Bestellung 4711");
    body["to"] = json!(["erika@kunde.example", "erika(at)kunde.example"]);

    let response = app.submit(&token, &body).await;

    assert_eq!(response.status(), 422);
    let body = json_body(response).await;
    assert_eq!(body["error"], "invalid_recipient");
    assert!(
        body["message"].as_str().is_some_and(
            |text| text.starts_with("The mail was not accepted. to[1] \"erika(at)kunde.example\":")
        ),
        "{body}"
    );
    assert_eq!(stored_count(&app).await, 0);
}

#[tokio::test]
async fn every_problem_of_a_mail_reported() {
    let (app, _peer, token) = app_with_default_server().await;
    let body = json!({
        "to": [],
        "subject": "",
        "attachments": [{ "filename": "Rechnung.pdf", "content_type": "pdf", "content_base64": "JVBERi0xLjQK" }],
    });

    let response = app.submit(&token, &body).await;

    assert_eq!(response.status(), 422);
    let message = json_body(response).await["message"]
        .as_str()
        .expect("a message")
        .to_owned();
    for expected in [
        "to: Please give at least one recipient.",
        "subject: Please give a subject.",
        "text, html: Please give a text, an HTML document or both.",
        "attachments[0].content_type: Please give a MIME type such as application/pdf.",
    ] {
        assert!(message.contains(expected), "missing {expected:?} in {message}");
    }
}

#[tokio::test]
async fn mail_without_active_server_rejected() {
    let app = spawn_outbox(|_| {}).await;
    let token = app.create_token().await;

    let response = app.submit(&token, &mail("Bestellung 4711")).await;

    assert_eq!(response.status(), 422);
    let body = json_body(response).await;
    assert_eq!(body["error"], "no_active_server");
    assert_eq!(
        body["message"],
        "No active server: add or activate a server under \"E-Mail-Versand\"."
    );
    assert_eq!(stored_count(&app).await, 0);
}

#[tokio::test]
async fn unknown_named_server_rejected() {
    let (app, _peer, token) = app_with_default_server().await;
    let mut body = mail("Bestellung 4711");
    body["server_id"] = json!(999);

    let response = app.submit(&token, &body).await;

    assert_eq!(response.status(), 422);
    assert_eq!(json_body(response).await["error"], "server_not_found");
}

#[tokio::test]
async fn oversized_mail_rejected() {
    let peer = Peer::start(Behaviour::default()).await;
    let app = spawn_outbox(|outbox| outbox.max_message_bytes = 100_000).await;
    let mut server = loopback_server(peer.port(), "info@shop.example");
    server.is_default = true;
    app.add_server(server).await;
    let token = app.create_token().await;
    let mut body = mail("Rechnung 4711");
    // 120,000 zero bytes as an attachment, over the limit of 100,000.
    body["attachments"] = json!([{
        "filename": "Rechnung 4711.pdf",
        "content_type": "application/pdf",
        "content_base64": "A".repeat(160_000),
    }]);

    let response = app.submit(&token, &body).await;

    assert_eq!(response.status(), 413);
    let body = json_body(response).await;
    assert_eq!(body["error"], "message_too_large");
    assert_eq!(
        body["message"],
        "The mail is too large: its text and attachments take 120 kB; at most 100 kB are allowed."
    );
    assert_eq!(stored_count(&app).await, 0);
}

#[tokio::test]
async fn same_idempotency_key_returns_first_message() {
    let (app, _peer, token) = app_with_default_server().await;
    let body = mail("Bestellung 4711");
    let send = || {
        reqwest::Client::new()
            .post(app.url("/api/messages"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "\"order-4711-paid\"")
            .json(&body)
            .send()
    };

    let first = send().await.expect("send");
    let first_status = first.status();
    let first = json_body(first).await;
    let repeat = send().await.expect("send");
    let replayed = repeat.headers().get("idempotent-replayed").cloned();
    let repeat_status = repeat.status();
    let repeat = json_body(repeat).await;

    assert_eq!(first_status, 202);
    assert_eq!(repeat_status, 202);
    assert_eq!(repeat["id"], first["id"]);
    assert_eq!(repeat["message_id"], first["message_id"]);
    assert_eq!(
        replayed.as_ref().and_then(|value| value.to_str().ok()),
        Some("true")
    );
    assert_eq!(stored_count(&app).await, 1);
}

#[tokio::test]
async fn concurrent_repeats_store_one_message() {
    let (app, _peer, token) = app_with_default_server().await;
    let body = mail("Bestellung 4712");
    let send = || {
        reqwest::Client::new()
            .post(app.url("/api/messages"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "order-4712-paid")
            .json(&body)
            .send()
    };

    let responses = futures_util::future::join_all((0..8).map(|_| send())).await;

    let mut ids = Vec::new();
    for response in responses {
        let response = response.expect("send");
        assert_eq!(response.status(), 202);
        ids.push(json_body(response).await["id"].clone());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every repeat names the first message: {ids:?}");
    assert_eq!(stored_count(&app).await, 1);
}

#[tokio::test]
async fn idempotency_key_of_other_mail_rejected() {
    let (app, _peer, token) = app_with_default_server().await;
    let send = |subject: &str| {
        reqwest::Client::new()
            .post(app.url("/api/messages"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "order-4711")
            .json(&mail(subject))
            .send()
    };

    let first = send("Bestellung 4711").await.expect("send");
    let other = send("Bestellung 4712").await.expect("send");

    assert_eq!(first.status(), 202);
    assert_eq!(other.status(), 422);
    assert_eq!(json_body(other).await["error"], "idempotency_key_reused");
    assert_eq!(stored_count(&app).await, 1);
}

#[tokio::test]
async fn log_filters_by_status_and_server() {
    // Arrange: one mail sent through server A, one failed at server B.
    let accepting = Peer::start(Behaviour::default()).await;
    let rejecting = Peer::start(Behaviour {
        rcpt_replies: ["550 5.1.1 No such user".to_owned()].into(),
        ..Behaviour::default()
    })
    .await;
    let app = spawn_outbox(|_| {}).await;
    let mut first = loopback_server(accepting.port(), "info@shop.example");
    first.is_default = true;
    let first = app.add_server(first).await;
    let second = app
        .add_server(loopback_server(rejecting.port(), "rechnung@buchhaltung.example"))
        .await;
    let token = app.create_token().await;
    let sent = app.submit_ok(&token, &mail("Bestellung 1")).await;
    let mut to_second = mail("Rechnung 1");
    to_second["server_id"] = json!(second.0);
    let failed = app.submit_ok(&token, &to_second).await;
    app.wait_for_message(&token, sent, "the first mail is sent", |message| {
        message["status"] == "sent"
    })
    .await;
    app.wait_for_message(&token, failed, "the second mail fails", |message| {
        message["status"] == "failed"
    })
    .await;

    // Act
    let list = |query: String| {
        let app = &app;
        let token = &token;
        async move {
            json_body(
                app.with_token(token, Method::GET, &format!("/api/messages{query}"), None)
                    .await,
            )
            .await
        }
    };
    let all = list(String::new()).await;
    let failed_only = list("?status=failed".to_owned()).await;
    let of_first = list(format!("?server_id={}", first.0)).await;
    let paged = list("?limit=1".to_owned()).await;

    // Assert
    let ids = |list: &Value| -> Vec<i64> {
        list["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .filter_map(|message| message["id"].as_i64())
            .collect()
    };
    assert_eq!(ids(&all), vec![failed, sent], "newest first");
    assert_eq!(ids(&failed_only), vec![failed]);
    assert_eq!(ids(&of_first), vec![sent]);
    assert_eq!(ids(&paged), vec![failed]);
    assert_eq!(paged["next_before"], json!(failed));
}

#[tokio::test]
async fn invalid_filter_rejected() {
    let (app, _peer, token) = app_with_default_server().await;

    let response = app
        .with_token(&token, Method::GET, "/api/messages?status=lost", None)
        .await;

    assert_eq!(response.status(), 400);
    assert_eq!(json_body(response).await["error"], "invalid_query");
}

#[tokio::test]
async fn failed_mail_resent_with_one_call() {
    // Arrange: the recipient is rejected once, then accepted.
    let peer = Peer::start(Behaviour {
        rcpt_replies: ["550 5.1.1 Mailbox unavailable".to_owned()].into(),
        ..Behaviour::default()
    })
    .await;
    let app = spawn_outbox(|_| {}).await;
    let mut server = loopback_server(peer.port(), "info@shop.example");
    server.is_default = true;
    app.add_server(server).await;
    let token = app.create_token().await;
    let id = app.submit_ok(&token, &mail("Bestellung 4711")).await;
    app.wait_for_message(&token, id, "the mail fails", |message| {
        message["status"] == "failed"
    })
    .await;

    // Act
    let resent = app
        .with_token(&token, Method::POST, &format!("/api/messages/{id}/resend"), None)
        .await;
    let resent_status = resent.status();
    let again = app
        .with_token(&token, Method::POST, &format!("/api/messages/{id}/resend"), None)
        .await;

    // Assert
    assert_eq!(resent_status, 202);
    let message = app
        .wait_for_message(&token, id, "the resent mail is sent", |message| {
            message["status"] == "sent"
        })
        .await;
    assert_eq!(message["attempts"], 2);
    assert_eq!(peer.accepted().len(), 1);
    assert_eq!(
        again.status(),
        409,
        "the mail is queued or sent after the first resend"
    );
}

#[tokio::test]
async fn queued_mail_not_resendable() {
    let app = spawn_outbox(|_| {}).await;
    let peer = Peer::start(Behaviour {
        greeting: "421 4.3.2 Service not available".to_owned(),
        ..Behaviour::default()
    })
    .await;
    let mut server = loopback_server(peer.port(), "info@shop.example");
    server.is_default = true;
    app.add_server(server).await;
    let token = app.create_token().await;
    let id = app.submit_ok(&token, &mail("Bestellung 4711")).await;

    let response = app
        .with_token(&token, Method::POST, &format!("/api/messages/{id}/resend"), None)
        .await;

    assert_eq!(response.status(), 409);
    assert_eq!(json_body(response).await["error"], "message_not_failed");
}
