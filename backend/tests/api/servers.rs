use backend::store::{AccountId, ServerId};
use serde_json::{json, Value};
use shared::{Finding, Language};

use crate::helpers::{json_body, server_body, spawn_app, unique_password};

#[tokio::test]
async fn create_returns_view_and_location() {
    // Arrange
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;

    // Act
    let response = app.create_server(&client, &server_body(&unique_password())).await;

    // Assert
    assert_eq!(response.status(), 201);
    let location = response
        .headers()
        .get("location")
        .expect("a Location header")
        .to_str()
        .expect("ASCII")
        .to_owned();
    let body = json_body(response).await;
    assert_eq!(location, format!("/api/servers/{}", body["id"]));
    assert_eq!(body["display_name"], "Shop-Server");
    assert_eq!(body["host"], "smtp.example.com");
    assert_eq!(body["port"], 587);
    assert_eq!(body["security"], "starttls");
    assert_eq!(body["login"], "max@shop.example.com");
    assert_eq!(body["password_set"], true);
    assert_eq!(body["active"], true);
    assert_eq!(body["consecutive_failures"], 0);
    assert_eq!(body["last_test"], Value::Null);
    assert_eq!(body["deactivated"], Value::Null);
    assert!(
        body["updated_at"].as_str().is_some_and(|at| at.ends_with('Z')),
        "RFC 3339 in UTC: {body}"
    );
}

#[tokio::test]
async fn create_stores_normalised_host() {
    // A host pasted with spaces must be stored trimmed, so that test and real sends use the
    // same, working value.
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let mut body = server_body(&unique_password());
    body["host"] = json!("  SMTP.Example.COM ");

    let created = app.create_server_ok(&client, &body).await;

    assert_eq!(created["host"], "smtp.example.com");
    let stored = json_body(app.get_server(&client, id_of(&created)).await).await;
    assert_eq!(stored["host"], "smtp.example.com");
}

#[tokio::test]
async fn create_without_password_has_none_set() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let mut body = server_body("");
    body["login"] = json!("");
    body.as_object_mut().expect("object").remove("password");

    let created = app.create_server_ok(&client, &body).await;

    assert_eq!(created["password_set"], false);
}

#[tokio::test]
async fn list_returns_servers_oldest_first() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let first = app.create_server_ok(&client, &named_server("Erster")).await;
    let second = app.create_server_ok(&client, &named_server("Zweiter")).await;

    let listed = json_body(app.list_servers(&client).await).await;

    let ids: Vec<&Value> = listed
        .as_array()
        .expect("an array")
        .iter()
        .map(|server| &server["id"])
        .collect();
    assert_eq!(ids, vec![&first["id"], &second["id"]]);
}

#[tokio::test]
async fn get_returns_the_stored_server() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let created = app
        .create_server_ok(&client, &server_body(&unique_password()))
        .await;

    let response = app.get_server(&client, id_of(&created)).await;

    assert_eq!(response.status(), 200);
    let stored = json_body(response).await;
    assert_eq!(stored["id"], created["id"]);
    assert_eq!(stored["sender"], created["sender"]);
}

#[tokio::test]
async fn unknown_or_malformed_id_is_not_found() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;

    for path in ["/api/servers/999", "/api/servers/abc", "/api/servers/1.5"] {
        let response = app.send(&client, reqwest::Method::GET, path, None).await;

        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(json_body(response).await["error"], "not_found", "{path}");
    }
}

#[tokio::test]
async fn update_replaces_settings() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let created = app
        .create_server_ok(&client, &server_body(&unique_password()))
        .await;
    let mut changed = server_body("");
    changed["display_name"] = json!("Neuer Name");
    changed["host"] = json!("mail.example.com");
    changed["port"] = json!(465);
    changed["security"] = json!("implicit_tls");

    let response = app.update_server(&client, id_of(&created), &changed).await;

    assert_eq!(response.status(), 200);
    let updated = json_body(response).await;
    assert_eq!(updated["display_name"], "Neuer Name");
    assert_eq!(updated["host"], "mail.example.com");
    assert_eq!(updated["port"], 465);
    assert_eq!(updated["security"], "implicit_tls");
    let stored = json_body(app.get_server(&client, id_of(&created)).await).await;
    assert_eq!(stored["host"], "mail.example.com", "the change is stored");
}

#[tokio::test]
async fn update_without_password_keeps_it() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let password = unique_password();
    let created = app.create_server_ok(&client, &server_body(&password)).await;
    let account = account_of(&app, &client).await;
    let absent = {
        let mut body = server_body("");
        body.as_object_mut().expect("object").remove("password");
        body
    };
    let null = {
        let mut body = server_body("");
        body["password"] = Value::Null;
        body
    };

    for (case, body) in [("absent", absent), ("null", null), ("empty", server_body(""))] {
        let response = app.update_server(&client, id_of(&created), &body).await;

        assert_eq!(response.status(), 200, "password {case}");
        assert_eq!(json_body(response).await["password_set"], true, "password {case}");
        let stored = app
            .store
            .load_server_for_sending(account, ServerId(id_of(&created)))
            .await
            .expect("load")
            .expect("the server exists");
        let kept = stored.password.expect("a password is stored");
        assert_eq!(kept.expose(), password, "password {case} keeps the stored one");
    }
}

#[tokio::test]
async fn update_with_password_replaces_it() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let created = app
        .create_server_ok(&client, &server_body(&unique_password()))
        .await;
    let account = account_of(&app, &client).await;
    let new_password = unique_password();

    let response = app
        .update_server(&client, id_of(&created), &server_body(&new_password))
        .await;

    assert_eq!(response.status(), 200);
    let stored = app
        .store
        .load_server_for_sending(account, ServerId(id_of(&created)))
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(stored.password.expect("a password").expose(), new_password);
}

#[tokio::test]
async fn update_of_unknown_server_is_not_found() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;

    let response = app
        .update_server(&client, 4711, &server_body(&unique_password()))
        .await;

    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn delete_removes_the_server() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let created = app
        .create_server_ok(&client, &server_body(&unique_password()))
        .await;

    let response = app.delete_server(&client, id_of(&created)).await;

    assert_eq!(response.status(), 200);
    assert_eq!(json_body(response).await["id"], created["id"]);
    assert_eq!(app.get_server(&client, id_of(&created)).await.status(), 404);
    assert_eq!(
        app.delete_server(&client, id_of(&created)).await.status(),
        404,
        "a second delete finds nothing"
    );
}

#[tokio::test]
async fn invalid_settings_answer_422_in_german() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let mut body = server_body(&unique_password());
    body["sender"] = json!("");

    let response = app.create_server(&client, &body).await;

    assert_eq!(response.status(), 422);
    let error = json_body(response).await;
    assert_eq!(error["error"], "validation_failed");
    assert_eq!(
        error["message"],
        "Die Einstellungen wurden nicht gespeichert. Bitte korrigieren Sie die markierten Felder."
    );
    let sender_error = sender_required_finding(&error);
    assert_eq!(sender_error["message"], rendered(&sender_error, Language::De));
}

#[tokio::test]
async fn invalid_settings_answer_422_in_english() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let mut body = server_body(&unique_password());
    body["sender"] = json!("");

    let response = client
        .post(app.url("/api/servers"))
        .header("X-Requested-With", "postausgang")
        .header("Accept-Language", "en-GB,en;q=0.8,de;q=0.5")
        .json(&body)
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 422);
    let error = json_body(response).await;
    assert_eq!(
        error["message"],
        "The settings were not saved. Please correct the marked fields."
    );
    let sender_error = sender_required_finding(&error);
    assert_eq!(sender_error["message"], rendered(&sender_error, Language::En));
    assert_ne!(
        rendered(&sender_error, Language::En),
        rendered(&sender_error, Language::De)
    );
}

#[tokio::test]
async fn invalid_create_saves_nothing() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let mut body = server_body(&unique_password());
    body["sender"] = json!("   ");

    assert_eq!(app.create_server(&client, &body).await.status(), 422);

    let listed = json_body(app.list_servers(&client).await).await;
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn invalid_update_keeps_stored_settings() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let created = app
        .create_server_ok(&client, &server_body(&unique_password()))
        .await;
    let mut body = server_body(&unique_password());
    body["sender"] = json!("");
    body["host"] = json!("other.example.com");

    let response = app.update_server(&client, id_of(&created), &body).await;

    assert_eq!(response.status(), 422);
    let stored = json_body(app.get_server(&client, id_of(&created)).await).await;
    assert_eq!(stored["host"], "smtp.example.com");
    assert_eq!(stored["sender"], created["sender"]);
}

fn named_server(name: &str) -> Value {
    let mut body = server_body(&unique_password());
    body["display_name"] = json!(name);
    body
}

pub fn id_of(server: &Value) -> i64 {
    server["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("a server with an id: {server}"))
}

pub async fn account_of(app: &crate::helpers::TestApp, client: &reqwest::Client) -> AccountId {
    let account = json_body(app.get_account(client).await).await;
    AccountId(account["id"].as_i64().expect("an account id"))
}

fn sender_required_finding(error: &Value) -> Value {
    let findings = error["findings"].as_array().expect("findings");
    findings
        .iter()
        .find(|finding| finding["field"] == "sender" && finding["code"] == "required")
        .unwrap_or_else(|| panic!("a finding for the empty sender: {error}"))
        .clone()
}

/// Renders a finding from the response with shared's texts, to compare with the server's.
fn rendered(finding_view: &Value, language: Language) -> String {
    let finding: Finding = serde_json::from_value(finding_view.clone()).expect("a shared finding");
    finding.message(language)
}

#[tokio::test]
async fn line_breaks_in_header_fields_are_rejected() {
    // A line break in a value that ends up in a mail header would let a caller add headers
    // such as a second Bcc. The API re-validates, because it can be called without the page.
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let mut injected_sender = server_body(&unique_password());
    injected_sender["sender"] = json!("Max\r\nBcc: fremder@example.net <max@example.com>");
    let mut injected_bcc = server_body(&unique_password());
    injected_bcc["bcc"] = json!("archiv@shop.example.com\nX-Injected: 1");

    for (field, body) in [("sender", injected_sender), ("bcc", injected_bcc)] {
        let response = app.create_server(&client, &body).await;

        assert_eq!(response.status(), 422, "{field}");
        let error = json_body(response).await;
        let findings = error["findings"].as_array().expect("findings");
        assert!(
            findings
                .iter()
                .any(|finding| finding["field"] == field && finding["severity"] == "error"),
            "an error finding for {field}: {error}"
        );
    }
    assert_eq!(
        json_body(app.list_servers(&client).await).await,
        json!([]),
        "nothing was saved"
    );
}
