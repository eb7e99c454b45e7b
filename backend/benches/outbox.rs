//! The outbox's throughput and memory, end to end, against Postfix's `smtp-sink` on loopback,
//! with Postfix's `smtp-source` against the same sink as the reference.
//!
//! Run it with `scripts/bench-outbox.sh`. Phase 1 sends `smtp-source`'s mails to the sink.
//! Phase 2 starts the release `postausgang` binary, submits the mails over HTTP with an API
//! token, and times until the database shows every mail as sent: HTTP intake, durable storage,
//! the workers and pooled SMTP connections. Phase 3 holds 20,000 mails in the queue with a
//! sending limit and reads the process's peak memory, then lifts the limit and times the drain.
//!
//! Settings (environment): `BENCH_MESSAGES` (20000), `BENCH_MESSAGE_BYTES` (2048),
//! `BENCH_CONCURRENCY` (HTTP requests in flight, 64), `BENCH_SESSIONS` (`smtp-source`'s parallel
//! sessions, 4, the outbox's default connections per server).

// A benchmark reports on the terminal.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{json, Value};

type Failure = Box<dyn std::error::Error + Send + Sync>;

struct Options {
    messages: usize,
    message_bytes: usize,
    concurrency: usize,
    sessions: usize,
}

fn main() -> Result<(), Failure> {
    let options = Options {
        messages: setting("BENCH_MESSAGES", 20_000)?,
        message_bytes: setting("BENCH_MESSAGE_BYTES", 2048)?,
        concurrency: setting("BENCH_CONCURRENCY", 64)?,
        sessions: setting("BENCH_SESSIONS", 4)?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;

    println!("machine: {} cores, {}", cores(), cpu_model());
    println!(
        "workload: {} mails of {} bytes; {} HTTP requests in flight; smtp-source with {} sessions",
        options.messages, options.message_bytes, options.concurrency, options.sessions
    );

    let sink = Sink::start()?;
    let reference = run_smtp_source(sink.port, &options)?;
    let reference_rate = options.messages as f64 / reference.as_secs_f64();
    println!(
        "smtp-source: {} mails in {:.2} s = {:.0} mails/s",
        options.messages,
        reference.as_secs_f64(),
        reference_rate
    );

    let outbox = runtime.block_on(run_outbox(&sink, &options))?;
    let outbox_rate = options.messages as f64 / outbox.elapsed.as_secs_f64();
    println!(
        "outbox: {} mails in {:.2} s = {:.0} mails/s (intake took {:.2} s)",
        options.messages,
        outbox.elapsed.as_secs_f64(),
        outbox_rate,
        outbox.intake.as_secs_f64()
    );
    println!("outbox / smtp-source: {:.2}", outbox_rate / reference_rate);
    println!(
        "peak memory of postausgang while sending: {} MiB",
        outbox.peak_kib / 1024
    );

    let queued = runtime.block_on(run_queued(&sink, &options))?;
    println!(
        "peak memory of postausgang with {} mails queued: {} MiB",
        options.messages,
        queued.peak_kib / 1024
    );
    println!(
        "intake alone (nothing sent meanwhile): {:.2} s = {:.0} mails/s",
        queued.intake.as_secs_f64(),
        options.messages as f64 / queued.intake.as_secs_f64()
    );
    println!(
        "drain of the full queue (no HTTP): {:.2} s = {:.0} mails/s",
        queued.drain.as_secs_f64(),
        options.messages as f64 / queued.drain.as_secs_f64()
    );
    println!("smtp-sink counted {} mails in all", sink.received());
    Ok(())
}

fn setting(name: &str, default: usize) -> Result<usize, Failure> {
    match std::env::var(name) {
        Ok(value) => Ok(value
            .parse()
            .map_err(|_| format!("{name} must be a whole number, not {value:?}"))?),
        Err(_) => Ok(default),
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|model| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

fn free_port() -> Result<u16, Failure> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Postfix's `smtp-sink` on a loopback port, counting what it receives.
struct Sink {
    child: Child,
    port: u16,
    counter: Arc<std::sync::atomic::AtomicUsize>,
}

impl Sink {
    fn start() -> Result<Sink, Failure> {
        let port = free_port()?;
        let mut command = Command::new("smtp-sink");
        // As root, smtp-sink refuses to run without dropping its privileges.
        if is_root() {
            command.args(["-u", "nobody"]);
        }
        let mut child = command
            .args(["-c", "-m", "1024", &format!("127.0.0.1:{port}"), "1024"])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot start smtp-sink ({error}); run scripts/install-test-deps.sh"))?;
        let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut stdout = child.stdout.take().ok_or("smtp-sink has no stdout")?;
        let shared = Arc::clone(&counter);
        // smtp-sink rewrites one status line ending in CR: "sess=1 quit=0 mesg=42".
        std::thread::spawn(move || {
            let mut buffer = [0_u8; 4096];
            let mut pending = String::new();
            while let Ok(read) = stdout.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                pending.push_str(&String::from_utf8_lossy(&buffer[..read]));
                if let Some(count) = pending
                    .rsplit("mesg=")
                    .next()
                    .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
                    .and_then(|digits| digits.parse().ok())
                {
                    shared.store(count, std::sync::atomic::Ordering::Relaxed);
                }
                let keep = pending.len().saturating_sub(64);
                pending.drain(..keep);
            }
        });
        wait_for_port(port)?;
        Ok(Sink { child, port, counter })
    }

    fn received(&self) -> usize {
        self.counter.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

fn wait_for_port(port: u16) -> Result<(), Failure> {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(10) {
            return Err(format!("nothing listens on port {port} after 10 s").into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// Runs `smtp-source` with connection reuse (`-d`) and returns how long it took.
fn run_smtp_source(port: u16, options: &Options) -> Result<Duration, Failure> {
    let started = Instant::now();
    let status = Command::new("smtp-source")
        .args([
            "-d",
            "-s",
            &options.sessions.to_string(),
            "-l",
            &options.message_bytes.to_string(),
            "-m",
            &options.messages.to_string(),
            "-f",
            "info@shop.example",
            "-t",
            "kunde@kunde.example",
            "-M",
            "bench.postausgang.invalid",
            &format!("127.0.0.1:{port}"),
        ])
        .status()
        .map_err(|error| format!("cannot run smtp-source ({error}); run scripts/install-test-deps.sh"))?;
    if !status.success() {
        return Err(format!("smtp-source failed: {status}").into());
    }
    Ok(started.elapsed())
}

/// The `postausgang` binary with its data in a temporary folder.
struct Backend {
    child: Child,
    address: String,
    data_dir: tempfile::TempDir,
}

impl Backend {
    fn start() -> Result<Backend, Failure> {
        let data_dir = tempfile::tempdir()?;
        let mut child = Command::new(env!("CARGO_BIN_EXE_postausgang"))
            .current_dir(data_dir.path())
            .env("POSTAUSGANG_LISTEN", "127.0.0.1:0")
            .env("POSTAUSGANG_ALLOW_HOSTS", "127.0.0.0/8")
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("postausgang has no stdout")?;
        let (sender, receiver) = mpsc::channel();
        // The log is read to its end, so that the process never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(address) = line
                    .split("listening on ")
                    .nth(1)
                    .and_then(|rest| rest.split_whitespace().next())
                {
                    let _ = sender.send(address.trim_end_matches('/').to_owned());
                }
            }
        });
        let address = receiver
            .recv_timeout(Duration::from_secs(30))
            .map_err(|_| "postausgang did not log its address")?;
        Ok(Backend {
            child,
            address,
            data_dir,
        })
    }

    /// Returns the process's peak resident memory so far (VmHWM), in KiB.
    fn peak_kib(&self) -> Result<u64, Failure> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line = status
            .lines()
            .find(|line| line.starts_with("VmHWM:"))
            .ok_or("no VmHWM in /proc/<pid>/status")?;
        Ok(line
            .split_whitespace()
            .nth(1)
            .and_then(|kib| kib.parse().ok())
            .ok_or("VmHWM is not a number")?)
    }

    /// Counts the mails with a status, straight from the database.
    fn count(&self, status: &str) -> Result<usize, Failure> {
        let database = self.data_dir.path().join("data").join("postausgang.sqlite3");
        let connection = rusqlite::Connection::open_with_flags(
            database,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.busy_timeout(Duration::from_secs(5))?;
        let count: i64 = connection.query_row(
            "SELECT COUNT(*) FROM messages WHERE status = ?1",
            [status],
            |row| row.get(0),
        )?;
        Ok(count as usize)
    }

    /// Waits until `expected` mails have the status.
    async fn wait_for(&self, status: &str, expected: usize, limit: Duration) -> Result<(), Failure> {
        let started = Instant::now();
        loop {
            if self.count(status)? >= expected {
                return Ok(());
            }
            if started.elapsed() > limit {
                return Err(format!(
                    "only {} of {expected} mails are {status} after {limit:?}",
                    self.count(status)?
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Signs up, stores a server on the sink's port and returns an API token and the server's id.
async fn prepare(client: &Client, backend: &Backend, sink_port: u16) -> Result<(String, i64), Failure> {
    let address = &backend.address;
    let post = |path: &str, body: Value| {
        client
            .post(format!("{address}{path}"))
            .header("X-Requested-With", "postausgang")
            .json(&body)
            .send()
    };
    post(
        "/api/accounts",
        json!({ "email": "max@shop.example", "password": "ein langes Passwort" }),
    )
    .await?
    .error_for_status()?;
    let server: Value = post(
        "/api/servers",
        json!({
            "display_name": "smtp-sink",
            "sender": "Shop <info@shop.example>",
            "host": "127.0.0.1",
            "port": sink_port,
            "security": "none",
            "is_default": true,
        }),
    )
    .await?
    .error_for_status()?
    .json()
    .await?;
    let token: Value = post("/api/tokens", json!({ "name": "bench" }))
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = token["token"].as_str().ok_or("no token")?.to_owned();
    let server = server["id"].as_i64().ok_or("no server id")?;
    Ok((token, server))
}

/// Submits the mails with `concurrency` requests in flight.
async fn submit_all(address: &str, token: &str, options: &Options) -> Result<(), Failure> {
    let client = Client::builder()
        .pool_max_idle_per_host(options.concurrency)
        .build()?;
    // ASCII lines of 64 characters, like a shop's text mail and like smtp-source's payload,
    // so that both send the same number of bytes.
    let line = "Thank you for your order. It ships today from our warehouse.  \r\n";
    let text = line.repeat(options.message_bytes / line.len() + 1);
    // Serialised once, so that the client's own work stays small next to the server's.
    let body = serde_json::to_vec(&json!({
        "to": ["Erika Musterfrau <erika@kunde.example>"],
        "subject": "Ihre Bestellung",
        "text": &text[..options.message_bytes.min(text.len())],
    }))?;
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..options.concurrency {
        let (client, body, next) = (client.clone(), body.clone(), Arc::clone(&next));
        let (url, token, total) = (
            format!("{address}/api/messages"),
            token.to_owned(),
            options.messages,
        );
        tasks.spawn(async move {
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < total {
                let response = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("Content-Type", "application/json")
                    .body(body.clone())
                    .send()
                    .await?;
                if response.status() != 202 {
                    return Err(Failure::from(format!(
                        "a mail was not accepted: {}",
                        response.status()
                    )));
                }
            }
            Ok(())
        });
    }
    while let Some(result) = tasks.join_next().await {
        result??;
    }
    Ok(())
}

struct OutboxRun {
    elapsed: Duration,
    intake: Duration,
    peak_kib: u64,
}

/// Phase 2: submits every mail and times until all are sent.
async fn run_outbox(sink: &Sink, options: &Options) -> Result<OutboxRun, Failure> {
    let backend = Backend::start()?;
    let (token, _) = prepare(
        &Client::builder().cookie_store(true).build()?,
        &backend,
        sink.port,
    )
    .await?;

    let started = Instant::now();
    submit_all(&backend.address, &token, options).await?;
    let intake = started.elapsed();
    backend
        .wait_for("sent", options.messages, Duration::from_secs(600))
        .await?;
    let elapsed = started.elapsed();
    Ok(OutboxRun {
        elapsed,
        intake,
        peak_kib: backend.peak_kib()?,
    })
}

struct QueuedRun {
    peak_kib: u64,
    /// How long the intake alone took, with nothing sent meanwhile.
    intake: Duration,
    drain: Duration,
}

/// Phase 3: a limit of one mail an hour keeps every mail in the queue while it is filled. Then
/// the limit is lifted and the queue drains.
async fn run_queued(sink: &Sink, options: &Options) -> Result<QueuedRun, Failure> {
    let backend = Backend::start()?;
    let session = Client::builder().cookie_store(true).build()?;
    let (token, server) = prepare(&session, &backend, sink.port).await?;
    let limits = format!("{}/api/servers/{server}/limits", backend.address);
    let put_limits = |per_hour: Value| {
        session
            .put(&limits)
            .header("X-Requested-With", "postausgang")
            .json(&json!({ "per_hour": per_hour }))
            .send()
    };
    put_limits(json!(1)).await?.error_for_status()?;

    let started = Instant::now();
    submit_all(&backend.address, &token, options).await?;
    let intake = started.elapsed();
    backend
        .wait_for("queued", options.messages - 1, Duration::from_secs(600))
        .await?;
    let peak_kib = backend.peak_kib()?;

    let started = Instant::now();
    put_limits(Value::Null).await?.error_for_status()?;
    backend
        .wait_for("sent", options.messages, Duration::from_secs(600))
        .await?;
    if !Path::new(&format!("/proc/{}", backend.child.id())).exists() {
        return Err("postausgang exited during the drain".into());
    }
    Ok(QueuedRun {
        peak_kib,
        intake,
        drain: started.elapsed(),
    })
}
