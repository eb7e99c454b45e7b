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
        // SQLite copies each page that a savepoint or a statement may have to undo to a
        // statement journal first. In memory, that copy costs no system call.
        // The automatic checkpoint stays at SQLite's 1,000 pages of write-ahead log. At 10,000,
        // each checkpoint held up the commits so long that the intake of the outbox benchmark
        // ran at about half the rate in interleaved runs.
        // A page cache of 16 MiB instead of SQLite's 2 MiB keeps the pages of recently stored
        // mail, which the claim and the outcome read again, so fewer reads reach the file.
        connection.execute_batch(&format!(
            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA synchronous = FULL; \
             PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16384;"
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

/// A command's result, kept until the commit, which decides whether it takes effect.
enum Executed {
    Insert(Result<InsertOutcome, QueueError>),
    Claim(Result<Vec<ClaimedMessage>, QueueError>),
    Requeue(Result<bool, QueueError>),
    Record(Result<(), QueueError>),
    Flush,
}

impl Executed {
    fn failed(&self) -> bool {
        match self {
            Executed::Insert(result) => result.is_err(),
            Executed::Claim(result) => result.is_err(),
            Executed::Requeue(result) => result.is_err(),
            Executed::Record(result) => result.is_err(),
            Executed::Flush => false,
        }
    }
}

/// Runs the commands in one transaction and replies to their callers after the commit. When the
/// commit fails, every caller gets an error and the outcomes come back to be tried again.
///
/// One failing command must not undo the others, yet a savepoint per command made SQLite parse
/// two statements and copy every changed page for each mail. So the commands first run without
/// savepoints, and only when one fails is the transaction rolled back and run again with a
/// savepoint per command. No caller gets a reply before the commit, so the first run leaves no
/// trace.
fn apply(connection: &mut Connection, commands: Vec<Command>) -> Result<(), Vec<Outcome>> {
    let results = match commit_without_savepoints(connection, &commands) {
        Ok(Some(results)) => Ok(results),
        // A command failed, and the transaction was rolled back.
        Ok(None) => commit_with_savepoints(connection, &commands),
        Err(error) => Err(error),
    };
    let results = match results {
        Ok(results) => results,
        Err(error) => {
            tracing::error!(error.cause_chain = %super::cause_chain(&error), "the outbox's transaction failed to start or commit");
            return Err(fail_all(commands));
        }
    };

    log_stored_mails(&results);
    for (command, result) in commands.into_iter().zip(results) {
        match (command, result) {
            (Command::Insert(_, reply), Executed::Insert(result)) => drop(reply.send(result)),
            (Command::Claim { reply, .. }, Executed::Claim(result)) => drop(reply.send(result)),
            (Command::Requeue { reply, .. }, Executed::Requeue(result)) => drop(reply.send(result)),
            (Command::Flush(reply), _) => drop(reply.send(Ok(()))),
            (Command::Record(_), Executed::Record(Err(error))) => {
                tracing::error!(error.cause_chain = %super::cause_chain(&error), "recording an attempt's outcome failed");
            }
            (Command::Record(_), _) => {}
            // `execute` returns the variant of its command, so this arm never runs.
            (command, _) => drop(fail_all(vec![command])),
        }
    }
    Ok(())
}

/// Logs how many new mails a commit stored: one line per commit in place of one per request,
/// which logs at `debug` for a stored mail.
fn log_stored_mails(results: &[Executed]) {
    let stored = results
        .iter()
        .filter(|result| matches!(result, Executed::Insert(Ok(InsertOutcome::Created { .. }))))
        .count();
    if stored > 0 {
        tracing::info!(count = stored, "mails stored");
    }
}

/// Runs the commands in one transaction and commits. Returns `None`, after rolling back, when
/// a command failed.
///
/// # Errors
/// The transaction cannot start or commit.
fn commit_without_savepoints(
    connection: &mut Connection,
    commands: &[Command],
) -> Result<Option<Vec<Executed>>, StoreError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut results = Vec::with_capacity(commands.len());
    for command in commands {
        let result = execute(&transaction, command);
        if result.failed() {
            // Dropping the transaction rolls it back.
            return Ok(None);
        }
        results.push(result);
    }
    transaction.commit()?;
    Ok(Some(results))
}

/// Runs the commands in one transaction, each in its own savepoint, and commits.
///
/// # Errors
/// The transaction cannot start or commit.
fn commit_with_savepoints(
    connection: &mut Connection,
    commands: &[Command],
) -> Result<Vec<Executed>, StoreError> {
    let mut transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let results = commands
        .iter()
        .map(|command| execute_in_savepoint(&mut transaction, command))
        .collect();
    transaction.commit()?;
    Ok(results)
}

fn execute(connection: &Connection, command: &Command) -> Executed {
    match command {
        Command::Insert(message, _) => {
            Executed::Insert(insert_message(connection, message).map_err(Into::into))
        }
        Command::Claim {
            server,
            max,
            byte_budget,
            ..
        } => Executed::Claim(claim_messages(connection, *server, *max, *byte_budget).map_err(Into::into)),
        Command::Requeue { account, id, .. } => {
            Executed::Requeue(requeue_failed(connection, *account, *id).map_err(Into::into))
        }
        Command::Record(outcome) => Executed::Record(record_outcome(connection, outcome).map_err(Into::into)),
        Command::Flush(_) => Executed::Flush,
    }
}

/// Runs a command in a savepoint, so that its failure undoes its own changes only.
fn execute_in_savepoint(transaction: &mut Transaction<'_>, command: &Command) -> Executed {
    let savepoint = match transaction.savepoint() {
        Ok(savepoint) => savepoint,
        Err(error) => return failed_result(command, StoreError::from(error).into()),
    };
    let result = execute(&savepoint, command);
    if result.failed() {
        // Dropping the savepoint rolls it back, as it does when the commit fails.
        return result;
    }
    match savepoint.commit() {
        Ok(()) => result,
        Err(error) => failed_result(command, StoreError::from(error).into()),
    }
}

fn failed_result(command: &Command, error: QueueError) -> Executed {
    match command {
        Command::Insert(..) => Executed::Insert(Err(error)),
        Command::Claim { .. } => Executed::Claim(Err(error)),
        Command::Requeue { .. } => Executed::Requeue(Err(error)),
        Command::Record(_) => Executed::Record(Err(error)),
        Command::Flush(_) => Executed::Flush,
    }
}

/// Sends every caller an error and returns the outcomes, to be recorded again.
fn fail_all(commands: Vec<Command>) -> Vec<Outcome> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// Opens a fresh database with one account (id 1) and one server of it (id 1).
    fn database_with_server(folder: &std::path::Path) -> Connection {
        let database = folder.join("outbox.sqlite3");
        Store::open(&database, &folder.join("key")).expect("store opens");
        let connection = Connection::open(&database).expect("database opens");
        connection
            .execute_batch(
                "PRAGMA foreign_keys = ON; \
                 INSERT INTO accounts (id, email, email_key, password_hash, created_at) \
                 VALUES (1, 'max@shop.example', 'max@shop.example', 'not a hash', 0); \
                 INSERT INTO servers (id, account_id, provider, active, display_name, sender, host, port, \
                 security, login, bcc, settings_json, created_at, updated_at) \
                 VALUES (1, 1, 'custom', 1, 'Shop', 'info@shop.example', 'mail.shop.example', 587, \
                 'starttls', '', '', '{}', 0, 0);",
            )
            .expect("account and server stored");
        connection
    }

    fn new_message(account: i64, subject: &str) -> NewMessage {
        NewMessage {
            account: AccountId(account),
            idempotency_key: None,
            request_hash: vec![0; 32],
            requested_server: None,
            server: ServerId(1),
            envelope_from: "info@shop.example".to_owned(),
            envelope_to: vec!["erika@kunde.example".to_owned()],
            subject: subject.to_owned(),
            message_id: format!("<{subject}@shop.example>"),
            content: b"Subject: test\r\n\r\nHallo\r\n".to_vec(),
        }
    }

    #[test]
    fn failing_command_spares_others_in_group() {
        let folder = tempfile::tempdir().expect("temp dir");
        let mut connection = database_with_server(folder.path());
        let (first_reply, mut first) = oneshot::channel();
        let (unknown_reply, mut unknown) = oneshot::channel();
        let (last_reply, mut last) = oneshot::channel();

        let commands = vec![
            Command::Insert(Box::new(new_message(1, "first")), first_reply),
            // No account 2 exists, so the foreign key rejects this row.
            Command::Insert(Box::new(new_message(2, "unknown")), unknown_reply),
            Command::Insert(Box::new(new_message(1, "last")), last_reply),
        ];
        let committed = apply(&mut connection, commands);

        assert!(committed.is_ok(), "the group commits");
        assert!(
            matches!(first.try_recv(), Ok(Ok(InsertOutcome::Created { .. }))),
            "the mail before the failing one is stored"
        );
        assert!(
            matches!(unknown.try_recv(), Ok(Err(_))),
            "the mail of an unknown account is rejected"
        );
        assert!(
            matches!(last.try_recv(), Ok(Ok(InsertOutcome::Created { .. }))),
            "the mail after the failing one is stored"
        );
        let stored: Vec<String> = connection
            .prepare("SELECT subject FROM messages ORDER BY id")
            .and_then(|mut statement| {
                statement
                    .query_map([], |row| row.get(0))?
                    .collect::<rusqlite::Result<_>>()
            })
            .expect("messages readable");
        assert_eq!(stored, ["first", "last"]);
        let contents: i64 = connection
            .query_row("SELECT COUNT(*) FROM message_contents", [], |row| row.get(0))
            .expect("contents readable");
        assert_eq!(
            contents, 2,
            "each stored mail has its content, the rejected one none"
        );
    }
}
