//! Login sessions, stored by the SHA-256 hash of their cookie token.

use rusqlite::{params, OptionalExtension};

use super::{now_unix, Account, AccountId, Store, StoreError};

impl Store {
    /// Stores a new session and deletes the expired ones of every account.
    pub async fn create_session(
        &self,
        account: AccountId,
        token_hash: [u8; 32],
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.run(move |connection| {
            let now = now_unix();
            connection.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
            connection.execute(
                "INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![token_hash.as_slice(), account.0, now, expires_at],
            )?;
            Ok(())
        })
        .await
    }

    /// Returns the account of an unexpired session.
    pub async fn find_session_account(&self, token_hash: [u8; 32]) -> Result<Option<Account>, StoreError> {
        self.run(move |connection| {
            let account = connection
                .query_row(
                    "SELECT accounts.id, accounts.email FROM sessions \
                     JOIN accounts ON accounts.id = sessions.account_id \
                     WHERE sessions.token_hash = ?1 AND sessions.expires_at > ?2",
                    params![token_hash.as_slice(), now_unix()],
                    |row| {
                        Ok(Account {
                            id: AccountId(row.get(0)?),
                            email: row.get(1)?,
                        })
                    },
                )
                .optional()?;
            Ok(account)
        })
        .await
    }

    /// Deletes a session; deleting one that does not exist is not an error.
    pub async fn delete_session(&self, token_hash: [u8; 32]) -> Result<(), StoreError> {
        self.run(move |connection| {
            connection.execute(
                "DELETE FROM sessions WHERE token_hash = ?1",
                [token_hash.as_slice()],
            )?;
            Ok(())
        })
        .await
    }
}
