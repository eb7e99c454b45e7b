//! Table-driven tests of every rule of `validate_server`. Comments name the field case
//! (BCxx) a test comes from, where it comes from one.

use super::*;
use crate::address::AddressProblem;
use crate::report::{Fix, Severity};

/// Returns a complete, valid form for a server without preset.
fn valid_input() -> ServerInput {
    ServerInput {
        provider: String::new(),
        active: true,
        display_name: "Shop-Server".to_owned(),
        sender: "Max Mustermann <info@shop.example>".to_owned(),
        host: "smtp.shop.example".to_owned(),
        port: PortInput::Number(587),
        security: Security::StartTls,
        login: "info@shop.example".to_owned(),
        password: Some(Password::new("geheim".to_owned())),
        bcc: String::new(),
        is_default: true,
    }
}

fn validate(input: &ServerInput) -> (ValidationReport, Option<NormalizedServer>) {
    validate_server(input, false)
}

/// Returns the severity and code of every finding for a field, in report order.
fn findings_for(report: &ValidationReport, field: Field) -> Vec<(Severity, FindingCode)> {
    report
        .findings
        .iter()
        .filter(|finding| finding.field == field)
        .map(|f| (f.severity, f.code.clone()))
        .collect()
}

fn finding_with(report: &ValidationReport, field: Field, code: &FindingCode) -> Finding {
    report
        .findings
        .iter()
        .find(|finding| finding.field == field && &finding.code == code)
        .cloned()
        .unwrap_or_else(|| panic!("no {code:?} for {field:?} in {:#?}", report.findings))
}

fn invalid_address(input: &str, problem: AddressProblem) -> FindingCode {
    FindingCode::InvalidAddress {
        input: input.to_owned(),
        problem,
    }
}

fn with_sender(sender: &str) -> ServerInput {
    ServerInput {
        sender: sender.to_owned(),
        ..valid_input()
    }
}

fn with_host(host: &str) -> ServerInput {
    ServerInput {
        host: host.to_owned(),
        ..valid_input()
    }
}

fn with_connection(port: u16, security: Security) -> ServerInput {
    ServerInput {
        port: PortInput::Number(i64::from(port)),
        security,
        ..valid_input()
    }
}

fn with_provider(provider: &str, host: &str, login: &str) -> ServerInput {
    ServerInput {
        provider: provider.to_owned(),
        host: host.to_owned(),
        login: login.to_owned(),
        ..valid_input()
    }
}

// ---- The complete form -------------------------------------------------------------------

#[test]
fn complete_form_is_valid_and_normalised() {
    let input = ServerInput {
        display_name: "  Shop-Server ".to_owned(),
        host: " SMTP.Shop.Example ".to_owned(),
        login: " info@shop.example ".to_owned(),
        bcc: "archiv@shop.example; Buchhaltung <buchhaltung@shop.example>".to_owned(),
        ..valid_input()
    };

    let (report, normalized) = validate(&input);

    assert_eq!(report.findings, Vec::new());
    let normalized = normalized.expect("normalised settings");
    assert_eq!(normalized.display_name, "Shop-Server");
    assert_eq!(normalized.sender.display_name.as_deref(), Some("Max Mustermann"));
    assert_eq!(normalized.sender.address.to_ascii(), "info@shop.example");
    assert_eq!(normalized.host, "smtp.shop.example");
    assert_eq!(normalized.port, 587);
    assert_eq!(normalized.security, Security::StartTls);
    assert_eq!(normalized.login, "info@shop.example");
    let bcc: Vec<String> = normalized.bcc.iter().map(EmailAddress::to_ascii).collect();
    assert_eq!(bcc, ["archiv@shop.example", "buchhaltung@shop.example"]);
}

#[test]
fn errors_withhold_the_normalised_settings() {
    let (report, normalized) = validate(&with_sender("max@examplecom"));
    assert!(report.has_errors());
    assert_eq!(normalized, None);
}

#[test]
fn warnings_and_hints_do_not_block_saving() {
    let (report, normalized) = validate(&with_connection(25, Security::StartTls));
    assert!(!report.findings.is_empty());
    assert!(!report.has_errors());
    assert!(normalized.is_some());
}

#[test]
fn every_field_reports_at_once() {
    let input = ServerInput {
        sender: String::new(),
        host: String::new(),
        port: PortInput::Text(String::new()),
        ..valid_input()
    };
    let (report, _) = validate(&input);
    for field in [Field::Sender, Field::Host, Field::Port] {
        assert_eq!(
            findings_for(&report, field),
            [(Severity::Error, FindingCode::Required)],
            "{field:?}"
        );
    }
}

// ---- Sender ------------------------------------------------------------------------------

#[test]
fn sender_forms_are_accepted_and_split() {
    // BC01: `Name <address>`; BC05: names with specials, quoted or not.
    let cases = [
        ("max@example.com", None, "max@example.com"),
        (
            "Max Mustermann <max@example.com>",
            Some("Max Mustermann"),
            "max@example.com",
        ),
        (
            "Max's Shop: Angebote <max@example.com>",
            Some("Max's Shop: Angebote"),
            "max@example.com",
        ),
        (
            "\"Max \\\"der Händler\\\"\" <max@example.com>",
            Some("Max \"der Händler\""),
            "max@example.com",
        ),
        (
            "\"Shop <Outlet>\" <max@example.com>",
            Some("Shop <Outlet>"),
            "max@example.com",
        ),
        (
            "Müller, Max <max@example.com>",
            Some("Müller, Max"),
            "max@example.com",
        ),
        ("max@example.com <max@example.com>", None, "max@example.com"),
        ("  max@example.com  ", None, "max@example.com"),
    ];
    for (sender, name, address) in cases {
        let (report, normalized) = validate(&with_sender(sender));
        assert_eq!(findings_for(&report, Field::Sender), [], "{sender:?}");
        let normalized = normalized.unwrap_or_else(|| panic!("{sender:?} was not accepted"));
        assert_eq!(normalized.sender.display_name.as_deref(), name, "{sender:?}");
        assert_eq!(normalized.sender.address.to_ascii(), address, "{sender:?}");
    }
}

#[test]
fn idn_sender_keeps_both_forms() {
    // BC13
    let (_, normalized) = validate(&with_sender("Max <max@bücher.example>"));
    let sender = normalized.expect("accepted").sender;
    assert_eq!(sender.address.to_unicode(), "max@bücher.example");
    assert_eq!(sender.address.to_ascii(), "max@xn--bcher-kva.example");
    assert_eq!(sender.to_header_value(), "Max <max@xn--bcher-kva.example>");
}

#[test]
fn invalid_senders_are_rejected_with_a_precise_reason() {
    let cases = [
        ("", FindingCode::Required),
        ("   ", FindingCode::Required),
        (
            "Max Mustermann",
            invalid_address("Max Mustermann", AddressProblem::MissingAt),
        ),
        (
            "max@examplecom",
            invalid_address(
                "max@examplecom",
                AddressProblem::DomainWithoutDot {
                    domain: "examplecom".into(),
                    suggestion: Some("example.com".into()),
                },
            ),
        ),
        (
            "max@[192.0.2.1]",
            invalid_address("max@[192.0.2.1]", AddressProblem::DomainLiteral),
        ),
        (
            "max.@example.com",
            invalid_address("max.@example.com", AddressProblem::LocalPartDot),
        ),
        (
            "max@example..com",
            invalid_address("max@example..com", AddressProblem::DomainDot),
        ),
        (
            "max\u{200B}@example.com",
            invalid_address(
                "max\u{200B}@example.com",
                AddressProblem::InvisibleCharacter {
                    code_point: "U+200B".into(),
                },
            ),
        ),
        (
            "Max Mustermann max@mustermann.com",
            invalid_address(
                "Max Mustermann max@mustermann.com",
                AddressProblem::NameWithoutAngleBrackets {
                    suggestion: "Max Mustermann <max@mustermann.com>".into(),
                },
            ),
        ),
        (
            "a@example.com, b@example.com",
            invalid_address("a@example.com, b@example.com", AddressProblem::MultipleAddresses),
        ),
    ];
    for (sender, expected) in cases {
        let (report, normalized) = validate(&with_sender(sender));
        assert_eq!(
            findings_for(&report, Field::Sender),
            [(Severity::Error, expected)],
            "{sender:?}"
        );
        assert_eq!(normalized, None, "{sender:?}");
    }
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
        let (report, _) = validate(&with_sender(sender));
        let expected = invalid_address(sender, AddressProblem::LocalPartDot);
        assert_eq!(
            findings_for(&report, Field::Sender),
            [(Severity::Error, expected)],
            "{sender:?}"
        );
    }
}

#[test]
fn line_breaks_in_sender_and_bcc_are_rejected() {
    // BC07: header injection through the sender and the BCC field.
    let input = ServerInput {
        sender: "Max\r\nBcc: fremder@example.net <max@example.com>".to_owned(),
        bcc: "archiv@shop.example\nX-Injected: 1".to_owned(),
        ..valid_input()
    };
    let (report, normalized) = validate(&input);
    let sender_problem = AddressProblem::ControlCharacter {
        code_point: "U+000D".into(),
    };
    assert_eq!(
        findings_for(&report, Field::Sender),
        [(
            Severity::Error,
            invalid_address(
                "Max\r\nBcc: fremder@example.net <max@example.com>",
                sender_problem
            )
        )]
    );
    let bcc_problem = AddressProblem::ControlCharacter {
        code_point: "U+000A".into(),
    };
    assert_eq!(
        findings_for(&report, Field::Bcc),
        [(
            Severity::Error,
            invalid_address("archiv@shop.example\nX-Injected: 1", bcc_problem)
        )]
    );
    assert_eq!(normalized, None);
}

#[test]
fn control_characters_are_rejected_in_every_text_field() {
    // BC07: any character below 0x20 or 0x7F in sender, BCC, login, host and display name.
    for control in ['\0', '\t', '\n', '\r', '\u{1B}', '\u{7F}'] {
        let text = format!("info{control}@shop.example");
        let code_point = crate::text::code_point(control);
        let cases = [
            (
                Field::Sender,
                ServerInput {
                    sender: text.clone(),
                    ..valid_input()
                },
            ),
            (
                Field::Bcc,
                ServerInput {
                    bcc: text.clone(),
                    ..valid_input()
                },
            ),
            (
                Field::Login,
                ServerInput {
                    login: text.clone(),
                    ..valid_input()
                },
            ),
            (
                Field::Host,
                ServerInput {
                    host: format!("smtp{control}.shop.example"),
                    ..valid_input()
                },
            ),
            (
                Field::DisplayName,
                ServerInput {
                    display_name: format!("Shop{control}"),
                    ..valid_input()
                },
            ),
        ];
        for (field, input) in cases {
            let (report, normalized) = validate(&input);
            let rejected = report.findings.iter().any(|finding| {
                finding.field == field
                    && finding.severity == Severity::Error
                    && match &finding.code {
                        FindingCode::ControlCharacter { code_point: found } => found == &code_point,
                        FindingCode::InvalidAddress {
                            problem: AddressProblem::ControlCharacter { code_point: found },
                            ..
                        } => found == &code_point,
                        _ => false,
                    }
            });
            assert!(rejected, "{code_point} in {field:?}: {:#?}", report.findings);
            assert_eq!(normalized, None, "{code_point} in {field:?}");
        }
    }
}

#[test]
fn non_ascii_local_part_is_a_warning() {
    let (report, normalized) = validate(&with_sender("müller@shop.example"));
    assert_eq!(
        findings_for(&report, Field::Sender),
        [(
            Severity::Warning,
            FindingCode::NonAsciiLocalPart {
                address: "müller@shop.example".into()
            }
        )]
    );
    assert!(normalized.is_some());
}

#[test]
fn provider_address_through_another_server_fails_dmarc() {
    // BC34
    let input = ServerInput {
        sender: "max@yahoo.com".to_owned(),
        host: "smtp.webhoster.example".to_owned(),
        login: "shop@shop.example".to_owned(),
        ..valid_input()
    };
    let (report, _) = validate(&input);
    let code = FindingCode::SenderOfOtherProvider {
        domain: "yahoo.com".into(),
        provider: "yahoo".into(),
    };
    let finding = finding_with(&report, Field::Sender, &code);
    assert_eq!(finding.severity, Severity::Warning);
    assert_eq!(
        finding.fix,
        Some(Fix::UsePreset {
            preset_id: "yahoo".into()
        })
    );
}

#[test]
fn freemail_senders_are_recognised() {
    for (sender, provider) in [
        ("max@gmail.com", "gmail"),
        ("max@outlook.de", "outlook_com"),
        ("max@hotmail.com", "outlook_com"),
        ("max@gmx.de", "gmx_de"),
        ("max@web.de", "webde"),
        ("max@t-online.de", "tonline"),
        ("max@yahoo.de", "yahoo"),
    ] {
        let (report, _) = validate(&with_sender(sender));
        let domain = sender.split('@').nth(1).unwrap_or_default().to_owned();
        let code = FindingCode::SenderOfOtherProvider {
            domain,
            provider: provider.into(),
        };
        assert!(
            report.contains(Field::Sender, &code),
            "{sender}: {:#?}",
            report.findings
        );
    }
}

#[test]
fn provider_address_through_its_own_server_is_fine() {
    for (sender, host) in [
        ("max@gmx.de", "mail.gmx.net"),
        ("max@gmx.com", "mail.gmx.net"),
        ("max@gmail.com", "smtp.gmail.com"),
        ("max@yahoo.com", "smtp.mail.yahoo.com"),
        ("max@proton.me", "127.0.0.1"),
    ] {
        let input = ServerInput {
            sender: sender.to_owned(),
            host: host.to_owned(),
            ..valid_input()
        };
        let (report, _) = validate(&input);
        let warned = report
            .findings
            .iter()
            .any(|finding| matches!(finding.code, FindingCode::SenderOfOtherProvider { .. }));
        assert!(!warned, "{sender} through {host}: {:#?}", report.findings);
    }
}

// ---- Host --------------------------------------------------------------------------------

#[test]
fn host_is_trimmed_and_lowercased() {
    // BC17: test mail and real mail both read this stored value.
    for host in [
        " smtp.example.com",
        "smtp.example.com ",
        "smtp.example.com\u{A0}",
        "SMTP.Example.COM",
        "smtp.example.com.",
    ] {
        let (report, normalized) = validate(&with_host(host));
        assert_eq!(findings_for(&report, Field::Host), [], "{host:?}");
        assert_eq!(normalized.expect("accepted").host, "smtp.example.com", "{host:?}");
    }
}

#[test]
fn scheme_and_port_suffix_removed() {
    let cases = [
        (
            "smtp://smtp.example.com",
            "smtp.example.com",
            vec![FindingCode::SchemeRemoved {
                scheme: "smtp".into(),
            }],
        ),
        (
            "SMTPS://smtp.example.com/",
            "smtp.example.com",
            vec![FindingCode::SchemeRemoved {
                scheme: "smtps".into(),
            }],
        ),
        (
            "ssl://smtp.example.com",
            "smtp.example.com",
            vec![FindingCode::SchemeRemoved { scheme: "ssl".into() }],
        ),
        (
            "smtp.example.com:587",
            "smtp.example.com",
            vec![FindingCode::PortSuffixRemoved { port: 587 }],
        ),
        (
            "smtp://smtp.example.com:587",
            "smtp.example.com",
            vec![
                FindingCode::SchemeRemoved {
                    scheme: "smtp".into(),
                },
                FindingCode::PortSuffixRemoved { port: 587 },
            ],
        ),
        ("bücher.example", "xn--bcher-kva.example", vec![]),
        (
            "[::1]:587",
            "::1",
            vec![FindingCode::PortSuffixRemoved { port: 587 }],
        ),
    ];
    for (host, normalized_host, hints) in cases {
        let (report, normalized) = validate(&with_host(host));
        let expected: Vec<(Severity, FindingCode)> =
            hints.into_iter().map(|code| (Severity::Hint, code)).collect();
        assert_eq!(findings_for(&report, Field::Host), expected, "{host:?}");
        assert_eq!(normalized.expect("accepted").host, normalized_host, "{host:?}");
    }
}

#[test]
fn scheme_that_contradicts_security_is_flagged() {
    let cases = [
        (
            "smtps://smtp.example.com",
            587,
            Security::StartTls,
            Fix::SetPortAndSecurity {
                port: 465,
                security: Security::ImplicitTls,
            },
        ),
        (
            "ssl://smtp.example.com",
            587,
            Security::StartTls,
            Fix::SetPortAndSecurity {
                port: 465,
                security: Security::ImplicitTls,
            },
        ),
        (
            "smtp://smtp.example.com",
            465,
            Security::ImplicitTls,
            Fix::SetPortAndSecurity {
                port: 587,
                security: Security::StartTls,
            },
        ),
    ];
    for (host, port, security, fix) in cases {
        let input = ServerInput {
            host: host.to_owned(),
            ..with_connection(port, security)
        };
        let (report, _) = validate(&input);
        let scheme = host.split("://").next().unwrap_or_default().to_owned();
        let finding = finding_with(
            &report,
            Field::Security,
            &FindingCode::SchemeContradictsSecurity { scheme, security },
        );
        assert_eq!(finding.severity, Severity::Warning, "{host}");
        assert_eq!(finding.fix, Some(fix), "{host}");
    }
}

#[test]
fn matching_scheme_is_not_flagged() {
    let input = ServerInput {
        host: "smtps://smtp.example.com".to_owned(),
        ..with_connection(465, Security::ImplicitTls)
    };
    let (report, _) = validate(&input);
    let flagged = report
        .findings
        .iter()
        .any(|finding| matches!(finding.code, FindingCode::SchemeContradictsSecurity { .. }));
    assert!(!flagged, "{:#?}", report.findings);
}

#[test]
fn port_suffix_that_contradicts_the_port_is_flagged() {
    let input = ServerInput {
        host: "smtp.example.com:465".to_owned(),
        ..with_connection(587, Security::StartTls)
    };
    let (report, _) = validate(&input);
    let finding = finding_with(
        &report,
        Field::Port,
        &FindingCode::PortSuffixContradictsPort {
            suffix_port: 465,
            port: 587,
        },
    );
    assert_eq!(finding.severity, Severity::Warning);
    assert_eq!(
        finding.fix,
        Some(Fix::SetPortAndSecurity {
            port: 465,
            security: Security::ImplicitTls
        })
    );
}

#[test]
fn malformed_hosts_are_rejected() {
    let cases = [
        ("", FindingCode::Required),
        ("smtp example.com", FindingCode::HostContainsSpace),
        ("smtp.example.com/mail", FindingCode::HostContainsPath),
        (
            "https://www.example.com",
            FindingCode::UnsupportedScheme {
                scheme: "https".into(),
            },
        ),
        (
            "imap://imap.example.com",
            FindingCode::UnsupportedScheme {
                scheme: "imap".into(),
            },
        ),
        ("info@example.com", FindingCode::HostIsEmailAddress),
        ("mailto:info@example.com", FindingCode::HostIsEmailAddress),
        ("smtp..example.com", FindingCode::HostDot),
        (".smtp.example.com", FindingCode::HostDot),
        (
            "smtp_relay.example.com",
            FindingCode::InvalidHostLabel {
                label: "smtp_relay".into(),
            },
        ),
        (
            "-smtp.example.com",
            FindingCode::InvalidHostLabel {
                label: "-smtp".into(),
            },
        ),
        (
            "smtp.example.com:0",
            FindingCode::PortOutOfRange { value: "0".into() },
        ),
        (
            "smtp.example.com:smtp",
            FindingCode::PortOutOfRange { value: "smtp".into() },
        ),
        (
            "wXXXXXXX.kasserver.com",
            FindingCode::HostPlaceholder {
                host: "wxxxxxxx.kasserver.com".into(),
            },
        ),
    ];
    for (host, expected) in cases {
        let (report, normalized) = validate(&with_host(host));
        assert_eq!(
            findings_for(&report, Field::Host),
            [(Severity::Error, expected)],
            "{host:?}"
        );
        assert_eq!(normalized, None, "{host:?}");
    }
}

#[test]
fn overlong_host_is_rejected() {
    let host = ["a".repeat(60).as_str(); 5].join(".");
    let (report, _) = validate(&with_host(&host));
    assert_eq!(
        findings_for(&report, Field::Host),
        [(Severity::Error, FindingCode::TooLong { max: 253 })]
    );
}

#[test]
fn ip_address_as_host_is_warned() {
    // BC19: the certificate names a host, not the IP.
    for (host, ip) in [("192.0.2.25", "192.0.2.25"), ("[2001:db8::25]", "2001:db8::25")] {
        let (report, normalized) = validate(&with_host(host));
        assert_eq!(
            findings_for(&report, Field::Host),
            [(Severity::Warning, FindingCode::HostIsIpAddress { ip: ip.into() })]
        );
        assert!(normalized.is_some(), "{host}");
    }
}

#[test]
fn loopback_ip_without_tls_gets_no_certificate_warning() {
    let input = ServerInput {
        host: "127.0.0.1".to_owned(),
        ..with_connection(25, Security::None)
    };
    let (report, _) = validate(&input);
    assert_eq!(report.findings, Vec::new());
}

#[test]
fn suspicious_host_names_are_warned() {
    let cases = [
        (
            "mailserver",
            FindingCode::HostWithoutDot {
                host: "mailserver".into(),
            },
            None,
        ),
        (
            "imap.example.com",
            FindingCode::IncomingServerHost {
                host: "imap.example.com".into(),
            },
            None,
        ),
        (
            "pop3.example.com",
            FindingCode::IncomingServerHost {
                host: "pop3.example.com".into(),
            },
            None,
        ),
        (
            "shop-example.mail.protection.outlook.com",
            FindingCode::InboundOnlyHost {
                host: "shop-example.mail.protection.outlook.com".into(),
                submission_host: "smtp.office365.com".into(),
            },
            Some(Fix::SetHost {
                host: "smtp.office365.com".into(),
            }),
        ),
        (
            "mta5.am0.yahoodns.net",
            FindingCode::InboundOnlyHost {
                host: "mta5.am0.yahoodns.net".into(),
                submission_host: "smtp.mail.yahoo.com".into(),
            },
            Some(Fix::SetHost {
                host: "smtp.mail.yahoo.com".into(),
            }),
        ),
        (
            "aspmx.l.google.com",
            FindingCode::InboundOnlyHost {
                host: "aspmx.l.google.com".into(),
                submission_host: "smtp.gmail.com".into(),
            },
            Some(Fix::SetHost {
                host: "smtp.gmail.com".into(),
            }),
        ),
    ];
    for (host, code, fix) in cases {
        let (report, normalized) = validate(&with_host(host));
        let finding = finding_with(&report, Field::Host, &code);
        assert_eq!(finding.severity, Severity::Warning, "{host}");
        assert_eq!(finding.fix, fix, "{host}");
        assert!(normalized.is_some(), "{host}");
    }
}

#[test]
fn localhost_is_a_complete_host_name() {
    let (report, _) = validate(&with_host("localhost"));
    assert_eq!(findings_for(&report, Field::Host), []);
}

#[test]
fn loopback_hosts_are_recognised() {
    for host in [
        "localhost",
        "LOCALHOST.",
        "mail.localhost",
        "127.0.0.1",
        "127.1.2.3",
        "::1",
        "[::1]",
        "::ffff:127.0.0.1",
    ] {
        assert!(is_loopback_host(host), "{host}");
    }
    for host in [
        "localhost.example.com",
        "192.0.2.1",
        "10.0.0.1",
        "::2",
        "smtp.example.com",
        "",
    ] {
        assert!(!is_loopback_host(host), "{host}");
    }
}

// ---- Port and security -------------------------------------------------------------------

#[test]
fn port_range_is_1_to_65535() {
    let cases = [
        (PortInput::Number(1), Ok(1)),
        (PortInput::Number(65535), Ok(65535)),
        (PortInput::Text(" 587 ".into()), Ok(587)),
        (
            PortInput::Number(0),
            Err(FindingCode::PortOutOfRange { value: "0".into() }),
        ),
        (
            PortInput::Number(65536),
            Err(FindingCode::PortOutOfRange {
                value: "65536".into(),
            }),
        ),
        (
            PortInput::Number(-25),
            Err(FindingCode::PortOutOfRange { value: "-25".into() }),
        ),
        (
            PortInput::Text("58 7".into()),
            Err(FindingCode::PortOutOfRange { value: "58 7".into() }),
        ),
        (
            PortInput::Text("+587".into()),
            Err(FindingCode::PortOutOfRange { value: "+587".into() }),
        ),
        (
            PortInput::Text("99999999999999999999".into()),
            Err(FindingCode::PortOutOfRange {
                value: "99999999999999999999".into(),
            }),
        ),
        (
            PortInput::Text("SSL".into()),
            Err(FindingCode::PortOutOfRange { value: "SSL".into() }),
        ),
        (PortInput::Text("".into()), Err(FindingCode::Required)),
    ];
    for (port, expected) in cases {
        let input = ServerInput {
            port: port.clone(),
            ..valid_input()
        };
        let (report, normalized) = validate(&input);
        match expected {
            Ok(number) => assert_eq!(normalized.map(|server| server.port), Some(number), "{port:?}"),
            Err(code) => {
                assert_eq!(
                    findings_for(&report, Field::Port),
                    [(Severity::Error, code)],
                    "{port:?}"
                );
                assert_eq!(normalized, None, "{port:?}");
            }
        }
    }
}

#[test]
fn missing_port_suggests_usual_port() {
    let input = ServerInput {
        port: PortInput::Text(String::new()),
        security: Security::ImplicitTls,
        ..valid_input()
    };
    let (report, _) = validate(&input);
    let finding = finding_with(&report, Field::Port, &FindingCode::Required);
    assert_eq!(
        finding.fix,
        Some(Fix::SetPortAndSecurity {
            port: 465,
            security: Security::ImplicitTls
        })
    );
}

#[test]
fn port_text_validation_for_the_form() {
    assert_eq!(validate_port_text("465"), Ok(465));
    assert_eq!(validate_port_text(""), Err(FindingCode::Required));
    assert_eq!(
        validate_port_text("70000"),
        Err(FindingCode::PortOutOfRange {
            value: "70000".into()
        })
    );
}

#[test]
fn port_25_is_warned_with_587_as_fix() {
    // BC39
    let (report, normalized) = validate(&with_connection(25, Security::StartTls));
    let finding = finding_with(&report, Field::Port, &FindingCode::Port25);
    assert_eq!(finding.severity, Severity::Warning);
    assert_eq!(
        finding.fix,
        Some(Fix::SetPortAndSecurity {
            port: 587,
            security: Security::StartTls
        })
    );
    assert!(normalized.is_some());
}

#[test]
fn port_security_mismatches_flagged() {
    // BC20 for implicit TLS on 587.
    let cases = [
        (
            465,
            Security::StartTls,
            FindingCode::StartTlsOnImplicitTlsPort { port: 465 },
            465,
            Security::ImplicitTls,
        ),
        (
            587,
            Security::ImplicitTls,
            FindingCode::ImplicitTlsOnStartTlsPort { port: 587 },
            587,
            Security::StartTls,
        ),
        (
            25,
            Security::ImplicitTls,
            FindingCode::ImplicitTlsOnStartTlsPort { port: 25 },
            25,
            Security::StartTls,
        ),
        (
            2525,
            Security::ImplicitTls,
            FindingCode::ImplicitTlsOnStartTlsPort { port: 2525 },
            2525,
            Security::StartTls,
        ),
    ];
    for (port, security, code, fix_port, fix_security) in cases {
        let (report, normalized) = validate(&with_connection(port, security));
        let finding = finding_with(&report, Field::Security, &code);
        assert_eq!(finding.severity, Severity::Warning, "{port} {security:?}");
        assert_eq!(
            finding.fix,
            Some(Fix::SetPortAndSecurity {
                port: fix_port,
                security: fix_security
            })
        );
        assert!(normalized.is_some(), "{port} {security:?}");
    }
}

#[test]
fn matching_port_and_security_are_not_flagged() {
    for (port, security) in [
        (465, Security::ImplicitTls),
        (587, Security::StartTls),
        (2525, Security::StartTls),
        (2465, Security::ImplicitTls),
    ] {
        let (report, _) = validate(&with_connection(port, security));
        let mismatch = report.findings.iter().any(|finding| {
            matches!(
                finding.code,
                FindingCode::StartTlsOnImplicitTlsPort { .. } | FindingCode::ImplicitTlsOnStartTlsPort { .. }
            )
        });
        assert!(!mismatch, "{port} {security:?}: {:#?}", report.findings);
    }
}

#[test]
fn password_without_encryption_is_an_error_unless_loopback() {
    let (report, normalized) = validate(&with_connection(587, Security::None));
    let finding = finding_with(&report, Field::Security, &FindingCode::PasswordWithoutEncryption);
    assert_eq!(finding.severity, Severity::Error);
    assert_eq!(
        finding.fix,
        Some(Fix::SetPortAndSecurity {
            port: 587,
            security: Security::StartTls
        })
    );
    assert_eq!(normalized, None);

    for host in ["localhost", "127.0.0.1", "[::1]"] {
        let input = ServerInput {
            host: host.to_owned(),
            ..with_connection(25, Security::None)
        };
        let (report, normalized) = validate(&input);
        assert_eq!(report.findings, Vec::new(), "{host}");
        assert!(normalized.is_some(), "{host}");
    }
}

#[test]
fn stored_password_counts_for_the_encryption_rule() {
    let input = ServerInput {
        password: None,
        ..with_connection(587, Security::None)
    };
    let (report, _) = validate_server(&input, true);
    assert!(report.contains(Field::Security, &FindingCode::PasswordWithoutEncryption));
}

#[test]
fn no_encryption_without_password_is_a_warning() {
    let input = ServerInput {
        login: String::new(),
        password: None,
        ..with_connection(587, Security::None)
    };
    let (report, normalized) = validate(&input);
    assert_eq!(
        finding_with(&report, Field::Security, &FindingCode::NoEncryption).severity,
        Severity::Warning
    );
    assert!(normalized.is_some());
}

#[test]
fn no_encryption_on_465_is_flagged() {
    let input = ServerInput {
        login: String::new(),
        password: None,
        ..with_connection(465, Security::None)
    };
    let (report, _) = validate(&input);
    let finding = finding_with(
        &report,
        Field::Security,
        &FindingCode::NoTlsOnImplicitTlsPort { port: 465 },
    );
    assert_eq!(
        finding.fix,
        Some(Fix::SetPortAndSecurity {
            port: 465,
            security: Security::ImplicitTls
        })
    );
}

#[test]
fn implicit_tls_on_465_gets_the_ebay_hint() {
    let (report, _) = validate(&with_connection(465, Security::ImplicitTls));
    let finding = finding_with(&report, Field::Security, &FindingCode::EbayPrefersStartTls);
    assert_eq!(finding.severity, Severity::Hint);
    assert_eq!(
        finding.fix,
        Some(Fix::SetPortAndSecurity {
            port: 587,
            security: Security::StartTls
        })
    );
}

#[test]
fn ebay_hint_needs_provider_port_587() {
    // domainFactory documents only port 465.
    let input = ServerInput {
        provider: "domainfactory".to_owned(),
        host: "sslout.df.eu".to_owned(),
        ..with_connection(465, Security::ImplicitTls)
    };
    let (report, _) = validate(&input);
    assert!(
        !report.contains(Field::Security, &FindingCode::EbayPrefersStartTls),
        "{:#?}",
        report.findings
    );
}

// ---- Login and password ------------------------------------------------------------------

#[test]
fn login_may_be_any_text() {
    // BC31: the login is often not an address.
    for login in ["smtp-user-4711", "apikey", "m0123456", "Max Mustermann"] {
        let input = ServerInput {
            sender: "Shop <info@shop.example>".to_owned(),
            login: login.to_owned(),
            ..valid_input()
        };
        let (report, normalized) = validate(&input);
        assert_eq!(findings_for(&report, Field::Login), [], "{login}");
        assert_eq!(normalized.map(|server| server.login), Some(login.to_owned()));
    }
}

#[test]
fn overlong_login_is_rejected() {
    let input = ServerInput {
        login: "a".repeat(256),
        ..valid_input()
    };
    let (report, _) = validate(&input);
    assert_eq!(
        findings_for(&report, Field::Login),
        [(Severity::Error, FindingCode::TooLong { max: 255 })]
    );
}

#[test]
fn login_and_password_come_together() {
    let login_only = ServerInput {
        password: None,
        ..valid_input()
    };
    let (report, _) = validate(&login_only);
    assert_eq!(
        findings_for(&report, Field::Password),
        [(Severity::Error, FindingCode::Required)]
    );

    let password_only = ServerInput {
        login: String::new(),
        ..valid_input()
    };
    let (report, _) = validate(&password_only);
    assert_eq!(
        findings_for(&report, Field::Login),
        [(Severity::Error, FindingCode::Required)]
    );

    let empty_password = ServerInput {
        password: Some(Password::new(String::new())),
        ..valid_input()
    };
    let (report, _) = validate(&empty_password);
    assert_eq!(
        findings_for(&report, Field::Password),
        [(Severity::Error, FindingCode::Required)]
    );
}

#[test]
fn stored_password_satisfies_an_update_without_password() {
    let input = ServerInput {
        password: None,
        ..valid_input()
    };
    let (report, normalized) = validate_server(&input, true);
    assert_eq!(report.findings, Vec::new());
    assert!(normalized.is_some());
}

#[test]
fn neither_login_nor_password_is_a_hint() {
    let input = ServerInput {
        login: String::new(),
        password: None,
        ..valid_input()
    };
    let (report, normalized) = validate(&input);
    assert_eq!(
        findings_for(&report, Field::Login),
        [(Severity::Hint, FindingCode::NoAuthentication)]
    );
    assert!(normalized.is_some());
}

#[test]
fn password_is_kept_byte_for_byte() {
    // BC29: no trimming, no escaping, no %-stripping.
    let password = "  Pä§%\"#/\\ w0rd&amp; ";
    let input = ServerInput {
        password: Some(Password::new(password.to_owned())),
        ..valid_input()
    };
    let (report, normalized) = validate(&input);
    assert!(normalized.is_some());
    assert_eq!(input.password.as_ref().map(Password::expose), Some(password));
    assert_eq!(
        findings_for(&report, Field::Password),
        [(Severity::Hint, FindingCode::PasswordSurroundingSpaces)]
    );

    let json = serde_json::to_string(&input).expect("serialises");
    let parsed: ServerInput = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(parsed.password.as_ref().map(Password::expose), Some(password));
}

#[test]
fn password_debug_output_is_redacted() {
    let password = Password::new("geheim".to_owned());
    assert_eq!(format!("{password:?}"), "Password(***)");
    let input = valid_input();
    assert!(!format!("{input:?}").contains("geheim"));
}

#[test]
fn login_of_another_domain_gets_a_hint() {
    // BC32
    let input = ServerInput {
        sender: "info@shop.example".to_owned(),
        login: "max@example.com".to_owned(),
        ..valid_input()
    };
    let (report, normalized) = validate(&input);
    let code = FindingCode::LoginDomainDiffers {
        login_domain: "example.com".into(),
        sender_domain: "shop.example".into(),
    };
    assert_eq!(findings_for(&report, Field::Login), [(Severity::Hint, code)]);
    assert!(normalized.is_some());
}

#[test]
fn related_login_domain_not_hinted() {
    let cases = [
        (
            "info@shop.example",
            "postmaster@mg.shop.example",
            "smtp.mailgun.org",
        ),
        ("info@mail.shop.example", "max@shop.example", "smtp.shop.example"),
        ("info@shop.example", "max@icloud.com", "smtp.mail.me.com"),
        ("info@shop.example", "smtp-user", "smtp.shop.example"),
    ];
    for (sender, login, host) in cases {
        let input = ServerInput {
            sender: sender.to_owned(),
            login: login.to_owned(),
            host: host.to_owned(),
            ..valid_input()
        };
        let (report, _) = validate(&input);
        let hinted = report
            .findings
            .iter()
            .any(|finding| matches!(finding.code, FindingCode::LoginDomainDiffers { .. }));
        assert!(!hinted, "{sender} / {login}: {:#?}", report.findings);
    }
}

// ---- BCC ---------------------------------------------------------------------------------

#[test]
fn bcc_accepts_blank_one_or_several_addresses() {
    // BC15: split on `,` and `;`, trim, check each; never one raw string.
    let cases: [(&str, &[&str]); 5] = [
        ("", &[]),
        ("  ", &[]),
        ("Archiv <archiv@shop.example>", &["archiv@shop.example"]),
        (
            "archiv@shop.example; buchhaltung@shop.example",
            &["archiv@shop.example", "buchhaltung@shop.example"],
        ),
        (
            "archiv@shop.example, buchhaltung@shop.example",
            &["archiv@shop.example", "buchhaltung@shop.example"],
        ),
    ];
    for (bcc, expected) in cases {
        let input = ServerInput {
            bcc: bcc.to_owned(),
            ..valid_input()
        };
        let (report, normalized) = validate(&input);
        assert_eq!(findings_for(&report, Field::Bcc), [], "{bcc:?}");
        let addresses: Vec<String> = normalized
            .expect("accepted")
            .bcc
            .iter()
            .map(EmailAddress::to_ascii)
            .collect();
        assert_eq!(addresses, expected, "{bcc:?}");
    }
}

#[test]
fn every_invalid_bcc_entry_is_reported() {
    // BC09: `localhost` as a BCC domain is nearly always a typo.
    let input = ServerInput {
        bcc: "archiv@localhost; ok@shop.example, kaputt".to_owned(),
        ..valid_input()
    };
    let (report, normalized) = validate(&input);
    assert_eq!(
        findings_for(&report, Field::Bcc),
        [
            (
                Severity::Error,
                invalid_address(
                    "archiv@localhost",
                    AddressProblem::DomainWithoutDot {
                        domain: "localhost".into(),
                        suggestion: None,
                    }
                )
            ),
            (
                Severity::Error,
                invalid_address("kaputt", AddressProblem::MissingAt)
            ),
        ]
    );
    assert_eq!(normalized, None);
}

#[test]
fn too_many_bcc_addresses_are_rejected() {
    let bcc: Vec<String> = (0..11)
        .map(|number| format!("archiv{number}@shop.example"))
        .collect();
    let input = ServerInput {
        bcc: bcc.join(", "),
        ..valid_input()
    };
    let (report, _) = validate(&input);
    assert_eq!(
        findings_for(&report, Field::Bcc),
        [(Severity::Error, FindingCode::TooManyAddresses { max: 10 })]
    );
}

// ---- Display name ------------------------------------------------------------------------

#[test]
fn display_name_is_optional_trimmed_and_limited() {
    let (_, normalized) = validate(&ServerInput {
        display_name: "  ".to_owned(),
        ..valid_input()
    });
    assert_eq!(normalized.map(|server| server.display_name), Some(String::new()));

    let (report, _) = validate(&ServerInput {
        display_name: "x".repeat(101),
        ..valid_input()
    });
    assert_eq!(
        findings_for(&report, Field::DisplayName),
        [(Severity::Error, FindingCode::TooLong { max: 100 })]
    );
}

// ---- Provider ----------------------------------------------------------------------------

#[test]
fn unknown_provider_is_rejected() {
    let (report, normalized) = validate(&ServerInput {
        provider: "hotmial".to_owned(),
        ..valid_input()
    });
    assert_eq!(
        findings_for(&report, Field::Provider),
        [(
            Severity::Error,
            FindingCode::UnknownProvider {
                provider: "hotmial".into()
            }
        )]
    );
    assert_eq!(normalized, None);
}

#[test]
fn provider_presets_add_their_hints() {
    let provider = |id: &str| id.to_owned();
    let cases = [
        (
            "gmail",
            "smtp.gmail.com",
            vec![
                (
                    Field::Password,
                    Severity::Hint,
                    FindingCode::AppPasswordRequired {
                        provider: provider("gmail"),
                    },
                ),
                (
                    Field::Provider,
                    Severity::Hint,
                    FindingCode::SendingLimit {
                        provider: provider("gmail"),
                    },
                ),
                (
                    Field::Provider,
                    Severity::Hint,
                    FindingCode::ProviderNote {
                        provider: provider("gmail"),
                    },
                ),
            ],
        ),
        (
            "webde",
            "smtp.web.de",
            vec![
                (
                    Field::Password,
                    Severity::Hint,
                    FindingCode::AppPasswordWithTwoFactor {
                        provider: provider("webde"),
                    },
                ),
                (
                    Field::Provider,
                    Severity::Hint,
                    FindingCode::MailAccessSwitch {
                        provider: provider("webde"),
                    },
                ),
                (
                    Field::Provider,
                    Severity::Hint,
                    FindingCode::ProviderNote {
                        provider: provider("webde"),
                    },
                ),
            ],
        ),
        (
            "office365",
            "smtp.office365.com",
            vec![
                (
                    Field::Login,
                    Severity::Hint,
                    FindingCode::SmtpAuthByAdministrator {
                        provider: provider("office365"),
                    },
                ),
                (
                    Field::Provider,
                    Severity::Hint,
                    FindingCode::SendingLimit {
                        provider: provider("office365"),
                    },
                ),
                (
                    Field::Provider,
                    Severity::Hint,
                    FindingCode::ProviderNote {
                        provider: provider("office365"),
                    },
                ),
            ],
        ),
        (
            "outlook_com",
            "smtp-mail.outlook.com",
            vec![
                (
                    Field::Password,
                    Severity::Warning,
                    FindingCode::OAuthOnly {
                        provider: provider("outlook_com"),
                    },
                ),
                (
                    Field::Provider,
                    Severity::Hint,
                    FindingCode::ProviderNote {
                        provider: provider("outlook_com"),
                    },
                ),
            ],
        ),
        (
            "allinkl",
            "w0123456.kasserver.com",
            vec![
                (
                    Field::Host,
                    Severity::Hint,
                    FindingCode::AccountSpecificHost {
                        provider: provider("allinkl"),
                    },
                ),
                (
                    Field::Provider,
                    Severity::Hint,
                    FindingCode::ProviderNote {
                        provider: provider("allinkl"),
                    },
                ),
            ],
        ),
    ];
    for (id, host, expected) in cases {
        let input = with_provider(id, host, "info@shop.example");
        let (report, _) = validate(&input);
        let preset_findings: Vec<(Field, Severity, FindingCode)> = report
            .findings
            .iter()
            .filter(|finding| finding.field != Field::Security && finding.field != Field::Sender)
            .map(|finding| (finding.field, finding.severity, finding.code.clone()))
            .collect();
        assert_eq!(preset_findings, expected, "{id}");
    }
}

#[test]
fn known_host_brings_preset_hints() {
    let (report, _) = validate(&with_provider("", "smtp.gmail.com", "max@gmail.com"));
    assert!(report.contains(
        Field::Password,
        &FindingCode::AppPasswordRequired {
            provider: "gmail".into()
        }
    ));
}

#[test]
fn host_outside_the_chosen_provider_gets_a_hint() {
    let (report, _) = validate(&with_provider("gmx_de", "smtp.strato.de", "info@shop.example"));
    let finding = finding_with(
        &report,
        Field::Host,
        &FindingCode::HostNotOfProvider {
            provider: "gmx_de".into(),
        },
    );
    assert_eq!(finding.severity, Severity::Hint);
    assert_eq!(
        finding.fix,
        Some(Fix::UsePreset {
            preset_id: "gmx_de".into()
        })
    );
}

#[test]
fn placeholder_host_of_a_preset_must_be_replaced() {
    let (report, normalized) = validate(&with_provider("allinkl", "wXXXXXXX.kasserver.com", "m0123456"));
    assert!(report.contains(
        Field::Host,
        &FindingCode::HostPlaceholder {
            host: "wxxxxxxx.kasserver.com".into()
        }
    ));
    assert_eq!(normalized, None);
}

// ---- Test recipients ---------------------------------------------------------------------

#[test]
fn amazon_relay_recipient_gets_the_marketplace_hints() {
    // BC37
    let sender = crate::address::parse_email_address("info@shop.example").expect("valid");
    let (report, recipients) = validate_test_recipients("a1b2c3d4e5@marketplace.amazon.de", Some(&sender));
    assert_eq!(
        findings_for(&report, Field::TestRecipient),
        [
            (
                Severity::Hint,
                FindingCode::AmazonApprovedSender {
                    sender: "info@shop.example".into()
                }
            ),
            (Severity::Hint, FindingCode::AmazonImportantSubject),
        ]
    );
    assert_eq!(recipients.len(), 1);
}

#[test]
fn ordinary_test_recipients_get_no_hints() {
    let (report, recipients) = validate_test_recipients("kunde@example.net; Max <max@example.org>", None);
    assert_eq!(report.findings, Vec::new());
    let recipients: Vec<String> = recipients.iter().map(EmailAddress::to_ascii).collect();
    assert_eq!(recipients, ["kunde@example.net", "max@example.org"]);
}

#[test]
fn invalid_test_recipients_are_reported() {
    let (report, recipients) = validate_test_recipients("kunde@example", None);
    assert_eq!(
        findings_for(&report, Field::TestRecipient),
        [(
            Severity::Error,
            invalid_address(
                "kunde@example",
                AddressProblem::DomainWithoutDot {
                    domain: "example".into(),
                    suggestion: None
                }
            )
        )]
    );
    assert_eq!(recipients, Vec::new());
}

#[test]
fn blank_test_recipient_means_the_account_address() {
    let (report, recipients) = validate_test_recipients("   ", None);
    assert_eq!(report.findings, Vec::new());
    assert_eq!(recipients, Vec::new());
}

// ---- Serialised form ---------------------------------------------------------------------

#[test]
fn findings_serialise_with_code_and_params() {
    let (report, _) = validate(&with_sender("max@examplecom"));
    let json = serde_json::to_value(&report.findings[0]).expect("serialises");
    assert_eq!(
        json,
        serde_json::json!({
            "field": "sender",
            "severity": "error",
            "code": "invalid_address",
            "params": {
                "input": "max@examplecom",
                "problem": "domain_without_dot",
                "domain": "examplecom",
                "suggestion": "example.com"
            }
        })
    );
    let parsed: Finding = serde_json::from_value(json).expect("deserialises");
    assert_eq!(parsed, report.findings[0]);
}

#[test]
fn findings_with_a_fix_serialise_it() {
    let (report, _) = validate(&with_connection(587, Security::ImplicitTls));
    let finding = finding_with(
        &report,
        Field::Security,
        &FindingCode::ImplicitTlsOnStartTlsPort { port: 587 },
    );
    let json = serde_json::to_value(&finding).expect("serialises");
    assert_eq!(
        json,
        serde_json::json!({
            "field": "security",
            "severity": "warning",
            "code": "implicit_tls_on_starttls_port",
            "params": { "port": 587 },
            "fix": { "kind": "set_port_and_security", "port": 587, "security": "starttls" }
        })
    );
}
