//! The seller's language, from the request's `Accept-Language` header; German by default.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use shared::Language;

/// Returns the language that a request's `Accept-Language` header prefers.
pub fn request_language(request: &HttpRequest) -> Language {
    request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .map(Language::from_accept_language)
        .unwrap_or_default()
}

/// The request's language, as a handler argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SellerLanguage(pub Language);

impl FromRequest for SellerLanguage {
    type Error = std::convert::Infallible;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Ok(SellerLanguage(request_language(request))))
    }
}
