//! API tokens: `POST /api/tokens` creates one and shows it once, `GET /api/tokens` lists them
//! without the tokens, `DELETE /api/tokens/{id}` revokes one at once.
//!
//! Both the page (session cookie) and a shop system (a token) may call these.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use shared::outbox::{TokenCreated, TokenRequest, TokenView};

use crate::error::ApiError;
use crate::json::ApiJson;
use crate::outbox::tokens::{TokenId, MAX_TOKEN_NAME_CHARS};
use crate::outbox::{Caller, Outbox, OutboxRejection};
use crate::routes::messages::rfc3339;
use crate::routes::method_not_allowed;
use crate::store::Store;

/// Registers `/tokens` and `/tokens/{id}`.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/tokens")
                .route(web::get().to(list_tokens))
                .route(web::post().to(create_token))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/tokens/{id}")
                .route(web::delete().to(delete_token))
                .default_service(web::to(method_not_allowed)),
        );
}

/// `GET /api/tokens`: the account's tokens, oldest first, never the tokens themselves.
async fn list_tokens(caller: Caller, store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    let tokens = store.list_api_tokens(caller.account).await?;
    let views: Vec<TokenView> = tokens
        .into_iter()
        .map(|token| TokenView {
            id: token.id.0,
            name: token.name,
            created_at: rfc3339(token.created_at),
            last_used_at: token.last_used_at.map(rfc3339),
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

/// `POST /api/tokens`: creates a token and returns it, the only time it is shown.
async fn create_token(
    caller: Caller,
    ApiJson(request): ApiJson<TokenRequest>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let name = request.name.trim().to_owned();
    let name_is_valid =
        (1..=MAX_TOKEN_NAME_CHARS).contains(&name.chars().count()) && !name.chars().any(char::is_control);
    if !name_is_valid {
        return Err(OutboxRejection::InvalidTokenName.into());
    }

    let (token, stored) = store.create_api_token(caller.account, name).await?;
    tracing::info!(token_id = stored.id.0, "API token created");
    let body = TokenCreated {
        id: stored.id.0,
        name: stored.name,
        token,
        created_at: rfc3339(stored.created_at),
    };
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/tokens/{}", body.id)))
        .json(body))
}

/// `DELETE /api/tokens/{id}`: revokes a token; requests with it fail from now on.
async fn delete_token(
    caller: Caller,
    path: web::Path<String>,
    store: web::Data<Store>,
    outbox: web::Data<Outbox>,
) -> Result<HttpResponse, ApiError> {
    let id = path.parse().map(TokenId).map_err(|_| ApiError::NotFound)?;
    let Some(hash) = store.delete_api_token(caller.account, id).await? else {
        return Err(ApiError::NotFound);
    };
    outbox.tokens().forget(hash);
    tracing::info!(token_id = id.0, "API token revoked");
    Ok(HttpResponse::NoContent().finish())
}
