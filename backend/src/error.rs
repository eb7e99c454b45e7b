//! The API's error type and its mapping to HTTP status, code and text, in one place.
//!
//! Handlers and extractors return [`ApiError`]. Its `ResponseError` impl gives the status and
//! a German body. The `observe_request` middleware then renders the body again in the
//! request's language with the request id, and logs the error once, at a level that fits.

use std::time::Duration;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use shared::api::{ErrorBody, FindingView};
use shared::{Field, Finding, FindingCode, Language, ValidationReport};

use crate::json::JsonProblem;

/// A request failed. Every variant but [`ApiError::Internal`] is the caller's doing.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request body is not the expected JSON: {0:?}")]
    InvalidJson(JsonProblem),
    #[error("the request body is not declared as application/json")]
    UnsupportedMediaType,
    #[error("the request body exceeds {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("no valid session")]
    NotAuthenticated,
    #[error("wrong email address or password")]
    InvalidCredentials,
    #[error("a state-changing request lacks the X-Requested-With header")]
    CsrfHeaderMissing,
    #[error("no such resource for this account")]
    NotFound,
    #[error("the path does not support this method")]
    MethodNotAllowed,
    #[error("the email address belongs to another account")]
    EmailTaken,
    #[error("an inactive server cannot be the default")]
    ServerInactive,
    #[error("the sign-up email address is invalid")]
    InvalidEmail,
    #[error("the sign-up password is shorter than {minimum} characters")]
    PasswordTooShort { minimum: usize },
    #[error("the sign-up password is longer than {maximum} characters")]
    PasswordTooLong { maximum: usize },
    #[error("the settings have {} finding(s)", .0.findings.len())]
    Validation(ValidationReport),
    /// A test mail's settings or recipients have an error finding, so nothing was sent.
    #[error("the test mail has {} finding(s)", .0.findings.len())]
    InvalidTestMail(ValidationReport),
    /// A test of edited settings without a password, whose host differs from the stored one.
    #[error("the stored password belongs to another host")]
    StoredPasswordForOtherHost { stored_host: String },
    #[error("too many failed logins; retry in {} s", retry_after.as_secs())]
    TooManyAttempts { retry_after: Duration },
    #[error("too many test mails; retry in {} s", retry_after.as_secs())]
    TooManyTestMails { retry_after: Duration },
    /// A request to the outbox's endpoints (tokens, messages, sending limits) was rejected.
    #[error(transparent)]
    Outbox(crate::outbox::OutboxRejection),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// Wraps an unexpected failure; its cause chain goes to the log, never to the client.
    pub fn internal(error: impl Into<anyhow::Error>) -> ApiError {
        ApiError::Internal(error.into())
    }

    /// Returns the machine-readable code of the error body.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidJson(problem) => problem.code(),
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::NotAuthenticated => "not_authenticated",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::CsrfHeaderMissing => "csrf_header_missing",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::EmailTaken => "email_taken",
            ApiError::ServerInactive => "server_inactive",
            ApiError::InvalidEmail => "invalid_email",
            ApiError::PasswordTooShort { .. } => "password_too_short",
            ApiError::PasswordTooLong { .. } => "password_too_long",
            ApiError::Validation(_) | ApiError::InvalidTestMail(_) => "validation_failed",
            ApiError::StoredPasswordForOtherHost { .. } => "password_required",
            ApiError::TooManyAttempts { .. } => "too_many_attempts",
            ApiError::TooManyTestMails { .. } => "too_many_test_mails",
            ApiError::Outbox(rejection) => rejection.code(),
            ApiError::Internal(_) => "internal",
        }
    }

    /// Renders the text for the seller. `request_id` is repeated in the text of internal
    /// errors, so that a support request can be matched to the log.
    pub fn message(&self, language: Language, request_id: &str) -> String {
        let pick = |german: &str, english: &str| language.pick(german, english).to_owned();
        match self {
            ApiError::InvalidJson(problem) => problem.message(language),
            ApiError::UnsupportedMediaType => pick(
                "Die Anfrage muss JSON mit dem Content-Type application/json sein.",
                "The request must be JSON with the content type application/json.",
            ),
            ApiError::PayloadTooLarge { limit } => match language {
                Language::De => format!(
                    "Die Anfrage ist zu groß: höchstens {} KiB sind erlaubt.",
                    limit / 1024
                ),
                Language::En => format!(
                    "The request is too large: at most {} KiB are allowed.",
                    limit / 1024
                ),
            },
            ApiError::NotAuthenticated => pick(
                "Sie sind nicht angemeldet. Bitte melden Sie sich an.",
                "You are not logged in. Please log in.",
            ),
            ApiError::InvalidCredentials => pick(
                "E-Mail-Adresse oder Passwort ist falsch.",
                "The email address or password is wrong.",
            ),
            ApiError::CsrfHeaderMissing => pick(
                "Die Anfrage wurde abgelehnt, weil der Header „X-Requested-With: postausgang“ fehlt. \
                 Bitte laden Sie die Seite neu.",
                "The request was rejected because the header \"X-Requested-With: postausgang\" is missing. \
                 Please reload the page.",
            ),
            ApiError::NotFound => pick("Nicht gefunden.", "Not found."),
            ApiError::MethodNotAllowed => pick(
                "Diese Adresse unterstützt die Methode der Anfrage nicht.",
                "This address does not support the request's method.",
            ),
            ApiError::EmailTaken => pick(
                "Für diese E-Mail-Adresse gibt es schon ein Konto. Bitte melden Sie sich an.",
                "An account with this email address already exists. Please log in.",
            ),
            ApiError::ServerInactive => pick(
                "Ein inaktiver Server kann nicht Standardserver sein. Aktivieren Sie ihn zuerst.",
                "An inactive server cannot be the default. Activate it first.",
            ),
            ApiError::InvalidEmail => pick(
                "E-Mail-Adresse: Bitte geben Sie eine gültige Adresse wie max@shop.example ein.",
                "Email address: Please enter a valid address such as max@shop.example.",
            ),
            ApiError::PasswordTooShort { minimum } => match language {
                Language::De => format!("Passwort: Bitte mindestens {minimum} Zeichen verwenden."),
                Language::En => format!("Password: Please use at least {minimum} characters."),
            },
            ApiError::PasswordTooLong { maximum } => match language {
                Language::De => format!("Passwort: Bitte höchstens {maximum} Zeichen verwenden."),
                Language::En => format!("Password: Please use at most {maximum} characters."),
            },
            ApiError::Validation(_) => pick(
                "Die Einstellungen wurden nicht gespeichert. Bitte korrigieren Sie die markierten Felder.",
                "The settings were not saved. Please correct the marked fields.",
            ),
            ApiError::InvalidTestMail(_) => pick(
                "Die Test-Mail wurde nicht gesendet. Bitte korrigieren Sie die markierten Felder.",
                "The test mail was not sent. Please correct the marked fields.",
            ),
            ApiError::StoredPasswordForOtherHost { stored_host } => match language {
                Language::De => format!(
                    "Die Test-Mail wurde nicht gesendet. Das gespeicherte Passwort geht nur an den gespeicherten \
                     SMTP-Server {stored_host}. Für einen anderen Server geben Sie bitte das Passwort ein."
                ),
                Language::En => format!(
                    "The test mail was not sent. The stored password goes only to the stored SMTP server \
                     {stored_host}. For another server, please enter the password."
                ),
            },
            ApiError::TooManyAttempts { retry_after } => {
                let wait = wait_in_minutes(*retry_after, language);
                match language {
                    Language::De => format!(
                        "Zu viele fehlgeschlagene Anmeldungen. Bitte versuchen Sie es in {wait} erneut."
                    ),
                    Language::En => format!("Too many failed logins. Please try again in {wait}."),
                }
            }
            ApiError::TooManyTestMails { retry_after } => {
                let wait = wait_in_minutes(*retry_after, language);
                match language {
                    Language::De => {
                        format!("Zu viele Test-Mails in kurzer Zeit. Bitte versuchen Sie es in {wait} erneut.")
                    }
                    Language::En => format!("Too many test mails in a short time. Please try again in {wait}."),
                }
            }
            ApiError::Outbox(rejection) => rejection.message(language),
            ApiError::Internal(_) => match language {
                Language::De => format!(
                    "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später erneut \
                     (Fehler-ID {request_id})."
                ),
                Language::En => {
                    format!("An internal error occurred. Please try again later (error id {request_id}).")
                }
            },
        }
    }

    /// Builds the JSON body in the given language.
    pub fn body(&self, language: Language, request_id: &str) -> ErrorBody {
        let password_required = [Finding::error(Field::Password, FindingCode::Required)];
        let findings: &[Finding] = match self {
            ApiError::Validation(report) | ApiError::InvalidTestMail(report) => &report.findings,
            // Marks the password field in the form, next to the message that explains why.
            ApiError::StoredPasswordForOtherHost { .. } => &password_required,
            _ => &[],
        };
        let findings = findings
            .iter()
            .map(|finding| FindingView {
                finding: finding.clone(),
                message: finding.message(language),
            })
            .collect();
        ErrorBody {
            error: self.code().to_owned(),
            message: self.message(language, request_id),
            findings,
        }
    }

    /// Builds the whole response in the given language.
    pub fn to_response(&self, language: Language, request_id: &str) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let ApiError::TooManyAttempts { retry_after } | ApiError::TooManyTestMails { retry_after } = self {
            response.insert_header((header::RETRY_AFTER, retry_after.as_secs().max(1).to_string()));
        }
        if let ApiError::Outbox(crate::outbox::OutboxRejection::InvalidToken) = self {
            // RFC 6750, section 3: a rejected bearer token is answered with the scheme.
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""));
        }
        response.json(self.body(language, request_id))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::InvalidJson(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::NotAuthenticated | ApiError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ApiError::CsrfHeaderMissing => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::EmailTaken | ApiError::ServerInactive => StatusCode::CONFLICT,
            ApiError::InvalidEmail
            | ApiError::PasswordTooShort { .. }
            | ApiError::PasswordTooLong { .. }
            | ApiError::Validation(_)
            | ApiError::InvalidTestMail(_)
            | ApiError::StoredPasswordForOtherHost { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyAttempts { .. } | ApiError::TooManyTestMails { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::Outbox(rejection) => rejection.status(),
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Renders in German, the default language. Behind `observe_request`, the body is rendered
    /// again in the request's language.
    fn error_response(&self) -> HttpResponse {
        self.to_response(Language::default(), "-")
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(error: crate::store::StoreError) -> ApiError {
        ApiError::internal(error)
    }
}

/// Words a wait in whole minutes, rounded up: "einer Minute", "15 Minuten", "1 minute".
fn wait_in_minutes(wait: std::time::Duration, language: Language) -> String {
    let minutes = wait.as_secs().div_ceil(60).max(1);
    match (language, minutes) {
        (Language::De, 1) => "einer Minute".to_owned(),
        (Language::De, _) => format!("{minutes} Minuten"),
        (Language::En, 1) => "1 minute".to_owned(),
        (Language::En, _) => format!("{minutes} minutes"),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn wait_worded_in_whole_minutes() {
        assert_eq!(
            wait_in_minutes(Duration::from_secs(1), Language::De),
            "einer Minute"
        );
        assert_eq!(
            wait_in_minutes(Duration::from_secs(61), Language::De),
            "2 Minuten"
        );
        assert_eq!(wait_in_minutes(Duration::from_secs(60), Language::En), "1 minute");
        assert_eq!(
            wait_in_minutes(Duration::from_secs(900), Language::En),
            "15 minutes"
        );
    }
}
