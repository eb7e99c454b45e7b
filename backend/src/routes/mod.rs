//! The API's routes, one module per area. Each module has a `configure` function that
//! registers its routes below `/api`; [`configure_api`] lists the areas.

pub mod accounts;
pub mod messages;
pub mod sending;
pub mod servers;
pub mod test_mail;
pub mod tokens;

use actix_web::{web, HttpResponse};

use crate::error::ApiError;

/// Registers every area's routes. Called inside the `/api` scope.
pub fn configure_api(config: &mut web::ServiceConfig) {
    accounts::configure(config);
    servers::configure(config);
    test_mail::configure(config);
    tokens::configure(config);
    messages::configure(config);
    sending::configure(config);
}

/// Rejects a path below `/api` that no route matches with 404 `not_found`.
pub async fn api_not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}

/// Rejects a method that a known path does not support with 405 `method_not_allowed`.
pub async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed)
}
