//! Test fixtures for Postausgang: certificates made for each test, a real SMTP server
//! (aiosmtpd) and scripted SMTP peers that misbehave on purpose.
//!
//! Every fixture listens on 127.0.0.1 only, on a port the system picks, and stops its process
//! or task when dropped.

mod certificates;
mod fault_peer;
mod smtp_server;

pub use certificates::{CertificateOptions, TestCertificates};
pub use fault_peer::{FaultPeer, PeerScript, PeerTls};
pub use smtp_server::{ReceivedMessage, ServerMode, SmtpServer, SmtpServerOptions};
