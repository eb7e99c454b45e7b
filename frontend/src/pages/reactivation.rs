//! "Reaktivieren" on a server that the system deactivated: the backend checks the connection
//! and the login, and activates the server when both work.

use shared::Language;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::ApiError;
use crate::i18n::Text;
use crate::outbox_api;

/// The state of one reactivation attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ReactivationStatus {
    Idle,
    Checking,
    /// A failed check or request, with the reason for the seller.
    Failed(String),
}

/// Props of [`ReactivateButton`].
#[derive(Properties, PartialEq)]
pub struct ReactivateButtonProps {
    pub server_id: i64,
    /// Called with the verdict once the server is active again.
    pub onreactivated: Callback<String>,
    pub onsessionexpired: Callback<()>,
}

/// Renders the button, the check in progress and a failed check's diagnosis. A successful check
/// goes to `onreactivated`, because the list then shows the server as active and this button
/// disappears.
#[component]
pub fn ReactivateButton(props: &ReactivateButtonProps) -> Html {
    let language = use_context::<Language>().unwrap_or_default();
    let status = use_state(|| ReactivationStatus::Idle);

    let onclick = {
        let status = status.clone();
        let server_id = props.server_id;
        let onreactivated = props.onreactivated.clone();
        let onsessionexpired = props.onsessionexpired.clone();
        Callback::from(move |_: MouseEvent| {
            status.set(ReactivationStatus::Checking);
            let status = status.clone();
            let onreactivated = onreactivated.clone();
            let onsessionexpired = onsessionexpired.clone();
            spawn_local(async move {
                match outbox_api::reactivate_server(server_id, language).await {
                    Ok(result) if result.active => {
                        status.set(ReactivationStatus::Idle);
                        onreactivated.emit(result.message);
                    }
                    Ok(result) => status.set(ReactivationStatus::Failed(result.message)),
                    Err(ApiError::NotAuthenticated(_)) => onsessionexpired.emit(()),
                    Err(error) => status.set(ReactivationStatus::Failed(error.message(language))),
                }
            });
        })
    };

    let outcome = match &*status {
        ReactivationStatus::Idle => Html::default(),
        ReactivationStatus::Checking => html! { <p>{ Text::Reactivating.in_language(language) }</p> },
        ReactivationStatus::Failed(message) => html! {
            <p role="alert">
                <strong>{ Text::ReactivationFailed.in_language(language) }{ ": " }</strong>{ message.clone() }
            </p>
        },
    };

    html! {
        <div class="reactivation">
            <button type="button" class="button" id={format!("reactivate-{}", props.server_id)}
                disabled={*status == ReactivationStatus::Checking} {onclick}>
                { Text::Reactivate.in_language(language) }
            </button>
            <div aria-live="polite">{ outcome }</div>
        </div>
    }
}
