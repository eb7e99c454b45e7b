//! German and English texts for every finding.

use crate::i18n::Language;
use crate::report::{Finding, FindingCode};

/// Renders a finding: the field, what is wrong and how to fix it.
pub(crate) fn render(finding: &Finding, language: Language) -> String {
    let field = finding.field.label(language);
    match &finding.code {
        FindingCode::Required => match language {
            Language::De => format!("{field}: Bitte ausfüllen."),
            Language::En => format!("{field}: Please fill in this field."),
        },
        FindingCode::PortOutOfRange { value } => match language {
            Language::De => format!("{field}: „{value}“ ist ungültig. Der Port muss eine Zahl von 1 bis 65535 sein."),
            Language::En => format!("{field}: \"{value}\" is invalid. The port must be a number from 1 to 65535."),
        },
    }
}
