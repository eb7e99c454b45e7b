//! Postausgang's HTTP service: accounts and sessions, the SMTP server settings API with
//! encrypted passwords, and the built page.
//!
//! [`startup::Application`] assembles everything from [`settings::Settings`]. Routes live in
//! [`routes`], with one `configure` function per area. Storage lives in [`store`], with one typed
//! method on [`store::Store`] per operation. [`error::ApiError`] maps every failure to HTTP in one
//! place.

pub mod auth;
pub mod crypto;
pub mod docs;
pub mod error;
pub mod frontend;
pub mod json;
pub mod language;
pub mod middleware;
pub mod outbox;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod store;
pub mod telemetry;

pub use settings::Settings;
pub use startup::Application;
