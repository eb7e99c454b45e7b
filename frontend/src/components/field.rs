//! Labelled form controls with their help text and findings, tied together for screen readers.

use shared::report::Fix;
use shared::{Finding, Language, Severity};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::findings::finding_list;

/// The values and callbacks of a text field; [`Default`] gives an optional text input without help.
pub struct TextFieldProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    pub help: Option<AttrValue>,
    pub input_type: AttrValue,
    pub autocomplete: Option<AttrValue>,
    pub inputmode: Option<AttrValue>,
    pub placeholder: Option<AttrValue>,
    pub required: bool,
    /// The findings to show under the input; an error marks the input invalid.
    pub findings: Vec<Finding>,
    pub oninput: Callback<String>,
    pub onfix: Callback<Fix>,
    /// Extra controls after the input, such as the password's show button.
    pub children: Html,
}

impl Default for TextFieldProps {
    fn default() -> TextFieldProps {
        TextFieldProps {
            id: AttrValue::default(),
            label: AttrValue::default(),
            value: AttrValue::default(),
            help: None,
            input_type: AttrValue::Static("text"),
            autocomplete: None,
            inputmode: None,
            placeholder: None,
            required: false,
            findings: Vec::new(),
            oninput: Callback::noop(),
            onfix: Callback::noop(),
            children: Html::default(),
        }
    }
}

/// Renders a text input with its label, help text and findings. The help text and the findings
/// are the input's description (`aria-describedby`), and an error sets `aria-invalid`.
///
/// The form's fields are plain functions rather than components, because each component type
/// adds its own copy of Yew's component code to the page's wasm.
pub fn text_field(props: TextFieldProps, language: Language) -> Html {
    let oninput = {
        let oninput = props.oninput.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            oninput.emit(input.value());
        })
    };

    let help_id = format!("{}-help", props.id);
    let findings_id = format!("{}-findings", props.id);
    let invalid = props
        .findings
        .iter()
        .any(|finding| finding.severity == Severity::Error);
    let described_by = described_by(
        &help_id,
        props.help.is_some(),
        &findings_id,
        !props.findings.is_empty(),
    );

    html! {
        <div class={classes!("field", invalid.then_some("field-invalid"))}>
            <label for={props.id.clone()}>
                { props.label.clone() }
                if props.required {
                    <span class="required" aria-hidden="true">{ " *" }</span>
                }
            </label>
            <div class="input-row">
                <input
                    id={props.id.clone()}
                    type={props.input_type.clone()}
                    value={props.value.clone()}
                    autocomplete={props.autocomplete.clone()}
                    inputmode={props.inputmode.clone()}
                    placeholder={props.placeholder.clone()}
                    required={props.required}
                    aria-invalid={invalid.then_some("true")}
                    aria-describedby={described_by}
                    spellcheck="false"
                    {oninput}
                />
                { props.children.clone() }
            </div>
            if let Some(help) = &props.help {
                <p id={help_id} class="help">{ help.clone() }</p>
            }
            { finding_list(&findings_id, &props.findings, language, &props.onfix) }
        </div>
    }
}

/// Renders a checkbox as a switch, with its label and help text.
pub fn toggle_field(id: &str, label: &str, help: &str, checked: bool, ontoggle: &Callback<bool>) -> Html {
    let onchange = {
        let ontoggle = ontoggle.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            ontoggle.emit(input.checked());
        })
    };

    let help_id = format!("{id}-help");

    html! {
        <div class="field field-toggle">
            <input
                id={id.to_owned()}
                type="checkbox"
                role="switch"
                class="switch"
                {checked}
                aria-describedby={help_id.clone()}
                {onchange}
            />
            <div>
                <label for={id.to_owned()}>{ label.to_owned() }</label>
                <p id={help_id} class="help">{ help.to_owned() }</p>
            </div>
        </div>
    }
}

/// Joins the ids that describe an input, or `None` when nothing does.
pub fn described_by(help_id: &str, has_help: bool, findings_id: &str, has_findings: bool) -> Option<String> {
    let ids: Vec<&str> = [(help_id, has_help), (findings_id, has_findings)]
        .into_iter()
        .filter_map(|(id, present)| present.then_some(id))
        .collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}
