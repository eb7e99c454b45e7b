//! Per-server sending limits: stored, validated, and holding mail back in the queue.

use reqwest::Method;
use serde_json::{json, Value};
use shared::outbox::MessageStatus;

use super::peer::{Behaviour, Peer};
use super::{loopback_server, mail, spawn_outbox, wait_until, OutboxApp};
use crate::helpers::json_body;

async fn put_limits(app: &OutboxApp, server: i64, body: &Value) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/api/servers/{server}/limits")))
        .header("X-Requested-With", "postausgang")
        .header("Accept-Language", "en")
        .json(body)
        .send()
        .await
        .expect("send")
}

#[tokio::test]
async fn rate_limit_holds_mail_back() {
    // Arrange: at most 2 mails per minute.
    let peer = Peer::start(Behaviour::default()).await;
    let app = spawn_outbox(|_| {}).await;
    let mut server = loopback_server(peer.port(), "info@shop.example");
    server.is_default = true;
    let server = app.add_server(server).await;
    let set = put_limits(&app, server.0, &json!({ "per_minute": 2 })).await;
    assert_eq!(set.status(), 200);
    let token = app.create_token().await;

    // Act
    let mut ids = Vec::new();
    for number in 1..=5 {
        ids.push(
            app.submit_ok(&token, &mail(&format!("Bestellung {number}")))
                .await,
        );
    }
    wait_until("two mails are sent", || async {
        app.store
            .count_messages(Some(MessageStatus::Sent))
            .await
            .expect("count")
            == 2
    })
    .await;
    let last = app
        .wait_for_message(&token, ids[4], "the last mail waits for the limit", |message| {
            message["reason_code"] == "rate_limited"
        })
        .await;

    // Assert
    assert_eq!(peer.accepted().len(), 2, "the server got no more than its limit");
    assert_eq!(
        app.store
            .count_messages(Some(MessageStatus::Queued))
            .await
            .expect("count"),
        3
    );
    assert_eq!(last["status"], "queued");
    assert_eq!(last["attempts"], 0);
    assert_eq!(
        last["reason"],
        "Waiting: the server's sending limit is reached. The mail goes out as soon as the limit allows it again."
    );
    let list = app
        .with_token(&token, Method::GET, "/api/messages?status=queued", None)
        .await;
    assert_eq!(
        json_body(list).await["messages"].as_array().map(Vec::len),
        Some(3)
    );
}

#[tokio::test]
async fn limits_stored_and_shown_with_preset() {
    let app = spawn_outbox(|_| {}).await;
    let mut settings = loopback_server(2525, "info@shop.example");
    settings.provider = "office365".to_owned();
    let server = app.add_server(settings).await;
    let url = app.url(&format!("/api/servers/{}/limits", server.0));

    let preset = json_body(
        app.client
            .get(&url)
            .header("Accept-Language", "en")
            .send()
            .await
            .expect("get"),
    )
    .await;
    let custom =
        json_body(put_limits(&app, server.0, &json!({ "per_minute": "10", "per_hour": 300 })).await).await;
    let reset = json_body(
        app.client
            .delete(&url)
            .header("X-Requested-With", "postausgang")
            .send()
            .await
            .expect("delete"),
    )
    .await;

    assert_eq!(preset["source"], "preset");
    assert_eq!(preset["limits"], json!({ "per_minute": 30, "per_hour": null }));
    assert!(
        preset["preset_note"]
            .as_str()
            .is_some_and(|note| note.contains("30 mails per minute")),
        "{preset}"
    );
    assert_eq!(custom["source"], "custom");
    assert_eq!(custom["limits"], json!({ "per_minute": 10, "per_hour": 300 }));
    assert_eq!(custom["preset"], json!({ "per_minute": 30, "per_hour": null }));
    assert_eq!(reset["source"], "preset");
    assert_eq!(reset["limits"]["per_minute"], 30);
}

#[tokio::test]
async fn invalid_limits_rejected_with_every_problem() {
    let app = spawn_outbox(|_| {}).await;
    let server = app.add_server(loopback_server(2525, "info@shop.example")).await;

    let response = put_limits(&app, server.0, &json!({ "per_minute": 0, "per_hour": 2.5 })).await;

    assert_eq!(response.status(), 422);
    let body = json_body(response).await;
    assert_eq!(body["error"], "invalid_sending_limits");
    assert_eq!(
        body["message"],
        "The sending limits were not saved. Mails per minute: \"0\" is invalid. The limit must be at least 1; \
         leave the field empty for no limit. Mails per hour: \"2.5\" is not a whole number. Please enter a whole \
         number of 1 or more, or leave the field empty (no limit)."
    );
}

#[tokio::test]
async fn limits_of_other_accounts_server_not_found() {
    let app = spawn_outbox(|_| {}).await;
    let other = crate::helpers::new_client();
    let sign_up = other
        .post(app.url("/api/accounts"))
        .header("X-Requested-With", "postausgang")
        .json(&json!({ "email": "erika@anderer-shop.example", "password": "ein langes Passwort" }))
        .send()
        .await
        .expect("sign up");
    assert_eq!(sign_up.status(), 201);
    let server = app.add_server(loopback_server(2525, "info@shop.example")).await;

    let response = other
        .put(app.url(&format!("/api/servers/{}/limits", server.0)))
        .header("X-Requested-With", "postausgang")
        .json(&json!({ "per_minute": 5 }))
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 404);
}
