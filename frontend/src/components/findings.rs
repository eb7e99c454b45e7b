//! Findings of the validation, each with its one-click fix where `shared` offers one.

use shared::report::Fix;
use shared::{Finding, Language, Severity};
use yew::prelude::*;

use crate::i18n::{fix_label, severity_label};

/// Renders the findings of one field. The list is a polite live region, so a screen reader
/// announces a finding when it appears while the seller types.
///
/// Plain functions rather than components: the findings change with every keystroke anyway, and
/// each component type adds its own copy of Yew's component code to the wasm.
pub fn finding_list(id: &str, findings: &[Finding], language: Language, onfix: &Callback<Fix>) -> Html {
    html! {
        <div id={id.to_owned()} class="findings" aria-live="polite">
            { for findings.iter().map(|finding| finding_item(finding, language, onfix)) }
        </div>
    }
}

/// Renders one finding: severity, message and the fix button.
fn finding_item(finding: &Finding, language: Language, onfix: &Callback<Fix>) -> Html {
    let onclick = finding.fix.clone().map(|fix| {
        let onfix = onfix.clone();
        Callback::from(move |_: MouseEvent| onfix.emit(fix.clone()))
    });

    html! {
        <div class={finding_class(finding.severity)}>
            <p>
                <strong class="finding-severity">{ severity_label(finding.severity, language) }{ ": " }</strong>
                { finding.message(language) }
            </p>
            if let (Some(fix), Some(onclick)) = (&finding.fix, onclick) {
                <button type="button" class="button button-small" {onclick}>{ fix_label(fix, language) }</button>
            }
        </div>
    }
}

/// Returns the CSS classes of a finding box of this severity.
pub fn finding_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "finding finding-error",
        Severity::Warning => "finding finding-warning",
        Severity::Hint => "finding finding-hint",
    }
}
