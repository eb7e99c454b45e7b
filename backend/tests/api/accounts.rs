use reqwest::Method;
use serde_json::json;

use crate::helpers::{json_body, new_client, spawn_app};

#[tokio::test]
async fn sign_up_creates_account_and_session() {
    // Arrange
    let app = spawn_app().await;
    let client = new_client();

    // Act
    let response = app
        .sign_up(&client, "  max@shop.example.com ", "ein langes Passwort")
        .await;

    // Assert
    assert_eq!(response.status(), 201);
    let cookie = response
        .headers()
        .get("set-cookie")
        .expect("a session cookie")
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert!(cookie.starts_with("postausgang_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"),
        "{cookie}"
    );
    let body = json_body(response).await;
    assert_eq!(
        body["email"], "max@shop.example.com",
        "the address is stored trimmed"
    );
    let account = json_body(app.get_account(&client).await).await;
    assert_eq!(account["email"], "max@shop.example.com");
    assert_eq!(account["id"], body["id"]);
}

#[tokio::test]
async fn sign_up_rejects_short_password_in_both_languages() {
    let app = spawn_app().await;
    let body = json!({ "email": "max@shop.example.com", "password": "kurz" });

    for (language, expected) in [
        (
            "de-DE,de;q=0.9",
            "Passwort: Bitte mindestens 10 Zeichen verwenden.",
        ),
        ("en-US,en;q=0.9", "Password: Please use at least 10 characters."),
    ] {
        let response = new_client()
            .post(app.url("/api/accounts"))
            .header("Accept-Language", language)
            .json(&body)
            .send()
            .await
            .expect("send");

        assert_eq!(response.status(), 422);
        let error = json_body(response).await;
        assert_eq!(error["error"], "password_too_short");
        assert_eq!(error["message"], expected, "Accept-Language: {language}");
    }
}

#[tokio::test]
async fn sign_up_rejects_invalid_addresses() {
    let app = spawn_app().await;

    for email in [
        "",
        "max",
        "max@",
        "Max <max@shop.example.com>",
        "max@shop.example.com\r\nBcc: x@y.example",
    ] {
        let response = app.sign_up(&new_client(), email, "ein langes Passwort").await;

        assert_eq!(response.status(), 422, "{email:?} must be rejected");
        assert_eq!(json_body(response).await["error"], "invalid_email", "{email:?}");
    }
}

#[tokio::test]
async fn sign_up_with_taken_address_conflicts() {
    let app = spawn_app().await;
    app.signed_up_client("max@shop.example.com").await;

    let response = app
        .sign_up(&new_client(), "MAX@Shop.Example.com", "ein anderes Passwort")
        .await;

    assert_eq!(
        response.status(),
        409,
        "addresses differing in case are one account"
    );
    assert_eq!(json_body(response).await["error"], "email_taken");
}

#[tokio::test]
async fn login_with_right_password_starts_session() {
    let app = spawn_app().await;
    app.signed_up_client("max@shop.example.com").await;
    let client = new_client();

    let response = app
        .log_in(&client, "Max@shop.example.com", "ein langes Passwort")
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(json_body(response).await["email"], "max@shop.example.com");
    assert_eq!(app.get_account(&client).await.status(), 200);
}

#[tokio::test]
async fn login_with_wrong_password_is_rejected() {
    let app = spawn_app().await;
    app.signed_up_client("max@shop.example.com").await;
    let client = new_client();

    let response = app
        .log_in(&client, "max@shop.example.com", "ein falsches Passwort")
        .await;

    assert_eq!(response.status(), 401);
    let error = json_body(response).await;
    assert_eq!(error["error"], "invalid_credentials");
    assert_eq!(error["message"], "E-Mail-Adresse oder Passwort ist falsch.");
    assert_eq!(
        app.get_account(&client).await.status(),
        401,
        "no session was started"
    );
}

#[tokio::test]
async fn login_with_unknown_address_looks_like_wrong_password() {
    let app = spawn_app().await;

    let response = app
        .log_in(&new_client(), "niemand@shop.example.com", "ein langes Passwort")
        .await;

    assert_eq!(response.status(), 401);
    assert_eq!(json_body(response).await["error"], "invalid_credentials");
}

#[tokio::test]
async fn logout_ends_session() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;

    let response = app.log_out(&client).await;

    assert_eq!(response.status(), 204);
    let cookie = response
        .headers()
        .get("set-cookie")
        .expect("a removal cookie")
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert!(cookie.contains("Max-Age=0"), "the cookie is removed: {cookie}");
    assert_eq!(app.get_account(&client).await.status(), 401);
}

#[tokio::test]
async fn logged_out_token_no_longer_works() {
    // The browser drops the cookie on logout, but a copied token must stop working too.
    let app = spawn_app().await;
    let response = app
        .sign_up(&new_client(), "max@shop.example.com", "ein langes Passwort")
        .await;
    let cookie = response
        .headers()
        .get("set-cookie")
        .expect("cookie")
        .to_str()
        .expect("ASCII")
        .to_owned();
    let token_pair = cookie.split(';').next().expect("name=value").to_owned();
    let plain = reqwest::Client::new();
    let logout = plain
        .delete(app.url("/api/session"))
        .header("Cookie", &token_pair)
        .header("X-Requested-With", "postausgang")
        .send()
        .await
        .expect("send");
    assert_eq!(logout.status(), 204);

    let response = plain
        .get(app.url("/api/account"))
        .header("Cookie", &token_pair)
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn logout_without_session_succeeds() {
    let app = spawn_app().await;

    let response = app
        .send(&new_client(), Method::DELETE, "/api/session", None)
        .await;

    assert_eq!(response.status(), 204);
}

#[tokio::test]
async fn account_requires_session() {
    let app = spawn_app().await;

    let response = app.get_account(&new_client()).await;

    assert_eq!(response.status(), 401);
    let error = json_body(response).await;
    assert_eq!(error["error"], "not_authenticated");
    assert_eq!(
        error["message"],
        "Sie sind nicht angemeldet. Bitte melden Sie sich an."
    );
}

#[tokio::test]
async fn forged_session_cookie_is_not_authenticated() {
    let app = spawn_app().await;

    let response = reqwest::Client::new()
        .get(app.url("/api/account"))
        .header(
            "Cookie",
            "postausgang_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        )
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 401);
}
