//! The API documentation as plain text below `/docs/`, so that the page can link a seller's
//! developer to it. The files are compiled in, so the binary serves them wherever it runs.

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{web, HttpResponse};

/// The served documents: the outbox (how a shop system hands over its mails) and the whole
/// API, each in German and English.
const DOCUMENTS: [(&str, &str); 4] = [
    ("outbox.md", include_str!("../../docs/outbox.md")),
    ("outbox.en.md", include_str!("../../docs/outbox.en.md")),
    ("api.md", include_str!("../../docs/api.md")),
    ("api.en.md", include_str!("../../docs/api.en.md")),
];

/// Registers `GET /docs/{name}`.
pub fn configure(config: &mut web::ServiceConfig) {
    config.route("/docs/{name}", web::get().to(document));
}

/// Returns one document as UTF-8 text (browsers show Markdown served as text), or 404.
async fn document(name: web::Path<String>) -> HttpResponse {
    match DOCUMENTS.iter().find(|(file, _)| *file == name.as_str()) {
        Some((_, text)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
            .insert_header(CacheControl(vec![CacheDirective::NoCache]))
            .body(*text),
        None => HttpResponse::NotFound()
            .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
            .body("Not found: /docs/ serves outbox.md, outbox.en.md, api.md and api.en.md."),
    }
}
