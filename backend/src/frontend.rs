//! Serving the built page: its files from the frontend folder, `index.html` for every other
//! path outside `/api` (the page routes in the browser), or a notice when it is not built.
//!
//! `scripts/build-frontend.sh` writes a Zopfli `FILE.gz` and a Brotli `FILE.br` next to each
//! file. A request whose `Accept-Encoding` allows one of them gets that sibling with the
//! matching `Content-Encoding`, so the `Compress` middleware, which skips responses that
//! already have a `Content-Encoding`, does not compress it again. Without a usable sibling the
//! plain file is served and `Compress` compresses it on the fly.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use actix_files::{NamedFile, PathBufWrap};
use actix_web::http::header::{self, AcceptEncoding, ContentEncoding, ContentType, Encoding, HeaderValue};
use actix_web::http::Method;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};

/// The precompressed siblings of a page file: the suffix of the sibling's name and its encoding.
const PRECOMPRESSED_SIBLINGS: [(&str, ContentEncoding); 2] =
    [(".br", ContentEncoding::Brotli), (".gz", ContentEncoding::Gzip)];

/// Registers the page's files, or the notice when `frontend_dir` has no `index.html`.
pub fn configure(config: &mut web::ServiceConfig, frontend_dir: &Path) {
    if frontend_dir.join("index.html").is_file() {
        let page_dir = frontend_dir.to_path_buf();
        config.default_service(web::to(move |request: HttpRequest| {
            serve_page_file(request, page_dir.clone())
        }));
    } else {
        config.default_service(web::to(not_built_notice));
    }
}

/// Serves the requested file of the page, or `index.html` when the path names no file.
async fn serve_page_file(request: HttpRequest, page_dir: PathBuf) -> Result<HttpResponse, actix_web::Error> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return Ok(HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "GET, HEAD"))
            .finish());
    }

    // Rejects `..`, hidden files and encoded slashes, as actix-files' `Files` does.
    let relative = PathBufWrap::parse_req_path(&request, false)?;
    let requested = page_dir.join(relative);
    let path = if requested.is_file() {
        requested
    } else {
        page_dir.join("index.html")
    };

    let file = open_best_representation(&request, &path).await?;
    let mut response = file.into_response(&request);
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(response)
}

/// Opens the precompressed sibling of `path` that the request accepts, or `path` itself. The
/// sibling keeps the plain file's `Content-Type` and `Content-Disposition`. Its own `ETag` and
/// `Last-Modified` tell the encodings apart in caches.
async fn open_best_representation(request: &HttpRequest, path: &Path) -> std::io::Result<NamedFile> {
    let plain = NamedFile::open_async(path).await?;
    // actix-files marks every partial response as `Content-Encoding: identity`, so a range
    // request gets a range of the plain file.
    if request.headers().contains_key(header::RANGE) {
        return Ok(plain);
    }
    let Some(source_modified) = plain.modified() else {
        return Ok(plain);
    };

    let fresh_siblings: Vec<(ContentEncoding, PathBuf)> = PRECOMPRESSED_SIBLINGS
        .iter()
        .filter_map(|&(suffix, encoding)| {
            fresh_sibling(path, suffix, source_modified).map(|sibling| (encoding, sibling))
        })
        .collect();
    let preferred = negotiate_encoding(request, fresh_siblings.iter().map(|(encoding, _)| *encoding));
    let Some((encoding, sibling)) = fresh_siblings
        .into_iter()
        .find(|(encoding, _)| Some(*encoding) == preferred)
    else {
        return Ok(plain);
    };

    Ok(NamedFile::open_async(sibling)
        .await?
        .set_content_encoding(encoding)
        .set_content_type(plain.content_type().clone())
        .set_content_disposition(plain.content_disposition().clone()))
}

/// Returns the path of `path` + `suffix` if that file exists and was written no earlier than
/// the source, so that a stale sibling from an older build is never served.
fn fresh_sibling(path: &Path, suffix: &str, source_modified: SystemTime) -> Option<PathBuf> {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    let sibling = PathBuf::from(name);

    let metadata = std::fs::metadata(&sibling).ok()?;
    let sibling_modified = metadata.modified().ok()?;
    (metadata.is_file() && sibling_modified >= source_modified).then_some(sibling)
}

/// Picks the encoding the request prefers among `available` by its q-values, with Brotli before
/// gzip on a tie. Returns `None` for the plain file: no `Accept-Encoding`, nothing accepted, or
/// identity preferred.
fn negotiate_encoding(
    request: &HttpRequest,
    available: impl Iterator<Item = ContentEncoding>,
) -> Option<ContentEncoding> {
    let accepted = request.get_header::<AcceptEncoding>()?;
    let supported: Vec<Encoding> = std::iter::once(Encoding::identity())
        .chain(available.map(Encoding::Known))
        .collect();

    match accepted.negotiate(supported.iter())? {
        Encoding::Known(encoding) if encoding != ContentEncoding::Identity => Some(encoding),
        _ => None,
    }
}

/// Returns a notice in German and English that the page is not built, with the build command.
async fn not_built_notice() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(NOT_BUILT_PAGE)
}

const NOT_BUILT_PAGE: &str = r#"<!DOCTYPE html>
<html lang="de">
<head><meta charset="utf-8"><title>Postausgang</title></head>
<body>
<h1>Postausgang</h1>
<p>Die Oberfläche ist noch nicht gebaut. Bauen Sie sie im Projektordner mit
<code>scripts/build-frontend.sh</code> und starten Sie Postausgang neu.
Die API unter <code>/api/</code> läuft bereits.</p>
<p lang="en">The page is not built yet. Build it in the project folder with
<code>scripts/build-frontend.sh</code> and restart Postausgang.
The API under <code>/api/</code> is already running.</p>
</body>
</html>
"#;
