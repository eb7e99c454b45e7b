use crate::helpers::{json_body, new_client, spawn_app};

const PASSWORD: &str = "ein langes Passwort";

#[tokio::test]
async fn fifth_failure_locks_the_address() {
    // Arrange
    let app = spawn_app().await;
    app.signed_up_client("max@shop.example.com").await;
    let client = new_client();
    for attempt in 1..=5 {
        let response = app
            .log_in(&client, "max@shop.example.com", "falsch geraten")
            .await;
        assert_eq!(response.status(), 401, "attempt {attempt} is only a failure");
    }

    // Act: even the right password is rejected now, without being checked.
    let response = app.log_in(&client, "max@shop.example.com", PASSWORD).await;

    // Assert
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .expect("ASCII")
        .parse()
        .expect("seconds");
    assert!(
        (890..=900).contains(&retry_after),
        "the lock lasts about 15 minutes: {retry_after}"
    );
    let error = json_body(response).await;
    assert_eq!(error["error"], "too_many_attempts");
    assert_eq!(
        error["message"],
        "Zu viele fehlgeschlagene Anmeldungen. Bitte versuchen Sie es in 15 Minuten erneut."
    );
}

#[tokio::test]
async fn locked_address_leaves_other_accounts_alone() {
    let app = spawn_app().await;
    app.signed_up_client("max@shop.example.com").await;
    app.signed_up_client("erika@shop.example.com").await;
    let client = new_client();
    for _ in 0..5 {
        app.log_in(&client, "max@shop.example.com", "falsch geraten")
            .await;
    }

    let response = app.log_in(&client, "erika@shop.example.com", PASSWORD).await;

    assert_eq!(
        response.status(),
        200,
        "the lock is per address, and one client stays below its limit"
    );
}

#[tokio::test]
async fn lock_matches_address_case_insensitively() {
    let app = spawn_app().await;
    app.signed_up_client("max@shop.example.com").await;
    let client = new_client();
    for _ in 0..5 {
        app.log_in(&client, "MAX@shop.example.com", "falsch geraten")
            .await;
    }

    let response = app.log_in(&client, "max@shop.example.com", PASSWORD).await;

    assert_eq!(response.status(), 429);
}

#[tokio::test]
async fn successful_login_resets_the_count() {
    let app = spawn_app().await;
    app.signed_up_client("max@shop.example.com").await;
    let client = new_client();
    for _ in 0..4 {
        app.log_in(&client, "max@shop.example.com", "falsch geraten")
            .await;
    }
    assert_eq!(
        app.log_in(&client, "max@shop.example.com", PASSWORD)
            .await
            .status(),
        200
    );
    for _ in 0..4 {
        app.log_in(&client, "max@shop.example.com", "falsch geraten")
            .await;
    }

    let response = app.log_in(&client, "max@shop.example.com", PASSWORD).await;

    assert_eq!(
        response.status(),
        200,
        "only failures since the last success count"
    );
}

#[tokio::test]
async fn twentieth_failure_locks_the_client() {
    let app = spawn_app().await;
    app.signed_up_client("max@shop.example.com").await;
    let client = new_client();
    for attempt in 0..20 {
        let response = app
            .log_in(
                &client,
                &format!("rate{attempt}@shop.example.com"),
                "falsch geraten",
            )
            .await;
        assert_eq!(response.status(), 401, "attempt {attempt} is only a failure");
    }

    let response = app.log_in(&client, "max@shop.example.com", PASSWORD).await;

    assert_eq!(response.status(), 429, "the client is locked for every address");
    assert!(response.headers().contains_key("retry-after"));
}
