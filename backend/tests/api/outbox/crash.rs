//! The `postausgang` binary killed with SIGKILL while a shop submits and it sends: after a
//! restart, every accepted mail arrives, at most twice, and a mail that arrives twice does so
//! with the same Message-ID. A mail whose request got no response may arrive or not.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{json, Value};
use testkit::{ServerMode, SmtpServer, SmtpServerOptions};

use super::mail;
use crate::helpers::{json_body, new_client};

/// Mails the shop tries to submit.
const MAILS: usize = 600;
/// The kill comes once this many mails arrived, while the shop still submits.
const KILL_AFTER_ARRIVALS: usize = 40;
/// How long the whole delivery may take after the restart.
const DELIVERY_DEADLINE: Duration = Duration::from_secs(90);

/// The binary as a child process; killed when the test ends early.
struct Running {
    child: Child,
    address: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary on a free port with its data in `folder`, and waits for its address.
fn start(folder: &Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_postausgang"))
        .current_dir(folder)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("POSTAUSGANG_LISTEN", "127.0.0.1:0")
        .env("POSTAUSGANG_ALLOW_HOSTS", "127.0.0.0/8")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start postausgang");
    let stdout = child.stdout.take().expect("stdout");

    // The log is read to its end, so that the child never blocks on a full pipe.
    let (sender, receiver) = mpsc::channel();
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
        .expect("postausgang logs its address");
    Running { child, address }
}

/// Signs up, stores a plain-text server on the SMTP server's port and creates a token.
async fn prepare_account(client: &Client, address: &str, smtp_port: u16) -> String {
    let post = |path: &str, body: Value| {
        client
            .post(format!("{address}{path}"))
            .header("X-Requested-With", "postausgang")
            .json(&body)
            .send()
    };
    let sign_up = post(
        "/api/accounts",
        json!({ "email": "max@shop.example", "password": "ein langes Passwort" }),
    )
    .await
    .expect("sign up");
    assert_eq!(sign_up.status(), 201);
    let server = post(
        "/api/servers",
        json!({
            "display_name": "Testserver",
            "sender": "Shop <info@shop.example>",
            "host": "127.0.0.1",
            "port": smtp_port,
            "security": "none",
            "is_default": true,
        }),
    )
    .await
    .expect("create the server");
    let status = server.status();
    assert_eq!(
        status,
        201,
        "creating the server failed: {}",
        json_body(server).await
    );

    let token = post("/api/tokens", json!({ "name": "Shop" }))
        .await
        .expect("create a token");
    json_body(token).await["token"]
        .as_str()
        .expect("a token")
        .to_owned()
}

/// The submissions' results: the Message-ID of each accepted mail by subject, and the subjects
/// whose request got no response because the process died.
#[derive(Debug, Default)]
struct Submissions {
    accepted: HashMap<String, String>,
    unanswered: HashSet<String>,
}

/// Submits the mails, 16 at a time, until the process stops responding.
async fn submit_until_killed(address: String, token: String) -> Submissions {
    let client = Client::new();
    let mut submissions = Submissions::default();
    for chunk in (0..MAILS).collect::<Vec<_>>().chunks(16) {
        let subjects: Vec<String> = chunk
            .iter()
            .map(|number| format!("Bestellung {number}"))
            .collect();
        let requests = subjects.iter().map(|subject| {
            client
                .post(format!("{address}/api/messages"))
                .bearer_auth(&token)
                .json(&mail(subject))
                .send()
        });
        let responses = futures_util::future::join_all(requests).await;
        for (subject, response) in subjects.into_iter().zip(responses) {
            match response {
                Ok(response) if response.status() == 202 => {
                    let body = json_body(response).await;
                    let message_id = body["message_id"].as_str().expect("a Message-ID").to_owned();
                    submissions.accepted.insert(subject, message_id);
                }
                // The process died while the request was open: the mail may or may not be stored.
                _ => {
                    submissions.unanswered.insert(subject);
                }
            }
        }
        if !submissions.unanswered.is_empty() {
            break;
        }
    }
    submissions
}

/// Returns the Message-IDs that arrived, by subject, one entry per arrival.
fn arrivals(smtp: &SmtpServer) -> HashMap<String, Vec<String>> {
    let mut arrivals: HashMap<String, Vec<String>> = HashMap::new();
    for message in smtp.messages() {
        let subject = message.header("Subject").expect("every mail has a subject");
        let id = message.header("Message-ID").expect("every mail has a Message-ID");
        arrivals.entry(subject).or_default().push(id);
    }
    arrivals
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_sending_loses_no_mail() {
    // Arrange: the shop submits mails while the first run stores and sends them.
    let smtp = SmtpServer::start(SmtpServerOptions {
        mode: ServerMode::Plain,
        ..SmtpServerOptions::default()
    });
    let folder = tempfile::tempdir().expect("temp dir");
    let mut first_run = start(folder.path());
    let token = prepare_account(&new_client(), &first_run.address, smtp.port()).await;
    let submitter = tokio::spawn(submit_until_killed(first_run.address.clone(), token.clone()));

    // Act: SIGKILL once some mails arrived, then start again on the same data.
    let started = Instant::now();
    while smtp.messages().len() < KILL_AFTER_ARRIVALS {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "too few mails arrived before the kill"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    first_run.child.kill().expect("SIGKILL");
    first_run.child.wait().expect("reap the killed process");
    let arrived_before_restart = smtp.messages().len();
    let submissions = submitter.await.expect("the submitting task");
    let second_run = start(folder.path());
    let started = Instant::now();
    while !all_sent(&second_run.address, &token).await {
        assert!(
            started.elapsed() < DELIVERY_DEADLINE,
            "the log still shows mails that are not sent"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Assert
    let sending_interrupted = arrived_before_restart < submissions.accepted.len();
    let intake_interrupted = !submissions.unanswered.is_empty();
    assert!(
        sending_interrupted || intake_interrupted,
        "the kill came after every mail was accepted and sent ({arrived_before_restart}), so it proves nothing"
    );
    let arrivals = arrivals(&smtp);
    for (subject, message_id) in &submissions.accepted {
        let arrived = arrivals.get(subject).map(Vec::as_slice).unwrap_or_default();
        assert!(!arrived.is_empty(), "the accepted mail {subject:?} never arrived");
        assert!(
            arrived.len() <= 2,
            "{subject:?} arrived {} times; at most once more is allowed",
            arrived.len()
        );
        assert!(
            arrived.iter().all(|arrived_id| arrived_id == message_id),
            "every arrival of {subject:?} has the Message-ID {message_id}: {arrived:?}"
        );
    }
    for (subject, arrived) in &arrivals {
        let known = submissions.accepted.contains_key(subject) || submissions.unanswered.contains(subject);
        assert!(known, "{subject:?} arrived but was never submitted");
        let first = &arrived[0];
        assert!(
            arrived.iter().all(|id| id == first),
            "duplicates of {subject:?} share one Message-ID: {arrived:?}"
        );
    }
}

/// Returns whether the log shows no mail queued, being sent or failed.
async fn all_sent(address: &str, token: &str) -> bool {
    for status in ["queued", "sending", "failed"] {
        let list = Client::new()
            .get(format!("{address}/api/messages?status={status}&limit=1"))
            .bearer_auth(token)
            .send()
            .await
            .expect("list");
        if json_body(list).await["messages"]
            .as_array()
            .is_none_or(|messages| !messages.is_empty())
        {
            return false;
        }
    }
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminated_while_sending_sends_each_mail_once() {
    // Arrange: as above, but the stop is a SIGTERM, as a service manager sends it.
    let smtp = SmtpServer::start(SmtpServerOptions {
        mode: ServerMode::Plain,
        ..SmtpServerOptions::default()
    });
    let folder = tempfile::tempdir().expect("temp dir");
    let mut first_run = start(folder.path());
    let token = prepare_account(&new_client(), &first_run.address, smtp.port()).await;
    let submitter = tokio::spawn(submit_until_killed(first_run.address.clone(), token.clone()));

    // Act: SIGTERM once some mails arrived; the process finishes its current mails and exits.
    let started = Instant::now();
    while smtp.messages().len() < KILL_AFTER_ARRIVALS {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "too few mails arrived before the stop"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let signalled = Command::new("kill")
        .args(["-TERM", &first_run.child.id().to_string()])
        .status()
        .expect("run kill");
    let status = wait_for_exit(&mut first_run.child, Duration::from_secs(30)).await;
    let submissions = submitter.await.expect("the submitting task");
    let second_run = start(folder.path());
    let started = Instant::now();
    while !all_sent(&second_run.address, &token).await {
        assert!(
            started.elapsed() < DELIVERY_DEADLINE,
            "the log still shows mails that are not sent"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Assert
    assert!(signalled.success());
    assert_eq!(
        status.and_then(|status| status.code()),
        Some(0),
        "a clean exit after SIGTERM"
    );
    let arrivals = arrivals(&smtp);
    for (subject, message_id) in &submissions.accepted {
        assert_eq!(
            arrivals.get(subject),
            Some(&vec![message_id.clone()]),
            "the accepted mail {subject:?} arrived exactly once"
        );
    }
    for (subject, arrived) in &arrivals {
        assert_eq!(arrived.len(), 1, "{subject:?} arrived {} times", arrived.len());
    }
}

/// Waits for the child to exit, polling, for at most `limit`.
async fn wait_for_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}
