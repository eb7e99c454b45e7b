//! The address part alone (`local-part@domain`, RFC 5322 `addr-spec`).

use std::net::Ipv4Addr;

use email_address::Options;

use super::idn::{self, Domain, DomainError};
use super::{AddressProblem, EmailAddress, MAX_DOMAIN_LENGTH, MAX_LOCAL_PART_LENGTH};
use crate::text;

/// The strict configuration of the final check: no domain literals, at least two domain
/// labels, no display text (names are handled before the address reaches the crate).
const STRICT: Options = Options {
    minimum_sub_domains: 2,
    allow_domain_literal: false,
    allow_display_text: false,
    allow_long_local_parts: false,
};

/// Top-level domains that sellers most often glue to the domain when they forget the dot,
/// longest first so that `shopinfo` becomes `shop.info` rather than `shopin.fo`.
const USUAL_TOP_LEVEL_DOMAINS: &[&str] = &["info", "com", "net", "org", "de", "at", "ch", "eu"];

/// Parses a bare address such as `max@bücher.example`. Spaces at either end are trimmed.
///
/// # Errors
///
/// Returns the first [`AddressProblem`] found, checked in this order: control characters,
/// emptiness, characters and spaces, the `@`, the part before it, the domain, and finally the
/// strict check of the `email_address` crate.
pub fn parse_email_address(text: &str) -> Result<EmailAddress, AddressProblem> {
    if let Some(character) = text::first_control(text) {
        return Err(AddressProblem::ControlCharacter {
            code_point: text::code_point(character),
        });
    }
    parse_checked_address(text)
}

/// Parses an address that is known to hold no control characters.
pub(super) fn parse_checked_address(text: &str) -> Result<EmailAddress, AddressProblem> {
    let address = text.trim();
    if address.is_empty() {
        return Err(AddressProblem::Empty);
    }

    let (local_part, domain) = split_address(address)?;
    check_local_part(local_part)?;
    let domain = check_domain(domain)?;
    confirm_strictly(local_part, &domain)?;

    Ok(EmailAddress {
        local_part: local_part.to_owned(),
        domain_unicode: domain.unicode,
        domain_ascii: domain.ascii,
    })
}

/// What one pass over an address finds outside double quotes.
struct Outline {
    at_sign_count: usize,
    /// Byte position of the last `@` outside quotes.
    last_at_sign: Option<usize>,
    has_separator: bool,
    has_space: bool,
    has_angle_bracket: bool,
}

/// Scans an address once; a backslash inside quotes escapes the next character (RFC 5322
/// `quoted-pair`).
fn outline(address: &str) -> Result<Outline, AddressProblem> {
    let mut outline = Outline {
        at_sign_count: 0,
        last_at_sign: None,
        has_separator: false,
        has_space: false,
        has_angle_bracket: false,
    };
    let mut in_quotes = false;
    let mut escaped = false;
    for (index, character) in address.char_indices() {
        match character {
            _ if escaped => escaped = false,
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            _ if in_quotes => {}
            '@' => {
                outline.at_sign_count += 1;
                outline.last_at_sign = Some(index);
            }
            ',' | ';' => outline.has_separator = true,
            '<' | '>' => outline.has_angle_bracket = true,
            _ if character.is_whitespace() => outline.has_space = true,
            _ => {}
        }
    }
    if in_quotes {
        return Err(AddressProblem::UnbalancedQuotes);
    }
    Ok(outline)
}

/// Rejects invisible characters, spaces and angle brackets outside quotes, and splits at the
/// one `@` outside quotes (a quoted local part may contain `@` itself). Several addresses are
/// reported as such rather than as a space or a second `@`.
fn split_address(address: &str) -> Result<(&str, &str), AddressProblem> {
    if let Some(character) = text::first_invisible(address) {
        return Err(AddressProblem::InvisibleCharacter {
            code_point: text::code_point(character),
        });
    }

    let outline = outline(address)?;
    if outline.at_sign_count > 1 && (outline.has_separator || outline.has_space) {
        return Err(AddressProblem::MultipleAddresses);
    }
    if outline.has_space && outline.at_sign_count == 1 {
        return Err(AddressProblem::SpaceInAddress);
    }
    if outline.has_angle_bracket && outline.at_sign_count == 1 {
        return Err(AddressProblem::UnexpectedAngleBracket);
    }
    match (outline.at_sign_count, outline.last_at_sign) {
        (1, Some(position)) => Ok((&address[..position], &address[position + 1..])),
        (0, _) | (_, None) => Err(AddressProblem::MissingAt),
        _ => Err(AddressProblem::MultipleAt),
    }
}

fn check_local_part(local_part: &str) -> Result<(), AddressProblem> {
    if local_part.is_empty() {
        return Err(AddressProblem::EmptyLocalPart);
    }
    if local_part.len() > MAX_LOCAL_PART_LENGTH {
        return Err(AddressProblem::LocalPartTooLong {
            max: MAX_LOCAL_PART_LENGTH,
        });
    }

    // A quoted local part (`"max mustermann"@…`) may contain dots and specials freely; the
    // strict check at the end validates its content.
    let is_quoted = local_part.len() >= 2 && local_part.starts_with('"') && local_part.ends_with('"');
    if is_quoted {
        return Ok(());
    }
    if local_part.starts_with('.') || local_part.ends_with('.') || local_part.contains("..") {
        return Err(AddressProblem::LocalPartDot);
    }
    match local_part
        .chars()
        .find(|&character| !is_atom_character(character))
    {
        Some(character) => Err(AddressProblem::InvalidLocalPartCharacter {
            character: character.to_string(),
        }),
        None => Ok(()),
    }
}

/// Returns whether a character may appear unquoted in a local part: RFC 5322 `atext` and the
/// dot, plus non-ASCII characters (RFC 6531).
fn is_atom_character(character: char) -> bool {
    character.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(character) || !character.is_ascii()
}

fn check_domain(domain: &str) -> Result<Domain, AddressProblem> {
    if domain.is_empty() {
        return Err(AddressProblem::EmptyDomain);
    }
    if domain.starts_with('[') {
        return Err(AddressProblem::DomainLiteral);
    }
    if domain.parse::<Ipv4Addr>().is_ok() {
        return Err(AddressProblem::IpAddressAsDomain);
    }

    let converted = idn::convert_domain(domain).map_err(|error| match error {
        DomainError::EmptyLabel => AddressProblem::DomainDot,
        DomainError::InvalidLabel(label) => AddressProblem::InvalidDomainLabel { label },
        DomainError::TooLong => AddressProblem::DomainTooLong {
            max: MAX_DOMAIN_LENGTH,
        },
    })?;

    let labels: Vec<&str> = converted.unicode.split('.').collect();
    if labels.len() < 2 {
        let suggestion = suggest_dotted_domain(&converted.unicode);
        return Err(AddressProblem::DomainWithoutDot {
            domain: converted.unicode,
            suggestion,
        });
    }
    // A top-level domain is never all digits (RFC 3696, section 2).
    if let Some(top_level) = labels
        .last()
        .filter(|label| label.chars().all(|character| character.is_ascii_digit()))
    {
        return Err(AddressProblem::InvalidDomainLabel {
            label: (*top_level).to_owned(),
        });
    }
    Ok(converted)
}

/// Suggests where the dot probably belongs in a domain without one, such as `example.com`
/// for `examplecom`.
fn suggest_dotted_domain(domain: &str) -> Option<String> {
    USUAL_TOP_LEVEL_DOMAINS.iter().find_map(|top_level| {
        let name = domain.strip_suffix(top_level)?.trim_end_matches('-');
        (!name.is_empty()).then(|| format!("{name}.{top_level}"))
    })
}

/// Runs the `email_address` crate over the address with the ASCII domain. Our own checks
/// catch every mistake we know of first; this is the gate for anything they miss.
fn confirm_strictly(local_part: &str, domain: &Domain) -> Result<(), AddressProblem> {
    let mut address = String::with_capacity(local_part.len() + 1 + domain.ascii.len());
    address.push_str(local_part);
    address.push('@');
    address.push_str(&domain.ascii);
    email_address::EmailAddress::parse_with_options(&address, STRICT)
        .map(|_| ())
        .map_err(|_| AddressProblem::NotAnAddress)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(input: &str) -> AddressProblem {
        match parse_email_address(input) {
            Ok(address) => panic!("{input:?} was accepted as {address:?}"),
            Err(problem) => problem,
        }
    }

    #[test]
    fn plain_address_is_split_into_parts() {
        let address = parse_email_address("max@example.com").expect("valid");
        assert_eq!(address.local_part, "max");
        assert_eq!(address.domain_unicode, "example.com");
        assert_eq!(address.domain_ascii, "example.com");
    }

    #[test]
    fn spaces_at_the_ends_are_trimmed() {
        let address = parse_email_address("  max@example.com \u{A0}").expect("valid");
        assert_eq!(address.to_ascii(), "max@example.com");
    }

    #[test]
    fn accepted_forms_of_addresses() {
        let cases = [
            (
                "max.mustermann+shop@example.com",
                "max.mustermann+shop@example.com",
            ),
            ("Max@Example.COM", "Max@example.com"),
            ("info@sub.shop-1.example.co.uk", "info@sub.shop-1.example.co.uk"),
            ("\"max mustermann\"@example.com", "\"max mustermann\"@example.com"),
            ("\"max@home\"@example.com", "\"max@home\"@example.com"),
            ("o'reilly@example.com", "o'reilly@example.com"),
            ("max@bücher.example", "max@xn--bcher-kva.example"),
            ("müller@example.com", "müller@example.com"),
        ];
        for (input, ascii) in cases {
            match parse_email_address(input) {
                Ok(address) => assert_eq!(address.to_ascii(), ascii, "{input}"),
                Err(problem) => panic!("{input:?} was rejected: {problem:?}"),
            }
        }
    }

    #[test]
    fn idn_domain_keeps_local_part_case() {
        // BC13: the domain is lowercased by the mapping, the local part keeps its case.
        let address = parse_email_address("MAX@BÜCHER.example").expect("valid");
        assert_eq!(address.local_part, "MAX");
        assert_eq!(address.domain_unicode, "bücher.example");
        assert_eq!(address.domain_ascii, "xn--bcher-kva.example");
    }

    #[test]
    fn non_ascii_local_part_needs_smtputf8() {
        assert!(parse_email_address("müller@example.com")
            .expect("valid")
            .needs_smtputf8());
        assert!(!parse_email_address("mueller@example.com")
            .expect("valid")
            .needs_smtputf8());
    }

    #[test]
    fn rejected_addresses_name_the_precise_problem() {
        let cases: Vec<(&str, AddressProblem)> = vec![
            ("", AddressProblem::Empty),
            ("   ", AddressProblem::Empty),
            (
                "max\r\n@example.com",
                AddressProblem::ControlCharacter {
                    code_point: "U+000D".into(),
                },
            ),
            (
                "max@example.com\n",
                AddressProblem::ControlCharacter {
                    code_point: "U+000A".into(),
                },
            ),
            (
                "max\u{200B}@example.com",
                AddressProblem::InvisibleCharacter {
                    code_point: "U+200B".into(),
                },
            ),
            ("max @example.com", AddressProblem::SpaceInAddress),
            ("max@exam ple.com", AddressProblem::SpaceInAddress),
            ("a@example.com, b@example.com", AddressProblem::MultipleAddresses),
            ("a@example.com b@example.com", AddressProblem::MultipleAddresses),
            ("<max@example.com>", AddressProblem::UnexpectedAngleBracket),
            ("\"max@example.com", AddressProblem::UnbalancedQuotes),
            ("max.example.com", AddressProblem::MissingAt),
            ("max@shop@example.com", AddressProblem::MultipleAt),
            ("@example.com", AddressProblem::EmptyLocalPart),
            ("max@", AddressProblem::EmptyDomain),
            ("max@[192.0.2.1]", AddressProblem::DomainLiteral),
            ("max@192.0.2.1", AddressProblem::IpAddressAsDomain),
            ("max@.example.com", AddressProblem::DomainDot),
            ("max@example..com", AddressProblem::DomainDot),
            ("max@example.com.", AddressProblem::DomainDot),
            (
                "max@exa_mple.com",
                AddressProblem::InvalidDomainLabel {
                    label: "exa_mple".into(),
                },
            ),
            (
                "max@-example.com",
                AddressProblem::InvalidDomainLabel {
                    label: "-example".into(),
                },
            ),
            (
                "max@example.123",
                AddressProblem::InvalidDomainLabel { label: "123".into() },
            ),
            (
                "ma(x)@example.com",
                AddressProblem::InvalidLocalPartCharacter {
                    character: "(".into(),
                },
            ),
            (
                "ma,x@example.com",
                AddressProblem::InvalidLocalPartCharacter {
                    character: ",".into(),
                },
            ),
            (
                "ma\"x\"@example.com",
                AddressProblem::InvalidLocalPartCharacter {
                    character: "\"".into(),
                },
            ),
            (
                "\"ma\\\u{7F}x\"@example.com",
                AddressProblem::ControlCharacter {
                    code_point: "U+007F".into(),
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(problem(input), expected, "{input:?}");
        }
    }

    #[test]
    fn misplaced_local_part_dots_rejected() {
        // BC12: one provider accepted such a sender and never delivered the mail.
        for input in [
            "max.@example.com",
            "max..shop@example.com",
            ".max@example.com",
            "max+shop.@example.com",
        ] {
            assert_eq!(problem(input), AddressProblem::LocalPartDot, "{input:?}");
        }
    }

    #[test]
    fn dotless_domain_suggests_the_dot() {
        // BC09: valid by RFC, but nearly always a typo for a shop's sender or BCC.
        let cases = [
            ("max@examplecom", "examplecom", Some("example.com")),
            ("max@shop-de", "shop-de", Some("shop.de")),
            ("archiv@localhost", "localhost", None),
            ("max@com", "com", None),
        ];
        for (input, domain, suggestion) in cases {
            let expected = AddressProblem::DomainWithoutDot {
                domain: domain.to_owned(),
                suggestion: suggestion.map(str::to_owned),
            };
            assert_eq!(problem(input), expected, "{input:?}");
        }
    }

    #[test]
    fn overlong_parts_are_rejected() {
        let local_part = "a".repeat(65);
        assert_eq!(
            problem(&format!("{local_part}@example.com")),
            AddressProblem::LocalPartTooLong { max: 64 }
        );
        let domain = ["a".repeat(60).as_str(); 5].join(".");
        assert_eq!(
            problem(&format!("max@{domain}")),
            AddressProblem::DomainTooLong { max: 253 }
        );
    }
}
