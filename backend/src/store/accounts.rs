//! Accounts: sign-up and look-up by email address.

use rusqlite::{params, ErrorCode, OptionalExtension};

use super::{now_unix, AccountId, Store, StoreError};

/// An account as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    /// The sign-up address, where test mails go by default.
    pub email: String,
}

/// An account with its password hash, for checking a login.
#[derive(Debug, Clone)]
pub struct AccountCredentials {
    pub account: Account,
    /// Argon2id in PHC string format.
    pub password_hash: String,
}

/// The result of a sign-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewAccount {
    Created(Account),
    /// Another account has this address, compared without regard to case.
    EmailTaken,
}

/// Returns the form of an address used for look-ups. Local parts are case-sensitive by the
/// letter of RFC 5321, but hardly any mail provider treats them so, and two accounts differing only in
/// case would only confuse.
pub(super) fn email_key(email: &str) -> String {
    email.to_lowercase()
}

impl Store {
    /// Creates an account, unless another one already uses the address.
    pub async fn create_account(&self, email: &str, password_hash: String) -> Result<NewAccount, StoreError> {
        let email = email.to_owned();
        self.run(move |connection| {
            let inserted = connection.execute(
                "INSERT INTO accounts (email, email_key, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![email, email_key(&email), password_hash, now_unix()],
            );
            match inserted {
                Ok(_) => Ok(NewAccount::Created(Account {
                    id: AccountId(connection.last_insert_rowid()),
                    email,
                })),
                Err(rusqlite::Error::SqliteFailure(failure, _))
                    if failure.code == ErrorCode::ConstraintViolation =>
                {
                    Ok(NewAccount::EmailTaken)
                }
                Err(error) => Err(error.into()),
            }
        })
        .await
    }

    /// Finds the account and password hash for a login address, ignoring case.
    pub async fn find_credentials(&self, email: &str) -> Result<Option<AccountCredentials>, StoreError> {
        let key = email_key(email);
        self.run(move |connection| {
            let credentials = connection
                .query_row(
                    "SELECT id, email, password_hash FROM accounts WHERE email_key = ?1",
                    [key],
                    |row| {
                        Ok(AccountCredentials {
                            account: Account {
                                id: AccountId(row.get(0)?),
                                email: row.get(1)?,
                            },
                            password_hash: row.get(2)?,
                        })
                    },
                )
                .optional()?;
            Ok(credentials)
        })
        .await
    }

    /// Loads an account by id.
    pub async fn find_account(&self, id: AccountId) -> Result<Option<Account>, StoreError> {
        self.run(move |connection| {
            let account = connection
                .query_row("SELECT id, email FROM accounts WHERE id = ?1", [id.0], |row| {
                    Ok(Account {
                        id: AccountId(row.get(0)?),
                        email: row.get(1)?,
                    })
                })
                .optional()?;
            Ok(account)
        })
        .await
    }
}
