//! The outbox's messages: `POST /api/messages` accepts a shop's mail, `GET /api/messages` and
//! `GET /api/messages/{id}` show the log, `POST /api/messages/{id}/resend` sends a failed mail
//! again.
//!
//! A shop system calls these with its API token; the page calls them with the session cookie.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use shared::outbox::{MessageAccepted, MessageList, MessageRequest, MessageStatus, MessageView};
use shared::Language;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::ApiError;
use crate::json::{parse_json, JsonProblem};
use crate::language::SellerLanguage;
use crate::outbox::choice::{choose_server, NoServer};
use crate::outbox::compose::{check_request, compose_mail};
use crate::outbox::queue::{MessageFilter, StoredMessage};
use crate::outbox::{Caller, InsertOutcome, MessageId, NewMessage, Outbox, OutboxRejection};
use crate::routes::method_not_allowed;
use crate::store::{ServerId, Store, StoredServer};

/// The longest Idempotency-Key accepted, in characters.
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;
/// Messages per page of the log, by default and at most.
const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 500;

/// Registers `/messages`, `/messages/{id}` and `/messages/{id}/resend`.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/messages")
                .route(web::get().to(list_messages))
                .route(web::post().to(submit_message))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/messages/{id}")
                .route(web::get().to(show_message))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/messages/{id}/resend")
                .route(web::post().to(resend_message))
                .default_service(web::to(method_not_allowed)),
        );
}

/// `POST /api/messages`: checks the mail, chooses its server, stores it durably and returns
/// 202 with its id. With an `Idempotency-Key` used before for the same body, it returns the
/// first mail's id and stores nothing.
async fn submit_message(
    caller: Caller,
    request: HttpRequest,
    payload: web::Payload,
    store: web::Data<Store>,
    outbox: web::Data<Outbox>,
) -> Result<HttpResponse, ApiError> {
    let idempotency_key = idempotency_key(&request)?;
    let body = read_json_body(&request, payload, outbox.settings().max_request_bytes()).await?;
    let request_hash = Sha256::digest(&body).to_vec();
    if let Some(key) = &idempotency_key {
        if let Some(replay) = store.find_idempotent_message(caller.account, key.clone()).await? {
            return replayed(replay, &request_hash);
        }
    }

    let message_request: MessageRequest = parse_json(&body).map_err(ApiError::InvalidJson)?;
    let checked = check_request(&message_request, outbox.settings().max_message_bytes)
        .map_err(OutboxRejection::from)?;
    let candidates = outbox.server_candidates(caller.account).await?;
    let just_candidates: Vec<_> = candidates
        .iter()
        .map(|(candidate, _)| candidate.clone())
        .collect();
    let sender = checked.from.as_ref().map(|from| &from.address);
    let server = choose_server(&just_candidates, message_request.server_id, sender).map_err(|no_server| {
        match no_server {
            NoServer::NamedNotFound(id) => OutboxRejection::ServerNotFound(id),
            NoServer::NamedInactive(id) => OutboxRejection::ServerSwitchedOff(id),
            NoServer::NoneActive => OutboxRejection::NoActiveServer,
        }
    })?;
    let settings = candidates
        .iter()
        .find(|(candidate, _)| candidate.id == server)
        .map(|(_, settings)| settings)
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!("the chosen server is not among the candidates"))
        })?;
    // The checks passed, so a mail that does not build is our fault.
    let prepared = compose_mail(&checked, &settings.sender).map_err(ApiError::internal)?;

    let message = NewMessage {
        account: caller.account,
        idempotency_key,
        request_hash,
        requested_server: message_request.server_id.map(ServerId),
        server,
        envelope_from: prepared.envelope_from(),
        envelope_to: prepared.envelope_recipients(),
        subject: checked.subject,
        message_id: prepared.message_id().to_owned(),
        content: prepared.data().to_vec(),
    };
    let message_id = message.message_id.clone();
    match outbox.submit(message).await.map_err(ApiError::internal)? {
        InsertOutcome::Created { id } => {
            // The writer logs at info how many mails each commit stored.
            tracing::debug!(mail_id = id.0, server_id = server.0, "mail accepted");
            Ok(accepted(id, MessageStatus::Queued, message_id, false))
        }
        InsertOutcome::Replayed {
            id,
            status,
            message_id,
        } => Ok(accepted(id, status, message_id, true)),
        InsertOutcome::KeyReused => Err(OutboxRejection::IdempotencyKeyReused.into()),
    }
}

fn replayed(
    replay: (MessageId, Vec<u8>, MessageStatus, String),
    request_hash: &[u8],
) -> Result<HttpResponse, ApiError> {
    let (id, stored_hash, status, message_id) = replay;
    if stored_hash != request_hash {
        return Err(OutboxRejection::IdempotencyKeyReused.into());
    }
    Ok(accepted(id, status, message_id, true))
}

fn accepted(id: MessageId, status: MessageStatus, message_id: String, replayed: bool) -> HttpResponse {
    let mut response = HttpResponse::Accepted();
    response.insert_header((header::LOCATION, format!("/api/messages/{id}")));
    if replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    response.json(MessageAccepted {
        id: id.0,
        status,
        message_id,
    })
}

/// Returns the `Idempotency-Key` header's value: 1 to 255 visible ASCII characters, with or
/// without the quotes of the IETF draft's structured-field form.
fn idempotency_key(request: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = request.headers().get("Idempotency-Key") else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| OutboxRejection::InvalidIdempotencyKey)?
        .trim();
    let key = text
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(text);
    let valid = (1..=MAX_IDEMPOTENCY_KEY_CHARS).contains(&key.len())
        && key.bytes().all(|byte| byte.is_ascii_graphic());
    if !valid {
        return Err(OutboxRejection::InvalidIdempotencyKey.into());
    }
    Ok(Some(key.to_owned()))
}

/// Reads a JSON body of at most `limit` bytes.
async fn read_json_body(
    request: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::UnsupportedMediaType);
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }

    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::InvalidJson(JsonProblem::Incomplete))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `GET /api/messages`: the log, newest first, filtered by `status`, `server_id`, `since` and
/// `until` (RFC 3339, by acceptance time), paged by `before` (an id) and `limit`.
async fn list_messages(
    caller: Caller,
    SellerLanguage(language): SellerLanguage,
    request: HttpRequest,
    store: web::Data<Store>,
    outbox: web::Data<Outbox>,
) -> Result<HttpResponse, ApiError> {
    let filter = parse_filter(request.query_string())?;
    let limit = filter.limit;
    let messages = store.list_messages(caller.account, filter).await?;
    let servers = servers_by_id(&store, caller).await?;

    let next_before = (messages.len() == limit)
        .then(|| messages.last().map(|message| message.id.0))
        .flatten();
    let views = messages
        .iter()
        .map(|message| message_view(message, &servers, &outbox, language))
        .collect();
    Ok(HttpResponse::Ok().json(MessageList {
        messages: views,
        next_before,
    }))
}

/// `GET /api/messages/{id}`.
async fn show_message(
    caller: Caller,
    SellerLanguage(language): SellerLanguage,
    path: web::Path<String>,
    store: web::Data<Store>,
    outbox: web::Data<Outbox>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_message_id(&path)?;
    let message = store
        .find_message(caller.account, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let servers = servers_by_id(&store, caller).await?;
    Ok(HttpResponse::Ok().json(message_view(&message, &servers, &outbox, language)))
}

/// `POST /api/messages/{id}/resend`: puts a failed mail back into the queue, due at once.
async fn resend_message(
    caller: Caller,
    SellerLanguage(language): SellerLanguage,
    path: web::Path<String>,
    store: web::Data<Store>,
    outbox: web::Data<Outbox>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_message_id(&path)?;
    let message = store
        .find_message(caller.account, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if message.status != MessageStatus::Failed {
        return Err(OutboxRejection::NotFailed.into());
    }
    if !outbox
        .resend(caller.account, id)
        .await
        .map_err(ApiError::internal)?
    {
        // Another request resent it in the meantime.
        return Err(OutboxRejection::NotFailed.into());
    }
    tracing::info!(mail_id = id.0, "failed mail resent");

    let message = store
        .find_message(caller.account, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let servers = servers_by_id(&store, caller).await?;
    Ok(HttpResponse::Accepted().json(message_view(&message, &servers, &outbox, language)))
}

fn parse_message_id(segment: &str) -> Result<MessageId, ApiError> {
    segment.parse().map(MessageId).map_err(|_| ApiError::NotFound)
}

async fn servers_by_id(store: &Store, caller: Caller) -> Result<HashMap<ServerId, StoredServer>, ApiError> {
    let servers = store.list_servers(caller.account).await?;
    Ok(servers.into_iter().map(|server| (server.id, server)).collect())
}

fn parse_filter(query: &str) -> Result<MessageFilter, ApiError> {
    let invalid = |parameter| ApiError::from(OutboxRejection::InvalidQuery(parameter));
    let parameters = web::Query::<HashMap<String, String>>::from_query(query)
        .map_err(|_| invalid("query"))?
        .into_inner();
    let mut filter = MessageFilter {
        limit: DEFAULT_PAGE_SIZE,
        ..MessageFilter::default()
    };
    for (name, value) in &parameters {
        match name.as_str() {
            "status" => filter.status = Some(MessageStatus::parse(value).ok_or_else(|| invalid("status"))?),
            "server_id" => filter.server = Some(ServerId(value.parse().map_err(|_| invalid("server_id"))?)),
            "since" => filter.since = Some(parse_time(value).ok_or_else(|| invalid("since"))?),
            "until" => filter.until = Some(parse_time(value).ok_or_else(|| invalid("until"))?),
            "before" => filter.before = Some(MessageId(value.parse().map_err(|_| invalid("before"))?)),
            "limit" => {
                filter.limit = value
                    .parse()
                    .ok()
                    .filter(|limit| (1..=MAX_PAGE_SIZE).contains(limit))
                    .ok_or_else(|| invalid("limit"))?;
            }
            _ => return Err(invalid("query")),
        }
    }
    Ok(filter)
}

fn parse_time(value: &str) -> Option<i64> {
    OffsetDateTime::parse(value, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

/// Builds the log's view of a message. A queued mail that waits for its server's limit or
/// reactivation shows that wait instead of its last failure.
fn message_view(
    message: &StoredMessage,
    servers: &HashMap<ServerId, StoredServer>,
    outbox: &Outbox,
    language: Language,
) -> MessageView {
    let server = message.server.and_then(|id| servers.get(&id));
    let waiting = match (message.status, server) {
        (MessageStatus::Queued, Some(server)) => {
            let deactivation = server
                .deactivation
                .as_ref()
                .map(|deactivation| crate::outbox::deactivation_reason_text(&deactivation.reason, language));
            outbox.waiting(server.id, deactivation.as_deref())
        }
        _ => None,
    };
    let (reason_code, reason) = match (&waiting, &message.reason) {
        (Some(waiting), _) => (Some(waiting.code().to_owned()), Some(waiting.text(language))),
        (None, Some(reason)) => (Some(reason.code.clone()), Some(reason.text(language).to_owned())),
        (None, None) => (None, None),
    };
    MessageView {
        id: message.id.0,
        status: message.status,
        server_id: message.server.map(|server| server.0),
        from: message.envelope_from.clone(),
        to: message.envelope_to.clone(),
        subject: message.subject.clone(),
        message_id: message.message_id.clone(),
        attempts: message.attempts,
        last_reply: message.last_reply.clone(),
        reason_code,
        reason,
        created_at: rfc3339(message.created_at),
        updated_at: rfc3339(message.updated_at),
        next_attempt_at: (message.status == MessageStatus::Queued)
            .then(|| rfc3339(message.next_attempt_ms / 1000)),
        sent_at: message.sent_at.map(rfc3339),
    }
}

/// Formats Unix seconds as RFC 3339 in UTC, such as `2026-12-04T20:11:00Z`.
pub(crate) fn rfc3339(unix_seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|moment| moment.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix_seconds.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_parses_every_parameter() {
        let filter = parse_filter("status=failed&server_id=3&since=2026-12-01T00:00:00Z&before=90&limit=20")
            .expect("valid query");
        assert_eq!(filter.status, Some(MessageStatus::Failed));
        assert_eq!(filter.server, Some(ServerId(3)));
        assert_eq!(filter.since, Some(1_796_083_200));
        assert_eq!(filter.before, Some(MessageId(90)));
        assert_eq!(filter.limit, 20);
    }

    #[test]
    fn filter_rejects_unknown_values() {
        for query in [
            "status=lost",
            "limit=0",
            "limit=501",
            "since=yesterday",
            "colour=red",
        ] {
            assert!(parse_filter(query).is_err(), "{query}");
        }
    }
}
