//! End-to-end tests of the settings page: real headless Chromium through chromedriver, the real
//! backend serving the built page, and the aiosmtpd fixture as the seller's SMTP server.
//!
//! They need `scripts/build-frontend.sh` to have run and chromedriver to be installed
//! (`scripts/install-test-deps.sh`); without them they fail and say so. Screenshots go to
//! `test-artifacts/screenshots/`.

mod field_cases;
mod harness;
mod journey;
mod outbox_page;
mod page;
