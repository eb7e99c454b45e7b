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

    /// Returns the language texts are written in: this one, or the build's only language.
    ///
    /// The settings page is built once per language (the features `german-only` and
    /// `english-only`). There this returns a constant, so the compiler drops the other
    /// language's texts from the wasm. Every function that chooses a text matches on it.
    #[inline(always)]
    pub fn effective(self) -> Language {
        if cfg!(feature = "german-only") {
            Language::De
        } else if cfg!(feature = "english-only") {
            Language::En
        } else {
            self
        }
    }

    /// Returns the only language of a single-language build, or `None` in a build with both.
    pub fn only() -> Option<Language> {
        if cfg!(feature = "german-only") {
            Some(Language::De)
        } else if cfg!(feature = "english-only") {
            Some(Language::En)
        } else {
            None
        }
    }

    /// Picks one of two texts.
    #[inline(always)]
    pub fn pick<'a>(self, german: &'a str, english: &'a str) -> &'a str {
        match self.effective() {
            Language::De => german,
            Language::En => english,
        }
    }
}
