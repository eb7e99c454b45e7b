//! Account passwords: length rules and Argon2id hashes.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::error::ApiError;

/// The shortest accepted sign-up password, in characters (not bytes).
pub const MIN_PASSWORD_CHARS: usize = shared::api::MIN_ACCOUNT_PASSWORD_CHARS;
/// The longest accepted password. It bounds the hashing work one request can cause.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// Checks the sign-up length rules.
///
/// # Errors
/// [`ApiError::PasswordTooShort`] or [`ApiError::PasswordTooLong`], which name the limit.
pub fn check_password_length(password: &str) -> Result<(), ApiError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err(ApiError::PasswordTooShort {
            minimum: MIN_PASSWORD_CHARS,
        });
    }
    if length > MAX_PASSWORD_CHARS {
        return Err(ApiError::PasswordTooLong {
            maximum: MAX_PASSWORD_CHARS,
        });
    }
    Ok(())
}

/// Hashes a password with Argon2id (the argon2 crate's default parameters: 19 MiB, 2
/// iterations, 1 lane) in a blocking thread, because hashing is slow on purpose and would stall
/// the request workers.
///
/// # Errors
/// Only an internal failure of the hasher or of the blocking thread.
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(|error| ApiError::internal(anyhow::anyhow!("hashing a password failed: {error}")))
}

fn hash_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Checks a password against a stored hash in a blocking thread. Without a hash (unknown
/// address) it checks against a dummy hash, so that the response time does not reveal whether
/// an account exists.
///
/// # Errors
/// Only an internal failure of the blocking thread or an unreadable stored hash.
pub async fn verify_password(password: String, stored_hash: Option<String>) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || match stored_hash {
        Some(hash) => {
            let parsed = PasswordHash::new(&hash).map_err(|error| {
                ApiError::internal(anyhow::anyhow!("a stored password hash is unreadable: {error}"))
            })?;
            Ok(Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok())
        }
        None => {
            if let Ok(parsed) = PasswordHash::new(dummy_hash()) {
                let _ = Argon2::default().verify_password(password.as_bytes(), &parsed);
            }
            Ok(false)
        }
    })
    .await
    .map_err(ApiError::internal)?
}

/// Returns a hash of a random password, made once, with the same parameters as real hashes.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random = SaltString::generate(&mut OsRng);
        // Hashing a short ASCII value with the default parameters does not fail. Were it to,
        // the empty hash skips the dummy check, and only the timing protection is lost.
        hash_blocking(random.as_str()).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(
            check_password_length("ääääääääää").is_ok(),
            "10 umlauts are 10 characters"
        );
        assert!(matches!(
            check_password_length("123456789"),
            Err(ApiError::PasswordTooShort { minimum: 10 })
        ));
        assert!(matches!(
            check_password_length(&"x".repeat(MAX_PASSWORD_CHARS + 1)),
            Err(ApiError::PasswordTooLong { .. })
        ));
    }

    #[tokio::test]
    async fn hash_verifies_only_its_password() {
        let hash = hash_password("richtig-geheim".to_owned()).await.expect("hash");

        assert!(verify_password("richtig-geheim".to_owned(), Some(hash.clone()))
            .await
            .expect("verify"));
        assert!(!verify_password("falsch-geheim".to_owned(), Some(hash))
            .await
            .expect("verify"));
    }

    #[tokio::test]
    async fn unknown_account_never_verifies() {
        let verified = verify_password("anything at all".to_owned(), None)
            .await
            .expect("verify");

        assert!(!verified);
    }
}
