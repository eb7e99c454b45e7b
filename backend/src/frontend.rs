//! Serving the built page: its files from the frontend folder, `index.html` for every other
//! path outside `/api` (the page routes in the browser), or a notice when it is not built.

use std::path::{Path, PathBuf};

use actix_files::{Files, NamedFile};
use actix_web::dev::{fn_service, ServiceRequest, ServiceResponse};
use actix_web::http::header::ContentType;
use actix_web::{web, HttpResponse};

/// Registers the page's files, or the notice when `frontend_dir` has no `index.html`.
pub fn configure(config: &mut web::ServiceConfig, frontend_dir: &Path) {
    if frontend_dir.join("index.html").is_file() {
        let index = frontend_dir.join("index.html");
        config.service(
            Files::new("/", frontend_dir)
                .index_file("index.html")
                .default_handler(fn_service(move |request: ServiceRequest| {
                    serve_index(request, index.clone())
                })),
        );
    } else {
        config.default_service(web::to(not_built_notice));
    }
}

async fn serve_index(request: ServiceRequest, index: PathBuf) -> Result<ServiceResponse, actix_web::Error> {
    let (request, _) = request.into_parts();
    let response = NamedFile::open_async(index).await?.into_response(&request);
    Ok(ServiceResponse::new(request, response))
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
