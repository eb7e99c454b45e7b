//! "E-Mail-Versand": the account's SMTP servers.

use std::rc::Rc;

use shared::{Language, Severity};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError, StoredServer};
use crate::i18n::{confirm_delete, format_timestamp, security_label, Text};
use crate::pages::reactivation::ReactivateButton;

/// Loading state of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListStatus {
    Loading,
    Loaded(Vec<StoredServer>),
    Failed(String),
}

/// The list page's state: the servers, and the outcome of the last action on one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListState {
    pub servers: ListStatus,
    /// Increased to load the list again.
    pub generation: u32,
    pub notice: Option<Notice>,
}

/// The outcome of deleting a server or making it the default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Deleted; the backend's note when the account's default server moved.
    Deleted {
        default_change: Option<String>,
    },
    /// The backend's note on the new default server.
    DefaultChanged(Option<String>),
    /// The connection check's verdict on a server that is active again.
    Reactivated(String),
    Failed(String),
}

/// A change to the list page.
pub enum ListAction {
    Loaded(Vec<StoredServer>),
    LoadFailed(String),
    Reload,
    Notify(Notice),
}

impl Reducible for ListState {
    type Action = ListAction;

    fn reduce(self: Rc<Self>, action: ListAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            ListAction::Loaded(servers) => next.servers = ListStatus::Loaded(servers),
            ListAction::LoadFailed(message) => next.servers = ListStatus::Failed(message),
            ListAction::Reload => {
                next.generation += 1;
                next.servers = ListStatus::Loading;
            }
            ListAction::Notify(notice) => next.notice = Some(notice),
        }
        Rc::new(next)
    }
}

/// Props of [`ServerListPage`].
#[derive(Properties, PartialEq)]
pub struct ServerListPageProps {
    pub onnew: Callback<()>,
    pub onedit: Callback<StoredServer>,
    pub onlog: Callback<StoredServer>,
    pub ontokens: Callback<()>,
    pub onsessionexpired: Callback<()>,
}

/// Renders the list of servers, or an explanation and "Neu" when there is none yet.
#[component]
pub fn ServerListPage(props: &ServerListPageProps) -> Html {
    let language = use_context::<Language>().unwrap_or_default();

    // State
    let state = use_reducer(|| ListState {
        servers: ListStatus::Loading,
        generation: 0,
        notice: None,
    });

    // Effects: load again when the language changes, because the stored findings come translated.
    {
        let dispatcher = state.dispatcher();
        let onsessionexpired = props.onsessionexpired.clone();
        use_effect_with((state.generation, language), move |&(_, language)| {
            spawn_local(async move {
                match api::list_servers(language).await {
                    Ok(servers) => dispatcher.dispatch(ListAction::Loaded(servers)),
                    Err(ApiError::NotAuthenticated(_)) => onsessionexpired.emit(()),
                    Err(error) => dispatcher.dispatch(ListAction::LoadFailed(error.message(language))),
                }
            });
        });
    }

    // Callbacks
    let onnew = {
        let onnew = props.onnew.clone();
        Callback::from(move |_: MouseEvent| onnew.emit(()))
    };
    let ontokens = {
        let ontokens = props.ontokens.clone();
        Callback::from(move |_: MouseEvent| ontokens.emit(()))
    };
    let onreactivated = {
        let dispatcher = state.dispatcher();
        Callback::from(move |verdict: String| {
            dispatcher.dispatch(ListAction::Notify(Notice::Reactivated(verdict)));
            dispatcher.dispatch(ListAction::Reload);
        })
    };
    let onretry = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(ListAction::Reload))
    };
    let ondelete = {
        let dispatcher = state.dispatcher();
        Callback::from(move |server: StoredServer| {
            if !confirmed(&confirm_delete(&server_name(&server), language)) {
                return;
            }
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                let notice = match api::delete_server(server.id, language).await {
                    Ok(deleted) => Notice::Deleted {
                        default_change: deleted.default_change.map(|change| change.message),
                    },
                    Err(error) => Notice::Failed(error.message(language)),
                };
                dispatcher.dispatch(ListAction::Notify(notice));
                dispatcher.dispatch(ListAction::Reload);
            });
        })
    };
    let onmakedefault = {
        let dispatcher = state.dispatcher();
        Callback::from(move |server: StoredServer| {
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                let notice = match api::make_default(server.id, language).await {
                    Ok(saved) => Notice::DefaultChanged(saved.default_change.map(|change| change.message)),
                    Err(error) => Notice::Failed(error.message(language)),
                };
                dispatcher.dispatch(ListAction::Notify(notice));
                dispatcher.dispatch(ListAction::Reload);
            });
        })
    };

    // Derived values
    let notice = match &state.notice {
        Some(Notice::Deleted { default_change }) => html! {
            <p class="status status-ok">
                { Text::Deleted.in_language(language) }
                if let Some(change) = default_change { { " " }{ change.clone() } }
            </p>
        },
        Some(Notice::DefaultChanged(Some(change))) => {
            html! { <p class="status status-ok">{ change.clone() }</p> }
        }
        Some(Notice::DefaultChanged(None)) => Html::default(),
        Some(Notice::Reactivated(verdict)) => html! {
            <p class="status status-ok">{ Text::Reactivated.in_language(language) }{ " " }{ verdict.clone() }</p>
        },
        Some(Notice::Failed(message)) => html! { <p class="status status-error">{ message.clone() }</p> },
        None => Html::default(),
    };
    let body = match &state.servers {
        ListStatus::Loading => {
            html! { <p class="status status-pending">{ Text::Loading.in_language(language) }</p> }
        }
        ListStatus::Failed(message) => html! {
            <div class="status status-error">
                <p>{ message.clone() }</p>
                <button type="button" class="button" onclick={onretry}>{ Text::Retry.in_language(language) }</button>
            </div>
        },
        ListStatus::Loaded(servers) if servers.is_empty() => empty_list(language, &onnew),
        ListStatus::Loaded(servers) => {
            let callbacks = CardCallbacks {
                onedit: props.onedit.clone(),
                ondelete: ondelete.clone(),
                onmakedefault: onmakedefault.clone(),
                onlog: props.onlog.clone(),
                onreactivated: onreactivated.clone(),
                onsessionexpired: props.onsessionexpired.clone(),
            };
            html! {
                <ul class="server-list">
                    { for servers.iter().map(|server| server_card(server, &callbacks, language)) }
                </ul>
            }
        }
    };

    html! {
        <div class="page page-list">
            <div class="page-header page-header-row">
                <h1>{ Text::ListTitle.in_language(language) }</h1>
                <div class="server-actions">
                    <button type="button" class="button button-quiet" id="open-tokens" onclick={ontokens}>
                        { Text::TokensTitle.in_language(language) }
                    </button>
                    <button type="button" class="button button-primary" id="new-server" onclick={onnew}>
                        { "+ " }{ Text::New.in_language(language) }
                    </button>
                </div>
            </div>
            <p class="lead">{ Text::ListIntro.in_language(language) }</p>
            <div aria-live="polite">{ notice }</div>
            { body }
        </div>
    }
}

/// Renders why a seller wants their own server, and the way to set one up.
///
/// This and [`server_card`] are plain functions rather than components: each component type
/// adds its own copy of Yew's component code to the page's wasm.
fn empty_list(language: Language, onclick: &Callback<MouseEvent>) -> Html {
    let onclick = onclick.clone();
    html! {
        <div class="panel empty-list">
            <h2>{ Text::EmptyTitle.in_language(language) }</h2>
            <p>{ Text::EmptyWhy.in_language(language) }</p>
            <p>{ Text::EmptyAction.in_language(language) }</p>
            <button type="button" class="button button-primary" {onclick}>{ Text::New.in_language(language) }</button>
        </div>
    }
}

/// The callbacks of a server card's buttons.
struct CardCallbacks {
    onedit: Callback<StoredServer>,
    ondelete: Callback<StoredServer>,
    onmakedefault: Callback<StoredServer>,
    onlog: Callback<StoredServer>,
    onreactivated: Callback<String>,
    onsessionexpired: Callback<()>,
}

/// Renders one server: name, sender, host, security, state, last test, and a deactivation if any.
fn server_card(server: &StoredServer, props: &CardCallbacks, language: Language) -> Html {
    let emit = |callback: &Callback<StoredServer>| {
        let callback = callback.clone();
        let server = server.clone();
        Callback::from(move |_: MouseEvent| callback.emit(server.clone()))
    };

    let heading_id = format!("server-{}-name", server.id);
    // The list shows what may stop mail from arriving; hints stay in the form.
    let warnings: Vec<_> = server
        .findings
        .iter()
        .filter(|finding| finding.severity == Severity::Warning)
        .collect();
    let (active_class, active_text) = match server.active {
        true => ("badge badge-ok", Text::StatusActive),
        false => ("badge badge-muted", Text::StatusInactive),
    };

    html! {
        <li key={server.id} class={classes!("panel", "server-card", server.deactivated.is_some().then_some("server-card-deactivated"))}
            aria-labelledby={heading_id.clone()}>
            <div class="server-card-head">
                <h2 id={heading_id}>{ server_name(server) }</h2>
                <span class={active_class}>{ active_text.in_language(language) }</span>
                if server.is_default {
                    <span class="badge badge-default">{ Text::StatusDefault.in_language(language) }</span>
                }
            </div>
            if let Some(deactivation) = &server.deactivated {
                <div class="deactivated" role="note">
                    <p><strong>{ Text::DeactivatedTitle.in_language(language) }</strong>
                        { format!(" ({})", format_timestamp(&deactivation.at, language)) }</p>
                    <p>{ deactivation.reason.clone() }</p>
                    <ReactivateButton server_id={server.id} onreactivated={props.onreactivated.clone()}
                        onsessionexpired={props.onsessionexpired.clone()} />
                </div>
            }
            <dl class="server-facts">
                <dt>{ shared::Field::Sender.label(language) }</dt>
                <dd>{ server.sender.clone() }</dd>
                <dt>{ shared::Field::Host.label(language) }</dt>
                <dd>{ format!("{}:{}", server.host, server.port) }</dd>
                <dt>{ shared::Field::Security.label(language) }</dt>
                <dd>{ security_label(server.security, language) }</dd>
                <dt>{ Text::LastTest.in_language(language) }</dt>
                <dd>{ last_test(server, language) }</dd>
            </dl>
            if !warnings.is_empty() {
                <ul class="server-findings">
                    { for warnings.iter().map(|finding| html! { <li>{ finding.message.clone() }</li> }) }
                </ul>
            }
            <div class="server-actions">
                <button type="button" class="button" onclick={emit(&props.onedit)}>{ Text::Edit.in_language(language) }</button>
                <button type="button" class="button button-quiet" id={format!("open-log-{}", server.id)} onclick={emit(&props.onlog)}>
                    { Text::LogTitle.in_language(language) }
                </button>
                if !server.is_default && server.active {
                    <button type="button" class="button button-quiet" onclick={emit(&props.onmakedefault)}>
                        { Text::MakeDefault.in_language(language) }
                    </button>
                }
                <button type="button" class="button button-quiet button-danger" onclick={emit(&props.ondelete)}>
                    { Text::Delete.in_language(language) }
                </button>
            </div>
        </li>
    }
}

fn last_test(server: &StoredServer, language: Language) -> Html {
    let Some(test) = &server.last_test else {
        return html! { <span class="muted">{ Text::LastTestNone.in_language(language) }</span> };
    };
    let (class, mark, text) = match test.ok {
        true => ("test-ok", "✓ ", Text::LastTestOk),
        false => ("test-failed", "✗ ", Text::LastTestFailed),
    };
    html! {
        <span class={class}>
            <span aria-hidden="true">{ mark }</span>
            { text.in_language(language) }{ ", " }{ format_timestamp(&test.at, language) }
        </span>
    }
}

/// Returns the display name, or the sender when the seller gave no name.
pub(crate) fn server_name(server: &StoredServer) -> String {
    match server.display_name.trim() {
        "" => server.sender.clone(),
        name => name.to_owned(),
    }
}

fn confirmed(question: &str) -> bool {
    web_sys::window().is_some_and(|window| window.confirm_with_message(question).unwrap_or(false))
}
