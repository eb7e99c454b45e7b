//! The languages a seller can read Postausgang in.

use serde::{Deserialize, Serialize};

/// A language of the user interface. German is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    De,
    En,
}

impl Language {
    /// Returns the BCP 47 tag, as used in `Accept-Language` and `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Language::De => "de",
            Language::En => "en",
        }
    }

    /// Picks the first supported language of an `Accept-Language` header value, honouring
    /// q-values; German when none is supported.
    pub fn from_accept_language(header: &str) -> Language {
        let mut ranked: Vec<(f32, Language)> = header
            .split(',')
            .filter_map(|entry| {
                let mut parts = entry.trim().split(';');
                let tag = parts.next()?.trim().to_ascii_lowercase();
                let quality = parts
                    .find_map(|part| part.trim().strip_prefix("q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                let primary = tag.split('-').next()?;
                let language = match primary {
                    "de" => Language::De,
                    "en" => Language::En,
                    _ => return None,
                };
                (quality > 0.0).then_some((quality, language))
            })
            .collect();
        // A stable sort keeps the header's order among equal q-values.
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.first().map(|(_, language)| *language).unwrap_or_default()
    }

    /// Picks one of two texts.
    pub fn pick<'a>(self, german: &'a str, english: &'a str) -> &'a str {
        match self {
            Language::De => german,
            Language::En => english,
        }
    }
}
