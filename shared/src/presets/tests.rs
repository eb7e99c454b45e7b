use super::*;

/// The data the table is generated from; the test below fails when `data.rs` is stale.
const PROVIDERS_JSON: &str = include_str!("../../presets/providers.json");

fn security_of(value: &serde_json::Value) -> Security {
    let name = value.as_str().expect("security is a string");
    Security::parse(name).unwrap_or_else(|| panic!("unknown security {name}"))
}

#[test]
fn presets_match_providers_json() {
    let providers: Vec<serde_json::Value> = serde_json::from_str(PROVIDERS_JSON).expect("valid JSON");
    assert_eq!(PRESETS.len(), providers.len(), "run scripts/generate_presets.py");

    for (preset, provider) in PRESETS.iter().zip(&providers) {
        let id = provider["id"].as_str().expect("id");
        assert_eq!(preset.id, id);
        assert_eq!(preset.name, provider["name"].as_str().expect("name"), "{id}");
        assert_eq!(preset.host, provider["host"].as_str().expect("host"), "{id}");
        assert_eq!(
            u64::from(preset.port),
            provider["port"].as_u64().expect("port"),
            "{id}"
        );
        assert_eq!(preset.security, security_of(&provider["security"]), "{id}");
        let domains: Vec<&str> = provider["domains"]
            .as_array()
            .expect("domains")
            .iter()
            .filter_map(|d| d.as_str())
            .collect();
        assert_eq!(preset.domains, domains.as_slice(), "{id}");

        let alternatives = provider["alt"].as_array().expect("alt");
        for (endpoint, alternative) in preset.alternatives.iter().zip(alternatives) {
            let host = alternative["host"].as_str().unwrap_or(preset.host);
            assert_eq!(endpoint.host, host, "{id}");
            assert_eq!(
                u64::from(endpoint.port),
                alternative["port"].as_u64().expect("port"),
                "{id}"
            );
            assert_eq!(endpoint.security, security_of(&alternative["security"]), "{id}");
        }
    }
}

#[test]
fn rows_that_other_tables_get_wrong_are_correct() {
    // One.com's port 465 is TLS from the first byte; iCloud's port 587 is STARTTLS.
    let one_com = preset_by_id("one_com").expect("One.com preset");
    assert_eq!(
        (one_com.host, one_com.port, one_com.security),
        ("send.one.com", 465, Security::ImplicitTls)
    );
    let icloud = preset_by_id("icloud").expect("iCloud preset");
    assert_eq!(
        (icloud.host, icloud.port, icloud.security),
        ("smtp.mail.me.com", 587, Security::StartTls)
    );
}

#[test]
fn recommended_port_matches_the_security_mode() {
    for preset in PRESETS {
        let expected = match preset.security {
            Security::ImplicitTls => 465,
            Security::StartTls => 587,
            Security::None => 25,
        };
        assert_eq!(preset.port, expected, "{}", preset.id);
    }
}

#[test]
fn domain_lookup_finds_the_provider() {
    let cases = [
        ("max@gmx.de", Some("gmx_de")),
        ("MAX@GMX.AT", Some("gmx_de")),
        ("gmx.com", Some("gmx_com")),
        ("info@web.de", Some("webde")),
        ("kunde@t-online.de", Some("tonline")),
        ("someone@hotmail.de", Some("outlook_com")),
        ("max@yahoo.com.", Some("yahoo")),
        ("max@shop.example", None),
        ("", None),
    ];
    for (input, expected) in cases {
        assert_eq!(
            preset_for_domain(input).map(|preset| preset.id),
            expected,
            "{input:?}"
        );
    }
}

#[test]
fn host_lookup_prefers_the_recommended_host() {
    assert_eq!(
        preset_for_host("smtp.office365.com").map(|preset| preset.id),
        Some("office365")
    );
    assert_eq!(
        preset_for_host("smtp-mail.outlook.com").map(|preset| preset.id),
        Some("outlook_com")
    );
    assert_eq!(
        preset_for_host("smtp.1und1.de").map(|preset| preset.id),
        Some("ionos_de")
    );
    assert_eq!(
        preset_for_host("email-smtp.eu-west-1.amazonaws.com").map(|preset| preset.id),
        Some("amazon_ses")
    );
    assert_eq!(preset_for_host("smtp.shop.example"), None);
}

#[test]
fn provider_serves_its_own_hosts_only() {
    let gmx = preset_by_id("gmx_com").expect("GMX preset");
    assert!(gmx.serves_host("mail.gmx.com"));
    assert!(
        gmx.serves_host("mail.gmx.net"),
        "GMX's German server belongs to the same provider"
    );
    assert!(!gmx.serves_host("smtp.strato.de"));
    let gmail = preset_by_id("gmail").expect("Gmail preset");
    assert!(gmail.serves_host("smtp-relay.gmail.com"));
    assert!(!gmail.serves_host("notgmail.com"));
}

#[test]
fn app_password_providers_are_marked() {
    for id in ["gmail", "yahoo", "icloud", "aol", "fastmail", "tonline"] {
        assert_eq!(
            preset_by_id(id).map(|preset| preset.app_password),
            Some(AppPassword::Required),
            "{id}"
        );
    }
    for id in ["webde", "gmx_de", "gmx_com", "mailbox_org", "zoho", "zoho_eu"] {
        assert_eq!(
            preset_by_id(id).map(|preset| preset.app_password),
            Some(AppPassword::WithTwoFactor),
            "{id}"
        );
    }
}

#[test]
fn special_login_rules_are_marked() {
    assert!(preset_by_id("office365").is_some_and(|preset| preset.smtp_auth_by_admin));
    assert!(preset_by_id("outlook_com").is_some_and(|preset| preset.oauth_only));
    assert!(preset_by_id("allinkl")
        .is_some_and(|preset| preset.account_specific_host && preset.has_placeholder_host()));
    assert_eq!(
        preset_by_id("webde").map(|preset| preset.login),
        Some(LoginForm::LocalPart)
    );
}

#[test]
fn every_preset_has_notes_in_both_languages() {
    for preset in PRESETS {
        for text in std::iter::once(preset.note).chain(preset.sending_limit) {
            assert!(
                text.de.ends_with('.') && text.en.ends_with('.'),
                "{}: {text:?}",
                preset.id
            );
            assert_ne!(text.de, text.en, "{}", preset.id);
        }
    }
}

#[test]
fn ids_are_unique_and_not_empty() {
    for (index, preset) in PRESETS.iter().enumerate() {
        assert_ne!(preset.id, NO_SPECIFIC_PROVIDER);
        assert!(
            PRESETS[index + 1..].iter().all(|other| other.id != preset.id),
            "{} twice",
            preset.id
        );
    }
}

#[test]
fn hints_render_in_both_languages() {
    let gmail = preset_by_id("gmail").expect("Gmail preset");
    let hints = gmail.hints();
    let codes: Vec<&FindingCode> = hints.iter().map(|finding| &finding.code).collect();
    assert_eq!(
        codes,
        [
            &FindingCode::AppPasswordRequired {
                provider: "gmail".into()
            },
            &FindingCode::SendingLimit {
                provider: "gmail".into()
            },
            &FindingCode::ProviderNote {
                provider: "gmail".into()
            },
        ]
    );
    assert_eq!(
        hints[1].message(Language::De),
        "Anbieter: Gmail begrenzt den Versand: 500 Mails pro Tag bei privatem Gmail oder einem Workspace-Testkonto, \
         2.000 bei bezahltem Workspace, höchstens 100 Empfänger je Mail, gerechnet über 24 Stunden."
    );
    assert_eq!(
        hints[1].message(Language::En),
        "Provider: Gmail limits sending: 500 mails a day for personal Gmail or a Workspace trial, 2,000 for paid \
         Workspace, at most 100 recipients per mail, over a rolling 24 hours."
    );
}

#[test]
fn every_preset_hint_has_a_text() {
    for preset in PRESETS {
        for hint in preset.hints() {
            for language in [Language::De, Language::En] {
                let message = hint.message(language);
                assert!(message.contains(preset.short_name), "{}: {message}", preset.id);
            }
        }
    }
}
