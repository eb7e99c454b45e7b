//! The caller of the outbox's endpoints: a shop system with an API token, or the seller's page
//! with the session cookie.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::rejection::OutboxRejection;
use super::tokens::TokenId;
use super::Outbox;
use crate::auth::{CurrentAccount, SESSION_COOKIE};
use crate::error::ApiError;
use crate::store::{AccountId, Store};

/// The caller's way of authenticating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    Token(TokenId),
    Session,
}

/// The account of the request, from `Authorization: Bearer <token>` or the session cookie.
///
/// A request with an `Authorization` header is judged by the token alone (401 `invalid_token`
/// when it is wrong). It needs no CSRF header: a browser never adds the token to a cross-site
/// request by itself. Without the header, the session cookie's rules apply, including the CSRF
/// header on state-changing requests. Without the cookie too, the response is `invalid_token`.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub account: AccountId,
    pub credential: Credential,
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let authorization = request
            .headers()
            .get(header::AUTHORIZATION)
            .map(|value| value.to_str().map(str::to_owned));
        let Some(authorization) = authorization else {
            // Neither a token nor a session is most likely a shop system that forgot the token,
            // so the response explains the token rather than the page's login.
            if request.cookie(SESSION_COOKIE).is_none() {
                return Box::pin(async { Err(ApiError::Outbox(OutboxRejection::InvalidToken)) });
            }
            let session = CurrentAccount::from_request(request, payload);
            return Box::pin(async move {
                let CurrentAccount(account) = session.await?;
                Ok(Caller {
                    account: account.id,
                    credential: Credential::Session,
                })
            });
        };

        let store = request.app_data::<web::Data<Store>>().cloned();
        let outbox = request.app_data::<web::Data<Outbox>>().cloned();
        Box::pin(async move {
            let (Some(store), Some(outbox)) = (store, outbox) else {
                return Err(ApiError::internal(anyhow::anyhow!(
                    "the store or the outbox is not registered"
                )));
            };
            let token = authorization
                .ok()
                .as_deref()
                .and_then(bearer_token)
                .map(str::to_owned)
                .ok_or(ApiError::Outbox(OutboxRejection::InvalidToken))?;
            let (token, account) = outbox
                .tokens()
                .authenticate(&store, &token)
                .await?
                .ok_or(ApiError::Outbox(OutboxRejection::InvalidToken))?;
            tracing::Span::current().record("account_id", account.0);
            Ok(Caller {
                account,
                credential: Credential::Token(token),
            })
        })
    }
}

/// Returns the token of `Bearer <token>`; the scheme is case-insensitive (RFC 9110, 11.1).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_token_parsed() {
        assert_eq!(bearer_token("Bearer pa_abc"), Some("pa_abc"));
        assert_eq!(bearer_token("bearer   pa_abc "), Some("pa_abc"));
        assert_eq!(bearer_token("Basic dXNlcg=="), None);
        assert_eq!(bearer_token("Bearer"), None);
    }
}
