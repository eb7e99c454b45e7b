//! The form for a new or a stored SMTP server, validated on every keystroke by `shared`.

use shared::api::{TestMailRequest, UnsavedTestMailRequest};
use shared::presets::ProviderPreset;
use shared::report::Fix;
use shared::{Field, Language, Security, Severity, ValidationReport};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Event, HtmlElement};
use yew::prelude::*;

use crate::api::{self, ApiError, StoredServer};
use crate::app::{is_form_unsaved, set_form_unsaved};
use crate::components::choices::{preset_field, security_field, PresetFieldProps, SecurityFieldProps};
use crate::components::field::{text_field, toggle_field, TextFieldProps};
use crate::components::test_mail::{test_mail_panel, TestMailPanelProps};
use crate::form::recipient::{check_recipients, recipient_findings};
use crate::form::state::{input_id, FormAction, FormState, SaveStatus, ALL_FIELDS};
use crate::form::values::TextInput;
use crate::i18n::{format_timestamp, Text};

/// Props of [`ServerFormPage`].
#[derive(Properties, PartialEq)]
pub struct ServerFormPageProps {
    /// The stored server to edit, or `None` for a new one.
    pub server: Option<StoredServer>,
    /// The account's address, the test mail's recipient until the seller changes it.
    pub account_email: AttrValue,
    pub onback: Callback<()>,
    /// Called with the new server's id after the first save of a new server.
    pub oncreated: Callback<i64>,
    pub onsessionexpired: Callback<()>,
}

/// Renders the server form with its test mail panel.
#[component]
pub fn ServerFormPage(props: &ServerFormPageProps) -> Html {
    let language = use_context::<Language>().unwrap_or_default();

    // State
    let state = {
        let server = props.server.clone();
        let recipient = props.account_email.to_string();
        use_reducer(move || match &server {
            Some(view) => FormState::edit_server(view, &recipient),
            None => FormState::new_server(&recipient),
        })
    };

    // Effects
    {
        // While the form differs from what is stored, the browser shows a confirmation dialog
        // before a reload, the language switch (which reloads) or closing the tab drops the
        // typed values, and the app shows a confirmation before another screen.
        let unsaved = state.has_unsaved_changes();
        use_effect_with(unsaved, |&unsaved| {
            set_form_unsaved(unsaved);
            let listener = unsaved.then(ask_before_unload).flatten();
            move || {
                set_form_unsaved(false);
                if let Some(listener) = listener {
                    stop_asking_before_unload(&listener);
                }
            }
        });
    }

    // Callbacks
    let onedit = |input: TextInput| {
        let state = state.clone();
        Callback::from(move |value: String| state.dispatch(FormAction::Edit(input, value)))
    };
    let onfix = {
        let state = state.clone();
        Callback::from(move |fix: Fix| state.dispatch(FormAction::ApplyFix(fix)))
    };
    let onchoosepreset = {
        let state = state.clone();
        Callback::from(move |id: String| state.dispatch(FormAction::ChoosePreset(id)))
    };
    let onchoosesecurity = {
        let state = state.clone();
        Callback::from(move |security: Security| state.dispatch(FormAction::SetSecurity(security)))
    };
    let ontoggleactive = {
        let state = state.clone();
        Callback::from(move |active: bool| state.dispatch(FormAction::SetActive(active)))
    };
    let ontoggledefault = {
        let state = state.clone();
        Callback::from(move |is_default: bool| state.dispatch(FormAction::SetDefault(is_default)))
    };
    let onsubmit = {
        let state = state.clone();
        let oncreated = props.oncreated.clone();
        let onsessionexpired = props.onsessionexpired.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            save_form(&state, language, oncreated.clone(), onsessionexpired.clone());
        })
    };
    let onrecipient = {
        let state = state.clone();
        Callback::from(move |recipient: String| state.dispatch(FormAction::SetTestRecipient(recipient)))
    };
    let onsendtest = {
        let state = state.clone();
        let onsessionexpired = props.onsessionexpired.clone();
        Callback::from(move |()| send_test_mail(&state, language, onsessionexpired.clone()))
    };
    let onback = {
        let onback = props.onback.clone();
        Callback::from(move |_: MouseEvent| onback.emit(()))
    };

    // Derived values
    let report = state.validate();
    let findings = |field: Field| {
        state
            .visible_findings(&report, field)
            .into_iter()
            .cloned()
            .collect::<Vec<_>>()
    };
    let values = &state.values;
    let offered_preset = state.offered_preset(&report);
    let recipient_report = check_recipients(&values.sender, &state.test_recipient);
    let title = match state.id {
        Some(_) => Text::FormTitleEdit,
        None => Text::FormTitleNew,
    };
    let password_help = match state.password_on_file {
        true => Text::PasswordHelpStored,
        false => Text::PasswordHelpNew,
    };
    let password_placeholder = state
        .password_on_file
        .then(|| AttrValue::from(Text::PasswordStoredPlaceholder.in_language(language)));
    let text = |text: Text| AttrValue::from(text.in_language(language));
    let label = |field: Field| AttrValue::from(field.label(language));
    let field = |field: Field, input: TextInput, value: &str, help: Text, required: bool| TextFieldProps {
        id: input_id(field).into(),
        label: label(field),
        value: AttrValue::from(value.to_owned()),
        help: Some(text(help)),
        autocomplete: Some(AttrValue::Static("off")),
        required,
        findings: findings(field),
        oninput: onedit(input),
        onfix: onfix.clone(),
        ..TextFieldProps::default()
    };

    html! {
        <div class="page page-form">
            <div class="page-header">
                <button type="button" class="button-link" onclick={onback}>{ "← " }{ Text::BackToList.in_language(language) }</button>
                <h1 id="form-title">{ title.in_language(language) }</h1>
            </div>
            if let Some(deactivation) = props.server.as_ref().and_then(|server| server.deactivated.as_ref()) {
                <div class="deactivated" role="note">
                    <p><strong>{ Text::DeactivatedTitle.in_language(language) }</strong>
                        { format!(" ({})", format_timestamp(&deactivation.at, language)) }</p>
                    <p>{ deactivation.reason.clone() }</p>
                    <p>{ Text::ReactivateHint.in_language(language) }</p>
                </div>
            }
            <form class="panel server-form" aria-labelledby="form-title" novalidate=true {onsubmit}>
                { preset_field(&PresetFieldProps {
                    id: input_id(Field::Provider).into(),
                    value: values.provider.clone().into(),
                    findings: findings(Field::Provider),
                    onchoose: onchoosepreset.clone(),
                    onfix: onfix.clone(),
                }, language) }
                { toggle_field("server-active", Text::Active.in_language(language),
                    Text::ActiveHelp.in_language(language), values.active, &ontoggleactive) }
                { text_field(field(Field::DisplayName, TextInput::DisplayName, &values.display_name,
                    Text::DisplayNameHelp, false), language) }
                { text_field(field(Field::Sender, TextInput::Sender, &values.sender, Text::SenderHelp, true), language) }
                if let Some(preset) = offered_preset {
                    { preset_offer(preset, language, &onchoosepreset) }
                }
                { text_field(field(Field::Host, TextInput::Host, &values.host, Text::HostHelp, true), language) }
                { text_field(TextFieldProps {
                    inputmode: Some(AttrValue::Static("numeric")),
                    ..field(Field::Port, TextInput::Port, &values.port, Text::PortHelp, true)
                }, language) }
                { text_field(field(Field::Login, TextInput::Login, &values.login, Text::LoginHelp, false), language) }
                <PasswordField value={values.password.clone()} help={text(password_help)}
                    placeholder={password_placeholder} stored={state.password_on_file}
                    findings={findings(Field::Password)} oninput={onedit(TextInput::Password)} onfix={onfix.clone()} />
                { security_field(&SecurityFieldProps {
                    id: input_id(Field::Security).into(),
                    value: values.security,
                    findings: findings(Field::Security),
                    onchoose: onchoosesecurity,
                    onfix: onfix.clone(),
                }, language) }
                { text_field(field(Field::Bcc, TextInput::Bcc, &values.bcc, Text::BccHelp, false), language) }
                { toggle_field("server-default", Text::Default.in_language(language),
                    Text::DefaultHelp.in_language(language), values.is_default, &ontoggledefault) }
                <div class="form-actions">
                    <button type="submit" class="button button-primary" id="save-server"
                        disabled={state.save == SaveStatus::Saving}>
                        { Text::Save.in_language(language) }
                    </button>
                    if state.save == SaveStatus::Idle && state.has_unsaved_changes() {
                        <p class="status">{ Text::UnsavedChanges.in_language(language) }</p>
                    }
                    { save_status_line(&state.save, language) }
                </div>
            </form>
            { test_mail_panel(&TestMailPanelProps {
                recipient: state.test_recipient.clone().into(),
                sender: values.sender.clone().into(),
                findings: recipient_findings(&recipient_report),
                status: state.test.clone(),
                onrecipient,
                onsend: onsendtest,
            }, language) }
        </div>
    }
}

/// Validates, then creates or updates the server. With an error in the form nothing is sent:
/// every error shows, and the first invalid input gets the focus.
fn save_form(
    state: &UseReducerHandle<FormState>,
    language: Language,
    oncreated: Callback<i64>,
    onsessionexpired: Callback<()>,
) {
    let report = state.validate();
    if report.has_errors() {
        state.dispatch(FormAction::BlockSave);
        focus_first_error(&report);
        return;
    }

    state.dispatch(FormAction::SaveStarted);
    let dispatcher = state.dispatcher();
    let id = state.id;
    let input = state.values.to_input();
    spawn_local(async move {
        match api::save_server(id, &input, language).await {
            Ok(saved) => {
                if id.is_none() {
                    oncreated.emit(saved.server.id);
                }
                dispatcher.dispatch(FormAction::SaveSucceeded {
                    server: Box::new(saved.server),
                    default_change: saved.default_change.map(|change| change.message),
                });
            }
            Err(ApiError::NotAuthenticated(_)) => onsessionexpired.emit(()),
            Err(error) => dispatcher.dispatch(FormAction::SaveFailed {
                message: error.message(language),
                findings: error.findings(),
            }),
        }
    });
}

/// Sends a test mail: a stored server without changes is tested as stored, anything else with
/// the form's values (and the stored password when the field is empty).
fn send_test_mail(state: &UseReducerHandle<FormState>, language: Language, onsessionexpired: Callback<()>) {
    let mut report = state.validate();
    report
        .findings
        .extend(check_recipients(&state.values.sender, &state.test_recipient).findings);
    if report.has_errors() {
        state.dispatch(FormAction::BlockTest);
        focus_first_error(&report);
        return;
    }

    state.dispatch(FormAction::TestStarted);
    let dispatcher = state.dispatcher();
    let recipient = Some(state.test_recipient.trim().to_owned()).filter(|recipient| !recipient.is_empty());
    let stored_id = state.id.filter(|_| !state.has_unsaved_changes());
    let unsaved = UnsavedTestMailRequest {
        id: state.id,
        server: state.values.to_input(),
        recipient: recipient.clone(),
    };
    spawn_local(async move {
        let result = match stored_id {
            Some(id) => api::test_stored_server(id, &TestMailRequest { recipient }, language).await,
            None => api::test_unsaved_server(&unsaved, language).await,
        };
        match result {
            Ok(result) => dispatcher.dispatch(FormAction::TestFinished(result)),
            Err(ApiError::NotAuthenticated(_)) => onsessionexpired.emit(()),
            Err(error) => dispatcher.dispatch(FormAction::TestFailed(error.message(language))),
        }
    });
}

/// Registers a `beforeunload` listener that makes the browser ask before leaving the page.
fn ask_before_unload() -> Option<Closure<dyn Fn(Event)>> {
    let window = web_sys::window()?;
    let ask = Closure::<dyn Fn(Event)>::new(|event: Event| {
        // The seller may have agreed already, such as before switching the language.
        if !is_form_unsaved() {
            return;
        }
        event.prevent_default();
        // Older browsers show the dialog only when returnValue is set, the legacy form of this request.
        let _ = js_sys::Reflect::set(&event, &"returnValue".into(), &"".into());
    });
    window
        .add_event_listener_with_callback("beforeunload", ask.as_ref().unchecked_ref())
        .ok()?;
    Some(ask)
}

fn stop_asking_before_unload(listener: &Closure<dyn Fn(Event)>) {
    if let Some(window) = web_sys::window() {
        let _ = window.remove_event_listener_with_callback("beforeunload", listener.as_ref().unchecked_ref());
    }
}

fn focus_first_error(report: &ValidationReport) {
    let has_error = |field: &Field| {
        report
            .for_field(*field)
            .iter()
            .any(|finding| finding.severity == Severity::Error)
    };
    let Some(field) = ALL_FIELDS
        .into_iter()
        .chain([Field::TestRecipient])
        .find(has_error)
    else {
        return;
    };
    let element = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id(input_id(field)))
        .and_then(|element| element.dyn_into::<HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}

/// Renders the offer of the preset whose mail domain matches the sender.
fn preset_offer(preset: &ProviderPreset, language: Language, onchoose: &Callback<String>) -> Html {
    let onclick = {
        let onchoose = onchoose.clone();
        let preset_id = preset.id.to_owned();
        Callback::from(move |_: MouseEvent| onchoose.emit(preset_id.clone()))
    };

    let message = match language.effective() {
        Language::De => format!(
            "Ihre Absenderadresse gehört zu {}. Es gibt dafür eine Voreinstellung.",
            preset.short_name
        ),
        Language::En => format!(
            "Your sender address belongs to {}. There is a preset for it.",
            preset.short_name
        ),
    };
    let fix = Fix::UsePreset {
        preset_id: preset.id.to_owned(),
    };

    html! {
        <div class="finding finding-hint preset-offer" aria-live="polite">
            <p>{ message }</p>
            <button type="button" class="button button-small" {onclick}>{ crate::i18n::fix_label(&fix, language) }</button>
        </div>
    }
}

/// Props of [`PasswordField`].
#[derive(Properties, PartialEq)]
struct PasswordFieldProps {
    value: AttrValue,
    help: AttrValue,
    placeholder: Option<AttrValue>,
    stored: bool,
    findings: Vec<shared::Finding>,
    oninput: Callback<String>,
    onfix: Callback<Fix>,
}

/// Renders the SMTP password field: it shows whether one is stored, keeps it when left empty, and can show what was
/// typed. The browser is asked not to fill in a saved login here.
#[component]
fn PasswordField(props: &PasswordFieldProps) -> Html {
    let language = use_context::<Language>().unwrap_or_default();
    let visible = use_state(|| false);

    let ontoggle = {
        let visible = visible.clone();
        Callback::from(move |_: MouseEvent| visible.set(!*visible))
    };

    // The button's name stays "show password", and aria-pressed reports whether it is shown.
    let toggle_text = match *visible {
        true => Text::Hide,
        false => Text::Show,
    };
    let label = match props.stored {
        true => format!("{} ({})", Field::Password.label(language), stored_badge(language)),
        false => Field::Password.label(language).to_owned(),
    };

    html! {
        { text_field(TextFieldProps {
            id: input_id(Field::Password).into(),
            label: label.into(),
            value: props.value.clone(),
            help: Some(props.help.clone()),
            input_type: AttrValue::Static(if *visible { "text" } else { "password" }),
            autocomplete: Some(AttrValue::Static("new-password")),
            placeholder: props.placeholder.clone(),
            findings: props.findings.clone(),
            oninput: props.oninput.clone(),
            onfix: props.onfix.clone(),
            children: html! {
                <button type="button" class="button button-small button-quiet" aria-pressed={visible.to_string()}
                    aria-label={Text::ShowPassword.in_language(language)} aria-controls={input_id(Field::Password)}
                    onclick={ontoggle}>
                    { toggle_text.in_language(language) }
                </button>
            },
            ..TextFieldProps::default()
        }, language) }
    }
}

fn stored_badge(language: Language) -> &'static str {
    language.pick("gespeichert", "stored")
}

/// Renders how saving went, in a live region next to the save button.
fn save_status_line(status: &SaveStatus, language: Language) -> Html {
    let content = match status {
        SaveStatus::Idle => Html::default(),
        SaveStatus::Saving => {
            html! { <p class="status status-pending">{ Text::Saving.in_language(language) }</p> }
        }
        SaveStatus::Saved { default_change } => html! {
            <p class="status status-ok">
                { "✓ " }{ Text::Saved.in_language(language) }
                if let Some(change) = default_change { { " " }{ change.clone() } }
            </p>
        },
        SaveStatus::Blocked => {
            html! { <p class="status status-error">{ Text::FixErrorsFirst.in_language(language) }</p> }
        }
        SaveStatus::Failed { message, findings } => html! {
            <div class="status status-error">
                <p><strong>{ Text::SaveFailed.in_language(language) }{ ": " }</strong>{ message.clone() }</p>
                if !findings.is_empty() {
                    <ul class="save-findings">
                        { for findings.iter().map(|finding| html! { <li>{ finding.message.clone() }</li> }) }
                    </ul>
                }
            </div>
        },
    };

    html! { <div id="save-status" class="save-status" role="status" aria-live="polite">{ content }</div> }
}
