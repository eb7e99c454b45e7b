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
//! sessions, 4, the outbox's default connections per server), `BENCH_BINARY` (another build of
//! `postausgang` to measure, such as an older commit's, instead of this build's).

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
    // One thread: the load client competes with the server for the two cores, and a single
    // thread spares it the hand-offs between threads.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;

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
    let per_mail = |cpu: Duration| cpu.as_secs_f64() * 1e6 / options.messages as f64;
    println!(
        "CPU time per mail, end to end: postausgang {:.0} µs, load client {:.0} µs, smtp-sink {:.0} µs",
        per_mail(outbox.cpu.postausgang),
        per_mail(outbox.cpu.client),
        per_mail(outbox.cpu.sink)
    );
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
        "intake alone (nothing sent meanwhile): {:.2} s = {:.0} mails/s; postausgang's CPU time {:.0} µs per mail",
        queued.intake.as_secs_f64(),
        options.messages as f64 / queued.intake.as_secs_f64(),
        per_mail(queued.intake_cpu)
    );
    println!(
        "drain of the full queue (no HTTP): {:.2} s = {:.0} mails/s; postausgang's CPU time {:.0} µs per mail",
        queued.drain.as_secs_f64(),
        options.messages as f64 / queued.drain.as_secs_f64(),
        per_mail(queued.drain_cpu)
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
        let binary =
            std::env::var_os("BENCH_BINARY").unwrap_or_else(|| env!("CARGO_BIN_EXE_postausgang").into());
        let mut child = Command::new(binary)
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

    /// Returns the CPU time the process has used so far, user and system.
    fn cpu_time(&self) -> Result<Duration, Failure> {
        cpu_time_of(&self.child.id().to_string())
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

/// Returns the CPU time, user and system, that a process (`self` or a pid) has used so far,
/// from `/proc/<pid>/stat`, which counts in clock ticks of 10 ms.
fn cpu_time_of(pid: &str) -> Result<Duration, Failure> {
    const TICKS_PER_SECOND: u64 = 100;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name in brackets may contain spaces; the fields after it do not.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .ok_or("no command name in /proc/<pid>/stat")?
        .1
        .split_whitespace()
        .collect();
    // utime and stime are fields 14 and 15 of the line: the 12th and 13th after the name.
    let ticks: u64 = [11, 12]
        .iter()
        .map(|&index| fields.get(index).and_then(|field| field.parse::<u64>().ok()))
        .sum::<Option<u64>>()
        .ok_or("utime or stime is missing in /proc/<pid>/stat")?;
    Ok(Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
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

/// Submits the mails with `concurrency` requests in flight, each over its own keep-alive
/// connection.
///
/// The client writes HTTP/1.1 by hand instead of using reqwest: the load client shares the two
/// cores with the server, and reqwest spent 55 to 86 µs of CPU time per request here, about a fifth
/// of the whole path's. Every mail is still one `POST /api/messages` with the token and a JSON
/// body of its own (its number in the subject), and every response must be 202.
async fn submit_all(address: &str, token: &str, options: &Options) -> Result<(), Failure> {
    let host = address
        .strip_prefix("http://")
        .ok_or_else(|| format!("the address {address} does not start with http://"))?
        .to_owned();
    // ASCII lines of 64 characters, like a shop's text mail and like smtp-source's payload,
    // so that both send the same number of bytes.
    let line = "Thank you for your order. It ships today from our warehouse.  \r\n";
    let text = line.repeat(options.message_bytes / line.len() + 1);
    // The JSON around the mail's number, serialised once, so that each body costs a copy.
    let body_start = r#"{"to":["Erika Musterfrau <erika@kunde.example>"],"subject":"Ihre Bestellung "#;
    let body_end = format!(
        r#"","text":{}}}"#,
        serde_json::to_string(&text[..options.message_bytes.min(text.len())])?
    );
    let head = format!(
        "POST /api/messages HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: "
    );
    let request = Arc::new(RequestParts {
        head,
        body_start: body_start.to_owned(),
        body_end,
    });

    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..options.concurrency {
        let connection = tokio::net::TcpStream::connect(&host).await?;
        connection.set_nodelay(true)?;
        let (request, next, total) = (Arc::clone(&request), Arc::clone(&next), options.messages);
        tasks.spawn(async move {
            let mut client = RawClient::new(connection);
            loop {
                let number = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if number >= total {
                    return Ok::<(), Failure>(());
                }
                let status = client.post(&request, number).await?;
                if status != 202 {
                    return Err(format!("a mail was not accepted: HTTP status {status}").into());
                }
            }
        });
    }
    while let Some(result) = tasks.join_next().await {
        result??;
    }
    Ok(())
}

/// The parts of a `POST /api/messages` request that every mail shares.
struct RequestParts {
    /// The request line and the headers up to the value of Content-Length.
    head: String,
    /// The JSON body up to the number in the subject.
    body_start: String,
    /// The JSON body after that number.
    body_end: String,
}

/// An HTTP/1.1 keep-alive connection that sends one request at a time.
struct RawClient {
    stream: tokio::net::TcpStream,
    request: Vec<u8>,
    response: Vec<u8>,
}

impl RawClient {
    fn new(stream: tokio::net::TcpStream) -> RawClient {
        RawClient {
            stream,
            request: Vec::with_capacity(8192),
            response: Vec::with_capacity(4096),
        }
    }

    /// Sends mail number `number` and returns the response's status code, after reading the
    /// whole response.
    async fn post(&mut self, parts: &RequestParts, number: usize) -> Result<u16, Failure> {
        use std::io::Write;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let number = number.to_string();
        let body_length = parts.body_start.len() + number.len() + parts.body_end.len();
        self.request.clear();
        write!(self.request, "{}{body_length}\r\n\r\n", parts.head)?;
        self.request.extend_from_slice(parts.body_start.as_bytes());
        self.request.extend_from_slice(number.as_bytes());
        self.request.extend_from_slice(parts.body_end.as_bytes());
        self.stream.write_all(&self.request).await?;

        loop {
            if let Some((status, length)) = complete_response(&self.response)? {
                self.response.drain(..length);
                return Ok(status);
            }
            if self.stream.read_buf(&mut self.response).await? == 0 {
                return Err("the server closed the connection".into());
            }
        }
    }
}

/// Returns the status code and the length of the response at the start of `buffer`, once it
/// has arrived in full: the head and `Content-Length` bytes of body.
fn complete_response(buffer: &[u8]) -> Result<Option<(u16, usize)>, Failure> {
    let Some(head_end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&buffer[..head_end])?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("no status code in the response {head:?}"))?;
    let content_length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .map(|(_, value)| value.trim().parse::<usize>())
        .transpose()?
        .ok_or_else(|| format!("no Content-Length in the response {head:?}"))?;
    let length = head_end + 4 + content_length;
    Ok((buffer.len() >= length).then_some((status, length)))
}

struct OutboxRun {
    elapsed: Duration,
    intake: Duration,
    peak_kib: u64,
    cpu: CpuTimes,
}

/// The CPU time, user and system, of the three processes of phase 2.
struct CpuTimes {
    postausgang: Duration,
    /// This benchmark, which is the load client (its polling of the database included).
    client: Duration,
    sink: Duration,
}

impl CpuTimes {
    fn read(backend: &Backend, sink: &Sink) -> Result<CpuTimes, Failure> {
        Ok(CpuTimes {
            postausgang: backend.cpu_time()?,
            client: cpu_time_of("self")?,
            sink: cpu_time_of(&sink.child.id().to_string())?,
        })
    }

    fn since(&self, earlier: &CpuTimes) -> CpuTimes {
        CpuTimes {
            postausgang: self.postausgang.saturating_sub(earlier.postausgang),
            client: self.client.saturating_sub(earlier.client),
            sink: self.sink.saturating_sub(earlier.sink),
        }
    }
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

    let cpu_before = CpuTimes::read(&backend, sink)?;
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
        cpu: CpuTimes::read(&backend, sink)?.since(&cpu_before),
    })
}

struct QueuedRun {
    peak_kib: u64,
    /// How long the intake alone took, with nothing sent meanwhile.
    intake: Duration,
    drain: Duration,
    /// The CPU time of postausgang in each part.
    intake_cpu: Duration,
    drain_cpu: Duration,
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

    let cpu_before_intake = backend.cpu_time()?;
    let started = Instant::now();
    submit_all(&backend.address, &token, options).await?;
    let intake = started.elapsed();
    backend
        .wait_for("queued", options.messages - 1, Duration::from_secs(600))
        .await?;
    let peak_kib = backend.peak_kib()?;
    let cpu_before_drain = backend.cpu_time()?;

    let started = Instant::now();
    put_limits(Value::Null).await?.error_for_status()?;
    backend
        .wait_for("sent", options.messages, Duration::from_secs(600))
        .await?;
    let drain = started.elapsed();
    let cpu_after_drain = backend.cpu_time()?;
    if !Path::new(&format!("/proc/{}", backend.child.id())).exists() {
        return Err("postausgang exited during the drain".into());
    }
    Ok(QueuedRun {
        peak_kib,
        intake,
        drain,
        intake_cpu: cpu_before_drain.saturating_sub(cpu_before_intake),
        drain_cpu: cpu_after_drain.saturating_sub(cpu_before_drain),
    })
}
