-- The outbox: API tokens, the mails shops hand over, and the servers' sending limits.
-- Time stamps are Unix seconds (UTC); columns ending in _ms are Unix milliseconds.

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    -- SHA-256 of the token; the token itself is never stored.
    token_hash   BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX api_tokens_by_account ON api_tokens (account_id, id);

CREATE TABLE messages (
    id                  INTEGER PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The request's Idempotency-Key header; NULL without one. Unique per account.
    idempotency_key     TEXT,
    -- SHA-256 of the request body, which tells a repeat from another mail under the same key.
    request_hash        BLOB    NOT NULL,
    -- The server the request named, if any: then no other server may take the mail over.
    requested_server_id INTEGER,
    -- The server the mail goes through; NULL once that server is deleted.
    server_id           INTEGER REFERENCES servers (id) ON DELETE SET NULL,
    status              TEXT    NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    envelope_from       TEXT    NOT NULL,
    -- JSON array of the envelope recipients, without the server's BCC (added when sending).
    envelope_to         TEXT    NOT NULL,
    subject             TEXT    NOT NULL,
    -- The Message-ID header's value: every attempt sends the same bytes with the same id.
    message_id          TEXT    NOT NULL,
    content_bytes       INTEGER NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms     INTEGER NOT NULL,
    -- When the last attempt started; the sending limits count these.
    last_attempt_ms     INTEGER,
    last_reply          TEXT,
    -- The last failure as a stable code and in both languages.
    reason_code         TEXT,
    reason_de           TEXT,
    reason_en           TEXT,
    created_at          INTEGER NOT NULL,
    -- When the mail last entered the queue (accepted or resent); retries end a while after it.
    queued_at           INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    sent_at             INTEGER
);
CREATE UNIQUE INDEX messages_by_idempotency_key ON messages (account_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX messages_by_account ON messages (account_id, id);
-- The workers' look-up of due mail, per server.
CREATE INDEX messages_queued ON messages (server_id, next_attempt_ms) WHERE status = 'queued';
CREATE INDEX messages_attempts_by_server ON messages (server_id, last_attempt_ms);

-- The message as it goes after DATA. Deleted once a server accepted it, so that sent invoices
-- do not fill the disk; failed and queued mail keeps it for the next attempt or a resend.
CREATE TABLE message_contents (
    message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    content    BLOB    NOT NULL
);

-- Limits the seller set; a server without a row uses its provider preset's documented limits.
-- NULL means no limit in that window.
CREATE TABLE server_sending_limits (
    server_id  INTEGER PRIMARY KEY REFERENCES servers (id) ON DELETE CASCADE,
    per_minute INTEGER CHECK (per_minute IS NULL OR per_minute > 0),
    per_hour   INTEGER CHECK (per_hour IS NULL OR per_hour > 0),
    updated_at INTEGER NOT NULL
);
