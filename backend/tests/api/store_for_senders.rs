//! The store functions that the test-mail and outbox code call.

use backend::store::{DefaultChange, ServerId, TestOutcome};
use serde_json::{json, Value};

use crate::helpers::{json_body, server_body, spawn_app, unique_password};
use crate::servers::{account_of, id_of};

#[tokio::test]
async fn load_for_sending_returns_settings_and_password() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let password = unique_password();
    let mut body = server_body(&password);
    body["host"] = json!(" SMTP.Example.com ");
    let created = app.create_server_ok(&client, &body).await;
    let account = account_of(&app, &client).await;

    let loaded = app
        .store
        .load_server_for_sending(account, ServerId(id_of(&created)))
        .await
        .expect("load")
        .expect("the server exists");

    assert_eq!(loaded.password.expect("a password").expose(), password);
    assert_eq!(
        loaded.settings.host, "smtp.example.com",
        "sends read the normalised host"
    );
    assert_eq!(loaded.settings.port, 587);
    assert_eq!(loaded.settings.login, "max@shop.example.com");
    assert!(loaded.settings.is_default);
}

#[tokio::test]
async fn load_for_sending_is_scoped_to_the_account() {
    let app = spawn_app().await;
    let owner = app.signed_up_client("max@shop.example.com").await;
    let stranger = app.signed_up_client("erika@laden.example.com").await;
    let created = app
        .create_server_ok(&owner, &server_body(&unique_password()))
        .await;
    let stranger_account = account_of(&app, &stranger).await;

    let loaded = app
        .store
        .load_server_for_sending(stranger_account, ServerId(id_of(&created)))
        .await
        .expect("load");

    assert_eq!(loaded, None);
}

#[tokio::test]
async fn test_result_shows_in_view() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let created = app
        .create_server_ok(&client, &server_body(&unique_password()))
        .await;
    let account = account_of(&app, &client).await;
    let outcome = TestOutcome {
        ok: false,
        verdict: "auth_rejected".to_owned(),
    };

    let found = app
        .store
        .record_test_result(account, ServerId(id_of(&created)), outcome)
        .await
        .expect("record");

    assert!(found);
    let view = json_body(app.get_server(&client, id_of(&created)).await).await;
    assert_eq!(view["last_test"]["ok"], false);
    assert_eq!(view["last_test"]["verdict"], "auth_rejected");
    assert!(
        view["last_test"]["at"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z')),
        "{view}"
    );
}

#[tokio::test]
async fn send_failures_count_up_and_reset() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let created = app
        .create_server_ok(&client, &server_body(&unique_password()))
        .await;
    let account = account_of(&app, &client).await;
    let id = ServerId(id_of(&created));

    let first = app.store.record_send_failure(account, id).await.expect("record");
    let second = app.store.record_send_failure(account, id).await.expect("record");

    assert_eq!((first, second), (Some(1), Some(2)));
    let view = json_body(app.get_server(&client, id.0).await).await;
    assert_eq!(view["consecutive_failures"], 2);
    assert!(app.store.record_send_success(account, id).await.expect("record"));
    let view = json_body(app.get_server(&client, id.0).await).await;
    assert_eq!(view["consecutive_failures"], 0);
}

#[tokio::test]
async fn deactivation_records_reason_and_moves_default() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let first = app
        .create_server_ok(&client, &server_body(&unique_password()))
        .await;
    let mut body = server_body(&unique_password());
    body["display_name"] = json!("Ersatz");
    let second = app.create_server_ok(&client, &body).await;
    let account = account_of(&app, &client).await;

    let change = app
        .store
        .deactivate_server(account, ServerId(id_of(&first)), "5 failed sends in a row")
        .await
        .expect("deactivate")
        .expect("the server exists");

    let DefaultChange::MovedTo(default) = change else {
        panic!("the default moves: {change:?}")
    };
    assert_eq!(default.id, ServerId(id_of(&second)));
    assert_eq!(default.label, "Ersatz");
    let view = json_body(app.get_server(&client, id_of(&first)).await).await;
    assert_eq!(view["active"], false);
    assert_eq!(view["is_default"], false);
    assert_eq!(view["deactivated"]["reason"], "5 failed sends in a row");
}

#[tokio::test]
async fn saving_as_active_clears_deactivation() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let created = app
        .create_server_ok(&client, &server_body(&unique_password()))
        .await;
    let account = account_of(&app, &client).await;
    let id = ServerId(id_of(&created));
    app.store.record_send_failure(account, id).await.expect("record");
    app.store
        .deactivate_server(account, id, "too many failures")
        .await
        .expect("deactivate");

    let updated: Value = json_body(app.update_server(&client, id.0, &server_body("")).await).await;

    assert_eq!(updated["active"], true);
    assert_eq!(updated["deactivated"], Value::Null);
    assert_eq!(updated["consecutive_failures"], 0);
    assert_eq!(updated["is_default"], true);
}

#[tokio::test]
async fn default_server_is_loadable() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let account = account_of(&app, &client).await;
    assert_eq!(
        app.store.default_server(account).await.expect("load"),
        None,
        "no server, no default"
    );
    let created = app
        .create_server_ok(&client, &server_body(&unique_password()))
        .await;

    let default = app
        .store
        .default_server(account)
        .await
        .expect("load")
        .expect("a default");

    assert_eq!(default.id, ServerId(id_of(&created)));
}
