//! RFC 2047 encoded-words for display names with characters outside printable ASCII.
//!
//! Postausgang writes the Q encoding in UTF-8 (`=?utf-8?q?M=C3=BCller?=`), which stays
//! readable in raw headers. It reads both Q and B encodings in UTF-8, US-ASCII and
//! ISO-8859-1, because sellers paste names copied from the headers of other mail programs.

/// Maximum length of an encoded-word, including its delimiters (RFC 2047, section 2).
const MAX_ENCODED_WORD_LENGTH: usize = 75;
const PREFIX: &str = "=?utf-8?q?";
const SUFFIX: &str = "?=";

/// Encodes a text as one or more Q-encoded words separated by single spaces.
///
/// Words are split between characters, never inside one, so every word decodes on its own.
/// A decoder joins adjacent encoded-words without the space (RFC 2047, section 6.2).
pub(crate) fn encode(text: &str) -> String {
    let budget = MAX_ENCODED_WORD_LENGTH - PREFIX.len() - SUFFIX.len();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for character in text.chars() {
        let encoded = encode_character(character);
        if current.len() + encoded.len() > budget {
            words.push(wrap(&current));
            current.clear();
        }
        current.push_str(&encoded);
    }
    if !current.is_empty() || words.is_empty() {
        words.push(wrap(&current));
    }
    words.join(" ")
}

fn wrap(encoded_text: &str) -> String {
    format!("{PREFIX}{encoded_text}{SUFFIX}")
}

/// Encodes one character for a Q-encoded word in a phrase (RFC 2047, section 5, rule 3):
/// letters, digits and `!*+-/` stay, a space becomes `_`, everything else becomes `=XX` per
/// UTF-8 byte.
fn encode_character(character: char) -> String {
    if character.is_ascii_alphanumeric() || "!*+-/".contains(character) {
        return character.to_string();
    }
    if character == ' ' {
        return "_".to_owned();
    }
    let mut buffer = [0; 4];
    character
        .encode_utf8(&mut buffer)
        .bytes()
        .map(|byte| format!("={byte:02X}"))
        .collect()
}

/// Decodes one word if it is a well-formed encoded-word in a supported charset.
///
/// Returns `None` for anything else, which the caller then keeps as literal text, as
/// RFC 2047, section 6.3 requires.
pub(crate) fn decode(word: &str) -> Option<String> {
    let inner = word.strip_prefix("=?")?.strip_suffix("?=")?;
    let mut parts = inner.splitn(3, '?');
    let charset = parts.next()?.to_ascii_lowercase();
    let encoding = parts.next()?.to_ascii_lowercase();
    let encoded_text = parts.next()?;
    if encoded_text.contains('?') || encoded_text.contains(' ') {
        return None;
    }

    let bytes = match encoding.as_str() {
        "q" => decode_q(encoded_text)?,
        "b" => decode_base64(encoded_text)?,
        _ => return None,
    };
    // A language suffix such as `utf-8*de` (RFC 2231, section 5) does not change the decoding.
    let charset = charset.split('*').next().unwrap_or_default();
    match charset {
        "utf-8" | "utf8" | "us-ascii" => String::from_utf8(bytes).ok(),
        "iso-8859-1" | "latin1" => Some(bytes.into_iter().map(char::from).collect()),
        _ => None,
    }
}

fn decode_q(text: &str) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut input = text.bytes();
    while let Some(byte) = input.next() {
        match byte {
            b'_' => bytes.push(b' '),
            b'=' => {
                let high = hex_value(input.next()?)?;
                let low = hex_value(input.next()?)?;
                bytes.push(high << 4 | low);
            }
            printable if printable.is_ascii_graphic() => bytes.push(printable),
            _ => return None,
        }
    }
    Some(bytes)
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

/// Decodes standard base64 with padding (RFC 4648, section 4).
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let unpadded = text.trim_end_matches('=');
    if text.len() - unpadded.len() > 2 {
        return None;
    }
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
    let mut buffer: u32 = 0;
    let mut bit_count = 0;
    for symbol in unpadded.bytes() {
        buffer = buffer << 6 | base64_value(symbol)?;
        bit_count += 6;
        if bit_count >= 8 {
            bit_count -= 8;
            bytes.push((buffer >> bit_count & 0xFF) as u8);
        }
    }
    Some(bytes)
}

fn base64_value(symbol: u8) -> Option<u32> {
    let value = match symbol {
        b'A'..=b'Z' => symbol - b'A',
        b'a'..=b'z' => symbol - b'a' + 26,
        b'0'..=b'9' => symbol - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn umlauts_are_q_encoded_in_utf8() {
        assert_eq!(encode("Müller"), "=?utf-8?q?M=C3=BCller?=");
    }

    #[test]
    fn spaces_become_underscores_and_specials_are_escaped() {
        assert_eq!(encode("Bücher & Co."), "=?utf-8?q?B=C3=BCcher_=26_Co=2E?=");
    }

    #[test]
    fn long_text_splits_into_short_words() {
        let name = "Größenänderung ".repeat(10);
        let encoded = encode(name.trim_end());
        assert!(
            encoded.split(' ').count() > 1,
            "expected several words: {encoded}"
        );
        for word in encoded.split(' ') {
            assert!(word.len() <= 75, "word of {} characters: {word}", word.len());
            assert!(decode(word).is_some(), "word does not decode on its own: {word}");
        }
    }

    #[test]
    fn encoded_words_decode_to_the_original_text() {
        let name = "Müller & Söhne – Fahrräder";
        let decoded: String = encode(name)
            .split(' ')
            .map(|word| decode(word).expect("decodes"))
            .collect();
        assert_eq!(decoded, name);
    }

    #[test]
    fn b_encoding_and_latin1_are_understood() {
        assert_eq!(decode("=?UTF-8?B?TcO8bGxlcg==?=").as_deref(), Some("Müller"));
        assert_eq!(decode("=?iso-8859-1?q?M=FCller?=").as_deref(), Some("Müller"));
    }

    #[test]
    fn malformed_or_unknown_words_are_not_decoded() {
        for word in [
            "=?utf-8?q?M=C?=",
            "=?koi8-r?q?abc?=",
            "=?utf-8?x?abc?=",
            "=?utf-8?b?abc?=",
            "plain",
            "=?utf-8?q?=FF?=",
        ] {
            assert_eq!(decode(word), None, "{word}");
        }
    }
}
