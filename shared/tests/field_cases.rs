//! The bug-report cases whose layer is the shared validation, run through the public API.
//!
//! The same file runs natively (`cargo test -p shared --test field_cases`) and as wasm32 in
//! Node.js (see `scripts/test-shared-wasm.sh`), so the page and the backend are shown to reach
//! the same verdicts. Comments carry the case ids.

use shared::{
    parse_mailbox, validate_server, validate_test_recipients, EmailAddress, Field, Finding, Password,
    PortInput, Security, ServerInput, Severity, ValidationReport,
};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Returns a valid form; each case changes the fields it is about.
fn form() -> ServerInput {
    ServerInput {
        provider: String::new(),
        active: true,
        display_name: "Shop".to_owned(),
        sender: "info@shop.example".to_owned(),
        host: "smtp.shop.example".to_owned(),
        port: PortInput::Number(587),
        security: Security::StartTls,
        login: "info@shop.example".to_owned(),
        password: Some(Password::new("geheim".to_owned())),
        bcc: String::new(),
        is_default: false,
    }
}

/// Returns the finding's code, and the address problem for invalid addresses, as the API
/// writes them, such as `invalid_address/local_part_dot`.
fn code_name(finding: &Finding) -> String {
    let json = serde_json::to_value(finding).unwrap_or_default();
    let code = json["code"].as_str().unwrap_or_default();
    match json["params"]["problem"].as_str() {
        Some(problem) => format!("{code}/{problem}"),
        None => code.to_owned(),
    }
}

fn errors(report: &ValidationReport) -> Vec<(Field, String)> {
    report
        .findings
        .iter()
        .filter(|finding| finding.severity == Severity::Error)
        .map(|finding| (finding.field, code_name(finding)))
        .collect()
}

fn has(report: &ValidationReport, field: Field, severity: Severity, code: &str) -> bool {
    report
        .findings
        .iter()
        .any(|f| f.field == field && f.severity == severity && code_name(f) == code)
}

fn owned(errors: &[(Field, &str)]) -> Vec<(Field, String)> {
    errors
        .iter()
        .map(|(field, code)| (*field, (*code).to_owned()))
        .collect()
}

#[test]
fn sender_with_name_in_angle_brackets_is_accepted() {
    // BC01
    let input = ServerInput {
        sender: "Max Mustermann <max@example.com>".to_owned(),
        ..form()
    };
    let (report, normalized) = validate_server(&input, false);
    assert_eq!(errors(&report), []);
    let sender = normalized.expect("accepted").sender;
    assert_eq!(sender.display_name.as_deref(), Some("Max Mustermann"));
    assert_eq!(sender.address.to_ascii(), "max@example.com");
}

#[test]
fn envelope_address_ignores_display_name() {
    // BC02, shared part: the envelope takes the address alone.
    let with_name = parse_mailbox("Max Mustermann <max@example.com>").expect("valid");
    let bare = parse_mailbox("max@example.com").expect("valid");
    assert_eq!(with_name.address.to_ascii(), "max@example.com");
    assert_eq!(with_name.address, bare.address);
    assert_eq!(with_name.to_header_value().matches('<').count(), 1);
    assert_eq!(with_name.to_header_value().matches('>').count(), 1);
}

#[test]
fn special_display_names_round_trip() {
    // BC05
    let cases = [
        ("Max's Shop: Angebote <max@example.com>", "Max's Shop: Angebote"),
        (
            "\"Max \\\"der Händler\\\"\" <max@example.com>",
            "Max \"der Händler\"",
        ),
        ("\"Shop <Outlet>\" <max@example.com>", "Shop <Outlet>"),
    ];
    for (sender, name) in cases {
        let input = ServerInput {
            sender: sender.to_owned(),
            ..form()
        };
        let (report, normalized) = validate_server(&input, false);
        assert_eq!(errors(&report), [], "{sender}");
        let mailbox = normalized.expect("accepted").sender;
        assert_eq!(mailbox.display_name.as_deref(), Some(name), "{sender}");
        assert_eq!(mailbox.address.to_ascii(), "max@example.com", "{sender}");
        let header = mailbox.to_header_value();
        assert_eq!(
            parse_mailbox(&header).as_ref(),
            Ok(&mailbox),
            "{sender} written as {header}"
        );
        // A colon outside quotes would turn the header into group syntax.
        assert!(!header.starts_with("Max's Shop:"), "{header}");
    }
}

#[test]
fn line_breaks_in_sender_and_bcc_are_rejected() {
    // BC07
    let input = ServerInput {
        sender: "Max\r\nBcc: fremder@example.net <max@example.com>".to_owned(),
        bcc: "archiv@shop.example\nX-Injected: 1".to_owned(),
        ..form()
    };
    let (report, normalized) = validate_server(&input, false);
    assert_eq!(
        errors(&report),
        owned(&[
            (Field::Sender, "invalid_address/control_character"),
            (Field::Bcc, "invalid_address/control_character")
        ])
    );
    assert!(normalized.is_none());
    let message = report.findings[0].message(shared::Language::De);
    assert!(
        message.contains("Zeilenumbrüche und Steuerzeichen sind nicht erlaubt"),
        "{message}"
    );
}

#[test]
fn dotless_domains_are_rejected() {
    // BC09
    let input = ServerInput {
        sender: "max@examplecom".to_owned(),
        bcc: "archiv@localhost".to_owned(),
        ..form()
    };
    let (report, normalized) = validate_server(&input, false);
    assert_eq!(
        errors(&report),
        owned(&[
            (Field::Sender, "invalid_address/domain_without_dot"),
            (Field::Bcc, "invalid_address/domain_without_dot")
        ])
    );
    assert!(normalized.is_none());
    let message = report.findings[0].message(shared::Language::De);
    assert!(
        message.ends_with("Domain ohne Punkt – meinten Sie z. B. example.com?"),
        "{message}"
    );
}

#[test]
fn dots_in_wrong_places_are_rejected() {
    // BC12
    for sender in [
        "max.@example.com",
        "max..shop@example.com",
        ".max@example.com",
        "max+shop.@example.com",
    ] {
        let input = ServerInput {
            sender: sender.to_owned(),
            ..form()
        };
        let (report, _) = validate_server(&input, false);
        assert_eq!(
            errors(&report),
            owned(&[(Field::Sender, "invalid_address/local_part_dot")]),
            "{sender}"
        );
        let message = report.findings[0].message(shared::Language::De);
        assert!(
            message.contains("Punkt an dieser Stelle im Teil vor dem @ ist nicht erlaubt"),
            "{message}"
        );
    }
}

#[test]
fn idn_sender_has_both_forms() {
    // BC13
    let cases = [
        (
            "Max <max@bücher.example>",
            "max@bücher.example",
            "max@xn--bcher-kva.example",
        ),
        (
            "MAX@BÜCHER.example",
            "MAX@bücher.example",
            "MAX@xn--bcher-kva.example",
        ),
    ];
    for (sender, unicode, ascii) in cases {
        let input = ServerInput {
            sender: sender.to_owned(),
            login: "user-4711".to_owned(),
            ..form()
        };
        let (report, normalized) = validate_server(&input, false);
        assert_eq!(errors(&report), [], "{sender}");
        let address = normalized.expect("accepted").sender.address;
        assert_eq!(address.to_unicode(), unicode);
        assert_eq!(address.to_ascii(), ascii);
    }
}

#[test]
fn bcc_lists_are_split_into_addresses() {
    // BC15, and BC43's shared part: one RCPT per BCC address.
    let cases: [(&str, &[&str]); 4] = [
        ("Archiv <archiv@shop.example>", &["archiv@shop.example"]),
        (
            "archiv@shop.example; buchhaltung@shop.example",
            &["archiv@shop.example", "buchhaltung@shop.example"],
        ),
        (
            "archiv@shop.example, buchhaltung@shop.example",
            &["archiv@shop.example", "buchhaltung@shop.example"],
        ),
        ("archiv@shop.example", &["archiv@shop.example"]),
    ];
    for (bcc, expected) in cases {
        let input = ServerInput {
            bcc: bcc.to_owned(),
            ..form()
        };
        let (report, normalized) = validate_server(&input, false);
        assert_eq!(errors(&report), [], "{bcc}");
        let addresses: Vec<String> = normalized
            .expect("accepted")
            .bcc
            .iter()
            .map(EmailAddress::to_ascii)
            .collect();
        assert_eq!(addresses, expected, "{bcc}");
    }
}

#[test]
fn host_is_stored_trimmed_and_lowercased() {
    // BC17
    for host in [
        " smtp.example.com",
        "smtp.example.com ",
        "smtp.example.com\u{A0}",
        "SMTP.Example.COM",
    ] {
        let input = ServerInput {
            host: host.to_owned(),
            ..form()
        };
        let (report, normalized) = validate_server(&input, false);
        assert_eq!(errors(&report), [], "{host:?}");
        assert_eq!(normalized.expect("accepted").host, "smtp.example.com", "{host:?}");
    }
}

#[test]
fn ip_host_saved_with_warning() {
    // BC19
    let input = ServerInput {
        host: "192.0.2.25".to_owned(),
        ..form()
    };
    let (report, normalized) = validate_server(&input, false);
    assert!(has(&report, Field::Host, Severity::Warning, "host_is_ip_address"));
    assert!(normalized.is_some());
}

#[test]
fn implicit_tls_on_587_warned() {
    // BC20: "ssl" in the report is implicit TLS.
    let input = ServerInput {
        security: Security::ImplicitTls,
        ..form()
    };
    let (report, normalized) = validate_server(&input, false);
    assert!(has(
        &report,
        Field::Security,
        Severity::Warning,
        "implicit_tls_on_starttls_port"
    ));
    assert!(normalized.is_some());
}

#[test]
fn microsoft_365_gets_the_smtp_auth_hint() {
    // BC25, shared part: the seller learns before the first send that an admin must enable SMTP AUTH.
    let input = ServerInput {
        host: "smtp.office365.com".to_owned(),
        login: "max@shop.example".to_owned(),
        ..form()
    };
    let (report, _) = validate_server(&input, false);
    assert!(has(
        &report,
        Field::Login,
        Severity::Hint,
        "smtp_auth_by_administrator"
    ));
}

#[test]
fn password_with_special_characters_is_accepted_unchanged() {
    // BC29
    let password = "Pä§%\"#/\\ w0rd&amp;";
    let input = ServerInput {
        login: "max@example.com".to_owned(),
        password: Some(Password::new(password.to_owned())),
        ..form()
    };
    let (report, normalized) = validate_server(&input, false);
    assert_eq!(errors(&report), []);
    assert!(normalized.is_some());
    assert_eq!(input.password.as_ref().map(Password::expose), Some(password));
}

#[test]
fn login_that_is_not_an_address_is_accepted() {
    // BC31
    let input = ServerInput {
        sender: "Shop <info@shop.example>".to_owned(),
        login: "smtp-user-4711".to_owned(),
        ..form()
    };
    let (report, normalized) = validate_server(&input, false);
    assert_eq!(report.findings, []);
    assert_eq!(normalized.expect("accepted").login, "smtp-user-4711");
}

#[test]
fn foreign_login_domain_hinted() {
    // BC32
    let input = ServerInput {
        login: "max@example.com".to_owned(),
        ..form()
    };
    let (report, normalized) = validate_server(&input, false);
    assert!(has(&report, Field::Login, Severity::Hint, "login_domain_differs"));
    assert!(normalized.is_some());
}

#[test]
fn freemail_sender_through_another_server_is_warned() {
    // BC34
    let input = ServerInput {
        sender: "max@yahoo.com".to_owned(),
        host: "smtp.webhoster.example".to_owned(),
        login: "shop@shop.example".to_owned(),
        ..form()
    };
    let (report, normalized) = validate_server(&input, false);
    assert!(has(
        &report,
        Field::Sender,
        Severity::Warning,
        "sender_of_other_provider"
    ));
    assert!(normalized.is_some());
}

#[test]
fn amazon_relay_recipient_gets_the_approved_sender_hint() {
    // BC37
    let sender = shared::parse_email_address("info@shop.example").expect("valid");
    let (report, recipients) = validate_test_recipients("a1b2c3d4e5@marketplace.amazon.de", Some(&sender));
    assert_eq!(recipients.len(), 1);
    assert!(has(
        &report,
        Field::TestRecipient,
        Severity::Hint,
        "amazon_approved_sender"
    ));
    let message = report.findings[0].message(shared::Language::De);
    assert!(
        message.contains("info@shop.example in Seller Central"),
        "{message}"
    );
}

#[test]
fn port_25_is_saved_with_a_warning() {
    // BC39
    let input = ServerInput {
        port: PortInput::Number(25),
        ..form()
    };
    let (report, normalized) = validate_server(&input, false);
    assert!(has(&report, Field::Port, Severity::Warning, "port_25"));
    assert!(normalized.is_some());
}
