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

/// Formats the sender as the seller reads it: `Name <local@domain>` with the Unicode domain,
/// quoting the name when it contains characters that RFC 5322 allows only in quotes.
// NOTE: the page formats the same mailbox itself; if shared gains a formatter, use it here so
// both always agree.
pub(super) fn sender_text(sender: &Mailbox) -> String {
    let address = sender.address.to_unicode();
    match sender.display_name.as_deref() {
        None | Some("") => address,
        Some(name) if name.chars().all(is_phrase_character) => format!("{name} <{address}>"),
        Some(name) => format!(
            "\"{}\" <{address}>",
            name.replace('\\', "\\\\").replace('"', "\\\"")
        ),
    }
}

/// Returns whether a character may appear unquoted in a display name: RFC 5322 `atext`, a
/// space, or any non-ASCII character (RFC 6532).
fn is_phrase_character(character: char) -> bool {
    character.is_ascii_alphanumeric()
        || character == ' '
        || !character.is_ascii()
        || "!#$%&'*+-/=?^_`{|}~".contains(character)
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
            address: EmailAddress {
                local_part: "max".to_owned(),
                domain_unicode: "bücher.example".to_owned(),
                domain_ascii: "xn--bcher-kva.example".to_owned(),
            },
        }
    }

    #[test]
    fn sender_without_name_is_the_unicode_address() {
        assert_eq!(sender_text(&mailbox(None)), "max@bücher.example");
    }

    #[test]
    fn plain_name_stays_unquoted() {
        assert_eq!(
            sender_text(&mailbox(Some("Max Müller"))),
            "Max Müller <max@bücher.example>"
        );
    }

    #[test]
    fn name_with_specials_is_quoted() {
        let cases = [
            (
                "Max's Shop: Angebote",
                "\"Max's Shop: Angebote\" <max@bücher.example>",
            ),
            (
                "Max \"der Händler\"",
                "\"Max \\\"der Händler\\\"\" <max@bücher.example>",
            ),
            ("Shop <Outlet>", "\"Shop <Outlet>\" <max@bücher.example>"),
        ];
        for (name, expected) in cases {
            assert_eq!(
                sender_text(&mailbox(Some(name))),
                expected,
                "display name {name:?}"
            );
        }
    }
}
