//! CRUD of the account's SMTP servers and the choice of the default server.
//!
//! Every create and update runs `shared::validate_server`, the same rules as the page, because
//! the API can be called without the page. Any error finding gets a 422 response with the whole
//! report, and nothing is saved.

mod view;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use shared::api::{ServerDeleted, ServerSaved};
use shared::{validate_server, NormalizedServer, ServerInput, ValidationReport};

use crate::auth::CurrentAccount;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::language::SellerLanguage;
use crate::routes::method_not_allowed;
use crate::store::{PasswordChange, ServerId, SetDefaultOutcome, Store};
use view::{default_change_view, server_view};

/// Registers `/servers`, `/servers/{id}` and `/servers/{id}/default`.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/servers")
                .route(web::get().to(list_servers))
                .route(web::post().to(create_server))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/servers/{id}")
                .route(web::get().to(show_server))
                .route(web::put().to(update_server))
                .route(web::delete().to(delete_server))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/servers/{id}/default")
                .route(web::post().to(make_default_server))
                .default_service(web::to(method_not_allowed)),
        );
}

/// Parses the `{id}` path segment. Anything but a number is a server that does not exist.
pub fn parse_server_id(segment: &str) -> Result<ServerId, ApiError> {
    segment.parse().map(ServerId).map_err(|_| ApiError::NotFound)
}

/// `GET /api/servers`: the account's servers, oldest first.
async fn list_servers(
    CurrentAccount(account): CurrentAccount,
    SellerLanguage(language): SellerLanguage,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let servers = store.list_servers(account.id).await?;
    let views: Vec<_> = servers
        .iter()
        .map(|server| server_view(server, language))
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

/// `GET /api/servers/{id}`.
async fn show_server(
    CurrentAccount(account): CurrentAccount,
    SellerLanguage(language): SellerLanguage,
    path: web::Path<String>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_server_id(&path)?;
    let server = store
        .find_server(account.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(server_view(&server, language)))
}

/// `POST /api/servers`: validates and saves a new server.
async fn create_server(
    CurrentAccount(account): CurrentAccount,
    SellerLanguage(language): SellerLanguage,
    ApiJson(input): ApiJson<ServerInput>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let settings = accept_settings(validate_server(&input, false))?;

    let (server, change) = store.create_server(account.id, settings, input.password).await?;
    tracing::info!(server_id = server.id.0, "server created");

    let body = ServerSaved {
        server: server_view(&server, language),
        default_change: default_change_view(&change, language),
    };
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/servers/{}", server.id)))
        .json(body))
}

/// `PUT /api/servers/{id}`: validates and replaces a server's settings. An absent, null or
/// empty password keeps the stored one.
async fn update_server(
    CurrentAccount(account): CurrentAccount,
    SellerLanguage(language): SellerLanguage,
    path: web::Path<String>,
    ApiJson(input): ApiJson<ServerInput>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_server_id(&path)?;
    let existing = store
        .find_server(account.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let settings = accept_settings(validate_server(&input, existing.password_set))?;

    let password = PasswordChange::from_input(input.password.as_ref());
    let (server, change) = store
        .update_server(account.id, id, settings, password)
        .await?
        .ok_or(ApiError::NotFound)?;
    tracing::info!(server_id = server.id.0, "server updated");

    let body = ServerSaved {
        server: server_view(&server, language),
        default_change: default_change_view(&change, language),
    };
    Ok(HttpResponse::Ok().json(body))
}

/// `DELETE /api/servers/{id}`: deletes a server and reports which server is the default now.
async fn delete_server(
    CurrentAccount(account): CurrentAccount,
    SellerLanguage(language): SellerLanguage,
    path: web::Path<String>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_server_id(&path)?;
    let change = store
        .delete_server(account.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tracing::info!(server_id = id.0, "server deleted");

    Ok(HttpResponse::Ok().json(ServerDeleted {
        id: id.0,
        default_change: default_change_view(&change, language),
    }))
}

/// `POST /api/servers/{id}/default`: makes an active server the default.
async fn make_default_server(
    CurrentAccount(account): CurrentAccount,
    SellerLanguage(language): SellerLanguage,
    path: web::Path<String>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_server_id(&path)?;
    let (server, change) = match store.set_default_server(account.id, id).await? {
        SetDefaultOutcome::Done(server, change) => (server, change),
        SetDefaultOutcome::NotFound => return Err(ApiError::NotFound),
        SetDefaultOutcome::Inactive => return Err(ApiError::ServerInactive),
    };
    tracing::info!(server_id = id.0, "default server set");

    let body = ServerSaved {
        server: server_view(&server, language),
        default_change: default_change_view(&change, language),
    };
    Ok(HttpResponse::Ok().json(body))
}

/// Returns the normalised settings, or the whole report as a 422 when any finding is an error.
fn accept_settings(
    (report, settings): (ValidationReport, Option<NormalizedServer>),
) -> Result<NormalizedServer, ApiError> {
    if report.has_errors() {
        return Err(ApiError::Validation(report));
    }
    settings.ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!(
            "validation reported no error but returned no normalised settings"
        ))
    })
}
