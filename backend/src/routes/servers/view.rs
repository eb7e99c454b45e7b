//! Building the API's views of stored servers, in the request's language.

use shared::api::{Deactivation, DefaultChange as DefaultChangeView, FindingView, LastTest, ServerView};
use shared::{validate_server, Language, PortInput, ServerInput};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::store::{DefaultChange, StoredServer};

/// Builds the view of a stored server. It never contains the password, only whether one is set.
pub fn server_view(server: &StoredServer, language: Language) -> ServerView {
    ServerView {
        id: server.id.0,
        provider: server.provider.clone(),
        active: server.active,
        display_name: server.display_name.clone(),
        sender: server.sender.clone(),
        host: server.host.clone(),
        port: server.port,
        security: server.security,
        login: server.login.clone(),
        password_set: server.password_set,
        bcc: server.bcc.clone(),
        is_default: server.is_default,
        updated_at: rfc3339(server.updated_at),
        last_test: server.last_test.as_ref().map(|test| LastTest {
            at: rfc3339(test.at),
            ok: test.ok,
            verdict: test.verdict.clone(),
        }),
        consecutive_failures: server.consecutive_failures,
        deactivated: server.deactivation.as_ref().map(|deactivation| Deactivation {
            at: rfc3339(deactivation.at),
            reason: crate::outbox::deactivation_reason_text(&deactivation.reason, language),
        }),
        findings: stored_findings(server, language),
    }
}

/// Validates the stored settings again, so that the warnings and hints follow the current
/// rules and the request's language. Saved settings had no error when saved; an error shows
/// here only if a rule became stricter since.
fn stored_findings(server: &StoredServer, language: Language) -> Vec<FindingView> {
    let input = ServerInput {
        provider: server.provider.clone(),
        active: server.active,
        display_name: server.display_name.clone(),
        sender: server.sender.clone(),
        host: server.host.clone(),
        port: PortInput::Number(i64::from(server.port)),
        security: server.security,
        login: server.login.clone(),
        password: None,
        bcc: server.bcc.clone(),
        is_default: server.is_default,
    };
    let (report, _) = validate_server(&input, server.password_set);
    report
        .findings
        .into_iter()
        .map(|finding| FindingView {
            message: finding.message(language),
            finding,
        })
        .collect()
}

/// Describes a change of the default server for the seller; `None` when it did not change.
pub fn default_change_view(change: &DefaultChange, language: Language) -> Option<DefaultChangeView> {
    match change {
        DefaultChange::Unchanged => None,
        DefaultChange::MovedTo(server) => Some(DefaultChangeView {
            default_server_id: Some(server.id.0),
            message: match language {
                Language::De => format!("„{}“ ist jetzt der Standardserver.", server.label),
                Language::En => format!("\"{}\" is now the default server.", server.label),
            },
        }),
        DefaultChange::NoneLeft => Some(DefaultChangeView {
            default_server_id: None,
            message: language
                .pick(
                    "Es ist kein aktiver Server mehr übrig, daher gibt es keinen Standardserver.",
                    "No active server is left, so there is no default server.",
                )
                .to_owned(),
        }),
    }
}

/// Formats Unix seconds as RFC 3339 in UTC, such as `2026-12-04T20:11:00Z`.
fn rfc3339(unix_seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|moment| moment.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix_seconds.to_string())
}
