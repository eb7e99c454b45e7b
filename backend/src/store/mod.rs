//! Storage in one SQLite file: accounts, sessions, failed logins and SMTP servers.
//!
//! Every function is a method on [`Store`] that runs its queries on a pooled connection in a
//! blocking thread, so request handlers and workers can simply `.await` it. Functions that
//! change more than one row do so in one transaction: a failure leaves nothing half-written.

mod accounts;
mod login_failures;
mod migrations;
mod open;
mod servers;
mod sessions;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;

use crate::crypto::{Cipher, CryptoError};

pub use accounts::{Account, AccountCredentials, NewAccount};
pub use login_failures::LoginFailureTimes;
pub use open::OpenError;
pub use servers::{
    DeactivationRecord, DefaultChange, DefaultServer, PasswordChange, ServerForSending, SetDefaultOutcome,
    StoredServer, TestOutcome, TestRecord,
};

/// The id of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub i64);

/// The id of a stored SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerId(pub i64);

impl std::fmt::Display for AccountId {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(formatter)
    }
}

impl std::fmt::Display for ServerId {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(formatter)
    }
}

/// A storage operation failed. None of these is the caller's fault.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no database connection became available")]
    Pool(#[from] r2d2::Error),
    #[error("a database statement failed")]
    Sqlite(#[from] rusqlite::Error),
    #[error("a stored secret cannot be decrypted")]
    Crypto(#[from] CryptoError),
    #[error("stored settings cannot be converted")]
    Json(#[from] serde_json::Error),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("the database task was cancelled")]
    Cancelled(#[from] tokio::task::JoinError),
}

/// The database and the cipher for its secrets. Cloning is cheap: clones share both.
#[derive(Clone, Debug)]
pub struct Store {
    pool: r2d2::Pool<SqliteConnectionManager>,
    cipher: Arc<Cipher>,
    /// Counts the writes of server rows, so that a cache of an account's servers can tell that
    /// it is stale (the outbox's server choice keeps one).
    server_generation: Arc<AtomicU64>,
}

impl Store {
    /// Runs `work` on a pooled connection in a thread that may block.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut connection = pool.get()?;
            work(&mut connection)
        })
        .await?
    }

    /// Runs a write of server rows like [`Store::run`], and counts it in the server generation
    /// once it is done, committed or not. The count happens in the blocking task, so that a
    /// caller that stops waiting cannot skip it.
    pub(crate) async fn run_server_write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let generation = Arc::clone(&self.server_generation);
        self.run(move |connection| {
            let result = work(connection);
            generation.fetch_add(1, Ordering::SeqCst);
            result
        })
        .await
    }

    /// Returns the number of server writes so far. When it is unchanged, no server row changed.
    pub fn server_generation(&self) -> u64 {
        self.server_generation.load(Ordering::SeqCst)
    }
}

/// Returns the current time as Unix seconds, the unit of every time stamp in the database.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
