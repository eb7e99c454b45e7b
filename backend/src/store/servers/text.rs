//! Conversions between stored bytes and text and the domain types: the sealed password and the
//! displayed sender and BCC.

use shared::{EmailAddress, Mailbox, Password};

use crate::crypto::Cipher;
use crate::store::{AccountId, StoreError};

/// Returns the associated data of a sealed password, so that a ciphertext copied to another
/// account's row does not decrypt.
fn password_context(account: AccountId) -> Vec<u8> {
    format!("server-password:account={account}").into_bytes()
}

pub(super) fn seal_password(
    cipher: &Cipher,
    account: AccountId,
    password: &Password,
) -> Result<Vec<u8>, StoreError> {
    Ok(cipher.encrypt(password.expose().as_bytes(), &password_context(account))?)
}

pub(super) fn open_password(
    cipher: &Cipher,
    account: AccountId,
    sealed: &[u8],
) -> Result<Password, StoreError> {
    let bytes = cipher.decrypt(sealed, &password_context(account))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| StoreError::Corrupt("a decrypted SMTP password is not UTF-8".to_owned()))?;
    Ok(Password::new(text))
}

/// Formats the sender as the seller reads it, such as `Max Müller <max@bücher.example>`, in a
/// form that `shared::parse_mailbox` reads back into the same mailbox.
pub(super) fn sender_text(sender: &Mailbox) -> String {
    sender.to_display_string()
}

/// Formats BCC addresses for display, separated by `, `.
pub(super) fn bcc_text(addresses: &[EmailAddress]) -> String {
    addresses
        .iter()
        .map(EmailAddress::to_unicode)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailbox(display_name: Option<&str>) -> Mailbox {
        Mailbox {
            display_name: display_name.map(str::to_owned),
            address: shared::parse_email_address("max@bücher.example").expect("a valid address"),
        }
    }

    #[test]
    fn sender_without_name_is_the_unicode_address() {
        assert_eq!(sender_text(&mailbox(None)), "max@bücher.example");
    }

    #[test]
    fn sender_text_parses_back_unchanged() {
        // Stored views are validated again on every read, so the text must round-trip.
        let names = [
            None,
            Some("Max Müller"),
            Some("Max's Shop: Angebote"),
            Some("Max \"der Händler\""),
            Some("Shop <Outlet>"),
        ];
        for name in names {
            let original = mailbox(name);

            let reparsed = shared::parse_mailbox(&sender_text(&original));

            assert_eq!(reparsed, Ok(original), "display name {name:?}");
        }
    }
}
