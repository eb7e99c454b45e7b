//! "API-Zugang": the account's API tokens, a form that creates one and shows it once, and
//! revoking a token.

use std::rc::Rc;

use shared::outbox::{TokenCreated, TokenView};
use shared::Language;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Clipboard, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::api::ApiError;
use crate::i18n::{confirm_revoke, format_timestamp, Text};
use crate::outbox_api;

/// The maximum length of a token name that the backend accepts, in characters.
const MAX_TOKEN_NAME_CHARS: usize = 100;

/// Builds a shop system's request with a token as a curl command, with this installation's
/// address (`origin`, such as `https://mail.shop.example`), the header with the token and a
/// short body.
pub fn usage_example(origin: &str) -> String {
    format!(
        "curl {origin}/api/messages \\\n  \
         -H \"Authorization: Bearer <Token>\" \\\n  \
         -H \"Content-Type: application/json\" \\\n  \
         -d '{{\"to\": [\"kundin@example.com\"], \"subject\": \"Bestellung 4711\", \"text\": \"…\"}}'"
    )
}

/// Loading state of the token list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenList {
    Loading,
    Loaded(Vec<TokenView>),
    Failed(String),
}

/// The outcome of creating or revoking a token, other than the new token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenNotice {
    Revoked,
    Failed(String),
}

/// The token page's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokensState {
    pub tokens: TokenList,
    /// Increased to load the list again.
    pub generation: u32,
    pub name: String,
    pub name_problem: Option<Text>,
    pub creating: bool,
    /// The token just created: the only moment the page can show it.
    pub created: Option<TokenCreated>,
    pub notice: Option<TokenNotice>,
}

/// A change to the token page.
pub enum TokensAction {
    Loaded(Vec<TokenView>),
    LoadFailed(String),
    Reload,
    EditName(String),
    NameInvalid(Text),
    Creating,
    Created(TokenCreated),
    /// The token with this id is revoked.
    Revoked(i64),
    Notify(TokenNotice),
}

impl Reducible for TokensState {
    type Action = TokensAction;

    fn reduce(self: Rc<Self>, action: TokensAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            TokensAction::Loaded(tokens) => next.tokens = TokenList::Loaded(tokens),
            TokensAction::LoadFailed(message) => next.tokens = TokenList::Failed(message),
            TokensAction::Reload => next.generation += 1,
            TokensAction::EditName(name) => {
                next.name = name;
                next.name_problem = None;
            }
            TokensAction::NameInvalid(problem) => next.name_problem = Some(problem),
            TokensAction::Creating => {
                next.creating = true;
                next.created = None;
                next.notice = None;
            }
            TokensAction::Created(created) => {
                next.creating = false;
                next.name.clear();
                next.created = Some(created);
                next.generation += 1;
            }
            TokensAction::Revoked(id) => {
                // A revoked token is useless, so the page stops showing it for copying.
                if next.created.as_ref().is_some_and(|created| created.id == id) {
                    next.created = None;
                }
                next.notice = Some(TokenNotice::Revoked);
                next.generation += 1;
            }
            TokensAction::Notify(notice) => {
                next.creating = false;
                next.notice = Some(notice);
            }
        }
        Rc::new(next)
    }
}

/// Checks a token name's length as the backend does: 1 to 100 characters after trimming. The
/// backend also rejects control characters, and the page shows its message for those.
///
/// # Errors
/// The text that names the field and the rule.
pub fn validate_token_name(name: &str) -> Result<&str, Text> {
    let name = name.trim();
    match name.chars().count() {
        0 => Err(Text::TokenNameMissing),
        count if count > MAX_TOKEN_NAME_CHARS => Err(Text::TokenNameTooLong),
        _ => Ok(name),
    }
}

/// Props of [`TokensPage`].
#[derive(Properties, PartialEq)]
pub struct TokensPageProps {
    pub onback: Callback<()>,
    pub onsessionexpired: Callback<()>,
}

/// Renders the token form, the new token once, the list of tokens and how a shop system uses one.
#[component]
pub fn TokensPage(props: &TokensPageProps) -> Html {
    let language = use_context::<Language>().unwrap_or_default();

    // State
    let state = use_reducer(|| TokensState {
        tokens: TokenList::Loading,
        generation: 0,
        name: String::new(),
        name_problem: None,
        creating: false,
        created: None,
        notice: None,
    });

    // Effects
    {
        let dispatcher = state.dispatcher();
        let onsessionexpired = props.onsessionexpired.clone();
        use_effect_with(state.generation, move |_| {
            spawn_local(async move {
                match outbox_api::list_tokens(language).await {
                    Ok(tokens) => dispatcher.dispatch(TokensAction::Loaded(tokens)),
                    Err(ApiError::NotAuthenticated(_)) => onsessionexpired.emit(()),
                    Err(error) => dispatcher.dispatch(TokensAction::LoadFailed(error.message(language))),
                }
            });
        });
    }

    // Callbacks
    let onback = {
        let onback = props.onback.clone();
        Callback::from(move |_: MouseEvent| onback.emit(()))
    };
    let oninput = {
        let dispatcher = state.dispatcher();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            dispatcher.dispatch(TokensAction::EditName(input.value()));
        })
    };
    let onsubmit = {
        let state = state.clone();
        let onsessionexpired = props.onsessionexpired.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            create_token(&state, language, onsessionexpired.clone());
        })
    };
    let onrevoke = {
        let dispatcher = state.dispatcher();
        Callback::from(move |token: TokenView| {
            if !confirmed(&confirm_revoke(&token.name, language)) {
                return;
            }
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                match outbox_api::revoke_token(token.id, language).await {
                    Ok(()) => dispatcher.dispatch(TokensAction::Revoked(token.id)),
                    Err(error) => {
                        dispatcher
                            .dispatch(TokensAction::Notify(TokenNotice::Failed(error.message(language))));
                        dispatcher.dispatch(TokensAction::Reload);
                    }
                }
            });
        })
    };

    // Derived values
    let text = |text: Text| text.in_language(language);
    let notice = match &state.notice {
        Some(TokenNotice::Revoked) => html! { <p class="status status-ok">{ text(Text::TokenRevoked) }</p> },
        Some(TokenNotice::Failed(message)) => {
            html! { <p class="status status-error" role="alert">{ message.clone() }</p> }
        }
        None => Html::default(),
    };
    let tokens = match &state.tokens {
        TokenList::Loading => html! { <p class="status status-pending">{ text(Text::Loading) }</p> },
        TokenList::Failed(message) => html! { <p class="status status-error">{ message.clone() }</p> },
        TokenList::Loaded(tokens) if tokens.is_empty() => {
            html! { <p class="muted">{ text(Text::TokensEmpty) }</p> }
        }
        TokenList::Loaded(tokens) => html! {
            <ul class="token-list">
                { for tokens.iter().map(|token| token_row(token, &onrevoke, language)) }
            </ul>
        },
    };

    html! {
        <div class="page page-tokens">
            <div class="page-header">
                <button type="button" class="button-link" onclick={onback}>{ "← " }{ text(Text::BackToList) }</button>
                <h1 id="tokens-title">{ text(Text::TokensTitle) }</h1>
            </div>
            <p class="lead">{ text(Text::TokensIntro) }</p>
            <form class="panel token-form" aria-labelledby="tokens-title" novalidate=true {onsubmit}>
                <div class="field">
                    <label for="token-name">{ text(Text::TokenName) }</label>
                    <div class="input-row">
                        <input id="token-name" type="text" autocomplete="off" value={state.name.clone()}
                            aria-invalid={state.name_problem.is_some().then_some("true")}
                            aria-describedby="token-name-help token-name-findings" {oninput} />
                        <button type="submit" class="button button-primary" id="create-token" disabled={state.creating}>
                            { text(Text::CreateToken) }
                        </button>
                    </div>
                    <p id="token-name-help" class="help">{ text(Text::TokenNameHelp) }</p>
                    <div id="token-name-findings" class="findings" aria-live="polite">
                        if let Some(problem) = state.name_problem {
                            <div class="finding finding-error"><p>{ text(problem) }</p></div>
                        }
                        if state.creating {
                            <p class="status status-pending">{ text(Text::CreatingToken) }</p>
                        }
                    </div>
                </div>
            </form>
            if let Some(created) = &state.created {
                <NewToken created={created.clone()} />
            }
            <div aria-live="polite">{ notice }</div>
            <section class="panel token-section" aria-labelledby="tokens-list-title">
                <h2 id="tokens-list-title">{ text(Text::TokensListTitle) }</h2>
                { tokens }
            </section>
            <section class="panel token-section" aria-labelledby="token-usage-title">
                <h2 id="token-usage-title">{ text(Text::TokenUsageTitle) }</h2>
                <p>{ text(Text::TokenUsage) }</p>
                <pre class="code">{ usage_example(&origin()) }</pre>
                <p class="help">
                    { text(Text::TokenDocs) }{ " " }
                    <a href={language.pick("/docs/outbox.md", "/docs/outbox.en.md")} target="_blank" rel="noopener">
                        { text(Text::TokenDocsLink) }
                    </a>
                </p>
            </section>
        </div>
    }
}

/// Checks the name, then creates the token and reports the outcome to the page.
fn create_token(state: &UseReducerHandle<TokensState>, language: Language, onsessionexpired: Callback<()>) {
    let name = match validate_token_name(&state.name) {
        Ok(name) => name.to_owned(),
        Err(problem) => return state.dispatch(TokensAction::NameInvalid(problem)),
    };

    state.dispatch(TokensAction::Creating);
    let dispatcher = state.dispatcher();
    spawn_local(async move {
        match outbox_api::create_token(&name, language).await {
            Ok(created) => dispatcher.dispatch(TokensAction::Created(created)),
            Err(ApiError::NotAuthenticated(_)) => onsessionexpired.emit(()),
            Err(error) => {
                dispatcher.dispatch(TokensAction::Notify(TokenNotice::Failed(error.message(language))))
            }
        }
    });
}

fn token_row(token: &TokenView, onrevoke: &Callback<TokenView>, language: Language) -> Html {
    let onclick = {
        let onrevoke = onrevoke.clone();
        let token = token.clone();
        Callback::from(move |_: MouseEvent| onrevoke.emit(token.clone()))
    };
    let last_used = match &token.last_used_at {
        Some(at) => format_timestamp(at, language),
        None => Text::TokenNeverUsed.in_language(language).to_owned(),
    };

    html! {
        <li class="token" key={token.id}>
            <div class="row-head">
                <h3>{ token.name.clone() }</h3>
                <button type="button" class="button button-small button-quiet button-danger" {onclick}>
                    { Text::RevokeToken.in_language(language) }
                </button>
            </div>
            <dl class="server-facts">
                <dt>{ Text::TokenCreatedAt.in_language(language) }</dt>
                <dd>{ format_timestamp(&token.created_at, language) }</dd>
                <dt>{ Text::TokenLastUsed.in_language(language) }</dt>
                <dd>{ last_used }</dd>
            </dl>
        </li>
    }
}

/// Props of [`NewToken`].
#[derive(Properties, PartialEq)]
struct NewTokenProps {
    created: TokenCreated,
}

/// Shows a token just created, in a read-only field that selects the whole token on focus, with
/// a copy button where the browser offers the clipboard.
#[component]
fn NewToken(props: &NewTokenProps) -> Html {
    let language = use_context::<Language>().unwrap_or_default();
    let copied = use_state(|| false);

    let onfocus = Callback::from(|event: FocusEvent| {
        let field: HtmlTextAreaElement = event.target_unchecked_into();
        field.select();
    });
    let oncopy = {
        let copied = copied.setter();
        let token = props.created.token.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(clipboard) = clipboard() else {
                return;
            };
            let written = JsFuture::from(clipboard.write_text(&token));
            let copied = copied.clone();
            // A refused write leaves the button as it is; the seller can still select the token.
            spawn_local(async move {
                if written.await.is_ok() {
                    copied.set(true);
                }
            });
        })
    };
    let copy_text = match *copied {
        true => Text::TokenCopied,
        false => Text::CopyToken,
    };

    html! {
        <section class="panel new-token" role="status" aria-labelledby="new-token-title">
            <h2 id="new-token-title">{ Text::NewTokenTitle.in_language(language) }{ ": " }{ props.created.name.clone() }</h2>
            <p>{ Text::NewTokenOnce.in_language(language) }</p>
            <textarea id="new-token" rows="2" readonly=true spellcheck="false" autocomplete="off"
                value={props.created.token.clone()} aria-labelledby="new-token-title" {onfocus} />
            if clipboard().is_some() {
                <p>
                    <button type="button" class="button button-small" id="copy-token" onclick={oncopy}>
                        { copy_text.in_language(language) }
                    </button>
                </p>
            }
        </section>
    }
}

/// Returns this page's origin, such as `https://mail.shop.example`.
fn origin() -> String {
    web_sys::window()
        .and_then(|window| window.location().origin().ok())
        .unwrap_or_default()
}

/// Returns the browser's clipboard. Browsers offer it only on secure pages (HTTPS or
/// localhost), so on a plain-HTTP installation `navigator.clipboard` is undefined.
fn clipboard() -> Option<Clipboard> {
    let navigator = web_sys::window()?.navigator();
    let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into()).ok()?;
    (!clipboard.is_undefined()).then(|| clipboard.unchecked_into())
}

fn confirmed(question: &str) -> bool {
    web_sys::window().is_some_and(|window| window.confirm_with_message(question).unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_example_posts_to_this_installation() {
        let example = usage_example("https://mail.shop.example");

        assert!(
            example.starts_with("curl https://mail.shop.example/api/messages \\\n"),
            "{example}"
        );
        assert!(
            example.contains("-H \"Authorization: Bearer <Token>\""),
            "{example}"
        );
        assert!(example.ends_with("\"text\": \"…\"}'"), "{example}");
    }

    #[test]
    fn token_name_is_trimmed() {
        assert_eq!(validate_token_name("  Shopware "), Ok("Shopware"));
    }

    #[test]
    fn blank_token_name_is_missing() {
        assert_eq!(validate_token_name(" \t "), Err(Text::TokenNameMissing));
    }

    #[test]
    fn token_name_allows_100_characters() {
        let longest = "ä".repeat(100);

        assert_eq!(validate_token_name(&longest), Ok(longest.as_str()));
        assert_eq!(validate_token_name(&"ä".repeat(101)), Err(Text::TokenNameTooLong));
    }

    #[test]
    fn revoking_the_new_token_hides_it() {
        let created = TokenCreated {
            id: 4,
            name: "Shopware".to_owned(),
            token: "pa_secret".to_owned(),
            created_at: "2026-12-04T23:33:00Z".to_owned(),
        };
        let state = Rc::new(TokensState {
            tokens: TokenList::Loading,
            generation: 1,
            name: String::new(),
            name_problem: None,
            creating: false,
            created: Some(created),
            notice: None,
        });

        let state = state.reduce(TokensAction::Revoked(4));

        assert_eq!(state.created, None);
        assert_eq!(state.notice, Some(TokenNotice::Revoked));
        assert_eq!(state.generation, 2);
    }

    #[test]
    fn missing_name_message_names_the_field() {
        for language in [Language::De, Language::En] {
            let message = Text::TokenNameMissing.in_language(language);
            let field = Text::TokenName.in_language(language);
            assert!(
                message.starts_with(field),
                "{message:?} does not start with {field:?}"
            );
        }
    }
}
