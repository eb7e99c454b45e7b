//! The outbox end to end: tokens, accepting mail, choosing the server, delivery through real
//! SMTP servers on loopback, retries, limits, auto-deactivation and a killed process.
//!
//! `spawn_outbox` starts the application with retry delays of milliseconds and a fast poll,
//! so that tests wait for outcomes by polling with a deadline, never by sleeping a fixed time.

mod crash;
mod delivery;
mod limits;
mod messages;
mod peer;
mod servers;
mod tokens;

use std::future::Future;
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use backend::outbox::{Outbox, OutboxSettings};
use backend::store::{AccountId, ServerId, Store};
use backend::{Application, Settings};
use reqwest::{Client, Method, Response};
use serde_json::{json, Value};
use shared::{EmailAddress, Mailbox, NormalizedServer, Security};
use tempfile::TempDir;

use crate::helpers::{captured_logs, json_body, new_client};

/// How long a test waits for an outcome before it fails.
pub const DEADLINE: Duration = Duration::from_secs(20);
/// How often a test looks again.
const POLL: Duration = Duration::from_millis(20);

/// A running application for one outbox test, with one signed-up seller.
pub struct OutboxApp {
    pub address: String,
    pub store: Store,
    pub outbox: Outbox,
    /// The seller's client, logged in with the session cookie.
    pub client: Client,
    pub account: AccountId,
    /// Kept so that the data folder lives as long as the application.
    _data_dir: TempDir,
    handle: ServerHandle,
}

impl Drop for OutboxApp {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// Returns the outbox settings of the tests: retries within milliseconds, a fast poll, and
/// deactivation after three failures.
pub fn fast_settings() -> OutboxSettings {
    OutboxSettings {
        workers: 2,
        connections_per_server: 2,
        retry_first_delay: Duration::from_millis(50),
        retry_max_delay: Duration::from_millis(200),
        give_up_after: Duration::from_secs(120),
        deactivate_after_failures: 3,
        poll_interval: Duration::from_millis(50),
        open_timeout: Duration::from_secs(10),
        send_timeout: Duration::from_secs(10),
        ..OutboxSettings::default()
    }
}

/// Starts the application with `fast_settings` changed by `configure`, and signs up a seller.
pub async fn spawn_outbox(configure: impl FnOnce(&mut OutboxSettings)) -> OutboxApp {
    spawn_outbox_with(|settings| configure(&mut settings.outbox)).await
}

/// Starts the application with settings changed by `configure`, and signs up a seller.
pub async fn spawn_outbox_with(configure: impl FnOnce(&mut Settings)) -> OutboxApp {
    // Installs the log capture of this test binary.
    let _ = captured_logs();
    let data_dir = tempfile::tempdir().expect("create a temp data folder");

    let mut settings = Settings::with_data_dir(data_dir.path().to_path_buf());
    // Port 0: the OS picks a free port, so tests run in parallel.
    settings.listen = "127.0.0.1:0".parse().expect("loopback address");
    // The test SMTP servers listen on loopback, which the private-address guard blocks by default.
    settings.allow_hosts = vec!["127.0.0.0/8".parse().expect("range")];
    // A folder without index.html: these tests need no page.
    settings.frontend_dir = data_dir.path().join("no-frontend");
    settings.outbox = fast_settings();
    configure(&mut settings);

    let application = Application::build(settings).await.expect("start the application");
    let address = format!("http://127.0.0.1:{}", application.port());
    let store = application.store();
    let outbox = application.outbox();
    let handle = application.handle();
    tokio::spawn(application.run_until_stopped());

    let client = new_client();
    let sign_up = client
        .post(format!("{address}/api/accounts"))
        .header("X-Requested-With", "postausgang")
        .json(&json!({ "email": "max@shop.example", "password": "ein langes Passwort" }))
        .send()
        .await
        .expect("sign up");
    assert_eq!(sign_up.status(), 201, "sign-up failed");
    let account = client
        .get(format!("{address}/api/account"))
        .send()
        .await
        .expect("get the account");
    let account = AccountId(json_body(account).await["id"].as_i64().expect("an account id"));

    OutboxApp {
        address,
        store,
        outbox,
        client,
        account,
        _data_dir: data_dir,
        handle,
    }
}

/// Parses `local@domain` into the shared type; test addresses are ASCII.
pub fn address(text: &str) -> EmailAddress {
    let (local_part, domain) = text.split_once('@').expect("an address");
    EmailAddress {
        local_part: local_part.to_owned(),
        domain_unicode: domain.to_owned(),
        domain_ascii: domain.to_owned(),
    }
}

/// Settings of a plain-text server on a loopback port, without login.
pub fn loopback_server(port: u16, sender: &str) -> NormalizedServer {
    NormalizedServer {
        provider: String::new(),
        active: true,
        display_name: format!("Testserver {port}"),
        sender: Mailbox {
            display_name: Some("Max Mustermann".to_owned()),
            address: address(sender),
        },
        host: "127.0.0.1".to_owned(),
        port,
        security: Security::None,
        login: String::new(),
        bcc: Vec::new(),
        is_default: false,
    }
}

impl OutboxApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Stores a server directly, without the form's validation, which warns about loopback.
    pub async fn add_server(&self, settings: NormalizedServer) -> ServerId {
        let (server, _) = self
            .store
            .create_server(self.account, settings, None)
            .await
            .expect("store the server");
        server.id
    }

    /// Creates an API token through the API and returns it.
    pub async fn create_token(&self) -> String {
        let response = self
            .client
            .post(self.url("/api/tokens"))
            .header("X-Requested-With", "postausgang")
            .json(&json!({ "name": "Shop" }))
            .send()
            .await
            .expect("create a token");
        assert_eq!(response.status(), 201);
        json_body(response).await["token"]
            .as_str()
            .expect("a token")
            .to_owned()
    }

    /// Sends a request with the API token, as a shop system does: no cookie, no CSRF header.
    pub async fn with_token(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        let mut request = reqwest::Client::new()
            .request(method, self.url(path))
            .bearer_auth(token)
            .header("Accept-Language", "en");
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("send the request")
    }

    /// Submits a mail with the token and returns the response.
    pub async fn submit(&self, token: &str, body: &Value) -> Response {
        self.with_token(token, Method::POST, "/api/messages", Some(body))
            .await
    }

    /// Submits a mail and returns its id; fails the test unless it is accepted.
    pub async fn submit_ok(&self, token: &str, body: &Value) -> i64 {
        let response = self.submit(token, body).await;
        let status = response.status();
        let body = json_body(response).await;
        assert_eq!(status, 202, "the mail was not accepted: {body}");
        body["id"].as_i64().expect("a message id")
    }

    /// Returns the message as the API shows it.
    pub async fn message(&self, token: &str, id: i64) -> Value {
        let response = self
            .with_token(token, Method::GET, &format!("/api/messages/{id}"), None)
            .await;
        assert_eq!(response.status(), 200);
        json_body(response).await
    }

    /// Polls the message until `condition` holds, and returns it; `what` names the condition
    /// in the failure message.
    pub async fn wait_for_message(
        &self,
        token: &str,
        id: i64,
        what: &str,
        condition: impl Fn(&Value) -> bool,
    ) -> Value {
        let started = Instant::now();
        loop {
            let message = self.message(token, id).await;
            if condition(&message) {
                return message;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "{what}: not within {DEADLINE:?}; last seen: {message}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Returns the server as the API shows it, with the seller's session.
    pub async fn server_view(&self, id: ServerId) -> Value {
        let response = self
            .client
            .get(self.url(&format!("/api/servers/{}", id.0)))
            .header("Accept-Language", "en")
            .send()
            .await
            .expect("get the server");
        assert_eq!(response.status(), 200);
        json_body(response).await
    }
}

/// Returns a mail body with one recipient; tests change single fields.
pub fn mail(subject: &str) -> Value {
    json!({
        "to": ["Erika Musterfrau <erika@kunde.example>"],
        "subject": subject,
        "text": "Vielen Dank für Ihre Bestellung.",
    })
}

/// Polls `condition` until it holds, for at most [`DEADLINE`]; `what` names it in the failure.
pub async fn wait_until<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !condition().await {
        assert!(started.elapsed() < DEADLINE, "{what}: not within {DEADLINE:?}");
        tokio::time::sleep(POLL).await;
    }
}
