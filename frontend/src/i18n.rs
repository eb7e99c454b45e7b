//! Every text the page shows that does not come from `shared` or the backend, German and English
//! side by side. German is the default language.

use shared::api::StepStatus;
use shared::report::{Fix, Severity};
use shared::{Language, Security};

/// A fixed text of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    // Frame
    AppName,
    AppTagline,
    LanguageLabel,
    LogOut,
    SkipToContent,
    // Sign-up and login
    LogIn,
    SignUp,
    LogInTitle,
    SignUpTitle,
    AuthIntro,
    AccountEmail,
    AccountPassword,
    SignUpPasswordHelp,
    NoAccountYet,
    HaveAccount,
    LoggingIn,
    SigningUp,
    // Server list
    ListTitle,
    ListIntro,
    EmptyTitle,
    EmptyWhy,
    EmptyAction,
    New,
    Loading,
    Retry,
    Edit,
    Delete,
    MakeDefault,
    StatusActive,
    StatusInactive,
    StatusDefault,
    LastTestNone,
    LastTest,
    LastTestOk,
    LastTestFailed,
    DeactivatedTitle,
    Deleted,
    ReactivateHint,
    // Server form
    FormTitleNew,
    FormTitleEdit,
    BackToList,
    NoProvider,
    ProviderHelp,
    Active,
    ActiveHelp,
    DisplayNameHelp,
    SenderHelp,
    HostHelp,
    PortHelp,
    LoginHelp,
    PasswordHelpNew,
    PasswordHelpStored,
    PasswordStoredPlaceholder,
    ShowPassword,
    Show,
    Hide,
    SecurityHelp,
    BccHelp,
    Default,
    DefaultHelp,
    Save,
    Saving,
    Saved,
    SaveFailed,
    FixErrorsFirst,
    UnsavedChanges,
    LeaveUnsavedForm,
    // Test mail
    TestTitle,
    TestIntro,
    TestRecipient,
    TestRecipientHelp,
    SendTest,
    SendingTest,
    TestUsesForm,
    TestAccepted,
    TestFailed,
    RawReplies,
    NoRawReplies,
    // Errors not sent by the backend
    ServerUnreachable,
    UnexpectedAnswer,
    SessionExpired,
    // API tokens
    TokensTitle,
    TokensIntro,
    TokenName,
    TokenNameHelp,
    TokenNameMissing,
    TokenNameTooLong,
    CreateToken,
    CreatingToken,
    NewTokenTitle,
    NewTokenOnce,
    TokensListTitle,
    TokensEmpty,
    TokenCreatedAt,
    TokenLastUsed,
    TokenNeverUsed,
    RevokeToken,
    TokenRevoked,
    TokenUsageTitle,
    TokenUsage,
    TokenDocs,
    TokenDocsLink,
    CopyToken,
    TokenCopied,
    // Sending log
    LogTitle,
    LogIntro,
    LogFilter,
    LogFilterAll,
    LogFilterDay,
    LogEmpty,
    LogEmptyFiltered,
    LogEmptyDay,
    LoadMore,
    Refresh,
    MessageRecipients,
    MessageReceived,
    MessageSentAt,
    MessageNextAttempt,
    MessageAttempts,
    MessageReason,
    LastReply,
    Resend,
    Resent,
    // Reactivation
    Reactivate,
    Reactivating,
    Reactivated,
    ReactivationFailed,
    // Sending limits
    LimitsTitle,
    LimitsHelp,
    LimitsCustom,
    LimitsPresetNone,
    LimitsReset,
}

impl Text {
    /// Returns the text in the given language.
    pub fn in_language(self, language: Language) -> &'static str {
        let (german, english) = match self {
            Text::AppName => ("Postausgang", "Postausgang"),
            Text::AppTagline => ("Mails Ihres Shops über Ihren eigenen Server", "Your shop's mail through your own server"),
            Text::LanguageLabel => ("Sprache", "Language"),
            Text::LogOut => ("Abmelden", "Log out"),
            Text::SkipToContent => ("Zum Inhalt springen", "Skip to content"),

            Text::LogIn => ("Anmelden", "Log in"),
            Text::SignUp => ("Registrieren", "Sign up"),
            Text::LogInTitle => ("Anmelden", "Log in"),
            Text::SignUpTitle => ("Konto anlegen", "Create an account"),
            Text::AuthIntro => (
                "Hier richten Sie die SMTP-Server ein, über die Ihr Shop Bestell- und Versandmails und Rechnungen verschickt.",
                "Set up the SMTP servers your shop uses to send order and shipping mails and invoices.",
            ),
            Text::AccountEmail => ("E-Mail-Adresse", "Email address"),
            Text::AccountPassword => ("Passwort", "Password"),
            Text::SignUpPasswordHelp => (
                "Mindestens 10 Zeichen. Das Passwort für Ihr Postausgang-Konto, nicht das Ihres Postfachs.",
                "At least 10 characters. The password for your Postausgang account, not the one of your mailbox.",
            ),
            Text::NoAccountYet => ("Noch kein Konto?", "No account yet?"),
            Text::HaveAccount => ("Schon ein Konto?", "Already have an account?"),
            Text::LoggingIn => ("Anmeldung läuft …", "Logging in …"),
            Text::SigningUp => ("Konto wird angelegt …", "Creating the account …"),

            Text::ListTitle => ("E-Mail-Versand", "Email sending"),
            Text::ListIntro => (
                "Über diese SMTP-Server verschickt Postausgang die Mails Ihres Shops, zum Beispiel „Bestellung bezahlt“, „Versendet“ und Rechnungen.",
                "Postausgang sends your shop's mails through these SMTP servers, for example \"order paid\", \"shipped\" and invoices.",
            ),
            Text::EmptyTitle => ("Noch kein SMTP-Server eingerichtet", "No SMTP server set up yet"),
            Text::EmptyWhy => (
                "Mails von der noreply-Adresse einer Plattform landen oft im Spam-Ordner Ihrer Kundinnen und Kunden. Über Ihren eigenen SMTP-Server senden Sie mit Ihrer echten Absenderadresse, und Antworten kommen bei Ihnen an.",
                "Mails from a platform's noreply address often land in your customers' spam folder. Through your own SMTP server you send from your real address, and replies reach you.",
            ),
            Text::EmptyAction => ("Richten Sie jetzt Ihren ersten Server ein.", "Set up your first server now."),
            Text::New => ("Neu", "New"),
            Text::Loading => ("Wird geladen …", "Loading …"),
            Text::Retry => ("Erneut versuchen", "Try again"),
            Text::Edit => ("Bearbeiten", "Edit"),
            Text::Delete => ("Löschen", "Delete"),
            Text::MakeDefault => ("Als Standard festlegen", "Make default"),
            Text::StatusActive => ("Aktiv", "Active"),
            Text::StatusInactive => ("Inaktiv", "Inactive"),
            Text::StatusDefault => ("Standard", "Default"),
            Text::LastTestNone => ("Noch nicht getestet", "Not tested yet"),
            Text::LastTest => ("Letzter Test", "Last test"),
            Text::LastTestOk => ("Erfolgreich", "Succeeded"),
            Text::LastTestFailed => ("Fehlgeschlagen", "Failed"),
            Text::DeactivatedTitle => (
                "Vom System deaktiviert, weil der Versand wiederholt fehlschlug",
                "Deactivated by the system because sending failed repeatedly",
            ),
            Text::Deleted => ("Der Server wurde gelöscht.", "The server was deleted."),
            Text::ReactivateHint => (
                "Korrigieren Sie die Einstellungen, prüfen Sie sie mit einer Test-Mail und schalten Sie „Aktiv“ wieder ein.",
                "Correct the settings, check them with a test mail and switch \"Active\" on again.",
            ),

            Text::FormTitleNew => ("Neuer SMTP-Server", "New SMTP server"),
            Text::FormTitleEdit => ("SMTP-Server bearbeiten", "Edit SMTP server"),
            Text::BackToList => ("Zurück zur Liste", "Back to the list"),
            Text::NoProvider => ("Kein bestimmter Anbieter", "No specific provider"),
            Text::ProviderHelp => (
                "Füllt SMTP-Server, Port und Verschlüsselung mit den Werten des Anbieters aus.",
                "Fills in SMTP server, port and encryption with the provider's values.",
            ),
            Text::Active => ("Aktiv", "Active"),
            Text::ActiveHelp => (
                "Nur aktive Server verschicken Mails. Schlägt der Versand mehrfach fehl, deaktiviert Postausgang den Server.",
                "Only active servers send mail. If sending fails repeatedly, Postausgang deactivates the server.",
            ),
            Text::DisplayNameHelp => (
                "Ein Name zum Wiedererkennen in der Liste, zum Beispiel „Shop-Postfach“.",
                "A name to recognise the server in the list, for example \"Shop mailbox\".",
            ),
            Text::SenderHelp => (
                "Die Adresse, die Ihre Kunden als Absender sehen: info@ihr-shop.de oder Max Mustermann <info@ihr-shop.de>.",
                "The address your customers see as the sender: info@your-shop.com or Max Mustermann <info@your-shop.com>.",
            ),
            Text::HostHelp => (
                "Auch Postausgangsserver oder SMTP-Host genannt, zum Beispiel smtp.ihr-anbieter.de.",
                "Also called outgoing server or SMTP host, for example smtp.your-provider.com.",
            ),
            Text::PortHelp => (
                "Meist 587 mit STARTTLS oder 465 mit SSL/TLS.",
                "Usually 587 with STARTTLS or 465 with SSL/TLS.",
            ),
            Text::LoginHelp => (
                "Der Benutzername beim Anbieter, oft die vollständige E-Mail-Adresse.",
                "The user name at the provider, often the full email address.",
            ),
            Text::PasswordHelpNew => (
                "Das Passwort des Postfachs oder ein App-Passwort, wenn Ihr Anbieter eines verlangt.",
                "The mailbox password, or an app password where your provider requires one.",
            ),
            Text::PasswordHelpStored => (
                "Ein Passwort ist gespeichert. Lassen Sie das Feld leer, um es zu behalten.",
                "A password is stored. Leave the field empty to keep it.",
            ),
            Text::PasswordStoredPlaceholder => ("Gespeichertes Passwort behalten", "Keep the stored password"),
            Text::ShowPassword => ("Passwort anzeigen", "Show password"),
            Text::Show => ("Anzeigen", "Show"),
            Text::Hide => ("Verbergen", "Hide"),
            Text::SecurityHelp => (
                "Wenn Ihr Server beides kann, ist STARTTLS auf Port 587 die Empfehlung.",
                "If your server offers both, STARTTLS on port 587 is the recommendation.",
            ),
            Text::BccHelp => (
                "Optional: Adressen, die eine Blindkopie jeder Mail erhalten, mehrere durch Komma getrennt.",
                "Optional: addresses that receive a blind copy of every mail, several separated by commas.",
            ),
            Text::Default => ("Standard", "Default"),
            Text::DefaultHelp => (
                "Postausgang verschickt über diesen Server, wenn für eine Mail kein anderer festgelegt ist.",
                "Postausgang sends through this server when no other is set for a mail.",
            ),
            Text::Save => ("Speichern", "Save"),
            Text::Saving => ("Wird gespeichert …", "Saving …"),
            Text::Saved => ("Gespeichert.", "Saved."),
            Text::SaveFailed => ("Speichern fehlgeschlagen", "Saving failed"),
            Text::FixErrorsFirst => (
                "Bitte korrigieren Sie zuerst die markierten Felder. Ihre Eingaben bleiben erhalten.",
                "Please correct the marked fields first. Everything you typed is kept.",
            ),
            Text::UnsavedChanges => ("Ungespeicherte Änderungen", "Unsaved changes"),
            Text::LeaveUnsavedForm => (
                "Ihre Eingaben sind noch nicht gespeichert. Formular verlassen und sie verwerfen?",
                "What you typed is not saved yet. Leave the form and discard it?",
            ),

            Text::TestTitle => ("Test-Mail", "Test mail"),
            Text::TestIntro => (
                "Prüfen Sie die Einstellungen mit einer echten Mail. Getestet wird, was im Formular steht, auch ungespeichert.",
                "Check the settings with a real mail. The test uses what the form contains, saved or not.",
            ),
            Text::TestRecipient => ("Empfänger der Test-Mail", "Test mail recipient"),
            Text::TestRecipientHelp => (
                "Am besten eine Adresse bei einem anderen Anbieter, etwa Ihre private: So prüfen Sie auch die Zustellung nach außen.",
                "Ideally an address at another provider, such as your private one, so that you check delivery to other providers too.",
            ),
            Text::SendTest => ("Test-Mail senden", "Send test mail"),
            Text::SendingTest => ("Test-Mail wird gesendet …", "Sending test mail …"),
            Text::TestUsesForm => (
                "Getestet werden die Einstellungen im Formular.",
                "The test uses the settings in the form.",
            ),
            Text::TestAccepted => ("Vom Server angenommen", "Accepted by the server"),
            Text::TestFailed => ("Test fehlgeschlagen", "Test failed"),
            Text::RawReplies => ("Antworten des Servers (Rohdaten)", "Server replies (raw)"),
            Text::NoRawReplies => ("Der Server hat nicht geantwortet.", "The server sent no reply."),

            Text::ServerUnreachable => (
                "Postausgang ist gerade nicht erreichbar. Bitte prüfen Sie Ihre Internetverbindung und versuchen Sie es erneut.",
                "Postausgang cannot be reached right now. Please check your internet connection and try again.",
            ),
            Text::UnexpectedAnswer => (
                "Postausgang hat unerwartet geantwortet. Bitte versuchen Sie es erneut.",
                "Postausgang sent an unexpected answer. Please try again.",
            ),
            Text::SessionExpired => (
                "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.",
                "Your session has expired. Please log in again.",
            ),

            Text::TokensTitle => ("API-Zugang", "API access"),
            Text::TokensIntro => (
                "Mit einem API-Token übergibt Ihr Shopsystem seine Mails an Postausgang. Legen Sie für jedes Shopsystem einen eigenen Token an, dann können Sie jeden einzeln widerrufen.",
                "With an API token your shop system hands its mails to Postausgang. Create one token per shop system, so that you can revoke each one on its own.",
            ),
            Text::TokenName => ("Name des Tokens", "Token name"),
            Text::TokenNameHelp => (
                "Zum Wiedererkennen, zum Beispiel der Name Ihres Shopsystems wie „Shopware“.",
                "To recognise the token, for example your shop system's name such as \"Shopware\".",
            ),
            Text::TokenNameMissing => (
                "Name des Tokens fehlt. Bitte geben Sie einen Namen ein, zum Beispiel „Shopware“.",
                "Token name is missing. Please enter a name, for example \"Shopware\".",
            ),
            Text::TokenNameTooLong => (
                "Name des Tokens ist zu lang. Höchstens 100 Zeichen sind möglich.",
                "Token name is too long. At most 100 characters are possible.",
            ),
            Text::CreateToken => ("Token erstellen", "Create token"),
            Text::CreatingToken => ("Token wird erstellt …", "Creating the token …"),
            Text::NewTokenTitle => ("Ihr neuer Token", "Your new token"),
            Text::NewTokenOnce => (
                "Kopieren Sie den Token jetzt und tragen Sie ihn in Ihrem Shopsystem ein. Postausgang speichert nur eine Prüfsumme davon und kann ihn später nicht noch einmal anzeigen. Geht er verloren, erstellen Sie einen neuen und widerrufen den alten.",
                "Copy the token now and enter it in your shop system. Postausgang stores only a hash of it and cannot show it again later. If you lose it, create a new one and revoke the old one.",
            ),
            Text::TokensListTitle => ("Ihre Tokens", "Your tokens"),
            Text::TokensEmpty => (
                "Noch kein Token angelegt. Ohne Token kann kein Shopsystem Mails an Postausgang übergeben.",
                "No token yet. Without a token, no shop system can hand mails to Postausgang.",
            ),
            Text::TokenCreatedAt => ("Erstellt", "Created"),
            Text::TokenLastUsed => ("Zuletzt benutzt", "Last used"),
            Text::TokenNeverUsed => ("Noch nie", "Never"),
            Text::RevokeToken => ("Widerrufen", "Revoke"),
            Text::TokenRevoked => (
                "Der Token wurde widerrufen. Anfragen mit ihm werden ab jetzt abgelehnt.",
                "The token was revoked. Requests with it are rejected from now on.",
            ),
            Text::TokenUsageTitle => ("So nutzt Ihr Shopsystem den Token", "How your shop system uses the token"),
            Text::TokenUsage => (
                "Ihr Shopsystem übergibt jede Mail per HTTP an POST /api/messages und sendet den Token im Header „Authorization“ mit, zum Beispiel so:",
                "Your shop system hands each mail to POST /api/messages over HTTP and sends the token in the \"Authorization\" header, for example like this:",
            ),
            Text::TokenDocs => (
                "Alle Felder, Anhänge wie Rechnungs-PDFs und die Fehlermeldungen beschreibt die Dokumentation der Schnittstelle:",
                "The interface's documentation describes every field, attachments such as invoice PDFs, and the error messages:",
            ),
            Text::TokenDocsLink => ("Dokumentation öffnen (Text)", "Open the documentation (text)"),
            Text::CopyToken => ("Kopieren", "Copy"),
            Text::TokenCopied => ("Kopiert", "Copied"),

            Text::LogTitle => ("Versandprotokoll", "Sending log"),
            Text::LogIntro => (
                "Die Mails, die Ihr Shop über diesen Server verschickt, die neuesten zuerst. „Gesendet“ heißt: Ihr SMTP-Server hat die Mail angenommen.",
                "The mails your shop sends through this server, newest first. \"Sent\" means that your SMTP server accepted the mail.",
            ),
            Text::LogFilter => ("Status", "Status"),
            Text::LogFilterAll => ("Alle", "All"),
            Text::LogEmpty => (
                "Über diesen Server wurde noch keine Mail verschickt. Sobald Ihr Shopsystem Mails mit einem API-Token übergibt, erscheinen sie hier.",
                "No mail has gone through this server yet. As soon as your shop system hands over mails with an API token, they appear here.",
            ),
            Text::LogEmptyFiltered => ("Keine Mails mit diesem Status.", "No mails with this status."),
            Text::LogFilterDay => ("Übergeben am (UTC)", "Handed over on (UTC)"),
            Text::LogEmptyDay => (
                "An diesem Tag wurden keine passenden Mails übergeben.",
                "No matching mails were handed over on this day.",
            ),
            Text::LoadMore => ("Weitere laden", "Load more"),
            Text::Refresh => ("Aktualisieren", "Refresh"),
            Text::MessageRecipients => ("Empfänger", "Recipients"),
            Text::MessageReceived => ("Übergeben", "Handed over"),
            Text::MessageSentAt => ("Gesendet", "Sent"),
            Text::MessageNextAttempt => ("Nächster Versuch", "Next attempt"),
            Text::MessageAttempts => ("Versuche", "Attempts"),
            Text::MessageReason => ("Grund", "Reason"),
            Text::LastReply => ("Letzte Antwort des Servers (Rohdaten)", "Last server reply (raw)"),
            Text::Resend => ("Erneut senden", "Send again"),
            Text::Resent => (
                "Die Mail steht wieder in der Warteschlange und wird gleich gesendet.",
                "The mail is back in the queue and will be sent shortly.",
            ),

            Text::Reactivate => ("Reaktivieren", "Reactivate"),
            Text::Reactivating => ("Verbindung wird geprüft …", "Checking the connection …"),
            Text::Reactivated => (
                "Der Server ist wieder aktiv. Wartende Mails werden jetzt gesendet.",
                "The server is active again. Waiting mails are being sent now.",
            ),
            Text::ReactivationFailed => (
                "Reaktivieren fehlgeschlagen, der Server bleibt inaktiv",
                "Reactivation failed, the server stays inactive",
            ),

            Text::LimitsTitle => ("Sendelimits", "Sending limits"),
            Text::LimitsHelp => (
                "Postausgang sendet über diesen Server höchstens so viele Mails; weitere warten in der Warteschlange. Ein leeres Feld heißt: kein Limit.",
                "Postausgang sends at most this many mails through this server; further mails wait in the queue. An empty field means no limit.",
            ),
            Text::LimitsCustom => ("Diese Limits haben Sie festgelegt.", "You set these limits."),
            Text::LimitsPresetNone => (
                "Für diesen Server ist kein Limit voreingestellt.",
                "No limit is preset for this server.",
            ),
            Text::LimitsReset => ("Voreinstellung wiederherstellen", "Restore the default"),
        };
        language.pick(german, english)
    }
}

/// Returns the name of a language in that language, for the language switch.
pub fn language_name(language: Language) -> &'static str {
    match language {
        Language::De => "Deutsch",
        Language::En => "English",
    }
}

/// Returns the security mode's label as the form and the list show it.
pub fn security_label(security: Security, language: Language) -> &'static str {
    match security {
        Security::StartTls => "STARTTLS",
        Security::ImplicitTls => "SSL/TLS",
        Security::None => language.pick("Keine (unverschlüsselt)", "None (unencrypted)"),
    }
}

/// Returns the word a screen reader announces before a finding.
pub fn severity_label(severity: Severity, language: Language) -> &'static str {
    match severity {
        Severity::Error => language.pick("Fehler", "Error"),
        Severity::Warning => language.pick("Warnung", "Warning"),
        Severity::Hint => language.pick("Hinweis", "Hint"),
    }
}

/// Returns the status word of one checklist step.
pub fn step_status_label(status: StepStatus, language: Language) -> &'static str {
    match status {
        StepStatus::Ok => "OK",
        StepStatus::Failed => language.pick("Fehlgeschlagen", "Failed"),
        StepStatus::Skipped => language.pick("Übersprungen", "Skipped"),
    }
}

/// Returns the label of the button that applies a one-click fix.
pub fn fix_label(fix: &Fix, language: Language) -> String {
    match fix {
        Fix::SetPortAndSecurity { port, security } => {
            let security = security_label(*security, language);
            match language.effective() {
                Language::De => format!("{port} mit {security} verwenden"),
                Language::En => format!("Use {port} with {security}"),
            }
        }
        Fix::SetHost { host } => match language.effective() {
            Language::De => format!("{host} eintragen"),
            Language::En => format!("Use {host}"),
        },
        Fix::UsePreset { preset_id } => {
            let name = shared::presets::preset_by_id(preset_id)
                .map_or(preset_id.as_str(), |preset| preset.short_name);
            match language.effective() {
                Language::De => format!("Einstellungen für {name} übernehmen"),
                Language::En => format!("Use the settings for {name}"),
            }
        }
    }
}

/// Formats an RFC 3339 time stamp in UTC, such as `01.12.2026, 08:15 UTC` in German.
pub fn format_timestamp(at: &str, language: Language) -> String {
    let (Some(year), Some(month), Some(day), Some(time)) =
        (at.get(0..4), at.get(5..7), at.get(8..10), at.get(11..16))
    else {
        return at.to_owned();
    };
    match language.effective() {
        Language::De => format!("{day}.{month}.{year}, {time} UTC"),
        Language::En => format!("{year}-{month}-{day} {time} UTC"),
    }
}

/// Returns the confirmation question before deleting a server.
pub fn confirm_delete(name: &str, language: Language) -> String {
    match language.effective() {
        Language::De => {
            format!("Den Server „{name}“ wirklich löschen? Das lässt sich nicht rückgängig machen.")
        }
        Language::En => format!("Really delete the server \"{name}\"? This cannot be undone."),
    }
}

/// Returns the confirmation question before revoking an API token.
pub fn confirm_revoke(name: &str, language: Language) -> String {
    match language.effective() {
        Language::De => format!(
            "Den Token „{name}“ wirklich widerrufen? Ein Shopsystem, das ihn nutzt, kann danach keine Mails mehr übergeben."
        ),
        Language::En => format!(
            "Really revoke the token \"{name}\"? A shop system that uses it can no longer hand over mails."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_list_asks_for_first_server_once() {
        for language in [Language::De, Language::En] {
            let call_to_action = language.pick("ersten Server", "first server");
            let why = Text::EmptyWhy.in_language(language);
            let action = Text::EmptyAction.in_language(language);

            assert!(!why.contains(call_to_action), "{why}");
            assert!(action.contains(call_to_action), "{action}");
        }
    }

    #[test]
    fn sign_up_help_states_password_minimum() {
        let minimum = shared::api::MIN_ACCOUNT_PASSWORD_CHARS.to_string();
        for language in [Language::De, Language::En] {
            assert!(Text::SignUpPasswordHelp.in_language(language).contains(&minimum));
        }
    }

    #[test]
    fn fix_label_names_port_and_security() {
        let fix = Fix::SetPortAndSecurity {
            port: 587,
            security: Security::StartTls,
        };

        assert_eq!(fix_label(&fix, Language::De), "587 mit STARTTLS verwenden");
        assert_eq!(fix_label(&fix, Language::En), "Use 587 with STARTTLS");
    }

    #[test]
    fn timestamp_reads_german_by_default() {
        let text = format_timestamp("2026-12-01T08:15:42Z", Language::De);

        assert_eq!(text, "01.12.2026, 08:15 UTC");
    }

    #[test]
    fn timestamp_keeps_unknown_formats() {
        assert_eq!(format_timestamp("gestern", Language::En), "gestern");
    }

    #[test]
    fn security_none_says_unencrypted() {
        assert_eq!(
            security_label(Security::None, Language::De),
            "Keine (unverschlüsselt)"
        );
    }
}
