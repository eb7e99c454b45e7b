//! Opening the store: the connection pool, the migrations and the key that matches the data.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OptionalExtension};

use super::migrations::{self, MigrationError};
use super::Store;
use crate::crypto::{self, Cipher, KeyFileError};

/// Connections in the pool. SQLite allows one writer at a time, and under WAL the others read in
/// parallel. A few connections are therefore enough for the request workers and background jobs.
const POOL_SIZE: u32 = 4;
/// How long a statement waits for another connection's write lock before failing.
const BUSY_TIMEOUT_MS: u32 = 5_000;
const KEY_CHECK_NAME: &str = "key_check";
const KEY_CHECK_CONTEXT: &[u8] = b"postausgang-key-check";
const KEY_CHECK_PLAINTEXT: &[u8] = b"this database belongs to this key";

/// The store cannot be opened. Each message names the file and the fix.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the database {path}")]
    Database { path: PathBuf, source: rusqlite::Error },
    #[error("cannot create the database connection pool for {path}")]
    Pool { path: PathBuf, source: r2d2::Error },
    #[error("cannot migrate the database {path}")]
    Migration { path: PathBuf, source: MigrationError },
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    #[error(
        "the key file {key_file} is missing, but the database {database} holds data encrypted with a key; \
         restore the key file from your backup or set POSTAUSGANG_KEY_FILE to its path (to start over \
         without the stored SMTP passwords, move the database away)"
    )]
    KeyFileMissing { key_file: PathBuf, database: PathBuf },
    #[error(
        "the key file {key_file} does not match the database {database}: it cannot decrypt the stored \
         data; restore the key file that belongs to this database or set POSTAUSGANG_KEY_FILE to it"
    )]
    WrongKey { key_file: PathBuf, database: PathBuf },
}

impl Store {
    /// Opens (or creates) the database, applies pending migrations and loads the key file,
    /// creating it on first start.
    ///
    /// # Errors
    /// The database cannot be opened or migrated, or the key file is unreadable, missing for
    /// existing data, or belongs to another database.
    pub fn open(database: &Path, key_file: &Path) -> Result<Store, OpenError> {
        let database_error = |source| OpenError::Database {
            path: database.to_path_buf(),
            source,
        };

        let mut connection = Connection::open(database).map_err(database_error)?;
        configure_connection(&connection).map_err(database_error)?;
        enable_write_ahead_log(&connection).map_err(database_error)?;
        migrations::apply(&mut connection).map_err(|source| OpenError::Migration {
            path: database.to_path_buf(),
            source,
        })?;

        let cipher = load_matching_key(&connection, database, key_file)?;
        let pool = build_pool(database)?;
        Ok(Store {
            pool,
            cipher: Arc::new(cipher),
            server_generation: Arc::default(),
        })
    }
}

fn configure_connection(connection: &Connection) -> rusqlite::Result<()> {
    connection.execute_batch(&format!(
        "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};"
    ))
}

/// WAL lets readers run while one connection writes; the mode is stored in the file.
fn enable_write_ahead_log(connection: &Connection) -> rusqlite::Result<()> {
    let mode: String = connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(journal_mode = %mode, "SQLite did not switch to WAL; writes will block readers");
    }
    Ok(())
}

fn build_pool(database: &Path) -> Result<r2d2::Pool<SqliteConnectionManager>, OpenError> {
    let manager =
        SqliteConnectionManager::file(database).with_init(|connection| configure_connection(connection));
    r2d2::Pool::builder()
        .max_size(POOL_SIZE)
        .build(manager)
        .map_err(|source| OpenError::Pool {
            path: database.to_path_buf(),
            source,
        })
}

/// Loads the key file and checks it against the database's key check, creating both on the
/// first start. A missing key is only created when the database contains no encrypted data yet,
/// because a new key could never decrypt the old data.
fn load_matching_key(connection: &Connection, database: &Path, key_file: &Path) -> Result<Cipher, OpenError> {
    let database_error = |source| OpenError::Database {
        path: database.to_path_buf(),
        source,
    };
    let key_check = read_key_check(connection).map_err(database_error)?;
    let has_sealed_passwords = count_sealed_passwords(connection).map_err(database_error)? > 0;

    let cipher = match crypto::read_key_file(key_file)? {
        Some(cipher) => cipher,
        None if key_check.is_some() || has_sealed_passwords => {
            return Err(OpenError::KeyFileMissing {
                key_file: key_file.to_path_buf(),
                database: database.to_path_buf(),
            });
        }
        None => {
            let cipher = crypto::create_key_file(key_file)?;
            tracing::info!(key_file = %key_file.display(), "created a new encryption key file");
            cipher
        }
    };

    match key_check {
        Some(sealed) if cipher.decrypt(&sealed, KEY_CHECK_CONTEXT).is_err() => Err(OpenError::WrongKey {
            key_file: key_file.to_path_buf(),
            database: database.to_path_buf(),
        }),
        Some(_) => Ok(cipher),
        None => {
            write_key_check(connection, &cipher).map_err(database_error)?;
            Ok(cipher)
        }
    }
}

fn read_key_check(connection: &Connection) -> rusqlite::Result<Option<Vec<u8>>> {
    connection
        .query_row(
            "SELECT value FROM meta WHERE name = ?1",
            [KEY_CHECK_NAME],
            |row| row.get(0),
        )
        .optional()
}

fn count_sealed_passwords(connection: &Connection) -> rusqlite::Result<i64> {
    connection.query_row(
        "SELECT COUNT(*) FROM servers WHERE password_sealed IS NOT NULL",
        [],
        |row| row.get(0),
    )
}

fn write_key_check(connection: &Connection, cipher: &Cipher) -> rusqlite::Result<()> {
    // Encrypting a few constant bytes cannot exceed the cipher's limits.
    let sealed = cipher
        .encrypt(KEY_CHECK_PLAINTEXT, KEY_CHECK_CONTEXT)
        .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?;
    connection.execute(
        "INSERT INTO meta (name, value) VALUES (?1, ?2)",
        rusqlite::params![KEY_CHECK_NAME, sealed],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(folder: &Path) -> (PathBuf, PathBuf) {
        (folder.join("postausgang.sqlite3"), folder.join("secret.key"))
    }

    #[test]
    fn first_open_creates_key_file() {
        let folder = tempfile::tempdir().expect("temp dir");
        let (database, key_file) = paths(folder.path());

        Store::open(&database, &key_file).expect("first open");

        assert!(key_file.is_file());
        assert!(database.is_file());
    }

    #[test]
    fn reopen_with_same_key_succeeds() {
        let folder = tempfile::tempdir().expect("temp dir");
        let (database, key_file) = paths(folder.path());
        drop(Store::open(&database, &key_file).expect("first open"));

        let reopened = Store::open(&database, &key_file);

        assert!(reopened.is_ok(), "{reopened:?}");
    }

    #[test]
    fn missing_key_for_existing_data_is_an_error() {
        let folder = tempfile::tempdir().expect("temp dir");
        let (database, key_file) = paths(folder.path());
        drop(Store::open(&database, &key_file).expect("first open"));
        std::fs::remove_file(&key_file).expect("remove key");

        let error = Store::open(&database, &key_file).expect_err("the key is missing");

        assert!(matches!(error, OpenError::KeyFileMissing { .. }), "{error:?}");
        assert!(error.to_string().contains("restore the key file"), "{error}");
        assert!(!key_file.exists(), "no new key replaces the lost one");
    }

    #[test]
    fn key_of_another_database_is_an_error() {
        let folder = tempfile::tempdir().expect("temp dir");
        let (database, key_file) = paths(folder.path());
        drop(Store::open(&database, &key_file).expect("first open"));
        std::fs::remove_file(&key_file).expect("remove key");
        crypto::create_key_file(&key_file).expect("another key");

        let error = Store::open(&database, &key_file).expect_err("the key does not match");

        assert!(matches!(error, OpenError::WrongKey { .. }), "{error:?}");
        assert!(
            error.to_string().contains("does not match the database"),
            "{error}"
        );
    }
}
