//! Character classes that several rules share: control characters and invisible characters.

/// Returns whether a character is a C0 or C1 control character or DEL.
///
/// CR and LF in a header value would start a new header line (header injection), and the other
/// control characters have no place in any field of the form.
pub(crate) fn is_control(character: char) -> bool {
    character.is_control()
}

/// Returns whether a character is invisible when printed: format characters such as the
/// zero-width space, soft hyphen, bidirectional marks, variation selectors and tag characters.
///
/// These slip into addresses through copy and paste and make an address differ from what the
/// seller reads. Whitespace is a separate class ([`char::is_whitespace`]).
pub(crate) fn is_invisible(character: char) -> bool {
    matches!(
        character,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Returns the first control character of a text, if any.
pub(crate) fn first_control(text: &str) -> Option<char> {
    // Scanning bytes is several times faster than decoding characters, and ASCII text can
    // only hold the C0 controls and DEL.
    if text.is_ascii() {
        return text.bytes().find(|byte| byte.is_ascii_control()).map(char::from);
    }
    text.chars().find(|&character| is_control(character))
}

/// Returns the first invisible character of a text, if any.
pub(crate) fn first_invisible(text: &str) -> Option<char> {
    if text.is_ascii() {
        return None;
    }
    text.chars().find(|&character| is_invisible(character))
}

/// Formats a character as its Unicode code point, such as `U+000A`, for messages that must
/// name a character the seller cannot see.
pub(crate) fn code_point(character: char) -> String {
    format!("U+{:04X}", u32::from(character))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_include_c0_and_c1() {
        for character in ['\r', '\n', '\t', '\0', '\u{7F}', '\u{85}', '\u{9F}'] {
            assert!(
                is_control(character),
                "{} should count as a control character",
                code_point(character)
            );
        }
    }

    #[test]
    fn printable_characters_are_not_control_characters() {
        for character in [' ', 'a', 'ü', '€', '\u{A0}'] {
            assert!(
                !is_control(character),
                "{} should not count as a control character",
                code_point(character)
            );
        }
    }

    #[test]
    fn invisible_characters_are_recognised() {
        for character in [
            '\u{200B}',
            '\u{200D}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{2060}',
            '\u{202E}',
            '\u{E0041}',
        ] {
            assert!(
                is_invisible(character),
                "{} should count as invisible",
                code_point(character)
            );
        }
    }

    #[test]
    fn letters_and_spaces_are_not_invisible() {
        for character in ['a', 'ß', ' ', '\u{A0}', '-'] {
            assert!(
                !is_invisible(character),
                "{} should not count as invisible",
                code_point(character)
            );
        }
    }

    #[test]
    fn first_control_finds_c0_and_c1_characters() {
        assert_eq!(first_control("max@example.com"), None);
        assert_eq!(first_control("max\n@example.com"), Some('\n'));
        assert_eq!(first_control("müller\u{85}@example.com"), Some('\u{85}'));
        assert_eq!(first_control("müller@example.com\r"), Some('\r'));
    }

    #[test]
    fn first_invisible_skips_ascii_and_finds_format_characters() {
        assert_eq!(first_invisible("max@example.com"), None);
        assert_eq!(first_invisible("müller\u{200B}@example.com"), Some('\u{200B}'));
    }

    #[test]
    fn code_point_is_padded_to_four_digits() {
        assert_eq!(code_point('\n'), "U+000A");
        assert_eq!(code_point('\u{E0041}'), "U+E0041");
    }
}
