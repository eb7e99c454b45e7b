//! API tests against a running server on a loopback port. One binary, one module per area;
//! `helpers` contains the `spawn_app` fixture.

mod accounts;
mod defaults;
mod frontend;
mod helpers;
mod isolation;
mod lockout;
mod outbox;
mod requests;
mod secrets;
mod servers;
mod startup;
mod store_for_senders;
mod test_mail;
