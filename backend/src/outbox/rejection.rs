//! The outbox's client errors: what `ApiError::Outbox` carries, with status, code and text.

use actix_web::http::StatusCode;
use shared::outbox::LimitProblem;
use shared::Language;

use super::compose::{ComposeError, MessageProblem};

/// A request to the outbox's endpoints that cannot be done; each is the caller's doing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboxRejection {
    #[error("the bearer token is missing, unknown or revoked")]
    InvalidToken,
    #[error("the token name is empty or too long")]
    InvalidTokenName,
    #[error("the mail has {} problem(s)", .0.len())]
    InvalidMessage(Vec<MessageProblem>),
    #[error("the mail takes {size} bytes, above the limit of {limit}")]
    MessageTooLarge { size: usize, limit: usize },
    #[error("the request names server {0}, which the account does not have")]
    ServerNotFound(i64),
    #[error("the request names server {0}, which is switched off")]
    ServerSwitchedOff(i64),
    #[error("the account has no active server")]
    NoActiveServer,
    #[error("the Idempotency-Key header is invalid")]
    InvalidIdempotencyKey,
    #[error("the Idempotency-Key was used for another mail")]
    IdempotencyKeyReused,
    #[error("only a failed mail can be resent")]
    NotFailed,
    #[error("the sending limits have {} problem(s)", .0.len())]
    InvalidLimits(Vec<LimitProblem>),
    #[error("a query parameter is invalid: {0}")]
    InvalidQuery(&'static str),
}

impl From<OutboxRejection> for crate::error::ApiError {
    fn from(rejection: OutboxRejection) -> crate::error::ApiError {
        crate::error::ApiError::Outbox(rejection)
    }
}

impl From<ComposeError> for OutboxRejection {
    fn from(error: ComposeError) -> OutboxRejection {
        match error {
            ComposeError::Invalid(problems) => OutboxRejection::InvalidMessage(problems),
            ComposeError::TooLarge { size, limit } => OutboxRejection::MessageTooLarge { size, limit },
        }
    }
}

impl OutboxRejection {
    /// Returns the HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            OutboxRejection::InvalidToken => StatusCode::UNAUTHORIZED,
            OutboxRejection::InvalidIdempotencyKey | OutboxRejection::InvalidQuery(_) => {
                StatusCode::BAD_REQUEST
            }
            OutboxRejection::MessageTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            OutboxRejection::NotFailed => StatusCode::CONFLICT,
            OutboxRejection::InvalidTokenName
            | OutboxRejection::InvalidMessage(_)
            | OutboxRejection::ServerNotFound(_)
            | OutboxRejection::ServerSwitchedOff(_)
            | OutboxRejection::NoActiveServer
            | OutboxRejection::IdempotencyKeyReused
            | OutboxRejection::InvalidLimits(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// Returns the machine-readable code; for an invalid mail, the first problem's code.
    pub fn code(&self) -> &'static str {
        match self {
            OutboxRejection::InvalidToken => "invalid_token",
            OutboxRejection::InvalidTokenName => "invalid_token_name",
            OutboxRejection::InvalidMessage(problems) => {
                problems.first().map_or("invalid_message", MessageProblem::code)
            }
            OutboxRejection::MessageTooLarge { .. } => "message_too_large",
            OutboxRejection::ServerNotFound(_) => "server_not_found",
            OutboxRejection::ServerSwitchedOff(_) => "server_switched_off",
            OutboxRejection::NoActiveServer => "no_active_server",
            OutboxRejection::InvalidIdempotencyKey => "invalid_idempotency_key",
            OutboxRejection::IdempotencyKeyReused => "idempotency_key_reused",
            OutboxRejection::NotFailed => "message_not_failed",
            OutboxRejection::InvalidLimits(_) => "invalid_sending_limits",
            OutboxRejection::InvalidQuery(_) => "invalid_query",
        }
    }

    /// Renders the text for the seller or the shop's developer.
    pub fn message(&self, language: Language) -> String {
        let pick = |german: &str, english: &str| language.pick(german, english).to_owned();
        match self {
            OutboxRejection::InvalidToken => pick(
                "Der API-Token fehlt, ist unbekannt oder wurde widerrufen. Senden Sie „Authorization: Bearer <Token>“ mit einem Token, den Sie unter „API-Zugang“ angelegt haben.",
                "The API token is missing, unknown or revoked. Send \"Authorization: Bearer <token>\" with a token created under \"API access\".",
            ),
            OutboxRejection::InvalidTokenName => match language {
                Language::De => format!(
                    "name: Bitte einen Namen mit 1 bis {} Zeichen ohne Steuerzeichen angeben, z. B. den Namen des Shopsystems.",
                    super::tokens::MAX_TOKEN_NAME_CHARS
                ),
                Language::En => format!(
                    "name: Please give a name of 1 to {} characters without control characters, such as the shop system's name.",
                    super::tokens::MAX_TOKEN_NAME_CHARS
                ),
            },
            OutboxRejection::InvalidMessage(problems) => {
                let intro = language.pick("Die Mail wurde nicht angenommen.", "The mail was not accepted.");
                let details: Vec<String> = problems.iter().map(|problem| problem.message(language)).collect();
                format!("{intro} {}", details.join(" "))
            }
            OutboxRejection::MessageTooLarge { size, limit } => {
                let (size, limit) = (size_text(*size, language), size_text(*limit, language));
                match language {
                    Language::De => format!(
                        "Die Mail ist zu groß: Text und Anhänge haben {size}, erlaubt sind höchstens {limit}."
                    ),
                    Language::En => format!(
                        "The mail is too large: its text and attachments take {size}; at most {limit} are allowed."
                    ),
                }
            }
            OutboxRejection::ServerNotFound(id) => match language {
                Language::De => format!("server_id: Einen Server {id} gibt es in diesem Konto nicht."),
                Language::En => format!("server_id: This account has no server {id}."),
            },
            OutboxRejection::ServerSwitchedOff(id) => match language {
                Language::De => format!("server_id: Der Server {id} ist ausgeschaltet. Schalten Sie ihn ein oder lassen Sie server_id weg."),
                Language::En => format!("server_id: Server {id} is switched off. Switch it on, or leave out server_id."),
            },
            OutboxRejection::NoActiveServer => pick(
                "Kein aktiver Server: Legen Sie unter „E-Mail-Versand“ einen Server an oder aktivieren Sie einen.",
                "No active server: add or activate a server under \"E-Mail-Versand\".",
            ),
            OutboxRejection::InvalidIdempotencyKey => pick(
                "Der Header Idempotency-Key muss 1 bis 255 sichtbare ASCII-Zeichen haben, z. B. eine UUID.",
                "The Idempotency-Key header must have 1 to 255 visible ASCII characters, such as a UUID.",
            ),
            OutboxRejection::IdempotencyKeyReused => pick(
                "Dieser Idempotency-Key wurde schon für eine andere Mail verwendet. Nehmen Sie für jede neue Mail einen neuen Schlüssel.",
                "This Idempotency-Key was already used for another mail. Use a new key for every new mail.",
            ),
            OutboxRejection::NotFailed => pick(
                "Nur eine fehlgeschlagene Mail kann erneut gesendet werden; diese ist gesendet oder noch in der Warteschlange.",
                "Only a failed mail can be resent; this one is sent or still queued.",
            ),
            OutboxRejection::InvalidLimits(problems) => {
                let intro = language.pick("Die Sendelimits wurden nicht gespeichert.", "The sending limits were not saved.");
                let details: Vec<String> = problems.iter().map(|problem| problem.message(language)).collect();
                format!("{intro} {}", details.join(" "))
            }
            OutboxRejection::InvalidQuery(parameter) => match language {
                Language::De => format!(
                    "Der Parameter „{parameter}“ ist ungültig. Erlaubt sind status (queued, sending, sent, failed), server_id, since und until (RFC 3339), before und limit (1 bis 500)."
                ),
                Language::En => format!(
                    "The parameter \"{parameter}\" is invalid. Accepted are status (queued, sending, sent, failed), server_id, since and until (RFC 3339), before and limit (1 to 500)."
                ),
            },
        }
    }
}

/// Writes a byte count in megabytes (10^6 bytes) with one decimal, or in whole kilobytes
/// below a megabyte, in the language's notation.
fn size_text(bytes: usize, language: Language) -> String {
    if bytes < 1_000_000 {
        return format!("{} kB", (bytes + 500) / 1000);
    }
    let text = format!("{:.1} MB", bytes as f64 / 1_000_000.0);
    match language {
        Language::De => text.replace('.', ","),
        Language::En => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_large_message_states_both_sizes() {
        let rejection = OutboxRejection::MessageTooLarge {
            size: 12_500_000,
            limit: 10_485_760,
        };
        assert_eq!(
            rejection.message(Language::De),
            "Die Mail ist zu groß: Text und Anhänge haben 12,5 MB, erlaubt sind höchstens 10,5 MB."
        );
        assert_eq!(rejection.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn invalid_message_takes_first_problem_code() {
        let rejection =
            OutboxRejection::InvalidMessage(vec![MessageProblem::NoBody, MessageProblem::EmptySubject]);
        assert_eq!(rejection.code(), "no_body");
        assert_eq!(
            rejection.message(Language::En),
            "The mail was not accepted. text, html: Please give a text, an HTML document or both. subject: Please give a subject."
        );
    }
}
