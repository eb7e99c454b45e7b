use reqwest::Method;
use serde_json::{json, Value};

use super::peer::{Behaviour, Peer};
use super::{loopback_server, mail, spawn_outbox};
use crate::helpers::json_body;

#[tokio::test]
async fn token_shown_once_and_listed_without_it() {
    // Arrange
    let app = spawn_outbox(|_| {}).await;

    // Act
    let created = app
        .client
        .post(app.url("/api/tokens"))
        .header("X-Requested-With", "postausgang")
        .json(&json!({ "name": "  Shopware  " }))
        .send()
        .await
        .expect("create");
    let status = created.status();
    let created = json_body(created).await;
    let listed = json_body(app.client.get(app.url("/api/tokens")).send().await.expect("list")).await;

    // Assert
    assert_eq!(status, 201);
    let token = created["token"].as_str().expect("the token");
    assert!(token.starts_with("pa_"), "{token}");
    assert_eq!(created["name"], "Shopware");
    assert_eq!(listed[0]["id"], created["id"]);
    assert_eq!(listed[0]["name"], "Shopware");
    assert_eq!(listed[0]["last_used_at"], Value::Null);
    assert!(
        !listed.to_string().contains(token),
        "the list never shows the token: {listed}"
    );
}

#[tokio::test]
async fn token_use_recorded_as_last_used() {
    let app = spawn_outbox(|_| {}).await;
    let token = app.create_token().await;

    let response = app.with_token(&token, Method::GET, "/api/messages", None).await;
    let listed = json_body(app.client.get(app.url("/api/tokens")).send().await.expect("list")).await;

    assert_eq!(response.status(), 200);
    assert!(
        listed[0]["last_used_at"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z')),
        "{listed}"
    );
}

#[tokio::test]
async fn revoked_token_rejected_at_once() {
    // Arrange: the token works, and is cached, before it is revoked.
    let app = spawn_outbox(|_| {}).await;
    let token = app.create_token().await;
    let listed = json_body(app.client.get(app.url("/api/tokens")).send().await.expect("list")).await;
    let id = listed[0]["id"].as_i64().expect("an id");
    assert_eq!(
        app.with_token(&token, Method::GET, "/api/messages", None)
            .await
            .status(),
        200
    );

    // Act
    let revoked = app
        .client
        .delete(app.url(&format!("/api/tokens/{id}")))
        .header("X-Requested-With", "postausgang")
        .send()
        .await
        .expect("revoke");
    let response = app.with_token(&token, Method::GET, "/api/messages", None).await;

    // Assert
    assert_eq!(revoked.status(), 204);
    assert_eq!(response.status(), 401);
    let challenge = response.headers().get("www-authenticate").cloned();
    let body = json_body(response).await;
    assert_eq!(body["error"], "invalid_token");
    assert_eq!(
        challenge.as_ref().and_then(|value| value.to_str().ok()),
        Some("Bearer error=\"invalid_token\"")
    );
}

#[tokio::test]
async fn new_token_works_after_revoking_the_last_one() {
    // Arrange: SQLite gives a new row the id of a deleted last row, so the new token gets the
    // revoked token's id.
    let app = spawn_outbox(|_| {}).await;
    let revoked_token = app.create_token().await;
    let listed = json_body(app.client.get(app.url("/api/tokens")).send().await.expect("list")).await;
    let revoked_id = listed[0]["id"].as_i64().expect("an id");
    let revoked = app
        .client
        .delete(app.url(&format!("/api/tokens/{revoked_id}")))
        .header("X-Requested-With", "postausgang")
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status(), 204);

    // Act
    let new_token = app.create_token().await;
    let with_new = app
        .with_token(&new_token, Method::GET, "/api/messages", None)
        .await;
    let with_revoked = app
        .with_token(&revoked_token, Method::GET, "/api/messages", None)
        .await;

    // Assert
    let listed = json_body(app.client.get(app.url("/api/tokens")).send().await.expect("list")).await;
    assert_eq!(
        listed[0]["id"].as_i64(),
        Some(revoked_id),
        "the id is reused: {listed}"
    );
    assert_eq!(with_new.status(), 200);
    assert_eq!(with_revoked.status(), 401);
}

#[tokio::test]
async fn missing_token_explained_to_shop_system() {
    let app = spawn_outbox(|_| {}).await;

    let response = reqwest::Client::new()
        .post(app.url("/api/messages"))
        .json(&json!({ "to": ["kundin@example.net"], "subject": "Test", "text": "Hallo" }))
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("www-authenticate"));
    let body = json_body(response).await;
    assert_eq!(body["error"], "invalid_token");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|message| message.contains("API-Token fehlt")),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_token_rejected_in_german_by_default() {
    let app = spawn_outbox(|_| {}).await;

    let response = reqwest::Client::new()
        .get(app.url("/api/messages"))
        .bearer_auth("pa_unknown")
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 401);
    let body = json_body(response).await;
    assert_eq!(
        body["message"],
        "Der API-Token fehlt, ist unbekannt oder wurde widerrufen. Senden Sie „Authorization: Bearer <Token>“ mit einem Token, den Sie unter „API-Zugang“ angelegt haben."
    );
}

#[tokio::test]
async fn token_call_needs_no_csrf_header() {
    // A shop system is no browser: the bearer token alone authenticates a state-changing call.
    let peer = Peer::start(Behaviour::default()).await;
    let app = spawn_outbox(|_| {}).await;
    let mut server = loopback_server(peer.port(), "info@shop.example");
    server.is_default = true;
    app.add_server(server).await;
    let token = app.create_token().await;

    let response = app.submit(&token, &mail("Bestellung 1")).await;

    assert_eq!(response.status(), 202);
}

#[tokio::test]
async fn session_call_needs_csrf_header() {
    let app = spawn_outbox(|_| {}).await;

    let without = app
        .client
        .post(app.url("/api/messages"))
        .json(&mail("Bestellung 1"))
        .send()
        .await
        .expect("send");
    let token_without = app
        .client
        .post(app.url("/api/tokens"))
        .json(&json!({ "name": "Shop" }))
        .send()
        .await
        .expect("send");

    assert_eq!(without.status(), 403);
    assert_eq!(json_body(without).await["error"], "csrf_header_missing");
    assert_eq!(token_without.status(), 403);
}

#[tokio::test]
async fn token_name_must_not_be_empty() {
    let app = spawn_outbox(|_| {}).await;

    let response = app
        .client
        .post(app.url("/api/tokens"))
        .header("X-Requested-With", "postausgang")
        .header("Accept-Language", "en")
        .json(&json!({ "name": "   " }))
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 422);
    let body = json_body(response).await;
    assert_eq!(body["error"], "invalid_token_name");
    assert_eq!(
        body["message"],
        "name: Please give a name of 1 to 100 characters without control characters, such as the shop system's name."
    );
}

#[tokio::test]
async fn other_accounts_token_not_found() {
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
    app.create_token().await;
    let listed = json_body(app.client.get(app.url("/api/tokens")).send().await.expect("list")).await;
    let id = listed[0]["id"].as_i64().expect("an id");

    let response = other
        .delete(app.url(&format!("/api/tokens/{id}")))
        .header("X-Requested-With", "postausgang")
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 404);
}
