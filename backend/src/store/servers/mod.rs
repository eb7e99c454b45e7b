//! SMTP servers: create, update, delete, the default server, and the bookkeeping of test
//! mails and sends.
//!
//! Every write keeps this invariant: an account with at least one active server has exactly one
//! default server, which is active. An account without active servers has none. Writes that
//! may break the invariant end with `settle_default` in the same transaction.

mod queries;
mod text;

use rusqlite::{params, Transaction, TransactionBehavior};
use shared::{NormalizedServer, Password, Security};

use super::{now_unix, AccountId, ServerId, Store, StoreError};
use queries::{current_default, load_server, make_default, repair_default};

/// One stored server, without its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredServer {
    pub id: ServerId,
    pub account: AccountId,
    pub provider: String,
    pub active: bool,
    pub display_name: String,
    /// The sender as shown, such as `Max Mustermann <max@shop.example>`.
    pub sender: String,
    /// Lowercased, trimmed host name.
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub login: String,
    pub password_set: bool,
    /// The BCC addresses as shown, separated by `, `; empty when none.
    pub bcc: String,
    pub is_default: bool,
    /// Unix seconds of the last change by the seller.
    pub updated_at: i64,
    pub last_test: Option<TestRecord>,
    pub consecutive_failures: u32,
    /// Set when the system deactivated the server.
    pub deactivation: Option<DeactivationRecord>,
}

impl StoredServer {
    /// Returns the name to show for the server: the display name, or the host when it has none.
    pub fn label(&self) -> &str {
        if self.display_name.is_empty() {
            &self.host
        } else {
            &self.display_name
        }
    }
}

/// The last test mail of a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRecord {
    pub at: i64,
    pub ok: bool,
    /// The verdict's code, such as `accepted` or `auth_rejected`.
    pub verdict: String,
}

/// When and why the system deactivated a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeactivationRecord {
    pub at: i64,
    pub reason: String,
}

/// The outcome of a test mail, to record with [`Store::record_test_result`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestOutcome {
    pub ok: bool,
    /// The verdict's code, such as `accepted` or `auth_rejected`.
    pub verdict: String,
}

/// The input of a send: the settings exactly as validated, and the decrypted password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerForSending {
    pub id: ServerId,
    /// The normalised settings saved by the last create or update. `active` and `is_default`
    /// are the current values, which the system may have changed since.
    pub settings: NormalizedServer,
    pub password: Option<Password>,
}

/// The change to the stored password that an update makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordChange {
    Keep,
    Replace(Password),
}

impl PasswordChange {
    /// Returns the change that an API request's password field requests. An absent, null or
    /// empty password keeps the stored one.
    pub fn from_input(password: Option<&Password>) -> PasswordChange {
        match password {
            Some(password) if !password.is_empty() => PasswordChange::Replace(password.clone()),
            _ => PasswordChange::Keep,
        }
    }
}

/// The account's default server after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultServer {
    pub id: ServerId,
    /// The display name, or the host when it has none.
    pub label: String,
}

/// The effect of a change on the account's default server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultChange {
    Unchanged,
    /// This server is the default now (the first active one, or the one the seller picked).
    MovedTo(DefaultServer),
    /// No active server is left, so the account has no default.
    NoneLeft,
}

impl DefaultChange {
    fn between(before: Option<DefaultServer>, after: Option<DefaultServer>) -> DefaultChange {
        match (before, after) {
            (before, Some(after)) if before.as_ref().map(|server| server.id) == Some(after.id) => {
                DefaultChange::Unchanged
            }
            (_, Some(after)) => DefaultChange::MovedTo(after),
            (None, None) => DefaultChange::Unchanged,
            (Some(_), None) => DefaultChange::NoneLeft,
        }
    }
}

/// The result of [`Store::set_default_server`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetDefaultOutcome {
    Done(Box<StoredServer>, DefaultChange),
    NotFound,
    /// An inactive server cannot be the default.
    Inactive,
}

impl Store {
    /// Lists an account's servers, oldest first.
    pub async fn list_servers(&self, account: AccountId) -> Result<Vec<StoredServer>, StoreError> {
        self.run(move |connection| queries::list_servers(connection, account))
            .await
    }

    /// Loads one of the account's servers; another account's server is `None`, as a missing one.
    pub async fn find_server(
        &self,
        account: AccountId,
        id: ServerId,
    ) -> Result<Option<StoredServer>, StoreError> {
        self.run(move |connection| load_server(connection, account, id))
            .await
    }

    /// Returns the account's default server, if it has an active one.
    pub async fn default_server(&self, account: AccountId) -> Result<Option<StoredServer>, StoreError> {
        self.run(move |connection| match current_default(connection, account)? {
            Some(default) => load_server(connection, account, default.id),
            None => Ok(None),
        })
        .await
    }

    /// Saves a new server from validated settings. It becomes the default when the settings
    /// ask for it or when it is the account's first active server.
    pub async fn create_server(
        &self,
        account: AccountId,
        settings: NormalizedServer,
        password: Option<Password>,
    ) -> Result<(StoredServer, DefaultChange), StoreError> {
        let cipher = self.cipher.clone();
        self.run_server_write(move |connection| {
            let sealed = password
                .filter(|password| !password.is_empty())
                .map(|password| text::seal_password(&cipher, account, &password))
                .transpose()?;

            let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let before = current_default(&transaction, account)?;
            let id = queries::insert_server(&transaction, account, &settings, sealed.as_deref())?;
            if settings.is_default && settings.active {
                make_default(&transaction, account, id)?;
            }
            let change = settle_default(&transaction, account, before)?;
            let server = load_written_server(&transaction, account, id)?;
            transaction.commit()?;
            Ok((server, change))
        })
        .await
    }

    /// Replaces a server's settings with validated ones; `None` when the account has no such
    /// server. Reactivating a server the system deactivated clears the deactivation and the
    /// failure count. `is_default: false` does not unset the default: pick another server instead.
    pub async fn update_server(
        &self,
        account: AccountId,
        id: ServerId,
        settings: NormalizedServer,
        password: PasswordChange,
    ) -> Result<Option<(StoredServer, DefaultChange)>, StoreError> {
        let cipher = self.cipher.clone();
        self.run_server_write(move |connection| {
            let sealed = match &password {
                PasswordChange::Keep => None,
                PasswordChange::Replace(password) => Some(text::seal_password(&cipher, account, password)?),
            };

            let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let before = current_default(&transaction, account)?;
            if !queries::update_server(&transaction, account, id, &settings, sealed.as_deref())? {
                return Ok(None);
            }
            if settings.is_default && settings.active {
                make_default(&transaction, account, id)?;
            }
            let change = settle_default(&transaction, account, before)?;
            let server = load_written_server(&transaction, account, id)?;
            transaction.commit()?;
            Ok(Some((server, change)))
        })
        .await
    }

    /// Deletes a server; `None` when the account has no such server.
    pub async fn delete_server(
        &self,
        account: AccountId,
        id: ServerId,
    ) -> Result<Option<DefaultChange>, StoreError> {
        self.run_server_write(move |connection| {
            let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let before = current_default(&transaction, account)?;
            let deleted = transaction.execute(
                "DELETE FROM servers WHERE id = ?1 AND account_id = ?2",
                params![id.0, account.0],
            )?;
            if deleted == 0 {
                return Ok(None);
            }
            let change = settle_default(&transaction, account, before)?;
            transaction.commit()?;
            Ok(Some(change))
        })
        .await
    }

    /// Makes a server the account's default, clearing the old default in the same transaction.
    pub async fn set_default_server(
        &self,
        account: AccountId,
        id: ServerId,
    ) -> Result<SetDefaultOutcome, StoreError> {
        self.run_server_write(move |connection| {
            let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            match load_server(&transaction, account, id)? {
                None => return Ok(SetDefaultOutcome::NotFound),
                Some(server) if !server.active => return Ok(SetDefaultOutcome::Inactive),
                Some(_) => {}
            }
            let before = current_default(&transaction, account)?;
            make_default(&transaction, account, id)?;
            let change = settle_default(&transaction, account, before)?;
            let server = load_written_server(&transaction, account, id)?;
            transaction.commit()?;
            Ok(SetDefaultOutcome::Done(Box::new(server), change))
        })
        .await
    }

    /// Records the outcome of a test mail; returns `false` when the account has no such server.
    pub async fn record_test_result(
        &self,
        account: AccountId,
        id: ServerId,
        outcome: TestOutcome,
    ) -> Result<bool, StoreError> {
        self.run(move |connection| {
            let updated = connection.execute(
                "UPDATE servers SET last_test_at = ?1, last_test_ok = ?2, last_test_verdict = ?3 \
                 WHERE id = ?4 AND account_id = ?5",
                params![now_unix(), outcome.ok, outcome.verdict, id.0, account.0],
            )?;
            Ok(updated > 0)
        })
        .await
    }

    /// Loads the validated settings and the decrypted password for a send. Inactive servers
    /// load too, because the caller decides what to do with them. Returns `None` when the
    /// account has no such server.
    pub async fn load_server_for_sending(
        &self,
        account: AccountId,
        id: ServerId,
    ) -> Result<Option<ServerForSending>, StoreError> {
        let cipher = self.cipher.clone();
        self.run(move |connection| queries::load_for_sending(connection, &cipher, account, id))
            .await
    }

    /// Counts a failed send and returns the number of failures in a row; `None` when the
    /// account has no such server.
    pub async fn record_send_failure(
        &self,
        account: AccountId,
        id: ServerId,
    ) -> Result<Option<u32>, StoreError> {
        self.run(move |connection| {
            let failures = connection
                .query_row(
                    "UPDATE servers SET consecutive_failures = consecutive_failures + 1 \
                     WHERE id = ?1 AND account_id = ?2 RETURNING consecutive_failures",
                    params![id.0, account.0],
                    |row| row.get(0),
                )
                .map(Some)
                .or_else(|error| match error {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    error => Err(error),
                })?;
            Ok(failures)
        })
        .await
    }

    /// Resets the failure count after a successful send; returns `false` when the account has
    /// no such server.
    pub async fn record_send_success(&self, account: AccountId, id: ServerId) -> Result<bool, StoreError> {
        self.run(move |connection| {
            let updated = connection.execute(
                "UPDATE servers SET consecutive_failures = 0 WHERE id = ?1 AND account_id = ?2",
                params![id.0, account.0],
            )?;
            Ok(updated > 0)
        })
        .await
    }

    /// Deactivates a server on the system's behalf, such as after repeated failed sends, and
    /// records when and why. If it was the default, the first active server takes over.
    /// Returns `None` when the account has no such server.
    pub async fn deactivate_server(
        &self,
        account: AccountId,
        id: ServerId,
        reason: &str,
    ) -> Result<Option<DefaultChange>, StoreError> {
        let reason = reason.to_owned();
        self.run_server_write(move |connection| {
            let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let before = current_default(&transaction, account)?;
            let updated = transaction.execute(
                "UPDATE servers SET active = 0, is_default = 0, deactivated_at = ?1, deactivation_reason = ?2 \
                 WHERE id = ?3 AND account_id = ?4",
                params![now_unix(), reason, id.0, account.0],
            )?;
            if updated == 0 {
                return Ok(None);
            }
            let change = settle_default(&transaction, account, before)?;
            transaction.commit()?;
            Ok(Some(change))
        })
        .await
    }
}

/// Restores the default-server invariant after a write and reports how the default moved.
fn settle_default(
    transaction: &Transaction<'_>,
    account: AccountId,
    before: Option<DefaultServer>,
) -> Result<DefaultChange, StoreError> {
    repair_default(transaction, account)?;
    let after = current_default(transaction, account)?;
    Ok(DefaultChange::between(before, after))
}

/// Loads a server that the same transaction has just written.
fn load_written_server(
    transaction: &Transaction<'_>,
    account: AccountId,
    id: ServerId,
) -> Result<StoredServer, StoreError> {
    load_server(transaction, account, id)?
        .ok_or_else(|| StoreError::Corrupt(format!("server {id} vanished inside its own transaction")))
}
