//! The outbox's reasons in German and English: why a mail failed, why it waits, why a server
//! was deactivated.
//!
//! A reason is stored with both texts, because the message log shows it later in the language
//! of each request, and the SMTP verdict it came from is not kept.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use shared::Language;

/// A reason as stored: a stable code and the text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub code: String,
    pub de: String,
    pub en: String,
}

impl Reason {
    /// Returns the reason a mailer verdict gives.
    pub fn from_verdict(verdict: &mailer::Verdict) -> Reason {
        Reason {
            code: verdict.code().to_owned(),
            de: verdict.message(Language::De),
            en: verdict.message(Language::En),
        }
    }

    /// Returns the text in the given language.
    pub fn text(&self, language: Language) -> &str {
        language.pick(&self.de, &self.en)
    }

    /// Returns the reason for a mail that kept failing until the retry period ended.
    pub fn gave_up(period: Duration, last: &Reason) -> Reason {
        Reason {
            code: last.code.clone(),
            de: format!(
                "Nach {} ohne Erfolg aufgegeben; senden Sie die Mail erneut, wenn der Fehler behoben ist. Letzter Fehler: {}",
                duration_text(period, Language::De),
                last.de
            ),
            en: format!(
                "Gave up after {} without success; resend the mail once the error is fixed. Last error: {}",
                duration_text(period, Language::En),
                last.en
            ),
        }
    }

    /// Returns the reason for a mail whose account has no server left to send it.
    pub fn no_active_server() -> Reason {
        Reason {
            code: "no_active_server".to_owned(),
            de: "Kein aktiver Server: Legen Sie unter „E-Mail-Versand“ einen Server an oder aktivieren Sie einen, und senden Sie die Mail dann erneut.".to_owned(),
            en: "No active server: add or activate a server under \"E-Mail-Versand\", then resend the mail.".to_owned(),
        }
    }

    /// Returns the reason for a mail whose request named a server that is deleted now.
    pub fn named_server_deleted(id: i64) -> Reason {
        Reason {
            code: "server_deleted".to_owned(),
            de: format!("Der Server {id}, den die Anfrage gewählt hat, wurde gelöscht. Senden Sie die Mail über einen anderen Server erneut."),
            en: format!("Server {id}, which the request chose, was deleted. Send the mail again through another server."),
        }
    }

    /// Returns the reason for a mail whose request named a server the seller switched off.
    pub fn named_server_inactive(id: i64) -> Reason {
        Reason {
            code: "server_inactive".to_owned(),
            de: format!("Der Server {id}, den die Anfrage gewählt hat, ist ausgeschaltet. Schalten Sie ihn ein und senden Sie die Mail erneut."),
            en: format!("Server {id}, which the request chose, is switched off. Switch it on and resend the mail."),
        }
    }

    /// Returns the reason for a stored mail that cannot be read back (a damaged database).
    pub fn unreadable() -> Reason {
        Reason {
            code: "internal_error".to_owned(),
            de: "Die gespeicherte Mail ist beschädigt und kann nicht gesendet werden. Bitte senden Sie sie neu ein.".to_owned(),
            en: "The stored mail is damaged and cannot be sent. Please submit it again.".to_owned(),
        }
    }
}

/// Writes a period in hours, or in minutes or seconds when it is short.
fn duration_text(period: Duration, language: Language) -> String {
    let seconds = period.as_secs();
    let (count, german, english) = match seconds {
        0..=119 => (seconds, "Sekunden", "seconds"),
        120..=7199 => (seconds / 60, "Minuten", "minutes"),
        _ => (seconds / 3600, "Stunden", "hours"),
    };
    format!("{count} {}", language.pick(german, english))
}

/// The cause of a queued mail's wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waiting {
    /// The server's sending limit is reached for now.
    RateLimited,
    /// The system deactivated the server after failed sends, for `reason`.
    ServerDeactivated { reason: String },
}

impl Waiting {
    /// Returns the stable code of the wait.
    pub fn code(&self) -> &'static str {
        match self {
            Waiting::RateLimited => "rate_limited",
            Waiting::ServerDeactivated { .. } => "server_deactivated",
        }
    }

    /// Describes the wait for the message log.
    pub fn text(&self, language: Language) -> String {
        match (self, language) {
            (Waiting::RateLimited, Language::De) => "Wartet: Das Sendelimit des Servers ist erreicht. Die Mail wird gesendet, sobald das Limit es wieder erlaubt.".to_owned(),
            (Waiting::RateLimited, Language::En) => "Waiting: the server's sending limit is reached. The mail goes out as soon as the limit allows it again.".to_owned(),
            (Waiting::ServerDeactivated { reason }, Language::De) => format!(
                "Wartet: Der Server ist deaktiviert ({reason}). Die Mail wird gesendet, sobald Sie ihn in der Serverliste mit „Reaktivieren“ wieder aktivieren; das gelingt, wenn die Verbindung und die Anmeldung klappen."
            ),
            (Waiting::ServerDeactivated { reason }, Language::En) => format!(
                "Waiting: the server is deactivated ({reason}). The mail goes out once you reactivate the server with \"Reactivate\" in the server list, which works when the connection and the login succeed."
            ),
        }
    }
}

/// The cause of a server's deactivation by the system, stored as JSON in its deactivation reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeactivationReason {
    pub failures: u32,
    pub last: Reason,
}

impl DeactivationReason {
    /// Returns the form stored in the server's record.
    pub fn to_stored(&self) -> String {
        // Serialising strings and a number cannot fail; the fallback keeps the English text.
        serde_json::to_string(self).unwrap_or_else(|_| self.text(Language::En))
    }

    /// Describes the deactivation in the given language.
    pub fn text(&self, language: Language) -> String {
        let failures = self.failures;
        match language {
            Language::De => format!(
                "Nach {failures} fehlgeschlagenen Sendeversuchen in Folge deaktiviert. Letzter Fehler: {}",
                self.last.de
            ),
            Language::En => format!(
                "Deactivated after {failures} failed sends in a row. Last error: {}",
                self.last.en
            ),
        }
    }
}

/// Renders a server's stored deactivation reason in the given language. Reasons the outbox did
/// not write are shown as stored.
pub fn deactivation_reason_text(stored: &str, language: Language) -> String {
    match serde_json::from_str::<DeactivationReason>(stored) {
        Ok(reason) => reason.text(language),
        Err(_) => stored.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason() -> Reason {
        Reason {
            code: "auth_rejected".to_owned(),
            de: "Anmeldung abgelehnt.".to_owned(),
            en: "Login rejected.".to_owned(),
        }
    }

    #[test]
    fn deactivation_reason_round_trips_in_both_languages() {
        let stored = DeactivationReason {
            failures: 5,
            last: reason(),
        }
        .to_stored();

        assert_eq!(
            deactivation_reason_text(&stored, Language::De),
            "Nach 5 fehlgeschlagenen Sendeversuchen in Folge deaktiviert. Letzter Fehler: Anmeldung abgelehnt."
        );
        assert_eq!(
            deactivation_reason_text(&stored, Language::En),
            "Deactivated after 5 failed sends in a row. Last error: Login rejected."
        );
    }

    #[test]
    fn gave_up_names_the_period() {
        let gave_up = Reason::gave_up(Duration::from_secs(24 * 3600), &reason());
        assert_eq!(
            gave_up.en,
            "Gave up after 24 hours without success; resend the mail once the error is fixed. Last error: Login rejected."
        );
        assert!(
            gave_up.de.starts_with("Nach 24 Stunden ohne Erfolg aufgegeben"),
            "{}",
            gave_up.de
        );
    }

    #[test]
    fn foreign_deactivation_reason_shown_as_stored() {
        assert_eq!(deactivation_reason_text("manual", Language::En), "manual");
    }
}
