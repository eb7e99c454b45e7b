//! Internationalised domain names: our own RFC 3492 Punycode and a lean stand-in for UTS 46.
//!
//! The `idna` crate does the full UTS 46 processing, but it adds about 46.5 KB (gzipped, after
//! `wasm-opt -Oz`, measured by `scripts/measure-shared-wasm-size.sh`) to the settings page's
//! wasm, almost a third of the page's transfer budget of 160 KB. Domains in shop mail are
//! plain, so this module does what they need and rejects the rest:
//!
//! - Each label is lowercased with Rust's Unicode lowercase mapping (`str::to_lowercase`).
//! - A label may contain letters, digits (any script) and hyphens, and must not start or end
//!   with a hyphen. Everything else, including combining marks that are not letters, is rejected.
//! - Labels with non-ASCII letters become A-labels (`xn--` and the Punycode form); A-labels in
//!   the input are decoded for display and must round-trip.
//!
//! NOTE: Unlike UTS 46 this does no NFC normalisation and none of its other mappings (such as
//! full-width letters to ASCII). A domain typed in decomposed form (`u` followed by U+0308) is
//! rejected as invalid rather than converted.

const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 128;

/// The prefix of an A-label (RFC 5890).
const ACE_PREFIX: &str = "xn--";

/// Maximum length of a domain in its ASCII form, without a trailing dot (RFC 1035).
pub(crate) const MAX_DOMAIN_LENGTH: usize = 253;

/// Maximum length of one label in its ASCII form (RFC 1035).
pub(crate) const MAX_LABEL_LENGTH: usize = 63;

/// A domain in the two forms the product needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Domain {
    /// Lowercase ASCII with A-labels, for DNS, SMTP and headers.
    pub(crate) ascii: String,
    /// Lowercase Unicode, for display.
    pub(crate) unicode: String,
}

/// The reason a domain could not be converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DomainError {
    /// Two dots in a row, or a dot at the start or end.
    EmptyLabel,
    /// A label with a character that is not a letter, digit or hyphen, a hyphen at its start
    /// or end, an undecodable A-label, or more than 63 characters in ASCII form.
    InvalidLabel(String),
    /// More than 253 characters in ASCII form.
    TooLong,
}

/// Converts a domain to its lowercase ASCII and Unicode forms, checking every label.
pub(crate) fn convert_domain(domain: &str) -> Result<Domain, DomainError> {
    if domain.is_ascii() {
        let lowercase = domain.to_ascii_lowercase();
        if !lowercase.split('.').any(|label| label.starts_with(ACE_PREFIX)) {
            return check_ascii_domain(lowercase);
        }
    }
    let lowercase = domain.to_lowercase();
    let mut ascii = String::with_capacity(lowercase.len());
    let mut unicode = String::with_capacity(lowercase.len());

    for (index, label) in lowercase.split('.').enumerate() {
        if label.is_empty() {
            return Err(DomainError::EmptyLabel);
        }
        let (ascii_label, unicode_label) = convert_label(label)?;
        if index > 0 {
            ascii.push('.');
            unicode.push('.');
        }
        ascii.push_str(&ascii_label);
        unicode.push_str(&unicode_label);
    }

    if ascii.len() > MAX_DOMAIN_LENGTH {
        return Err(DomainError::TooLong);
    }
    Ok(Domain { ascii, unicode })
}

/// Checks a lowercase domain without non-ASCII characters or A-labels, the common case, where
/// both forms are the same.
fn check_ascii_domain(ascii: String) -> Result<Domain, DomainError> {
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err(DomainError::EmptyLabel);
        }
        if !is_valid_ascii_label(label) {
            return Err(DomainError::InvalidLabel(label.to_owned()));
        }
    }
    if ascii.len() > MAX_DOMAIN_LENGTH {
        return Err(DomainError::TooLong);
    }
    Ok(Domain {
        unicode: ascii.clone(),
        ascii,
    })
}

/// Converts one lowercase label to its ASCII and Unicode forms.
fn convert_label(label: &str) -> Result<(String, String), DomainError> {
    let invalid = || DomainError::InvalidLabel(label.to_owned());

    let (ascii, unicode) = if let Some(encoded) = label.strip_prefix(ACE_PREFIX) {
        let decoded = decode_punycode(encoded).ok_or_else(invalid)?;
        let round_trips = decoded.chars().all(is_label_character)
            && decoded.to_lowercase() == decoded
            && encode_punycode(&decoded).as_deref() == Some(encoded);
        if !round_trips || decoded.is_ascii() {
            return Err(invalid());
        }
        (label.to_owned(), decoded)
    } else if label.is_ascii() {
        (label.to_owned(), label.to_owned())
    } else {
        if !label.chars().all(is_label_character) {
            return Err(invalid());
        }
        let encoded = encode_punycode(label).ok_or_else(invalid)?;
        (format!("{ACE_PREFIX}{encoded}"), label.to_owned())
    };

    if !is_valid_ascii_label(&ascii) {
        return Err(invalid());
    }
    Ok((ascii, unicode))
}

fn is_label_character(character: char) -> bool {
    character.is_alphanumeric() || character == '-'
}

/// Returns whether an ASCII label follows the host name rule: letters, digits and hyphens,
/// no hyphen at either end, 1 to 63 characters (RFC 1123, section 2.1).
fn is_valid_ascii_label(label: &str) -> bool {
    let allowed = label
        .bytes()
        .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
    allowed
        && !label.is_empty()
        && label.len() <= MAX_LABEL_LENGTH
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// Encodes a label with Punycode (RFC 3492, section 6.3), without the `xn--` prefix.
///
/// Returns `None` only on arithmetic overflow, which labels of valid length cannot reach.
pub(crate) fn encode_punycode(input: &str) -> Option<String> {
    let code_points: Vec<u32> = input.chars().map(u32::from).collect();
    let mut output: String = input.chars().filter(char::is_ascii).collect();
    let basic_count = u32::try_from(output.len()).ok()?;
    let total = u32::try_from(code_points.len()).ok()?;
    if basic_count > 0 {
        output.push('-');
    }

    let mut n = INITIAL_N;
    let mut delta: u32 = 0;
    let mut bias = INITIAL_BIAS;
    let mut handled = basic_count;
    while handled < total {
        let next = code_points.iter().copied().filter(|&point| point >= n).min()?;
        delta = delta.checked_add((next - n).checked_mul(handled + 1)?)?;
        n = next;
        for &point in &code_points {
            if point < n {
                delta = delta.checked_add(1)?;
            }
            if point == n {
                push_variable_length_integer(&mut output, delta, bias);
                bias = adapt(delta, handled + 1, handled == basic_count);
                delta = 0;
                handled += 1;
            }
        }
        delta = delta.checked_add(1)?;
        n = n.checked_add(1)?;
    }
    Some(output)
}

/// Writes `value` as a generalised variable-length integer (RFC 3492, section 3.3).
fn push_variable_length_integer(output: &mut String, value: u32, bias: u32) {
    let mut remainder = value;
    let mut k = BASE;
    loop {
        let t = threshold(k, bias);
        if remainder < t {
            break;
        }
        output.push(encode_digit(t + (remainder - t) % (BASE - t)));
        remainder = (remainder - t) / (BASE - t);
        k += BASE;
    }
    output.push(encode_digit(remainder));
}

/// Decodes a Punycode label (RFC 3492, section 6.2), given without the `xn--` prefix.
///
/// Returns `None` for malformed input: a non-ASCII character, an invalid digit, an overflow,
/// or a decoded code point that is not a Unicode scalar value.
pub(crate) fn decode_punycode(input: &str) -> Option<String> {
    if !input.is_ascii() {
        return None;
    }
    let (basic, extended) = match input.rfind('-') {
        Some(position) => (&input[..position], &input[position + 1..]),
        None => ("", input),
    };
    let mut output: Vec<char> = basic.chars().collect();

    let mut n = INITIAL_N;
    let mut index: u32 = 0;
    let mut bias = INITIAL_BIAS;
    let mut digits = extended.chars().peekable();
    while digits.peek().is_some() {
        let old_index = index;
        let mut weight: u32 = 1;
        let mut k = BASE;
        loop {
            let digit = decode_digit(digits.next()?)?;
            index = index.checked_add(digit.checked_mul(weight)?)?;
            let t = threshold(k, bias);
            if digit < t {
                break;
            }
            weight = weight.checked_mul(BASE - t)?;
            k = k.checked_add(BASE)?;
        }
        let length = u32::try_from(output.len()).ok()? + 1;
        bias = adapt(index - old_index, length, old_index == 0);
        n = n.checked_add(index / length)?;
        index %= length;
        output.insert(usize::try_from(index).ok()?, char::from_u32(n)?);
        index += 1;
    }
    Some(output.into_iter().collect())
}

/// The bias adaptation function (RFC 3492, section 6.1).
fn adapt(delta: u32, point_count: u32, first_time: bool) -> u32 {
    let mut delta = if first_time { delta / DAMP } else { delta / 2 };
    delta += delta / point_count;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
}

fn threshold(k: u32, bias: u32) -> u32 {
    if k <= bias {
        T_MIN
    } else if k >= bias + T_MAX {
        T_MAX
    } else {
        k - bias
    }
}

fn encode_digit(digit: u32) -> char {
    // Digits 0 to 25 are `a` to `z`, 26 to 35 are `0` to `9`; the callers keep digit below 36.
    let byte = if digit < 26 {
        b'a' + digit as u8
    } else {
        b'0' + (digit - 26) as u8
    };
    char::from(byte)
}

fn decode_digit(character: char) -> Option<u32> {
    match character {
        'a'..='z' => Some(u32::from(character) - u32::from('a')),
        'A'..='Z' => Some(u32::from(character) - u32::from('A')),
        '0'..='9' => Some(u32::from(character) - u32::from('0') + 26),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sample strings of RFC 3492, section 7.1, in lowercase, and German words as encoded by
    /// Python's `punycode` codec.
    const PUNYCODE_SAMPLES: &[(&str, &str)] = &[
        ("bücher", "bcher-kva"),
        ("münchen", "mnchen-3ya"),
        ("straße", "strae-oqa"),
        ("ü", "tda"),
        ("他们为什么不说中文", "ihqwcrb4cv8a8dqg056pqjye"),
        ("почемужеонинеговорятпорусски", "b1abfaaepdrnnbgefbadotcwatmq2g4l"),
        ("3年b組金八先生", "3b-ww4c5e180e575a65lsy2b"),
        (
            "安室奈美恵-with-super-monkeys",
            "-with-super-monkeys-pc58ag80a8qai00g7n9n",
        ),
        ("pročprostěnemluvíčesky", "proprostnemluvesky-uyb24dma41a"),
    ];

    #[test]
    fn punycode_encodes_reference_samples() {
        for (unicode, encoded) in PUNYCODE_SAMPLES {
            assert_eq!(
                encode_punycode(unicode).as_deref(),
                Some(*encoded),
                "encoding {unicode}"
            );
        }
    }

    #[test]
    fn punycode_decodes_reference_samples() {
        for (unicode, encoded) in PUNYCODE_SAMPLES {
            assert_eq!(
                decode_punycode(encoded).as_deref(),
                Some(*unicode),
                "decoding {encoded}"
            );
        }
    }

    #[test]
    fn punycode_rejects_malformed_input() {
        for malformed in [
            "ü-abc",
            "abc-!!",
            "zzzzzzzzzzzzzzzzzzzzzzzz",
            "99999999999999999999",
        ] {
            assert_eq!(decode_punycode(malformed), None, "decoding {malformed}");
        }
    }

    #[test]
    fn domain_with_umlaut_gets_an_a_label() {
        let domain = convert_domain("bücher.example").expect("valid domain");
        assert_eq!(domain.ascii, "xn--bcher-kva.example");
        assert_eq!(domain.unicode, "bücher.example");
    }

    #[test]
    fn domain_is_lowercased_in_both_forms() {
        let domain = convert_domain("BÜCHER.Example").expect("valid domain");
        assert_eq!(domain.ascii, "xn--bcher-kva.example");
        assert_eq!(domain.unicode, "bücher.example");
    }

    #[test]
    fn input_a_label_is_decoded() {
        let domain = convert_domain("XN--BCHER-KVA.example").expect("valid domain");
        assert_eq!(domain.ascii, "xn--bcher-kva.example");
        assert_eq!(domain.unicode, "bücher.example");
    }

    #[test]
    fn ascii_only_a_label_is_invalid() {
        assert_eq!(
            convert_domain("xn--abc-.example"),
            Err(DomainError::InvalidLabel("xn--abc-".into()))
        );
    }

    #[test]
    fn labels_with_symbols_or_edge_hyphens_are_invalid() {
        for (domain, label) in [
            ("shop_1.example", "shop_1"),
            ("-shop.example", "-shop"),
            ("shop-.example", "shop-"),
            ("sh€p.example", "sh€p"),
            ("bu\u{308}cher.example", "bu\u{308}cher"),
        ] {
            assert_eq!(
                convert_domain(domain),
                Err(DomainError::InvalidLabel(label.into())),
                "{domain}"
            );
        }
    }

    #[test]
    fn empty_labels_are_reported() {
        for domain in ["shop..example", ".shop.example", "shop.example."] {
            assert_eq!(convert_domain(domain), Err(DomainError::EmptyLabel), "{domain}");
        }
    }

    #[test]
    fn label_longer_than_63_characters_is_invalid() {
        let long_label = "a".repeat(64);
        let domain = format!("{long_label}.example");
        assert_eq!(
            convert_domain(&domain),
            Err(DomainError::InvalidLabel(long_label))
        );
    }

    #[test]
    fn domain_longer_than_253_characters_is_too_long() {
        let domain = ["a".repeat(60).as_str(); 5].join(".");
        assert_eq!(domain.len(), 304);
        assert_eq!(convert_domain(&domain), Err(DomainError::TooLong));
    }
}
