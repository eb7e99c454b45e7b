//! Serving the built page.

use std::path::Path;

use crate::helpers::{json_body, new_client, spawn_app_with, TestApp};

const INDEX: &str = "<!DOCTYPE html><html lang=\"de\"><head><script type=\"module\" src=\"/app.js\"></script></head></html>\n";

async fn spawn_with_page(page_dir: &Path) -> TestApp {
    std::fs::write(page_dir.join("index.html"), INDEX).expect("write index.html");
    std::fs::write(
        page_dir.join("app.js"),
        "console.log('postausgang');\n".repeat(200),
    )
    .expect("write app.js");
    let page_dir = page_dir.to_path_buf();
    spawn_app_with(move |settings| settings.frontend_dir = page_dir).await
}

#[tokio::test]
async fn built_page_is_served_at_root() {
    let page_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_with_page(page_dir.path()).await;

    let response = new_client().get(app.url("/")).send().await.expect("send");

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers().get("cache-control").expect("Cache-Control"),
        "no-cache"
    );
    assert_eq!(response.text().await.expect("read"), INDEX);
}

#[tokio::test]
async fn page_paths_fall_back_to_index() {
    let page_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_with_page(page_dir.path()).await;

    let response = new_client()
        .get(app.url("/servers/12"))
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("read"), INDEX);
}

#[tokio::test]
async fn page_files_are_compressed() {
    let page_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_with_page(page_dir.path()).await;
    // reqwest is built without decompression here, so the raw encoding is visible.
    let client = reqwest::Client::new();

    let response = client
        .get(app.url("/app.js"))
        .header("Accept-Encoding", "br")
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers().get("content-encoding").expect("an encoding"),
        "br"
    );
}

#[tokio::test]
async fn api_paths_never_fall_back_to_index() {
    let page_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_with_page(page_dir.path()).await;

    let response = new_client()
        .get(app.url("/api/unknown"))
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 404);
    assert_eq!(json_body(response).await["error"], "not_found");
}
