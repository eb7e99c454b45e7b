//! The page's screens.

pub mod auth;
pub mod server_form;
pub mod server_list;
