//! The test-mail endpoints end to end: sign up, save a server that points at a real SMTP server
//! (aiosmtpd) or a scripted peer on 127.0.0.1, and send through `POST /api/servers/{id}/test-mail`
//! and `POST /api/test-mail`.
//!
//! The SMTP servers' certificates come from a CA made for each test, which the application
//! trusts as an extra root, exactly as an operator's `POSTAUSGANG_EXTRA_ROOT_CERTS` would.

use std::time::Duration;

use backend::routes::test_mail::TestMailLimit;
use backend::Settings;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use reqwest::{Client, Method, Response};
use serde_json::{json, Value};
use testkit::{
    FaultPeer, PeerScript, ReceivedMessage, ServerMode, SmtpServer, SmtpServerOptions, TestCertificates,
};

use crate::helpers::{captured_logs, json_body, spawn_app_with, unique_password, TestApp};
use crate::servers::id_of;

/// The account's address, which is the default recipient.
const ACCOUNT: &str = "max@shop.example.com";
/// The SMTP login: deliberately not the sender's address, because some mailers logged in with
/// the sender instead of the configured login.
const LOGIN: &str = "smtp-user-4711";
const SENDER: &str = "Max Mustermann <max@shop.example.com>";
const SENDER_ADDRESS: &str = "max@shop.example.com";
const BCC: &str = "archiv@shop.example.com";
const QUEUE_ID: &str = "4F2A1TEST";

/// A running application that trusts `certificates`' CA, with one signed-up seller.
struct TestMailApp {
    app: TestApp,
    client: Client,
    /// Kept so that the CA file lives as long as the application.
    certificates: TestCertificates,
}

async fn spawn_test_mail_app() -> TestMailApp {
    spawn_test_mail_app_with(|_| {}).await
}

/// Starts the application like [`spawn_test_mail_app`], with `configure` applied last.
async fn spawn_test_mail_app_with(configure: impl FnOnce(&mut Settings)) -> TestMailApp {
    let certificates = TestCertificates::generate();
    let ca = certificates.ca_path();
    let app = spawn_app_with(|settings| {
        settings.extra_root_certs = Some(ca);
        configure(settings);
    })
    .await;
    let client = app.signed_up_client(ACCOUNT).await;
    TestMailApp {
        app,
        client,
        certificates,
    }
}

impl TestMailApp {
    /// Starts aiosmtpd on 127.0.0.1 with this application's CA, accepting only `LOGIN` with
    /// `password`.
    fn start_smtp_server(&self, mode: ServerMode, password: &str) -> SmtpServer {
        SmtpServer::start(SmtpServerOptions {
            mode,
            certificates: Some(&self.certificates),
            credentials: Some((LOGIN, password)),
            queue_id: QUEUE_ID,
            ..SmtpServerOptions::default()
        })
    }

    /// Saves `body` as a server and returns its id.
    async fn create_server(&self, body: &Value) -> i64 {
        id_of(&self.app.create_server_ok(&self.client, body).await)
    }

    /// `POST /api/servers/{id}/test-mail`, as the page sends it (no `Accept-Language`: German).
    async fn test_saved(&self, id: i64, body: &Value) -> Response {
        let path = format!("/api/servers/{id}/test-mail");
        self.app.send(&self.client, Method::POST, &path, Some(body)).await
    }

    /// `POST /api/test-mail`, as the page sends it.
    async fn test_unsaved(&self, body: &Value) -> Response {
        self.app
            .send(&self.client, Method::POST, "/api/test-mail", Some(body))
            .await
    }

    /// Sends a request with the CSRF header and `Accept-Language`.
    async fn send_in(&self, language: &str, path: &str, body: &Value) -> Response {
        self.client
            .post(self.app.url(path))
            .header("X-Requested-With", "postausgang")
            .header("Accept-Language", language)
            .json(body)
            .send()
            .await
            .expect("send the request")
    }

    async fn last_test(&self, id: i64) -> Value {
        json_body(self.app.get_server(&self.client, id).await).await["last_test"].clone()
    }
}

/// Returns a server body for an SMTP server on `localhost:{port}` with the test login.
fn server_body(port: u16, security: &str, password: &str) -> Value {
    json!({
        "provider": "",
        "active": true,
        "display_name": "Testserver",
        "sender": SENDER,
        "host": "localhost",
        "port": port,
        "security": security,
        "login": LOGIN,
        "password": password,
        "bcc": BCC,
        "is_default": false,
    })
}

/// Returns a server body for a scripted peer on `localhost:{port}` without encryption or login.
fn peer_body(port: u16) -> Value {
    let mut body = server_body(port, "none", "");
    body["login"] = json!("");
    body
}

/// Reads a 200 body, with the body in the panic message otherwise.
async fn accepted_body(response: Response) -> Value {
    let status = response.status();
    let body = json_body(response).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Returns a port on 127.0.0.1 where nothing listens.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}

fn first_finding<'a>(body: &'a Value, field: &str) -> &'a Value {
    body["findings"]
        .as_array()
        .and_then(|findings| findings.iter().find(|finding| finding["field"] == field))
        .unwrap_or_else(|| panic!("a finding for {field}: {body}"))
}

/// Asserts that `text` contains the password in none of the forms it takes on the wire.
fn assert_no_password_in(text: &str, password: &str, place: &str) {
    let forms = [
        ("the password", password.to_owned()),
        (
            "AUTH PLAIN's payload",
            BASE64.encode(format!("\0{LOGIN}\0{password}")),
        ),
        ("AUTH LOGIN's password line", BASE64.encode(password)),
    ];
    for (name, form) in forms {
        assert!(!text.contains(&form), "{name} is in {place}");
    }
}

/// Asserts what a customer mail from the test server must look like on arrival.
fn assert_sent_like_customer_mail(message: &ReceivedMessage, recipients: &[&str]) {
    // The envelope sender is the bare address: no display name, one pair of brackets.
    assert_eq!(message.mail_from, SENDER_ADDRESS);
    let mut expected_recipients: Vec<String> =
        recipients.iter().map(|address| (*address).to_owned()).collect();
    expected_recipients.push(BCC.to_owned());
    assert_eq!(message.rcpt_tos, expected_recipients);
    assert_eq!(
        message.login.as_deref(),
        Some(LOGIN),
        "AUTH used the configured login, not the sender"
    );

    let header_lines = message.header_lines();
    assert!(
        !header_lines
            .iter()
            .any(|line| line.to_ascii_lowercase().starts_with("bcc:")),
        "the BCC address leaked into a header: {header_lines:?}"
    );
    let from = message.header("From").expect("a From header");
    assert!(from.contains("Max Mustermann"), "{from}");
    assert!(from.ends_with(" <max@shop.example.com>"), "{from}");
    assert_eq!(from.matches('<').count(), 1, "{from}");
    assert_eq!(from.matches('>').count(), 1, "{from}");
    let to = message.header("To").expect("a To header");
    for recipient in recipients {
        assert!(to.contains(recipient), "{recipient} is not in To: {to}");
    }
    let message_id = message.header("Message-ID").expect("a Message-ID header");
    assert!(
        message_id.ends_with("@shop.example.com>"),
        "the Message-ID's right-hand side is the sender's domain: {message_id}"
    );
    assert!(message.header("Date").is_some(), "a Date header");
}

#[tokio::test]
async fn implicit_tls_saved_server_accepts() {
    // Arrange
    let test = spawn_test_mail_app().await;
    // The password has §, %, quotes, a backslash and an umlaut, and aiosmtpd accepts only the
    // exact bytes, so acceptance proves that it went through JSON and storage unchanged.
    let password = unique_password();
    let smtp = test.start_smtp_server(ServerMode::ImplicitTls, &password);
    let id = test
        .create_server(&server_body(smtp.port(), "implicit_tls", &password))
        .await;

    // Act
    let response = test
        .test_saved(id, &json!({ "recipient": "kunde@example.net" }))
        .await;

    // Assert
    let body = accepted_body(response).await;
    assert_eq!(body["ok"], true);
    assert_eq!(body["verdict"], "accepted");
    assert_eq!(body["recipient"], "kunde@example.net");
    let message = body["message"].as_str().expect("a message");
    assert!(
        message.starts_with(&format!(
            "Der Server hat die Mail angenommen (Antwort: 250 2.0.0 Ok: queued as {QUEUE_ID}). \
             Angenommen heißt noch nicht zugestellt"
        )),
        "{message}"
    );
    assert_sent_like_customer_mail(&smtp.single_message(), &["kunde@example.net"]);
    assert_no_password_in(&body.to_string(), &password, "the response");
    assert_no_password_in(&captured_logs(), &password, "the logs");
}

#[tokio::test]
async fn starttls_saved_server_accepts() {
    let test = spawn_test_mail_app().await;
    let password = unique_password();
    let smtp = test.start_smtp_server(ServerMode::StartTls, &password);
    let id = test
        .create_server(&server_body(smtp.port(), "starttls", &password))
        .await;

    let response = test
        .send_in(
            "en",
            &format!("/api/servers/{id}/test-mail"),
            &json!({ "recipient": "kunde@example.net" }),
        )
        .await;

    let body = accepted_body(response).await;
    assert_eq!(body["ok"], true);
    assert_eq!(body["verdict"], "accepted");
    let message = body["message"].as_str().expect("a message");
    assert!(
        message.starts_with(&format!(
            "The server accepted the mail (reply: 250 2.0.0 Ok: queued as {QUEUE_ID}). \
             Accepted does not mean delivered"
        )),
        "{message}"
    );
    let steps: Vec<(&str, &str)> = body["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|step| {
            (
                step["step"].as_str().unwrap_or_default(),
                step["status"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert!(steps.contains(&("start_tls", "ok")), "{steps:?}");
    assert!(steps.contains(&("auth", "ok")), "{steps:?}");
    assert_sent_like_customer_mail(&smtp.single_message(), &["kunde@example.net"]);
    assert_no_password_in(&body.to_string(), &password, "the response");
    assert_no_password_in(&captured_logs(), &password, "the logs");
}

#[tokio::test]
async fn extra_roots_read_once_at_start() {
    let test = spawn_test_mail_app().await;
    let password = unique_password();
    let smtp = test.start_smtp_server(ServerMode::ImplicitTls, &password);
    let id = test
        .create_server(&server_body(smtp.port(), "implicit_tls", &password))
        .await;

    std::fs::remove_file(test.certificates.ca_path()).expect("remove the CA file");
    let response = test.test_saved(id, &json!({})).await;

    let body = accepted_body(response).await;
    assert_eq!(
        body["verdict"], "accepted",
        "the CA loaded at start is still trusted"
    );
}

#[tokio::test]
async fn recipient_defaults_to_account_address() {
    let test = spawn_test_mail_app().await;
    let password = unique_password();
    let smtp = test.start_smtp_server(ServerMode::StartTls, &password);
    let id = test
        .create_server(&server_body(smtp.port(), "starttls", &password))
        .await;

    for body in [
        json!({}),
        json!({ "recipient": "  " }),
        json!({ "recipient": null }),
    ] {
        let response = test.test_saved(id, &body).await;

        let result = accepted_body(response).await;
        assert_eq!(result["recipient"], ACCOUNT, "request {body}");
    }
    for message in smtp.messages() {
        assert_eq!(message.rcpt_tos, [ACCOUNT, BCC]);
    }
    assert_eq!(smtp.messages().len(), 3);
}

#[tokio::test]
async fn several_recipients_all_receive() {
    let test = spawn_test_mail_app().await;
    let password = unique_password();
    let smtp = test.start_smtp_server(ServerMode::StartTls, &password);
    let id = test
        .create_server(&server_body(smtp.port(), "starttls", &password))
        .await;

    let response = test
        .test_saved(
            id,
            &json!({ "recipient": "kunde@example.net; Lager <lager@example.org>" }),
        )
        .await;

    let body = accepted_body(response).await;
    assert_eq!(body["recipient"], "kunde@example.net, lager@example.org");
    assert_sent_like_customer_mail(
        &smtp.single_message(),
        &["kunde@example.net", "lager@example.org"],
    );
}

#[tokio::test]
async fn invalid_recipient_names_field_in_both_languages() {
    let test = spawn_test_mail_app().await;
    let peer = FaultPeer::start(PeerScript::smtp()).await;
    let id = test.create_server(&peer_body(peer.port())).await;
    let cases = [
        (
            "de",
            "Testempfänger „kunde@“: ",
            "Die Test-Mail wurde nicht gesendet.",
        ),
        ("en", "Test recipient \"kunde@\": ", "The test mail was not sent."),
    ];

    for (language, field_label, summary) in cases {
        let response = test
            .send_in(
                language,
                &format!("/api/servers/{id}/test-mail"),
                &json!({ "recipient": "kunde@" }),
            )
            .await;

        assert_eq!(response.status(), 422, "{language}");
        let body = json_body(response).await;
        assert_eq!(body["error"], "validation_failed", "{language}");
        let message = body["message"].as_str().expect("a message");
        assert!(message.starts_with(summary), "{language}: {message}");
        let finding = first_finding(&body, "test_recipient");
        assert_eq!(finding["severity"], "error", "{language}");
        let text = finding["message"].as_str().expect("a finding message");
        assert!(text.starts_with(field_label), "{language}: {text}");
    }
    assert_eq!(peer.connections(), 0, "nothing was sent");
    assert_eq!(test.last_test(id).await, Value::Null, "nothing was recorded");
}

#[tokio::test]
async fn too_many_recipients_rejected() {
    let test = spawn_test_mail_app().await;
    let peer = FaultPeer::start(PeerScript::smtp()).await;
    let id = test.create_server(&peer_body(peer.port())).await;
    let recipients: Vec<String> = (1..=11).map(|n| format!("kunde{n}@example.net")).collect();

    let response = test
        .test_saved(id, &json!({ "recipient": recipients.join(", ") }))
        .await;

    assert_eq!(response.status(), 422);
    let body = json_body(response).await;
    assert_eq!(
        first_finding(&body, "test_recipient")["code"],
        "too_many_addresses"
    );
    assert_eq!(peer.connections(), 0);
}

#[tokio::test]
async fn amazon_recipient_gets_seller_central_hint() {
    let test = spawn_test_mail_app().await;
    let peer = FaultPeer::start(PeerScript::smtp()).await;
    let id = test.create_server(&peer_body(peer.port())).await;

    let response = test
        .test_saved(id, &json!({ "recipient": "a1b2c3d4e5@marketplace.amazon.de" }))
        .await;

    let body = accepted_body(response).await;
    assert_eq!(body["ok"], true, "{body}");
    let hints = body["hints"].as_array().expect("hints");
    let approved_sender = hints
        .iter()
        .find(|hint| hint["code"] == "amazon_approved_sender")
        .unwrap_or_else(|| panic!("the Seller Central hint: {body}"));
    assert_eq!(approved_sender["severity"], "hint");
    let text = approved_sender["message"].as_str().expect("a message");
    assert!(
        text.starts_with("Testempfänger: Damit Amazon Ihre Nachricht an Käufer weiterleitet, muss max@shop.example.com in Seller Central"),
        "{text}"
    );
    assert!(
        hints
            .iter()
            .any(|hint| hint["code"] == "amazon_important_subject"),
        "{body}"
    );
}

#[tokio::test]
async fn ordinary_recipient_gets_no_hints() {
    let test = spawn_test_mail_app().await;
    let peer = FaultPeer::start(PeerScript::smtp()).await;
    let id = test.create_server(&peer_body(peer.port())).await;

    let response = test
        .test_saved(id, &json!({ "recipient": "kunde@example.net" }))
        .await;

    assert_eq!(accepted_body(response).await["hints"], json!([]));
}

#[tokio::test]
async fn unsaved_form_with_id_reuses_stored_password() {
    let test = spawn_test_mail_app().await;
    let password = unique_password();
    let smtp = test.start_smtp_server(ServerMode::StartTls, &password);
    let id = test
        .create_server(&server_body(smtp.port(), "starttls", &password))
        .await;

    let response = test
        .test_unsaved(&json!({
            "id": id,
            "server": server_body(smtp.port(), "starttls", ""),
            "recipient": "kunde@example.net",
        }))
        .await;

    let body = accepted_body(response).await;
    assert_eq!(body["verdict"], "accepted");
    assert_sent_like_customer_mail(&smtp.single_message(), &["kunde@example.net"]);
    assert_eq!(
        test.last_test(id).await,
        Value::Null,
        "a test of the unsaved form leaves the stored last test alone"
    );
}

#[tokio::test]
async fn unsaved_form_with_typed_password_needs_no_id() {
    let test = spawn_test_mail_app().await;
    let password = unique_password();
    let smtp = test.start_smtp_server(ServerMode::ImplicitTls, &password);

    let response = test
        .test_unsaved(&json!({ "server": server_body(smtp.port(), "implicit_tls", &password) }))
        .await;

    let body = accepted_body(response).await;
    assert_eq!(body["verdict"], "accepted");
    assert_eq!(body["recipient"], ACCOUNT);
    assert_sent_like_customer_mail(&smtp.single_message(), &[ACCOUNT]);
    assert_no_password_in(&body.to_string(), &password, "the response");
}

#[tokio::test]
async fn unsaved_form_without_password_needs_one_for_login() {
    let test = spawn_test_mail_app().await;
    let smtp = test.start_smtp_server(ServerMode::StartTls, &unique_password());

    let response = test
        .test_unsaved(&json!({ "server": server_body(smtp.port(), "starttls", "") }))
        .await;

    assert_eq!(response.status(), 422);
    let body = json_body(response).await;
    assert_eq!(first_finding(&body, "password")["code"], "required");
    assert!(smtp.messages().is_empty());
}

#[tokio::test]
async fn unsaved_form_without_login_fails_with_verdict() {
    let test = spawn_test_mail_app().await;
    let smtp = test.start_smtp_server(ServerMode::StartTls, &unique_password());
    let mut server = server_body(smtp.port(), "starttls", "");
    server["login"] = json!("");

    let response = test.test_unsaved(&json!({ "server": server })).await;

    let body = accepted_body(response).await;
    assert_eq!(body["ok"], false);
    assert_eq!(body["verdict"], "auth_required", "{body}");
    let message = body["message"].as_str().expect("a message");
    assert!(
        message.starts_with("Der Server verlangt eine Anmeldung"),
        "{message}"
    );
    assert!(smtp.messages().is_empty());
}

#[tokio::test]
async fn stored_password_never_goes_to_another_host() {
    let test = spawn_test_mail_app().await;
    let password = unique_password();
    let smtp = test.start_smtp_server(ServerMode::StartTls, &password);
    let id = test
        .create_server(&server_body(smtp.port(), "starttls", &password))
        .await;
    let other_host = FaultPeer::start(PeerScript::smtp()).await;
    let mut edited = server_body(other_host.port(), "none", "");
    edited["host"] = json!("127.0.0.1");

    let response = test.test_unsaved(&json!({ "id": id, "server": edited })).await;

    assert_eq!(response.status(), 422);
    let body = json_body(response).await;
    assert_eq!(body["error"], "password_required");
    assert_eq!(
        body["message"],
        "Die Test-Mail wurde nicht gesendet. Das gespeicherte Passwort geht nur an den gespeicherten \
         SMTP-Server localhost. Für einen anderen Server geben Sie bitte das Passwort ein."
    );
    assert_eq!(first_finding(&body, "password")["code"], "required");
    assert_eq!(other_host.connections(), 0);
}

#[tokio::test]
async fn saved_test_records_last_test() {
    let test = spawn_test_mail_app().await;
    let password = unique_password();
    let smtp = test.start_smtp_server(ServerMode::StartTls, &password);
    let id = test
        .create_server(&server_body(smtp.port(), "starttls", &password))
        .await;
    assert_eq!(test.last_test(id).await, Value::Null);

    accepted_body(test.test_saved(id, &json!({})).await).await;

    let last_test = test.last_test(id).await;
    assert_eq!(last_test["ok"], true, "{last_test}");
    assert_eq!(last_test["verdict"], "accepted", "{last_test}");
    let at = last_test["at"].as_str().expect("a time stamp");
    assert!(
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).is_ok(),
        "{at}"
    );
}

#[tokio::test]
async fn wrong_password_is_auth_rejected() {
    let test = spawn_test_mail_app().await;
    let smtp = test.start_smtp_server(ServerMode::StartTls, &unique_password());
    let wrong_password = unique_password();
    let id = test
        .create_server(&server_body(smtp.port(), "starttls", &wrong_password))
        .await;

    let response = test.test_saved(id, &json!({})).await;

    let body = accepted_body(response).await;
    assert_eq!(body["ok"], false);
    assert_eq!(body["verdict"], "auth_rejected", "{body}");
    let message = body["message"].as_str().expect("a message");
    assert!(
        message.starts_with("Der Server hat Login oder Passwort abgelehnt (535 5.7.8)."),
        "{message}"
    );
    assert!(smtp.messages().is_empty());
    let last_test = test.last_test(id).await;
    assert_eq!(last_test["ok"], false, "{last_test}");
    assert_eq!(last_test["verdict"], "auth_rejected", "{last_test}");
    assert_no_password_in(&body.to_string(), &wrong_password, "the response");
    assert_no_password_in(&captured_logs(), &wrong_password, "the logs");
}

#[tokio::test]
async fn login_mechanism_hides_password() {
    // A peer that offers only AUTH LOGIN, where the password goes as its own base64 line.
    let test = spawn_test_mail_app().await;
    let peer = FaultPeer::start(PeerScript::smtp().with_extensions(&["AUTH LOGIN"])).await;
    let password = unique_password();
    let id = test
        .create_server(&server_body(peer.port(), "none", &password))
        .await;

    let response = test.test_saved(id, &json!({})).await;

    let body = accepted_body(response).await;
    assert_eq!(body["ok"], true, "{body}");
    assert!(
        peer.received_lines().contains(&BASE64.encode(&password)),
        "the peer got the password as AUTH LOGIN sends it"
    );
    assert_no_password_in(&body.to_string(), &password, "the response");
    assert_no_password_in(&captured_logs(), &password, "the logs");
}

#[tokio::test]
async fn missing_starttls_never_sends_password() {
    // The peer offers AUTH but no STARTTLS, as an attacker who strips it would.
    let test = spawn_test_mail_app().await;
    let peer = FaultPeer::start(PeerScript::smtp().with_extensions(&["AUTH PLAIN LOGIN"])).await;
    let password = unique_password();
    let id = test
        .create_server(&server_body(peer.port(), "starttls", &password))
        .await;

    let response = test.test_saved(id, &json!({})).await;

    let body = accepted_body(response).await;
    assert_eq!(body["ok"], false);
    assert_eq!(body["verdict"], "starttls_not_offered");
    let message = body["message"].as_str().expect("a message");
    assert!(
        message.starts_with(
            "Der Server bietet auf diesem Port keine Verschlüsselung an. Ihr Passwort wurde nicht gesendet."
        ),
        "{message}"
    );
    let lines = peer.received_lines();
    assert!(
        !lines
            .iter()
            .any(|line| line.to_ascii_uppercase().starts_with("AUTH")),
        "{lines:?}"
    );
    assert_no_password_in(&lines.join("\n"), &password, "the peer's lines");
    assert_no_password_in(&body.to_string(), &password, "the response");
}

#[tokio::test]
async fn refused_port_is_connection_refused() {
    let test = spawn_test_mail_app().await;
    let port = closed_port();
    let id = test.create_server(&peer_body(port)).await;

    let response = test.test_saved(id, &json!({})).await;

    let body = accepted_body(response).await;
    assert_eq!(body["ok"], false);
    assert_eq!(body["verdict"], "connection_refused");
    assert_eq!(
        body["message"],
        format!(
            "localhost lehnt Verbindungen auf Port {port} ab: Dort nimmt kein Mailserver an. \
             Prüfen Sie den Port; üblich sind 587 (STARTTLS) und 465 (SSL/TLS)."
        )
    );
}

#[tokio::test]
async fn loopback_host_blocked_unless_allowed() {
    // The operator allows no private ranges, as in production.
    let test = spawn_test_mail_app_with(|settings| settings.allow_hosts = Vec::new()).await;
    let peer = FaultPeer::start(PeerScript::smtp()).await;
    let id = test.create_server(&peer_body(peer.port())).await;

    let response = test.test_saved(id, &json!({})).await;

    let body = accepted_body(response).await;
    assert_eq!(body["ok"], false);
    assert_eq!(body["verdict"], "address_blocked");
    let message = body["message"].as_str().expect("a message");
    assert!(
        message.starts_with("„localhost“ zeigt auf eine interne Adresse"),
        "{message}"
    );
    assert!(
        message.contains("Postausgang verbindet sich nur mit Mailservern im Internet."),
        "{message}"
    );
    assert_eq!(peer.connections(), 0, "the guard refused before connecting");
}

#[tokio::test]
async fn rate_limit_answers_too_many_requests() {
    let test = spawn_test_mail_app_with(|settings| {
        settings.test_mail_limit = TestMailLimit {
            max_mails: 2,
            window: Duration::from_secs(600),
        };
    })
    .await;
    let peer = FaultPeer::start(PeerScript::smtp()).await;
    let id = test.create_server(&peer_body(peer.port())).await;
    accepted_body(test.test_saved(id, &json!({})).await).await;
    accepted_body(
        test.test_unsaved(&json!({ "server": peer_body(peer.port()) }))
            .await,
    )
    .await;

    // Both endpoints count against the same limit.
    let responses = [
        test.test_saved(id, &json!({})).await,
        test.test_unsaved(&json!({ "server": peer_body(peer.port()) }))
            .await,
    ];

    for response in responses {
        assert_eq!(response.status(), 429);
        let retry_after: u64 = response
            .headers()
            .get("retry-after")
            .expect("a Retry-After header")
            .to_str()
            .expect("ASCII")
            .parse()
            .expect("seconds");
        assert!((590..=600).contains(&retry_after), "{retry_after}");
        let body = json_body(response).await;
        assert_eq!(body["error"], "too_many_test_mails");
        assert_eq!(
            body["message"],
            "Zu viele Test-Mails in kurzer Zeit. Bitte versuchen Sie es in 10 Minuten erneut."
        );
    }
    assert_eq!(peer.connections(), 2, "refused tests connect nowhere");
}

#[tokio::test]
async fn other_accounts_server_is_not_found() {
    let test = spawn_test_mail_app().await;
    let password = unique_password();
    let smtp = test.start_smtp_server(ServerMode::StartTls, &password);
    let id = test
        .create_server(&server_body(smtp.port(), "starttls", &password))
        .await;
    let intruder = test.app.signed_up_client("eve@example.net").await;

    let responses = [
        test.app
            .send(
                &intruder,
                Method::POST,
                &format!("/api/servers/{id}/test-mail"),
                Some(&json!({})),
            )
            .await,
        test.app
            .send(
                &intruder,
                Method::POST,
                "/api/test-mail",
                Some(&json!({ "id": id, "server": server_body(smtp.port(), "starttls", "") })),
            )
            .await,
    ];

    for response in responses {
        assert_eq!(response.status(), 404);
        assert_eq!(json_body(response).await["error"], "not_found");
    }
    assert!(smtp.messages().is_empty());
    assert_eq!(test.last_test(id).await, Value::Null);
}

#[tokio::test]
async fn header_injection_rejected_in_unsaved_form() {
    // A line break would start a header line of its own, such as a second Bcc. The API can be
    // called without the page, so the backend checks again.
    let test = spawn_test_mail_app().await;
    let peer = FaultPeer::start(PeerScript::smtp()).await;
    let cases = [
        (
            "sender",
            "Max\r\nBcc: fremder@example.net <max@example.com>",
            "U+000D",
        ),
        ("bcc", "archiv@shop.example\nX-Injected: 1", "U+000A"),
    ];

    for (field, value, code_point) in cases {
        let mut server = peer_body(peer.port());
        server[field] = json!(value);

        let response = test.test_unsaved(&json!({ "server": server })).await;

        assert_eq!(response.status(), 422, "{field}");
        let body = json_body(response).await;
        let finding = first_finding(&body, field);
        assert_eq!(finding["params"]["problem"], "control_character", "{field}");
        assert_eq!(finding["params"]["code_point"], code_point, "{field}");
        let text = finding["message"].as_str().expect("a finding message");
        assert!(
            text.contains("Zeilenumbrüche und Steuerzeichen sind nicht erlaubt"),
            "{field}: {text}"
        );
    }
    assert_eq!(peer.connections(), 0);
}

#[tokio::test]
async fn header_injection_rejected_in_recipient() {
    // The recipient is the one value that a test of a saved server takes from the request.
    let test = spawn_test_mail_app().await;
    let peer = FaultPeer::start(PeerScript::smtp()).await;
    let id = test.create_server(&peer_body(peer.port())).await;
    let recipient = json!({ "recipient": "kunde@example.net\r\nBcc: fremder@example.net" });

    let responses = [
        test.test_saved(id, &recipient).await,
        test.test_unsaved(&json!({
            "server": peer_body(peer.port()),
            "recipient": recipient["recipient"],
        }))
        .await,
    ];

    for response in responses {
        assert_eq!(response.status(), 422);
        let body = json_body(response).await;
        assert_eq!(
            first_finding(&body, "test_recipient")["params"]["problem"],
            "control_character"
        );
    }
    assert_eq!(peer.connections(), 0);
}

#[tokio::test]
async fn invalid_form_and_recipient_reported_together() {
    let test = spawn_test_mail_app().await;
    let peer = FaultPeer::start(PeerScript::smtp()).await;
    let mut server = peer_body(peer.port());
    server["port"] = json!(70000);

    let response = test
        .test_unsaved(&json!({ "server": server, "recipient": "kunde@" }))
        .await;

    assert_eq!(response.status(), 422);
    let body = json_body(response).await;
    assert_eq!(first_finding(&body, "port")["code"], "port_out_of_range");
    assert_eq!(first_finding(&body, "test_recipient")["code"], "invalid_address");
    assert_eq!(peer.connections(), 0);
}

#[tokio::test]
async fn test_uses_stored_normalised_host() {
    // The form's host is trimmed and lowercased on save, and the test reads the stored value,
    // which real sends read too.
    let test = spawn_test_mail_app().await;
    let peer = FaultPeer::start(PeerScript::smtp()).await;
    let mut body = peer_body(peer.port());
    body["host"] = json!("  LocalHost ");
    let id = test.create_server(&body).await;
    let stored = json_body(test.app.get_server(&test.client, id).await).await;
    assert_eq!(stored["host"], "localhost");

    let response = test.test_saved(id, &json!({})).await;

    let result = accepted_body(response).await;
    assert_eq!(result["ok"], true, "{result}");
    assert_eq!(peer.messages().len(), 1);
}
