//! Calls to the backend's HTTP API, with the `shared::api` bodies.
//!
//! Every request sends `Accept-Language` with the seller's language, so that error texts come back
//! in it, and every state-changing request sends `X-Requested-With: postausgang`, which the
//! backend requires as its CSRF defence.

use gloo_net::http::{Request, RequestBuilder, Response};
use shared::api::{
    AccountView, Credentials, DefaultChange, ErrorBody, FindingText, ServerDeleted, ServerView,
    TestMailRequest, TestMailResult, UnsavedTestMailRequest,
};
use shared::{Language, ServerInput};

use crate::bodies;
use crate::i18n::Text;
use crate::json::{self, Object};

/// Value of the CSRF header on state-changing requests.
const REQUESTED_WITH: &str = "postausgang";

/// A stored server as the page reads it, with its findings as text (see [`FindingText`]).
pub type StoredServer = ServerView<FindingText>;

/// An error body as the page reads it, with its findings as text.
pub type ErrorResponse = ErrorBody<FindingText>;

/// A created or updated server, and the backend's note when the account's default server moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedServer {
    pub server: StoredServer,
    pub default_change: Option<DefaultChange>,
}

/// The cause of a failed API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The request did not reach the backend, or no response came back.
    Unreachable,
    /// The session is missing or expired (401).
    NotAuthenticated(ErrorResponse),
    /// The backend responded with an error body, such as 422 `validation_failed`.
    Rejected { status: u16, body: ErrorResponse },
    /// The backend responded with something that is not the expected body.
    UnexpectedAnswer { status: u16 },
}

impl ApiError {
    /// Returns the text for the seller: the backend's own message where there is one.
    pub fn message(&self, language: Language) -> String {
        match self {
            ApiError::Unreachable => Text::ServerUnreachable.in_language(language).to_owned(),
            ApiError::NotAuthenticated(body) | ApiError::Rejected { body, .. } => body.message.clone(),
            ApiError::UnexpectedAnswer { .. } => Text::UnexpectedAnswer.in_language(language).to_owned(),
        }
    }

    /// Returns the per-field findings of a validation failure, or none.
    pub fn findings(&self) -> Vec<FindingText> {
        match self {
            ApiError::Rejected { body, .. } => body.findings.clone(),
            _ => Vec::new(),
        }
    }
}

/// `GET /api/account`: the logged-in account, or `NotAuthenticated`.
pub async fn load_account(language: Language) -> Result<AccountView, ApiError> {
    let response = send(read(Request::get("/api/account"), language), None).await?;
    parse(response, bodies::account).await
}

/// `POST /api/accounts`: creates an account and starts its session.
pub async fn sign_up(credentials: &Credentials, language: Language) -> Result<(), ApiError> {
    let body = bodies::credentials(credentials);
    send(write(Request::post("/api/accounts"), language), Some(body)).await?;
    Ok(())
}

/// `POST /api/session`: logs in.
pub async fn log_in(credentials: &Credentials, language: Language) -> Result<(), ApiError> {
    let body = bodies::credentials(credentials);
    send(write(Request::post("/api/session"), language), Some(body)).await?;
    Ok(())
}

/// `DELETE /api/session`: logs out.
pub async fn log_out(language: Language) -> Result<(), ApiError> {
    send(write(Request::delete("/api/session"), language), None).await?;
    Ok(())
}

/// `GET /api/servers`: the account's servers.
pub async fn list_servers(language: Language) -> Result<Vec<StoredServer>, ApiError> {
    let response = send(read(Request::get("/api/servers"), language), None).await?;
    let status = response.status();
    let text = response.text().await.map_err(|_| ApiError::Unreachable)?;
    json::parse_list(&text, bodies::server).ok_or(ApiError::UnexpectedAnswer { status })
}

/// `GET /api/servers/{id}`: one stored server.
pub async fn load_server(id: i64, language: Language) -> Result<StoredServer, ApiError> {
    let url = format!("/api/servers/{id}");
    let response = send(read(Request::get(&url), language), None).await?;
    parse(response, bodies::server).await
}

/// `POST /api/servers` for a new server, `PUT /api/servers/{id}` for a stored one.
pub async fn save_server(
    id: Option<i64>,
    input: &ServerInput,
    language: Language,
) -> Result<SavedServer, ApiError> {
    let request = match id {
        Some(id) => Request::put(&format!("/api/servers/{id}")),
        None => Request::post("/api/servers"),
    };
    let response = send(write(request, language), Some(bodies::server_input(input))).await?;
    parse(response, saved_server).await
}

/// `DELETE /api/servers/{id}`.
pub async fn delete_server(id: i64, language: Language) -> Result<ServerDeleted, ApiError> {
    let url = format!("/api/servers/{id}");
    let response = send(write(Request::delete(&url), language), None).await?;
    parse(response, bodies::server_deleted).await
}

/// `POST /api/servers/{id}/default`: makes a server the account's default.
pub async fn make_default(id: i64, language: Language) -> Result<SavedServer, ApiError> {
    let url = format!("/api/servers/{id}/default");
    let response = send(write(Request::post(&url), language), None).await?;
    parse(response, saved_server).await
}

/// `POST /api/servers/{id}/test-mail`: tests a stored server as stored.
pub async fn test_stored_server(
    id: i64,
    request: &TestMailRequest,
    language: Language,
) -> Result<TestMailResult<FindingText>, ApiError> {
    let url = format!("/api/servers/{id}/test-mail");
    let body = bodies::test_mail_request(request);
    let response = send(write(Request::post(&url), language), Some(body)).await?;
    parse(response, bodies::test_mail_result).await
}

/// `POST /api/test-mail`: tests the form's settings, saved or not.
pub async fn test_unsaved_server(
    request: &UnsavedTestMailRequest,
    language: Language,
) -> Result<TestMailResult<FindingText>, ApiError> {
    let body = bodies::unsaved_test_mail_request(request);
    let response = send(write(Request::post("/api/test-mail"), language), Some(body)).await?;
    parse(response, bodies::test_mail_result).await
}

/// Adds the seller's language and the expected JSON response to a request that only reads.
pub(crate) fn read(builder: RequestBuilder, language: Language) -> RequestBuilder {
    builder
        .header("Accept-Language", language.tag())
        .header("Accept", "application/json")
}

/// Adds what [`read`] adds, plus the CSRF header, to a state-changing request.
pub(crate) fn write(builder: RequestBuilder, language: Language) -> RequestBuilder {
    read(builder, language).header("X-Requested-With", REQUESTED_WITH)
}

/// Sends a request with an optional JSON body and turns every non-2xx response into an
/// `ApiError`.
pub(crate) async fn send(builder: RequestBuilder, body: Option<String>) -> Result<Response, ApiError> {
    let request = match body {
        Some(body) => builder.header("Content-Type", "application/json").body(body),
        None => builder.build(),
    };
    let request = request.map_err(|_| ApiError::UnexpectedAnswer { status: 0 })?;
    let response = request.send().await.map_err(|_| ApiError::Unreachable)?;
    if response.ok() {
        return Ok(response);
    }

    let status = response.status();
    let body = parse(response, bodies::error).await?;
    Err(match status {
        401 => ApiError::NotAuthenticated(body),
        _ => ApiError::Rejected { status, body },
    })
}

/// Reads a created, updated or new default server, and the note if the default moved.
fn saved_server(body: &Object) -> Option<SavedServer> {
    Some(SavedServer {
        server: bodies::server(body)?,
        default_change: bodies::default_change(body),
    })
}

/// Reads a response's JSON object with `read`.
pub(crate) async fn parse<T>(response: Response, read: fn(&Object) -> Option<T>) -> Result<T, ApiError> {
    let status = response.status();
    let text = response.text().await.map_err(|_| ApiError::Unreachable)?;
    Object::parse(&text)
        .as_ref()
        .and_then(read)
        .ok_or(ApiError::UnexpectedAnswer { status })
}
