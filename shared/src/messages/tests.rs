//! Messages asserted verbatim in both languages, so that each states the rule it enforces.

use super::*;
use crate::address::AddressProblem;
use crate::report::Field;

fn error(field: Field, code: FindingCode) -> Finding {
    Finding::error(field, code)
}

fn invalid(field: Field, input: &str, problem: AddressProblem) -> Finding {
    problem.to_finding(field, input)
}

/// Asserts the German and the English text of a finding.
fn assert_messages(finding: &Finding, german: &str, english: &str) {
    assert_eq!(
        finding.message(Language::De),
        german,
        "German text of {:?}",
        finding.code
    );
    assert_eq!(
        finding.message(Language::En),
        english,
        "English text of {:?}",
        finding.code
    );
}

#[test]
fn line_breaks_message_names_the_character() {
    // BC07
    assert_messages(
        &invalid(Field::Sender, "Max\r\nBcc: x@example.net <max@example.com>", AddressProblem::ControlCharacter {
            code_point: "U+000D".into(),
        }),
        "Absender „Max<U+000D><U+000A>Bcc: x@example.net <max@example.com>“: Zeilenumbrüche und Steuerzeichen sind \
         nicht erlaubt (gefunden: U+000D). Bitte die Adresse in einer Zeile eingeben.",
        "Sender \"Max<U+000D><U+000A>Bcc: x@example.net <max@example.com>\": Line breaks and control characters are \
         not allowed (found: U+000D). Please enter the address on one line.",
    );
}

#[test]
fn dotless_domain_message_suggests_the_dot() {
    // BC09
    assert_messages(
        &invalid(
            Field::Sender,
            "max@examplecom",
            AddressProblem::DomainWithoutDot {
                domain: "examplecom".into(),
                suggestion: Some("example.com".into()),
            },
        ),
        "Absender „max@examplecom“: Domain ohne Punkt – meinten Sie z. B. example.com?",
        "Sender \"max@examplecom\": Domain without a dot – did you mean example.com, for example?",
    );
    assert_messages(
        &invalid(Field::Bcc, "archiv@localhost", AddressProblem::DomainWithoutDot {
            domain: "localhost".into(),
            suggestion: None,
        }),
        "BCC „archiv@localhost“: Domain ohne Punkt („localhost“) – bitte die vollständige Domain mit Endung \
         eintragen, z. B. example.com.",
        "BCC \"archiv@localhost\": Domain without a dot (\"localhost\") – please enter the full domain with its \
         ending, such as example.com.",
    );
}

#[test]
fn misplaced_dot_message_states_the_rule() {
    // BC12
    assert_messages(
        &invalid(Field::Sender, "max.@example.com", AddressProblem::LocalPartDot),
        "Absender „max.@example.com“: Punkt an dieser Stelle im Teil vor dem @ ist nicht erlaubt: nicht am Anfang, \
         nicht direkt vor dem @ und nicht zwei hintereinander.",
        "Sender \"max.@example.com\": A dot is not allowed at this place before the @: not at the start, not right \
         before the @ and not two in a row.",
    );
}

#[test]
fn missing_at_message_shows_both_accepted_forms() {
    assert_messages(
        &invalid(Field::Sender, "Max Mustermann", AddressProblem::MissingAt),
        "Absender „Max Mustermann“: Das @ fehlt. Erlaubt sind „max@example.com“ oder \
         „Max Mustermann <max@example.com>“.",
        "Sender \"Max Mustermann\": The @ is missing. Accepted forms are \"max@example.com\" or \
         \"Max Mustermann <max@example.com>\".",
    );
}

#[test]
fn unknown_parser_failure_never_shows_the_parser_text() {
    assert_messages(
        &invalid(Field::Sender, "max@example.com", AddressProblem::NotAnAddress),
        "Absender „max@example.com“: Das ist keine gültige E-Mail-Adresse. Erlaubt sind „max@example.com“ oder \
         „Max Mustermann <max@example.com>“.",
        "Sender \"max@example.com\": This is not a valid email address. Accepted forms are \"max@example.com\" or \
         \"Max Mustermann <max@example.com>\".",
    );
}

#[test]
fn name_without_brackets_message_shows_the_corrected_form() {
    assert_messages(
        &invalid(Field::Sender, "Max max@example.com", AddressProblem::NameWithoutAngleBrackets {
            suggestion: "Max <max@example.com>".into(),
        }),
        "Absender „Max max@example.com“: Steht ein Name vor der Adresse, gehört die Adresse in spitze Klammern: \
         „Max <max@example.com>“.",
        "Sender \"Max max@example.com\": When a name comes with the address, put the address in angle brackets: \
         \"Max <max@example.com>\".",
    );
}

#[test]
fn several_bcc_addresses_message_names_the_separators() {
    assert_messages(
        &invalid(Field::Bcc, "a@example.com b@example.com", AddressProblem::MultipleAddresses),
        "BCC „a@example.com b@example.com“: Mehrere Adressen bitte mit Komma oder Semikolon trennen. Erlaubt sind \
         eine oder mehrere Adressen, getrennt durch Komma oder Semikolon, z. B. \
         „archiv@example.com; buchhaltung@example.com“.",
        "BCC \"a@example.com b@example.com\": Please separate several addresses with commas or semicolons. Enter \
         one or more addresses separated by commas or semicolons, such as \
         \"archiv@example.com; buchhaltung@example.com\".",
    );
}

#[test]
fn invisible_character_message_shows_it() {
    assert_messages(
        &invalid(Field::Sender, "max\u{200B}@example.com", AddressProblem::InvisibleCharacter {
            code_point: "U+200B".into(),
        }),
        "Absender „max<U+200B>@example.com“: Die Adresse enthält ein unsichtbares Zeichen (U+200B), wie es beim \
         Kopieren entsteht. Bitte die Adresse von Hand neu eintippen.",
        "Sender \"max<U+200B>@example.com\": The address contains an invisible character (U+200B), as copy and \
         paste leaves behind. Please type the address again by hand.",
    );
}

#[test]
fn port_range_message_states_the_range() {
    assert_messages(
        &error(
            Field::Port,
            FindingCode::PortOutOfRange {
                value: "70000".into(),
            },
        ),
        "Port: „70000“ ist ungültig. Der Port muss eine Zahl von 1 bis 65535 sein, meist 587 oder 465.",
        "Port: \"70000\" is invalid. The port must be a number from 1 to 65535, usually 587 or 465.",
    );
}

#[test]
fn port_25_message_explains_and_suggests() {
    // BC39
    assert_messages(
        &Finding::warning(Field::Port, FindingCode::Port25),
        "Port: Über Port 25 gehen Mails meist unverschlüsselt an den Server. Viele Hoster sperren diesen Port, und \
         viele Anbieter leiten dort eingelieferte Mails nicht weiter. Nutzen Sie 587 (STARTTLS) oder 465 (SSL/TLS).",
        "Port: On port 25 mail usually reaches the server unencrypted. Many hosters block this port, and many \
         providers refuse to relay mail handed in there. Use 587 (STARTTLS) or 465 (SSL/TLS).",
    );
}

#[test]
fn mismatch_messages_name_the_expected_mode() {
    // BC20
    assert_messages(
        &Finding::warning(Field::Security, FindingCode::ImplicitTlsOnStartTlsPort { port: 587 }),
        "Verschlüsselung: Port 587 erwartet STARTTLS, nicht SSL/TLS ab dem ersten Byte; so scheitert der \
         TLS-Handshake. Wählen Sie STARTTLS oder Port 465 mit SSL/TLS.",
        "Encryption: Port 587 expects STARTTLS, not SSL/TLS from the first byte, so the TLS handshake fails. \
         Choose STARTTLS, or port 465 with SSL/TLS.",
    );
    assert_messages(
        &Finding::warning(Field::Security, FindingCode::StartTlsOnImplicitTlsPort { port: 465 }),
        "Verschlüsselung: Port 465 erwartet SSL/TLS ab dem ersten Byte, nicht STARTTLS; so hängt die Verbindung \
         oder bricht ab. Wählen Sie SSL/TLS oder Port 587 mit STARTTLS.",
        "Encryption: Port 465 expects SSL/TLS from the first byte, not STARTTLS, so the connection hangs or fails. \
         Choose SSL/TLS, or port 587 with STARTTLS.",
    );
}

#[test]
fn clear_text_password_message_states_the_risk() {
    assert_messages(
        &error(Field::Security, FindingCode::PasswordWithoutEncryption),
        "Verschlüsselung: Ohne Verschlüsselung ginge Ihr Passwort im Klartext über das Netz. Wählen Sie STARTTLS \
         (Port 587) oder SSL/TLS (Port 465).",
        "Encryption: Without encryption your password would cross the network in clear text. Choose STARTTLS \
         (port 587) or SSL/TLS (port 465).",
    );
}

#[test]
fn ip_host_message_explains_the_certificate() {
    // BC19
    assert_messages(
        &Finding::warning(Field::Host, FindingCode::HostIsIpAddress { ip: "192.0.2.25".into() }),
        "SMTP-Server: Das Zertifikat des Servers gilt für einen Namen (z. B. smtp.example.com), nicht für \
         192.0.2.25; die verschlüsselte Verbindung scheitert daher meist. Bitte den Servernamen eintragen.",
        "SMTP server: The server's certificate is issued for a name (such as smtp.example.com), not for 192.0.2.25, \
         so the encrypted connection usually fails. Please enter the server name.",
    );
}

#[test]
fn inbound_only_host_message_names_the_submission_host() {
    assert_messages(
        &Finding::warning(Field::Host, FindingCode::InboundOnlyHost {
            host: "shop-example.mail.protection.outlook.com".into(),
            submission_host: "smtp.office365.com".into(),
        }),
        "SMTP-Server: shop-example.mail.protection.outlook.com nimmt nur Mails für die eigene Domain an \
         (MX-Server), keine Anmeldung zum Versand. Zum Versenden ist smtp.office365.com richtig.",
        "SMTP server: shop-example.mail.protection.outlook.com only receives mail for its own domain (an MX server) \
         and takes no login for sending. To send, use smtp.office365.com.",
    );
}

#[test]
fn login_domain_message_names_both() {
    // BC32
    assert_messages(
        &Finding::hint(Field::Login, FindingCode::LoginDomainDiffers {
            login_domain: "example.com".into(),
            sender_domain: "shop.example".into(),
        }),
        "Login: Das Konto gehört zu example.com, der Absender zu shop.example. Viele Anbieter lehnen Absender ab, \
         die nicht zum Konto gehören (Antwort 553 5.7.1). Richten Sie den Absender dort als Alias ein oder \
         verwenden Sie eine Adresse des Kontos als Absender.",
        "Login: The account belongs to example.com, the sender to shop.example. Many providers reject senders the \
         account does not own (reply 553 5.7.1). Set the sender up as an alias there, or use one of the account's \
         addresses as the sender.",
    );
}

#[test]
fn freemail_message_names_the_provider_and_its_server() {
    // BC34
    assert_messages(
        &Finding::warning(Field::Sender, FindingCode::SenderOfOtherProvider {
            domain: "yahoo.com".into(),
            provider: "yahoo".into(),
        }),
        "Absender: Adressen von yahoo.com können nur über den Server von Yahoo zuverlässig versendet werden; über \
         einen anderen Server fallen die Mails bei der DMARC-Prüfung der Empfänger durch und landen im Spam oder \
         werden abgewiesen. Nutzen Sie eine Adresse Ihrer eigenen Domain oder smtp.mail.yahoo.com.",
        "Sender: Addresses at yahoo.com can be sent reliably only through Yahoo's server; through another server \
         the mails fail the recipients' DMARC checks and land in spam or are rejected. Use an address of your own \
         domain, or smtp.mail.yahoo.com.",
    );
}

#[test]
fn amazon_message_names_the_sender() {
    // BC37
    assert_messages(
        &Finding::hint(Field::TestRecipient, FindingCode::AmazonApprovedSender { sender: "info@shop.example".into() }),
        "Testempfänger: Damit Amazon Ihre Nachricht an Käufer weiterleitet, muss info@shop.example in Seller \
         Central als zugelassener Absender eingetragen sein, bei mehreren Marktplätzen für jeden einzeln.",
        "Test recipient: For Amazon to forward your message to buyers, info@shop.example must be registered as an \
         approved sender in Seller Central, on each marketplace separately.",
    );
}

#[test]
fn app_password_message_names_the_provider() {
    assert_messages(
        &Finding::hint(Field::Password, FindingCode::AppPasswordRequired { provider: "gmail".into() }),
        "Passwort: Gmail nimmt von Programmen wie Postausgang nur ein eigenes App-Passwort an, nicht das normale \
         Passwort Ihres Kontos. Legen Sie es in den Einstellungen Ihres Kontos bei Gmail an und tragen Sie es hier \
         ein.",
        "Password: Gmail accepts only a separate app password from programs such as Postausgang, not your \
         account's normal password. Create one in your Gmail account settings and enter it here.",
    );
}

#[test]
fn service_note_names_login() {
    assert_messages(
        &Finding::hint(Field::Provider, FindingCode::ProviderNote { provider: "sendgrid".into() }),
        "Anbieter: SendGrid: Login ist das Wort apikey. Passwort ist ein API-Schlüssel mit mindestens der \
         Berechtigung „Mail Send“. Achten Sie beim Kopieren darauf, keinen Zeilenumbruch mitzunehmen.",
        "Provider: SendGrid: The login is the word apikey. The password is an API key with at least the \"Mail \
         Send\" permission. When you copy it, take care not to include a line break.",
    );
}

#[test]
fn every_code_has_a_text_in_both_languages() {
    let provider = || "gmail".to_owned();
    let codes = [
        FindingCode::Required,
        FindingCode::ControlCharacter {
            code_point: "U+000A".into(),
        },
        FindingCode::TooLong { max: 100 },
        FindingCode::NonAsciiLocalPart {
            address: "müller@example.com".into(),
        },
        FindingCode::SenderOfOtherProvider {
            domain: "gmail.com".into(),
            provider: provider(),
        },
        FindingCode::TooManyAddresses { max: 10 },
        FindingCode::SchemeRemoved {
            scheme: "smtps".into(),
        },
        FindingCode::SchemeContradictsSecurity {
            scheme: "smtps".into(),
            security: Security::StartTls,
        },
        FindingCode::UnsupportedScheme {
            scheme: "https".into(),
        },
        FindingCode::PortSuffixRemoved { port: 587 },
        FindingCode::PortSuffixContradictsPort {
            suffix_port: 465,
            port: 587,
        },
        FindingCode::HostContainsSpace,
        FindingCode::HostContainsPath,
        FindingCode::HostIsEmailAddress,
        FindingCode::HostDot,
        FindingCode::InvalidHostLabel {
            label: "smtp_1".into(),
        },
        FindingCode::HostPlaceholder {
            host: "wxxxxxxx.kasserver.com".into(),
        },
        FindingCode::HostIsIpAddress {
            ip: "192.0.2.1".into(),
        },
        FindingCode::HostWithoutDot {
            host: "mailserver".into(),
        },
        FindingCode::IncomingServerHost {
            host: "imap.example.com".into(),
        },
        FindingCode::InboundOnlyHost {
            host: "aspmx.l.google.com".into(),
            submission_host: "smtp.gmail.com".into(),
        },
        FindingCode::PortOutOfRange { value: "0".into() },
        FindingCode::Port25,
        FindingCode::StartTlsOnImplicitTlsPort { port: 465 },
        FindingCode::ImplicitTlsOnStartTlsPort { port: 587 },
        FindingCode::NoTlsOnImplicitTlsPort { port: 465 },
        FindingCode::PasswordWithoutEncryption,
        FindingCode::NoEncryption,
        FindingCode::LoginDomainDiffers {
            login_domain: "example.com".into(),
            sender_domain: "shop.example".into(),
        },
        FindingCode::NoAuthentication,
        FindingCode::PasswordSurroundingSpaces,
        FindingCode::UnknownProvider {
            provider: "hotmial".into(),
        },
        FindingCode::HostNotOfProvider { provider: provider() },
        FindingCode::AppPasswordRequired { provider: provider() },
        FindingCode::AppPasswordWithTwoFactor {
            provider: "webde".into(),
        },
        FindingCode::SmtpAuthByAdministrator {
            provider: "office365".into(),
        },
        FindingCode::OAuthOnly {
            provider: "outlook_com".into(),
        },
        FindingCode::MailAccessSwitch {
            provider: "webde".into(),
        },
        FindingCode::AccountSpecificHost {
            provider: "allinkl".into(),
        },
        FindingCode::ProviderNote { provider: provider() },
        FindingCode::SendingLimit { provider: provider() },
        FindingCode::EbayPrefersStartTls,
        FindingCode::AmazonApprovedSender {
            sender: String::new(),
        },
        FindingCode::AmazonImportantSubject,
    ];
    let fallbacks = ["Bitte prüfen.", "Please check this field."];
    for code in codes {
        let finding = Finding::hint(Field::Host, code);
        let german = finding.message(Language::De);
        let english = finding.message(Language::En);
        assert!(
            german.starts_with("SMTP-Server: ") && english.starts_with("SMTP server: "),
            "{german} / {english}"
        );
        assert!(
            !fallbacks
                .iter()
                .any(|fallback| german.ends_with(fallback) || english.ends_with(fallback)),
            "{german}"
        );
        assert_ne!(german, english);
    }
}

#[test]
fn every_address_problem_has_texts() {
    let problems = [
        AddressProblem::Empty,
        AddressProblem::ControlCharacter {
            code_point: "U+000A".into(),
        },
        AddressProblem::InvisibleCharacter {
            code_point: "U+200B".into(),
        },
        AddressProblem::SpaceInAddress,
        AddressProblem::MultipleAddresses,
        AddressProblem::NameWithoutAngleBrackets {
            suggestion: "Max <max@example.com>".into(),
        },
        AddressProblem::MissingClosingBracket,
        AddressProblem::TextAfterAddress { text: "Shop".into() },
        AddressProblem::UnexpectedAngleBracket,
        AddressProblem::UnbalancedQuotes,
        AddressProblem::MissingAt,
        AddressProblem::MultipleAt,
        AddressProblem::EmptyLocalPart,
        AddressProblem::LocalPartTooLong { max: 64 },
        AddressProblem::LocalPartDot,
        AddressProblem::InvalidLocalPartCharacter {
            character: "(".into(),
        },
        AddressProblem::EmptyDomain,
        AddressProblem::DomainLiteral,
        AddressProblem::IpAddressAsDomain,
        AddressProblem::DomainWithoutDot {
            domain: "localhost".into(),
            suggestion: None,
        },
        AddressProblem::DomainDot,
        AddressProblem::InvalidDomainLabel {
            label: "exa_mple".into(),
        },
        AddressProblem::DomainTooLong { max: 253 },
    ];
    for problem in problems {
        let german = problem.message(Field::Sender, "x", Language::De);
        let english = problem.message(Field::Sender, "x", Language::En);
        assert!(
            !german.contains("keine gültige E-Mail-Adresse"),
            "{problem:?} falls back: {german}"
        );
        assert!(
            !english.contains("not a valid email address"),
            "{problem:?} falls back: {english}"
        );
        assert_ne!(german, english);
    }
}
