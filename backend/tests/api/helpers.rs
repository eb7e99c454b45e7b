//! The test fixture: a real server on a free loopback port with its own data folder, a client
//! per seller, and the logs of the whole test binary captured in memory.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};

use actix_web::dev::ServerHandle;
use backend::store::Store;
use backend::telemetry::{build_subscriber, init_subscriber};
use backend::{Application, Settings};
use reqwest::{Client, Response};
use serde_json::{json, Value};
use tempfile::TempDir;
use tracing_subscriber::fmt::MakeWriter;

/// Every log line of this test binary, at `debug` and above, so that tests can assert that a
/// secret never reached the log. Set `TEST_LOG=1` to also print them.
static LOGS: LazyLock<CapturedLogs> = LazyLock::new(|| {
    let logs = CapturedLogs::default();
    // Another test binary's subscriber cannot be installed here, so failure means "already set".
    let _ = init_subscriber(build_subscriber("debug", logs.clone()));
    logs
});

#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend_from_slice(bytes);
        if std::env::var_os("TEST_LOG").is_some() {
            std::io::stdout().write_all(bytes)?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'writer> MakeWriter<'writer> for CapturedLogs {
    type Writer = CapturedLogs;

    fn make_writer(&'writer self) -> Self::Writer {
        self.clone()
    }
}

/// Returns everything logged so far by every test in this binary.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())).into_owned()
}

/// A running server for one test.
pub struct TestApp {
    /// `http://127.0.0.1:{port}`, without a trailing slash.
    pub address: String,
    pub store: Store,
    pub data_dir: TempDir,
    handle: ServerHandle,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stops accepting and closes the workers; the future is not awaited, because the
        // test's runtime is shutting down.
        drop(self.handle.stop(false));
    }
}

/// Starts the application with a fresh data folder on a free port.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the application like [`spawn_app`], with `configure` applied last to the settings.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    LazyLock::force(&LOGS);
    let data_dir = tempfile::tempdir().expect("create a temp data folder");

    let mut settings = Settings::with_data_dir(data_dir.path().to_path_buf());
    // Port 0: the OS picks a free port, so tests run in parallel.
    settings.listen = "127.0.0.1:0".parse().expect("loopback address");
    // Test SMTP peers listen on loopback, which the private-address guard blocks by default.
    settings.allow_hosts = vec![
        "127.0.0.0/8".parse().expect("range"),
        "::1/128".parse().expect("range"),
    ];
    // A folder without index.html: the API tests need no page.
    settings.frontend_dir = data_dir.path().join("no-frontend");
    configure(&mut settings);

    let application = Application::build(settings).await.expect("start the application");
    let address = format!("http://127.0.0.1:{}", application.port());
    let store = application.store();
    let handle = application.handle();
    tokio::spawn(application.run_until_stopped());

    TestApp {
        address,
        store,
        data_dir,
        handle,
    }
}

/// Returns a client with its own cookie jar: one per seller in a test.
pub fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .build()
        .expect("build the HTTP client")
}

/// Returns a valid server body; tests change single fields.
pub fn server_body(password: &str) -> Value {
    json!({
        "provider": "",
        "active": true,
        "display_name": "Shop-Server",
        "sender": "Max Mustermann <max@shop.example.com>",
        "host": "smtp.example.com",
        "port": 587,
        "security": "starttls",
        "login": "max@shop.example.com",
        "password": password,
        "bcc": "",
        "is_default": false,
    })
}

/// Returns a password no other test uses, with characters that broke other products.
pub fn unique_password() -> String {
    format!("Geheim§%\"\\/ä-{}", uuid::Uuid::new_v4().simple())
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Sends a request as the page does, with a JSON body and the CSRF header. It sends no
    /// `Accept-Language`, so the messages are German.
    pub async fn send(
        &self,
        client: &Client,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        let mut request = client
            .request(method, self.url(path))
            .header("X-Requested-With", "postausgang");
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("send the request")
    }

    pub async fn sign_up(&self, client: &Client, email: &str, password: &str) -> Response {
        let body = json!({ "email": email, "password": password });
        self.send(client, reqwest::Method::POST, "/api/accounts", Some(&body))
            .await
    }

    pub async fn log_in(&self, client: &Client, email: &str, password: &str) -> Response {
        let body = json!({ "email": email, "password": password });
        self.send(client, reqwest::Method::POST, "/api/session", Some(&body))
            .await
    }

    pub async fn log_out(&self, client: &Client) -> Response {
        self.send(client, reqwest::Method::DELETE, "/api/session", None)
            .await
    }

    pub async fn get_account(&self, client: &Client) -> Response {
        self.send(client, reqwest::Method::GET, "/api/account", None)
            .await
    }

    pub async fn list_servers(&self, client: &Client) -> Response {
        self.send(client, reqwest::Method::GET, "/api/servers", None)
            .await
    }

    pub async fn get_server(&self, client: &Client, id: i64) -> Response {
        self.send(client, reqwest::Method::GET, &format!("/api/servers/{id}"), None)
            .await
    }

    pub async fn create_server(&self, client: &Client, body: &Value) -> Response {
        self.send(client, reqwest::Method::POST, "/api/servers", Some(body))
            .await
    }

    pub async fn update_server(&self, client: &Client, id: i64, body: &Value) -> Response {
        self.send(
            client,
            reqwest::Method::PUT,
            &format!("/api/servers/{id}"),
            Some(body),
        )
        .await
    }

    pub async fn delete_server(&self, client: &Client, id: i64) -> Response {
        self.send(
            client,
            reqwest::Method::DELETE,
            &format!("/api/servers/{id}"),
            None,
        )
        .await
    }

    pub async fn make_default(&self, client: &Client, id: i64) -> Response {
        self.send(
            client,
            reqwest::Method::POST,
            &format!("/api/servers/{id}/default"),
            None,
        )
        .await
    }

    /// Signs up a new seller with a fresh client and returns the client, logged in.
    pub async fn signed_up_client(&self, email: &str) -> Client {
        let client = new_client();
        let response = self.sign_up(&client, email, "ein langes Passwort").await;
        assert_eq!(
            response.status(),
            201,
            "sign-up of {email} failed: {}",
            response.text().await.unwrap_or_default()
        );
        client
    }

    /// Creates a server and returns the response body; panics unless it is 201.
    pub async fn create_server_ok(&self, client: &Client, body: &Value) -> Value {
        let response = self.create_server(client, body).await;
        let status = response.status();
        let text = response.text().await.expect("read the body");
        assert_eq!(status, 201, "creating the server failed: {text}");
        serde_json::from_str(&text).expect("a JSON body")
    }

    /// Returns the SQLite database and its write-ahead log, as raw bytes.
    pub fn database_bytes(&self) -> Vec<u8> {
        let database: PathBuf = self.data_dir.path().join("postausgang.sqlite3");
        let mut bytes = std::fs::read(&database).expect("read the database");
        let wal = database.with_extension("sqlite3-wal");
        if let Ok(more) = std::fs::read(wal) {
            bytes.extend(more);
        }
        bytes
    }
}

/// Reads a JSON body, with the raw text in the panic message when it is not JSON.
pub async fn json_body(response: Response) -> Value {
    let text = response.text().await.expect("read the body");
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("the body is not JSON ({error}): {text}"))
}

/// Returns whether `haystack` contains `needle` as bytes.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle)
}
