//! A real SMTP server (aiosmtpd, from `tests/fixtures/smtp_server.py`) in a child process.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use tempfile::TempDir;

use crate::certificates::TestCertificates;

/// How long the server may take to report its port; Python starts in well under a second.
const STARTUP_LIMIT: Duration = Duration::from_secs(20);

/// The server's transport security.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerMode {
    Plain,
    /// A plain greeting, then STARTTLS, required before AUTH and MAIL.
    StartTls,
    /// TLS from the first byte.
    ImplicitTls,
}

/// What the server offers and accepts.
#[derive(Debug, Clone, Copy)]
pub struct SmtpServerOptions<'a> {
    pub mode: ServerMode,
    /// Required for [`ServerMode::StartTls`] and [`ServerMode::ImplicitTls`].
    pub certificates: Option<&'a TestCertificates>,
    /// The only login and password AUTH accepts. Without it, AUTH is not offered.
    pub credentials: Option<(&'a str, &'a str)>,
    /// Reject RCPT with 504 5.5.2 unless the EHLO name is a dotted name other than localhost.
    pub require_fqdn_helo: bool,
    /// The queue id named in the reply after DATA.
    pub queue_id: &'a str,
    /// Offer PIPELINING in the EHLO reply, as Postfix and the large providers do.
    pub pipelining: bool,
}

impl Default for SmtpServerOptions<'_> {
    fn default() -> Self {
        SmtpServerOptions {
            mode: ServerMode::Plain,
            certificates: None,
            credentials: None,
            require_fqdn_helo: false,
            queue_id: "TEST0001",
            pipelining: true,
        }
    }
}

/// One message as the server received it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ReceivedMessage {
    pub mail_from: String,
    pub mail_options: Vec<String>,
    pub rcpt_tos: Vec<String>,
    /// The login of a successful AUTH.
    pub login: Option<String>,
    /// The name the client gave in EHLO.
    pub helo: Option<String>,
    data_base64: String,
}

impl ReceivedMessage {
    /// Returns the message as received after DATA, dot-stuffing removed.
    pub fn data(&self) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD
            .decode(&self.data_base64)
            .expect("record holds base64")
    }

    /// Returns the message as text (lossy for non-UTF-8 bytes).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data()).into_owned()
    }

    /// Returns the header block's lines, unfolded lines kept apart.
    pub fn header_lines(&self) -> Vec<String> {
        let text = self.text();
        let head = text.split("\r\n\r\n").next().unwrap_or_default().to_owned();
        head.split("\r\n").map(str::to_owned).collect()
    }

    /// Returns the unfolded value of the first header with this name, case-insensitive.
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        let mut lines = self.header_lines().into_iter().peekable();
        while let Some(line) = lines.next() {
            if !line.to_ascii_lowercase().starts_with(&prefix) {
                continue;
            }
            let mut value = line[prefix.len()..].trim_start().to_owned();
            while let Some(next) = lines.peek().filter(|next| next.starts_with([' ', '\t'])) {
                value.push_str(next);
                lines.next();
            }
            return Some(value);
        }
        None
    }
}

/// A running aiosmtpd server on 127.0.0.1. Dropping it kills the process.
#[derive(Debug)]
pub struct SmtpServer {
    child: Child,
    port: u16,
    directory: TempDir,
}

impl SmtpServer {
    /// Starts the server and waits until it reports its port.
    ///
    /// # Panics
    /// Python or aiosmtpd is missing (the panic message points to `scripts/install-test-deps.sh`),
    /// or the server does not report its port within 20 seconds.
    pub fn start(options: SmtpServerOptions<'_>) -> SmtpServer {
        let directory = tempfile::tempdir().expect("temporary directory for the SMTP server");
        let mut command = Command::new(python_interpreter());
        command
            .arg(repository_root().join("tests/fixtures/smtp_server.py"))
            .arg("--mode")
            .arg(match options.mode {
                ServerMode::Plain => "plain",
                ServerMode::StartTls => "starttls",
                ServerMode::ImplicitTls => "tls",
            })
            .arg("--record")
            .arg(directory.path().join("messages.jsonl"))
            .arg("--queue-id")
            .arg(options.queue_id);
        if let Some(certificates) = options.certificates {
            command
                .arg("--cert")
                .arg(certificates.chain_path())
                .arg("--key")
                .arg(certificates.key_path());
        }
        if let Some((user, password)) = options.credentials {
            let password_file = directory.path().join("password");
            std::fs::write(&password_file, password.as_bytes()).expect("write the password file");
            command
                .arg("--user")
                .arg(user)
                .arg("--password-file")
                .arg(password_file);
        }
        if options.require_fqdn_helo {
            command.arg("--require-fqdn-helo");
        }
        if !options.pipelining {
            command.arg("--no-pipelining");
        }

        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start {}: {error}; run scripts/install-test-deps.sh",
                    python_interpreter().display()
                )
            });
        let stdout = child.stdout.take().expect("piped stdout");
        let port = match read_port(stdout) {
            Ok(port) => port,
            Err(reason) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the test SMTP server did not start: {reason}; run scripts/install-test-deps.sh if aiosmtpd is missing");
            }
        };
        SmtpServer {
            child,
            port,
            directory,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Returns every message received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMessage> {
        let Ok(text) = std::fs::read_to_string(self.directory.path().join("messages.jsonl")) else {
            return Vec::new();
        };
        // The server may be halfway through writing a record, so only lines that end in a
        // newline are complete. The last piece of the split is the unfinished rest.
        let mut pieces: Vec<&str> = text.split('\n').collect();
        pieces.pop();
        pieces
            .into_iter()
            .map(|line| serde_json::from_str(line).expect("record is JSON"))
            .collect()
    }

    /// Returns the only message received, failing the test when there is not exactly one.
    pub fn single_message(&self) -> ReceivedMessage {
        let mut messages = self.messages();
        assert_eq!(messages.len(), 1, "expected exactly one received message");
        messages.remove(0)
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Returns `POSTAUSGANG_TEST_PYTHON`, or the virtual environment the install script makes.
fn python_interpreter() -> PathBuf {
    match std::env::var_os("POSTAUSGANG_TEST_PYTHON") {
        Some(path) => PathBuf::from(path),
        None => {
            let default = repository_root().join(".tools/venv/bin/python");
            if !default.exists() {
                panic!(
                    "{} is missing; run scripts/install-test-deps.sh",
                    default.display()
                );
            }
            default
        }
    }
}

fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn read_port(stdout: std::process::ChildStdout) -> Result<u16, String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let result = BufReader::new(stdout).read_line(&mut line).map(|_| line);
        let _ = sender.send(result);
    });
    let started = Instant::now();
    let line = receiver
        .recv_timeout(STARTUP_LIMIT)
        .map_err(|_| format!("no port reported within {:?}", started.elapsed()))?
        .map_err(|error| format!("cannot read its output: {error}"))?;
    line.trim()
        .strip_prefix("PORT ")
        .and_then(|port| port.parse().ok())
        .ok_or_else(|| format!("unexpected first line {line:?}"))
}
