//! Integration tests of the SMTP path against a real server (aiosmtpd) and scripted peers,
//! all on loopback ports the system picks.

mod delivery;
mod faults;
mod helpers;
mod message;
mod pipelining;
