//! German and English texts of the verdicts and of the failed steps' lines.

use shared::Language;

use crate::diagnosis::Verdict;
use crate::session::FailureKind;
use crate::tls::CertificateProblem;

/// Renders a verdict: what happened, and what the seller should change.
pub(crate) fn render(verdict: &Verdict, language: Language) -> String {
    let de = language == Language::De;
    match verdict {
        Verdict::Accepted { reply } => if de {
            format!("Der Server hat die Mail angenommen (Antwort: {reply}). Angenommen heißt noch nicht zugestellt: Prüfen Sie das Postfach des Empfängers, auch den Spam-Ordner.")
        } else {
            format!("The server accepted the mail (reply: {reply}). Accepted does not mean delivered: check the recipient's mailbox, including the spam folder.")
        },
        Verdict::HostNotFound { host } => if de {
            format!("Den Server „{host}“ gibt es nicht (DNS kennt den Namen nicht). Prüfen Sie die Schreibweise des SMTP-Servers.")
        } else {
            format!("The server \"{host}\" does not exist (DNS does not know the name). Check the spelling of the SMTP server.")
        },
        Verdict::AddressBlocked { host, class } => if de {
            format!("„{host}“ zeigt auf eine interne Adresse ({class}). Postausgang verbindet sich nur mit Mailservern im Internet. Tragen Sie den öffentlichen Namen des SMTP-Servers ein.")
        } else {
            format!("\"{host}\" points to an internal address ({class}). Postausgang only connects to mail servers on the internet. Enter the public name of the SMTP server.")
        },
        Verdict::ConnectionRefused { host, port } => if de {
            format!("{host} lehnt Verbindungen auf Port {port} ab: Dort nimmt kein Mailserver an. Prüfen Sie den Port; üblich sind 587 (STARTTLS) und 465 (SSL/TLS).")
        } else {
            format!("{host} refuses connections on port {port}: no mail server listens there. Check the port; 587 (STARTTLS) and 465 (SSL/TLS) are usual.")
        },
        Verdict::ConnectTimedOut { host, port, seconds } => if de {
            format!("Keine Verbindung zu {host}:{port} nach {seconds} s. Port {port} wird oft vom Hoster oder einer Firewall gesperrt – nutzen Sie 587 (STARTTLS) oder 465 (SSL/TLS).")
        } else {
            format!("No connection to {host}:{port} after {seconds} s. Hosting providers and firewalls often block port {port}; use 587 (STARTTLS) or 465 (SSL/TLS).")
        },
        Verdict::Unreachable { host, port } => if de {
            format!("{host}:{port} ist aus dem Netz von Postausgang nicht erreichbar. Prüfen Sie Server und Port.")
        } else {
            format!("{host}:{port} cannot be reached from Postausgang's network. Check the server and the port.")
        },
        Verdict::PlainToTlsPort { port } => if de {
            format!("Port {port} erwartet SSL/TLS von Anfang an. Wählen Sie „SSL/TLS“ oder Port 587 mit STARTTLS.")
        } else {
            format!("Port {port} expects SSL/TLS from the first byte. Choose \"SSL/TLS\", or port 587 with STARTTLS.")
        },
        Verdict::TlsToPlainPort { port } => if de {
            format!("Port {port} erwartet STARTTLS. Wählen Sie STARTTLS oder Port 465 mit SSL/TLS.")
        } else {
            format!("Port {port} expects STARTTLS. Choose STARTTLS, or port 465 with SSL/TLS.")
        },
        Verdict::NoGreeting { seconds } => if de {
            format!("Der Server hat die Verbindung angenommen, sich aber nach {seconds} s nicht gemeldet. Erwartet der Port SSL/TLS von Anfang an (meist 465), wählen Sie „SSL/TLS“; sonst prüfen Sie Server und Port.")
        } else {
            format!("The server accepted the connection but sent no greeting within {seconds} s. If the port expects SSL/TLS from the first byte (usually 465), choose \"SSL/TLS\"; otherwise check the server and the port.")
        },
        Verdict::CertificateUntrusted { host } => if de {
            format!("Das Zertifikat von {host} stammt von keiner vertrauenswürdigen Zertifizierungsstelle (zum Beispiel selbst signiert). Tragen Sie den Servernamen aus der Anleitung Ihres Anbieters ein; betreiben Sie den Server selbst, braucht er ein Zertifikat einer öffentlichen Stelle.")
        } else {
            format!("The certificate of {host} is not from a trusted certificate authority (it may be self-signed). Enter the server name from your provider's instructions; if you run the server yourself, it needs a certificate from a public authority.")
        },
        Verdict::CertificateExpired { host } => if de {
            format!("Das Zertifikat von {host} ist abgelaufen oder noch nicht gültig. Das muss der Betreiber des Servers beheben; bis dahin ist kein sicherer Versand möglich.")
        } else {
            format!("The certificate of {host} has expired or is not valid yet. The server's operator must fix this; until then sending securely is not possible.")
        },
        Verdict::CertificateWrongName { host, host_is_ip: true } => if de {
            format!("Das Zertifikat des Servers gilt für einen Namen (z. B. mail.provider.example), nicht für {host}. Bitte den Servernamen eintragen.")
        } else {
            format!("The server's certificate is issued for a name (such as mail.provider.example), not for {host}. Please enter the server's name.")
        },
        Verdict::CertificateWrongName { host, host_is_ip: false } => if de {
            format!("Das Zertifikat des Servers gilt nicht für „{host}“. Tragen Sie den SMTP-Server genau so ein, wie Ihr Anbieter ihn nennt.")
        } else {
            format!("The server's certificate is not valid for \"{host}\". Enter the SMTP server exactly as your provider names it.")
        },
        Verdict::CertificateFormat { host } => if de {
            format!("Das Zertifikat von {host} hat ein veraltetes oder ungültiges Format und wird nicht akzeptiert. Das muss der Betreiber des Servers beheben.")
        } else {
            format!("The certificate of {host} has an outdated or invalid format and is not accepted. The server's operator must fix this.")
        },
        Verdict::TlsFailed => language.pick(
            "Die verschlüsselte Verbindung kam nicht zustande. Prüfen Sie die Verschlüsselung: 587 mit STARTTLS oder 465 mit SSL/TLS.",
            "The encrypted connection failed. Check the encryption: 587 with STARTTLS, or 465 with SSL/TLS.",
        ).to_owned(),
        Verdict::StartTlsNotOffered => language.pick(
            "Der Server bietet auf diesem Port keine Verschlüsselung an. Ihr Passwort wurde nicht gesendet. Prüfen Sie Server und Port (meist 587 mit STARTTLS oder 465 mit SSL/TLS).",
            "The server offers no encryption on this port. Your password was not sent. Check the server and the port (usually 587 with STARTTLS, or 465 with SSL/TLS).",
        ).to_owned(),
        Verdict::AuthNotOffered { encrypted: false } => language.pick(
            "Der Server bietet ohne Verschlüsselung keine Anmeldung an. Wählen Sie STARTTLS (Port 587) oder SSL/TLS (Port 465).",
            "The server offers no login without encryption. Choose STARTTLS (port 587) or SSL/TLS (port 465).",
        ).to_owned(),
        Verdict::AuthNotOffered { encrypted: true } => language.pick(
            "Der Server bietet keine Anmeldung (AUTH) an. Oft ist das der Server für eingehende Mails (MX) statt des Postausgangsservers: Tragen Sie den SMTP-Server für den Versand ein, wie ihn Ihr Anbieter nennt.",
            "The server offers no login (AUTH). This is often the server for incoming mail (MX) instead of the outgoing one: enter the SMTP server for sending as your provider names it.",
        ).to_owned(),
        Verdict::AuthMechanismUnsupported { offered } => if de {
            format!("Der Server bietet nur Anmeldeverfahren an, die Postausgang nicht unterstützt ({offered}). Unterstützt werden PLAIN und LOGIN.")
        } else {
            format!("The server only offers login methods that Postausgang does not support ({offered}). PLAIN and LOGIN are supported.")
        },
        Verdict::AppPasswordRequired => language.pick(
            "Ihr Konto verlangt ein App-Passwort (534 5.7.9). Legen Sie in Ihrem Konto ein App-Passwort an und tragen Sie es hier als Passwort ein.",
            "Your account requires an app password (534 5.7.9). Create an app password in your account and enter it here as the password.",
        ).to_owned(),
        Verdict::GmailCredentialsRejected => language.pick(
            "Google hat Login oder Passwort abgelehnt (535 5.7.8). Für Gmail brauchen Sie ein App-Passwort (Google-Konto → Sicherheit → App-Passwörter); das normale Passwort funktioniert nicht.",
            "Google rejected the login or the password (535 5.7.8). Gmail needs an app password (Google account → Security → App passwords); the normal password does not work.",
        ).to_owned(),
        Verdict::Microsoft365SmtpAuthDisabled => language.pick(
            "Microsoft 365 hat die SMTP-Anmeldung für dieses Postfach deaktiviert (5.7.139). Ihr Administrator muss „Authenticated SMTP“ für das Postfach aktivieren. Das Passwort ist nicht das Problem.",
            "Microsoft 365 has disabled SMTP login for this mailbox (5.7.139). Your administrator must enable \"Authenticated SMTP\" for the mailbox. The password is not the problem.",
        ).to_owned(),
        Verdict::AuthRejected { code, password_is_ascii } => {
            let mut text = if de {
                format!("Der Server hat Login oder Passwort abgelehnt ({code}). Prüfen Sie beide; viele Anbieter verlangen ein App-Passwort statt des normalen Passworts.")
            } else {
                format!("The server rejected the login or the password ({code}). Check both; many providers require an app password instead of the normal password.")
            };
            if !password_is_ascii {
                text.push(' ');
                text.push_str(language.pick(
                    "Manche Server akzeptieren nur Passwörter ohne Umlaute und Sonderzeichen.",
                    "Some servers only accept passwords without umlauts and special characters.",
                ));
            }
            text
        }
        Verdict::SenderNotOwned { sender, login: Some(login) } if login.contains('@') => if de {
            format!("Ihr Anbieter erlaubt als Absender nur Adressen dieses Kontos. Richten Sie {sender} dort als Alias ein oder verwenden Sie {login} als Absender.")
        } else {
            format!("Your provider only allows this account's addresses as the sender. Set up {sender} there as an alias, or use {login} as the sender.")
        },
        Verdict::SenderNotOwned { sender, .. } => if de {
            format!("Ihr Anbieter erlaubt als Absender nur Adressen dieses Kontos. Richten Sie {sender} dort als Alias ein oder verwenden Sie die Adresse des Kontos als Absender.")
        } else {
            format!("Your provider only allows this account's addresses as the sender. Set up {sender} there as an alias, or use the account's address as the sender.")
        },
        Verdict::AuthRequired => language.pick(
            "Der Server verlangt eine Anmeldung, bevor er Mails annimmt. Tragen Sie Login und Passwort Ihres Postfachs ein.",
            "The server requires a login before it accepts mail. Enter the login and the password of your mailbox.",
        ).to_owned(),
        Verdict::SenderRejected { sender } => if de {
            format!("Der Server hat den Absender {sender} abgelehnt. Prüfen Sie die Absenderadresse.")
        } else {
            format!("The server rejected the sender {sender}. Check the sender address.")
        },
        Verdict::RelayDenied => language.pick(
            "Der Server leitet die Mail nicht weiter (Relaying verweigert). Meist fehlt die Anmeldung: Tragen Sie Login und Passwort ein und nutzen Sie den Postausgangsserver Ihres Anbieters.",
            "The server does not relay the mail (relaying denied). Usually the login is missing: enter the login and the password, and use your provider's outgoing server.",
        ).to_owned(),
        Verdict::RecipientRejected { reply } => if de {
            format!("Der Server hat den Empfänger abgelehnt ({reply}). Prüfen Sie die Empfängeradresse und, falls eingetragen, die BCC-Adresse.")
        } else {
            format!("The server rejected the recipient ({reply}). Check the recipient address and, if there is one, the BCC address.")
        },
        Verdict::MessageTooLarge => language.pick(
            "Die Mail ist dem Server zu groß. Verkleinern Sie die Anhänge.",
            "The mail is too large for the server. Make the attachments smaller.",
        ).to_owned(),
        Verdict::LimitReached { reply } => if de {
            format!("Der Server meldet ein Limit ({reply}): zu viele Mails in kurzer Zeit oder zu viele Empfänger. Warten Sie etwas und versuchen Sie es erneut; bei vielen Mails am Tag hilft ein Versanddienst.")
        } else {
            format!("The server reports a limit ({reply}): too many mails in a short time, or too many recipients. Wait a while and try again; for many mails a day, use a sending service.")
        },
        Verdict::ServiceClosing { reply } => if de {
            format!("Der Server hat die Verbindung beendet ({reply}), meist wegen Überlastung, Wartung oder zu vieler Verbindungen. Versuchen Sie es in einigen Minuten erneut.")
        } else {
            format!("The server closed the connection ({reply}), usually because of load, maintenance or too many connections. Try again in a few minutes.")
        },
        Verdict::HeloRejected => language.pick(
            "Der Server hat den Namen abgelehnt, mit dem sich Postausgang meldet (HELO/EHLO-Name). Das liegt nicht an Ihren Einstellungen; bitte melden Sie es dem Support.",
            "The server rejected the name Postausgang introduces itself with (HELO/EHLO name). This is not caused by your settings; please report it to support.",
        ).to_owned(),
        Verdict::SmtpUtf8Required => language.pick(
            "Eine Adresse enthält Umlaute vor dem @, und der Server unterstützt das nicht (SMTPUTF8). Verwenden Sie eine Adresse ohne Umlaute vor dem @.",
            "An address has non-ASCII characters before the @, and the server does not support them (SMTPUTF8). Use an address without such characters before the @.",
        ).to_owned(),
        Verdict::StepTimedOut { step, seconds } => if de {
            format!("Der Server hat bei „{}“ {seconds} s lang nicht geantwortet. Versuchen Sie es später erneut; bleibt es so, prüfen Sie Server und Port.", step.label(language))
        } else {
            format!("The server did not answer at \"{}\" within {seconds} s. Try again later; if it persists, check the server and the port.", step.label(language))
        },
        Verdict::DeadlineExceeded { step, .. } => if de {
            format!("Der Versuch hat sein Zeitlimit überschritten (zuletzt bei „{}“). Der Server antwortet zu langsam; versuchen Sie es später erneut.", step.label(language))
        } else {
            format!("The attempt ran out of time (last at \"{}\"). The server answers too slowly; try again later.", step.label(language))
        },
        Verdict::ConnectionClosed { step } => if de {
            format!("Der Server hat die Verbindung bei „{}“ ohne Antwort getrennt. Prüfen Sie Port und Verschlüsselung (587 mit STARTTLS oder 465 mit SSL/TLS).", step.label(language))
        } else {
            format!("The server closed the connection at \"{}\" without a reply. Check the port and the encryption (587 with STARTTLS, or 465 with SSL/TLS).", step.label(language))
        },
        Verdict::ProtocolError { step } => if de {
            format!("Der Server hat bei „{}“ kein gültiges SMTP gesprochen. Prüfen Sie, ob Server und Port wirklich zu einem Postausgangsserver gehören.", step.label(language))
        } else {
            format!("The server did not speak valid SMTP at \"{}\". Check that the server and the port belong to an outgoing mail server.", step.label(language))
        },
        Verdict::Rejected { step, reply } => if de {
            format!("Der Server hat „{}“ abgelehnt: {reply}", step.label(language))
        } else {
            format!("The server rejected \"{}\": {reply}", step.label(language))
        },
        Verdict::Internal => language.pick(
            "Beim Senden ist ein interner Fehler aufgetreten. Versuchen Sie es erneut; bleibt der Fehler, melden Sie ihn dem Support.",
            "An internal error occurred while sending. Try again; if it persists, report it to support.",
        ).to_owned(),
    }
}

/// Describes what the client saw in a failed step, in a few words.
pub(crate) fn describe_failure(kind: &FailureKind, language: Language) -> String {
    let de = language == Language::De;
    match kind {
        FailureKind::HostNotFound { .. } => language.pick("Name nicht gefunden", "name not found").to_owned(),
        FailureKind::AddressBlocked { address, class } => {
            if de {
                format!("{address} ist eine interne Adresse ({class}) und nicht erlaubt")
            } else {
                format!("{address} is an internal address ({class}) and not allowed")
            }
        }
        FailureKind::ConnectionRefused => language
            .pick("Verbindung abgelehnt", "connection refused")
            .to_owned(),
        FailureKind::Unreachable { detail } => {
            if de {
                format!("nicht erreichbar: {detail}")
            } else {
                format!("unreachable: {detail}")
            }
        }
        FailureKind::TimedOut { limit, whole_attempt } => {
            let seconds = limit.as_secs_f64();
            match (de, whole_attempt) {
                (true, false) => format!("keine Antwort nach {seconds:.1} s"),
                (true, true) => format!("Zeitlimit des Versuchs erreicht ({seconds:.1} s übrig)"),
                (false, false) => format!("no answer after {seconds:.1} s"),
                (false, true) => format!("the attempt ran out of time ({seconds:.1} s left)"),
            }
        }
        FailureKind::NotTls { received } => {
            if de {
                format!("TLS erwartet, aber Klartext erhalten: {received}")
            } else {
                format!("expected TLS, received plain text: {received}")
            }
        }
        FailureKind::TlsExpected => language
            .pick(
                "keine Begrüßung; der Port erwartet TLS von Anfang an",
                "no greeting; the port expects TLS from the first byte",
            )
            .to_owned(),
        FailureKind::Certificate { problem, detail } => {
            let problem = match problem {
                CertificateProblem::UnknownIssuer => {
                    language.pick("Zertifikat nicht vertrauenswürdig", "certificate not trusted")
                }
                CertificateProblem::Expired => language.pick("Zertifikat abgelaufen", "certificate expired"),
                CertificateProblem::WrongName => {
                    language.pick("Zertifikat für anderen Namen", "certificate for another name")
                }
                CertificateProblem::UnsupportedFormat => {
                    language.pick("Zertifikatsformat ungültig", "invalid certificate format")
                }
                CertificateProblem::Other => language.pick("Zertifikat abgelehnt", "certificate rejected"),
            };
            format!("{problem}: {detail}")
        }
        FailureKind::TlsFailed { detail } => {
            if de {
                format!("TLS fehlgeschlagen: {detail}")
            } else {
                format!("TLS failed: {detail}")
            }
        }
        FailureKind::StartTlsNotOffered => language
            .pick(
                "STARTTLS nicht angeboten; Passwort nicht gesendet",
                "STARTTLS not offered; password not sent",
            )
            .to_owned(),
        FailureKind::AuthNotOffered => language
            .pick("AUTH nicht angeboten", "AUTH not offered")
            .to_owned(),
        FailureKind::NoCommonAuthMechanism { offered } => {
            if de {
                format!("kein unterstütztes Verfahren angeboten ({})", offered.join(" "))
            } else {
                format!("no supported method offered ({})", offered.join(" "))
            }
        }
        FailureKind::Rejected(reply) => reply.to_string(),
        FailureKind::ConnectionClosed => language
            .pick(
                "Verbindung vom Server getrennt",
                "connection closed by the server",
            )
            .to_owned(),
        FailureKind::ProtocolViolation { detail } => {
            if de {
                format!("ungültige Antwort: {detail}")
            } else {
                format!("invalid reply: {detail}")
            }
        }
        FailureKind::Unsupported { extension } => {
            if de {
                format!("Server unterstützt {extension} nicht")
            } else {
                format!("the server does not support {extension}")
            }
        }
        FailureKind::Internal { .. } => language.pick("interner Fehler", "internal error").to_owned(),
    }
}
