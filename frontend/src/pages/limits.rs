//! "Sendelimits" of one server: how many mails per minute and per hour the outbox sends through
//! it, and where the values came from (the provider preset or the seller).

use std::rc::Rc;

use shared::outbox::{
    validate_sending_limits, LimitField, LimitInput, LimitProblem, LimitSource, SendingLimitsInput,
    SendingLimitsView,
};
use shared::Language;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api::ApiError;
use crate::i18n::Text;
use crate::outbox_api;

/// The state of the limits form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimitsStatus {
    Loading,
    Idle,
    Saving,
    Saved,
    Failed(String),
}

/// The limits panel's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitsState {
    /// The limits as the backend last returned them.
    pub view: Option<SendingLimitsView>,
    pub per_minute: String,
    pub per_hour: String,
    pub status: LimitsStatus,
}

/// A change to the limits panel.
pub enum LimitsAction {
    Loaded(SendingLimitsView),
    Edit(LimitField, String),
    Saving,
    Saved(SendingLimitsView),
    Failed(String),
}

impl Reducible for LimitsState {
    type Action = LimitsAction;

    fn reduce(self: Rc<Self>, action: LimitsAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            LimitsAction::Loaded(view) => {
                next.show(view);
                next.status = LimitsStatus::Idle;
            }
            LimitsAction::Edit(field, value) => {
                match field {
                    LimitField::PerMinute => next.per_minute = value,
                    LimitField::PerHour => next.per_hour = value,
                }
                next.status = LimitsStatus::Idle;
            }
            LimitsAction::Saving => next.status = LimitsStatus::Saving,
            LimitsAction::Saved(view) => {
                next.show(view);
                next.status = LimitsStatus::Saved;
            }
            LimitsAction::Failed(message) => next.status = LimitsStatus::Failed(message),
        }
        Rc::new(next)
    }
}

impl LimitsState {
    fn show(&mut self, view: SendingLimitsView) {
        self.per_minute = limit_text(view.limits.per_minute);
        self.per_hour = limit_text(view.limits.per_hour);
        self.view = Some(view);
    }
}

/// Writes a limit into its input: the number, or nothing for no limit.
fn limit_text(limit: Option<u32>) -> String {
    limit.map(|limit| limit.to_string()).unwrap_or_default()
}

/// Returns where the limits come from, in the seller's words.
pub fn limits_source(view: &SendingLimitsView, language: Language) -> String {
    match (view.source, &view.preset_note) {
        (LimitSource::Custom, _) => Text::LimitsCustom.in_language(language).to_owned(),
        (LimitSource::Preset, Some(note)) => note.clone(),
        (LimitSource::Preset, None) => Text::LimitsPresetNone.in_language(language).to_owned(),
    }
}

/// Props of [`SendingLimitsPanel`].
#[derive(Properties, PartialEq)]
pub struct SendingLimitsPanelProps {
    pub server_id: i64,
    pub onsessionexpired: Callback<()>,
}

/// Renders the per-minute and per-hour limits with their source, and saves or resets them.
#[component]
pub fn SendingLimitsPanel(props: &SendingLimitsPanelProps) -> Html {
    let language = use_context::<Language>().unwrap_or_default();
    let server_id = props.server_id;

    // State
    let state = use_reducer(|| LimitsState {
        view: None,
        per_minute: String::new(),
        per_hour: String::new(),
        status: LimitsStatus::Loading,
    });

    // Effects: load again when the language changes, because the preset's note comes translated.
    {
        let dispatcher = state.dispatcher();
        let onsessionexpired = props.onsessionexpired.clone();
        use_effect_with(language, move |&language| {
            spawn_local(async move {
                let result = outbox_api::load_limits(server_id, language).await;
                report(
                    result,
                    LimitsAction::Loaded,
                    &dispatcher,
                    &onsessionexpired,
                    language,
                );
            });
        });
    }

    // Callbacks
    let oninput = |field: LimitField| {
        let dispatcher = state.dispatcher();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            dispatcher.dispatch(LimitsAction::Edit(field, input.value()));
        })
    };
    let onsubmit = {
        let state = state.clone();
        let onsessionexpired = props.onsessionexpired.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            // The problems already show at their fields; the backend checks the same rules.
            if !limit_problems(&state.per_minute, &state.per_hour).is_empty() {
                return;
            }
            state.dispatch(LimitsAction::Saving);
            let (per_minute, per_hour) = (state.per_minute.clone(), state.per_hour.clone());
            let dispatcher = state.dispatcher();
            let onsessionexpired = onsessionexpired.clone();
            spawn_local(async move {
                let result = outbox_api::save_limits(server_id, &per_minute, &per_hour, language).await;
                report(
                    result,
                    LimitsAction::Saved,
                    &dispatcher,
                    &onsessionexpired,
                    language,
                );
            });
        })
    };
    let onreset = {
        let dispatcher = state.dispatcher();
        let onsessionexpired = props.onsessionexpired.clone();
        Callback::from(move |_: MouseEvent| {
            dispatcher.dispatch(LimitsAction::Saving);
            let dispatcher = dispatcher.clone();
            let onsessionexpired = onsessionexpired.clone();
            spawn_local(async move {
                let result = outbox_api::reset_limits(server_id, language).await;
                report(
                    result,
                    LimitsAction::Saved,
                    &dispatcher,
                    &onsessionexpired,
                    language,
                );
            });
        })
    };

    // Derived values
    let busy = matches!(state.status, LimitsStatus::Loading | LimitsStatus::Saving);
    let custom = state
        .view
        .as_ref()
        .is_some_and(|view| view.source == LimitSource::Custom);
    let status = match &state.status {
        LimitsStatus::Loading => {
            html! { <p class="status status-pending">{ Text::Loading.in_language(language) }</p> }
        }
        LimitsStatus::Saving => {
            html! { <p class="status status-pending">{ Text::Saving.in_language(language) }</p> }
        }
        LimitsStatus::Saved => {
            html! { <p class="status status-ok">{ Text::Saved.in_language(language) }</p> }
        }
        LimitsStatus::Failed(message) => {
            html! { <p class="status status-error" role="alert">{ message.clone() }</p> }
        }
        LimitsStatus::Idle => Html::default(),
    };
    // The same rules as the backend's, checked on every keystroke.
    let problems = limit_problems(&state.per_minute, &state.per_hour);
    let field = |field: LimitField, id: &'static str, value: &str| {
        let messages: Vec<String> = problems
            .iter()
            .filter(|problem| problem.field() == field)
            .map(|problem| problem.message(language))
            .collect();
        let findings_id = format!("{id}-findings");
        let invalid = !messages.is_empty();
        html! {
            <div class={classes!("field", invalid.then_some("field-invalid"))}>
                <label for={id}>{ field.label(language) }</label>
                <input id={id} type="text" inputmode="numeric" value={value.to_owned()} oninput={oninput(field)}
                    aria-invalid={invalid.then_some("true")} aria-describedby={findings_id.clone()} />
                <div id={findings_id} class="findings" aria-live="polite">
                    { for messages.into_iter().map(|message| html! {
                        <div class="finding finding-error"><p>{ message }</p></div>
                    }) }
                </div>
            </div>
        }
    };

    html! {
        <section class="panel limits" aria-labelledby="limits-title">
            <h2 id="limits-title">{ Text::LimitsTitle.in_language(language) }</h2>
            <p class="help">{ Text::LimitsHelp.in_language(language) }</p>
            if let Some(view) = &state.view {
                <p id="limits-source">{ limits_source(view, language) }</p>
            }
            <form class="limits-form" novalidate=true {onsubmit}>
                { field(LimitField::PerMinute, "limits-per-minute", &state.per_minute) }
                { field(LimitField::PerHour, "limits-per-hour", &state.per_hour) }
                <div class="form-actions">
                    <button type="submit" class="button button-primary" id="save-limits" disabled={busy}>
                        { Text::Save.in_language(language) }
                    </button>
                    if custom {
                        <button type="button" class="button button-quiet" id="reset-limits" disabled={busy} onclick={onreset}>
                            { Text::LimitsReset.in_language(language) }
                        </button>
                    }
                    <div aria-live="polite">{ status }</div>
                </div>
            </form>
        </section>
    }
}

/// Checks the typed limits with the backend's rules; an empty field means no limit.
fn limit_problems(per_minute: &str, per_hour: &str) -> Vec<LimitProblem> {
    let input = SendingLimitsInput {
        per_minute: Some(LimitInput::Text(per_minute.to_owned())),
        per_hour: Some(LimitInput::Text(per_hour.to_owned())),
    };
    validate_sending_limits(&input).err().unwrap_or_default()
}

/// Hands a response to the panel: the limits on success, the login page when the session is
/// gone, the message otherwise.
fn report(
    result: Result<SendingLimitsView, ApiError>,
    on_success: fn(SendingLimitsView) -> LimitsAction,
    dispatcher: &UseReducerDispatcher<LimitsState>,
    onsessionexpired: &Callback<()>,
    language: Language,
) {
    match result {
        Ok(view) => dispatcher.dispatch(on_success(view)),
        Err(ApiError::NotAuthenticated(_)) => onsessionexpired.emit(()),
        Err(error) => dispatcher.dispatch(LimitsAction::Failed(error.message(language))),
    }
}

#[cfg(test)]
mod tests {
    use shared::outbox::SendingLimits;

    use super::*;

    fn view(source: LimitSource, preset_note: Option<&str>) -> SendingLimitsView {
        SendingLimitsView {
            limits: SendingLimits {
                per_minute: Some(30),
                per_hour: None,
            },
            source,
            preset: SendingLimits {
                per_minute: Some(30),
                per_hour: None,
            },
            preset_note: preset_note.map(str::to_owned),
        }
    }

    #[test]
    fn typed_limits_are_checked_per_field() {
        assert!(limit_problems("", "").is_empty());
        assert!(limit_problems("30", "1000").is_empty());

        let problems = limit_problems("2.5", "0");
        let fields: Vec<LimitField> = problems.iter().map(LimitProblem::field).collect();
        assert_eq!(fields, [LimitField::PerMinute, LimitField::PerHour]);

        let problems = limit_problems("60", "30");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field(), LimitField::PerHour);
    }

    #[test]
    fn loaded_limits_fill_the_inputs() {
        let state = Rc::new(LimitsState {
            view: None,
            per_minute: String::new(),
            per_hour: "5".to_owned(),
            status: LimitsStatus::Loading,
        });

        let state = state.reduce(LimitsAction::Loaded(view(LimitSource::Preset, None)));

        assert_eq!(state.per_minute, "30");
        assert_eq!(state.per_hour, "");
        assert_eq!(state.status, LimitsStatus::Idle);
    }

    #[test]
    fn source_names_preset_note_or_seller() {
        let note = "Microsoft 365 erlaubt 30 Mails pro Minute.";

        assert_eq!(
            limits_source(&view(LimitSource::Preset, Some(note)), Language::De),
            note
        );
        assert_eq!(
            limits_source(&view(LimitSource::Preset, None), Language::De),
            "Für diesen Server ist kein Limit voreingestellt."
        );
        assert_eq!(
            limits_source(&view(LimitSource::Custom, Some(note)), Language::En),
            "You set these limits."
        );
    }
}
