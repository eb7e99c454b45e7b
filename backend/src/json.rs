//! The JSON body extractor: size limit, content type, and errors that name the field or the
//! position in the seller's language.
//!
//! Messages never repeat a submitted value: a password sent with the wrong type must not come
//! back in the response or reach the log. They name the field and the expected type instead.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use shared::Language;

use crate::error::ApiError;

/// The largest accepted JSON body. A server's settings take well under 4 KiB; the margin
/// allows long BCC lists without letting a client make the server buffer megabytes.
pub const MAX_JSON_BODY_BYTES: usize = 64 * 1024;

/// A JSON request body deserialised into `T`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = declares_json(request);
        let declared_length = declared_length(request);
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType);
            }
            if declared_length.is_some_and(|length| length > MAX_JSON_BODY_BYTES) {
                return Err(ApiError::PayloadTooLarge {
                    limit: MAX_JSON_BODY_BYTES,
                });
            }

            let mut body = Vec::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| ApiError::InvalidJson(JsonProblem::Incomplete))?;
                if body.len() + chunk.len() > MAX_JSON_BODY_BYTES {
                    return Err(ApiError::PayloadTooLarge {
                        limit: MAX_JSON_BODY_BYTES,
                    });
                }
                body.extend_from_slice(&chunk);
            }
            parse_json(&body).map(ApiJson).map_err(ApiError::InvalidJson)
        })
    }
}

fn declares_json(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"))
}

fn declared_length(request: &HttpRequest) -> Option<usize> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// The reason a body is not the expected JSON, without any submitted value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonProblem {
    Empty,
    /// The body ended before the client finished sending it.
    Incomplete,
    Syntax {
        line: usize,
        column: usize,
    },
    UnknownField {
        field: String,
        line: usize,
        column: usize,
    },
    MissingField {
        field: String,
    },
    /// A value has the wrong type or is not allowed; `field` is empty for the whole body.
    InvalidValue {
        field: String,
        expected: Option<String>,
        line: usize,
        column: usize,
    },
}

/// Parses a JSON body, tracking the path of the value that failed.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, JsonProblem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(JsonProblem::Empty);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(classify)?;
    deserializer.end().map_err(|error| JsonProblem::Syntax {
        line: error.line(),
        column: error.column(),
    })?;
    Ok(value)
}

fn classify(error: serde_path_to_error::Error<serde_json::Error>) -> JsonProblem {
    let path = error.path().to_string();
    let inner = error.inner();
    let (line, column) = (inner.line(), inner.column());
    if !inner.is_data() {
        return JsonProblem::Syntax { line, column };
    }

    // serde_json has no structured data errors, so this matches the wording of serde's default
    // `unknown_field` and `missing_field` errors (serde 1.0). Other wording falls through to
    // InvalidValue, which still names the path.
    let text = inner.to_string();
    if quoted_after(&text, "unknown field `").is_some() {
        // The path already ends with the unknown key.
        return JsonProblem::UnknownField {
            field: join_path(&path, ""),
            line,
            column,
        };
    }
    if let Some(field) = quoted_after(&text, "missing field `") {
        return JsonProblem::MissingField {
            field: join_path(&path, &field),
        };
    }
    let expected = expected_part(&text);
    JsonProblem::InvalidValue {
        field: join_path(&path, ""),
        expected,
        line,
        column,
    }
}

/// Returns the text between `prefix` and the next backtick.
fn quoted_after(text: &str, prefix: &str) -> Option<String> {
    let rest = text.strip_prefix(prefix)?;
    rest.split('`').next().map(str::to_owned)
}

/// Returns what serde expected, such as `a string` or ``one of `starttls`, `none` ``. That
/// part names types and allowed values only, never the submitted value.
fn expected_part(text: &str) -> Option<String> {
    let (_, expected) = text.split_once(", expected ")?;
    let expected = expected.split(" at line ").next().unwrap_or(expected);
    Some(expected.trim().to_owned())
}

/// Joins serde_path_to_error's path (`.` for the top level) and a field name.
fn join_path(path: &str, field: &str) -> String {
    let parent = path.trim_start_matches('.');
    match (parent.is_empty(), field.is_empty()) {
        (true, _) => field.to_owned(),
        (false, true) => parent.to_owned(),
        (false, false) => format!("{parent}.{field}"),
    }
}

impl JsonProblem {
    /// Returns the error code of the response body.
    pub fn code(&self) -> &'static str {
        match self {
            JsonProblem::Empty | JsonProblem::Incomplete | JsonProblem::Syntax { .. } => "invalid_json",
            JsonProblem::UnknownField { .. } => "unknown_field",
            JsonProblem::MissingField { .. } => "missing_field",
            JsonProblem::InvalidValue { .. } => "invalid_field",
        }
    }

    /// Renders the problem for the seller, naming the field or position.
    pub fn message(&self, language: Language) -> String {
        match (self, language) {
            (JsonProblem::Empty, Language::De) => {
                "Die Anfrage ist leer; erwartet wird ein JSON-Objekt.".to_owned()
            }
            (JsonProblem::Empty, Language::En) => {
                "The request body is empty; a JSON object is expected.".to_owned()
            }
            (JsonProblem::Incomplete, Language::De) => {
                "Die Anfrage kam unvollständig an. Bitte senden Sie sie erneut.".to_owned()
            }
            (JsonProblem::Incomplete, Language::En) => {
                "The request body arrived incomplete. Please send it again.".to_owned()
            }
            (JsonProblem::Syntax { line, column }, Language::De) => {
                format!("Die Anfrage ist kein gültiges JSON (Zeile {line}, Spalte {column}).")
            }
            (JsonProblem::Syntax { line, column }, Language::En) => {
                format!("The request body is not valid JSON (line {line}, column {column}).")
            }
            (JsonProblem::UnknownField { field, line, column }, Language::De) => {
                format!("Unbekanntes Feld „{field}“ (Zeile {line}, Spalte {column}). Bitte entfernen Sie es.")
            }
            (JsonProblem::UnknownField { field, line, column }, Language::En) => {
                format!("Unknown field \"{field}\" (line {line}, column {column}). Please remove it.")
            }
            (JsonProblem::MissingField { field }, Language::De) => format!("Das Feld „{field}“ fehlt."),
            (JsonProblem::MissingField { field }, Language::En) => {
                format!("The field \"{field}\" is missing.")
            }
            (
                JsonProblem::InvalidValue {
                    field,
                    expected,
                    line,
                    column,
                },
                language,
            ) => invalid_value_message(field, expected.as_deref(), (*line, *column), language),
        }
    }
}

fn invalid_value_message(
    field: &str,
    expected: Option<&str>,
    (line, column): (usize, usize),
    language: Language,
) -> String {
    let subject = match (field.is_empty(), language) {
        (true, Language::De) => "Die Anfrage".to_owned(),
        (true, Language::En) => "The request body".to_owned(),
        (false, Language::De) => format!("Das Feld „{field}“"),
        (false, Language::En) => format!("The field \"{field}\""),
    };
    let expected = expected.map(|expected| describe_expected(expected, language));
    match (expected, language) {
        (Some(expected), Language::De) => format!(
            "{subject} hat einen falschen Typ oder Wert; erwartet: {expected} (Zeile {line}, Spalte {column})."
        ),
        (Some(expected), Language::En) => {
            format!("{subject} has the wrong type or value; expected {expected} (line {line}, column {column}).")
        }
        (None, Language::De) => {
            format!("{subject} hat einen falschen Typ oder Wert (Zeile {line}, Spalte {column}).")
        }
        (None, Language::En) => format!("{subject} has the wrong type or value (line {line}, column {column})."),
    }
}

/// Translates serde's usual type descriptions; anything else, such as a list of allowed
/// values, is shown as serde wrote it.
fn describe_expected(expected: &str, language: Language) -> String {
    let translated = match expected {
        "a string" => Some(("Text in Anführungszeichen", "a string")),
        "a boolean" => Some(("true oder false", "true or false")),
        "i64" | "u64" | "i32" | "u32" | "u16" | "u8" => Some(("eine ganze Zahl", "a whole number")),
        "a sequence" => Some(("eine Liste", "a list")),
        _ if expected.starts_with("struct ") || expected == "a map" => {
            Some(("ein JSON-Objekt", "a JSON object"))
        }
        _ => None,
    };
    match translated {
        Some((german, english)) => language.pick(german, english).to_owned(),
        None => expected.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // The fields are only read by the deserializer in these tests.
    struct Outer {
        name: String,
        inner: Inner,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        port: u16,
        secret: String,
    }

    fn problem(body: &str) -> JsonProblem {
        parse_json::<Outer>(body.as_bytes()).expect_err("the body is invalid")
    }

    #[test]
    fn syntax_error_reports_position() {
        assert_eq!(
            problem("{\"name\": }"),
            JsonProblem::Syntax { line: 1, column: 10 }
        );
    }

    #[test]
    fn trailing_garbage_is_a_syntax_error() {
        let body = r#"{"name": "a", "inner": {"port": 1, "secret": "s"}} x"#;

        assert!(matches!(problem(body), JsonProblem::Syntax { .. }));
    }

    #[test]
    fn unknown_nested_field_is_named_with_its_path() {
        let body = r#"{"name": "a", "inner": {"port": 1, "secret": "s", "extra": 1}}"#;

        let JsonProblem::UnknownField { field, .. } = problem(body) else {
            panic!("expected an unknown field")
        };

        assert_eq!(field, "inner.extra");
    }

    #[test]
    fn missing_field_is_named() {
        assert_eq!(
            problem(r#"{"inner": {"port": 1, "secret": "s"}}"#),
            JsonProblem::MissingField {
                field: "name".to_owned()
            }
        );
    }

    #[test]
    fn wrong_type_names_field_but_not_value() {
        let body = r#"{"name": "a", "inner": {"port": 1, "secret": 12345678}}"#;

        let found = problem(body);

        let JsonProblem::InvalidValue { field, expected, .. } = &found else {
            panic!("expected a wrong type")
        };
        assert_eq!(field, "inner.secret");
        assert_eq!(expected.as_deref(), Some("a string"));
        for language in [Language::De, Language::En] {
            let message = found.message(language);
            assert!(
                !message.contains("12345678"),
                "the value must not be echoed: {message}"
            );
        }
    }

    #[test]
    fn wrong_type_message_in_both_languages() {
        let found = problem(r#"{"name": "a", "inner": {"port": "x", "secret": "s"}}"#);

        assert_eq!(
            found.message(Language::De),
            "Das Feld „inner.port“ hat einen falschen Typ oder Wert; erwartet: eine ganze Zahl (Zeile 1, Spalte 35)."
        );
        assert_eq!(
            found.message(Language::En),
            "The field \"inner.port\" has the wrong type or value; expected a whole number (line 1, column 35)."
        );
    }

    #[test]
    fn empty_body_is_its_own_problem() {
        assert_eq!(problem("  "), JsonProblem::Empty);
    }
}
