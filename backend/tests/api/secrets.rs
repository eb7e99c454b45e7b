//! The SMTP password is write-only: never in a response, never in the log, never in clear text
//! in the database file.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use reqwest::Response;
use serde_json::Value;

use crate::helpers::{captured_logs, contains_bytes, server_body, spawn_app, unique_password, TestApp};
use crate::servers::id_of;

/// Returns the forms in which a password could leak: as typed, base64-encoded as in `AUTH PLAIN`,
/// and JSON-escaped.
fn leak_forms(password: &str) -> Vec<String> {
    let auth_plain = format!("\0user\0{password}");
    vec![
        password.to_owned(),
        STANDARD.encode(password),
        URL_SAFE_NO_PAD.encode(password),
        // The part of an AUTH PLAIN blob that depends only on the password.
        STANDARD.encode(auth_plain)[8..].to_owned(),
        // JSON-escaped, as a serialised body would contain it.
        serde_json::to_string(password).expect("serialise"),
    ]
}

async fn assert_no_password(response: Response, password: &str, what: &str) -> Value {
    let text = response.text().await.expect("read the body");
    for form in leak_forms(password) {
        assert!(
            !text.contains(&form),
            "{what} leaks the password as {form:?}: {text}"
        );
    }
    let body: Value = serde_json::from_str(&text).expect("a JSON body");
    assert_no_password_key(&body, what);
    body
}

fn assert_no_password_key(value: &Value, what: &str) {
    match value {
        Value::Object(map) => {
            assert!(
                !map.contains_key("password"),
                "{what} has a password field: {value}"
            );
            map.values().for_each(|inner| assert_no_password_key(inner, what));
        }
        Value::Array(items) => items.iter().for_each(|inner| assert_no_password_key(inner, what)),
        _ => {}
    }
}

/// Creates a server, reads it every way, updates it with a new password and makes it the
/// default, and returns both passwords used.
async fn exercise_every_endpoint(app: &TestApp) -> (String, String) {
    let client = app.signed_up_client("max@shop.example.com").await;
    let first_password = unique_password();
    let second_password = unique_password();

    let created = app.create_server(&client, &server_body(&first_password)).await;
    assert_eq!(created.status(), 201);
    let created = assert_no_password(created, &first_password, "create").await;
    assert_eq!(created["password_set"], true);
    let id = id_of(&created);

    assert_no_password(app.get_server(&client, id).await, &first_password, "get").await;
    assert_no_password(app.list_servers(&client).await, &first_password, "list").await;
    let updated = assert_no_password(
        app.update_server(&client, id, &server_body(&second_password))
            .await,
        &second_password,
        "update",
    )
    .await;
    assert_eq!(updated["password_set"], true);
    assert_no_password(
        app.make_default(&client, id).await,
        &second_password,
        "set default",
    )
    .await;
    (first_password, second_password)
}

#[tokio::test]
async fn password_is_absent_from_every_response() {
    let app = spawn_app().await;

    exercise_every_endpoint(&app).await;
}

#[tokio::test]
async fn password_is_absent_from_logs() {
    let app = spawn_app().await;
    let client = app.signed_up_client("erika@shop.example.com").await;
    let wrong_type_password = unique_password();
    let mut wrong_type = server_body("");
    // A password sent with the wrong type must not be echoed in the error or logged.
    wrong_type["password"] = serde_json::json!([wrong_type_password]);
    let rejected = app.create_server(&client, &wrong_type).await;
    assert_eq!(rejected.status(), 400);
    let rejected_id = rejected
        .headers()
        .get("x-request-id")
        .expect("a request id")
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert_no_password(rejected, &wrong_type_password, "the 400 answer").await;

    let (first_password, second_password) = exercise_every_endpoint(&app).await;

    let logs = captured_logs();
    assert!(
        logs.contains(&rejected_id),
        "the capture works: this test's requests are logged"
    );
    assert!(
        logs.contains("server updated"),
        "the capture includes the updates"
    );
    for password in [&first_password, &second_password, &wrong_type_password] {
        for form in leak_forms(password) {
            assert!(!logs.contains(&form), "the log contains the password as {form:?}");
        }
    }
    assert!(
        !logs.contains("ein langes Passwort"),
        "the account password is not logged either"
    );
}

#[tokio::test]
async fn password_is_encrypted_in_database_file() {
    let app = spawn_app().await;

    let (first_password, second_password) = exercise_every_endpoint(&app).await;

    let bytes = app.database_bytes();
    assert!(
        contains_bytes(&bytes, b"smtp.example.com"),
        "the file holds the server, so the search is real"
    );
    for password in [&first_password, &second_password] {
        for form in leak_forms(password) {
            assert!(
                !contains_bytes(&bytes, form.as_bytes()),
                "the database contains the password as {form:?}"
            );
        }
    }
    assert!(
        !contains_bytes(&bytes, "ein langes Passwort".as_bytes()),
        "account passwords are stored as hashes"
    );
}
