//! Mounts the settings page into `<body>`.

/// A free-list allocator instead of the standard library's dlmalloc: the page allocates little,
/// and the smaller allocator takes a few KB off the gzipped wasm (see BENCHMARKS.md).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

fn main() {
    yew::Renderer::<frontend::app::App>::new().render();
}
