//! Postausgang's domain rules, shared by the backend (natively) and the settings page (as wasm32).
//!
//! Both sides call [`validate_server`] on the same [`ServerInput`] and so reach the same verdict.
//! The result is a [`ValidationReport`]: every finding for every field, each with a typed
//! [`FindingCode`] that renders in German and English ([`Finding::message`]), plus the
//! normalised values when nothing blocks saving. Errors block saving; warnings and hints do not.
//!
//! # Rules
//!
//! - **Sender**: a bare address or `Name <address>` ([`parse_mailbox`]). Names may be quoted,
//!   contain commas, colons and non-ASCII letters, or be RFC 2047 encoded; a name equal to the
//!   address is dropped. The address part passes our checks and then the `email_address` crate,
//!   configured strictly: no domain literals, at least two domain labels. Rejected, each with
//!   its own [`AddressProblem`]: no `@`, a domain without a dot, a domain literal or IP address,
//!   dots at the start or end or doubled, spaces or invisible characters inside the address,
//!   and control characters (CR, LF) anywhere. Spaces at the ends are trimmed. Internationalised
//!   domains keep their Unicode form for display and get an ASCII form for sending.
//!   A warning flags a non-ASCII local part (needs SMTPUTF8), and an address of a mail provider
//!   (Gmail, Yahoo, Outlook.com, GMX, WEB.DE, T-Online and the others in [`presets`]) sent
//!   through another server, which fails DMARC.
//! - **Host**: trimmed and lowercased. A scheme (`smtp://`, `smtps://`, `ssl://`, `tls://`) or a
//!   `:port` suffix is removed with a hint. A warning follows when it contradicts security or port.
//!   Spaces, paths, addresses, other schemes and invalid labels are errors, as is a preset's
//!   `XXX` placeholder. Warnings: an IP address (certificates name hosts), a name without a dot,
//!   an IMAP or POP3 host, and inbound-only MX hosts such as `*.mail.protection.outlook.com`,
//!   with the submission host as fix.
//! - **Port**: 1 to 65535. Warnings: port 25; STARTTLS or no encryption on 465; TLS from the
//!   first byte on 587, 25 or 2525. Each comes with a one-click [`report::Fix`].
//! - **Security**: no encryption with a password is an error unless the host is loopback;
//!   without a password it is a warning.
//! - **Login**: any text without control characters, trimmed; required with a password. A hint
//!   when it is an address of another domain than the sender's (553 5.7.1).
//! - **Password**: kept byte for byte; required with a login unless one is stored.
//! - **BCC**: empty, or up to ten addresses separated by `,` or `;`, each checked like the sender.
//! - **Provider**: empty or a preset id. The chosen or detected preset adds its hints: app
//!   password, SMTP AUTH by an administrator, OAuth only, access to switch on, account-specific
//!   host, its note and its sending limits.
//! - **Marketplaces**: eBay buyers are best reached with STARTTLS on 587 (hint on 465); test
//!   mails to Amazon's relay addresses get the approved-sender and `[Wichtig]` hints
//!   ([`validate_test_recipients`]).
//!
//! # Dependencies
//!
//! The crate depends on no transport, runtime or I/O crate, so it builds for
//! `wasm32-unknown-unknown`. Domain names are converted by our own Punycode (RFC 3492) and
//! lowercasing instead of the `idna` crate, which would add about 46.5 KB gzipped to the page
//! (`scripts/measure-shared-wasm-size.sh`).

pub mod address;
pub mod api;
pub mod i18n;
mod messages;
pub mod outbox;
pub mod presets;
pub mod report;
pub mod security;
mod text;
pub mod validate;

pub use address::{parse_address_list, parse_email_address, parse_mailbox, AddressProblem, InvalidListEntry};
pub use i18n::Language;
pub use report::{Field, Finding, FindingCode, Fix, Severity, ValidationReport};
pub use security::Security;
pub use validate::{
    validate_port_text, validate_server, validate_test_recipients, EmailAddress, Mailbox, NormalizedServer,
    Password, PortInput, ServerInput,
};
