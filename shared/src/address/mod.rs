//! Email addresses and mailboxes: parsing what a seller types, and writing header values.
//!
//! The address part goes through our own checks first, so that each mistake gets a precise
//! [`AddressProblem`], and then through the `email_address` crate, configured strictly (no
//! domain literals, at least two domain labels, no display text), as the final gate. That crate
//! alone rejects `Name <address>` and writes names unquoted, so display names are handled here.

mod addr_spec;
mod encoded_word;
pub(crate) mod idn;
mod mailbox;

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::i18n::Language;
use crate::report::{Field, Finding, FindingCode, Severity};

use addr_spec::parse_checked_address;
pub use addr_spec::parse_email_address;
pub use mailbox::{parse_address_list, parse_mailbox, InvalidListEntry};

/// Maximum length of the part before the `@`, in bytes (RFC 5321, section 4.5.3.1.1).
pub const MAX_LOCAL_PART_LENGTH: usize = 64;

/// Maximum length of a domain in its ASCII form (RFC 1035, section 2.3.4).
pub const MAX_DOMAIN_LENGTH: usize = idn::MAX_DOMAIN_LENGTH;

/// An email address split into its parts, with the domain in both forms.
///
/// Build it with [`parse_email_address`] (or `str::parse`): the fields are public for
/// reading, and a value built by hand skips every check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EmailAddress {
    /// The part before the `@`, exactly as entered (its case matters, RFC 5321, section 2.4).
    pub local_part: String,
    /// The domain as the seller reads it, lowercase, such as `bücher.example`.
    pub domain_unicode: String,
    /// The domain as SMTP sends it without SMTPUTF8, lowercase, such as `xn--bcher-kva.example`.
    pub domain_ascii: String,
}

impl EmailAddress {
    /// Returns the address for display, with the Unicode domain.
    pub fn to_unicode(&self) -> String {
        format!("{}@{}", self.local_part, self.domain_unicode)
    }

    /// Returns the address for the SMTP envelope and headers, with the ASCII domain.
    pub fn to_ascii(&self) -> String {
        format!("{}@{}", self.local_part, self.domain_ascii)
    }

    /// Returns whether the local part has characters outside ASCII, which only servers with
    /// the SMTPUTF8 extension (RFC 6531) accept.
    pub fn needs_smtputf8(&self) -> bool {
        !self.local_part.is_ascii()
    }
}

impl FromStr for EmailAddress {
    type Err = AddressProblem;

    fn from_str(text: &str) -> Result<EmailAddress, AddressProblem> {
        parse_email_address(text)
    }
}

/// An address with an optional display name, as in `Max Mustermann <max@shop.example>`.
///
/// Build it with [`parse_mailbox`] (or `str::parse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    /// The name mail programs show, without quotes or encoding. `None` when the seller gave
    /// none, or gave the address itself as the name.
    pub display_name: Option<String>,
    pub address: EmailAddress,
}

impl Mailbox {
    /// Writes the mailbox as an RFC 5322 header value with the ASCII domain, such as
    /// `"Max's Shop: Angebote" <max@xn--bcher-kva.example>`.
    ///
    /// A name made of plain ASCII words stays as it is. Other ASCII names are quoted, with `"`
    /// and `\` escaped, so that specials such as `:` or `<` stay part of the name. Names with
    /// other characters become RFC 2047 encoded-words. [`parse_mailbox`] reads the result back
    /// into the same mailbox.
    pub fn to_header_value(&self) -> String {
        let address = self.address.to_ascii();
        match &self.display_name {
            None => address,
            Some(name) => format!("{} <{address}>", mailbox::header_phrase(name)),
        }
    }

    /// Writes the mailbox for the form, with the Unicode domain and without encoded-words,
    /// such as `Max Müller <max@bücher.example>`. [`parse_mailbox`] reads it back too.
    pub fn to_display_string(&self) -> String {
        let address = self.address.to_unicode();
        match &self.display_name {
            None => address,
            Some(name) => format!("{} <{address}>", mailbox::display_phrase(name)),
        }
    }
}

impl FromStr for Mailbox {
    type Err = AddressProblem;

    fn from_str(text: &str) -> Result<Mailbox, AddressProblem> {
        parse_mailbox(text)
    }
}

/// The reason a text is not an acceptable address, precise enough to tell the seller what to
/// change.
///
/// Serialised inside [`FindingCode::InvalidAddress`] as `"problem": "missing_at"` plus the
/// variant's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AddressProblem {
    /// Nothing was entered.
    Empty,
    /// A line break or another control character, anywhere in the text. Such characters could
    /// add header lines to the mail (header injection).
    ControlCharacter { code_point: String },
    /// An invisible character, such as a zero-width space, inside the address.
    InvisibleCharacter { code_point: String },
    /// A space inside the address.
    SpaceInAddress,
    /// Several addresses where one is expected, or addresses separated only by spaces.
    MultipleAddresses,
    /// A name and an address without angle brackets, such as `Max max@shop.example`.
    NameWithoutAngleBrackets { suggestion: String },
    /// A `<` without the closing `>`.
    MissingClosingBracket,
    /// Text after the closing `>`.
    TextAfterAddress { text: String },
    /// A `<` or `>` outside quotes that does not enclose the address.
    UnexpectedAngleBracket,
    /// A quotation mark without its closing partner.
    UnbalancedQuotes,
    /// No `@`.
    MissingAt,
    /// More than one `@` outside quotes.
    MultipleAt,
    /// Nothing before the `@`.
    EmptyLocalPart,
    /// The part before the `@` is longer than `max` bytes.
    LocalPartTooLong { max: usize },
    /// A dot at the start or end of the part before the `@`, or two dots in a row.
    LocalPartDot,
    /// A character that the part before the `@` may contain only inside quotes.
    InvalidLocalPartCharacter { character: String },
    /// Nothing after the `@`.
    EmptyDomain,
    /// A domain literal such as `[192.0.2.1]` instead of a domain name.
    DomainLiteral,
    /// An IP address instead of a domain name.
    IpAddressAsDomain,
    /// A domain with a single label, such as `examplecom` or `localhost`. `suggestion` is the
    /// domain with the dot probably meant, such as `example.com`, where one is likely.
    DomainWithoutDot {
        domain: String,
        suggestion: Option<String>,
    },
    /// A dot at the start or end of the domain, or two dots in a row.
    DomainDot,
    /// A label of the domain with a character other than letters, digits and hyphens, a
    /// hyphen at its start or end, more than 63 characters, or only digits at the end.
    InvalidDomainLabel { label: String },
    /// The domain is longer than `max` characters in its ASCII form.
    DomainTooLong { max: usize },
    /// Anything else that the strict address check rejects.
    NotAnAddress,
}

impl AddressProblem {
    /// Builds the finding for this problem in a field: an error that echoes the input.
    pub fn to_finding(&self, field: Field, input: &str) -> Finding {
        Finding {
            field,
            severity: Severity::Error,
            code: FindingCode::InvalidAddress {
                input: input.trim().to_owned(),
                problem: self.clone(),
            },
            fix: None,
        }
    }

    /// Renders the problem as the message for a field, as [`Finding::message`] does.
    pub fn message(&self, field: Field, input: &str, language: Language) -> String {
        self.to_finding(field, input).message(language)
    }
}
