//! Mounts the settings page into `<body>`.

fn main() {
    yew::Renderer::<frontend::app::App>::new().render();
}
