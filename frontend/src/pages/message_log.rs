//! "Versandprotokoll": the mails sent through one server, newest first, with filters by status
//! and day, paging and "Erneut senden" for failed mails.

use std::rc::Rc;

use shared::outbox::{MessageList, MessageStatus, MessageView};
use shared::Language;
use wasm_bindgen_futures::spawn_local;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::api::ApiError;
use crate::i18n::{format_timestamp, Text};
use crate::outbox_api::{self, LogFilter};
use crate::pages::limits::SendingLimitsPanel;

/// Whether a page of the log is on its way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogLoad {
    Loading,
    Idle,
    Failed(String),
}

/// The outcome of "Erneut senden" on one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResendOutcome {
    Sending,
    Queued,
    Failed(String),
}

/// The log page's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogState {
    pub filter: LogFilter,
    /// The messages loaded so far, newest first.
    pub messages: Vec<MessageView>,
    /// The cursor of the next, older page, or `None` once the last page is loaded.
    pub next_before: Option<i64>,
    pub load: LogLoad,
    /// Increased when the log starts over, so that a page requested before is dropped.
    pub generation: u32,
    pub resends: Vec<(i64, ResendOutcome)>,
}

/// A change to the log page.
pub enum LogAction {
    /// Starts over with the first page for this filter.
    Restart(LogFilter),
    LoadingMore,
    /// A page arrived for the given generation; the first page replaces the list.
    Loaded {
        generation: u32,
        first: bool,
        page: MessageList,
    },
    LoadFailed {
        generation: u32,
        message: String,
    },
    Resend(i64, ResendOutcome),
    /// The message's new state after a resend. Boxed: a message is large, and the other
    /// actions are small.
    Replace(Box<MessageView>),
}

impl LogState {
    /// Creates the state shown until the first page of the given filter arrives.
    pub fn new(filter: LogFilter) -> LogState {
        LogState {
            filter,
            messages: Vec::new(),
            next_before: None,
            load: LogLoad::Loading,
            generation: 0,
            resends: Vec::new(),
        }
    }

    fn resend_outcome(&self, id: i64) -> Option<&ResendOutcome> {
        self.resends
            .iter()
            .find(|(message, _)| *message == id)
            .map(|(_, outcome)| outcome)
    }
}

impl Reducible for LogState {
    type Action = LogAction;

    fn reduce(self: Rc<Self>, action: LogAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            LogAction::Restart(filter) => {
                next = LogState::new(filter);
                next.generation = self.generation + 1;
            }
            LogAction::LoadingMore => next.load = LogLoad::Loading,
            LogAction::Loaded { generation, .. } | LogAction::LoadFailed { generation, .. }
                if generation != self.generation =>
            {
                return self;
            }
            LogAction::Loaded { first, page, .. } => {
                if first {
                    next.messages.clear();
                }
                next.messages.extend(page.messages);
                next.next_before = page.next_before;
                next.load = LogLoad::Idle;
            }
            LogAction::LoadFailed { message, .. } => next.load = LogLoad::Failed(message),
            LogAction::Resend(id, outcome) => {
                next.resends.retain(|(message, _)| *message != id);
                next.resends.push((id, outcome));
            }
            LogAction::Replace(message) => {
                if let Some(shown) = next.messages.iter_mut().find(|shown| shown.id == message.id) {
                    *shown = *message;
                }
            }
        }
        Rc::new(next)
    }
}

/// Returns the badge class that colours a status: green for sent, red for failed.
pub fn status_class(status: MessageStatus) -> &'static str {
    match status {
        MessageStatus::Queued | MessageStatus::Sending => "badge badge-muted",
        MessageStatus::Sent => "badge badge-ok",
        MessageStatus::Failed => "badge badge-failed",
    }
}

/// Props of [`MessageLogPage`].
#[derive(Properties, PartialEq)]
pub struct MessageLogPageProps {
    pub server_id: i64,
    pub server_name: AttrValue,
    pub onback: Callback<()>,
    pub onsessionexpired: Callback<()>,
}

/// Renders one server's sending log.
#[component]
pub fn MessageLogPage(props: &MessageLogPageProps) -> Html {
    let language = use_context::<Language>().unwrap_or_default();
    let server_id = props.server_id;

    // State
    let state = use_reducer(|| LogState::new(LogFilter::default()));

    // Effects: the first page, again when the filter or the language changes, because the
    // reasons come translated.
    {
        let dispatcher = state.dispatcher();
        let onsessionexpired = props.onsessionexpired.clone();
        let (filter, generation) = (state.filter.clone(), state.generation);
        use_effect_with((generation, language), move |_| {
            load_page(
                server_id,
                filter,
                None,
                generation,
                language,
                dispatcher,
                onsessionexpired,
            );
        });
    }

    // Callbacks
    let onback = {
        let onback = props.onback.clone();
        Callback::from(move |_: MouseEvent| onback.emit(()))
    };
    let onfilter = {
        let state = state.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            let filter = LogFilter {
                status: MessageStatus::parse(&select.value()),
                ..state.filter.clone()
            };
            state.dispatch(LogAction::Restart(filter));
        })
    };
    let onday = {
        let state = state.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            let day = input.value();
            // The browser's date field gives YYYY-MM-DD, or nothing while the date is incomplete.
            let day = outbox_api::next_day(&day).is_some().then_some(day);
            let filter = LogFilter {
                day,
                ..state.filter.clone()
            };
            state.dispatch(LogAction::Restart(filter));
        })
    };
    let onrefresh = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(LogAction::Restart(state.filter.clone())))
    };
    let onmore = {
        let state = state.clone();
        let onsessionexpired = props.onsessionexpired.clone();
        Callback::from(move |_: MouseEvent| {
            state.dispatch(LogAction::LoadingMore);
            let dispatcher = state.dispatcher();
            let (filter, before, generation) = (state.filter.clone(), state.next_before, state.generation);
            load_page(
                server_id,
                filter,
                before,
                generation,
                language,
                dispatcher,
                onsessionexpired.clone(),
            );
        })
    };
    let onresend = {
        let dispatcher = state.dispatcher();
        Callback::from(move |id: i64| {
            dispatcher.dispatch(LogAction::Resend(id, ResendOutcome::Sending));
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                match outbox_api::resend_message(id, language).await {
                    Ok(message) => {
                        dispatcher.dispatch(LogAction::Replace(Box::new(message)));
                        dispatcher.dispatch(LogAction::Resend(id, ResendOutcome::Queued));
                    }
                    Err(error) => dispatcher.dispatch(LogAction::Resend(
                        id,
                        ResendOutcome::Failed(error.message(language)),
                    )),
                }
            });
        })
    };

    // Derived values
    let text = |text: Text| text.in_language(language);
    let loading = state.load == LogLoad::Loading;
    let empty_text = match &state.filter {
        LogFilter { day: Some(_), .. } => Text::LogEmptyDay,
        LogFilter { status: Some(_), .. } => Text::LogEmptyFiltered,
        LogFilter { .. } => Text::LogEmpty,
    };
    let footer = match &state.load {
        LogLoad::Loading => html! { <p class="status status-pending">{ text(Text::Loading) }</p> },
        LogLoad::Failed(message) => {
            html! { <p class="status status-error" role="alert">{ message.clone() }</p> }
        }
        LogLoad::Idle if state.messages.is_empty() => {
            html! { <p class="panel muted" id="log-empty">{ text(empty_text) }</p> }
        }
        LogLoad::Idle => Html::default(),
    };

    html! {
        <div class="page page-log">
            <div class="page-header">
                <button type="button" class="button-link" onclick={onback}>{ "← " }{ text(Text::BackToList) }</button>
                <h1 id="log-title">{ text(Text::LogTitle) }{ ": " }{ props.server_name.clone() }</h1>
            </div>
            <p class="lead">{ text(Text::LogIntro) }</p>
            <div class="log-tools">
                <div class="field">
                    <label for="log-status">{ text(Text::LogFilter) }</label>
                    <select id="log-status" onchange={onfilter}>
                        <option value="" selected={state.filter.status.is_none()}>{ text(Text::LogFilterAll) }</option>
                        { for MessageStatus::ALL.into_iter().map(|status| html! {
                            <option value={status.as_str()} selected={state.filter.status == Some(status)}>
                                { status.label(language) }
                            </option>
                        }) }
                    </select>
                </div>
                <div class="field">
                    <label for="log-day">{ text(Text::LogFilterDay) }</label>
                    <input type="date" id="log-day" value={state.filter.day.clone().unwrap_or_default()}
                        onchange={onday} />
                </div>
                <button type="button" class="button button-quiet" id="log-refresh" disabled={loading} onclick={onrefresh}>
                    { text(Text::Refresh) }
                </button>
            </div>
            if !state.messages.is_empty() {
                <ul class="message-list" aria-labelledby="log-title">
                    { for state.messages.iter().map(|message| {
                        message_row(message, state.resend_outcome(message.id), &onresend, language)
                    }) }
                </ul>
            }
            <div aria-live="polite">{ footer }</div>
            if state.next_before.is_some() && !loading {
                <button type="button" class="button" id="log-more" onclick={onmore}>{ text(Text::LoadMore) }</button>
            }
            <SendingLimitsPanel {server_id} onsessionexpired={props.onsessionexpired.clone()} />
        </div>
    }
}

/// Loads one page of the log and hands it to the page's reducer.
fn load_page(
    server_id: i64,
    filter: LogFilter,
    before: Option<i64>,
    generation: u32,
    language: Language,
    dispatcher: UseReducerDispatcher<LogState>,
    onsessionexpired: Callback<()>,
) {
    spawn_local(async move {
        match outbox_api::list_messages(server_id, &filter, before, language).await {
            Ok(page) => dispatcher.dispatch(LogAction::Loaded {
                generation,
                first: before.is_none(),
                page,
            }),
            Err(ApiError::NotAuthenticated(_)) => onsessionexpired.emit(()),
            Err(error) => dispatcher.dispatch(LogAction::LoadFailed {
                generation,
                message: error.message(language),
            }),
        }
    });
}

fn message_row(
    message: &MessageView,
    resend: Option<&ResendOutcome>,
    onresend: &Callback<i64>,
    language: Language,
) -> Html {
    let text = |text: Text| text.in_language(language);
    let failed = message.status == MessageStatus::Failed;
    let onclick = {
        let onresend = onresend.clone();
        let id = message.id;
        Callback::from(move |_: MouseEvent| onresend.emit(id))
    };
    let reason_class = match failed {
        true => "status status-error",
        false => "status status-info",
    };
    let resend_status = match resend {
        None => Html::default(),
        Some(ResendOutcome::Sending) => {
            html! { <p class="status status-pending">{ text(Text::Loading) }</p> }
        }
        Some(ResendOutcome::Queued) => html! { <p class="status status-ok">{ text(Text::Resent) }</p> },
        Some(ResendOutcome::Failed(error)) => html! { <p class="status status-error">{ error.clone() }</p> },
    };

    html! {
        <li class="panel message" key={message.id} id={format!("message-{}", message.id)}>
            <div class="row-head">
                <h2>{ message.subject.clone() }</h2>
                <span class={status_class(message.status)}>{ message.status.label(language) }</span>
            </div>
            <dl class="server-facts">
                <dt>{ text(Text::MessageRecipients) }</dt>
                <dd>{ message.to.join(", ") }</dd>
                <dt>{ text(Text::MessageReceived) }</dt>
                <dd>{ format_timestamp(&message.created_at, language) }</dd>
                if let Some(at) = &message.sent_at {
                    <dt>{ text(Text::MessageSentAt) }</dt>
                    <dd>{ format_timestamp(at, language) }</dd>
                }
                if let Some(at) = &message.next_attempt_at {
                    <dt>{ text(Text::MessageNextAttempt) }</dt>
                    <dd>{ format_timestamp(at, language) }</dd>
                }
                <dt>{ text(Text::MessageAttempts) }</dt>
                <dd>{ message.attempts }</dd>
            </dl>
            if let Some(reason) = &message.reason {
                <p class={reason_class}><strong>{ text(Text::MessageReason) }{ ": " }</strong>{ reason.clone() }</p>
            }
            if let Some(reply) = &message.last_reply {
                <details class="transcript">
                    <summary>{ text(Text::LastReply) }</summary>
                    <pre>{ reply.clone() }</pre>
                </details>
            }
            if failed {
                <div class="server-actions">
                    <button type="button" class="button" disabled={resend == Some(&ResendOutcome::Sending)} {onclick}>
                        { text(Text::Resend) }
                    </button>
                </div>
            }
            <div aria-live="polite">{ resend_status }</div>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: i64, status: MessageStatus) -> MessageView {
        MessageView {
            id,
            status,
            server_id: Some(1),
            from: "max@shop.example".to_owned(),
            to: vec!["erika@kunde.example".to_owned()],
            subject: format!("Bestellung {id}"),
            message_id: format!("<{id}@shop.example>"),
            attempts: 1,
            last_reply: None,
            reason_code: None,
            reason: None,
            created_at: "2026-12-01T08:15:42Z".to_owned(),
            updated_at: "2026-12-01T08:15:42Z".to_owned(),
            next_attempt_at: None,
            sent_at: None,
        }
    }

    fn page(ids: &[i64], next_before: Option<i64>) -> MessageList {
        MessageList {
            messages: ids.iter().map(|&id| message(id, MessageStatus::Sent)).collect(),
            next_before,
        }
    }

    fn ids(state: &LogState) -> Vec<i64> {
        state.messages.iter().map(|message| message.id).collect()
    }

    #[test]
    fn next_page_appends_and_moves_cursor() {
        let state = Rc::new(LogState::new(LogFilter::default()));

        let state = state.reduce(LogAction::Loaded {
            generation: 0,
            first: true,
            page: page(&[9, 8], Some(8)),
        });
        let state = state.reduce(LogAction::Loaded {
            generation: 0,
            first: false,
            page: page(&[7], None),
        });

        assert_eq!(ids(&state), [9, 8, 7]);
        assert_eq!(state.next_before, None);
        assert_eq!(state.load, LogLoad::Idle);
    }

    #[test]
    fn filter_change_drops_older_pages() {
        let state = Rc::new(LogState::new(LogFilter::default())).reduce(LogAction::Loaded {
            generation: 0,
            first: true,
            page: page(&[9, 8], Some(8)),
        });

        let failed = LogFilter {
            status: Some(MessageStatus::Failed),
            day: None,
        };
        let state = state.reduce(LogAction::Restart(failed.clone()));
        let state = state.reduce(LogAction::Loaded {
            generation: 0,
            first: false,
            page: page(&[7], None),
        });

        assert_eq!(state.filter, failed);
        assert!(state.messages.is_empty(), "a page of the old filter was kept");
        assert_eq!(state.load, LogLoad::Loading);
    }

    #[test]
    fn resend_replaces_the_message() {
        let state = Rc::new(LogState::new(LogFilter::default())).reduce(LogAction::Loaded {
            generation: 0,
            first: true,
            page: MessageList {
                messages: vec![message(5, MessageStatus::Failed)],
                next_before: None,
            },
        });

        let state = state.reduce(LogAction::Replace(Box::new(message(5, MessageStatus::Queued))));
        let state = state.reduce(LogAction::Resend(5, ResendOutcome::Queued));

        assert_eq!(state.messages[0].status, MessageStatus::Queued);
        assert_eq!(state.resend_outcome(5), Some(&ResendOutcome::Queued));
    }

    #[test]
    fn status_words_read_as_plain_words() {
        let cases = [
            (MessageStatus::Queued, "In der Warteschlange", "Queued"),
            (MessageStatus::Sending, "Wird gesendet", "Sending"),
            (MessageStatus::Sent, "Gesendet", "Sent"),
            (MessageStatus::Failed, "Fehlgeschlagen", "Failed"),
        ];
        for (status, german, english) in cases {
            assert_eq!(status.label(Language::De), german, "{status:?}");
            assert_eq!(status.label(Language::En), english, "{status:?}");
        }
    }

    #[test]
    fn status_colours_sent_and_failed() {
        assert_eq!(status_class(MessageStatus::Sent), "badge badge-ok");
        assert_eq!(status_class(MessageStatus::Failed), "badge badge-failed");
    }
}
