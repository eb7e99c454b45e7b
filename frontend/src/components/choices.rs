//! The form's choices: the provider preset and the connection security.

use shared::presets::PRESETS;
use shared::{Finding, Language, Security};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::components::field::described_by;
use crate::components::findings::finding_list;
use crate::i18n::{security_label, Text};
use shared::report::Fix;

/// Values of [`preset_field`].
pub struct PresetFieldProps {
    pub id: AttrValue,
    /// The chosen preset's id, or empty for "no specific provider".
    pub value: AttrValue,
    pub findings: Vec<Finding>,
    pub onchoose: Callback<String>,
    pub onfix: Callback<Fix>,
}

/// Renders the provider select, first in the form: choosing a preset fills host, port and security.
/// What a seller must know about the provider, such as Gmail's app password, arrives as hints
/// from `shared`'s validation.
pub fn preset_field(props: &PresetFieldProps, language: Language) -> Html {
    let onchange = {
        let onchoose = props.onchoose.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            onchoose.emit(select.value());
        })
    };

    let help_id = format!("{}-help", props.id);
    let findings_id = format!("{}-findings", props.id);
    let description = described_by(&help_id, true, &findings_id, !props.findings.is_empty());

    html! {
        <div class="field">
            <label for={props.id.clone()}>{ shared::Field::Provider.label(language) }</label>
            <select id={props.id.clone()} aria-describedby={description} {onchange}>
                <option value="" selected={props.value.is_empty()}>{ Text::NoProvider.in_language(language) }</option>
                { for PRESETS.iter().map(|preset| html! {
                    <option value={preset.id} selected={props.value == preset.id}>{ preset.name }</option>
                }) }
            </select>
            <p id={help_id} class="help">{ Text::ProviderHelp.in_language(language) }</p>
            { finding_list(&findings_id, &props.findings, language, &props.onfix) }
        </div>
    }
}

/// Values of [`security_field`].
pub struct SecurityFieldProps {
    pub id: AttrValue,
    pub value: Security,
    pub findings: Vec<Finding>,
    pub onchoose: Callback<Security>,
    pub onfix: Callback<Fix>,
}

/// Renders the connection security as a radio group, where arrow keys move between the modes.
pub fn security_field(props: &SecurityFieldProps, language: Language) -> Html {
    let onchange = {
        let onchoose = props.onchoose.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            if let Some(security) = Security::parse(&input.value()) {
                onchoose.emit(security);
            }
        })
    };

    let help_id = format!("{}-help", props.id);
    let findings_id = format!("{}-findings", props.id);
    let description = described_by(&help_id, true, &findings_id, !props.findings.is_empty());

    html! {
        <fieldset id={props.id.clone()} class="field field-choice" tabindex="-1" aria-describedby={description}>
            <legend>{ shared::Field::Security.label(language) }</legend>
            <div class="choices">
                { for Security::ALL.into_iter().map(|security| {
                    let input_id = format!("{}-{}", props.id, security.as_str());
                    html! {
                        <label class="choice" for={input_id.clone()}>
                            <input
                                id={input_id}
                                type="radio"
                                name={props.id.clone()}
                                value={security.as_str()}
                                checked={props.value == security}
                                onchange={onchange.clone()}
                            />
                            { security_label(security, language) }
                        </label>
                    }
                }) }
            </div>
            <p id={help_id} class="help">{ Text::SecurityHelp.in_language(language) }</p>
            { finding_list(&findings_id, &props.findings, language, &props.onfix) }
        </fieldset>
    }
}
