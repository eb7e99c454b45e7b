//! Scripted SMTP peers for misbehaviour that a real server does not show on demand: no
//! greeting, STARTTLS missing, provider-specific rejections, silence after EHLO.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The peer's transport security.
#[derive(Clone, Default)]
pub enum PeerTls {
    #[default]
    None,
    /// TLS from the first byte; the peer waits for the client's handshake.
    Implicit(Arc<rustls::ServerConfig>),
    /// A plain greeting, then TLS after the STARTTLS command.
    StartTls(Arc<rustls::ServerConfig>),
}

impl std::fmt::Debug for PeerTls {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            PeerTls::None => "None",
            PeerTls::Implicit(_) => "Implicit",
            PeerTls::StartTls(_) => "StartTls",
        })
    }
}

/// The lines a scripted peer sends. Replies are full lines without CRLF, such as `250 2.1.0 Ok`.
#[derive(Debug, Clone)]
pub struct PeerScript {
    pub tls: PeerTls,
    /// `None` means the peer accepts the connection and never sends a byte.
    pub greeting: Option<String>,
    /// The EHLO reply's lines after the server name, such as `["STARTTLS", "AUTH PLAIN LOGIN"]`.
    pub extensions: Vec<String>,
    /// The extensions after STARTTLS; the same as `extensions` without STARTTLS when `None`.
    pub extensions_after_tls: Option<Vec<String>>,
    /// Replies by command verb (`EHLO`, `STARTTLS`, `AUTH`, `MAIL`, `RCPT`, `DATA`, `QUIT`, `RSET`)
    /// or `END` for the reply after the message. Later entries win.
    pub replies: Vec<(String, String)>,
    /// The verb at which the peer stops answering but keeps the connection open.
    pub silent_at: Option<String>,
    /// The wait before each reply to MAIL, RCPT and DATA, like a server that checks each
    /// address before it replies.
    pub reply_delay: std::time::Duration,
    /// The verb after whose reply the peer closes the connection, as a server does after 421.
    pub close_after: Option<String>,
}

impl PeerScript {
    /// A peer that accepts the connection and never greets.
    pub fn silent() -> PeerScript {
        PeerScript {
            greeting: None,
            ..PeerScript::smtp()
        }
    }

    /// A well-behaved plain SMTP peer offering AUTH PLAIN and LOGIN.
    pub fn smtp() -> PeerScript {
        PeerScript {
            tls: PeerTls::None,
            greeting: Some("220 peer.test ESMTP scripted peer".to_owned()),
            extensions: vec!["8BITMIME".to_owned(), "AUTH PLAIN LOGIN".to_owned()],
            extensions_after_tls: None,
            replies: Vec::new(),
            silent_at: None,
            reply_delay: std::time::Duration::ZERO,
            close_after: None,
        }
    }

    /// Sets the transport security; STARTTLS is added to the extensions for [`PeerTls::StartTls`].
    pub fn with_tls(mut self, tls: PeerTls) -> PeerScript {
        if matches!(tls, PeerTls::StartTls(_)) && !self.extensions.iter().any(|line| line == "STARTTLS") {
            self.extensions.insert(0, "STARTTLS".to_owned());
        }
        self.tls = tls;
        self
    }

    pub fn with_extensions(mut self, extensions: &[&str]) -> PeerScript {
        self.extensions = extensions.iter().map(|line| (*line).to_owned()).collect();
        self
    }

    /// Replies `reply` to `verb` (or to the end of the message for `END`).
    pub fn reply(mut self, verb: &str, reply: &str) -> PeerScript {
        self.replies.push((verb.to_ascii_uppercase(), reply.to_owned()));
        self
    }

    /// Stops answering when the client sends `verb`.
    pub fn silent_at(mut self, verb: &str) -> PeerScript {
        self.silent_at = Some(verb.to_ascii_uppercase());
        self
    }

    /// Waits `delay` before each reply to MAIL, RCPT and DATA.
    pub fn reply_delay(mut self, delay: std::time::Duration) -> PeerScript {
        self.reply_delay = delay;
        self
    }

    /// Closes the connection after the reply to `verb`.
    pub fn close_after(mut self, verb: &str) -> PeerScript {
        self.close_after = Some(verb.to_ascii_uppercase());
        self
    }

    fn reply_for(&self, verb: &str) -> String {
        if let Some((_, reply)) = self.replies.iter().rev().find(|(candidate, _)| candidate == verb) {
            return reply.clone();
        }
        match verb {
            "STARTTLS" => "220 2.0.0 Ready to start TLS",
            "AUTH" => "235 2.7.0 Authentication successful",
            "MAIL" => "250 2.1.0 Ok",
            "RCPT" => "250 2.1.5 Ok",
            "DATA" => "354 End data with <CR><LF>.<CR><LF>",
            "END" => "250 2.0.0 Ok: queued as PEER1",
            "QUIT" => "221 2.0.0 Bye",
            "RSET" | "NOOP" => "250 2.0.0 Ok",
            _ => "502 5.5.2 Error: command not recognized",
        }
        .to_owned()
    }
}

/// What the peer saw.
#[derive(Debug, Default)]
struct Observations {
    connections: usize,
    lines: Vec<String>,
    messages: Vec<String>,
}

/// A scripted peer on 127.0.0.1. Dropping it stops accepting connections; the open ones run on
/// until the client closes them or the test ends.
#[derive(Debug)]
pub struct FaultPeer {
    port: u16,
    task: JoinHandle<()>,
    observations: Arc<Mutex<Observations>>,
}

impl FaultPeer {
    /// Starts the peer on a free port. Call it inside a tokio runtime.
    pub async fn start(script: PeerScript) -> FaultPeer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let observations = Arc::new(Mutex::new(Observations::default()));
        let shared = Arc::clone(&observations);
        let task = tokio::spawn(async move {
            let mut connections = Vec::new();
            while let Ok((tcp, _)) = listener.accept().await {
                lock(&shared).connections += 1;
                connections.push(tokio::spawn(converse(tcp, script.clone(), Arc::clone(&shared))));
            }
        });
        FaultPeer {
            port,
            task,
            observations,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Returns how many TCP connections the peer accepted.
    pub fn connections(&self) -> usize {
        lock(&self.observations).connections
    }

    /// Returns every line the client sent outside DATA, decrypted, in order.
    pub fn received_lines(&self) -> Vec<String> {
        lock(&self.observations).lines.clone()
    }

    /// Returns the messages received after DATA.
    pub fn messages(&self) -> Vec<String> {
        lock(&self.observations).messages.clone()
    }
}

impl Drop for FaultPeer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock(observations: &Mutex<Observations>) -> std::sync::MutexGuard<'_, Observations> {
    observations
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

trait PeerIo: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> PeerIo for T {}

/// A line-oriented connection that can switch to TLS.
struct Connection {
    io: Box<dyn PeerIo>,
    buffer: Vec<u8>,
}

impl Connection {
    async fn read_line(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.buffer.iter().position(|byte| *byte == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                return Some(
                    String::from_utf8_lossy(&line)
                        .trim_end_matches(['\r', '\n'])
                        .to_owned(),
                );
            }
            let mut chunk = [0u8; 4096];
            let read = self.io.read(&mut chunk).await.ok()?;
            if read == 0 {
                return None;
            }
            self.buffer.extend_from_slice(&chunk[..read]);
        }
    }

    async fn send(&mut self, reply: &str) -> Option<()> {
        self.io.write_all(format!("{reply}\r\n").as_bytes()).await.ok()?;
        self.io.flush().await.ok()
    }
}

async fn converse(tcp: TcpStream, script: PeerScript, observations: Arc<Mutex<Observations>>) {
    let io: Box<dyn PeerIo> = match &script.tls {
        PeerTls::Implicit(config) => match tokio_rustls::TlsAcceptor::from(Arc::clone(config))
            .accept(tcp)
            .await
        {
            Ok(tls) => Box::new(tls),
            Err(_) => return,
        },
        _ => Box::new(tcp),
    };
    let mut connection = Connection {
        io,
        buffer: Vec::new(),
    };
    let Some(greeting) = &script.greeting else {
        // Hold the connection open without a word until the client gives up.
        while connection.read_line().await.is_some() {}
        return;
    };
    if connection.send(greeting).await.is_none() {
        return;
    }
    let _ = run_commands(&mut connection, &script, &observations).await;
}

async fn run_commands(
    connection: &mut Connection,
    script: &PeerScript,
    observations: &Mutex<Observations>,
) -> Option<()> {
    let mut encrypted = matches!(script.tls, PeerTls::Implicit(_));
    loop {
        let line = connection.read_line().await?;
        lock(observations).lines.push(line.clone());
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        if script.silent_at.as_deref() == Some(verb.as_str()) {
            while connection.read_line().await.is_some() {}
            return None;
        }
        if matches!(verb.as_str(), "MAIL" | "RCPT" | "DATA") {
            tokio::time::sleep(script.reply_delay).await;
        }
        match verb.as_str() {
            "EHLO" => {
                let reply = ehlo_reply(script, encrypted);
                connection.send(&reply).await?;
            }
            "STARTTLS" => {
                let reply = script.reply_for("STARTTLS");
                connection.send(&reply).await?;
                let PeerTls::StartTls(config) = &script.tls else {
                    continue;
                };
                if !reply.starts_with('2') {
                    continue;
                }
                let plain = std::mem::replace(&mut connection.io, Box::new(tokio::io::duplex(1).0));
                let tls = tokio_rustls::TlsAcceptor::from(Arc::clone(config))
                    .accept(plain)
                    .await
                    .ok()?;
                connection.io = Box::new(tls);
                encrypted = true;
            }
            "AUTH" => authenticate(connection, script, &line, observations).await?,
            "DATA" => {
                let reply = script.reply_for("DATA");
                connection.send(&reply).await?;
                if reply.starts_with("354") {
                    let message = read_message(connection).await?;
                    lock(observations).messages.push(message);
                    connection.send(&script.reply_for("END")).await?;
                }
            }
            "QUIT" => {
                connection.send(&script.reply_for("QUIT")).await?;
                return Some(());
            }
            _ => connection.send(&script.reply_for(&verb)).await?,
        }
        if script.close_after.as_deref() == Some(verb.as_str()) {
            return None;
        }
    }
}

fn ehlo_reply(script: &PeerScript, encrypted: bool) -> String {
    if let Some((_, reply)) = script.replies.iter().rev().find(|(verb, _)| verb == "EHLO") {
        return reply.clone();
    }
    let extensions: Vec<String> = match (&script.extensions_after_tls, encrypted) {
        (Some(after_tls), true) => after_tls.clone(),
        (None, true) => script
            .extensions
            .iter()
            .filter(|line| *line != "STARTTLS")
            .cloned()
            .collect(),
        (_, false) => script.extensions.clone(),
    };
    let mut lines = vec!["peer.test greets you".to_owned()];
    lines.extend(extensions);
    let last = lines.len() - 1;
    lines
        .iter()
        .enumerate()
        .map(|(index, line)| format!("250{}{line}", if index == last { ' ' } else { '-' }))
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// Answers AUTH: PLAIN with an initial response at once, LOGIN after two challenges.
async fn authenticate(
    connection: &mut Connection,
    script: &PeerScript,
    line: &str,
    observations: &Mutex<Observations>,
) -> Option<()> {
    let mechanism = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_ascii_uppercase();
    let has_initial_response = line.split_whitespace().nth(2).is_some();
    if mechanism == "LOGIN" || !has_initial_response {
        let challenges: &[&str] = if mechanism == "LOGIN" {
            &["334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6"]
        } else {
            &["334 "]
        };
        for challenge in challenges {
            connection.send(challenge).await?;
            let response = connection.read_line().await?;
            lock(observations).lines.push(response);
        }
    }
    connection.send(&script.reply_for("AUTH")).await
}

async fn read_message(connection: &mut Connection) -> Option<String> {
    let mut message = Vec::new();
    loop {
        let line = connection.read_line().await?;
        if line == "." {
            return Some(message.join("\r\n"));
        }
        message.push(line.strip_prefix('.').map(str::to_owned).unwrap_or(line));
    }
}
