//! The session cookie and the extractor that turns it into the current account.
//!
//! The cookie contains a random token, and the database stores only its SHA-256 hash, so a leaked
//! database copy cannot be replayed as a login. Cross-site requests are blocked twice:
//! `SameSite=Strict` keeps the browser from sending the cookie, and every state-changing request
//! authenticated by the cookie must carry `X-Requested-With: postausgang`, a header that another
//! site cannot add without a CORS preflight, which this service never grants.

use std::time::Duration;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{web, FromRequest, HttpRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use futures_util::future::LocalBoxFuture;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::store::{Account, Store};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "postausgang_session";
/// How long a session lasts after login; there is no sliding renewal.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(14 * 24 * 60 * 60);
/// The header that state-changing requests with the session cookie must carry.
pub const CSRF_HEADER: &str = "X-Requested-With";
/// The required value of [`CSRF_HEADER`].
pub const CSRF_HEADER_VALUE: &str = "postausgang";

/// Creates a session token: 256 random bits, URL-safe base64.
pub fn new_session_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Returns the hash under which a token is stored.
pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Builds the cookie that carries a new session.
pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    let max_age = actix_web::cookie::time::Duration::seconds(SESSION_LIFETIME.as_secs() as i64);
    Cookie::build(SESSION_COOKIE, token)
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .secure(secure)
        .max_age(max_age)
        .finish()
}

/// Builds the cookie that makes the browser delete the session cookie.
pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie = session_cookie(String::new(), secure);
    cookie.make_removal();
    cookie
}

/// The account of the request's session.
///
/// Extracting it fails with 401 `not_authenticated` without a valid session, and with 403
/// `csrf_header_missing` when a state-changing request lacks the CSRF header.
#[derive(Debug, Clone)]
pub struct CurrentAccount(pub Account);

impl FromRequest for CurrentAccount {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let store = request.app_data::<web::Data<Store>>().cloned();
        let token = request
            .cookie(SESSION_COOKIE)
            .map(|cookie| cookie.value().to_owned());
        let lacks_csrf_header = is_state_changing(request.method()) && !has_csrf_header(request);
        Box::pin(async move {
            let store =
                store.ok_or_else(|| ApiError::internal(anyhow::anyhow!("the store is not registered")))?;
            let token = token
                .filter(|token| !token.is_empty())
                .ok_or(ApiError::NotAuthenticated)?;
            let account = store
                .find_session_account(hash_token(&token))
                .await?
                .ok_or(ApiError::NotAuthenticated)?;
            if lacks_csrf_header {
                return Err(ApiError::CsrfHeaderMissing);
            }
            tracing::Span::current().record("account_id", account.id.0);
            Ok(CurrentAccount(account))
        })
    }
}

/// Whether a method changes state. GET, HEAD and OPTIONS never do here.
pub(crate) fn is_state_changing(method: &Method) -> bool {
    [Method::POST, Method::PUT, Method::PATCH, Method::DELETE].contains(method)
}

pub(crate) fn has_csrf_header(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim().eq_ignore_ascii_case(CSRF_HEADER_VALUE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_long() {
        let first = new_session_token();
        let second = new_session_token();

        assert_ne!(first, second);
        assert_eq!(first.len(), 43, "32 bytes in base64 without padding");
    }

    #[test]
    fn cookie_has_the_agreed_attributes() {
        let cookie = session_cookie("token".to_owned(), false).to_string();

        assert!(cookie.starts_with("postausgang_session=token"), "{cookie}");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Strict"), "{cookie}");
        assert!(cookie.contains("Path=/"), "{cookie}");
        assert!(cookie.contains("Max-Age=1209600"), "{cookie}");
        assert!(!cookie.contains("Secure"), "{cookie}");
    }

    #[test]
    fn secure_cookie_when_configured() {
        assert!(session_cookie("token".to_owned(), true)
            .to_string()
            .contains("Secure"));
    }
}
