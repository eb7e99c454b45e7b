//! The page's root: language, session and which screen shows.

use std::rc::Rc;

use shared::api::AccountView;
use shared::Language;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, StoredServer};
use crate::components::header::AppHeader;
use crate::i18n::Text;
use crate::language::{apply_language, initial_language, switch_language};
use crate::outbox_app::{go_to, OutboxView};
use crate::pages::auth::AuthPage;
use crate::pages::server_form::ServerFormPage;
use crate::pages::server_list::ServerListPage;

/// Whether a seller is logged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Session {
    /// The page has not yet asked the backend.
    Checking,
    LoggedOut {
        expired: bool,
    },
    LoggedIn(AccountView),
}

/// The screen shown to a logged-in seller.
///
/// NOTE: the screen is not part of the URL, so the browser's back button leaves the page and a
/// reload returns to the list; typed but unsaved form values are then lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    ServerList,
    NewServer,
    /// Boxed: a server view is large, and the other screens carry nothing.
    EditServer(Box<StoredServer>),
}

/// The page's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppState {
    pub language: Language,
    pub session: Session,
    pub screen: Screen,
}

/// A change to the page's state.
pub enum AppAction {
    ChooseLanguage(Language),
    LoggedIn(AccountView),
    LoggedOut { expired: bool },
    Show(Screen),
}

impl Reducible for AppState {
    type Action = AppAction;

    fn reduce(self: Rc<Self>, action: AppAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            AppAction::ChooseLanguage(language) => next.language = language,
            AppAction::LoggedIn(account) => {
                next.session = Session::LoggedIn(account);
                next.screen = Screen::ServerList;
            }
            AppAction::LoggedOut { expired } => next.session = Session::LoggedOut { expired },
            AppAction::Show(screen) => next.screen = screen,
        }
        Rc::new(next)
    }
}

/// Renders the whole page.
#[component]
pub fn App() -> Html {
    // State
    let state = use_reducer(|| AppState {
        language: initial_language(),
        session: Session::Checking,
        screen: Screen::ServerList,
    });
    let language = state.language;

    // Effects
    use_effect_with(language, |&language| apply_language(language, false));
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            spawn_local(async move {
                match api::load_account(language).await {
                    Ok(account) => dispatcher.dispatch(AppAction::LoggedIn(account)),
                    Err(_) => dispatcher.dispatch(AppAction::LoggedOut { expired: false }),
                }
            });
        });
    }

    {
        // A new screen replaces the button that opened it, so the focus moves to the main region:
        // keyboard and screen reader users continue at the top of the new screen.
        let screen = screen_key(&state.session, &state.screen);
        use_effect_with(screen, |_| focus_main());
    }

    // Callbacks
    let onlanguage = {
        let state = state.clone();
        Callback::from(move |choice: Language| {
            if switch_language(choice) {
                state.dispatch(AppAction::ChooseLanguage(choice));
            }
        })
    };
    let onauthenticated = {
        let state = state.clone();
        Callback::from(move |account: AccountView| state.dispatch(AppAction::LoggedIn(account)))
    };
    let onsessionexpired = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(AppAction::LoggedOut { expired: true }))
    };
    let onlogout = {
        let state = state.clone();
        Callback::from(move |()| {
            let dispatcher = state.dispatcher();
            spawn_local(async move {
                // The page drops the session whatever the response: a session that is already gone
                // counts as logged out, and expiring the cookie is the backend's job.
                let _ = api::log_out(language).await;
                dispatcher.dispatch(AppAction::LoggedOut { expired: false });
            });
        })
    };
    let show = |screen: Screen| {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(AppAction::Show(screen.clone())))
    };
    let onedit = {
        let state = state.clone();
        Callback::from(move |server: StoredServer| {
            state.dispatch(AppAction::Show(Screen::EditServer(Box::new(server))))
        })
    };

    // The API tokens and the sending logs are on the outbox page.
    let onlog = Callback::from(|server: StoredServer| go_to(&OutboxView::Log { server_id: server.id }.url()));
    let ontokens = Callback::from(|()| go_to(&OutboxView::Tokens.url()));

    // Derived values
    let account = match &state.session {
        Session::LoggedIn(account) => Some(AttrValue::from(account.email.clone())),
        _ => None,
    };
    let main = match (&state.session, &state.screen) {
        (Session::Checking, _) => {
            html! { <p class="status status-pending">{ Text::Loading.in_language(language) }</p> }
        }
        (Session::LoggedOut { expired }, _) => {
            let notice = expired.then(|| AttrValue::from(Text::SessionExpired.in_language(language)));
            html! { <AuthPage {notice} {onauthenticated} /> }
        }
        (Session::LoggedIn(_), Screen::ServerList) => html! {
            <ServerListPage onnew={show(Screen::NewServer)} {onedit} {onlog} {ontokens}
                onsessionexpired={onsessionexpired.clone()} />
        },
        (Session::LoggedIn(account), Screen::NewServer) => html! {
            <ServerFormPage key="new" server={None::<StoredServer>} account_email={account.email.clone()}
                onback={show(Screen::ServerList)} {onsessionexpired} />
        },
        (Session::LoggedIn(account), Screen::EditServer(server)) => html! {
            <ServerFormPage key={server.id.to_string()} server={Some((**server).clone())}
                account_email={account.email.clone()} onback={show(Screen::ServerList)} {onsessionexpired} />
        },
    };

    html! {
        <ContextProvider<Language> context={language}>
            <AppHeader {account} {onlanguage} {onlogout} />
            <main id="main" tabindex="-1">{ main }</main>
        </ContextProvider<Language>>
    }
}

/// Identifies what the main region shows, so that a change can move the focus.
fn screen_key(session: &Session, screen: &Screen) -> (u8, i64) {
    match (session, screen) {
        (Session::Checking, _) => (0, 0),
        (Session::LoggedOut { .. }, _) => (1, 0),
        (Session::LoggedIn(_), Screen::ServerList) => (2, 0),
        (Session::LoggedIn(_), Screen::NewServer) => (3, 0),
        (Session::LoggedIn(_), Screen::EditServer(server)) => (4, server.id),
    }
}

fn focus_main() {
    let main = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("main"))
        .and_then(|element| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element).ok());
    if let Some(main) = main {
        let _ = main.focus();
    }
}
