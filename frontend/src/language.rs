//! The seller's language: chosen once, remembered in the browser, German when nothing fits.

use shared::Language;
use web_sys::Storage;

use crate::i18n::Text;

/// Local storage key of the seller's explicit choice.
const STORAGE_KEY: &str = "postausgang.language";

/// Returns the language to start with: the seller's earlier choice, else the first of the
/// browser's preferred languages that the page speaks, else German.
///
/// A single-language build starts in its language: `main.js` chose the build by the same rule.
pub fn initial_language() -> Language {
    if let Some(only) = Language::only() {
        return only;
    }
    local_storage()
        .and_then(|storage| storage.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|tag| supported_language(stored_tag(&tag)))
        .unwrap_or_else(browser_language)
}

/// Returns the tag of a stored choice. Earlier versions of the page stored it as a JSON string
/// (`"en"` with the quotes), so the quotes are dropped.
fn stored_tag(value: &str) -> &str {
    value.trim_matches('"')
}

fn local_storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Switches to the seller's choice and remembers it. Returns `false` when the page reloads
/// instead, because this build lacks the texts of that language and `main.js` loads the build
/// that has them.
pub fn switch_language(choice: Language) -> bool {
    apply_language(choice, true);
    if Language::only().is_none_or(|only| only == choice) {
        return true;
    }
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
    false
}

/// Stores the seller's choice and sets `<html lang>`, so that screen readers and the browser's
/// spell checker use the right language.
pub fn apply_language(language: Language, remember: bool) {
    if remember {
        // Without local storage the choice is lost on the next visit, and nothing else fails.
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(STORAGE_KEY, language.tag());
        }
    }
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    if let Some(root) = document.document_element() {
        let _ = root.set_attribute("lang", language.tag());
    }
}

/// Sets the tab's title to the product's name and the screen's title, such as
/// "Postausgang – Versandprotokoll".
pub fn set_title(language: Language, screen: Text) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let title = format!(
        "{} – {}",
        Text::AppName.in_language(language),
        screen.in_language(language)
    );
    document.set_title(&title);
}

fn browser_language() -> Language {
    let Some(navigator) = web_sys::window().map(|window| window.navigator()) else {
        return Language::default();
    };
    navigator
        .languages()
        .iter()
        .filter_map(|value| value.as_string())
        .find_map(|tag| supported_language(&tag))
        .unwrap_or_default()
}

/// Maps a BCP 47 tag such as `de-AT` to the page's language, by its primary subtag.
///
/// `navigator.languages` is already in order of preference, so the page needs no q-values and
/// does not link `shared::Language::from_accept_language` and its float parsing.
fn supported_language(tag: &str) -> Option<Language> {
    let primary = tag.split('-').next()?.to_ascii_lowercase();
    match primary.as_str() {
        "de" => Some(Language::De),
        "en" => Some(Language::En),
        _ => None,
    }
}
