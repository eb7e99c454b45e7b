//! The page header: product name, language switch and logout.

use shared::Language;
use yew::prelude::*;

use crate::i18n::{language_name, Text};

/// The values and callbacks of the header.
pub struct AppHeaderProps {
    /// The logged-in account's address, or `None` before login.
    pub account: Option<AttrValue>,
    pub onlanguage: Callback<Language>,
    pub onlogout: Callback<()>,
}

/// Renders the header bar. The language switch is a pair of toggle buttons, each labelled in
/// its own language. A plain function rather than a component, because each component type
/// adds its own copy of Yew's component code to the page's wasm.
pub fn app_header(props: AppHeaderProps, language: Language) -> Html {
    let onlogout = {
        let onlogout = props.onlogout.clone();
        Callback::from(move |_: MouseEvent| onlogout.emit(()))
    };
    let language_button = |choice: Language| {
        let onlanguage = props.onlanguage.clone();
        let onclick = Callback::from(move |_: MouseEvent| onlanguage.emit(choice));
        html! {
            <button type="button" class="language-button" id={format!("language-{}", choice.tag())}
                lang={choice.tag()} aria-pressed={(choice == language).to_string()} {onclick}>
                { language_name(choice) }
            </button>
        }
    };

    html! {
        <header class="app-header">
            <a class="skip-link" href="#main">{ Text::SkipToContent.in_language(language) }</a>
            <div class="app-header-inner">
                <div class="brand">
                    <span class="brand-mark" aria-hidden="true">{ "✉" }</span>
                    <span class="brand-name">{ Text::AppName.in_language(language) }</span>
                    <span class="brand-tagline">{ Text::AppTagline.in_language(language) }</span>
                </div>
                <div class="header-tools">
                    <div class="language-switch" role="group" aria-label={Text::LanguageLabel.in_language(language)}>
                        { language_button(Language::De) }
                        { language_button(Language::En) }
                    </div>
                    if let Some(account) = &props.account {
                        <span class="account" title={account.clone()}>{ account.clone() }</span>
                        <button type="button" class="button button-small button-quiet" id="log-out" onclick={onlogout}>
                            { Text::LogOut.in_language(language) }
                        </button>
                    }
                </div>
            </div>
        </header>
    }
}
