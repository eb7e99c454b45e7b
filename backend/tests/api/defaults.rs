use reqwest::Client;
use serde_json::{json, Value};

use crate::helpers::{json_body, server_body, spawn_app, unique_password, TestApp};
use crate::servers::id_of;

fn named_server(name: &str) -> Value {
    let mut body = server_body(&unique_password());
    body["display_name"] = json!(name);
    body
}

/// Returns the ids of the account's default servers, which must be at most one.
async fn default_ids(app: &TestApp, client: &Client) -> Vec<i64> {
    let listed = json_body(app.list_servers(client).await).await;
    listed
        .as_array()
        .expect("an array")
        .iter()
        .filter(|server| server["is_default"] == true)
        .map(id_of)
        .collect()
}

#[tokio::test]
async fn first_server_becomes_default() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;

    let created = app.create_server_ok(&client, &named_server("Shop-Server")).await;

    assert_eq!(created["is_default"], true);
    assert_eq!(created["default_change"]["default_server_id"], created["id"]);
    assert_eq!(
        created["default_change"]["message"],
        "„Shop-Server“ ist jetzt der Standardserver."
    );
}

#[tokio::test]
async fn second_server_is_not_default_unless_asked() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let first = app.create_server_ok(&client, &named_server("Erster")).await;

    let second = app.create_server_ok(&client, &named_server("Zweiter")).await;

    assert_eq!(second["is_default"], false);
    assert_eq!(second.get("default_change"), None, "the default did not move");
    assert_eq!(default_ids(&app, &client).await, vec![id_of(&first)]);
}

#[tokio::test]
async fn create_with_is_default_takes_over() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    app.create_server_ok(&client, &named_server("Erster")).await;
    let mut body = named_server("Zweiter");
    body["is_default"] = json!(true);

    let second = app.create_server_ok(&client, &body).await;

    assert_eq!(second["is_default"], true);
    assert_eq!(second["default_change"]["default_server_id"], second["id"]);
    assert_eq!(
        default_ids(&app, &client).await,
        vec![id_of(&second)],
        "the old default was cleared"
    );
}

#[tokio::test]
async fn set_default_switches_in_one_step() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    app.create_server_ok(&client, &named_server("Erster")).await;
    let second = app.create_server_ok(&client, &named_server("Zweiter")).await;

    let response = app.make_default(&client, id_of(&second)).await;

    assert_eq!(response.status(), 200);
    let body = json_body(response).await;
    assert_eq!(body["is_default"], true);
    assert_eq!(
        body["default_change"]["message"],
        "„Zweiter“ ist jetzt der Standardserver."
    );
    assert_eq!(default_ids(&app, &client).await, vec![id_of(&second)]);
}

#[tokio::test]
async fn set_default_on_current_default_changes_nothing() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let first = app.create_server_ok(&client, &named_server("Erster")).await;

    let body = json_body(app.make_default(&client, id_of(&first)).await).await;

    assert_eq!(body["is_default"], true);
    assert_eq!(body.get("default_change"), None);
}

#[tokio::test]
async fn deleting_default_promotes_first_active_server() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let first = app.create_server_ok(&client, &named_server("Erster")).await;
    let second = app.create_server_ok(&client, &named_server("Zweiter")).await;
    app.create_server_ok(&client, &named_server("Dritter")).await;

    let response = client
        .delete(app.url(&format!("/api/servers/{}", id_of(&first))))
        .header("X-Requested-With", "postausgang")
        .header("Accept-Language", "en")
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 200);
    let body = json_body(response).await;
    assert_eq!(body["default_change"]["default_server_id"], second["id"]);
    assert_eq!(
        body["default_change"]["message"],
        "\"Zweiter\" is now the default server."
    );
    assert_eq!(default_ids(&app, &client).await, vec![id_of(&second)]);
}

#[tokio::test]
async fn deleting_last_server_leaves_no_default() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let only = app.create_server_ok(&client, &named_server("Einziger")).await;

    let body = json_body(app.delete_server(&client, id_of(&only)).await).await;

    assert_eq!(body["default_change"]["default_server_id"], Value::Null);
    assert_eq!(
        body["default_change"]["message"],
        "Es ist kein aktiver Server mehr übrig, daher gibt es keinen Standardserver."
    );
}

#[tokio::test]
async fn deleting_other_server_keeps_default() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let first = app.create_server_ok(&client, &named_server("Erster")).await;
    let second = app.create_server_ok(&client, &named_server("Zweiter")).await;

    let body = json_body(app.delete_server(&client, id_of(&second)).await).await;

    assert_eq!(body.get("default_change"), None);
    assert_eq!(default_ids(&app, &client).await, vec![id_of(&first)]);
}

#[tokio::test]
async fn deactivating_default_promotes_next_active_server() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let first = app.create_server_ok(&client, &named_server("Erster")).await;
    let second = app.create_server_ok(&client, &named_server("Zweiter")).await;
    let mut inactive = named_server("Erster");
    inactive["active"] = json!(false);

    let body = json_body(app.update_server(&client, id_of(&first), &inactive).await).await;

    assert_eq!(body["active"], false);
    assert_eq!(
        body["is_default"], false,
        "an inactive server is never the default"
    );
    assert_eq!(body["default_change"]["default_server_id"], second["id"]);
    assert_eq!(default_ids(&app, &client).await, vec![id_of(&second)]);
}

#[tokio::test]
async fn deactivating_only_server_leaves_no_default() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let only = app.create_server_ok(&client, &named_server("Einziger")).await;
    let mut inactive = named_server("Einziger");
    inactive["active"] = json!(false);

    let body = json_body(app.update_server(&client, id_of(&only), &inactive).await).await;

    assert_eq!(body["default_change"]["default_server_id"], Value::Null);
    assert!(default_ids(&app, &client).await.is_empty());
}

#[tokio::test]
async fn reactivating_server_makes_it_default_again() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let mut body = named_server("Einziger");
    body["active"] = json!(false);
    let created = app.create_server_ok(&client, &body).await;
    assert_eq!(
        created["is_default"], false,
        "an inactive first server is not the default"
    );
    body["active"] = json!(true);

    let updated = json_body(app.update_server(&client, id_of(&created), &body).await).await;

    assert_eq!(
        updated["is_default"], true,
        "the first active server becomes the default"
    );
}

#[tokio::test]
async fn inactive_server_cannot_become_default() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    app.create_server_ok(&client, &named_server("Erster")).await;
    let mut body = named_server("Inaktiv");
    body["active"] = json!(false);
    body["is_default"] = json!(true);
    let inactive = app.create_server_ok(&client, &body).await;
    assert_eq!(
        inactive["is_default"], false,
        "is_default is ignored for an inactive server"
    );

    let response = app.make_default(&client, id_of(&inactive)).await;

    assert_eq!(response.status(), 409);
    let error = json_body(response).await;
    assert_eq!(error["error"], "server_inactive");
    assert_eq!(
        error["message"],
        "Ein inaktiver Server kann nicht Standardserver sein. Aktivieren Sie ihn zuerst."
    );
}
