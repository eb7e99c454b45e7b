//! A server's sending: its limits (`GET`, `PUT` and `DELETE /api/servers/{id}/limits`) and
//! its reactivation after the system deactivated it (`POST /api/servers/{id}/reactivate`).

use actix_web::{web, HttpResponse};
use shared::outbox::{
    preset_limit_note, validate_sending_limits, ReactivationResult, SendingLimitsInput, SendingLimitsView,
};
use shared::Language;

use crate::error::ApiError;
use crate::json::ApiJson;
use crate::language::SellerLanguage;
use crate::outbox::limits::effective_limits;
use crate::outbox::{Caller, Outbox, OutboxRejection};
use crate::routes::method_not_allowed;
use crate::routes::servers::parse_server_id;
use crate::store::{PasswordChange, ServerId, Store, StoredServer};

/// Registers `/servers/{id}/limits` and `/servers/{id}/reactivate`.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/servers/{id}/limits")
                .route(web::get().to(show_limits))
                .route(web::put().to(update_limits))
                .route(web::delete().to(reset_limits))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/servers/{id}/reactivate")
                .route(web::post().to(reactivate_server))
                .default_service(web::to(method_not_allowed)),
        );
}

/// `GET /api/servers/{id}/limits`: the limits that apply and the preset's.
async fn show_limits(
    caller: Caller,
    SellerLanguage(language): SellerLanguage,
    path: web::Path<String>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let server = find_server(&store, caller, &path).await?;
    Ok(HttpResponse::Ok().json(limits_view(&store, &server, language).await?))
}

/// `PUT /api/servers/{id}/limits`: sets the seller's limits; empty values mean no limit.
async fn update_limits(
    caller: Caller,
    SellerLanguage(language): SellerLanguage,
    path: web::Path<String>,
    ApiJson(input): ApiJson<SendingLimitsInput>,
    store: web::Data<Store>,
    outbox: web::Data<Outbox>,
) -> Result<HttpResponse, ApiError> {
    let server = find_server(&store, caller, &path).await?;
    let limits = validate_sending_limits(&input).map_err(OutboxRejection::InvalidLimits)?;

    store.set_sending_limits(server.id, Some(limits)).await?;
    outbox.server_changed(server.id);
    tracing::info!(server_id = server.id.0, "sending limits set");
    Ok(HttpResponse::Ok().json(limits_view(&store, &server, language).await?))
}

/// `DELETE /api/servers/{id}/limits`: the preset's limits apply again.
async fn reset_limits(
    caller: Caller,
    SellerLanguage(language): SellerLanguage,
    path: web::Path<String>,
    store: web::Data<Store>,
    outbox: web::Data<Outbox>,
) -> Result<HttpResponse, ApiError> {
    let server = find_server(&store, caller, &path).await?;
    store.set_sending_limits(server.id, None).await?;
    outbox.server_changed(server.id);
    tracing::info!(server_id = server.id.0, "sending limits reset to the preset's");
    Ok(HttpResponse::Ok().json(limits_view(&store, &server, language).await?))
}

/// `POST /api/servers/{id}/reactivate`: checks the connection and the login, and activates the
/// server when the check passes. Its queued mail then goes out.
async fn reactivate_server(
    caller: Caller,
    SellerLanguage(language): SellerLanguage,
    path: web::Path<String>,
    store: web::Data<Store>,
    outbox: web::Data<Outbox>,
) -> Result<HttpResponse, ApiError> {
    let server = find_server(&store, caller, &path).await?;
    let sending = store
        .load_server_for_sending(caller.account, server.id)
        .await?
        .ok_or(ApiError::NotFound)?;

    let check = outbox.check_connection(&sending, language).await;
    let mut active = server.active;
    if check.ok && !server.active {
        let mut settings = sending.settings.clone();
        settings.active = true;
        // Saving the server as active clears the deactivation and its failure count.
        store
            .update_server(caller.account, server.id, settings, PasswordChange::Keep)
            .await?
            .ok_or(ApiError::NotFound)?;
        outbox.server_changed(server.id);
        active = true;
        tracing::info!(
            server_id = server.id.0,
            "server reactivated after a successful connection check"
        );
    } else {
        tracing::info!(server_id = server.id.0, ok = check.ok, verdict = %check.verdict, "connection check finished");
    }

    Ok(HttpResponse::Ok().json(ReactivationResult {
        ok: check.ok,
        active,
        verdict: check.verdict,
        message: check.message,
        steps: check.steps,
    }))
}

async fn find_server(store: &Store, caller: Caller, segment: &str) -> Result<StoredServer, ApiError> {
    let id: ServerId = parse_server_id(segment)?;
    store
        .find_server(caller.account, id)
        .await?
        .ok_or(ApiError::NotFound)
}

async fn limits_view(
    store: &Store,
    server: &StoredServer,
    language: Language,
) -> Result<SendingLimitsView, ApiError> {
    let custom = store.custom_sending_limits(server.id).await?;
    let effective = effective_limits(&server.provider, custom);
    Ok(SendingLimitsView {
        limits: effective.limits,
        source: effective.source,
        preset: effective.preset,
        preset_note: preset_limit_note(&server.provider, language).map(str::to_owned),
    })
}
