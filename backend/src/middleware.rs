//! Middleware for every request: the request span with its id, error bodies in the seller's
//! language, one log line per request, and the security and caching headers.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use shared::Language;
use tracing::Instrument;

use crate::error::ApiError;
use crate::language::request_language;

/// The id of a request, as logged and as sent in the `X-Request-Id` response header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The Content Security Policy of every response. The page is a wasm module loaded by a script
/// file from this origin: `'wasm-unsafe-eval'` allows compiling it without allowing `eval`.
/// Inline `style` attributes, which Yew components may set, need `'unsafe-inline'` for styles.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Wraps each request in a span, renders [`ApiError`] bodies in the request's language, and
/// logs the outcome: client errors at `info`, internal errors at `error` with their cause chain,
/// and one line per finished request at `info` (at `debug` for a stored mail).
pub async fn observe_request(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let method = request.method().clone();
    let request_id = uuid::Uuid::new_v4().to_string();
    let language = request_language(request.request());
    let span = tracing::info_span!(
        "http_request",
        method = %method,
        route = tracing::field::Empty,
        status = tracing::field::Empty,
        request_id = %request_id,
        account_id = tracing::field::Empty,
    );
    request.extensions_mut().insert(RequestId(request_id.clone()));

    // Handlers' and extractors' errors arrive as responses. An `Err` here comes from a
    // middleware further in, which this service does not have; actix renders it in German.
    let response = next
        .call(request)
        .instrument(span.clone())
        .await
        .inspect_err(|error| {
            span.in_scope(|| tracing::error!(%error, "request failed in a middleware"));
        })?;
    let mut response =
        span.in_scope(|| render_api_error(response.map_into_boxed_body(), language, &request_id));

    let status = response.status();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "(unmatched)".to_owned());
    span.record("route", route.as_str());
    span.record("status", status.as_u16());
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    let elapsed_ms = started.elapsed().as_millis() as u64;
    span.in_scope(|| {
        if is_accepted_mail(&method, &route, status) {
            tracing::debug!(elapsed_ms, "request finished");
        } else {
            tracing::info!(elapsed_ms, "request finished");
        }
    });
    Ok(response)
}

/// Returns whether a request stored a shop's mail. Their line at `info` cost about 4 % of the
/// outbox benchmark's CPU time, so they log at `debug`. The outbox's writer logs at `info` how
/// many mails each commit stored instead.
fn is_accepted_mail(method: &Method, route: &str, status: StatusCode) -> bool {
    method == Method::POST && route == "/api/messages" && status.is_success()
}

/// Replaces the body of an [`ApiError`] response with one in the request's language that
/// repeats the request id, and logs the error once.
fn render_api_error(
    response: ServiceResponse<BoxBody>,
    language: Language,
    request_id: &str,
) -> ServiceResponse<BoxBody> {
    let Some(api_error) = response
        .response()
        .error()
        .and_then(|error| error.as_error::<ApiError>())
    else {
        return response;
    };

    match api_error {
        ApiError::Internal(cause) => {
            tracing::error!(error.code = api_error.code(), error.cause_chain = %format!("{cause:#}"), "request failed");
        }
        _ => tracing::info!(error.code = api_error.code(), "request rejected"),
    }

    let rendered = api_error.to_response(language, request_id);
    let (request, _) = response.into_parts();
    ServiceResponse::new(request, rendered)
}

/// Adds the security headers to every response, `Cache-Control: no-store` to API responses
/// (they contain account data) and `no-cache` to the page's files (revalidated by ETag, so a new
/// build is picked up at once).
pub async fn add_response_headers(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let is_api = request.path() == "/api" || request.path().starts_with("/api/");
    let mut response = next.call(request).await?;

    let headers = response.headers_mut();
    let security_headers = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in security_headers {
        headers.insert(name, HeaderValue::from_static(value));
    }
    let cache_control = if is_api { "no-store" } else { "no-cache" };
    if is_api || !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    }
    Ok(response)
}
