//! The page's root: language, session and which screen shows.

use std::cell::Cell;
use std::rc::Rc;

use shared::api::AccountView;
use shared::Language;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, StoredServer};
use crate::components::header::{app_header, AppHeaderProps};
use crate::i18n::Text;
use crate::language::{apply_language, initial_language, set_title, switch_language};
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

/// The screen shown to a logged-in seller. The URL's fragment names it (see [`Route`]), so the
/// browser's back button and a reload return to it. Before a form with unsaved values is left,
/// the seller confirms: in the browser's dialog before a reload, in [`may_leave_form`]'s before
/// another screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    ServerList,
    NewServer,
    /// Boxed: a server view is large, and the other screens carry nothing.
    EditServer(Box<StoredServer>),
}

/// A screen as the URL's fragment names it: `#new`, `#edit=<server id>`, and anything else
/// for the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    List,
    New,
    Edit(i64),
}

impl Route {
    /// Reads a fragment, with or without its `#`.
    pub fn from_fragment(fragment: &str) -> Route {
        Route::named_by(fragment).unwrap_or(Route::List)
    }

    /// Returns the route that a fragment names (none, `#new` or `#edit=<id>`), and `None` for
    /// any other fragment, such as the skip link's `#main`.
    pub fn named_by(fragment: &str) -> Option<Route> {
        match fragment.trim_start_matches('#') {
            "" => Some(Route::List),
            "new" => Some(Route::New),
            other => other.strip_prefix("edit=")?.parse().ok().map(Route::Edit),
        }
    }

    /// Returns the fragment without its `#`; the list has none.
    pub fn fragment(self) -> String {
        match self {
            Route::List => String::new(),
            Route::New => "new".to_owned(),
            Route::Edit(id) => format!("edit={id}"),
        }
    }

    fn of(screen: &Screen) -> Route {
        match screen {
            Screen::ServerList => Route::List,
            Screen::NewServer => Route::New,
            Screen::EditServer(server) => Route::Edit(server.id),
        }
    }
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
    // The route the URL shows, so that the page's own change of the fragment is not followed.
    let shown_route = use_memo((), |_| Cell::new(Route::List));

    // Effects
    use_effect_with(language, |&language| {
        apply_language(language, false);
        set_title(language, Text::ListTitle);
    });
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            // Read before the first screen replaces the fragment.
            let route = Route::from_fragment(&current_fragment());
            spawn_local(async move {
                match api::load_account(language).await {
                    Ok(account) => {
                        dispatcher.dispatch(AppAction::LoggedIn(account));
                        open_route(route, dispatcher, language);
                    }
                    Err(_) => dispatcher.dispatch(AppAction::LoggedOut { expired: false }),
                }
            });
        });
    }
    {
        // The URL follows the screen.
        let route = matches!(state.session, Session::LoggedIn(_)).then(|| Route::of(&state.screen));
        let shown_route = shown_route.clone();
        use_effect_with(route, move |&route| {
            if let Some(route) = route {
                shown_route.set(route);
                set_fragment(&route.fragment());
            }
        });
    }
    {
        // The screen follows the URL when the seller uses back and forward.
        let dispatcher = state.dispatcher();
        let shown_route = shown_route.clone();
        use_effect_with((), move |_| {
            let follow = Closure::<dyn Fn()>::new(move || {
                let Some(route) = Route::named_by(&current_fragment()) else {
                    return;
                };
                if route == shown_route.get() {
                    return;
                }
                if !may_leave_form(language) {
                    // Staying: the form's address becomes the newest history entry again, so the
                    // back button shows the confirmation again.
                    set_fragment(&shown_route.get().fragment());
                    return;
                }
                shown_route.set(route);
                open_route(route, dispatcher.clone(), language);
            });
            if let Some(window) = web_sys::window() {
                let _ =
                    window.add_event_listener_with_callback("hashchange", follow.as_ref().unchecked_ref());
            }
            // The page lives as long as the listener, so the closure is never freed.
            follow.forget();
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
            // Another language reloads the page.
            if choice != language && !may_leave_form(language) {
                return;
            }
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
            if !may_leave_form(language) {
                return;
            }
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
        Callback::from(move |()| {
            if may_leave_form(language) {
                state.dispatch(AppAction::Show(screen.clone()));
            }
        })
    };
    // The first save of a new server turns the form into its edit form, so the URL then names
    // the server. A reload or a return by the back button shows it, not an empty form.
    let oncreated = {
        let shown_route = shown_route.clone();
        Callback::from(move |id: i64| {
            let route = Route::Edit(id);
            shown_route.set(route);
            replace_fragment(&route.fragment());
        })
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
                onback={show(Screen::ServerList)} {oncreated} {onsessionexpired} />
        },
        (Session::LoggedIn(account), Screen::EditServer(server)) => html! {
            <ServerFormPage key={server.id.to_string()} server={Some((**server).clone())}
                account_email={account.email.clone()} onback={show(Screen::ServerList)} {oncreated}
                {onsessionexpired} />
        },
    };

    html! {
        <ContextProvider<Language> context={language}>
            { app_header(AppHeaderProps { account, onlanguage, onlogout }, language) }
            <main id="main" tabindex="-1">{ main }</main>
        </ContextProvider<Language>>
    }
}

thread_local! {
    /// Whether the open server form differs from what is stored; the form keeps it current.
    static FORM_UNSAVED: Cell<bool> = const { Cell::new(false) };
}

/// Records whether the open server form has unsaved changes.
pub fn set_form_unsaved(unsaved: bool) {
    FORM_UNSAVED.with(|flag| flag.set(unsaved));
}

/// Returns whether the open server form has unsaved changes the seller has not agreed to drop.
pub fn is_form_unsaved() -> bool {
    FORM_UNSAVED.with(Cell::get)
}

/// Returns whether the seller may leave the form: at once without unsaved changes, otherwise
/// after confirming that they are discarded.
fn may_leave_form(language: Language) -> bool {
    if !is_form_unsaved() {
        return true;
    }
    let question = Text::LeaveUnsavedForm.in_language(language);
    let leave =
        web_sys::window().is_some_and(|window| window.confirm_with_message(question).unwrap_or(false));
    if leave {
        set_form_unsaved(false);
    }
    leave
}

/// Shows the screen of a route; an edit route loads its server first and shows the list if the
/// server is gone.
fn open_route(route: Route, dispatcher: UseReducerDispatcher<AppState>, language: Language) {
    match route {
        Route::List => dispatcher.dispatch(AppAction::Show(Screen::ServerList)),
        Route::New => dispatcher.dispatch(AppAction::Show(Screen::NewServer)),
        Route::Edit(id) => spawn_local(async move {
            let screen = match api::load_server(id, language).await {
                Ok(server) => Screen::EditServer(Box::new(server)),
                Err(_) => Screen::ServerList,
            };
            dispatcher.dispatch(AppAction::Show(screen));
        }),
    }
}

fn current_fragment() -> String {
    web_sys::window()
        .and_then(|window| window.location().hash().ok())
        .unwrap_or_default()
}

fn set_fragment(fragment: &str) {
    if current_fragment().trim_start_matches('#') == fragment {
        return;
    }
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash(fragment);
    }
}

/// Replaces the fragment without a new history entry and without a `hashchange` event.
fn replace_fragment(fragment: &str) {
    if let Some(history) = web_sys::window().and_then(|window| window.history().ok()) {
        let _ =
            history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("#{fragment}")));
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
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(main) = main {
        let _ = main.focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragment_names_the_screen() {
        assert_eq!(Route::from_fragment("#new"), Route::New);
        assert_eq!(Route::from_fragment("#edit=42"), Route::Edit(42));
        assert_eq!(Route::from_fragment("edit=42"), Route::Edit(42));
        assert_eq!(Route::from_fragment(""), Route::List);
        assert_eq!(Route::from_fragment("#edit=x"), Route::List);
    }

    #[test]
    fn skip_link_fragment_names_no_route() {
        assert_eq!(Route::named_by("#main"), None);
        assert_eq!(Route::named_by("#edit=x"), None);
        assert_eq!(Route::named_by("#"), Some(Route::List));
        assert_eq!(Route::named_by("#edit=42"), Some(Route::Edit(42)));
    }

    #[test]
    fn route_fragment_reads_back() {
        for route in [Route::List, Route::New, Route::Edit(7)] {
            assert_eq!(Route::from_fragment(&route.fragment()), route);
        }
    }
}
