//! Calls to the backend's HTTP API, with the `shared::api` bodies.
//!
//! Every request sends `Accept-Language` with the seller's language, so that error texts come back
//! in it, and every state-changing request sends `X-Requested-With: postausgang`, which the
//! backend requires as its CSRF defence.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use shared::api::{
    AccountView, Credentials, DefaultChange, ErrorBody, FindingText, ServerDeleted, ServerView,
    TestMailRequest, TestMailResult, UnsavedTestMailRequest,
};
use shared::{Language, ServerInput};

use crate::i18n::Text;

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
    let response = send(read(Request::get("/api/account"), language), None::<&()>).await?;
    parse_json(response).await
}

/// `POST /api/accounts`: creates an account and starts its session.
pub async fn sign_up(credentials: &Credentials, language: Language) -> Result<(), ApiError> {
    send(write(Request::post("/api/accounts"), language), Some(credentials)).await?;
    Ok(())
}

/// `POST /api/session`: logs in.
pub async fn log_in(credentials: &Credentials, language: Language) -> Result<(), ApiError> {
    send(write(Request::post("/api/session"), language), Some(credentials)).await?;
    Ok(())
}

/// `DELETE /api/session`: logs out.
pub async fn log_out(language: Language) -> Result<(), ApiError> {
    send(write(Request::delete("/api/session"), language), None::<&()>).await?;
    Ok(())
}

/// `GET /api/servers`: the account's servers.
pub async fn list_servers(language: Language) -> Result<Vec<StoredServer>, ApiError> {
    let response = send(read(Request::get("/api/servers"), language), None::<&()>).await?;
    parse_json(response).await
}

/// `GET /api/servers/{id}`: one stored server.
pub async fn load_server(id: i64, language: Language) -> Result<StoredServer, ApiError> {
    let url = format!("/api/servers/{id}");
    let response = send(read(Request::get(&url), language), None::<&()>).await?;
    parse_json(response).await
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
    let response = send(write(request, language), Some(input)).await?;
    parse_saved(response).await
}

/// `DELETE /api/servers/{id}`.
pub async fn delete_server(id: i64, language: Language) -> Result<ServerDeleted, ApiError> {
    let url = format!("/api/servers/{id}");
    let response = send(write(Request::delete(&url), language), None::<&()>).await?;
    parse_json(response).await
}

/// `POST /api/servers/{id}/default`: makes a server the account's default.
pub async fn make_default(id: i64, language: Language) -> Result<SavedServer, ApiError> {
    let url = format!("/api/servers/{id}/default");
    let response = send(write(Request::post(&url), language), None::<&()>).await?;
    parse_saved(response).await
}

/// `POST /api/servers/{id}/test-mail`: tests a stored server as stored.
pub async fn test_stored_server(
    id: i64,
    request: &TestMailRequest,
    language: Language,
) -> Result<TestMailResult<FindingText>, ApiError> {
    let url = format!("/api/servers/{id}/test-mail");
    let response = send(write(Request::post(&url), language), Some(request)).await?;
    parse_json(response).await
}

/// `POST /api/test-mail`: tests the form's settings, saved or not.
pub async fn test_unsaved_server(
    request: &UnsavedTestMailRequest,
    language: Language,
) -> Result<TestMailResult<FindingText>, ApiError> {
    let response = send(write(Request::post("/api/test-mail"), language), Some(request)).await?;
    parse_json(response).await
}

fn read(builder: RequestBuilder, language: Language) -> RequestBuilder {
    builder
        .header("Accept-Language", language.tag())
        .header("Accept", "application/json")
}

fn write(builder: RequestBuilder, language: Language) -> RequestBuilder {
    read(builder, language).header("X-Requested-With", REQUESTED_WITH)
}

/// Sends a request and turns every non-2xx answer into an `ApiError`.
async fn send<B: Serialize>(builder: RequestBuilder, body: Option<&B>) -> Result<Response, ApiError> {
    let request = match body {
        Some(body) => builder.json(body),
        None => builder.build(),
    };
    let request = request.map_err(|_| ApiError::UnexpectedAnswer { status: 0 })?;
    let response = request.send().await.map_err(|_| ApiError::Unreachable)?;
    if response.ok() {
        return Ok(response);
    }

    let status = response.status();
    let body: ErrorResponse = parse_json(response).await?;
    Err(match status {
        401 => ApiError::NotAuthenticated(body),
        _ => ApiError::Rejected { status, body },
    })
}

/// Reads a `ServerSaved` body as a server and, separately, its `default_change`.
///
/// Deserialising `ServerSaved` directly goes through `#[serde(flatten)]`, which compiles a second
/// copy of every nested deserialiser and added about 9 KB to the gzipped wasm.
async fn parse_saved(response: Response) -> Result<SavedServer, ApiError> {
    #[derive(Deserialize)]
    struct DefaultChangeField {
        #[serde(default)]
        default_change: Option<DefaultChange>,
    }

    let status = response.status();
    let unexpected = |_| ApiError::UnexpectedAnswer { status };
    let text = response.text().await.map_err(|_| ApiError::Unreachable)?;
    let server: StoredServer = serde_json::from_str(&text).map_err(unexpected)?;
    let field: DefaultChangeField = serde_json::from_str(&text).map_err(unexpected)?;
    Ok(SavedServer {
        server,
        default_change: field.default_change,
    })
}

async fn parse_json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let status = response.status();
    response
        .json::<T>()
        .await
        .map_err(|_| ApiError::UnexpectedAnswer { status })
}
