//! Postausgang's domain rules, shared by the backend (natively) and the settings page (as wasm32).
//!
//! Both sides call [`validate_server`] on the same [`ServerInput`] and so reach the same verdict.
//! The result is a [`ValidationReport`]: every finding for every field, each with a typed
//! [`FindingCode`] that renders in German and English, plus the normalised values when nothing
//! blocks saving.

pub mod api;
pub mod i18n;
pub mod presets;
pub mod report;
pub mod security;
pub mod validate;

pub use i18n::Language;
pub use report::{Field, Finding, FindingCode, Severity, ValidationReport};
pub use security::Security;
pub use validate::{validate_server, EmailAddress, Mailbox, NormalizedServer, Password, PortInput, ServerInput};
