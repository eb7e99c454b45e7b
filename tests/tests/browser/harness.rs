//! Everything a browser test needs, started on loopback and stopped again: the SMTP fixture, the
//! backend in-process with the built page, chromedriver, and one headless Chromium session.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use backend::{Application, Settings};
use fantoccini::{Client, ClientBuilder};
use serde_json::json;
use tempfile::TempDir;
use testkit::{ServerMode, SmtpServer, SmtpServerOptions, TestCertificates};

/// How long chromedriver may take to accept connections.
const CHROMEDRIVER_STARTUP_LIMIT: Duration = Duration::from_secs(20);

/// The SMTP account the fixture accepts. The password has the characters that other products
/// escaped, trimmed or re-encoded; the fixture accepts AUTH only with these exact bytes.
pub const SMTP_LOGIN: &str = "max@gmx.de";
pub const SMTP_PASSWORD: &str = "Pä§%\"#/\\ w0rd&amp;";

/// The running services of one browser test.
pub struct Harness {
    /// `http://127.0.0.1:{port}` of the backend, which serves the page and the API.
    pub base_url: String,
    pub smtp: SmtpServer,
    pub browser: Client,
    /// The backend's store, for what the system does without the page, such as deactivating a
    /// server after repeated failures.
    pub store: backend::store::Store,
    backend: actix_web::dev::ServerHandle,
    chromedriver: ChromeDriver,
    // Kept so that the folders live as long as the services that use them.
    _certificates: TestCertificates,
    _data_dir: TempDir,
    _profile_dir: TempDir,
}

impl Harness {
    /// Starts the SMTP fixture, the backend, chromedriver and a browser session.
    ///
    /// # Errors
    /// The page is not built, chromedriver is missing, or a service does not start. The message
    /// names the command that installs or builds what is missing.
    pub async fn start() -> anyhow::Result<Harness> {
        let dist = repository_root().join("frontend/dist");
        check_page_is_built(&dist)?;
        let chromedriver_path = find_on_path("chromedriver").context(
            "chromedriver is not installed; run scripts/install-test-deps.sh \
             (Debian packages chromium and chromium-driver)",
        )?;

        let certificates = TestCertificates::generate();
        let smtp = SmtpServer::start(SmtpServerOptions {
            mode: ServerMode::StartTls,
            certificates: Some(&certificates),
            credentials: Some((SMTP_LOGIN, SMTP_PASSWORD)),
            ..SmtpServerOptions::default()
        });

        let data_dir = tempfile::tempdir().context("create the backend's data folder")?;
        let mut settings = Settings::with_data_dir(data_dir.path().to_path_buf());
        // Port 0: the system picks a free port, so browser tests run in parallel.
        settings.listen = "127.0.0.1:0".parse()?;
        // The SMTP fixture listens on loopback, which the private-address guard blocks by default.
        settings.allow_hosts = vec!["127.0.0.0/8".parse()?, "::1/128".parse()?];
        // The fixture's certificate is signed by the test's own CA.
        settings.extra_root_certs = Some(certificates.ca_path());
        settings.frontend_dir = dist;
        let application = Application::build(settings).await.context("start the backend")?;
        let base_url = format!("http://127.0.0.1:{}", application.port());
        let backend = application.handle();
        let store = application.store();
        tokio::spawn(application.run_until_stopped());

        let chromedriver = ChromeDriver::start(&chromedriver_path)?;
        let profile_dir = tempfile::tempdir().context("create the browser profile folder")?;
        let browser = match connect_browser(&chromedriver, profile_dir.path()).await {
            Ok(browser) => browser,
            Err(error) => {
                drop(backend.stop(false));
                return Err(error);
            }
        };

        Ok(Harness {
            base_url,
            smtp,
            browser,
            store,
            backend,
            chromedriver,
            _certificates: certificates,
            _data_dir: data_dir,
            _profile_dir: profile_dir,
        })
    }

    /// Stops the backend while the page stays open, so that the next request fails as it does
    /// when the seller's connection drops.
    pub async fn stop_backend(&self) {
        self.backend.stop(false).await;
    }

    /// Closes the browser session, then stops chromedriver and the backend. The SMTP fixture
    /// stops when the harness is dropped.
    pub async fn shut_down(self) {
        // A session that is already gone cannot be closed again; nothing else is left to do then.
        let _ = self.browser.close().await;
        self.backend.stop(true).await;
        drop(self.chromedriver);
    }
}

/// chromedriver as a child process, killed when dropped.
struct ChromeDriver {
    child: Child,
    url: String,
}

impl ChromeDriver {
    fn start(path: &Path) -> anyhow::Result<ChromeDriver> {
        let port = free_loopback_port()?;
        let child = Command::new(path)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("start {}", path.display()))?;
        let chromedriver = ChromeDriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        chromedriver.wait_until_ready(port)?;
        Ok(chromedriver)
    }

    /// Waits until chromedriver accepts connections on its port.
    fn wait_until_ready(&self, port: u16) -> anyhow::Result<()> {
        let started = Instant::now();
        while started.elapsed() < CHROMEDRIVER_STARTUP_LIMIT {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("chromedriver did not listen on port {port} within {CHROMEDRIVER_STARTUP_LIMIT:?}")
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens a headless Chromium session with a fresh profile and German as the browser language.
async fn connect_browser(chromedriver: &ChromeDriver, profile: &Path) -> anyhow::Result<Client> {
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": find_on_path("chromium").context("chromium is not installed; run scripts/install-test-deps.sh")?,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--lang=de-DE",
                "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": { "intl.accept_languages": "de-DE,de" },
        },
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        bail!("the capabilities are not a JSON object");
    };

    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&chromedriver.url)
        .await
        .context("open a Chromium session through chromedriver")
}

fn check_page_is_built(dist: &Path) -> anyhow::Result<()> {
    for file in [
        "index.html",
        "main.js",
        "outbox.html",
        "settings_de.js",
        "settings_de_bg.wasm",
        "settings_en.js",
        "settings_en_bg.wasm",
        "outbox_de.js",
        "outbox_de_bg.wasm",
        "outbox_en.js",
        "outbox_en_bg.wasm",
        "style.css",
    ] {
        if !dist.join(file).is_file() {
            bail!(
                "{} is missing; run scripts/build-frontend.sh before the browser tests",
                dist.join(file).display()
            );
        }
    }
    Ok(())
}

/// Returns a port that was free a moment ago. Another process may take it before chromedriver
/// binds it; then chromedriver fails to start and the test reports that.
fn free_loopback_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("find a free loopback port")?;
    Ok(listener.local_addr()?.port())
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|directory| directory.join(program))
        .find(|candidate| candidate.is_file())
}

/// Returns the workspace root, where `frontend/dist` and `test-artifacts` live.
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}
