//! Schema migrations: numbered SQL files, applied in order at start.
//!
//! The database's `PRAGMA user_version` is the number of the last applied migration. Each
//! migration runs in its own transaction together with the version bump, so a failed migration
//! leaves the schema as it was.

use rusqlite::{Connection, TransactionBehavior};

/// The migrations in order; the first has version 1. Never edit one that has shipped: add another.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_initial.sql"),
    include_str!("../../migrations/0002_outbox.sql"),
];

/// A failure to bring the schema up to date.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("applying database migration {version} failed")]
    Failed { version: usize, source: rusqlite::Error },
    #[error(
        "the database has schema version {found}, but this build knows versions up to {known}; \
         run the newer Postausgang that wrote it, or restore a backup"
    )]
    TooNew { found: usize, known: usize },
    #[error("reading the schema version failed")]
    Version(#[source] rusqlite::Error),
}

/// Applies every migration newer than the database's version and returns how many ran.
pub fn apply(connection: &mut Connection) -> Result<usize, MigrationError> {
    let current: i64 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(MigrationError::Version)?;
    // A negative version can only come from a foreign tool; it counts as newer than known.
    let current = usize::try_from(current).unwrap_or(usize::MAX);
    if current > MIGRATIONS.len() {
        return Err(MigrationError::TooNew {
            found: current,
            known: MIGRATIONS.len(),
        });
    }

    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let version = index + 1;
        apply_one(connection, version, sql).map_err(|source| MigrationError::Failed { version, source })?;
        tracing::info!(version, "applied database migration");
    }
    Ok(MIGRATIONS.len() - current)
}

fn apply_one(connection: &mut Connection, version: usize, sql: &str) -> rusqlite::Result<()> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    transaction.execute_batch(sql)?;
    // PRAGMA takes no bound parameters; the version is a number this code produced.
    transaction.execute_batch(&format!("PRAGMA user_version = {version}"))?;
    transaction.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_database_gets_every_migration() {
        let mut connection = Connection::open_in_memory().expect("in-memory database");

        let applied = apply(&mut connection).expect("migrations apply");

        assert_eq!(applied, MIGRATIONS.len());
        let version: i64 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .expect("version");
        assert_eq!(version, MIGRATIONS.len() as i64);
    }

    #[test]
    fn second_run_applies_nothing() {
        let mut connection = Connection::open_in_memory().expect("in-memory database");
        apply(&mut connection).expect("first run");

        let applied = apply(&mut connection).expect("second run");

        assert_eq!(applied, 0);
    }

    #[test]
    fn newer_schema_is_rejected() {
        let mut connection = Connection::open_in_memory().expect("in-memory database");
        connection
            .execute_batch("PRAGMA user_version = 999")
            .expect("set version");

        let result = apply(&mut connection);

        assert!(matches!(result, Err(MigrationError::TooNew { found: 999, .. })));
    }
}
