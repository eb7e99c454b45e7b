//! Calls to the outbox's API that the page makes with the seller's session: API tokens, the
//! message log, resending a failed mail and reactivating a deactivated server.
//!
//! The bodies are `shared::outbox`'s types, read key by key through [`crate::json`] like the
//! bodies in [`crate::bodies`].

use gloo_net::http::Request;
use shared::outbox::{
    LimitSource, MessageList, MessageStatus, MessageView, SendingLimits, SendingLimitsView, TokenCreated,
    TokenView,
};
use shared::Language;

use crate::api::{parse, read, send, write, ApiError};
use crate::json::{self, Object, Writer};

/// How many messages the log loads at a time.
pub const LOG_PAGE_SIZE: u32 = 20;

/// The outcome of `POST /api/servers/{id}/reactivate`.
///
/// `shared::outbox::ReactivationResult` also carries the connection check's steps, which the
/// page does not show, so it reads only these fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reactivation {
    /// Whether the server is active now.
    pub active: bool,
    /// The check's verdict in the seller's language, such as the reason the login failed.
    pub message: String,
}

/// `GET /api/tokens`: the account's tokens, oldest first.
pub async fn list_tokens(language: Language) -> Result<Vec<TokenView>, ApiError> {
    let response = send(read(Request::get("/api/tokens"), language), None).await?;
    let status = response.status();
    let text = response.text().await.map_err(|_| ApiError::Unreachable)?;
    json::parse_list(&text, token_view).ok_or(ApiError::UnexpectedAnswer { status })
}

/// `POST /api/tokens`: creates a token; the response is the only one that contains it.
pub async fn create_token(name: &str, language: Language) -> Result<TokenCreated, ApiError> {
    let body = Writer::new().string("name", name).finish();
    let response = send(write(Request::post("/api/tokens"), language), Some(body)).await?;
    parse(response, token_created).await
}

/// `DELETE /api/tokens/{id}`: revokes a token at once.
pub async fn revoke_token(id: i64, language: Language) -> Result<(), ApiError> {
    let url = format!("/api/tokens/{id}");
    send(write(Request::delete(&url), language), None).await?;
    Ok(())
}

/// The log's filter: by status, by the day a mail was accepted, by both or by neither.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub status: Option<MessageStatus>,
    /// A day as `YYYY-MM-DD` in UTC, the time zone the log's times are shown in.
    pub day: Option<String>,
}

/// `GET /api/messages` for one server: a page of its log, newest first, older than `before`.
pub async fn list_messages(
    server_id: i64,
    filter: &LogFilter,
    before: Option<i64>,
    language: Language,
) -> Result<MessageList, ApiError> {
    let url = messages_url(server_id, filter, before);
    let response = send(read(Request::get(&url), language), None).await?;
    parse(response, message_list).await
}

/// `POST /api/messages/{id}/resend`: queues a failed mail again and returns its new state.
pub async fn resend_message(id: i64, language: Language) -> Result<MessageView, ApiError> {
    let url = format!("/api/messages/{id}/resend");
    let response = send(write(Request::post(&url), language), None).await?;
    parse(response, message_view).await
}

/// `POST /api/servers/{id}/reactivate`: checks the connection and the login, and activates the
/// server when both work.
pub async fn reactivate_server(id: i64, language: Language) -> Result<Reactivation, ApiError> {
    let url = format!("/api/servers/{id}/reactivate");
    let response = send(write(Request::post(&url), language), None).await?;
    parse(response, reactivation).await
}

/// `GET /api/servers/{id}/limits`: the limits that apply, their source and the preset's.
pub async fn load_limits(server_id: i64, language: Language) -> Result<SendingLimitsView, ApiError> {
    let url = format!("/api/servers/{server_id}/limits");
    let response = send(read(Request::get(&url), language), None).await?;
    parse(response, limits_view).await
}

/// `PUT /api/servers/{id}/limits` with the limits as typed; an empty text means no limit.
pub async fn save_limits(
    server_id: i64,
    per_minute: &str,
    per_hour: &str,
    language: Language,
) -> Result<SendingLimitsView, ApiError> {
    let url = format!("/api/servers/{server_id}/limits");
    let body = Writer::new()
        .string("per_minute", per_minute)
        .string("per_hour", per_hour)
        .finish();
    let response = send(write(Request::put(&url), language), Some(body)).await?;
    parse(response, limits_view).await
}

/// `DELETE /api/servers/{id}/limits`: the preset's limits apply again.
pub async fn reset_limits(server_id: i64, language: Language) -> Result<SendingLimitsView, ApiError> {
    let url = format!("/api/servers/{server_id}/limits");
    let response = send(write(Request::delete(&url), language), None).await?;
    parse(response, limits_view).await
}

/// Builds the log's URL: one server, the filter and the paging cursor.
pub fn messages_url(server_id: i64, filter: &LogFilter, before: Option<i64>) -> String {
    let mut url = format!("/api/messages?server_id={server_id}&limit={LOG_PAGE_SIZE}");
    if let Some(status) = filter.status {
        url.push_str("&status=");
        url.push_str(status.as_str());
    }
    if let Some((day, next)) = filter.day.as_deref().and_then(|day| Some((day, next_day(day)?))) {
        url.push_str(&format!("&since={day}T00:00:00Z&until={next}T00:00:00Z"));
    }
    if let Some(before) = before {
        url.push_str("&before=");
        url.push_str(&before.to_string());
    }
    url
}

/// Returns the day after `YYYY-MM-DD` in the same form, or `None` for anything else.
pub fn next_day(day: &str) -> Option<String> {
    let mut parts = day.split('-');
    let year: u32 = parts.next().filter(|part| part.len() == 4)?.parse().ok()?;
    let month: u32 = parts.next().filter(|part| part.len() == 2)?.parse().ok()?;
    let date: u32 = parts.next().filter(|part| part.len() == 2)?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=days_in_month).contains(&date) {
        return None;
    }
    let (year, month, date) = match (month, date) {
        (12, 31) => (year + 1, 1, 1),
        (_, last) if last == days_in_month => (year, month + 1, 1),
        _ => (year, month, date + 1),
    };
    Some(format!("{year:04}-{month:02}-{date:02}"))
}

fn token_view(body: &Object) -> Option<TokenView> {
    Some(TokenView {
        id: body.integer("id")?,
        name: body.string("name")?,
        created_at: body.string("created_at")?,
        last_used_at: body.string("last_used_at"),
    })
}

fn token_created(body: &Object) -> Option<TokenCreated> {
    Some(TokenCreated {
        id: body.integer("id")?,
        name: body.string("name")?,
        token: body.string("token")?,
        created_at: body.string("created_at")?,
    })
}

fn message_list(body: &Object) -> Option<MessageList> {
    Some(MessageList {
        messages: body.list("messages", message_view)?,
        next_before: body.integer("next_before"),
    })
}

fn message_view(body: &Object) -> Option<MessageView> {
    Some(MessageView {
        id: body.integer("id")?,
        status: MessageStatus::parse(&body.string("status")?)?,
        server_id: body.integer("server_id"),
        from: body.string("from")?,
        to: body.strings("to")?,
        subject: body.string("subject")?,
        message_id: body.string("message_id")?,
        attempts: u32::try_from(body.integer("attempts")?).ok()?,
        last_reply: body.string("last_reply"),
        reason_code: body.string("reason_code"),
        reason: body.string("reason"),
        created_at: body.string("created_at")?,
        updated_at: body.string("updated_at")?,
        next_attempt_at: body.string("next_attempt_at"),
        sent_at: body.string("sent_at"),
    })
}

fn limits_view(body: &Object) -> Option<SendingLimitsView> {
    let source = match body.string("source")?.as_str() {
        "preset" => LimitSource::Preset,
        "custom" => LimitSource::Custom,
        _ => return None,
    };
    Some(SendingLimitsView {
        limits: sending_limits(&body.object("limits")?)?,
        source,
        preset: sending_limits(&body.object("preset")?)?,
        preset_note: body.string("preset_note"),
    })
}

/// Reads `{per_minute, per_hour}`, where `null` means no limit.
fn sending_limits(body: &Object) -> Option<SendingLimits> {
    let limit = |key| body.integer(key).and_then(|value| u32::try_from(value).ok());
    Some(SendingLimits {
        per_minute: limit("per_minute"),
        per_hour: limit("per_hour"),
    })
}

fn reactivation(body: &Object) -> Option<Reactivation> {
    Some(Reactivation {
        active: body.boolean("active")?,
        message: body.string("message")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_page_has_no_cursor() {
        assert_eq!(
            messages_url(3, &LogFilter::default(), None),
            "/api/messages?server_id=3&limit=20"
        );
    }

    #[test]
    fn next_page_passes_cursor_and_filter() {
        let filter = LogFilter {
            status: Some(MessageStatus::Failed),
            day: None,
        };
        assert_eq!(
            messages_url(3, &filter, Some(90)),
            "/api/messages?server_id=3&limit=20&status=failed&before=90"
        );
    }

    #[test]
    fn day_filter_covers_one_utc_day() {
        let filter = LogFilter {
            status: None,
            day: Some("2026-12-05".to_owned()),
        };
        assert_eq!(
            messages_url(3, &filter, None),
            "/api/messages?server_id=3&limit=20&since=2026-12-05T00:00:00Z&until=2026-12-06T00:00:00Z"
        );
    }

    #[test]
    fn next_day_crosses_months_and_years() {
        let cases = [
            ("2026-12-05", Some("2026-12-06")),
            ("2026-04-30", Some("2026-05-01")),
            ("2026-12-31", Some("2027-01-01")),
            ("2028-02-28", Some("2028-02-29")),
            ("2026-02-28", Some("2026-03-01")),
            ("2100-02-28", Some("2100-03-01")),
            ("2026-02-29", None),
            ("2026-13-01", None),
            ("05.12.2026", None),
            ("", None),
        ];
        for (day, expected) in cases {
            assert_eq!(next_day(day).as_deref(), expected, "{day}");
        }
    }
}
