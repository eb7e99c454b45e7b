//! The test mail: recipient, send button and the backend's checklist.

use shared::api::{FindingText, StepStatus, TestMailResult};
use shared::{Finding, Language, Severity};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::findings::{finding_class, finding_list};
use crate::form::recipient::same_domain_hint;
use crate::form::state::TestStatus;
use crate::i18n::{severity_label, step_status_label, Text};

/// The values and callbacks of the test mail panel.
pub struct TestMailPanelProps {
    pub recipient: AttrValue,
    /// The sender as typed, for the hint on a recipient at the sender's domain.
    pub sender: AttrValue,
    /// `shared`'s findings on the recipients, such as an invalid address or Amazon's relay.
    pub findings: Vec<Finding>,
    pub status: TestStatus,
    pub onrecipient: Callback<String>,
    pub onsend: Callback<()>,
}

/// Renders the panel that sends a test mail with the form's settings and shows how each SMTP
/// step went.
pub fn test_mail_panel(props: &TestMailPanelProps, language: Language) -> Html {
    let oninput = {
        let onrecipient = props.onrecipient.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            onrecipient.emit(input.value());
        })
    };
    let onclick = {
        let onsend = props.onsend.clone();
        Callback::from(move |_: MouseEvent| onsend.emit(()))
    };

    let sending = props.status == TestStatus::Sending;
    let invalid = props
        .findings
        .iter()
        .any(|finding| finding.severity == Severity::Error);
    let same_domain = same_domain_hint(&props.sender, &props.recipient, language);

    html! {
        <section class="panel test-mail" aria-labelledby="test-mail-title">
            <h2 id="test-mail-title">{ Text::TestTitle.in_language(language) }</h2>
            <p class="help">{ Text::TestIntro.in_language(language) }</p>
            <div class={classes!("field", invalid.then_some("field-invalid"))}>
                <label for="test-recipient">{ Text::TestRecipient.in_language(language) }</label>
                <div class="input-row">
                    <input
                        id="test-recipient"
                        type="text"
                        inputmode="email"
                        autocomplete="email"
                        spellcheck="false"
                        value={props.recipient.clone()}
                        aria-invalid={invalid.then_some("true")}
                        aria-describedby="test-recipient-help test-recipient-findings test-recipient-hint"
                        {oninput}
                    />
                    <button type="button" class="button" id="send-test" disabled={sending} {onclick}>
                        { Text::SendTest.in_language(language) }
                    </button>
                </div>
                <p id="test-recipient-help" class="help">{ Text::TestRecipientHelp.in_language(language) }</p>
                { finding_list("test-recipient-findings", &props.findings, language, &Callback::noop()) }
                <div id="test-recipient-hint" class="findings" aria-live="polite">
                    if let Some(hint) = same_domain {
                        <div class="finding finding-hint"><p>{ hint }</p></div>
                    }
                </div>
            </div>
            <div class="test-outcome" aria-live="polite">
                { test_outcome(&props.status, language) }
            </div>
        </section>
    }
}

fn test_outcome(status: &TestStatus, language: Language) -> Html {
    match status {
        TestStatus::Idle => Html::default(),
        TestStatus::Blocked => html! {
            <p class="status status-error">{ Text::FixErrorsFirst.in_language(language) }</p>
        },
        TestStatus::Sending => html! {
            <p class="status status-pending" role="status">{ Text::SendingTest.in_language(language) }</p>
        },
        TestStatus::Failed(message) => html! {
            <p class="status status-error" role="alert">{ message.clone() }</p>
        },
        TestStatus::Finished(result) => test_mail_checklist(result, language),
    }
}

/// Renders the verdict, one line per SMTP step, and the raw replies folded away.
pub fn test_mail_checklist(result: &TestMailResult<FindingText>, language: Language) -> Html {
    let (class, title) = if result.ok {
        ("verdict verdict-ok", Text::TestAccepted)
    } else {
        ("verdict verdict-failed", Text::TestFailed)
    };

    html! {
        <div class="test-result" id="test-result">
            <div {class} role={if result.ok { "status" } else { "alert" }}>
                <p class="verdict-title">{ title.in_language(language) }</p>
                <p>{ result.message.clone() }</p>
            </div>
            if !result.hints.is_empty() {
                <div class="findings">
                    { for result.hints.iter().map(|hint| html! {
                        <div class={finding_class(hint.severity)}>
                            <p>
                                <strong>{ severity_label(hint.severity, language) }{ ": " }</strong>
                                { hint.message.clone() }
                            </p>
                        </div>
                    }) }
                </div>
            }
            <ol class="checklist">
                { for result.steps.iter().map(|step| {
                    let (class, mark) = match step.status {
                        StepStatus::Ok => ("step step-ok", "✓"),
                        StepStatus::Failed => ("step step-failed", "✗"),
                        StepStatus::Skipped => ("step step-skipped", "–"),
                    };
                    html! {
                        <li {class}>
                            <span class="step-mark" aria-hidden="true">{ mark }</span>
                            <span class="step-label">{ step.label.clone() }</span>
                            <span class="step-status">{ step_status_label(step.status, language) }</span>
                            if let Some(detail) = &step.detail {
                                <span class="step-detail">{ detail.clone() }</span>
                            }
                        </li>
                    }
                }) }
            </ol>
            <details class="transcript">
                <summary>{ Text::RawReplies.in_language(language) }</summary>
                if result.transcript.is_empty() {
                    <p>{ Text::NoRawReplies.in_language(language) }</p>
                } else {
                    <pre>{ result.transcript.join("\n") }</pre>
                }
            </details>
        </div>
    }
}
