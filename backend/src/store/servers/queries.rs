//! The SQL behind the server functions. Each takes a connection or transaction, so the public
//! functions decide the transaction boundaries.

use rusqlite::types::Type;
use rusqlite::{params, Connection, OptionalExtension, Row};
use shared::{NormalizedServer, Security};

use super::text::{bcc_text, open_password, sender_text};
use super::{DeactivationRecord, DefaultServer, ServerForSending, StoredServer, TestRecord};
use crate::crypto::Cipher;
use crate::store::{now_unix, AccountId, ServerId, StoreError};

const SERVER_COLUMNS: &str = "id, account_id, provider, active, display_name, sender, host, port, security, \
     login, password_sealed IS NOT NULL, bcc, is_default, updated_at, last_test_at, last_test_ok, \
     last_test_verdict, consecutive_failures, deactivated_at, deactivation_reason";

fn server_from_row(row: &Row<'_>) -> rusqlite::Result<StoredServer> {
    let security_text: String = row.get(8)?;
    let security = Security::parse(&security_text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            8,
            Type::Text,
            format!("unknown security {security_text:?}").into(),
        )
    })?;
    let last_test = match (row.get::<_, Option<i64>>(14)?, row.get::<_, Option<bool>>(15)?) {
        (Some(at), Some(ok)) => Some(TestRecord {
            at,
            ok,
            verdict: row.get::<_, Option<String>>(16)?.unwrap_or_default(),
        }),
        _ => None,
    };
    let deactivation = match row.get::<_, Option<i64>>(18)? {
        Some(at) => Some(DeactivationRecord {
            at,
            reason: row.get::<_, Option<String>>(19)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(StoredServer {
        id: ServerId(row.get(0)?),
        account: AccountId(row.get(1)?),
        provider: row.get(2)?,
        active: row.get(3)?,
        display_name: row.get(4)?,
        sender: row.get(5)?,
        host: row.get(6)?,
        port: row.get(7)?,
        security,
        login: row.get(9)?,
        password_set: row.get(10)?,
        bcc: row.get(11)?,
        is_default: row.get(12)?,
        updated_at: row.get(13)?,
        last_test,
        consecutive_failures: row.get(17)?,
        deactivation,
    })
}

pub(super) fn list_servers(
    connection: &Connection,
    account: AccountId,
) -> Result<Vec<StoredServer>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {SERVER_COLUMNS} FROM servers WHERE account_id = ?1 ORDER BY id"
    ))?;
    let servers = statement
        .query_map([account.0], server_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(servers)
}

pub(super) fn load_server(
    connection: &Connection,
    account: AccountId,
    id: ServerId,
) -> Result<Option<StoredServer>, StoreError> {
    let server = connection
        .query_row(
            &format!("SELECT {SERVER_COLUMNS} FROM servers WHERE id = ?1 AND account_id = ?2"),
            params![id.0, account.0],
            server_from_row,
        )
        .optional()?;
    Ok(server)
}

pub(super) fn insert_server(
    connection: &Connection,
    account: AccountId,
    settings: &NormalizedServer,
    sealed_password: Option<&[u8]>,
) -> Result<ServerId, StoreError> {
    let now = now_unix();
    connection.execute(
        "INSERT INTO servers (account_id, provider, active, display_name, sender, host, port, security, login, \
         bcc, password_sealed, settings_json, is_default, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, ?13, ?13)",
        params![
            account.0,
            settings.provider,
            settings.active,
            settings.display_name,
            sender_text(&settings.sender),
            settings.host,
            settings.port,
            settings.security.as_str(),
            settings.login,
            bcc_text(&settings.bcc),
            sealed_password,
            serde_json::to_string(settings)?,
            now,
        ],
    )?;
    Ok(ServerId(connection.last_insert_rowid()))
}

/// Overwrites the settings; a `None` password keeps the stored one. Returns whether the
/// account has such a server.
pub(super) fn update_server(
    connection: &Connection,
    account: AccountId,
    id: ServerId,
    settings: &NormalizedServer,
    sealed_password: Option<&[u8]>,
) -> Result<bool, StoreError> {
    // Every right-hand side reads the row as it was before this statement, so the CASEs see
    // the old deactivation: saving a system-deactivated server as active clears it.
    let updated = connection.execute(
        "UPDATE servers SET provider = ?1, active = ?2, display_name = ?3, sender = ?4, host = ?5, port = ?6, \
         security = ?7, login = ?8, bcc = ?9, password_sealed = COALESCE(?10, password_sealed), \
         settings_json = ?11, updated_at = ?12, \
         consecutive_failures = CASE WHEN ?2 AND deactivated_at IS NOT NULL THEN 0 ELSE consecutive_failures END, \
         deactivated_at = CASE WHEN ?2 THEN NULL ELSE deactivated_at END, \
         deactivation_reason = CASE WHEN ?2 THEN NULL ELSE deactivation_reason END \
         WHERE id = ?13 AND account_id = ?14",
        params![
            settings.provider,
            settings.active,
            settings.display_name,
            sender_text(&settings.sender),
            settings.host,
            settings.port,
            settings.security.as_str(),
            settings.login,
            bcc_text(&settings.bcc),
            sealed_password,
            serde_json::to_string(settings)?,
            now_unix(),
            id.0,
            account.0,
        ],
    )?;
    Ok(updated > 0)
}

pub(super) fn current_default(
    connection: &Connection,
    account: AccountId,
) -> Result<Option<DefaultServer>, StoreError> {
    let default = connection
        .query_row(
            "SELECT id, display_name, host FROM servers WHERE account_id = ?1 AND is_default = 1",
            [account.0],
            |row| {
                let display_name: String = row.get(1)?;
                let label = if display_name.is_empty() {
                    row.get(2)?
                } else {
                    display_name
                };
                Ok(DefaultServer {
                    id: ServerId(row.get(0)?),
                    label,
                })
            },
        )
        .optional()?;
    Ok(default)
}

/// Makes one server the default. The old default is cleared first, because the unique index
/// allows one default per account at any moment.
pub(super) fn make_default(
    connection: &Connection,
    account: AccountId,
    id: ServerId,
) -> Result<(), StoreError> {
    connection.execute(
        "UPDATE servers SET is_default = 0 WHERE account_id = ?1 AND is_default = 1 AND id <> ?2",
        params![account.0, id.0],
    )?;
    connection.execute(
        "UPDATE servers SET is_default = 1 WHERE id = ?1 AND account_id = ?2",
        params![id.0, account.0],
    )?;
    Ok(())
}

/// Restores the invariant: an inactive server is never the default, and when no default is
/// left, the oldest active server becomes it.
pub(super) fn repair_default(connection: &Connection, account: AccountId) -> Result<(), StoreError> {
    connection.execute(
        "UPDATE servers SET is_default = 0 WHERE account_id = ?1 AND active = 0 AND is_default = 1",
        [account.0],
    )?;
    connection.execute(
        "UPDATE servers SET is_default = 1 \
         WHERE id = (SELECT id FROM servers WHERE account_id = ?1 AND active = 1 ORDER BY id LIMIT 1) \
         AND NOT EXISTS (SELECT 1 FROM servers WHERE account_id = ?1 AND is_default = 1)",
        [account.0],
    )?;
    Ok(())
}

pub(super) fn load_for_sending(
    connection: &Connection,
    cipher: &Cipher,
    account: AccountId,
    id: ServerId,
) -> Result<Option<ServerForSending>, StoreError> {
    let row = connection
        .query_row(
            "SELECT settings_json, password_sealed, active, is_default FROM servers WHERE id = ?1 AND account_id = ?2",
            params![id.0, account.0],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<Vec<u8>>>(1)?,
                    row.get::<_, bool>(2)?,
                    row.get::<_, bool>(3)?,
                ))
            },
        )
        .optional()?;
    let Some((settings_json, sealed_password, active, is_default)) = row else {
        return Ok(None);
    };

    let mut settings: NormalizedServer = serde_json::from_str(&settings_json)?;
    settings.active = active;
    settings.is_default = is_default;
    let password = sealed_password
        .map(|sealed| open_password(cipher, account, &sealed))
        .transpose()?;
    Ok(Some(ServerForSending {
        id,
        settings,
        password,
    }))
}
