//! Request hygiene: the CSRF header, malformed bodies, unknown paths and the response headers.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{json_body, new_client, server_body, spawn_app, unique_password};
use crate::servers::id_of;

#[tokio::test]
async fn state_change_without_csrf_header_is_forbidden() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let server = app
        .create_server_ok(&client, &server_body(&unique_password()))
        .await;
    let path = format!("/api/servers/{}", id_of(&server));
    let requests = [
        (
            Method::POST,
            "/api/servers".to_owned(),
            Some(server_body(&unique_password())),
        ),
        (Method::PUT, path.clone(), Some(server_body(&unique_password()))),
        (Method::DELETE, path.clone(), None),
        (Method::POST, format!("{path}/default"), None),
        (Method::DELETE, "/api/session".to_owned(), None),
    ];

    for (method, path, body) in requests {
        let mut request = client.request(method.clone(), app.url(&path));
        if let Some(body) = body {
            request = request.json(&body);
        }

        let response = request.send().await.expect("send");

        assert_eq!(response.status(), 403, "{method} {path}");
        let error = json_body(response).await;
        assert_eq!(error["error"], "csrf_header_missing", "{method} {path}");
    }
    assert_eq!(
        json_body(app.list_servers(&client).await)
            .await
            .as_array()
            .map(Vec::len),
        Some(1),
        "nothing changed"
    );
    assert_eq!(
        app.get_account(&client).await.status(),
        200,
        "the session still exists"
    );
}

#[tokio::test]
async fn csrf_message_in_english() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;

    let response = client
        .post(app.url("/api/servers"))
        .header("Accept-Language", "en")
        .json(&server_body(&unique_password()))
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 403);
    assert_eq!(
        json_body(response).await["message"],
        "The request was rejected because the header \"X-Requested-With: postausgang\" is missing. Please reload the page."
    );
}

#[tokio::test]
async fn read_without_csrf_header_is_allowed() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;

    let response = client.get(app.url("/api/servers")).send().await.expect("send");

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn malformed_json_is_a_bad_request() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;

    let response = client
        .post(app.url("/api/servers"))
        .header("X-Requested-With", "postausgang")
        .header("Content-Type", "application/json")
        .body("{\"sender\": ")
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 400);
    let error = json_body(response).await;
    assert_eq!(error["error"], "invalid_json");
    assert_eq!(
        error["message"],
        "Die Anfrage ist kein gültiges JSON (Zeile 1, Spalte 11)."
    );
}

#[tokio::test]
async fn unknown_field_is_named_in_both_languages() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let mut body = server_body(&unique_password());
    body["smtp_password"] = json!("x");

    for (language, expected_start) in [
        ("de", "Unbekanntes Feld „smtp_password“ (Zeile 1"),
        ("en", "Unknown field \"smtp_password\" (line 1"),
    ] {
        let response = client
            .post(app.url("/api/servers"))
            .header("X-Requested-With", "postausgang")
            .header("Accept-Language", language)
            .json(&body)
            .send()
            .await
            .expect("send");

        assert_eq!(response.status(), 400, "{language}");
        let error = json_body(response).await;
        assert_eq!(error["error"], "unknown_field", "{language}");
        let message = error["message"].as_str().expect("a message");
        assert!(message.starts_with(expected_start), "{language}: {message}");
    }
    assert_eq!(
        json_body(app.list_servers(&client).await).await,
        json!([]),
        "nothing was saved"
    );
}

#[tokio::test]
async fn wrong_type_names_field() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let mut body = server_body(&unique_password());
    body["active"] = json!("ja");

    let response = app.create_server(&client, &body).await;

    assert_eq!(response.status(), 400);
    let error = json_body(response).await;
    assert_eq!(error["error"], "invalid_field");
    let message = error["message"].as_str().expect("a message");
    assert!(
        message.starts_with("Das Feld „active“ hat einen falschen Typ oder Wert; erwartet: true oder false"),
        "{message}"
    );
}

#[tokio::test]
async fn unknown_security_mode_names_field() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let mut body = server_body(&unique_password());
    body["security"] = json!("ssl");

    let response = app.create_server(&client, &body).await;

    assert_eq!(response.status(), 400);
    let message = json_body(response).await["message"]
        .as_str()
        .expect("a message")
        .to_owned();
    assert!(message.starts_with("Das Feld „security“"), "{message}");
}

#[tokio::test]
async fn missing_field_is_named() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let mut body = server_body(&unique_password());
    body.as_object_mut().expect("object").remove("host");

    let response = app.create_server(&client, &body).await;

    assert_eq!(response.status(), 400);
    let error = json_body(response).await;
    assert_eq!(error["error"], "missing_field");
    assert_eq!(error["message"], "Das Feld „host“ fehlt.");
}

#[tokio::test]
async fn oversized_body_is_rejected() {
    let app = spawn_app().await;
    let client = app.signed_up_client("max@shop.example.com").await;
    let mut body = server_body(&unique_password());
    body["display_name"] = json!("x".repeat(70 * 1024));

    let response = app.create_server(&client, &body).await;

    assert_eq!(response.status(), 413);
    let error = json_body(response).await;
    assert_eq!(error["error"], "payload_too_large");
    assert_eq!(
        error["message"],
        "Die Anfrage ist zu groß: höchstens 64 KiB sind erlaubt."
    );
}

#[tokio::test]
async fn body_without_json_content_type_is_rejected() {
    let app = spawn_app().await;

    let response = new_client()
        .post(app.url("/api/accounts"))
        .header("Content-Type", "text/plain")
        .body(r#"{"email": "max@shop.example.com", "password": "ein langes Passwort"}"#)
        .send()
        .await
        .expect("send");

    assert_eq!(
        response.status(),
        415,
        "a cross-site form cannot send application/json"
    );
    assert_eq!(json_body(response).await["error"], "unsupported_media_type");
}

#[tokio::test]
async fn unknown_api_path_is_json_not_found() {
    let app = spawn_app().await;

    let response = new_client()
        .get(app.url("/api/nothing/here"))
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 404);
    assert_eq!(json_body(response).await["error"], "not_found");
}

#[tokio::test]
async fn unsupported_method_is_json_error() {
    let app = spawn_app().await;

    let response = new_client()
        .get(app.url("/api/session"))
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 405);
    assert_eq!(json_body(response).await["error"], "method_not_allowed");
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = spawn_app().await;

    for path in ["/", "/api/account"] {
        let response = new_client().get(app.url(path)).send().await.expect("send");

        let headers = response.headers();
        let policy = headers
            .get("content-security-policy")
            .expect("a CSP")
            .to_str()
            .expect("ASCII");
        assert!(
            policy.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{path}: {policy}"
        );
        assert!(policy.contains("frame-ancestors 'none'"), "{path}: {policy}");
        assert_eq!(
            headers.get("x-content-type-options").expect("nosniff"),
            "nosniff",
            "{path}"
        );
        assert_eq!(
            headers.get("referrer-policy").expect("a referrer policy"),
            "no-referrer",
            "{path}"
        );
        assert!(headers.contains_key("x-request-id"), "{path}");
    }
}

#[tokio::test]
async fn api_responses_are_not_cached() {
    let app = spawn_app().await;

    let response = new_client()
        .get(app.url("/api/account"))
        .send()
        .await
        .expect("send");

    assert_eq!(
        response.headers().get("cache-control").expect("Cache-Control"),
        "no-store"
    );
}

#[tokio::test]
async fn unbuilt_page_serves_build_notice() {
    let app = spawn_app().await;

    for path in ["/", "/servers/3"] {
        let response = new_client().get(app.url(path)).send().await.expect("send");

        assert_eq!(response.status(), 200, "{path}");
        let page = response.text().await.expect("read the page");
        assert!(page.contains("scripts/build-frontend.sh"), "{path}: {page}");
        assert!(page.contains("Die Oberfläche ist noch nicht gebaut"), "{path}");
        assert!(page.contains("The page is not built yet"), "{path}");
    }
}
