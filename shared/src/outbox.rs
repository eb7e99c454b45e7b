//! The outbox's API bodies (API tokens, messages) and the sending limits of a server, with
//! their validation and messages in German and English.
//!
//! The backend validates sending limits with [`validate_sending_limits`], and the page can call
//! the same function for its inline errors.

use serde::{Deserialize, Serialize};

use crate::i18n::Language;

/// Body of `POST /api/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// A label for the seller, such as the shop system's name.
    pub name: String,
}

/// The response to `POST /api/tokens`, the only response that contains the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenCreated {
    pub id: i64,
    pub name: String,
    /// The bearer token. Only its hash is stored, so it cannot be shown again.
    pub token: String,
    /// RFC 3339 time stamp.
    pub created_at: String,
}

/// One API token as `GET /api/tokens` lists it, without the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    /// RFC 3339 time stamp.
    pub created_at: String,
    /// RFC 3339 time stamp of the last request made with the token, accurate to a minute.
    pub last_used_at: Option<String>,
}

/// A file attached to a message, such as an invoice PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentInput {
    pub filename: String,
    /// A MIME type such as `application/pdf`.
    pub content_type: String,
    /// The file's bytes in standard base64 (RFC 4648, section 4), padding optional.
    pub content_base64: String,
}

/// Body of `POST /api/messages`: one mail of the shop to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    /// Recipients as `address` or `Name <address>`.
    pub to: Vec<String>,
    pub subject: String,
    /// The plain-text body. At least one of `text` and `html` is required.
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub html: Option<String>,
    #[serde(default)]
    pub attachments: Vec<AttachmentInput>,
    /// The server to send through; when absent, the server whose sender matches `from`, or the
    /// account's default server.
    #[serde(default)]
    pub server_id: Option<i64>,
    /// The sender as `address` or `Name <address>`; the chosen server's sender when absent.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub reply_to: Option<String>,
}

/// The stage of a message's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Stored, waiting for its first or next attempt.
    Queued,
    /// A worker is sending it right now.
    Sending,
    /// The server accepted it (a 2xx reply after DATA). Acceptance is not delivery.
    Sent,
    /// It will not be sent unless the seller resends it.
    Failed,
}

impl MessageStatus {
    /// All statuses, in the order of a message's life.
    pub const ALL: [MessageStatus; 4] = [
        MessageStatus::Queued,
        MessageStatus::Sending,
        MessageStatus::Sent,
        MessageStatus::Failed,
    ];

    /// Returns the identifier used in the API and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Queued => "queued",
            MessageStatus::Sending => "sending",
            MessageStatus::Sent => "sent",
            MessageStatus::Failed => "failed",
        }
    }

    /// Parses the identifier used in the API and in storage.
    pub fn parse(value: &str) -> Option<MessageStatus> {
        MessageStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == value)
    }

    /// Returns the status's name for the message log.
    pub fn label(self, language: Language) -> &'static str {
        match self {
            MessageStatus::Queued => language.pick("In der Warteschlange", "Queued"),
            MessageStatus::Sending => language.pick("Wird gesendet", "Sending"),
            MessageStatus::Sent => language.pick("Gesendet", "Sent"),
            MessageStatus::Failed => language.pick("Fehlgeschlagen", "Failed"),
        }
    }
}

/// The response to `POST /api/messages`: the message is stored and will be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageAccepted {
    pub id: i64,
    pub status: MessageStatus,
    /// The Message-ID header's value. Every attempt sends the same one, so a receiver can drop
    /// a duplicate.
    pub message_id: String,
}

/// One message as the message log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: i64,
    pub status: MessageStatus,
    /// The server the message goes (or went) through; `None` when it was deleted.
    pub server_id: Option<i64>,
    /// The envelope sender, such as `max@shop.example`.
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub message_id: String,
    /// How many times a worker tried to send it.
    pub attempts: u32,
    /// The server's last reply, such as `451 4.7.1 Try again later`, or what the client saw.
    pub last_reply: Option<String>,
    /// A stable code for the last failure or for why the message waits, such as `rate_limited`.
    pub reason_code: Option<String>,
    /// The failure or the wait in plain words, in the request's language.
    pub reason: Option<String>,
    /// RFC 3339 time stamps.
    pub created_at: String,
    pub updated_at: String,
    /// When the next attempt is due, for queued messages.
    pub next_attempt_at: Option<String>,
    pub sent_at: Option<String>,
}

/// The response to `GET /api/messages`: the newest messages first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageList {
    pub messages: Vec<MessageView>,
    /// Pass this as `before` to get the next, older page; `None` on the last page.
    pub next_before: Option<i64>,
}

/// The response to `POST /api/servers/{id}/reactivate`: the connection check and whether the
/// server is active again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactivationResult {
    /// Whether connecting and logging in worked.
    pub ok: bool,
    /// Whether the server is active now; its queued mail goes out.
    pub active: bool,
    /// The verdict's code, such as `connected` or `auth_rejected`.
    pub verdict: String,
    /// The verdict in the request's language.
    pub message: String,
    pub steps: Vec<crate::api::StepResult>,
}

/// The maximum a per-minute or per-hour limit may be.
pub const MAX_SENDING_LIMIT: u32 = 1_000_000;

/// How many messages a server may take per minute and per hour; `None` means no limit.
///
/// The windows are sliding: "30 per minute" means at most 30 attempts in any 60 seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendingLimits {
    pub per_minute: Option<u32>,
    pub per_hour: Option<u32>,
}

impl SendingLimits {
    /// No limit at all.
    pub const NONE: SendingLimits = SendingLimits {
        per_minute: None,
        per_hour: None,
    };
}

/// A limit as entered: a JSON number from the API, or the text of the form's input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LimitInput {
    Number(f64),
    Text(String),
}

/// Body of `PUT /api/servers/{id}/limits`. An absent, null or empty value means no limit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendingLimitsInput {
    #[serde(default)]
    pub per_minute: Option<LimitInput>,
    #[serde(default)]
    pub per_hour: Option<LimitInput>,
}

/// The origin of a server's effective limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitSource {
    /// The provider preset's documented limits (possibly none).
    Preset,
    /// The seller set them.
    Custom,
}

/// The response to `GET`, `PUT` and `DELETE /api/servers/{id}/limits`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendingLimitsView {
    /// The limits the outbox applies.
    pub limits: SendingLimits,
    pub source: LimitSource,
    /// The provider preset's documented limits, which `DELETE` restores.
    pub preset: SendingLimits,
    /// The source of the preset's limits, in the request's language; `None` without any.
    pub preset_note: Option<String>,
}

/// The limit a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitField {
    PerMinute,
    PerHour,
}

impl LimitField {
    /// Returns the field's label as the form shows it.
    pub fn label(self, language: Language) -> &'static str {
        match self {
            LimitField::PerMinute => language.pick("Mails pro Minute", "Mails per minute"),
            LimitField::PerHour => language.pick("Mails pro Stunde", "Mails per hour"),
        }
    }
}

/// A problem with an entered limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum LimitProblem {
    /// Not a whole number, such as `2.5` or `viele`.
    NotWholeNumber { field: LimitField, value: String },
    /// Zero or negative.
    NotPositive { field: LimitField, value: String },
    /// Above [`MAX_SENDING_LIMIT`].
    TooLarge { field: LimitField, value: String },
    /// The hourly limit is below the per-minute limit, so the per-minute limit could never apply.
    HourBelowMinute { per_minute: u32, per_hour: u32 },
}

impl LimitProblem {
    /// Returns the field the problem is about.
    pub fn field(&self) -> LimitField {
        match self {
            LimitProblem::NotWholeNumber { field, .. }
            | LimitProblem::NotPositive { field, .. }
            | LimitProblem::TooLarge { field, .. } => *field,
            LimitProblem::HourBelowMinute { .. } => LimitField::PerHour,
        }
    }

    /// Renders the problem for a seller: the field, what is wrong and the fix.
    pub fn message(&self, language: Language) -> String {
        let label = self.field().label(language);
        match (self, language.effective()) {
            (LimitProblem::NotWholeNumber { value, .. }, Language::De) => format!(
                "{label}: „{value}“ ist keine ganze Zahl. Bitte eine ganze Zahl ab 1 eingeben oder das Feld leer lassen (kein Limit)."
            ),
            (LimitProblem::NotWholeNumber { value, .. }, Language::En) => format!(
                "{label}: \"{value}\" is not a whole number. Please enter a whole number of 1 or more, or leave the field empty (no limit)."
            ),
            (LimitProblem::NotPositive { value, .. }, Language::De) => format!(
                "{label}: „{value}“ ist ungültig. Das Limit muss mindestens 1 sein; für kein Limit das Feld leer lassen."
            ),
            (LimitProblem::NotPositive { value, .. }, Language::En) => format!(
                "{label}: \"{value}\" is invalid. The limit must be at least 1; leave the field empty for no limit."
            ),
            (LimitProblem::TooLarge { value, .. }, Language::De) => format!(
                "{label}: „{value}“ ist zu groß. Höchstens 1000000 sind möglich; für kein Limit das Feld leer lassen."
            ),
            (LimitProblem::TooLarge { value, .. }, Language::En) => format!(
                "{label}: \"{value}\" is too large. At most 1000000 is possible; leave the field empty for no limit."
            ),
            (LimitProblem::HourBelowMinute { per_minute, per_hour }, Language::De) => format!(
                "{label}: {per_hour} pro Stunde ist weniger als {per_minute} pro Minute. Bitte mindestens {per_minute} eintragen oder das Minutenlimit senken."
            ),
            (LimitProblem::HourBelowMinute { per_minute, per_hour }, Language::En) => format!(
                "{label}: {per_hour} per hour is less than {per_minute} per minute. Please enter at least {per_minute}, or lower the per-minute limit."
            ),
        }
    }
}

/// Validates entered sending limits and returns them, or every problem found.
///
/// # Errors
/// A value is not a whole number from 1 to [`MAX_SENDING_LIMIT`], or the hourly limit is below
/// the per-minute limit.
pub fn validate_sending_limits(input: &SendingLimitsInput) -> Result<SendingLimits, Vec<LimitProblem>> {
    let per_minute = parse_limit(input.per_minute.as_ref(), LimitField::PerMinute);
    let per_hour = parse_limit(input.per_hour.as_ref(), LimitField::PerHour);

    let mut problems: Vec<LimitProblem> = [&per_minute, &per_hour]
        .into_iter()
        .filter_map(|result| result.clone().err())
        .collect();
    if let (Ok(Some(per_minute)), Ok(Some(per_hour))) = (&per_minute, &per_hour) {
        if per_hour < per_minute {
            problems.push(LimitProblem::HourBelowMinute {
                per_minute: *per_minute,
                per_hour: *per_hour,
            });
        }
    }
    match (per_minute, per_hour) {
        (Ok(per_minute), Ok(per_hour)) if problems.is_empty() => Ok(SendingLimits { per_minute, per_hour }),
        _ => Err(problems),
    }
}

fn parse_limit(input: Option<&LimitInput>, field: LimitField) -> Result<Option<u32>, LimitProblem> {
    let text = match input {
        None => return Ok(None),
        Some(LimitInput::Number(number)) => number_text(*number),
        Some(LimitInput::Text(text)) => text.trim().to_owned(),
    };
    if text.is_empty() {
        return Ok(None);
    }
    let value: i128 = text.parse().map_err(|_| LimitProblem::NotWholeNumber {
        field,
        value: text.clone(),
    })?;
    if value < 1 {
        return Err(LimitProblem::NotPositive { field, value: text });
    }
    match u32::try_from(value) {
        Ok(limit) if limit <= MAX_SENDING_LIMIT => Ok(Some(limit)),
        _ => Err(LimitProblem::TooLarge { field, value: text }),
    }
}

/// Writes a JSON number as the seller typed it: `30` rather than `30.0`.
fn number_text(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{number:.0}")
    } else {
        number.to_string()
    }
}

/// A provider's documented sending limit, with its source.
struct DocumentedLimit {
    preset_id: &'static str,
    limits: SendingLimits,
    note_de: &'static str,
    note_en: &'static str,
}

/// The presets whose providers document a per-minute or per-hour limit. Daily quotas (Gmail's
/// 500 or 2,000 a day, Brevo's free 300 a day) are not per-minute or per-hour limits and are
/// left to the preset's hints.
const DOCUMENTED_LIMITS: &[DocumentedLimit] = &[
    DocumentedLimit {
        preset_id: "office365",
        limits: SendingLimits {
            per_minute: Some(30),
            per_hour: None,
        },
        note_de: "Microsoft 365 erlaubt beim Einliefern per SMTP AUTH 30 Mails pro Minute (Microsoft-Dokumentation).",
        note_en: "Microsoft 365 allows 30 mails per minute for SMTP AUTH client submission (Microsoft documentation).",
    },
    DocumentedLimit {
        preset_id: "amazon_ses",
        limits: SendingLimits {
            per_minute: Some(60),
            per_hour: None,
        },
        note_de: "Amazon SES erlaubt in der Sandbox 1 Mail pro Sekunde; im Produktivbetrieb gilt das Kontingent Ihres Kontos.",
        note_en: "Amazon SES allows 1 mail per second in the sandbox; in production your account's quota applies.",
    },
];

/// Returns the sending limits a provider preset documents; no limit for other presets.
pub fn preset_sending_limits(preset_id: &str) -> SendingLimits {
    DOCUMENTED_LIMITS
        .iter()
        .find(|documented| documented.preset_id == preset_id)
        .map_or(SendingLimits::NONE, |documented| documented.limits)
}

/// Returns where a preset's documented limits come from, in the given language.
pub fn preset_limit_note(preset_id: &str, language: Language) -> Option<&'static str> {
    DOCUMENTED_LIMITS
        .iter()
        .find(|documented| documented.preset_id == preset_id)
        .map(|documented| language.pick(documented.note_de, documented.note_en))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(value: &str) -> Option<LimitInput> {
        Some(LimitInput::Number(value.parse().expect("a number")))
    }

    fn text(value: &str) -> Option<LimitInput> {
        Some(LimitInput::Text(value.to_owned()))
    }

    #[test]
    fn limits_accept_whole_numbers_and_empty() {
        let cases = [
            (number("30"), text("1800"), Some(30), Some(1800)),
            (text(" 5 "), None, Some(5), None),
            (text(""), number("1"), None, Some(1)),
            (None, None, None, None),
        ];
        for (per_minute, per_hour, expected_minute, expected_hour) in cases {
            let input = SendingLimitsInput {
                per_minute: per_minute.clone(),
                per_hour: per_hour.clone(),
            };
            let limits = validate_sending_limits(&input)
                .unwrap_or_else(|problems| panic!("{per_minute:?}/{per_hour:?} must be valid: {problems:?}"));
            assert_eq!(limits.per_minute, expected_minute, "per minute of {per_minute:?}");
            assert_eq!(limits.per_hour, expected_hour, "per hour of {per_hour:?}");
        }
    }

    #[test]
    fn limits_reject_zero_negative_and_fractions() {
        let cases = [
            (
                number("0"),
                LimitProblem::NotPositive {
                    field: LimitField::PerMinute,
                    value: "0".to_owned(),
                },
            ),
            (
                text("-3"),
                LimitProblem::NotPositive {
                    field: LimitField::PerMinute,
                    value: "-3".to_owned(),
                },
            ),
            (
                number("2.5"),
                LimitProblem::NotWholeNumber {
                    field: LimitField::PerMinute,
                    value: "2.5".to_owned(),
                },
            ),
            (
                text("viele"),
                LimitProblem::NotWholeNumber {
                    field: LimitField::PerMinute,
                    value: "viele".to_owned(),
                },
            ),
            (
                number("1000001"),
                LimitProblem::TooLarge {
                    field: LimitField::PerMinute,
                    value: "1000001".to_owned(),
                },
            ),
        ];
        for (per_minute, expected) in cases {
            let input = SendingLimitsInput {
                per_minute: per_minute.clone(),
                per_hour: None,
            };
            let problems = validate_sending_limits(&input).expect_err("an invalid limit");
            assert_eq!(problems, vec![expected], "input {per_minute:?}");
        }
    }

    #[test]
    fn hourly_limit_below_minute_limit_rejected() {
        let input = SendingLimitsInput {
            per_minute: number("30"),
            per_hour: number("10"),
        };

        let problems = validate_sending_limits(&input).expect_err("inconsistent limits");

        assert_eq!(
            problems,
            vec![LimitProblem::HourBelowMinute {
                per_minute: 30,
                per_hour: 10
            }]
        );
    }

    #[test]
    fn limit_messages_state_the_rule() {
        let problem = LimitProblem::NotPositive {
            field: LimitField::PerMinute,
            value: "0".to_owned(),
        };
        assert_eq!(
            problem.message(Language::De),
            "Mails pro Minute: „0“ ist ungültig. Das Limit muss mindestens 1 sein; für kein Limit das Feld leer lassen."
        );
        assert_eq!(
            problem.message(Language::En),
            "Mails per minute: \"0\" is invalid. The limit must be at least 1; leave the field empty for no limit."
        );
    }

    #[test]
    fn preset_limits_come_from_documented_providers() {
        assert_eq!(preset_sending_limits("office365").per_minute, Some(30));
        assert_eq!(preset_sending_limits("gmx_de"), SendingLimits::NONE);
        assert_eq!(preset_sending_limits(""), SendingLimits::NONE);
        assert!(preset_limit_note("office365", Language::En)
            .is_some_and(|note| note.contains("30 mails per minute")));
    }

    #[test]
    fn message_status_round_trips() {
        for status in MessageStatus::ALL {
            assert_eq!(MessageStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(MessageStatus::parse("lost"), None);
    }
}
