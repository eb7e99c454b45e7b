//! A scripted SMTP peer on loopback for the outbox's tests: replies that change from one mail
//! to the next (451 first, then 250), connections closed after each mail, and a record of
//! every mail it accepted.
//!
//! The testkit's `FaultPeer` replies to each command the same way every time, so it cannot show
//! a retry that succeeds, and aiosmtpd has no option to reject one mail and accept the next.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The peer's replies.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// The greeting; a 4xx or 5xx greeting makes every connection fail.
    pub greeting: String,
    /// Replies to RCPT TO, used one after another; an empty queue accepts.
    pub rcpt_replies: VecDeque<String>,
    /// Replies after the message, used one after another; an empty queue accepts.
    pub data_replies: VecDeque<String>,
    /// Closes the connection after each accepted mail, without waiting for QUIT.
    pub close_after_message: bool,
    /// Sent unasked after each accepted mail's reply, before closing the connection, as a
    /// server does when its idle timeout ends a session: `421 4.4.2 … idle timeout`.
    pub goodbye_after_message: Option<String>,
}

impl Default for Behaviour {
    fn default() -> Behaviour {
        Behaviour {
            greeting: "220 peer.test ESMTP outbox test peer".to_owned(),
            rcpt_replies: VecDeque::new(),
            data_replies: VecDeque::new(),
            close_after_message: false,
            goodbye_after_message: None,
        }
    }
}

/// A mail the peer accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: String,
}

impl Received {
    /// Returns the value of the first header with this name.
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.data
            .split("\r\n\r\n")
            .next()?
            .split("\r\n")
            .find(|line| line.to_ascii_lowercase().starts_with(&prefix))
            .map(|line| line[prefix.len()..].trim().to_owned())
    }
}

#[derive(Debug, Default)]
struct State {
    behaviour: Behaviour,
    connections: usize,
    /// Messages that reached the end of DATA, accepted or not.
    data_ends: usize,
    accepted: Vec<Received>,
}

/// The running peer; dropping it stops it.
#[derive(Debug)]
pub struct Peer {
    port: u16,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Peer {
    /// Starts the peer on a free loopback port.
    pub async fn start(behaviour: Behaviour) -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let state = Arc::new(Mutex::new(State {
            behaviour,
            ..State::default()
        }));
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                lock(&shared).connections += 1;
                tokio::spawn(converse(stream, Arc::clone(&shared)));
            }
        });
        Peer { port, state, task }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Changes the peer's replies from the next command on.
    pub fn change(&self, change: impl FnOnce(&mut Behaviour)) {
        change(&mut lock(&self.state).behaviour);
    }

    pub fn accepted(&self) -> Vec<Received> {
        lock(&self.state).accepted.clone()
    }

    pub fn connections(&self) -> usize {
        lock(&self.state).connections
    }

    pub fn data_ends(&self) -> usize {
        lock(&self.state).data_ends
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn converse(stream: TcpStream, state: Arc<Mutex<State>>) {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    let greeting = lock(&state).behaviour.greeting.clone();
    if writer
        .write_all(format!("{greeting}\r\n").as_bytes())
        .await
        .is_err()
        || !greeting.starts_with('2')
    {
        return;
    }

    let mut mail_from = String::new();
    let mut rcpt_to = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line
            .split([' ', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply = match verb.as_str() {
            "EHLO" => "250-peer.test\r\n250-8BITMIME\r\n250 SIZE 52428800".to_owned(),
            "MAIL" => {
                mail_from = address_in(&line);
                rcpt_to.clear();
                "250 2.1.0 Ok".to_owned()
            }
            "RCPT" => {
                let reply = lock(&state).behaviour.rcpt_replies.pop_front();
                match reply {
                    Some(reply) => reply,
                    None => {
                        rcpt_to.push(address_in(&line));
                        "250 2.1.5 Ok".to_owned()
                    }
                }
            }
            "DATA" => {
                if writer
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await
                    .is_err()
                {
                    return;
                }
                let Some(data) = read_message(&mut lines).await else {
                    return;
                };
                let (reply, goodbye, close) = {
                    let mut state = lock(&state);
                    state.data_ends += 1;
                    let reply = state.behaviour.data_replies.pop_front();
                    let accepted = reply.is_none();
                    if accepted {
                        state.accepted.push(Received {
                            mail_from: mail_from.clone(),
                            rcpt_to: rcpt_to.clone(),
                            data,
                        });
                    }
                    let goodbye = state.behaviour.goodbye_after_message.clone().filter(|_| accepted);
                    let close = accepted && (state.behaviour.close_after_message || goodbye.is_some());
                    let reply = reply.unwrap_or_else(|| "250 2.0.0 Ok: queued".to_owned());
                    (reply, goodbye, close)
                };
                if writer.write_all(format!("{reply}\r\n").as_bytes()).await.is_err() {
                    return;
                }
                if let Some(goodbye) = goodbye {
                    let _ = writer.write_all(format!("{goodbye}\r\n").as_bytes()).await;
                }
                if close {
                    return;
                }
                continue;
            }
            "RSET" | "NOOP" => "250 2.0.0 Ok".to_owned(),
            "QUIT" => {
                let _ = writer.write_all(b"221 2.0.0 Bye\r\n").await;
                return;
            }
            _ => "502 5.5.2 Error: command not recognized".to_owned(),
        };
        if writer.write_all(format!("{reply}\r\n").as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Reads the message up to the line with a single dot, undoing dot-stuffing.
async fn read_message(
    lines: &mut tokio::io::Lines<BufReader<tokio::net::tcp::OwnedReadHalf>>,
) -> Option<String> {
    let mut data = String::new();
    loop {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .ok()?
            .ok()??;
        if line == "." {
            return Some(data);
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
        data.push_str("\r\n");
    }
}

/// Returns the address between `<` and `>` of a MAIL or RCPT command.
fn address_in(line: &str) -> String {
    line.split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(address, _)| address.to_owned())
        .unwrap_or_default()
}
