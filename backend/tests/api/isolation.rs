use reqwest::Method;

use crate::helpers::{json_body, server_body, spawn_app, unique_password};
use crate::servers::id_of;

#[tokio::test]
async fn other_accounts_server_is_not_found() {
    // Arrange
    let app = spawn_app().await;
    let owner = app.signed_up_client("max@shop.example.com").await;
    let stranger = app.signed_up_client("erika@laden.example.com").await;
    let server = app
        .create_server_ok(&owner, &server_body(&unique_password()))
        .await;
    let path = format!("/api/servers/{}", id_of(&server));
    let requests = [
        (Method::GET, path.clone(), None),
        (Method::PUT, path.clone(), Some(server_body(&unique_password()))),
        (Method::DELETE, path.clone(), None),
        (Method::POST, format!("{path}/default"), None),
    ];

    for (method, path, body) in requests {
        // Act
        let response = app.send(&stranger, method.clone(), &path, body.as_ref()).await;

        // Assert: 404, as for a server that does not exist, so ids reveal nothing.
        assert_eq!(response.status(), 404, "{method} {path}");
        assert_eq!(json_body(response).await["error"], "not_found", "{method} {path}");
    }
    let unchanged = json_body(app.get_server(&owner, id_of(&server)).await).await;
    assert_eq!(
        unchanged,
        strip_default_change(server),
        "the owner's server is untouched"
    );
}

#[tokio::test]
async fn list_shows_only_own_servers() {
    let app = spawn_app().await;
    let owner = app.signed_up_client("max@shop.example.com").await;
    let stranger = app.signed_up_client("erika@laden.example.com").await;
    app.create_server_ok(&owner, &server_body(&unique_password()))
        .await;

    let listed = json_body(app.list_servers(&stranger).await).await;

    assert_eq!(listed, serde_json::json!([]));
}

#[tokio::test]
async fn each_account_has_its_own_default() {
    let app = spawn_app().await;
    let owner = app.signed_up_client("max@shop.example.com").await;
    let stranger = app.signed_up_client("erika@laden.example.com").await;
    app.create_server_ok(&owner, &server_body(&unique_password()))
        .await;

    let created = app
        .create_server_ok(&stranger, &server_body(&unique_password()))
        .await;

    assert_eq!(
        created["is_default"], true,
        "another account's default does not count"
    );
}

fn strip_default_change(mut server: serde_json::Value) -> serde_json::Value {
    server.as_object_mut().expect("object").remove("default_change");
    server
}
