//! A seller's first visit: sign up, set up a GMX server with live validation, save, send a test
//! mail, see it in the list, switch to English, and use the back and forward buttons.

use anyhow::{ensure, Context};
use fantoccini::{Client, Locator};

use backend::store::ServerId;

use crate::harness::{Harness, SMTP_LOGIN, SMTP_PASSWORD};
use crate::page::{
    click, click_button, describe_failure, save_screenshot, sign_up_new_seller, type_into, wait_for_absence,
    wait_for_attribute, wait_for_dialog, wait_for_element, wait_for_text, wait_for_value,
};

const ACCOUNT_EMAIL: &str = "haendlerin@shop.example";
const TEST_RECIPIENT: &str = "kundin@example.net";
const SENDER: &str = "Max Mustermann <max@gmx.de>";
/// The fixture's certificate names `localhost`, so the host is the name, not the address.
const SMTP_HOST: &str = "localhost";
const DEACTIVATION_REASON: &str = "Anmeldung dreimal in Folge abgelehnt (535 5.7.8).";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seller_sets_up_gmx_and_sends_test_mail() {
    let harness = Harness::start().await.unwrap_or_else(|error| panic!("{error:#}"));

    let outcome = set_up_gmx_and_send_test_mail(&harness).await;
    let outcome = match outcome {
        Ok(()) => Ok(()),
        Err(error) => Err(describe_failure(&harness.browser, error).await),
    };

    harness.shut_down().await;
    if let Err(error) = outcome {
        panic!("{error:#}");
    }
}

async fn set_up_gmx_and_send_test_mail(harness: &Harness) -> anyhow::Result<()> {
    let browser = &harness.browser;
    browser.goto(&harness.base_url).await.context("open the page")?;

    sign_up(browser).await?;
    fill_in_gmx_server(browser, harness.smtp.port()).await?;
    save_and_send_test_mail(browser).await?;
    check_received_mail(harness)?;
    check_list(browser).await?;
    check_deactivation_mark(harness).await?;
    switch_to_english(browser).await?;
    go_back_and_forward(browser).await?;
    Ok(())
}

async fn sign_up(browser: &Client) -> anyhow::Result<()> {
    sign_up_new_seller(browser, ACCOUNT_EMAIL).await?;
    wait_for_text(browser, ".empty-list", "noreply").await?;
    save_screenshot(browser, "list-empty", 1280).await?;
    Ok(())
}

async fn fill_in_gmx_server(browser: &Client, smtp_port: u16) -> anyhow::Result<()> {
    click(browser, "#new-server").await?;
    wait_for_text(browser, "#form-title", "Neuer SMTP-Server").await?;

    // The preset fills host, port and security.
    let gmx = browser
        .find(Locator::XPath(
            "//select[@id='server-provider']/option[contains(., 'GMX')]",
        ))
        .await
        .context("find the GMX preset")?;
    gmx.click().await.context("choose the GMX preset")?;
    wait_for_value(browser, "#server-host", "mail.gmx.net").await?;
    wait_for_value(browser, "#server-port", "587").await?;

    // An invalid sender shows a German error next to the field, tied to it for screen readers.
    type_into(browser, "#server-sender", "max.@gmx").await?;
    wait_for_text(browser, "#server-sender-findings .finding-error", "Absender").await?;
    wait_for_attribute(browser, "#server-sender", "aria-invalid", "true").await?;
    let described_by = browser
        .find(Locator::Css("#server-sender"))
        .await?
        .attr("aria-describedby")
        .await?;
    ensure!(
        described_by
            .as_deref()
            .is_some_and(|ids| ids.contains("server-sender-findings")),
        "the sender input is not described by its findings: aria-describedby={described_by:?}"
    );

    type_into(browser, "#server-sender", SENDER).await?;
    wait_for_absence(browser, "#server-sender-findings .finding-error").await?;
    type_into(browser, "#server-display-name", "GMX-Postfach").await?;

    // Port 25 gets a warning that explains itself.
    type_into(browser, "#server-port", "25").await?;
    wait_for_text(browser, "#server-port-findings .finding-warning", "25").await?;
    save_screenshot(browser, "form-warning", 1280).await?;
    save_screenshot(browser, "form-warning", 360).await?;

    type_into(browser, "#server-host", SMTP_HOST).await?;
    type_into(browser, "#server-port", &smtp_port.to_string()).await?;
    type_into(browser, "#server-login", SMTP_LOGIN).await?;
    type_into(browser, "#server-password", SMTP_PASSWORD).await?;
    type_into(browser, "#test-recipient", TEST_RECIPIENT).await?;
    Ok(())
}

async fn save_and_send_test_mail(browser: &Client) -> anyhow::Result<()> {
    click(browser, "#save-server").await?;
    wait_for_text(browser, "#save-status", "Gespeichert").await?;
    wait_for_text(browser, "#form-title", "SMTP-Server bearbeiten").await?;
    wait_for_text(browser, "#server-password-help", "Ein Passwort ist gespeichert").await?;
    let url = browser.current_url().await.context("read the saved form's URL")?;
    ensure!(
        url.fragment()
            .is_some_and(|fragment| fragment.starts_with("edit=")),
        "after the first save the URL {url} still names the new-server form"
    );

    click(browser, "#send-test").await?;
    wait_for_text(browser, "#test-result .verdict-ok", "Vom Server angenommen").await?;
    let checklist = wait_for_element(browser, "#test-result .checklist")
        .await?
        .text()
        .await?;
    ensure!(
        checklist.contains("STARTTLS"),
        "the checklist names no STARTTLS step: {checklist}"
    );
    ensure!(
        !checklist.contains("Fehlgeschlagen"),
        "the checklist shows a failed step: {checklist}"
    );
    let raw_replies_open = browser
        .find(Locator::Css("#test-result details"))
        .await?
        .attr("open")
        .await?;
    ensure!(
        raw_replies_open.is_none(),
        "the raw server replies are not folded away"
    );

    save_screenshot(browser, "test-result", 1280).await?;
    save_screenshot(browser, "test-result", 360).await?;
    Ok(())
}

/// The fixture accepted AUTH only with the exact password, so a received mail also proves that
/// the password reached the SMTP server byte for byte.
fn check_received_mail(harness: &Harness) -> anyhow::Result<()> {
    let messages = harness.smtp.messages();
    ensure!(
        messages.len() == 1,
        "the SMTP server received {} messages, expected 1",
        messages.len()
    );
    let message = &messages[0];
    ensure!(
        message.mail_from == "max@gmx.de",
        "MAIL FROM was {:?}",
        message.mail_from
    );
    ensure!(
        message.rcpt_tos == [TEST_RECIPIENT],
        "RCPT TO was {:?}, expected the recipient typed in the form",
        message.rcpt_tos
    );
    ensure!(
        message.login.as_deref() == Some(SMTP_LOGIN),
        "AUTH login was {:?}",
        message.login
    );
    Ok(())
}

async fn check_list(browser: &Client) -> anyhow::Result<()> {
    click_button(browser, "Zurück zur Liste").await?;
    wait_for_text(browser, ".server-card h2", "GMX-Postfach").await?;
    let card = wait_for_text(browser, ".server-card", "Erfolgreich")
        .await?
        .text()
        .await?;
    ensure!(
        card.contains("max@gmx.de"),
        "the list does not show the sender: {card}"
    );
    save_screenshot(browser, "list", 1280).await?;
    save_screenshot(browser, "list", 360).await?;
    Ok(())
}

/// Deactivates the server in the store, as the system does after repeated failed sends, and
/// checks that the list marks it with the reason.
async fn check_deactivation_mark(harness: &Harness) -> anyhow::Result<()> {
    let browser = &harness.browser;
    let heading_id = wait_for_element(browser, ".server-card h2")
        .await?
        .attr("id")
        .await?
        .unwrap_or_default();
    let server_id: i64 = heading_id
        .trim_start_matches("server-")
        .trim_end_matches("-name")
        .parse()
        .with_context(|| format!("read the server id from the heading id {heading_id:?}"))?;
    let account = harness
        .store
        .find_credentials(ACCOUNT_EMAIL)
        .await?
        .context("the seller's account is not in the store")?
        .account;
    harness
        .store
        .deactivate_server(account.id, ServerId(server_id), DEACTIVATION_REASON)
        .await?
        .context("the store found no such server")?;

    browser.refresh().await.context("reload the page")?;
    wait_for_text(browser, ".server-card .deactivated", "Vom System deaktiviert").await?;
    wait_for_text(browser, ".server-card .deactivated", DEACTIVATION_REASON).await?;
    wait_for_text(browser, ".server-card .badge", "Inaktiv").await?;
    save_screenshot(browser, "list-deactivated", 1280).await?;
    Ok(())
}

async fn switch_to_english(browser: &Client) -> anyhow::Result<()> {
    click(browser, "#language-en").await?;
    wait_for_text(browser, "main h1", "Email sending").await?;
    wait_for_attribute(browser, "html", "lang", "en").await?;

    click_button(browser, "Edit").await?;
    wait_for_text(browser, "#form-title", "Edit SMTP server").await?;
    wait_for_text(browser, ".page-form .deactivated", "Deactivated by the system").await?;
    type_into(browser, "#server-sender", "max@").await?;
    wait_for_text(browser, "#server-sender-findings .finding-error", "Sender").await?;
    wait_for_text(browser, ".form-actions", "Unsaved changes").await?;
    save_screenshot(browser, "form-english", 1280).await?;
    check_send_button_below_recipient(browser).await?;
    Ok(())
}

/// Checks that the send button sits below the test mail's recipient field. The field takes its
/// whole row in both languages, so a long address stays readable.
async fn check_send_button_below_recipient(browser: &Client) -> anyhow::Result<()> {
    let script = "const field = document.getElementById('test-recipient').getBoundingClientRect(); \
                  const button = document.getElementById('send-test').getBoundingClientRect(); \
                  return button.top >= field.bottom;";
    let below = browser
        .execute(script, Vec::new())
        .await
        .context("measure the test mail's recipient field and send button")?;
    ensure!(
        below.as_bool() == Some(true),
        "the send button sits beside the test mail's recipient field, not below it"
    );
    Ok(())
}

/// The form's screen is in the URL, so the browser's back button returns to the list and
/// forward and a reload to the form. The sender typed in the step before is not saved, so
/// going back shows a confirmation first, and staying keeps the typed value.
async fn go_back_and_forward(browser: &Client) -> anyhow::Result<()> {
    check_form_url(browser).await?;

    browser.back().await.context("go back from the unsaved form")?;
    let question = wait_for_dialog(browser)
        .await
        .context("going back shows no question about the unsaved changes")?;
    ensure!(
        question.contains("not saved yet"),
        "unexpected question before leaving: {question}"
    );
    browser.dismiss_alert().await.context("stay on the form")?;
    wait_for_value(browser, "#server-sender", "max@").await?;
    check_form_url(browser).await?;

    browser.back().await.context("go back again")?;
    wait_for_dialog(browser).await?;
    browser.accept_alert().await.context("leave the form")?;
    wait_for_text(browser, "main h1", "Email sending").await?;
    browser.forward().await.context("go forward")?;
    wait_for_text(browser, "#form-title", "Edit SMTP server").await?;
    browser.refresh().await.context("reload the form")?;
    wait_for_text(browser, "#form-title", "Edit SMTP server").await?;

    // The language switch, which reloads the page, and the list button show it too.
    type_into(browser, "#server-display-name", "Noch nicht gespeichert").await?;
    wait_for_text(browser, ".form-actions", "Unsaved changes").await?;
    click_button(browser, "Deutsch").await?;
    wait_for_dialog(browser)
        .await
        .context("the language switch shows no question about the unsaved changes")?;
    browser.dismiss_alert().await.context("stay in English")?;
    wait_for_attribute(browser, "html", "lang", "en").await?;
    wait_for_value(browser, "#server-display-name", "Noch nicht gespeichert").await?;
    click_button(browser, "Back to the list").await?;
    wait_for_dialog(browser)
        .await
        .context("the list button shows no question about the unsaved changes")?;
    browser.dismiss_alert().await.context("stay on the form")?;
    wait_for_value(browser, "#server-display-name", "Noch nicht gespeichert").await?;
    click_button(browser, "Back to the list").await?;
    wait_for_dialog(browser).await?;
    browser.accept_alert().await.context("leave the form")?;
    wait_for_text(browser, "main h1", "Email sending").await?;
    Ok(())
}

async fn check_form_url(browser: &Client) -> anyhow::Result<()> {
    let url = browser.current_url().await.context("read the form's URL")?;
    ensure!(
        url.fragment()
            .is_some_and(|fragment| fragment.starts_with("edit=")),
        "the form's URL {url} does not name the edited server"
    );
    Ok(())
}
