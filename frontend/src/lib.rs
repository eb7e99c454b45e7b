//! Postausgang's settings page: sign-up and login, the list of SMTP servers, the server form with
//! live validation by `shared`, and the test mail.
//!
//! The pure parts (form state, texts, hints) are plain Rust and tested natively; the components
//! run in the browser.

pub mod api;
pub mod app;
pub mod bodies;
pub mod components;
pub mod form;
pub mod i18n;
pub mod json;
pub mod language;
pub mod outbox_api;
pub mod pages;
