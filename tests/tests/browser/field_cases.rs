//! Cases from sellers' bug reports that the page must handle: the findings shown while typing, the
//! one-click fixes, the test recipient's hints, and saving blocked by an error, all by keyboard.

use anyhow::{ensure, Context};
use fantoccini::{Client, Locator};

use crate::harness::{Harness, SMTP_LOGIN, SMTP_PASSWORD};
use crate::page::{
    click, click_button, describe_failure, sign_up_new_seller, type_into, wait_for_dialog, wait_for_property,
    wait_for_text, wait_for_value, wait_for_xpath,
};

/// WebDriver key code of Enter (W3C WebDriver, "keyboard actions").
const ENTER: &str = "\u{E007}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_explains_field_cases_while_typing() {
    let harness = Harness::start().await.unwrap_or_else(|error| panic!("{error:#}"));

    let outcome = check_field_cases(&harness).await;
    let outcome = match outcome {
        Ok(()) => Ok(()),
        Err(error) => Err(describe_failure(&harness.browser, error).await),
    };

    harness.shut_down().await;
    if let Err(error) = outcome {
        panic!("{error:#}");
    }
}

async fn check_field_cases(harness: &Harness) -> anyhow::Result<()> {
    let browser = &harness.browser;
    browser.goto(&harness.base_url).await.context("open the page")?;
    sign_up_new_seller(browser, "feldfaelle@shop.example").await?;
    click(browser, "#new-server").await?;
    wait_for_text(browser, "#form-title", "Neuer SMTP-Server").await?;

    invalid_sender_blocks_saving_by_keyboard(browser).await?;
    ip_address_as_host_warns(browser).await?;
    port_25_fix_applies_by_keyboard(browser).await?;
    implicit_tls_on_587_offers_starttls(browser).await?;
    login_of_other_domain_warns(browser).await?;
    freemail_sender_elsewhere_warns(browser).await?;
    amazon_recipient_gets_seller_central_hint(browser).await?;
    recipient_on_sender_domain_gets_hint(browser).await?;
    sender_domain_offers_its_preset(browser).await?;
    unsaved_test_then_failed_save(harness).await?;
    Ok(())
}

/// Checks that Enter in a field submits the form, and that with an error nothing is sent, the
/// status explains why, and the focus moves to the first invalid input.
async fn invalid_sender_blocks_saving_by_keyboard(browser: &Client) -> anyhow::Result<()> {
    type_into(browser, "#server-host", "smtp.shop.example").await?;
    type_into(browser, "#server-sender", "max..shop@shop.example").await?;
    wait_for_text(browser, "#server-sender-findings .finding-error", "Absender").await?;

    let host = browser.find(Locator::Css("#server-host")).await?;
    host.send_keys(ENTER)
        .await
        .context("press Enter in the host field")?;

    wait_for_text(
        browser,
        "#save-status",
        "Bitte korrigieren Sie zuerst die markierten Felder",
    )
    .await?;
    let focused = browser
        .execute("return document.activeElement.id;", Vec::new())
        .await?;
    ensure!(
        focused == "server-sender",
        "the focus is on {focused}, expected the invalid sender field"
    );
    ensure!(
        browser
            .find(Locator::Css("#form-title"))
            .await?
            .text()
            .await?
            .contains("Neuer SMTP-Server"),
        "the form switched to editing, so the invalid server was saved"
    );

    type_into(browser, "#server-sender", "info@shop.example").await?;
    Ok(())
}

/// Checks the warning on an address as host: the certificate names a host, so TLS fails.
async fn ip_address_as_host_warns(browser: &Client) -> anyhow::Result<()> {
    type_into(browser, "#server-host", "192.0.2.25").await?;
    wait_for_text(browser, "#server-host-findings .finding-warning", "192.0.2.25").await?;
    wait_for_text(browser, "#server-host-findings .finding-warning", "Zertifikat").await?;
    type_into(browser, "#server-host", "smtp.shop.example").await?;
    Ok(())
}

/// Checks the port 25 warning (hosters often block the port) and applies its fix by keyboard.
async fn port_25_fix_applies_by_keyboard(browser: &Client) -> anyhow::Result<()> {
    type_into(browser, "#server-port", "25").await?;
    let fix = "//div[@id='server-port-findings']//button[contains(., '587 mit STARTTLS')]";
    let button = wait_for_xpath(browser, fix).await?;
    button
        .send_keys(ENTER)
        .await
        .context("press Enter on the fix button")?;

    wait_for_value(browser, "#server-port", "587").await?;
    wait_for_property(browser, "#server-security-starttls", "checked", "true").await?;
    Ok(())
}

/// Checks that SSL/TLS on port 587, where the handshake fails, offers STARTTLS as the fix.
async fn implicit_tls_on_587_offers_starttls(browser: &Client) -> anyhow::Result<()> {
    click(browser, "#server-security-implicit_tls").await?;
    let warning = "//div[contains(@class, 'finding-warning')][contains(., '587 erwartet STARTTLS')]";
    wait_for_xpath(browser, warning).await?;
    let fix = format!("{warning}//button");
    wait_for_xpath(browser, &fix)
        .await?
        .click()
        .await
        .context("click the fix")?;

    wait_for_property(browser, "#server-security-starttls", "checked", "true").await?;
    wait_for_value(browser, "#server-port", "587").await?;
    Ok(())
}

/// Checks the finding on a login of another domain, whose sender many providers reject (553).
async fn login_of_other_domain_warns(browser: &Client) -> anyhow::Result<()> {
    type_into(browser, "#server-sender", "info@shop.example").await?;
    type_into(browser, "#server-login", "max@example.com").await?;
    wait_for_text(browser, "#server-login-findings .finding", "553").await?;
    type_into(browser, "#server-login", "info@shop.example").await?;
    Ok(())
}

/// Checks the finding on a freemail sender sent through another provider's server (DMARC).
async fn freemail_sender_elsewhere_warns(browser: &Client) -> anyhow::Result<()> {
    type_into(browser, "#server-sender", "max@yahoo.com").await?;
    type_into(browser, "#server-host", "smtp.webhoster.example").await?;
    wait_for_text(browser, "#server-sender-findings .finding", "yahoo.com").await?;
    type_into(browser, "#server-sender", "info@shop.example").await?;
    Ok(())
}

/// Checks the hint that Amazon forwards mail only from senders approved in Seller Central.
async fn amazon_recipient_gets_seller_central_hint(browser: &Client) -> anyhow::Result<()> {
    type_into(browser, "#test-recipient", "a1b2c3d4e5@marketplace.amazon.de").await?;
    wait_for_text(
        browser,
        "#test-recipient-findings .finding-hint",
        "Seller Central",
    )
    .await?;
    wait_for_text(
        browser,
        "#test-recipient-findings .finding-hint",
        "info@shop.example",
    )
    .await?;
    Ok(())
}

/// Checks the hint that a test to the sender's own domain hides delivery problems.
async fn recipient_on_sender_domain_gets_hint(browser: &Client) -> anyhow::Result<()> {
    type_into(browser, "#test-recipient", "lager@shop.example").await?;
    wait_for_text(browser, "#test-recipient-hint .finding-hint", "anderen Anbieter").await?;
    Ok(())
}

/// Checks that a sender address at a provider with a preset offers that preset.
async fn sender_domain_offers_its_preset(browser: &Client) -> anyhow::Result<()> {
    wait_for_value(browser, "#server-provider", "").await?;
    type_into(browser, "#server-sender", "max@web.de").await?;
    click_button(browser, "Einstellungen für WEB.DE übernehmen").await?;

    wait_for_value(browser, "#server-host", "smtp.web.de").await?;
    wait_for_value(browser, "#server-port", "587").await?;
    wait_for_property(browser, "#server-security-starttls", "checked", "true").await?;

    // The typed values are not saved, so leaving shows a confirmation first, in German.
    click_button(browser, "Zurück zur Liste").await?;
    let question = wait_for_dialog(browser).await?;
    ensure!(
        question.contains("noch nicht gespeichert"),
        "unexpected question before leaving: {question}"
    );
    browser.accept_alert().await.context("leave the form")?;
    wait_for_text(browser, ".empty-list", "noreply").await?;
    Ok(())
}

/// Checks that the test mail works on settings that were never saved, and that a save which does
/// not reach the backend reports it and keeps every value, the password included.
async fn unsaved_test_then_failed_save(harness: &Harness) -> anyhow::Result<()> {
    let browser = &harness.browser;
    click(browser, "#new-server").await?;
    wait_for_text(browser, "#form-title", "Neuer SMTP-Server").await?;
    type_into(browser, "#server-sender", SMTP_LOGIN).await?;
    type_into(browser, "#server-host", "localhost").await?;
    type_into(browser, "#server-port", &harness.smtp.port().to_string()).await?;
    type_into(browser, "#server-login", SMTP_LOGIN).await?;
    type_into(browser, "#server-password", SMTP_PASSWORD).await?;
    type_into(browser, "#test-recipient", "kundin@example.net").await?;

    click(browser, "#send-test").await?;
    wait_for_text(browser, "#test-result .verdict-ok", "Vom Server angenommen").await?;
    let received = harness.smtp.messages().len();
    ensure!(
        received == 1,
        "the SMTP server received {received} messages from the unsaved settings, expected 1"
    );
    ensure!(
        browser
            .find(Locator::Css("#form-title"))
            .await?
            .text()
            .await?
            .contains("Neuer SMTP-Server"),
        "the test mail saved the server"
    );

    harness.stop_backend().await;
    click(browser, "#save-server").await?;

    wait_for_text(browser, "#save-status", "Speichern fehlgeschlagen").await?;
    wait_for_text(browser, "#save-status", "nicht erreichbar").await?;
    wait_for_value(browser, "#server-sender", SMTP_LOGIN).await?;
    wait_for_value(browser, "#server-host", "localhost").await?;
    wait_for_value(browser, "#server-password", SMTP_PASSWORD).await?;
    Ok(())
}
