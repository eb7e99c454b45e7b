//! The page's screens.

pub mod auth;
pub mod limits;
pub mod message_log;
pub mod reactivation;
pub mod server_form;
pub mod server_list;
pub mod tokens;
