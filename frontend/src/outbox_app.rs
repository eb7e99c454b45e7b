//! The outbox page (`outbox.html`): the account's API tokens (`#tokens`) and the sending log
//! of one server (`#log=<server id>`).
//!
//! It is a page of its own beside the settings page (`index.html`): each loads only the code of
//! its screens, so each stays within the transfer budget. The settings page links here, and
//! "back" and a missing session lead to the settings page, which has the login.

use shared::api::AccountView;
use shared::Language;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::header::{app_header, AppHeaderProps};
use crate::i18n::Text;
use crate::language::{apply_language, initial_language, set_title, switch_language};
use crate::pages::message_log::MessageLogPage;
use crate::pages::server_list::server_name;
use crate::pages::tokens::TokensPage;

/// The settings page, where "back" leads.
const SETTINGS_PAGE: &str = "/";

/// The outbox page's screen, chosen by the URL's fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxView {
    Tokens,
    Log { server_id: i64 },
}

impl OutboxView {
    /// Reads the view from a fragment such as `#log=3`; anything else shows the tokens.
    pub fn from_fragment(fragment: &str) -> OutboxView {
        OutboxView::named_by(fragment).unwrap_or(OutboxView::Tokens)
    }

    /// Returns the view that a fragment names explicitly (`#tokens` or `#log=3`), and `None`
    /// for any other fragment, such as the skip link's `#main`.
    pub fn named_by(fragment: &str) -> Option<OutboxView> {
        let fragment = fragment.trim_start_matches('#');
        if fragment == "tokens" {
            return Some(OutboxView::Tokens);
        }
        let server_id = fragment.strip_prefix("log=")?.parse().ok()?;
        Some(OutboxView::Log { server_id })
    }

    /// Returns the address of this view, for links from the settings page.
    pub fn url(self) -> String {
        match self {
            OutboxView::Tokens => "/outbox.html#tokens".to_owned(),
            OutboxView::Log { server_id } => format!("/outbox.html#log={server_id}"),
        }
    }
}

/// Loads another page of the product, such as the settings page.
pub fn go_to(url: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(url);
    }
}

/// The loading state of the session and of the shown server.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Loaded {
    Checking,
    Account(AccountView),
    /// The log's server, with its name for the heading.
    Server {
        account: AccountView,
        name: String,
    },
    /// The account or the log's server failed to load.
    Failed {
        /// `None` when the account itself failed to load.
        account: Option<AccountView>,
        message: String,
    },
}

/// Renders the outbox page.
#[component]
pub fn OutboxApp() -> Html {
    let language = use_state(initial_language);
    let loaded = use_state(|| Loaded::Checking);
    let view = use_memo((), |_| {
        let fragment = web_sys::window()
            .and_then(|window| window.location().hash().ok())
            .unwrap_or_default();
        OutboxView::from_fragment(&fragment)
    });

    {
        let screen_title = match *view {
            OutboxView::Tokens => Text::TokensTitle,
            OutboxView::Log { .. } => Text::LogTitle,
        };
        use_effect_with(*language, move |&language| {
            apply_language(language, false);
            set_title(language, screen_title);
        });
    }
    {
        // A fragment typed into the address bar or opened from a bookmark may name another view,
        // and reloading the page shows it with its own data. Other fragments, such as the skip
        // link's, leave the page as it is.
        let shown_view = *view;
        use_effect_with((), move |_| {
            let reload = Closure::<dyn Fn()>::new(move || {
                let Some(window) = web_sys::window() else {
                    return;
                };
                let fragment = window.location().hash().unwrap_or_default();
                if OutboxView::named_by(&fragment).is_some_and(|named| named != shown_view) {
                    let _ = window.location().reload();
                }
            });
            if let Some(window) = web_sys::window() {
                let _ =
                    window.add_event_listener_with_callback("hashchange", reload.as_ref().unchecked_ref());
            }
            // The page lives as long as the listener, so the closure is never freed.
            reload.forget();
        });
    }
    {
        let loaded = loaded.setter();
        let view = *view;
        let language = *language;
        use_effect_with((), move |_| {
            spawn_local(async move {
                loaded.set(load(view, language).await);
            });
        });
    }

    let onlanguage = {
        let language = language.clone();
        Callback::from(move |choice: Language| {
            if switch_language(choice) {
                language.set(choice);
            }
        })
    };
    let onlogout = {
        let language = *language;
        Callback::from(move |()| {
            spawn_local(async move {
                let _ = api::log_out(language).await;
                go_to(SETTINGS_PAGE);
            });
        })
    };
    let onback = Callback::from(|()| go_to(SETTINGS_PAGE));
    let onsessionexpired = Callback::from(|()| go_to(SETTINGS_PAGE));

    let account = match &*loaded {
        Loaded::Account(account)
        | Loaded::Server { account, .. }
        | Loaded::Failed {
            account: Some(account),
            ..
        } => Some(AttrValue::from(account.email.clone())),
        _ => None,
    };
    let main = match (&*loaded, *view) {
        (Loaded::Checking, _) => {
            html! { <p class="status status-pending">{ Text::Loading.in_language(*language) }</p> }
        }
        (Loaded::Failed { message, .. }, _) => html! {
            <>
                <p class="status status-error" role="alert">{ message.clone() }</p>
                <p>
                    <button type="button" class="button-link" onclick={onback.reform(|_: MouseEvent| ())}>
                        { "← " }{ Text::BackToList.in_language(*language) }
                    </button>
                </p>
            </>
        },
        (Loaded::Server { name, .. }, OutboxView::Log { server_id }) => html! {
            <MessageLogPage {server_id} server_name={name.clone()} {onback} {onsessionexpired} />
        },
        _ => html! { <TokensPage {onback} {onsessionexpired} /> },
    };

    html! {
        <ContextProvider<Language> context={*language}>
            { app_header(AppHeaderProps { account, onlanguage, onlogout }, *language) }
            <main id="main" tabindex="-1">{ main }</main>
        </ContextProvider<Language>>
    }
}

/// Loads the account and, for a log, its server. Without a session the settings page takes
/// over, because the login is there.
async fn load(view: OutboxView, language: Language) -> Loaded {
    let account = match api::load_account(language).await {
        Ok(account) => account,
        Err(ApiError::NotAuthenticated(_)) => {
            go_to(SETTINGS_PAGE);
            return Loaded::Checking;
        }
        Err(error) => {
            return Loaded::Failed {
                account: None,
                message: error.message(language),
            }
        }
    };
    let OutboxView::Log { server_id } = view else {
        return Loaded::Account(account);
    };
    match api::load_server(server_id, language).await {
        Ok(server) => Loaded::Server {
            account,
            name: server_name(&server),
        },
        Err(error) => Loaded::Failed {
            account: Some(account),
            message: error.message(language),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragment_selects_log_or_tokens() {
        assert_eq!(
            OutboxView::from_fragment("#log=12"),
            OutboxView::Log { server_id: 12 }
        );
        assert_eq!(OutboxView::from_fragment("#tokens"), OutboxView::Tokens);
        assert_eq!(OutboxView::from_fragment(""), OutboxView::Tokens);
        assert_eq!(OutboxView::from_fragment("#log=abc"), OutboxView::Tokens);
    }

    #[test]
    fn only_view_fragments_name_a_view() {
        assert_eq!(OutboxView::named_by("#tokens"), Some(OutboxView::Tokens));
        assert_eq!(
            OutboxView::named_by("#log=3"),
            Some(OutboxView::Log { server_id: 3 })
        );
        assert_eq!(OutboxView::named_by("#main"), None);
        assert_eq!(OutboxView::named_by("#log=x"), None);
        assert_eq!(OutboxView::named_by(""), None);
    }

    #[test]
    fn view_url_reads_back() {
        for view in [OutboxView::Tokens, OutboxView::Log { server_id: 7 }] {
            let url = view.url();
            let fragment = url
                .split_once('#')
                .map(|(_, fragment)| fragment)
                .unwrap_or_default();
            assert_eq!(OutboxView::from_fragment(fragment), view);
        }
    }
}
