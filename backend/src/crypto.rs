//! Encryption at rest for stored SMTP passwords.
//!
//! The key is 32 random bytes in a key file outside the database (base64 text, mode 0600), so
//! that a copy of the SQLite file alone does not reveal any password. Each value gets its own
//! random 192-bit nonce (XChaCha20-Poly1305, so random nonces cannot collide in practice), stored
//! in front of the ciphertext. The associated data binds a value to its purpose and owner, so
//! that a ciphertext copied into another row fails to decrypt.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const KEY_LENGTH: usize = 32;
const NONCE_LENGTH: usize = 24;
/// First byte of every sealed value, so that a later format or key rotation can tell them apart.
const FORMAT_VERSION: u8 = 1;

/// Encrypts and decrypts values with the key from the key file.
pub struct Cipher {
    aead: XChaCha20Poly1305,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Cipher(***)")
    }
}

/// Encryption or decryption failed.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The value was sealed with another key, for another context, or was altered.
    #[error("the value cannot be decrypted with this key (wrong key file, or altered data)")]
    Undecryptable,
    #[error("the sealed value is malformed (unknown version or too short)")]
    Malformed,
    #[error("encryption failed")]
    EncryptionFailed,
}

/// The key file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read the key file {path}")]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("the key file {path} does not contain a key: expected {KEY_LENGTH} bytes, base64-encoded, on one line")]
    Malformed { path: PathBuf },
    #[error("cannot create the key file {path}")]
    Create { path: PathBuf, source: std::io::Error },
}

impl Cipher {
    fn from_key(key: &[u8; KEY_LENGTH]) -> Cipher {
        Cipher {
            aead: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// Encrypts `plaintext` for `context` (such as `server-password:account=7`) and returns
    /// version, nonce and ciphertext in one buffer.
    ///
    /// # Errors
    /// Fails only if the cipher rejects the input length, which no password reaches.
    pub fn encrypt(&self, plaintext: &[u8], context: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .aead
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .map_err(|_| CryptoError::EncryptionFailed)?;

        let mut sealed = Vec::with_capacity(1 + NONCE_LENGTH + ciphertext.len());
        sealed.push(FORMAT_VERSION);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Ok(sealed)
    }

    /// Decrypts a buffer made by [`Cipher::encrypt`] with the same `context`.
    ///
    /// # Errors
    /// [`CryptoError::Undecryptable`] for another key, another context or altered bytes.
    pub fn decrypt(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let Some((&FORMAT_VERSION, rest)) = sealed.split_first() else {
            return Err(CryptoError::Malformed);
        };
        if rest.len() < NONCE_LENGTH {
            return Err(CryptoError::Malformed);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LENGTH);
        self.aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| CryptoError::Undecryptable)
    }
}

/// Reads the key file, or returns `None` when it does not exist.
///
/// # Errors
/// The file exists but cannot be read or contains no valid key.
pub fn read_key_file(path: &Path) -> Result<Option<Cipher>, KeyFileError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(KeyFileError::Unreadable {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    warn_if_readable_by_others(path);

    let malformed = || KeyFileError::Malformed {
        path: path.to_path_buf(),
    };
    let bytes = BASE64.decode(text.trim()).map_err(|_| malformed())?;
    let key: [u8; KEY_LENGTH] = bytes.try_into().map_err(|_| malformed())?;
    Ok(Some(Cipher::from_key(&key)))
}

/// Creates a key file with a new random key, readable and writable only by this user.
///
/// # Errors
/// The file already exists, or its folder is missing or not writable.
pub fn create_key_file(path: &Path) -> Result<Cipher, KeyFileError> {
    let key = XChaCha20Poly1305::generate_key(&mut OsRng);
    let create_error = |source| KeyFileError::Create {
        path: path.to_path_buf(),
        source,
    };

    let mut file = open_new_private_file(path).map_err(create_error)?;
    file.write_all(format!("{}\n", BASE64.encode(key)).as_bytes())
        .map_err(create_error)?;
    file.sync_all().map_err(create_error)?;
    Ok(Cipher {
        aead: XChaCha20Poly1305::new(&key),
    })
}

#[cfg(unix)]
fn open_new_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_new_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(metadata) = std::fs::metadata(path) else {
        return;
    };
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        tracing::warn!(
            key_file = %path.display(),
            mode = format!("{mode:o}"),
            "the key file is accessible to other users; restrict it with chmod 600"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_cipher() -> Cipher {
        Cipher::from_key(&[7; KEY_LENGTH])
    }

    #[test]
    fn sealed_value_round_trips() {
        let cipher = test_cipher();

        let sealed = cipher
            .encrypt("pässwörd§%\"\\/".as_bytes(), b"context")
            .expect("encrypt");
        let opened = cipher.decrypt(&sealed, b"context").expect("decrypt");

        assert_eq!(opened, "pässwörd§%\"\\/".as_bytes());
    }

    #[test]
    fn same_plaintext_seals_differently() {
        let cipher = test_cipher();

        let first = cipher.encrypt(b"secret", b"context").expect("encrypt");
        let second = cipher.encrypt(b"secret", b"context").expect("encrypt");

        assert_ne!(first, second, "each value gets its own nonce");
    }

    #[test]
    fn other_context_cannot_decrypt() {
        let cipher = test_cipher();
        let sealed = cipher
            .encrypt(b"secret", b"server-password:account=1")
            .expect("encrypt");

        let result = cipher.decrypt(&sealed, b"server-password:account=2");

        assert!(matches!(result, Err(CryptoError::Undecryptable)));
    }

    #[test]
    fn other_key_cannot_decrypt() {
        let sealed = test_cipher().encrypt(b"secret", b"context").expect("encrypt");

        let result = Cipher::from_key(&[8; KEY_LENGTH]).decrypt(&sealed, b"context");

        assert!(matches!(result, Err(CryptoError::Undecryptable)));
    }

    #[test]
    fn truncated_value_is_malformed() {
        let result = test_cipher().decrypt(&[FORMAT_VERSION, 1, 2, 3], b"context");

        assert!(matches!(result, Err(CryptoError::Malformed)));
    }

    #[test]
    fn key_file_is_created_private_and_reread() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("secret.key");

        let created = create_key_file(&path).expect("create key file");
        let sealed = created.encrypt(b"secret", b"context").expect("encrypt");
        let reread = read_key_file(&path)
            .expect("read key file")
            .expect("the file exists");

        assert_eq!(reread.decrypt(&sealed, b"context").expect("same key"), b"secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("metadata").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "the key file is private");
        }
    }

    #[test]
    fn key_file_is_never_overwritten() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("secret.key");
        create_key_file(&path).expect("create key file");

        let second = create_key_file(&path);

        assert!(matches!(second, Err(KeyFileError::Create { .. })));
    }

    #[test]
    fn missing_key_file_reads_as_none() {
        let folder = tempfile::tempdir().expect("temp dir");

        let cipher = read_key_file(&folder.path().join("missing.key")).expect("no I/O error");

        assert!(cipher.is_none());
    }

    #[test]
    fn malformed_key_file_is_rejected() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("secret.key");
        std::fs::write(&path, "c2hvcnQ=\n").expect("write");

        let result = read_key_file(&path);

        assert!(matches!(result, Err(KeyFileError::Malformed { .. })));
    }
}
