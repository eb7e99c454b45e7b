//! The messages table: the SQL of every queue transition, and the reads of the message log.
//!
//! Writes take a connection or transaction, because the writer thread runs them in its group
//! commits (see `writer`). Reads are methods on [`Store`] and run on the pool.

use rusqlite::{params, Connection, OptionalExtension, Row};
use shared::outbox::MessageStatus;

use super::texts::Reason;
use crate::store::{now_unix, AccountId, ServerId, Store, StoreError};

/// The id of a message in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub i64);

impl std::fmt::Display for MessageId {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(formatter)
    }
}

/// Returns the current time as Unix milliseconds, the unit of the queue's due times.
pub fn now_ms() -> i64 {
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX)
}

/// A mail accepted from a shop, ready to store.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub account: AccountId,
    pub idempotency_key: Option<String>,
    /// SHA-256 of the request body.
    pub request_hash: Vec<u8>,
    pub requested_server: Option<ServerId>,
    pub server: ServerId,
    pub envelope_from: String,
    pub envelope_to: Vec<String>,
    pub subject: String,
    pub message_id: String,
    pub content: Vec<u8>,
}

/// The result of storing a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsertOutcome {
    Created {
        id: MessageId,
    },
    /// The idempotency key was used before for the same body: nothing new was stored.
    Replayed {
        id: MessageId,
        status: MessageStatus,
        message_id: String,
    },
    /// The idempotency key was used before for another body.
    KeyReused,
}

/// A mail a worker claimed for sending.
#[derive(Debug, Clone)]
pub struct ClaimedMessage {
    pub id: MessageId,
    pub envelope_from: String,
    pub envelope_to: Vec<String>,
    pub message_id: String,
    /// `None` when the stored content is missing, which only a damaged database explains.
    pub content: Option<Vec<u8>>,
    /// Counting the attempt this claim starts.
    pub attempts: u32,
    /// Unix seconds of when the mail last entered the queue.
    pub queued_at: i64,
}

/// The end of an attempt, as the queue records it.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The server accepted the mail after DATA.
    Sent { id: MessageId, reply: String },
    /// Another attempt follows at `at_ms`.
    Retry {
        id: MessageId,
        at_ms: i64,
        reply: Option<String>,
        reason: Reason,
    },
    /// No further attempt.
    Failed {
        id: MessageId,
        reply: Option<String>,
        reason: Reason,
    },
    /// The claim is given back without an attempt, such as at shutdown.
    Released { id: MessageId },
    /// The mail moves to another server, due at once.
    Reassigned { id: MessageId, server: ServerId },
}

pub(super) fn insert_message(
    connection: &Connection,
    message: &NewMessage,
) -> Result<InsertOutcome, StoreError> {
    if let Some(key) = &message.idempotency_key {
        let existing = connection
            .query_row(
                "SELECT id, request_hash, status, message_id FROM messages \
                 WHERE account_id = ?1 AND idempotency_key = ?2",
                params![message.account.0, key],
                |row| {
                    Ok((
                        MessageId(row.get(0)?),
                        row.get::<_, Vec<u8>>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()?;
        if let Some((id, hash, status, message_id)) = existing {
            if hash != message.request_hash {
                return Ok(InsertOutcome::KeyReused);
            }
            let status = parse_status(&status)?;
            return Ok(InsertOutcome::Replayed {
                id,
                status,
                message_id,
            });
        }
    }

    let now = now_unix();
    let envelope_to = serde_json::to_string(&message.envelope_to)?;
    connection
        .prepare_cached(
            "INSERT INTO messages (account_id, idempotency_key, request_hash, requested_server_id, server_id, \
             status, envelope_from, envelope_to, subject, message_id, content_bytes, next_attempt_ms, \
             created_at, queued_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?12)",
        )?
        .execute(params![
            message.account.0,
            message.idempotency_key,
            message.request_hash,
            message.requested_server.map(|server| server.0),
            message.server.0,
            message.envelope_from,
            envelope_to,
            message.subject,
            message.message_id,
            message.content.len() as i64,
            now_ms(),
            now,
        ])?;
    let id = MessageId(connection.last_insert_rowid());
    connection
        .prepare_cached("INSERT INTO message_contents (message_id, content) VALUES (?1, ?2)")?
        .execute(params![id.0, message.content])?;
    Ok(InsertOutcome::Created { id })
}

/// Claims up to `max` due mails of one server, oldest due first, and stops adding mails once
/// their content exceeds `byte_budget` (one mail is always claimed, however large).
pub(super) fn claim_messages(
    connection: &Connection,
    server: ServerId,
    max: usize,
    byte_budget: usize,
) -> Result<Vec<ClaimedMessage>, StoreError> {
    let now = now_ms();
    let candidates: Vec<(i64, i64)> = connection
        .prepare_cached(
            "SELECT id, content_bytes FROM messages \
             WHERE server_id = ?1 AND status = 'queued' AND next_attempt_ms <= ?2 \
             ORDER BY next_attempt_ms, id LIMIT ?3",
        )?
        .query_map(params![server.0, now, max as i64], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;

    let mut claimed = Vec::with_capacity(candidates.len());
    let mut bytes = 0_usize;
    for (id, content_bytes) in candidates {
        bytes = bytes.saturating_add(usize::try_from(content_bytes).unwrap_or(usize::MAX));
        if !claimed.is_empty() && bytes > byte_budget {
            break;
        }
        claimed.push(claim_one(connection, MessageId(id), now)?);
    }
    Ok(claimed)
}

fn claim_one(connection: &Connection, id: MessageId, now: i64) -> Result<ClaimedMessage, StoreError> {
    let (envelope_from, envelope_to, message_id, attempts, queued_at) = connection
        .prepare_cached(
            "UPDATE messages SET status = 'sending', attempts = attempts + 1, last_attempt_ms = ?1, \
             updated_at = ?2 WHERE id = ?3 \
             RETURNING envelope_from, envelope_to, message_id, attempts, queued_at",
        )?
        .query_row(params![now, now / 1000, id.0], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, u32>(3)?,
                row.get::<_, i64>(4)?,
            ))
        })?;
    let content = connection
        .prepare_cached("SELECT content FROM message_contents WHERE message_id = ?1")?
        .query_row([id.0], |row| row.get::<_, Vec<u8>>(0))
        .optional()?;
    Ok(ClaimedMessage {
        id,
        envelope_from,
        envelope_to: serde_json::from_str(&envelope_to)?,
        message_id,
        content,
        attempts,
        queued_at,
    })
}

pub(super) fn record_outcome(connection: &Connection, outcome: &Outcome) -> Result<(), StoreError> {
    let now = now_unix();
    match outcome {
        Outcome::Sent { id, reply } => {
            connection
                .prepare_cached(
                    "UPDATE messages SET status = 'sent', last_reply = ?1, reason_code = NULL, reason_de = NULL, \
                     reason_en = NULL, sent_at = ?2, updated_at = ?2 WHERE id = ?3 AND status = 'sending'",
                )?
                .execute(params![reply, now, id.0])?;
            connection
                .prepare_cached("DELETE FROM message_contents WHERE message_id = ?1")?
                .execute([id.0])?;
        }
        Outcome::Retry {
            id,
            at_ms,
            reply,
            reason,
        } => {
            connection
                .prepare_cached(
                    "UPDATE messages SET status = 'queued', next_attempt_ms = ?1, last_reply = ?2, reason_code = ?3, \
                     reason_de = ?4, reason_en = ?5, updated_at = ?6 WHERE id = ?7 AND status = 'sending'",
                )?
                .execute(params![at_ms, reply, reason.code, reason.de, reason.en, now, id.0])?;
        }
        Outcome::Failed { id, reply, reason } => {
            connection
                .prepare_cached(
                    "UPDATE messages SET status = 'failed', last_reply = COALESCE(?1, last_reply), reason_code = ?2, \
                     reason_de = ?3, reason_en = ?4, updated_at = ?5 WHERE id = ?6 AND status IN ('sending', 'queued')",
                )?
                .execute(params![reply, reason.code, reason.de, reason.en, now, id.0])?;
        }
        Outcome::Released { id } => {
            connection
                .prepare_cached(
                    "UPDATE messages SET status = 'queued', attempts = MAX(attempts - 1, 0), updated_at = ?1 \
                     WHERE id = ?2 AND status = 'sending'",
                )?
                .execute(params![now, id.0])?;
        }
        Outcome::Reassigned { id, server } => {
            connection
                .prepare_cached(
                    "UPDATE messages SET server_id = ?1, next_attempt_ms = ?2, updated_at = ?3 \
                     WHERE id = ?4 AND status = 'queued'",
                )?
                .execute(params![server.0, now_ms(), now, id.0])?;
        }
    }
    Ok(())
}

/// Puts a failed mail back into the queue, due at once, with a new retry period. The failure's
/// reason goes, because it no longer describes the queued mail; the last SMTP reply stays as
/// history. Returns whether the account has such a failed mail.
pub(super) fn requeue_failed(
    connection: &Connection,
    account: AccountId,
    id: MessageId,
) -> Result<bool, StoreError> {
    let now = now_unix();
    let updated = connection.execute(
        "UPDATE messages SET status = 'queued', next_attempt_ms = ?1, queued_at = ?2, updated_at = ?2, \
         reason_code = NULL, reason_de = NULL, reason_en = NULL \
         WHERE id = ?3 AND account_id = ?4 AND status = 'failed'",
        params![now_ms(), now, id.0, account.0],
    )?;
    Ok(updated > 0)
}

/// Returns mails a stopped process left in `sending` to the queue, due at once. A server may
/// have accepted some of them already, so they can arrive twice, with the same Message-ID.
pub(super) fn requeue_interrupted(connection: &Connection) -> Result<usize, StoreError> {
    let updated = connection.execute(
        "UPDATE messages SET status = 'queued', next_attempt_ms = ?1 WHERE status = 'sending'",
        [now_ms()],
    )?;
    Ok(updated)
}

fn parse_status(text: &str) -> Result<MessageStatus, StoreError> {
    MessageStatus::parse(text).ok_or_else(|| StoreError::Corrupt(format!("unknown message status {text:?}")))
}

/// One message as the log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: MessageId,
    pub status: MessageStatus,
    pub server: Option<ServerId>,
    pub envelope_from: String,
    pub envelope_to: Vec<String>,
    pub subject: String,
    pub message_id: String,
    pub attempts: u32,
    pub last_reply: Option<String>,
    pub reason: Option<Reason>,
    pub created_at: i64,
    pub updated_at: i64,
    pub next_attempt_ms: i64,
    pub sent_at: Option<i64>,
}

/// The filter of `GET /api/messages`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFilter {
    pub status: Option<MessageStatus>,
    pub server: Option<ServerId>,
    /// Unix seconds: accepted at or after.
    pub since: Option<i64>,
    /// Unix seconds: accepted before.
    pub until: Option<i64>,
    /// Only messages with a smaller id (the next page).
    pub before: Option<MessageId>,
    pub limit: usize,
}

const MESSAGE_COLUMNS: &str =
    "id, status, server_id, envelope_from, envelope_to, subject, message_id, attempts, \
     last_reply, reason_code, reason_de, reason_en, created_at, updated_at, next_attempt_ms, sent_at";

fn message_from_row(row: &Row<'_>) -> rusqlite::Result<(StoredMessage, String, String)> {
    let reason = match (
        row.get::<_, Option<String>>(9)?,
        row.get::<_, Option<String>>(10)?,
        row.get::<_, Option<String>>(11)?,
    ) {
        (Some(code), Some(de), Some(en)) => Some(Reason { code, de, en }),
        _ => None,
    };
    let message = StoredMessage {
        id: MessageId(row.get(0)?),
        status: MessageStatus::Queued,
        server: row.get::<_, Option<i64>>(2)?.map(ServerId),
        envelope_from: row.get(3)?,
        envelope_to: Vec::new(),
        subject: row.get(5)?,
        message_id: row.get(6)?,
        attempts: row.get(7)?,
        last_reply: row.get(8)?,
        reason,
        created_at: row.get(12)?,
        updated_at: row.get(13)?,
        next_attempt_ms: row.get(14)?,
        sent_at: row.get(15)?,
    };
    Ok((message, row.get(1)?, row.get(4)?))
}

fn finish_message(
    (mut message, status, envelope_to): (StoredMessage, String, String),
) -> Result<StoredMessage, StoreError> {
    message.status = parse_status(&status)?;
    message.envelope_to = serde_json::from_str(&envelope_to)?;
    Ok(message)
}

impl Store {
    /// Lists the account's messages that match the filter, newest first.
    pub async fn list_messages(
        &self,
        account: AccountId,
        filter: MessageFilter,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        self.run(move |connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE account_id = ?1 \
                 AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR server_id = ?3) \
                 AND (?4 IS NULL OR created_at >= ?4) AND (?5 IS NULL OR created_at < ?5) \
                 AND (?6 IS NULL OR id < ?6) ORDER BY id DESC LIMIT ?7"
            ))?;
            let rows = statement
                .query_map(
                    params![
                        account.0,
                        filter.status.map(MessageStatus::as_str),
                        filter.server.map(|server| server.0),
                        filter.since,
                        filter.until,
                        filter.before.map(|id| id.0),
                        filter.limit as i64,
                    ],
                    message_from_row,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(finish_message).collect()
        })
        .await
    }

    /// Loads one of the account's messages; another account's message is `None`, as a missing one.
    pub async fn find_message(
        &self,
        account: AccountId,
        id: MessageId,
    ) -> Result<Option<StoredMessage>, StoreError> {
        self.run(move |connection| {
            let row = connection
                .query_row(
                    &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1 AND account_id = ?2"),
                    params![id.0, account.0],
                    message_from_row,
                )
                .optional()?;
            row.map(finish_message).transpose()
        })
        .await
    }

    /// Finds the account's message stored under an idempotency key: its id, the hash of its
    /// request body, its status and its Message-ID.
    pub async fn find_idempotent_message(
        &self,
        account: AccountId,
        key: String,
    ) -> Result<Option<(MessageId, Vec<u8>, MessageStatus, String)>, StoreError> {
        self.run(move |connection| {
            let found = connection
                .query_row(
                    "SELECT id, request_hash, status, message_id FROM messages \
                     WHERE account_id = ?1 AND idempotency_key = ?2",
                    params![account.0, key],
                    |row| {
                        Ok((
                            MessageId(row.get(0)?),
                            row.get(1)?,
                            row.get::<_, String>(2)?,
                            row.get(3)?,
                        ))
                    },
                )
                .optional()?;
            found
                .map(|(id, hash, status, message_id)| Ok((id, hash, parse_status(&status)?, message_id)))
                .transpose()
        })
        .await
    }

    /// Counts the messages with a status, or all messages with `None`, in one query, for
    /// tests and progress reports.
    pub async fn count_messages(&self, status: Option<MessageStatus>) -> Result<u64, StoreError> {
        self.run(move |connection| {
            let count: i64 = connection.query_row(
                "SELECT COUNT(*) FROM messages WHERE ?1 IS NULL OR status = ?1",
                [status.map(MessageStatus::as_str)],
                |row| row.get(0),
            )?;
            Ok(count.max(0) as u64)
        })
        .await
    }
}
