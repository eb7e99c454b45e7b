//! Mounts the outbox page (API tokens and sending logs) into `<body>` of `outbox.html`.

fn main() {
    yew::Renderer::<frontend::outbox_app::OutboxApp>::new().render();
}
