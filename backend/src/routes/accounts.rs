//! Sign-up, login, logout and the current account.

use actix_web::{web, HttpRequest, HttpResponse};
use shared::api::{AccountView, Credentials};

use crate::auth::{
    check_password_length, has_csrf_header, hash_password, hash_token, new_session_token,
    parse_sign_up_email, removal_cookie, session_cookie, verify_password, CurrentAccount, LOGIN_THROTTLE,
    SESSION_COOKIE, SESSION_LIFETIME,
};
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::routes::method_not_allowed;
use crate::settings::Settings;
use crate::store::{now_unix, Account, NewAccount, Store};

/// Registers `/accounts`, `/session` and `/account`.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/accounts")
                .route(web::post().to(sign_up))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/session")
                .route(web::post().to(log_in))
                .route(web::delete().to(log_out))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/account")
                .route(web::get().to(show_account))
                .default_service(web::to(method_not_allowed)),
        );
}

/// `POST /api/accounts`: creates an account and logs it in.
// NOTE: sign-up has no throttle. Each request costs one Argon2 hash (19 MiB; about 0.1 s per
// request in a debug build on a 2-core machine), so a flood of sign-ups can keep the CPU busy.
async fn sign_up(
    ApiJson(credentials): ApiJson<Credentials>,
    store: web::Data<Store>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, ApiError> {
    let email = parse_sign_up_email(&credentials.email)?;
    check_password_length(&credentials.password)?;
    let password_hash = hash_password(credentials.password).await?;

    let account = match store.create_account(&email, password_hash).await? {
        NewAccount::Created(account) => account,
        NewAccount::EmailTaken => return Err(ApiError::EmailTaken),
    };
    tracing::info!(account_id = account.id.0, "account created");

    let cookie = start_session(&store, &account, settings.secure_cookies).await?;
    Ok(HttpResponse::Created()
        .cookie(cookie)
        .json(account_view(&account)))
}

/// `POST /api/session`: logs in, unless the address or the client is locked for failed logins.
async fn log_in(
    request: HttpRequest,
    ApiJson(credentials): ApiJson<Credentials>,
    store: web::Data<Store>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, ApiError> {
    let email = credentials.email.trim().to_owned();
    let client = client_address(&request);
    let now = now_unix();

    let failures = store
        .recent_login_failures(&email, &client, LOGIN_THROTTLE.window_start(now))
        .await?;
    if let Some(retry_after) = LOGIN_THROTTLE.retry_after(&failures, now) {
        tracing::info!(
            retry_after_seconds = retry_after.as_secs(),
            "login rejected by the throttle"
        );
        return Err(ApiError::TooManyAttempts { retry_after });
    }

    let on_file = store.find_credentials(&email).await?;
    let (account, stored_hash) = match on_file {
        Some(found) => (Some(found.account), Some(found.password_hash)),
        None => (None, None),
    };
    let verified = verify_password(credentials.password, stored_hash).await?;
    let Some(account) = account.filter(|_| verified) else {
        store
            .record_login_failure(&email, &client, now, LOGIN_THROTTLE.window_start(now))
            .await?;
        tracing::info!("login failed: unknown address or wrong password");
        return Err(ApiError::InvalidCredentials);
    };

    store.clear_login_failures(&email).await?;
    let cookie = start_session(&store, &account, settings.secure_cookies).await?;
    tracing::info!(account_id = account.id.0, "logged in");
    Ok(HttpResponse::Ok().cookie(cookie).json(account_view(&account)))
}

/// `DELETE /api/session`: ends the session, if there is one, and clears the cookie either way.
async fn log_out(
    request: HttpRequest,
    store: web::Data<Store>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, ApiError> {
    if let Some(cookie) = request.cookie(SESSION_COOKIE) {
        let token_hash = hash_token(cookie.value());
        if let Some(account) = store.find_session_account(token_hash).await? {
            // Logging out is a state change made with the session cookie, so it needs the header.
            if !has_csrf_header(&request) {
                return Err(ApiError::CsrfHeaderMissing);
            }
            store.delete_session(token_hash).await?;
            tracing::info!(account_id = account.id.0, "logged out");
        }
    }
    Ok(HttpResponse::NoContent()
        .cookie(removal_cookie(settings.secure_cookies))
        .finish())
}

/// `GET /api/account`: the logged-in account.
async fn show_account(CurrentAccount(account): CurrentAccount) -> HttpResponse {
    HttpResponse::Ok().json(account_view(&account))
}

async fn start_session(
    store: &Store,
    account: &Account,
    secure: bool,
) -> Result<actix_web::cookie::Cookie<'static>, ApiError> {
    let token = new_session_token();
    let expires_at = now_unix() + SESSION_LIFETIME.as_secs() as i64;
    store
        .create_session(account.id, hash_token(&token), expires_at)
        .await?;
    Ok(session_cookie(token, secure))
}

fn account_view(account: &Account) -> AccountView {
    AccountView {
        id: account.id.0,
        email: account.email.clone(),
    }
}

/// Returns the client's address for the login throttle.
// NOTE: this is the TCP peer. Behind a reverse proxy every client has the proxy's address, so
// the per-client limit then applies to all sellers together, and only the per-address limit
// separates them. Trusting X-Forwarded-For would need a setting naming the trusted proxies.
fn client_address(request: &HttpRequest) -> String {
    request
        .peer_addr()
        .map(|address| address.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}
