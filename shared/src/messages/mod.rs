//! German and English texts for every finding. Each names the field, what is wrong and the fix.

mod address;
mod provider;
mod server;

use crate::i18n::Language;
use crate::report::{Finding, FindingCode};
use crate::security::Security;
use crate::text;

/// An address that shows the accepted forms in examples: example.com is reserved for this
/// (RFC 2606).
const EXAMPLE_ADDRESS: &str = "max@example.com";

/// Renders a finding: the field, what is wrong and how to fix it.
pub(crate) fn render(finding: &Finding, language: Language) -> String {
    let field = finding.field.label(language);
    let text = match &finding.code {
        FindingCode::InvalidAddress { input, problem } => {
            return address::render_invalid_address(finding.field, input, problem, language);
        }
        code => address::render(code, language)
            .or_else(|| server::render(code, language))
            .or_else(|| provider::render(code, language)),
    };
    // Every code has a text in one of the modules; this fallback only guards additions.
    let text = text.unwrap_or_else(|| {
        language
            .pick("Bitte prüfen.", "Please check this field.")
            .to_owned()
    });
    format!("{field}: {text}")
}

/// Quotes a value the way each language does, with invisible characters made visible.
fn quote(value: &str, language: Language) -> String {
    let value = make_visible(value);
    match language.effective() {
        Language::De => format!("„{value}“"),
        Language::En => format!("\"{value}\""),
    }
}

/// Replaces control and invisible characters with their code points, such as `<U+000A>`, so
/// that a message shows what the seller cannot see.
fn make_visible(value: &str) -> String {
    value
        .chars()
        .map(|character| {
            if text::is_control(character) || text::is_invisible(character) {
                format!("<{}>", text::code_point(character))
            } else {
                character.to_string()
            }
        })
        .collect()
}

/// Returns the security mode's name as the form shows it.
fn security_name(security: Security, language: Language) -> &'static str {
    security.label(language)
}

#[cfg(test)]
mod tests;
