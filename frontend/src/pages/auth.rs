//! Sign-up and login with the backend's accounts.

use std::rc::Rc;

use shared::api::{AccountView, Credentials};
use shared::Language;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::components::field::{text_field, TextFieldProps};
use crate::i18n::Text;

/// Whether the seller logs in or creates an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    LogIn,
    SignUp,
}

/// Progress of the sign-up or login request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthStatus {
    Idle,
    Pending,
    Failed(String),
}

/// The state of the sign-up and login form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthState {
    pub mode: AuthMode,
    pub email: String,
    pub password: String,
    pub status: AuthStatus,
}

/// A change to the sign-up and login form.
pub enum AuthAction {
    SwitchMode(AuthMode),
    SetEmail(String),
    SetPassword(String),
    Started,
    Failed(String),
}

impl Reducible for AuthState {
    type Action = AuthAction;

    fn reduce(self: Rc<Self>, action: AuthAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            AuthAction::SwitchMode(mode) => {
                next.mode = mode;
                next.status = AuthStatus::Idle;
            }
            AuthAction::SetEmail(email) => next.email = email,
            AuthAction::SetPassword(password) => next.password = password,
            AuthAction::Started => next.status = AuthStatus::Pending,
            AuthAction::Failed(message) => next.status = AuthStatus::Failed(message),
        }
        Rc::new(next)
    }
}

/// Props of [`AuthPage`].
#[derive(Properties, PartialEq)]
pub struct AuthPageProps {
    /// Shown above the form, such as "your session has expired".
    #[prop_or_default]
    pub notice: Option<AttrValue>,
    pub onauthenticated: Callback<AccountView>,
}

/// Login, with a switch to sign-up.
#[component]
pub fn AuthPage(props: &AuthPageProps) -> Html {
    let language = use_context::<Language>().unwrap_or_default();

    // State
    let state = use_reducer(|| AuthState {
        mode: AuthMode::LogIn,
        email: String::new(),
        password: String::new(),
        status: AuthStatus::Idle,
    });

    // Callbacks
    let onemail = {
        let state = state.clone();
        Callback::from(move |email: String| state.dispatch(AuthAction::SetEmail(email)))
    };
    let onpassword = {
        let state = state.clone();
        Callback::from(move |password: String| state.dispatch(AuthAction::SetPassword(password)))
    };
    let onswitch = {
        let state = state.clone();
        let other = match state.mode {
            AuthMode::LogIn => AuthMode::SignUp,
            AuthMode::SignUp => AuthMode::LogIn,
        };
        Callback::from(move |_: MouseEvent| state.dispatch(AuthAction::SwitchMode(other)))
    };
    let onsubmit = {
        let state = state.clone();
        let onauthenticated = props.onauthenticated.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            state.dispatch(AuthAction::Started);
            let dispatcher = state.dispatcher();
            let mode = state.mode;
            let credentials = Credentials {
                email: state.email.trim().to_owned(),
                password: state.password.clone(),
            };
            let onauthenticated = onauthenticated.clone();
            spawn_local(async move {
                match authenticate(mode, &credentials, language).await {
                    Ok(account) => onauthenticated.emit(account),
                    Err(error) => dispatcher.dispatch(AuthAction::Failed(error.message(language))),
                }
            });
        })
    };

    // Derived values
    let (title, submit, pending, switch_question, switch_action, password_autocomplete) = match state.mode {
        AuthMode::LogIn => (
            Text::LogInTitle,
            Text::LogIn,
            Text::LoggingIn,
            Text::NoAccountYet,
            Text::SignUp,
            "current-password",
        ),
        AuthMode::SignUp => (
            Text::SignUpTitle,
            Text::SignUp,
            Text::SigningUp,
            Text::HaveAccount,
            Text::LogIn,
            "new-password",
        ),
    };
    let password_help = (state.mode == AuthMode::SignUp)
        .then(|| AttrValue::from(Text::SignUpPasswordHelp.in_language(language)));
    let status = match &state.status {
        AuthStatus::Idle => Html::default(),
        AuthStatus::Pending => {
            html! { <p class="status status-pending">{ pending.in_language(language) }</p> }
        }
        AuthStatus::Failed(message) => html! { <p class="status status-error">{ message.clone() }</p> },
    };

    html! {
        <div class="page page-auth">
            <form class="panel auth-form" aria-labelledby="auth-title" {onsubmit}>
                <h1 id="auth-title">{ title.in_language(language) }</h1>
                <p class="lead">{ Text::AuthIntro.in_language(language) }</p>
                if let Some(notice) = &props.notice {
                    <p class="status status-info">{ notice.clone() }</p>
                }
                { text_field(TextFieldProps {
                    id: AttrValue::Static("account-email"),
                    label: Text::AccountEmail.in_language(language).into(),
                    input_type: AttrValue::Static("email"),
                    autocomplete: Some(AttrValue::Static("username")),
                    required: true,
                    value: state.email.clone().into(),
                    oninput: onemail,
                    ..TextFieldProps::default()
                }, language) }
                { text_field(TextFieldProps {
                    id: AttrValue::Static("account-password"),
                    label: Text::AccountPassword.in_language(language).into(),
                    input_type: AttrValue::Static("password"),
                    autocomplete: Some(password_autocomplete.into()),
                    required: true,
                    value: state.password.clone().into(),
                    help: password_help,
                    oninput: onpassword,
                    ..TextFieldProps::default()
                }, language) }
                <div class="form-actions">
                    <button type="submit" class="button button-primary" id="auth-submit"
                        disabled={state.status == AuthStatus::Pending}>
                        { submit.in_language(language) }
                    </button>
                    <div role="status" aria-live="polite">{ status }</div>
                </div>
                <p class="auth-switch">
                    { switch_question.in_language(language) }{ " " }
                    <button type="button" class="button-link" id="auth-switch" onclick={onswitch}>
                        { switch_action.in_language(language) }
                    </button>
                </p>
            </form>
        </div>
    }
}

/// Logs in or signs up, then loads the account the new session belongs to.
async fn authenticate(
    mode: AuthMode,
    credentials: &Credentials,
    language: Language,
) -> Result<AccountView, api::ApiError> {
    match mode {
        AuthMode::LogIn => api::log_in(credentials, language).await?,
        AuthMode::SignUp => api::sign_up(credentials, language).await?,
    }
    api::load_account(language).await
}
