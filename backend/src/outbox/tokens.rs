//! API tokens: what a shop system sends as `Authorization: Bearer <token>`.
//!
//! A token is 256 random bits with a `pa_` prefix, so that secret scanners and people can tell
//! it apart. The database keeps only its SHA-256 hash; that suffices for a random 256-bit value,
//! which no dictionary contains. Looked-up tokens are cached in memory for a minute, and "last
//! used" is written at most once a minute per token, so that a busy shop does not cause a
//! database write per mail.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::store::{now_unix, AccountId, Store, StoreError};

/// The prefix of every API token.
pub const TOKEN_PREFIX: &str = "pa_";
/// The maximum length of a token name, in characters.
pub const MAX_TOKEN_NAME_CHARS: usize = 100;
/// How long a looked-up token is trusted without asking the database again.
const CACHE_LIFETIME: Duration = Duration::from_secs(60);
/// "Last used" is written at most this often per token.
const LAST_USED_RESOLUTION: Duration = Duration::from_secs(60);

/// The id of an API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenId(pub i64);

/// A stored token, without the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub id: TokenId,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// Creates a token: the prefix and 256 random bits in URL-safe base64.
pub fn new_api_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn hash_api_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

impl Store {
    /// Stores a new token for the account and returns it with its record.
    pub async fn create_api_token(
        &self,
        account: AccountId,
        name: String,
    ) -> Result<(String, StoredToken), StoreError> {
        let token = new_api_token();
        let hash = hash_api_token(&token);
        self.run(move |connection| {
            let created_at = now_unix();
            connection.execute(
                "INSERT INTO api_tokens (account_id, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![account.0, name, hash, created_at],
            )?;
            let stored = StoredToken {
                id: TokenId(connection.last_insert_rowid()),
                name,
                created_at,
                last_used_at: None,
            };
            Ok((token, stored))
        })
        .await
    }

    /// Lists the account's tokens, oldest first.
    pub async fn list_api_tokens(&self, account: AccountId) -> Result<Vec<StoredToken>, StoreError> {
        self.run(move |connection| {
            let mut statement = connection.prepare_cached(
                "SELECT id, name, created_at, last_used_at FROM api_tokens WHERE account_id = ?1 ORDER BY id",
            )?;
            let tokens = statement
                .query_map([account.0], |row| {
                    Ok(StoredToken {
                        id: TokenId(row.get(0)?),
                        name: row.get(1)?,
                        created_at: row.get(2)?,
                        last_used_at: row.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(tokens)
        })
        .await
    }

    /// Deletes one of the account's tokens and returns its hash, for [`TokenCache::forget`];
    /// `None` when the account has no such token.
    pub async fn delete_api_token(
        &self,
        account: AccountId,
        id: TokenId,
    ) -> Result<Option<TokenHash>, StoreError> {
        self.run(move |connection| {
            let hash = connection
                .query_row(
                    "DELETE FROM api_tokens WHERE id = ?1 AND account_id = ?2 RETURNING token_hash",
                    params![id.0, account.0],
                    |row| row.get(0),
                )
                .optional()?;
            Ok(hash.map(TokenHash))
        })
        .await
    }

    async fn find_api_token(&self, hash: Vec<u8>) -> Result<Option<(TokenId, AccountId)>, StoreError> {
        self.run(move |connection| {
            let found = connection
                .query_row(
                    "SELECT id, account_id FROM api_tokens WHERE token_hash = ?1",
                    [hash],
                    |row| Ok((TokenId(row.get(0)?), AccountId(row.get(1)?))),
                )
                .optional()?;
            Ok(found)
        })
        .await
    }

    async fn touch_api_token(&self, id: TokenId) -> Result<(), StoreError> {
        self.run(move |connection| {
            connection.execute(
                "UPDATE api_tokens SET last_used_at = ?1 WHERE id = ?2",
                params![now_unix(), id.0],
            )?;
            Ok(())
        })
        .await
    }
}

#[derive(Debug, Clone, Copy)]
struct CachedToken {
    id: TokenId,
    account: AccountId,
    looked_up_at: Instant,
    last_used_written_at: Option<Instant>,
}

/// The SHA-256 hash of a token, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(pub Vec<u8>);

/// The tokens recently seen, by hash. Revoking a token removes it here, so that a revoked token
/// stops working at once in this process.
#[derive(Debug, Clone, Default)]
pub struct TokenCache {
    entries: Arc<Mutex<HashMap<Vec<u8>, CachedToken>>>,
    /// Hashes of the tokens revoked in this process, so that a look-up that started before the
    /// revocation cannot put the token back into the cache. By hash, not by id: SQLite reuses
    /// the id of a deleted last row, so a new token may get a revoked token's id.
    revoked: Arc<Mutex<HashSet<Vec<u8>>>>,
}

impl TokenCache {
    /// Returns the account a token belongs to, or `None` for an unknown or revoked token.
    pub async fn authenticate(
        &self,
        store: &Store,
        token: &str,
    ) -> Result<Option<(TokenId, AccountId)>, StoreError> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let hash = hash_api_token(token);
        let now = Instant::now();

        let cached = self.lock().get(&hash).copied();
        let mut entry = match cached {
            Some(entry) if now.duration_since(entry.looked_up_at) < CACHE_LIFETIME => entry,
            _ => {
                let Some((id, account)) = store.find_api_token(hash.clone()).await? else {
                    self.lock().remove(&hash);
                    return Ok(None);
                };
                CachedToken {
                    id,
                    account,
                    looked_up_at: now,
                    last_used_written_at: cached.and_then(|entry| entry.last_used_written_at),
                }
            }
        };

        if lock_revoked(&self.revoked).contains(&hash) {
            return Ok(None);
        }
        let stale = entry
            .last_used_written_at
            .is_none_or(|written| now.duration_since(written) >= LAST_USED_RESOLUTION);
        if stale {
            entry.last_used_written_at = Some(now);
            store.touch_api_token(entry.id).await?;
        }
        self.lock().insert(hash, entry);
        Ok(Some((entry.id, entry.account)))
    }

    /// Forgets a revoked token.
    pub fn forget(&self, hash: TokenHash) {
        self.lock().remove(&hash.0);
        lock_revoked(&self.revoked).insert(hash.0);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, CachedToken>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn lock_revoked(revoked: &Mutex<HashSet<Vec<u8>>>) -> std::sync::MutexGuard<'_, HashSet<Vec<u8>>> {
    revoked.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_prefix_and_256_bits() {
        let first = new_api_token();
        let second = new_api_token();

        assert_ne!(first, second);
        assert!(first.starts_with(TOKEN_PREFIX), "{first}");
        assert_eq!(
            first.len(),
            TOKEN_PREFIX.len() + 43,
            "32 bytes in base64 without padding"
        );
    }
}
