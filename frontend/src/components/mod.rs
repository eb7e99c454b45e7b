//! Small presentational components shared by the pages.

pub mod choices;
pub mod field;
pub mod findings;
pub mod header;
pub mod test_mail;
