//! The outbox's single writer: one thread, one SQLite connection, group commit.
//!
//! "Stored durably" means: the mail's row is in a committed SQLite transaction, and SQLite's
//! `synchronous = FULL` made the commit wait until the write-ahead log reached the disk
//! (fsync). Only then does `POST /api/messages` return 202, so neither a killed process nor a
//! power cut loses an accepted mail, as far as the disk keeps what it acknowledged.
//!
//! An fsync costs milliseconds, so one commit per mail would cap the intake at a few hundred
//! mails a second. The writer therefore takes every command that is waiting when it starts a
//! transaction (up to [`MAX_COMMANDS_PER_COMMIT`]), runs them all, commits once, and only then
//! answers each caller: concurrent requests share one fsync. The same commits record sends and
//! claims, and there being one writer means no writer ever waits for another's lock.

use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use super::queue::{
    claim_messages, insert_message, record_outcome, requeue_failed, requeue_interrupted, ClaimedMessage,
    InsertOutcome, MessageId, NewMessage, Outcome,
};
use crate::store::{AccountId, ServerId, StoreError};

/// The maximum number of commands in one transaction, which bounds how long a commit keeps the
/// write lock.
const MAX_COMMANDS_PER_COMMIT: usize = 1024;
/// Commands waiting for the writer; senders wait when it is full.
const QUEUE_CAPACITY: usize = 8192;
/// How long a statement waits for another connection's lock (the request pool's writes).
const BUSY_TIMEOUT_MS: u32 = 5_000;
/// The pause before a failed commit's outcomes are tried again.
const RETRY_PAUSE: Duration = Duration::from_millis(200);
/// The write-ahead log's size, in 4 KiB pages, at which a commit copies it into the database
/// (SQLite's default is 1,000). Each mail's row is written three times (stored, claimed,
/// sent), so a larger log lets one checkpoint write a page once for many mails; the log file
/// keeps its largest size on disk, about 40 MiB.
const WAL_AUTOCHECKPOINT_PAGES: u32 = 10_000;

type Reply<T> = oneshot::Sender<Result<T, QueueError>>;

/// A queue operation failed. None of these is the caller's fault.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the outbox's writer has stopped")]
    WriterStopped,
    #[error("the outbox's commit failed")]
    CommitFailed,
}

enum Command {
    Insert(Box<NewMessage>, Reply<InsertOutcome>),
    Claim {
        server: ServerId,
        max: usize,
        byte_budget: usize,
        reply: Reply<Vec<ClaimedMessage>>,
    },
    Record(Outcome),
    Requeue {
        account: AccountId,
        id: MessageId,
        reply: Reply<bool>,
    },
    /// Resolves once every command sent before it is committed.
    Flush(Reply<()>),
}

/// A handle to the writer thread; clones share it. The thread ends when every handle is gone.
#[derive(Debug, Clone)]
pub struct Writer {
    sender: mpsc::Sender<Command>,
}

/// The writer thread could not start.
#[derive(Debug, thiserror::Error)]
pub enum WriterError {
    #[error("cannot open the database for the outbox's writer")]
    Open(#[from] rusqlite::Error),
    #[error("cannot return interrupted mails to the queue")]
    Requeue(#[source] StoreError),
    #[error("cannot start the outbox's writer thread")]
    Thread(#[source] std::io::Error),
}

impl Writer {
    /// Opens the writer's connection, returns mails that a stopped process left in `sending` to
    /// the queue, and starts the thread. Returns the handle and how many mails were returned.
    ///
    /// # Errors
    /// The database cannot be opened or updated, or the thread cannot start.
    pub fn start(database: &std::path::Path) -> Result<(Writer, usize), WriterError> {
        let connection = Connection::open(database)?;
        // Each command runs in a savepoint, and SQLite copies every page a savepoint changes to
        // a statement journal first: in memory, that copy costs no system call.
        connection.execute_batch(&format!(
            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA synchronous = FULL; \
             PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES};"
        ))?;
        let interrupted = requeue_interrupted(&connection).map_err(WriterError::Requeue)?;

        let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
        std::thread::Builder::new()
            .name("outbox-writer".to_owned())
            .spawn(move || run(connection, receiver))
            .map_err(WriterError::Thread)?;
        Ok((Writer { sender }, interrupted))
    }

    /// Stores a mail and returns once the commit reached the disk.
    pub async fn insert(&self, message: NewMessage) -> Result<InsertOutcome, QueueError> {
        self.ask(|reply| Command::Insert(Box::new(message), reply)).await
    }

    /// Claims due mails of one server for sending.
    pub async fn claim(
        &self,
        server: ServerId,
        max: usize,
        byte_budget: usize,
    ) -> Result<Vec<ClaimedMessage>, QueueError> {
        self.ask(|reply| Command::Claim {
            server,
            max,
            byte_budget,
            reply,
        })
        .await
    }

    /// Puts a failed mail back into the queue; `false` when the account has no such failed mail.
    pub async fn requeue(&self, account: AccountId, id: MessageId) -> Result<bool, QueueError> {
        self.ask(|reply| Command::Requeue { account, id, reply }).await
    }

    /// Returns once every outcome recorded before is committed, such as at shutdown.
    pub async fn flush(&self) -> Result<(), QueueError> {
        self.ask(Command::Flush).await
    }

    /// Records how an attempt ended. It is committed with the next group; a crash before that
    /// leaves the mail in `sending`, which the next start returns to the queue.
    pub async fn record(&self, outcome: Outcome) {
        if self.sender.send(Command::Record(outcome)).await.is_err() {
            tracing::error!(
                "the outbox writer has stopped; an attempt's outcome is lost until the next start"
            );
        }
    }

    async fn ask<T>(&self, command: impl FnOnce(Reply<T>) -> Command) -> Result<T, QueueError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(command(reply))
            .await
            .map_err(|_| QueueError::WriterStopped)?;
        answer.await.map_err(|_| QueueError::WriterStopped)?
    }
}

fn run(mut connection: Connection, mut receiver: mpsc::Receiver<Command>) {
    tracing::debug!("outbox writer started");
    let mut carried: Vec<Outcome> = Vec::new();
    while let Some(first) = receiver.blocking_recv() {
        let mut commands = vec![first];
        while commands.len() < MAX_COMMANDS_PER_COMMIT {
            match receiver.try_recv() {
                Ok(command) => commands.push(command),
                Err(_) => break,
            }
        }
        commands.extend(carried.drain(..).map(Command::Record));
        if let Err(unrecorded) = apply(&mut connection, commands) {
            carried = unrecorded;
            std::thread::sleep(RETRY_PAUSE);
        }
    }
    if !carried.is_empty() {
        tracing::error!(count = carried.len(), "the outbox writer stopped with unrecorded outcomes; those mails return to the queue at the next start");
    }
    tracing::debug!("outbox writer stopped");
}

/// A caller's result, sent only after the commit.
enum Answer {
    Insert(Reply<InsertOutcome>, Result<InsertOutcome, QueueError>),
    Claim(
        Reply<Vec<ClaimedMessage>>,
        Result<Vec<ClaimedMessage>, QueueError>,
    ),
    Requeue(Reply<bool>, Result<bool, QueueError>),
    Flush(Reply<()>),
}

/// Runs the commands in one transaction. Each command runs in a savepoint, so that one failing
/// command does not undo the others. When the commit fails, every caller gets an error and the
/// outcomes come back to be tried again.
fn apply(connection: &mut Connection, commands: Vec<Command>) -> Result<(), Vec<Outcome>> {
    let mut transaction = match connection.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(transaction) => transaction,
        Err(error) => return Err(fail_all(commands, &error.into())),
    };

    let mut answers = Vec::with_capacity(commands.len());
    let mut outcomes = Vec::new();
    for command in commands {
        match command {
            Command::Insert(message, reply) => {
                let result = in_savepoint(&mut transaction, |connection| {
                    insert_message(connection, &message)
                });
                answers.push(Answer::Insert(reply, result));
            }
            Command::Claim {
                server,
                max,
                byte_budget,
                reply,
            } => {
                let result = in_savepoint(&mut transaction, |connection| {
                    claim_messages(connection, server, max, byte_budget)
                });
                answers.push(Answer::Claim(reply, result));
            }
            Command::Requeue { account, id, reply } => {
                let result = in_savepoint(&mut transaction, |connection| {
                    requeue_failed(connection, account, id)
                });
                answers.push(Answer::Requeue(reply, result));
            }
            Command::Flush(reply) => answers.push(Answer::Flush(reply)),
            Command::Record(outcome) => {
                if let Err(error) = in_savepoint(&mut transaction, |connection| {
                    record_outcome(connection, &outcome)
                }) {
                    tracing::error!(error.cause_chain = %super::cause_chain(&error), "recording an attempt's outcome failed");
                }
                outcomes.push(outcome);
            }
        }
    }

    match transaction.commit() {
        Ok(()) => {
            answers.into_iter().for_each(send_answer);
            Ok(())
        }
        Err(error) => {
            let error: StoreError = error.into();
            tracing::error!(error.cause_chain = %super::cause_chain(&error), "the outbox's commit failed");
            for answer in answers {
                send_error(answer);
            }
            Err(outcomes)
        }
    }
}

fn in_savepoint<T>(
    transaction: &mut Transaction<'_>,
    work: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, QueueError> {
    let savepoint = transaction.savepoint().map_err(StoreError::from)?;
    let result = work(&savepoint)?;
    savepoint.commit().map_err(StoreError::from)?;
    Ok(result)
}

fn send_answer(answer: Answer) {
    // A caller that stopped waiting (a closed HTTP connection) no longer needs the reply.
    match answer {
        Answer::Insert(reply, result) => drop(reply.send(result)),
        Answer::Claim(reply, result) => drop(reply.send(result)),
        Answer::Requeue(reply, result) => drop(reply.send(result)),
        Answer::Flush(reply) => drop(reply.send(Ok(()))),
    }
}

fn send_error(answer: Answer) {
    match answer {
        Answer::Insert(reply, _) => drop(reply.send(Err(QueueError::CommitFailed))),
        Answer::Claim(reply, _) => drop(reply.send(Err(QueueError::CommitFailed))),
        Answer::Requeue(reply, _) => drop(reply.send(Err(QueueError::CommitFailed))),
        Answer::Flush(reply) => drop(reply.send(Err(QueueError::CommitFailed))),
    }
}

fn fail_all(commands: Vec<Command>, error: &StoreError) -> Vec<Outcome> {
    tracing::error!(error.cause_chain = %super::cause_chain(error), "the outbox cannot start a transaction");
    let mut outcomes = Vec::new();
    for command in commands {
        match command {
            Command::Insert(_, reply) => drop(reply.send(Err(QueueError::CommitFailed))),
            Command::Claim { reply, .. } => drop(reply.send(Err(QueueError::CommitFailed))),
            Command::Requeue { reply, .. } => drop(reply.send(Err(QueueError::CommitFailed))),
            Command::Flush(reply) => drop(reply.send(Err(QueueError::CommitFailed))),
            Command::Record(outcome) => outcomes.push(outcome),
        }
    }
    outcomes
}
