//! Texts for the provider, preset and marketplace findings.

use super::{quote, security_name};
use crate::i18n::Language;
use crate::presets::{self, LoginForm, ProviderPreset};
use crate::report::FindingCode;

/// Renders the finding without the field label, or `None` when another module owns the code.
pub(super) fn render(code: &FindingCode, language: Language) -> Option<String> {
    match code {
        FindingCode::UnknownProvider { provider } => Some(match language.effective() {
            Language::De => format!(
                "{} ist kein bekannter Anbieter. Bitte einen Anbieter aus der Liste wählen oder „{}“.",
                quote(provider, language),
                presets::no_specific_provider_label(language)
            ),
            Language::En => format!(
                "{} is not a known provider. Please choose a provider from the list, or \"{}\".",
                quote(provider, language),
                presets::no_specific_provider_label(language)
            ),
        }),
        FindingCode::SenderOfOtherProvider { domain, provider } => {
            Some(render_sender_of_other_provider(domain, provider, language))
        }
        FindingCode::AmazonApprovedSender { sender } => Some(render_amazon_approved_sender(sender, language)),
        FindingCode::AmazonImportantSubject => Some(
            language
                .pick(
                    "Ist eine Nachricht an Amazon-Käufer für den Abschluss einer Bestellung nötig, schreiben Sie \
                     [Wichtig] an eine beliebige Stelle im Betreff; dann blockiert Amazon sie nicht.",
                    "If a message to an Amazon buyer is needed to complete an order, put [Wichtig] (Amazon.de) \
                     anywhere in the subject; then Amazon does not block it.",
                )
                .to_owned(),
        ),
        code => render_preset_hint(code, language),
    }
}

fn render_sender_of_other_provider(domain: &str, provider: &str, language: Language) -> String {
    let (name, host) =
        presets::preset_by_id(provider).map_or((provider, ""), |preset| (preset.short_name, preset.host));
    match language.effective() {
        Language::De => format!(
            "Adressen von {domain} können nur über den Server von {name} zuverlässig versendet werden; über einen \
             anderen Server fallen die Mails bei der DMARC-Prüfung der Empfänger durch und landen im Spam oder \
             werden abgewiesen. Nutzen Sie eine Adresse Ihrer eigenen Domain oder {host}."
        ),
        Language::En => format!(
            "Addresses at {domain} can be sent reliably only through {name}'s server; through another server the \
             mails fail the recipients' DMARC checks and land in spam or are rejected. Use an address of your own \
             domain, or {host}."
        ),
    }
}

fn render_amazon_approved_sender(sender: &str, language: Language) -> String {
    let sender = if sender.is_empty() {
        language
            .pick("Ihre Absenderadresse", "your sender address")
            .to_owned()
    } else {
        sender.to_owned()
    };
    match language.effective() {
        Language::De => format!(
            "Damit Amazon Ihre Nachricht an Käufer weiterleitet, muss {sender} in Seller Central als zugelassener \
             Absender eingetragen sein, bei mehreren Marktplätzen für jeden einzeln."
        ),
        Language::En => format!(
            "For Amazon to forward your message to buyers, {sender} must be registered as an approved sender in \
             Seller Central, on each marketplace separately."
        ),
    }
}

/// Renders the hints that come from a preset; the provider id names the preset.
fn render_preset_hint(code: &FindingCode, language: Language) -> Option<String> {
    let provider = match code {
        FindingCode::HostNotOfProvider { provider }
        | FindingCode::AppPasswordRequired { provider }
        | FindingCode::AppPasswordWithTwoFactor { provider }
        | FindingCode::SmtpAuthByAdministrator { provider }
        | FindingCode::OAuthOnly { provider }
        | FindingCode::MailAccessSwitch { provider }
        | FindingCode::AccountSpecificHost { provider }
        | FindingCode::ProviderNote { provider }
        | FindingCode::SendingLimit { provider } => provider,
        _ => return None,
    };
    let preset = presets::preset_by_id(provider)?;
    let name = preset.short_name;
    let text = match (code, language.effective()) {
        (FindingCode::HostNotOfProvider { .. }, _) => render_host_not_of_provider(preset, language),
        (FindingCode::AppPasswordRequired { .. }, Language::De) => format!(
            "{name} nimmt von Programmen wie Postausgang nur ein eigenes App-Passwort an, nicht das normale Passwort \
             Ihres Kontos. Legen Sie es in den Einstellungen Ihres Kontos bei {name} an und tragen Sie es hier ein."
        ),
        (FindingCode::AppPasswordRequired { .. }, Language::En) => format!(
            "{name} accepts only a separate app password from programs such as Postausgang, not your account's \
             normal password. Create one in your {name} account settings and enter it here."
        ),
        (FindingCode::AppPasswordWithTwoFactor { .. }, Language::De) => format!(
            "Ist bei {name} die Zwei-Faktor-Anmeldung eingeschaltet, brauchen Sie hier ein App-Passwort statt des \
             normalen Passworts. Sie legen es in den Sicherheitseinstellungen Ihres Kontos an."
        ),
        (FindingCode::AppPasswordWithTwoFactor { .. }, Language::En) => format!(
            "If two-factor login is on at {name}, you need an app password here instead of the normal password. \
             Create it in your account's security settings."
        ),
        (FindingCode::SmtpAuthByAdministrator { .. }, Language::De) => format!(
            "Bei {name} muss ein Administrator die SMTP-Anmeldung (SMTP AUTH) für dieses Postfach einschalten; \
             sonst lehnt der Server die Anmeldung ab (535 5.7.139)."
        ),
        (FindingCode::SmtpAuthByAdministrator { .. }, Language::En) => format!(
            "At {name} an administrator must enable SMTP login (SMTP AUTH) for this mailbox; otherwise the server \
             rejects the login (535 5.7.139)."
        ),
        (FindingCode::OAuthOnly { .. }, Language::De) => format!(
            "{name} lehnt die Anmeldung mit Passwort aus Programmen ab und erlaubt nur OAuth. Mit Login und \
             Passwort wird der Versand scheitern; nutzen Sie einen anderen Server, etwa den Ihres Webhosters."
        ),
        (FindingCode::OAuthOnly { .. }, Language::En) => format!(
            "{name} rejects password logins from programs and allows OAuth only. With login and password, sending \
             will fail; use another server, such as your web hoster's."
        ),
        (FindingCode::MailAccessSwitch { .. }, Language::De) => format!(
            "Bei {name} muss der Zugriff für E-Mail-Programme (POP3, IMAP, SMTP) zuerst in den Einstellungen des \
             Postfachs eingeschaltet werden."
        ),
        (FindingCode::MailAccessSwitch { .. }, Language::En) => format!(
            "At {name}, access for mail programs (POP3, IMAP, SMTP) must first be switched on in the mailbox \
             settings."
        ),
        (FindingCode::AccountSpecificHost { .. }, Language::De) => format!(
            "Bei {name} hat jedes Konto einen eigenen Servernamen. Tragen Sie den Namen ein, den Ihr Kundenbereich \
             anzeigt."
        ),
        (FindingCode::AccountSpecificHost { .. }, Language::En) => format!(
            "At {name} each account has its own server name. Enter the name your customer area shows."
        ),
        (FindingCode::ProviderNote { .. }, _) => render_provider_note(preset, language),
        (FindingCode::SendingLimit { .. }, Language::De) => {
            format!("{name} begrenzt den Versand: {}", preset.sending_limit?.get(language))
        }
        (FindingCode::SendingLimit { .. }, Language::En) => {
            format!("{name} limits sending: {}", preset.sending_limit?.get(language))
        }
        _ => return None,
    };
    Some(text)
}

fn render_host_not_of_provider(preset: &ProviderPreset, language: Language) -> String {
    let (name, host, port) = (preset.short_name, preset.host, preset.port);
    let security = security_name(preset.security, language);
    match language.effective() {
        Language::De => format!(
            "Dieser Server gehört nicht zu {name}. Für {name} ist {host} richtig (Port {port}, {security})."
        ),
        Language::En => format!(
            "This server does not belong to {name}. For {name}, use {host} (port {port}, {security})."
        ),
    }
}

/// Renders the preset's note, preceded by its login form where the note does not say it.
fn render_provider_note(preset: &ProviderPreset, language: Language) -> String {
    let login = match (preset.login, language.effective()) {
        (LoginForm::Described(text), Language::De) => format!("Login ist {}. ", text.get(language)),
        (LoginForm::Described(text), Language::En) => format!("The login is {}. ", text.get(language)),
        _ => String::new(),
    };
    format!("{}: {login}{}", preset.short_name, preset.note.get(language))
}
