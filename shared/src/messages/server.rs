//! Texts for the general, host, port, security, login and password findings.

use super::{quote, security_name};
use crate::i18n::Language;
use crate::report::FindingCode;

/// Renders the finding without the field label, or `None` when another module owns the code.
pub(super) fn render(code: &FindingCode, language: Language) -> Option<String> {
    render_general(code, language)
        .or_else(|| render_host(code, language))
        .or_else(|| render_connection(code, language))
        .or_else(|| render_credentials(code, language))
}

fn render_general(code: &FindingCode, language: Language) -> Option<String> {
    let text = match (code, language.effective()) {
        (FindingCode::Required, Language::De) => "Bitte ausfüllen.".to_owned(),
        (FindingCode::Required, Language::En) => "Please fill in this field.".to_owned(),
        (FindingCode::ControlCharacter { code_point }, Language::De) => format!(
            "Zeilenumbrüche und Steuerzeichen sind nicht erlaubt (gefunden: {code_point}). \
             Bitte den Wert in einer Zeile eingeben."
        ),
        (FindingCode::ControlCharacter { code_point }, Language::En) => format!(
            "Line breaks and control characters are not allowed (found: {code_point}). \
             Please enter the value on one line."
        ),
        (FindingCode::TooLong { max }, Language::De) => {
            format!("Höchstens {max} Zeichen sind erlaubt. Bitte kürzen.")
        }
        (FindingCode::TooLong { max }, Language::En) => {
            format!("At most {max} characters are allowed. Please shorten it.")
        }
        (FindingCode::PortOutOfRange { value }, Language::De) => format!(
            "{} ist ungültig. Der Port muss eine Zahl von 1 bis 65535 sein, meist 587 oder 465.",
            quote(value, language)
        ),
        (FindingCode::PortOutOfRange { value }, Language::En) => format!(
            "{} is invalid. The port must be a number from 1 to 65535, usually 587 or 465.",
            quote(value, language)
        ),
        _ => return None,
    };
    Some(text)
}

fn render_host(code: &FindingCode, language: Language) -> Option<String> {
    render_host_shape(code, language).or_else(|| render_host_warning(code, language))
}

/// Texts for what normalisation strips from the host, or what makes it invalid.
fn render_host_shape(code: &FindingCode, language: Language) -> Option<String> {
    let text = match (code, language.effective()) {
        (FindingCode::SchemeRemoved { scheme }, Language::De) => {
            format!("„{scheme}://“ gehört nicht zum Servernamen. Gespeichert wird der Name ohne dieses Präfix.")
        }
        (FindingCode::SchemeRemoved { scheme }, Language::En) => {
            format!("\"{scheme}://\" is not part of the server name. The name is stored without it.")
        }
        (FindingCode::UnsupportedScheme { scheme }, Language::De) => format!(
            "„{scheme}://“ gehört zu keinem SMTP-Server. Bitte nur den Namen des Postausgangsservers eintragen, \
             z. B. smtp.example.com."
        ),
        (FindingCode::UnsupportedScheme { scheme }, Language::En) => format!(
            "\"{scheme}://\" does not belong to an SMTP server. Please enter only the outgoing server's name, \
             such as smtp.example.com."
        ),
        (FindingCode::PortSuffixRemoved { port }, Language::De) => {
            format!("Die Angabe „:{port}“ gehört ins Feld Port. Gespeichert wird der Servername ohne sie.")
        }
        (FindingCode::PortSuffixRemoved { port }, Language::En) => {
            format!("\":{port}\" belongs in the port field. The server name is stored without it.")
        }
        (FindingCode::HostContainsSpace, Language::De) => {
            "Der Servername enthält ein Leerzeichen. Bitte entfernen, z. B. smtp.example.com.".to_owned()
        }
        (FindingCode::HostContainsSpace, Language::En) => {
            "The server name contains a space. Please remove it, as in smtp.example.com.".to_owned()
        }
        (FindingCode::HostContainsPath, Language::De) => {
            "Bitte nur den Servernamen eintragen, ohne „/“ und Pfad, z. B. smtp.example.com.".to_owned()
        }
        (FindingCode::HostContainsPath, Language::En) => {
            "Please enter only the server name, without \"/\" and a path, such as smtp.example.com.".to_owned()
        }
        (FindingCode::HostIsEmailAddress, Language::De) => "Hier steht eine E-Mail-Adresse. Gefragt ist der Name \
             des Postausgangsservers, z. B. smtp.example.com."
            .to_owned(),
        (FindingCode::HostIsEmailAddress, Language::En) => "This is an email address. Please enter the outgoing \
             server's name, such as smtp.example.com."
            .to_owned(),
        (FindingCode::HostDot, Language::De) => "Punkt an dieser Stelle ist nicht erlaubt: nicht am Anfang und \
             nicht zwei hintereinander, z. B. smtp.example.com."
            .to_owned(),
        (FindingCode::HostDot, Language::En) => "A dot is not allowed at this place: not at the start and not two \
             in a row, as in smtp.example.com."
            .to_owned(),
        (FindingCode::InvalidHostLabel { label }, Language::De) => format!(
            "Der Teil {} ist ungültig. Erlaubt sind Buchstaben, Ziffern und Bindestriche (nicht am Anfang oder Ende \
             eines Teils), höchstens 63 Zeichen je Teil, getrennt durch Punkte.",
            quote(label, language)
        ),
        (FindingCode::InvalidHostLabel { label }, Language::En) => format!(
            "The part {} is invalid. Letters, digits and hyphens are allowed (no hyphen at the start or end of a \
             part), at most 63 characters per part, separated by dots.",
            quote(label, language)
        ),
        (FindingCode::HostPlaceholder { host }, Language::De) => format!(
            "{} enthält noch den Platzhalter XXX. Bitte den Servernamen Ihres Kontos eintragen, \
             wie ihn Ihr Anbieter im Kundenbereich anzeigt.",
            quote(host, language)
        ),
        (FindingCode::HostPlaceholder { host }, Language::En) => format!(
            "{} still contains the placeholder XXX. Please enter your account's server name \
             as your provider shows it in your customer area.",
            quote(host, language)
        ),
        _ => return None,
    };
    Some(text)
}

/// Texts for hosts that are valid but will probably not work.
fn render_host_warning(code: &FindingCode, language: Language) -> Option<String> {
    let text = match (code, language.effective()) {
        (FindingCode::HostIsIpAddress { ip }, Language::De) => format!(
            "Das Zertifikat des Servers gilt für einen Namen (z. B. smtp.example.com), nicht für {ip}; \
             die verschlüsselte Verbindung scheitert daher meist. Bitte den Servernamen eintragen."
        ),
        (FindingCode::HostIsIpAddress { ip }, Language::En) => format!(
            "The server's certificate is issued for a name (such as smtp.example.com), not for {ip}, \
             so the encrypted connection usually fails. Please enter the server name."
        ),
        (FindingCode::HostWithoutDot { host }, Language::De) => format!(
            "{} ist kein vollständiger Servername, weil der Punkt fehlt. Bitte den vollständigen Namen eintragen, \
             z. B. smtp.example.com.",
            quote(host, language)
        ),
        (FindingCode::HostWithoutDot { host }, Language::En) => format!(
            "{} is not a full server name because it has no dot. Please enter the full name, \
             such as smtp.example.com.",
            quote(host, language)
        ),
        (FindingCode::IncomingServerHost { host }, Language::De) => format!(
            "{host} ist ein Server für den Posteingang (IMAP oder POP3). Zum Versenden brauchen Sie den \
             Postausgangsserver (SMTP); seinen Namen nennt Ihr Anbieter, oft beginnt er mit „smtp.“."
        ),
        (FindingCode::IncomingServerHost { host }, Language::En) => format!(
            "{host} is a server for incoming mail (IMAP or POP3). To send, you need the outgoing (SMTP) server; \
             your provider names it, and it often starts with \"smtp.\"."
        ),
        (FindingCode::InboundOnlyHost { host, submission_host }, Language::De) => format!(
            "{host} nimmt nur Mails für die eigene Domain an (MX-Server), keine Anmeldung zum Versand. \
             Zum Versenden ist {submission_host} richtig."
        ),
        (FindingCode::InboundOnlyHost { host, submission_host }, Language::En) => format!(
            "{host} only receives mail for its own domain (an MX server) and takes no login for sending. \
             To send, use {submission_host}."
        ),
        _ => return None,
    };
    Some(text)
}

/// Texts for port and security, alone and combined.
fn render_connection(code: &FindingCode, language: Language) -> Option<String> {
    let text = match (code, language.effective()) {
        (FindingCode::PortSuffixContradictsPort { suffix_port, port }, Language::De) => format!(
            "Im Servernamen stand Port {suffix_port}, hier steht aber {port}. Bitte den richtigen Port wählen."
        ),
        (FindingCode::PortSuffixContradictsPort { suffix_port, port }, Language::En) => format!(
            "The server name said port {suffix_port}, but this field says {port}. Please choose the right port."
        ),
        (FindingCode::SchemeContradictsSecurity { scheme, security }, Language::De) => format!(
            "„{scheme}://“ im Servernamen passt nicht zu „{}“. Bitte prüfen Sie die Verschlüsselung: \
             smtps:// und ssl:// stehen für SSL/TLS (Port 465), smtp:// für STARTTLS (Port 587).",
            security_name(*security, language)
        ),
        (FindingCode::SchemeContradictsSecurity { scheme, security }, Language::En) => format!(
            "\"{scheme}://\" in the server name does not match \"{}\". Please check the encryption: \
             smtps:// and ssl:// mean SSL/TLS (port 465), smtp:// means STARTTLS (port 587).",
            security_name(*security, language)
        ),
        (FindingCode::Port25, Language::De) => "Über Port 25 gehen Mails meist unverschlüsselt an den Server. \
             Viele Hoster sperren diesen Port, und viele Anbieter leiten dort eingelieferte Mails nicht weiter. \
             Nutzen Sie 587 (STARTTLS) oder 465 (SSL/TLS)."
            .to_owned(),
        (FindingCode::Port25, Language::En) => "On port 25 mail usually reaches the server unencrypted. \
             Many hosters block this port, and many providers refuse to relay mail handed in there. \
             Use 587 (STARTTLS) or 465 (SSL/TLS)."
            .to_owned(),
        (FindingCode::StartTlsOnImplicitTlsPort { port }, Language::De) => format!(
            "Port {port} erwartet SSL/TLS ab dem ersten Byte, nicht STARTTLS; so hängt die Verbindung oder bricht ab. \
             Wählen Sie SSL/TLS oder Port 587 mit STARTTLS."
        ),
        (FindingCode::StartTlsOnImplicitTlsPort { port }, Language::En) => format!(
            "Port {port} expects SSL/TLS from the first byte, not STARTTLS, so the connection hangs or fails. \
             Choose SSL/TLS, or port 587 with STARTTLS."
        ),
        (FindingCode::ImplicitTlsOnStartTlsPort { port }, Language::De) => format!(
            "Port {port} erwartet STARTTLS, nicht SSL/TLS ab dem ersten Byte; so scheitert der TLS-Handshake. \
             Wählen Sie STARTTLS oder Port 465 mit SSL/TLS."
        ),
        (FindingCode::ImplicitTlsOnStartTlsPort { port }, Language::En) => format!(
            "Port {port} expects STARTTLS, not SSL/TLS from the first byte, so the TLS handshake fails. \
             Choose STARTTLS, or port 465 with SSL/TLS."
        ),
        (FindingCode::NoTlsOnImplicitTlsPort { port }, Language::De) => format!(
            "Port {port} erwartet SSL/TLS ab dem ersten Byte; ohne Verschlüsselung antwortet der Server nicht. \
             Wählen Sie SSL/TLS."
        ),
        (FindingCode::NoTlsOnImplicitTlsPort { port }, Language::En) => format!(
            "Port {port} expects SSL/TLS from the first byte; without encryption the server does not answer. \
             Choose SSL/TLS."
        ),
        (FindingCode::PasswordWithoutEncryption, Language::De) => "Ohne Verschlüsselung ginge Ihr Passwort im \
             Klartext über das Netz. Wählen Sie STARTTLS (Port 587) oder SSL/TLS (Port 465)."
            .to_owned(),
        (FindingCode::PasswordWithoutEncryption, Language::En) => "Without encryption your password would cross \
             the network in clear text. Choose STARTTLS (port 587) or SSL/TLS (port 465)."
            .to_owned(),
        (FindingCode::NoEncryption, Language::De) => "Ohne Verschlüsselung gehen Ihre Mails im Klartext über das \
             Netz. Wählen Sie STARTTLS (Port 587) oder SSL/TLS (Port 465), wenn Ihr Server es anbietet."
            .to_owned(),
        (FindingCode::NoEncryption, Language::En) => "Without encryption your mails cross the network in clear \
             text. Choose STARTTLS (port 587) or SSL/TLS (port 465) if your server offers it."
            .to_owned(),
        (FindingCode::EbayPrefersStartTls, Language::De) => "eBay leitet Mails an Käufer in manchen Fällen nur \
             weiter, wenn sie mit STARTTLS über Port 587 eingeliefert werden. Verkaufen Sie auf eBay, wählen Sie \
             besser Port 587 mit STARTTLS."
            .to_owned(),
        (FindingCode::EbayPrefersStartTls, Language::En) => "eBay in some cases forwards mail to buyers only when \
             it was handed in with STARTTLS on port 587. If you sell on eBay, better choose port 587 with STARTTLS."
            .to_owned(),
        _ => return None,
    };
    Some(text)
}

/// Texts for login and password.
fn render_credentials(code: &FindingCode, language: Language) -> Option<String> {
    let text = match (code, language.effective()) {
        (FindingCode::LoginDomainDiffers { login_domain, sender_domain }, Language::De) => format!(
            "Das Konto gehört zu {login_domain}, der Absender zu {sender_domain}. Viele Anbieter lehnen Absender ab, \
             die nicht zum Konto gehören (Antwort 553 5.7.1). Richten Sie den Absender dort als Alias ein oder \
             verwenden Sie eine Adresse des Kontos als Absender."
        ),
        (FindingCode::LoginDomainDiffers { login_domain, sender_domain }, Language::En) => format!(
            "The account belongs to {login_domain}, the sender to {sender_domain}. Many providers reject senders \
             the account does not own (reply 553 5.7.1). Set the sender up as an alias there, or use one of the \
             account's addresses as the sender."
        ),
        (FindingCode::NoAuthentication, Language::De) => "Ohne Login und Passwort wird ohne Anmeldung versendet. \
             Das klappt nur, wenn Ihr Server Mails ohne Anmeldung annimmt; sonst bitte beides eintragen."
            .to_owned(),
        (FindingCode::NoAuthentication, Language::En) => "Without login and password, mail is sent without \
             authentication. That works only if your server accepts mail without it; otherwise please enter both."
            .to_owned(),
        (FindingCode::PasswordSurroundingSpaces, Language::De) => "Das Passwort beginnt oder endet mit einem \
             Leerzeichen. Es wird genau so gespeichert; prüfen Sie, ob das Leerzeichen dazugehört."
            .to_owned(),
        (FindingCode::PasswordSurroundingSpaces, Language::En) => "The password starts or ends with a space. It is \
             stored exactly as typed; please check that the space belongs to it."
            .to_owned(),
        _ => return None,
    };
    Some(text)
}
