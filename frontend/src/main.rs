//! Mounts the settings page into `<body>` of `index.html`.

fn main() {
    yew::Renderer::<frontend::app::App>::new().render();
}
