//! Failed logins, counted per email address and per client address for the login throttle.

use rusqlite::params;

use super::accounts::email_key;
use super::{Store, StoreError};

/// When the recent failed logins happened (Unix seconds, oldest first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginFailureTimes {
    /// Failures for the email address, from any client.
    pub by_email: Vec<i64>,
    /// Failures from the client address, for any email address.
    pub by_client: Vec<i64>,
}

impl Store {
    /// Returns the failed logins since `since` for an address and for a client.
    pub async fn recent_login_failures(
        &self,
        email: &str,
        client_ip: &str,
        since: i64,
    ) -> Result<LoginFailureTimes, StoreError> {
        let key = email_key(email);
        let client_ip = client_ip.to_owned();
        self.run(move |connection| {
            let times = |sql: &str, key: &str| -> rusqlite::Result<Vec<i64>> {
                let mut statement = connection.prepare_cached(sql)?;
                let rows = statement.query_map(params![key, since], |row| row.get(0))?;
                rows.collect()
            };
            Ok(LoginFailureTimes {
                by_email: times(
                    "SELECT failed_at FROM login_failures WHERE email_key = ?1 AND failed_at >= ?2 ORDER BY failed_at",
                    &key,
                )?,
                by_client: times(
                    "SELECT failed_at FROM login_failures WHERE client_ip = ?1 AND failed_at >= ?2 ORDER BY failed_at",
                    &client_ip,
                )?,
            })
        })
        .await
    }

    /// Records a failed login and deletes the records from before `forget_before`.
    pub async fn record_login_failure(
        &self,
        email: &str,
        client_ip: &str,
        at: i64,
        forget_before: i64,
    ) -> Result<(), StoreError> {
        let key = email_key(email);
        let client_ip = client_ip.to_owned();
        self.run(move |connection| {
            connection.execute("DELETE FROM login_failures WHERE failed_at < ?1", [forget_before])?;
            connection.execute(
                "INSERT INTO login_failures (email_key, client_ip, failed_at) VALUES (?1, ?2, ?3)",
                params![key, client_ip, at],
            )?;
            Ok(())
        })
        .await
    }

    /// Forgets the failed logins for an address, after a successful login.
    pub async fn clear_login_failures(&self, email: &str) -> Result<(), StoreError> {
        let key = email_key(email);
        self.run(move |connection| {
            connection.execute("DELETE FROM login_failures WHERE email_key = ?1", [key])?;
            Ok(())
        })
        .await
    }
}
