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

/// Stand-ins for the build's `.gz` and `.br` siblings. The server sends a sibling's bytes
/// unchanged, so they need not be valid compressed data, and distinct bytes show which file was
/// sent.
const APP_JS_GZ: &[u8] = b"stand-in for app.js.gz";
const APP_JS_BR: &[u8] = b"stand-in for app.js.br";
const INDEX_BR: &[u8] = b"stand-in for index.html.br";

/// Starts the server on a page whose `app.js` and `index.html` have precompressed siblings.
async fn spawn_with_precompressed_page(page_dir: &Path) -> TestApp {
    let app = spawn_with_page(page_dir).await;
    std::fs::write(page_dir.join("app.js.gz"), APP_JS_GZ).expect("write app.js.gz");
    std::fs::write(page_dir.join("app.js.br"), APP_JS_BR).expect("write app.js.br");
    std::fs::write(page_dir.join("index.html.br"), INDEX_BR).expect("write index.html.br");
    app
}

/// Sends a GET with the given `Accept-Encoding` through a client that does not decompress, so
/// the raw bytes and the `Content-Encoding` header are visible.
async fn get_encoded(app: &TestApp, path: &str, accept_encoding: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(path))
        .header("Accept-Encoding", accept_encoding)
        .send()
        .await
        .expect("send")
}

fn header<'response>(response: &'response reqwest::Response, name: &str) -> Option<&'response str> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().expect("an ASCII header value"))
}

#[tokio::test]
async fn gzip_request_gets_gz_sibling() {
    let page_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_with_precompressed_page(page_dir.path()).await;
    let plain = get_encoded(&app, "/app.js", "identity").await;
    let plain_content_type = header(&plain, "content-type").expect("a Content-Type").to_owned();

    let response = get_encoded(&app, "/app.js", "gzip").await;

    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-encoding"), Some("gzip"));
    assert_eq!(
        header(&response, "content-type"),
        Some(plain_content_type.as_str())
    );
    assert!(
        plain_content_type.contains("javascript"),
        "Content-Type of app.js: {plain_content_type}"
    );
    assert_eq!(response.bytes().await.expect("read"), APP_JS_GZ);
}

#[tokio::test]
async fn br_sibling_preferred_when_both_accepted() {
    let page_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_with_precompressed_page(page_dir.path()).await;

    // Chromium's header. Its q-values are equal, and actix-web ranks Brotli above gzip then.
    let response = get_encoded(&app, "/app.js", "gzip, deflate, br, zstd").await;

    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-encoding"), Some("br"));
    assert_eq!(response.bytes().await.expect("read"), APP_JS_BR);
}

#[tokio::test]
async fn q_values_choose_between_siblings() {
    let page_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_with_precompressed_page(page_dir.path()).await;

    let response = get_encoded(&app, "/app.js", "br;q=0.5, gzip").await;

    assert_eq!(header(&response, "content-encoding"), Some("gzip"));
    assert_eq!(response.bytes().await.expect("read"), APP_JS_GZ);
}

#[tokio::test]
async fn identity_request_gets_plain_file() {
    let page_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_with_precompressed_page(page_dir.path()).await;

    let response = get_encoded(&app, "/app.js", "identity").await;

    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-encoding"), None);
    let body = response.text().await.expect("read");
    assert!(body.starts_with("console.log('postausgang');"), "{body}");
}

#[tokio::test]
async fn page_responses_vary_on_accept_encoding() {
    let page_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_with_precompressed_page(page_dir.path()).await;
    let cases = [
        ("/app.js", "br"),
        ("/app.js", "gzip"),
        ("/app.js", "identity"),
        ("/", "br"),
        ("/servers/12", "identity"),
    ];

    for (path, accept_encoding) in cases {
        let response = get_encoded(&app, path, accept_encoding).await;

        assert_eq!(response.status(), 200, "{path} with {accept_encoding}");
        let vary = header(&response, "vary").unwrap_or_default().to_ascii_lowercase();
        assert!(
            vary.contains("accept-encoding"),
            "Vary of {path} with {accept_encoding}: {vary:?}"
        );
    }
}

#[tokio::test]
async fn stale_sibling_is_ignored() {
    let page_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_with_precompressed_page(page_dir.path()).await;
    // A sibling older than its file, as an interrupted build or a hand-edited file leaves it.
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(page_dir.path().join("app.js.gz"))
        .expect("open app.js.gz")
        .set_modified(an_hour_ago)
        .expect("backdate app.js.gz");

    let response = get_encoded(&app, "/app.js", "gzip").await;

    assert_eq!(response.status(), 200);
    // The plain file is compressed on the fly by the `Compress` middleware instead.
    assert_eq!(header(&response, "content-encoding"), Some("gzip"));
    assert_ne!(response.bytes().await.expect("read"), APP_JS_GZ);
}

#[tokio::test]
async fn page_paths_fall_back_to_precompressed_index() {
    let page_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_with_precompressed_page(page_dir.path()).await;

    let response = get_encoded(&app, "/servers/12", "br").await;

    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-encoding"), Some("br"));
    assert_eq!(
        header(&response, "content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(response.bytes().await.expect("read"), INDEX_BR);
}

#[tokio::test]
async fn sibling_revalidates_by_its_etag() {
    let page_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_with_precompressed_page(page_dir.path()).await;
    let first = get_encoded(&app, "/app.js", "br").await;
    let etag = header(&first, "etag").expect("an ETag").to_owned();

    let response = reqwest::Client::new()
        .get(app.url("/app.js"))
        .header("Accept-Encoding", "br")
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 304);
    let vary = header(&response, "vary").unwrap_or_default().to_ascii_lowercase();
    assert!(vary.contains("accept-encoding"), "Vary of the 304: {vary:?}");
    let plain = get_encoded(&app, "/app.js", "identity").await;
    assert_ne!(
        header(&plain, "etag"),
        Some(etag.as_str()),
        "the plain file and its .br sibling must have different ETags"
    );
}

#[tokio::test]
async fn range_request_gets_plain_file() {
    let page_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_with_precompressed_page(page_dir.path()).await;

    let response = reqwest::Client::new()
        .get(app.url("/app.js"))
        .header("Accept-Encoding", "br")
        .header("Range", "bytes=0-6")
        .send()
        .await
        .expect("send");

    assert_eq!(response.status(), 206);
    assert_eq!(response.text().await.expect("read"), "console");
}

#[tokio::test]
async fn page_files_reject_other_methods() {
    let page_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_with_page(page_dir.path()).await;

    let response = new_client().post(app.url("/app.js")).send().await.expect("send");

    assert_eq!(response.status(), 405);
    assert_eq!(
        response.headers().get("allow").expect("an Allow header"),
        "GET, HEAD"
    );
}

#[tokio::test]
async fn api_docs_are_served_as_text() {
    let page_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_with_page(page_dir.path()).await;

    for (name, expected) in [
        ("outbox.md", "POST /api/messages"),
        ("outbox.en.md", "POST /api/messages"),
    ] {
        let response = new_client()
            .get(app.url(&format!("/docs/{name}")))
            .send()
            .await
            .expect("send");

        assert_eq!(response.status(), 200, "{name}");
        assert_eq!(
            response.headers().get("content-type").expect("Content-Type"),
            "text/plain; charset=utf-8"
        );
        assert!(response.text().await.expect("read").contains(expected), "{name}");
    }

    let missing = new_client()
        .get(app.url("/docs/secret.key"))
        .send()
        .await
        .expect("send");
    assert_eq!(missing.status(), 404);
}
