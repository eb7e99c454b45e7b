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
pub mod outbox_app;
pub mod pages;

/// A free-list allocator instead of the standard library's dlmalloc: the pages allocate little,
/// and the smaller allocator takes a few KB off the gzipped wasm (see BENCHMARKS.md).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());
