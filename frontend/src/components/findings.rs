//! Findings of the validation, each with its one-click fix where `shared` offers one.

use shared::report::Fix;
use shared::{Finding, Language, Severity};
use yew::prelude::*;

use crate::i18n::{fix_label, severity_label};

/// Props of [`FindingList`].
#[derive(Properties, PartialEq)]
pub struct FindingListProps {
    pub id: AttrValue,
    pub findings: Vec<Finding>,
    pub language: Language,
    pub onfix: Callback<Fix>,
}

/// Renders the findings of one field. The list is a polite live region, so a screen reader announces a
/// finding when it appears while the seller types.
#[component]
pub fn FindingList(props: &FindingListProps) -> Html {
    let language = props.language;

    html! {
        <div id={props.id.clone()} class="findings" aria-live="polite">
            { for props.findings.iter().map(|finding| html! {
                <FindingItem finding={finding.clone()} {language} onfix={props.onfix.clone()} />
            }) }
        </div>
    }
}

/// Props of [`FindingItem`].
#[derive(Properties, PartialEq)]
pub struct FindingItemProps {
    pub finding: Finding,
    pub language: Language,
    pub onfix: Callback<Fix>,
}

/// Renders one finding: severity, message and the fix button.
#[component]
pub fn FindingItem(props: &FindingItemProps) -> Html {
    let language = props.language;
    let finding = &props.finding;

    let onclick = {
        let onfix = props.onfix.clone();
        let fix = finding.fix.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(fix) = fix.clone() {
                onfix.emit(fix);
            }
        })
    };

    let class = finding_class(finding.severity);

    html! {
        <div {class}>
            <p>
                <strong class="finding-severity">{ severity_label(finding.severity, language) }{ ": " }</strong>
                { finding.message(language) }
            </p>
            if let Some(fix) = &finding.fix {
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
