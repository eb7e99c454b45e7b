//! Property tests: no input makes the parsers or the validation panic, and a parsed sender
//! written out as a header value (or for the form) parses back to the same parts.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use shared::{
    parse_address_list, parse_email_address, parse_mailbox, validate_server, validate_test_recipients,
    Password, PortInput, Security, ServerInput,
};

/// Text built from the characters that matter to the parsers, so that generated inputs hit
/// quotes, brackets, escapes, encoded-words and separators far more often than random text.
fn address_like_text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9äöüßÄ .,;:@<>\"\\\\=?_\\-\\[\\]()\r\n\t\u{200B}\u{A0}]{0,60}"
}

/// Display names of any characters except controls, quotes and backslashes, which the
/// generated input writes inside a quoted string.
fn display_name() -> impl Strategy<Value = String> {
    "[^\\x00-\\x1F\\x7F-\\x9F\"\\\\]{0,30}"
}

fn local_part() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,20}(\\.[a-zA-Z0-9_-]{1,10}){0,2}"
}

fn domain() -> impl Strategy<Value = String> {
    "([a-zA-Z0-9äöüßÄÖÜ]{1,12}\\.){1,3}[a-zA-Z]{2,6}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn parsers_never_panic_on_any_text(text in any::<String>()) {
        let _ = parse_mailbox(&text);
        let _ = parse_email_address(&text);
        let _ = parse_address_list(&text);
        let _ = validate_test_recipients(&text, None);
    }

    #[test]
    fn parsers_never_panic_on_address_like_text(text in address_like_text()) {
        let _ = parse_mailbox(&text);
        let _ = parse_email_address(&text);
        let _ = parse_address_list(&text);
    }

    #[test]
    fn validation_never_panics(
        sender in address_like_text(),
        host in "[a-zA-Z0-9.:/@\\[\\] _-]{0,40}",
        port in any::<i64>(),
        port_text in "[0-9a-z ]{0,8}",
        use_text_port in any::<bool>(),
        login in any::<String>(),
        password in any::<String>(),
        bcc in address_like_text(),
        provider in "(gmail|webde|allinkl|outlook_com|office365|x|)",
        password_on_file in any::<bool>(),
    ) {
        let input = ServerInput {
            provider,
            active: true,
            display_name: String::new(),
            sender,
            host,
            port: if use_text_port { PortInput::Text(port_text) } else { PortInput::Number(port) },
            security: Security::StartTls,
            login,
            password: Some(Password::new(password)),
            bcc,
            is_default: false,
        };
        let (report, normalized) = validate_server(&input, password_on_file);
        prop_assert_eq!(report.has_errors(), normalized.is_none());
        for finding in &report.findings {
            prop_assert!(!finding.message(shared::Language::De).is_empty());
            prop_assert!(!finding.message(shared::Language::En).is_empty());
        }
    }

    #[test]
    fn header_value_parses_back_to_the_same_mailbox(
        name in display_name(),
        local in local_part(),
        domain in domain(),
    ) {
        let input = format!("\"{name}\" <{local}@{domain}>");
        let parsed = parse_mailbox(&input);
        prop_assert!(parsed.is_ok(), "{:?} was rejected: {:?}", input, parsed);
        let mailbox = parsed.expect("checked above");

        let header = mailbox.to_header_value();
        prop_assert!(header.is_ascii(), "header value is not ASCII: {}", header);
        prop_assert_eq!(parse_mailbox(&header), Ok(mailbox.clone()), "header value {}", header);

        let display = mailbox.to_display_string();
        prop_assert_eq!(parse_mailbox(&display), Ok(mailbox), "display string {}", display);
    }

    #[test]
    fn any_accepted_sender_round_trips(text in address_like_text()) {
        if let Ok(mailbox) = parse_mailbox(&text) {
            let header = mailbox.to_header_value();
            prop_assert_eq!(parse_mailbox(&header), Ok(mailbox), "{:?} written as {}", text, header);
        }
    }
}
