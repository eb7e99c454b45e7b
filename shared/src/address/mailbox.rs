//! Mailboxes (`Name <address>`) and address lists, on top of the bare address parser.

use super::encoded_word;
use super::{parse_checked_address, AddressProblem, EmailAddress, Mailbox};
use crate::text;

/// Parses a sender as a seller types it: a bare address such as `max@shop.example`, or a
/// name and an address such as `Max Mustermann <max@shop.example>`.
///
/// The name may be quoted (`"Müller, Max" <…>`), unquoted with commas, colons and non-ASCII
/// letters (`Max's Shop: Angebote <…>`), or RFC 2047 encoded. A name equal to the address is
/// dropped. Spaces at either end of the text, the name and the address are trimmed.
///
/// # Errors
///
/// Returns an [`AddressProblem`] for a control character anywhere (header injection), a
/// broken name or bracket structure, several addresses, or an invalid address part.
pub fn parse_mailbox(text: &str) -> Result<Mailbox, AddressProblem> {
    if let Some(character) = text::first_control(text) {
        return Err(AddressProblem::ControlCharacter {
            code_point: text::code_point(character),
        });
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(AddressProblem::Empty);
    }

    let structure = Structure::scan(text)?;
    match structure.opening_bracket {
        None => parse_bare_mailbox(text, &structure),
        Some(opening) => parse_name_and_address(text, opening, &structure),
    }
}

/// A list entry that is not an acceptable address, with the entry as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidListEntry {
    pub entry: String,
    pub problem: AddressProblem,
}

/// Parses a list of addresses separated by `,` or `;`, such as the BCC field or test
/// recipients. Each entry may carry a name (`Archiv <archiv@shop.example>`), which is dropped.
///
/// Empty and blank text gives an empty list; empty entries (`a@x.example;;b@x.example`) are
/// skipped, and repeated addresses are kept once.
///
/// # Errors
///
/// Returns every invalid entry, in input order.
pub fn parse_address_list(text: &str) -> Result<Vec<EmailAddress>, Vec<InvalidListEntry>> {
    let mut addresses: Vec<EmailAddress> = Vec::new();
    let mut invalid = Vec::new();
    for entry in split_list(text)
        .into_iter()
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
    {
        match parse_mailbox(entry) {
            Ok(mailbox) if !addresses.contains(&mailbox.address) => addresses.push(mailbox.address),
            Ok(_) => {}
            Err(problem) => invalid.push(InvalidListEntry {
                entry: entry.to_owned(),
                problem,
            }),
        }
    }
    if invalid.is_empty() {
        Ok(addresses)
    } else {
        Err(invalid)
    }
}

/// Splits at `,` and `;` outside quotes and angle brackets.
fn split_list(text: &str) -> Vec<&str> {
    let mut entries = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    let mut escaped = false;
    let mut in_angle_brackets = false;
    for (index, character) in text.char_indices() {
        match character {
            _ if escaped => escaped = false,
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            '<' if !in_quotes => in_angle_brackets = true,
            '>' if !in_quotes => in_angle_brackets = false,
            ',' | ';' if !in_quotes && !in_angle_brackets => {
                entries.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    entries.push(&text[start..]);
    entries
}

/// Positions of the structural characters of a mailbox outside quoted strings: the first one
/// of each kind and how many there are.
#[derive(Default)]
struct Structure {
    opening_bracket: Option<usize>,
    opening_bracket_count: usize,
    closing_bracket: Option<usize>,
    closing_bracket_count: usize,
    at_sign: Option<usize>,
    at_sign_count: usize,
    has_separator: bool,
    has_space: bool,
}

impl Structure {
    fn scan(text: &str) -> Result<Structure, AddressProblem> {
        let mut structure = Structure::default();
        let mut in_quotes = false;
        let mut escaped = false;
        for (index, character) in text.char_indices() {
            match character {
                _ if escaped => escaped = false,
                '\\' if in_quotes => escaped = true,
                '"' => in_quotes = !in_quotes,
                _ if in_quotes => {}
                '<' => {
                    structure.opening_bracket.get_or_insert(index);
                    structure.opening_bracket_count += 1;
                }
                '>' => {
                    structure.closing_bracket.get_or_insert(index);
                    structure.closing_bracket_count += 1;
                }
                '@' => {
                    structure.at_sign.get_or_insert(index);
                    structure.at_sign_count += 1;
                }
                ',' | ';' => structure.has_separator = true,
                _ if character.is_whitespace() => structure.has_space = true,
                _ => {}
            }
        }
        if in_quotes {
            return Err(AddressProblem::UnbalancedQuotes);
        }
        Ok(structure)
    }

    /// Returns whether there is an `@` before `position`, as in the name of
    /// `a@shop.example, Max <b@shop.example>`.
    fn has_at_sign_before(&self, position: usize) -> bool {
        self.at_sign.is_some_and(|at_sign| at_sign < position)
    }
}

/// Parses a mailbox without angle brackets: a bare address, or a name and an address that
/// lack the brackets, which gets a suggestion with them.
fn parse_bare_mailbox(text: &str, structure: &Structure) -> Result<Mailbox, AddressProblem> {
    if structure.closing_bracket.is_some() {
        return Err(AddressProblem::UnexpectedAngleBracket);
    }
    if structure.at_sign_count > 1 && (structure.has_separator || structure.has_space) {
        return Err(AddressProblem::MultipleAddresses);
    }
    if structure.has_space {
        if let Some(suggestion) = suggest_angle_brackets(text) {
            return Err(AddressProblem::NameWithoutAngleBrackets { suggestion });
        }
    }
    let address = parse_checked_address(text)?;
    Ok(Mailbox {
        display_name: None,
        address,
    })
}

/// Suggests `Name <address>` for `Name address` or `address Name`, when exactly one word is
/// a valid address.
fn suggest_angle_brackets(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut addresses = words.iter().filter(|word| parse_checked_address(word).is_ok());
    let address = addresses.next()?;
    if addresses.next().is_some() {
        return None;
    }
    let name: Vec<&str> = words.iter().copied().filter(|word| word != address).collect();
    Some(format!("{} <{address}>", name.join(" ")))
}

/// Parses `Name <address>`, where `opening` is the position of the `<`.
fn parse_name_and_address(
    text: &str,
    opening: usize,
    structure: &Structure,
) -> Result<Mailbox, AddressProblem> {
    let several_brackets = structure.opening_bracket_count > 1;
    let address_in_name = structure.has_at_sign_before(opening) && structure.has_separator;
    if (several_brackets && structure.at_sign_count > 1) || address_in_name {
        return Err(AddressProblem::MultipleAddresses);
    }
    if several_brackets {
        return Err(AddressProblem::UnexpectedAngleBracket);
    }
    let closing = match (structure.closing_bracket, structure.closing_bracket_count) {
        (None, _) => return Err(AddressProblem::MissingClosingBracket),
        (Some(closing), 1) if closing > opening => closing,
        _ => return Err(AddressProblem::UnexpectedAngleBracket),
    };
    let after = text[closing + 1..].trim();
    if after.contains('@') {
        return Err(AddressProblem::MultipleAddresses);
    }
    if !after.is_empty() {
        return Err(AddressProblem::TextAfterAddress {
            text: after.to_owned(),
        });
    }

    let address = parse_checked_address(&text[opening + 1..closing])?;
    let display_name =
        parse_display_name(text[..opening].trim())?.filter(|name| !names_the_address(name, &address));
    Ok(Mailbox {
        display_name,
        address,
    })
}

/// Returns whether a display name is just the address again, as some mail programs write it.
fn names_the_address(name: &str, address: &EmailAddress) -> bool {
    let Some((local_part, domain)) = name.rsplit_once('@') else {
        return false;
    };
    local_part.eq_ignore_ascii_case(&address.local_part)
        && (domain.eq_ignore_ascii_case(&address.domain_unicode)
            || domain.eq_ignore_ascii_case(&address.domain_ascii))
}

/// Reads an RFC 5322 phrase leniently: quoted strings lose their quotes and escapes, runs of
/// spaces outside quotes become one space, encoded-words are decoded, and everything else,
/// such as `:` or `,`, is kept as typed. Returns `None` for an empty name.
fn parse_display_name(phrase: &str) -> Result<Option<String>, AddressProblem> {
    let mut name = String::with_capacity(phrase.len());
    let mut space_pending = false;
    let mut previous_was_encoded = false;
    let mut characters = phrase.chars().peekable();

    while let Some(&character) = characters.peek() {
        if character == ' ' {
            characters.next();
            space_pending = true;
            continue;
        }
        let (word, encoded) = if character == '"' {
            characters.next();
            (read_quoted_string(&mut characters), false)
        } else {
            let atom = read_unquoted_word(&mut characters);
            match encoded_word::decode(&atom) {
                Some(decoded) => (decoded, true),
                None => (atom, false),
            }
        };
        // Spaces between two encoded-words belong to neither (RFC 2047, section 6.2).
        let joins_encoded_words = encoded && previous_was_encoded;
        if space_pending && !name.is_empty() && !joins_encoded_words {
            name.push(' ');
        }
        name.push_str(&word);
        space_pending = false;
        previous_was_encoded = encoded;
    }

    // Encoded-words can carry control characters (`=0A`), which must not reach a header.
    if let Some(character) = text::first_control(&name) {
        return Err(AddressProblem::ControlCharacter {
            code_point: text::code_point(character),
        });
    }
    let name = name.trim();
    Ok((!name.is_empty()).then(|| name.to_owned()))
}

/// Reads the rest of a quoted string after its opening quote; [`Structure::scan`] has
/// already made sure that it is closed.
fn read_quoted_string(characters: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut content = String::new();
    while let Some(character) = characters.next() {
        match character {
            '"' => break,
            '\\' => content.extend(characters.next()),
            _ => content.push(character),
        }
    }
    content
}

fn read_unquoted_word(characters: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut word = String::new();
    while let Some(&character) = characters.peek() {
        if character == ' ' || character == '"' {
            break;
        }
        word.push(character);
        characters.next();
    }
    word
}

/// Writes a display name for a header: plain ASCII words as they are, other ASCII text as a
/// quoted string, anything else as encoded-words.
pub(super) fn header_phrase(name: &str) -> String {
    if is_plain_phrase(name, |character| character.is_ascii() && is_atext(character)) {
        name.to_owned()
    } else if name
        .chars()
        .all(|character| character.is_ascii() && !character.is_ascii_control())
    {
        quote(name)
    } else {
        encoded_word::encode(name)
    }
}

/// Writes a display name for the form: like [`header_phrase`], but non-ASCII letters stay
/// readable instead of being encoded.
pub(super) fn display_phrase(name: &str) -> String {
    if is_plain_phrase(name, |character| {
        is_atext(character) && !text::is_invisible(character)
    }) {
        name.to_owned()
    } else {
        quote(name)
    }
}

/// Returns whether a name is words of allowed characters separated by single spaces, and
/// cannot be mistaken for an encoded-word.
fn is_plain_phrase(name: &str, allowed: impl Fn(char) -> bool) -> bool {
    !name.contains("=?")
        && name
            .split(' ')
            .all(|word| !word.is_empty() && word.chars().all(&allowed))
}

/// RFC 5322 `atext`, extended to non-ASCII letters and digits as RFC 6532 allows.
fn is_atext(character: char) -> bool {
    character.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(character)
}

fn quote(name: &str) -> String {
    let mut quoted = String::with_capacity(name.len() + 2);
    quoted.push('"');
    for character in name.chars() {
        if character == '"' || character == '\\' {
            quoted.push('\\');
        }
        quoted.push(character);
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailbox(input: &str) -> Mailbox {
        parse_mailbox(input).unwrap_or_else(|problem| panic!("{input:?} was rejected: {problem:?}"))
    }

    fn problem(input: &str) -> AddressProblem {
        match parse_mailbox(input) {
            Ok(mailbox) => panic!("{input:?} was accepted as {mailbox:?}"),
            Err(problem) => problem,
        }
    }

    #[test]
    fn bare_address_has_no_display_name() {
        let parsed = mailbox("max@example.com");
        assert_eq!(parsed.display_name, None);
        assert_eq!(parsed.address.to_ascii(), "max@example.com");
    }

    #[test]
    fn name_and_angle_address_are_split() {
        // BC01: the strict crate alone rejects this form.
        let parsed = mailbox("Max Mustermann <max@example.com>");
        assert_eq!(parsed.display_name.as_deref(), Some("Max Mustermann"));
        assert_eq!(parsed.address.to_ascii(), "max@example.com");
    }

    #[test]
    fn names_with_specials_are_accepted_quoted_or_not() {
        // BC05, and names with commas, non-ASCII letters and encoded-words.
        let cases = [
            ("Max's Shop: Angebote <max@example.com>", "Max's Shop: Angebote"),
            (
                "\"Max \\\"der Händler\\\"\" <max@example.com>",
                "Max \"der Händler\"",
            ),
            ("\"Shop <Outlet>\" <max@example.com>", "Shop <Outlet>"),
            ("Müller, Max <max@example.com>", "Müller, Max"),
            ("\"Müller, Max\" <max@example.com>", "Müller, Max"),
            ("Bücher   &   Co. <max@example.com>", "Bücher & Co."),
            ("\"Max  Muster\" <max@example.com>", "Max  Muster"),
            (
                "Max \"der Händler\" Muster <max@example.com>",
                "Max der Händler Muster",
            ),
            ("=?utf-8?q?M=C3=BCller?= <max@example.com>", "Müller"),
            (
                "=?utf-8?q?M=C3=BC?= =?utf-8?q?ller?= GmbH <max@example.com>",
                "Müller GmbH",
            ),
            ("=?utf-8?q?broken <max@example.com>", "=?utf-8?q?broken"),
            ("Max<max@example.com>", "Max"),
            ("Max < max@example.com >", "Max"),
        ];
        for (input, name) in cases {
            assert_eq!(mailbox(input).display_name.as_deref(), Some(name), "{input:?}");
        }
    }

    #[test]
    fn empty_or_address_like_names_are_dropped() {
        for input in [
            "<max@example.com>",
            "\"\" <max@example.com>",
            "max@example.com <max@example.com>",
            "\"MAX@EXAMPLE.COM\" <max@example.com>",
            "max@bücher.example <max@xn--bcher-kva.example>",
        ] {
            assert_eq!(mailbox(input).display_name, None, "{input:?}");
        }
    }

    #[test]
    fn idn_sender_keeps_both_forms() {
        // BC13
        let parsed = mailbox("Max <max@bücher.example>");
        assert_eq!(parsed.address.to_unicode(), "max@bücher.example");
        assert_eq!(parsed.address.to_ascii(), "max@xn--bcher-kva.example");
    }

    #[test]
    fn header_injection_is_rejected() {
        // BC07
        assert_eq!(
            problem("Max\r\nBcc: fremder@example.net <max@example.com>"),
            AddressProblem::ControlCharacter {
                code_point: "U+000D".into()
            }
        );
        assert_eq!(
            problem("=?utf-8?q?Max=0ABcc:_x@example.net?= <max@example.com>"),
            AddressProblem::ControlCharacter {
                code_point: "U+000A".into()
            }
        );
    }

    #[test]
    fn broken_structures_name_the_precise_problem() {
        let cases = [
            (
                "Max Mustermann max@example.com",
                AddressProblem::NameWithoutAngleBrackets {
                    suggestion: "Max Mustermann <max@example.com>".into(),
                },
            ),
            (
                "max@example.com Max",
                AddressProblem::NameWithoutAngleBrackets {
                    suggestion: "Max <max@example.com>".into(),
                },
            ),
            ("Max <max@example.com", AddressProblem::MissingClosingBracket),
            (
                "Max <max@example.com> Shop",
                AddressProblem::TextAfterAddress { text: "Shop".into() },
            ),
            (
                "Shop <Outlet> <max@example.com>",
                AddressProblem::UnexpectedAngleBracket,
            ),
            ("Max > <max@example.com>", AddressProblem::UnexpectedAngleBracket),
            ("max@example.com>", AddressProblem::UnexpectedAngleBracket),
            ("\"Max <max@example.com>", AddressProblem::UnbalancedQuotes),
            (
                "Max <a@example.com>, Moritz <b@example.com>",
                AddressProblem::MultipleAddresses,
            ),
            ("a@example.com; b@example.com", AddressProblem::MultipleAddresses),
            ("Max <max.example.com>", AddressProblem::MissingAt),
            (
                "Max <max@examplecom>",
                AddressProblem::DomainWithoutDot {
                    domain: "examplecom".into(),
                    suggestion: Some("example.com".into()),
                },
            ),
            (
                "a@example.com, Max <b@example.com>",
                AddressProblem::MultipleAddresses,
            ),
            (
                "Max <a@example.com> b@example.com",
                AddressProblem::MultipleAddresses,
            ),
            ("Max Mustermann", AddressProblem::MissingAt),
            ("Max @example.com", AddressProblem::SpaceInAddress),
            ("Max", AddressProblem::MissingAt),
        ];
        for (input, expected) in cases {
            assert_eq!(problem(input), expected, "{input:?}");
        }
    }

    #[test]
    fn header_value_quotes_or_encodes_names_as_needed() {
        let cases = [
            ("max@example.com", "max@example.com"),
            (
                "Max Mustermann <max@example.com>",
                "Max Mustermann <max@example.com>",
            ),
            (
                "Max's Shop: Angebote <max@example.com>",
                "\"Max's Shop: Angebote\" <max@example.com>",
            ),
            (
                "\"Max \\\"der Händler\\\"\" <max@example.com>",
                "=?utf-8?q?Max_=22der_H=C3=A4ndler=22?= <max@example.com>",
            ),
            (
                "\"Shop <Outlet>\" <max@example.com>",
                "\"Shop <Outlet>\" <max@example.com>",
            ),
            (
                "\"Back\\\\slash\" <max@example.com>",
                "\"Back\\\\slash\" <max@example.com>",
            ),
            (
                "\"=?utf-8?q?abc?=\" <max@example.com>",
                "\"=?utf-8?q?abc?=\" <max@example.com>",
            ),
            ("Max <max@bücher.example>", "Max <max@xn--bcher-kva.example>"),
        ];
        for (input, header) in cases {
            assert_eq!(mailbox(input).to_header_value(), header, "{input:?}");
        }
    }

    #[test]
    fn header_value_parses_back_to_the_same_mailbox() {
        // BC05: a colon in the name never turns the header into group syntax.
        for input in [
            "Max's Shop: Angebote <max@example.com>",
            "\"Max \\\"der Händler\\\"\" <max@example.com>",
            "\"Shop <Outlet>\" <max@example.com>",
            "\"Müller, Max\" <max@bücher.example>",
            "\"=?utf-8?q?abc?=\" <max@example.com>",
            "\"Max  Muster\" <max@example.com>",
        ] {
            let parsed = mailbox(input);
            assert_eq!(mailbox(&parsed.to_header_value()), parsed, "{input:?}");
        }
    }

    #[test]
    fn display_string_keeps_letters_readable_and_parses_back() {
        let parsed = mailbox("\"Müller, Max\" <max@xn--bcher-kva.example>");
        assert_eq!(parsed.to_display_string(), "\"Müller, Max\" <max@bücher.example>");
        assert_eq!(mailbox(&parsed.to_display_string()), parsed);
        assert_eq!(
            mailbox("Jürgen Müller <j@example.com>").to_display_string(),
            "Jürgen Müller <j@example.com>"
        );
    }

    #[test]
    fn list_accepts_names_and_both_separators() {
        // BC15: each address is split off, trimmed and checked; never one raw string.
        let cases: [(&str, &[&str]); 6] = [
            ("Archiv <archiv@shop.example>", &["archiv@shop.example"]),
            (
                "archiv@shop.example; buchhaltung@shop.example",
                &["archiv@shop.example", "buchhaltung@shop.example"],
            ),
            (
                "archiv@shop.example, buchhaltung@shop.example",
                &["archiv@shop.example", "buchhaltung@shop.example"],
            ),
            (
                "\"Müller, Max\" <max@shop.example>; ;archiv@shop.example;",
                &["max@shop.example", "archiv@shop.example"],
            ),
            (
                "archiv@shop.example, archiv@SHOP.example",
                &["archiv@shop.example"],
            ),
            ("   ", &[]),
        ];
        for (input, expected) in cases {
            let addresses: Vec<String> = parse_address_list(input)
                .unwrap_or_else(|invalid| panic!("{input:?} was rejected: {invalid:?}"))
                .iter()
                .map(EmailAddress::to_ascii)
                .collect();
            assert_eq!(addresses, expected, "{input:?}");
        }
    }

    #[test]
    fn list_reports_every_invalid_entry() {
        let invalid =
            parse_address_list("archiv@localhost, ok@shop.example; kaputt").expect_err("invalid entries");
        assert_eq!(
            invalid,
            vec![
                InvalidListEntry {
                    entry: "archiv@localhost".into(),
                    problem: AddressProblem::DomainWithoutDot {
                        domain: "localhost".into(),
                        suggestion: None
                    },
                },
                InvalidListEntry {
                    entry: "kaputt".into(),
                    problem: AddressProblem::MissingAt
                },
            ]
        );
    }

    #[test]
    fn list_entry_with_a_line_break_is_rejected() {
        // BC07
        let invalid = parse_address_list("archiv@shop.example\nX-Injected: 1").expect_err("invalid entry");
        assert_eq!(invalid.len(), 1);
        assert_eq!(
            invalid[0].problem,
            AddressProblem::ControlCharacter {
                code_point: "U+000A".into()
            }
        );
    }

    #[test]
    fn space_separated_list_rejected() {
        let invalid = parse_address_list("a@shop.example b@shop.example").expect_err("invalid entry");
        assert_eq!(invalid[0].problem, AddressProblem::MultipleAddresses);
    }
}
