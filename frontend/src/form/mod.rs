//! The server form's logic, free of the DOM so that it is tested natively.

pub mod recipient;
pub mod state;
pub mod values;
