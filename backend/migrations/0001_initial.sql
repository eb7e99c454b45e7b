-- Accounts, sessions, failed logins, SMTP servers, and the key check.
-- Time stamps are Unix seconds (UTC).

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    -- The address as the seller entered it (trimmed), shown back to them.
    email         TEXT    NOT NULL,
    -- The lowercased address, for look-ups: addresses differing only in case are one account.
    email_key     TEXT    NOT NULL UNIQUE,
    -- Argon2id in PHC string format.
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    -- SHA-256 of the cookie's token; the token itself is never stored.
    token_hash BLOB    PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE login_failures (
    id        INTEGER PRIMARY KEY,
    email_key TEXT    NOT NULL,
    client_ip TEXT    NOT NULL,
    failed_at INTEGER NOT NULL
);
CREATE INDEX login_failures_by_email ON login_failures (email_key, failed_at);
CREATE INDEX login_failures_by_client ON login_failures (client_ip, failed_at);

CREATE TABLE servers (
    id                   INTEGER PRIMARY KEY,
    account_id           INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- Normalised values as the API shows them.
    provider             TEXT    NOT NULL,
    active               INTEGER NOT NULL CHECK (active IN (0, 1)),
    display_name         TEXT    NOT NULL,
    sender               TEXT    NOT NULL,
    host                 TEXT    NOT NULL,
    port                 INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    security             TEXT    NOT NULL CHECK (security IN ('implicit_tls', 'starttls', 'none')),
    login                TEXT    NOT NULL,
    bcc                  TEXT    NOT NULL,
    -- Version byte, nonce and XChaCha20-Poly1305 ciphertext; NULL when no password is set.
    password_sealed      BLOB,
    -- The validated settings (shared::NormalizedServer as JSON) that test and real sends use.
    settings_json        TEXT    NOT NULL,
    is_default           INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    last_test_at         INTEGER,
    last_test_ok         INTEGER CHECK (last_test_ok IN (0, 1)),
    last_test_verdict    TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    -- Set when the system (not the seller) deactivated the server, with the reason.
    deactivated_at       INTEGER,
    deactivation_reason  TEXT
);
CREATE INDEX servers_by_account ON servers (account_id, id);
-- At most one default per account; the store keeps it at exactly one while any server is active.
CREATE UNIQUE INDEX servers_one_default ON servers (account_id) WHERE is_default = 1;

-- Small named values, such as the key check: a value sealed with the key when the database was
-- created, so that a wrong key file is detected at start and not at the first send.
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
