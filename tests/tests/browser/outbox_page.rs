//! The outbox on the page: an API token created on the page and used by a shop system over HTTP,
//! the server's sending log, revoking the token, and "Erneut senden" on a failed mail.

use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use backend::store::ServerId;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use testkit::{FaultPeer, PeerScript};

use crate::harness::{Harness, SMTP_LOGIN, SMTP_PASSWORD};
use crate::page::{
    click, click_button, describe_failure, save_screenshot, sign_up_new_seller, type_into, wait_for_absence,
    wait_for_element, wait_for_text, wait_for_value,
};

const SELLER_EMAIL: &str = "versand@shop.example";
const RECIPIENT: &str = "kundin@example.net";
const SUBJECT: &str = "Ihre Bestellung 4711 ist bezahlt";
/// The fixture's certificate names `localhost`, so the host is the name, not the address.
const SMTP_HOST: &str = "localhost";
/// How long a submitted mail may take to show as sent or failed in the log. On loopback the
/// outbox sent within about a second in these tests' runs; the rest is headroom for a busy
/// machine.
const DELIVERY_LIMIT: Duration = Duration::from_secs(30);

/// A server as the test types it into the form.
struct ServerEntry<'a> {
    display_name: &'a str,
    sender: &'a str,
    port: u16,
    /// The login and password, or `None` for a server without AUTH.
    login: Option<(&'a str, &'a str)>,
    /// The id of the security radio button, such as `server-security-starttls`.
    security: &'a str,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shop_sends_with_page_token() {
    let harness = Harness::start().await.unwrap_or_else(|error| panic!("{error:#}"));

    let outcome = match send_with_token_and_read_log(&harness).await {
        Ok(()) => Ok(()),
        Err(error) => Err(describe_failure(&harness.browser, error).await),
    };

    harness.shut_down().await;
    if let Err(error) = outcome {
        panic!("{error:#}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_mail_is_sent_again() {
    let harness = Harness::start().await.unwrap_or_else(|error| panic!("{error:#}"));
    // A server that takes the connection but rejects every recipient for good.
    let peer =
        FaultPeer::start(PeerScript::smtp().reply("RCPT", "550 5.1.1 <kundin@example.net>: user unknown"))
            .await;

    let outcome = match resend_failed_mail(&harness, peer.port()).await {
        Ok(()) => Ok(()),
        Err(error) => Err(describe_failure(&harness.browser, error).await),
    };

    harness.shut_down().await;
    if let Err(error) = outcome {
        panic!("{error:#}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_reactivation_shows_diagnosis() {
    let harness = Harness::start().await.unwrap_or_else(|error| panic!("{error:#}"));
    // A server that turns every connection away in its greeting.
    let peer = FaultPeer::start(PeerScript {
        greeting: Some("554 5.3.2 Service currently unavailable".to_owned()),
        ..PeerScript::smtp()
    })
    .await;

    let outcome = match reactivate_unreachable_server(&harness, peer.port()).await {
        Ok(()) => Ok(()),
        Err(error) => Err(describe_failure(&harness.browser, error).await),
    };

    harness.shut_down().await;
    if let Err(error) = outcome {
        panic!("{error:#}");
    }
}

async fn send_with_token_and_read_log(harness: &Harness) -> anyhow::Result<()> {
    let browser = &harness.browser;
    browser.goto(&harness.base_url).await.context("open the page")?;
    sign_up_new_seller(browser, SELLER_EMAIL).await?;
    let entry = ServerEntry {
        display_name: "Shop-Postfach",
        sender: "Max Mustermann <max@gmx.de>",
        port: harness.smtp.port(),
        login: Some((SMTP_LOGIN, SMTP_PASSWORD)),
        security: "server-security-starttls",
    };
    let server_id = add_server(browser, &entry).await?;

    let token = create_token(browser, "Shopware").await?;
    let usage = format!("curl {}/api/messages", harness.base_url);
    wait_for_text(browser, ".page-tokens pre", &usage).await?;
    save_screenshot(browser, "tokens", 1280).await?;
    save_screenshot(browser, "tokens", 360).await?;
    let message_id = submit_message(&harness.base_url, &token, server_id).await?;

    open_log(browser, server_id).await?;
    wait_for_status(browser, message_id, "Gesendet").await?;
    let row = message_row(browser, message_id).await?;
    ensure!(
        row.contains(SUBJECT),
        "the log row does not show the subject: {row}"
    );
    ensure!(
        row.contains(RECIPIENT),
        "the log row does not show the recipient: {row}"
    );
    check_received(harness)?;
    save_screenshot(browser, "message-log", 1280).await?;
    save_screenshot(browser, "message-log", 360).await?;
    set_and_reset_limits(browser).await?;

    reactivate_server(harness, server_id).await?;
    revoke_token(browser, "Shopware").await?;
    check_token_rejected(&harness.base_url, &token).await?;

    check_log_in_english(browser, server_id, message_id).await?;
    Ok(())
}

async fn resend_failed_mail(harness: &Harness, peer_port: u16) -> anyhow::Result<()> {
    let browser = &harness.browser;
    browser.goto(&harness.base_url).await.context("open the page")?;
    sign_up_new_seller(browser, "fehler@shop.example").await?;
    let entry = ServerEntry {
        display_name: "Strenger Server",
        sender: "info@shop.example",
        port: peer_port,
        login: None,
        security: "server-security-none",
    };
    let server_id = add_server(browser, &entry).await?;
    let token = create_token(browser, "Testshop").await?;
    let message_id = submit_message(&harness.base_url, &token, server_id).await?;

    open_log(browser, server_id).await?;
    wait_for_status(browser, message_id, "Fehlgeschlagen").await?;
    let row_css = format!("#message-{message_id}");
    wait_for_text(browser, &format!("{row_css} .status-error"), "Grund").await?;
    let reply = wait_for_element(browser, &format!("{row_css} details"))
        .await?
        .attr("open")
        .await?;
    ensure!(reply.is_none(), "the last server reply is not folded away");
    let reply_text = wait_for_element(browser, &format!("{row_css} details pre"))
        .await?
        .prop("textContent")
        .await?
        .unwrap_or_default();
    ensure!(
        reply_text.contains("550"),
        "the folded reply does not show the 550: {reply_text:?}"
    );
    save_screenshot(browser, "message-log-failed", 1280).await?;
    save_screenshot(browser, "message-log-failed", 360).await?;

    click(browser, &format!("{row_css} .server-actions .button")).await?;
    wait_for_text(browser, &row_css, "Die Mail steht wieder in der Warteschlange").await?;
    // The peer rejects the recipient again, so the resent mail fails a second time.
    wait_for_status(browser, message_id, "Fehlgeschlagen").await?;
    let row = message_row(browser, message_id).await?;
    ensure!(
        row.contains("Versuche\n2") || row.contains("Versuche 2"),
        "the row does not count 2 attempts: {row}"
    );

    page_and_filter_log(harness, browser, &token, server_id).await?;

    // An unknown server's log keeps the header and a way back to the list.
    change_fragment(browser, "log=999999").await?;
    wait_for_text(browser, "main [role='alert']", "Nicht gefunden").await?;
    wait_for_text(browser, ".app-header .account", "fehler@shop.example").await?;
    wait_for_text(browser, "main .button-link", "Zurück zur Liste").await?;

    change_fragment(browser, "tokens").await?;
    wait_for_text(browser, "#tokens-title", "API-Zugang").await?;
    Ok(())
}

/// Sets the outbox page's fragment as a seller typing it into the address bar would.
async fn change_fragment(browser: &Client, fragment: &str) -> anyhow::Result<()> {
    browser
        .execute("location.hash = arguments[0];", vec![fragment.into()])
        .await
        .with_context(|| format!("change the fragment to #{fragment}"))?;
    Ok(())
}

/// Fills the log beyond one page of 20, loads the next page, and filters by status.
async fn page_and_filter_log(
    harness: &Harness,
    browser: &Client,
    token: &str,
    server_id: i64,
) -> anyhow::Result<()> {
    for _ in 0..20 {
        submit_message(&harness.base_url, token, server_id).await?;
    }

    click(browser, "#log-refresh").await?;
    wait_for_element(browser, "#log-more").await?;
    wait_for_rows(browser, 20).await?;

    click(browser, "#log-more").await?;
    wait_for_rows(browser, 21).await?;
    // The last page has no cursor, so the button stays away once the page arrived.
    wait_for_absence(browser, "#log-more").await?;

    let sent = browser
        .find(Locator::Css("#log-status option[value='sent']"))
        .await
        .context("find the status filter's option \"Gesendet\"")?;
    sent.click().await.context("filter the log by \"Gesendet\"")?;
    wait_for_text(browser, "#log-empty", "Keine Mails mit diesem Status").await?;

    // The day filter: a day without mail, then today (UTC), with every status again.
    let all = browser
        .find(Locator::Css("#log-status option[value='']"))
        .await
        .context("find the status filter's option \"Alle\"")?;
    all.click().await.context("show every status again")?;
    wait_for_rows(browser, 20).await?;
    choose_day(browser, "2020-01-01").await?;
    wait_for_text(browser, "#log-empty", "An diesem Tag wurden keine").await?;
    let today = browser
        .execute("return new Date().toISOString().slice(0, 10);", Vec::new())
        .await
        .context("read today's date in UTC")?;
    choose_day(browser, today.as_str().unwrap_or_default()).await?;
    wait_for_rows(browser, 20).await?;
    Ok(())
}

/// Sets the log's date field as the browser's date picker does, with a `change` event.
async fn choose_day(browser: &Client, day: &str) -> anyhow::Result<()> {
    let script = "const field = document.getElementById('log-day'); field.value = arguments[0]; \
                  field.dispatchEvent(new Event('change', { bubbles: true }));";
    browser
        .execute(script, vec![serde_json::Value::from(day)])
        .await
        .with_context(|| format!("choose the day {day} in the log"))?;
    Ok(())
}

async fn reactivate_unreachable_server(harness: &Harness, peer_port: u16) -> anyhow::Result<()> {
    let browser = &harness.browser;
    let seller = "inaktiv@shop.example";
    browser.goto(&harness.base_url).await.context("open the page")?;
    sign_up_new_seller(browser, seller).await?;
    let entry = ServerEntry {
        display_name: "Abgewiesener Server",
        sender: "info@shop.example",
        port: peer_port,
        login: None,
        security: "server-security-none",
    };
    let server_id = add_server(browser, &entry).await?;
    deactivate(harness, seller, server_id).await?;

    browser.refresh().await.context("reload the list")?;
    wait_for_text(browser, ".server-card .deactivated", "Vom System deaktiviert").await?;
    click(browser, &format!("#reactivate-{server_id}")).await?;
    let verdict = wait_for_text(
        browser,
        ".reactivation [role='alert']",
        "Reaktivieren fehlgeschlagen",
    )
    .await?
    .text()
    .await?;
    ensure!(
        verdict.contains("554"),
        "the diagnosis does not name the server's reply: {verdict}"
    );
    wait_for_text(browser, ".server-card .badge", "Inaktiv").await?;
    save_screenshot(browser, "reactivation-failed", 360).await?;
    Ok(())
}

/// Adds a server through the form, goes back to the list and returns the server's id.
async fn add_server(browser: &Client, entry: &ServerEntry<'_>) -> anyhow::Result<i64> {
    click(browser, "#new-server").await?;
    wait_for_text(browser, "#form-title", "Neuer SMTP-Server").await?;
    type_into(browser, "#server-display-name", entry.display_name).await?;
    type_into(browser, "#server-sender", entry.sender).await?;
    type_into(browser, "#server-host", SMTP_HOST).await?;
    click(browser, &format!("#{}", entry.security)).await?;
    type_into(browser, "#server-port", &entry.port.to_string()).await?;
    wait_for_value(browser, "#server-port", &entry.port.to_string()).await?;
    if let Some((login, password)) = entry.login {
        type_into(browser, "#server-login", login).await?;
        type_into(browser, "#server-password", password).await?;
    }
    click(browser, "#save-server").await?;
    wait_for_text(browser, "#save-status", "Gespeichert").await?;

    click_button(browser, "Zurück zur Liste").await?;
    let heading = wait_for_text(browser, ".server-card h2", entry.display_name).await?;
    let heading_id = heading.attr("id").await?.unwrap_or_default();
    heading_id
        .trim_start_matches("server-")
        .trim_end_matches("-name")
        .parse()
        .with_context(|| format!("read the server id from the heading id {heading_id:?}"))
}

/// Creates a token on the token page after checking the empty name's error, and returns the
/// token as the page shows it.
async fn create_token(browser: &Client, name: &str) -> anyhow::Result<String> {
    click(browser, "#open-tokens").await?;
    wait_for_text(browser, "#tokens-title", "API-Zugang").await?;
    check_title(browser, "Postausgang – API-Zugang").await?;
    wait_for_text(browser, "#tokens-list-title + p", "Noch kein Token").await?;
    wait_for_text(browser, ".page-tokens pre", "Authorization: Bearer").await?;

    click(browser, "#create-token").await?;
    wait_for_text(
        browser,
        "#token-name-findings .finding-error",
        "Name des Tokens fehlt",
    )
    .await?;

    type_into(browser, "#token-name", name).await?;
    click(browser, "#create-token").await?;
    wait_for_text(browser, "#new-token-title", name).await?;
    wait_for_text(browser, ".new-token", "nicht noch einmal anzeigen").await?;
    wait_for_text(browser, ".token-list", name).await?;
    let token = wait_for_element(browser, "#new-token")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    ensure!(token.len() >= 20, "the page shows no plausible token: {token:?}");
    // The test page is served from loopback, a secure context, so the browser offers the clipboard.
    wait_for_text(browser, "#copy-token", "Kopieren").await?;
    Ok(token)
}

/// Submits a mail as a shop system does: `POST /api/messages` with the bearer token, no cookie.
async fn submit_message(base_url: &str, token: &str, server_id: i64) -> anyhow::Result<i64> {
    let response = reqwest::Client::new()
        .post(format!("{base_url}/api/messages"))
        .bearer_auth(token)
        .json(&json!({
            "to": [RECIPIENT],
            "subject": SUBJECT,
            "text": "Vielen Dank für Ihre Bestellung.",
            "server_id": server_id,
        }))
        .send()
        .await
        .context("submit the mail")?;
    let status = response.status();
    let body: Value = response.json().await.context("read the submission's response")?;
    ensure!(
        status.as_u16() == 202,
        "POST /api/messages answered {status}: {body}"
    );
    body["id"]
        .as_i64()
        .with_context(|| format!("the submission's response has no id: {body}"))
}

async fn open_log(browser: &Client, server_id: i64) -> anyhow::Result<()> {
    click_button(browser, "Zurück zur Liste").await?;
    click(browser, &format!("#open-log-{server_id}")).await?;
    wait_for_text(browser, "#log-title", "Versandprotokoll").await?;
    check_title(browser, "Postausgang – Versandprotokoll").await?;
    Ok(())
}

async fn check_title(browser: &Client, expected: &str) -> anyhow::Result<()> {
    let title = browser.title().await.context("read the tab's title")?;
    ensure!(
        title == expected,
        "the tab's title is {title:?}, expected {expected:?}"
    );
    Ok(())
}

/// Refreshes the log until the message shows the status, within [`DELIVERY_LIMIT`].
async fn wait_for_status(browser: &Client, message_id: i64, expected: &str) -> anyhow::Result<()> {
    let badge_css = format!("#message-{message_id} .badge");
    let started = Instant::now();
    let mut last_seen = String::from("(not in the log)");
    while started.elapsed() < DELIVERY_LIMIT {
        if let Ok(badge) = browser.find(Locator::Css(&badge_css)).await {
            last_seen = badge.text().await.unwrap_or_default();
            if last_seen == expected {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        // A disabled button (a page still loading) ignores the click, and the next round retries.
        if let Ok(refresh) = browser.find(Locator::Css("#log-refresh")).await {
            let _ = refresh.click().await;
        }
    }
    bail!("message {message_id} did not show \"{expected}\" within {DELIVERY_LIMIT:?}; it shows \"{last_seen}\"")
}

async fn message_row(browser: &Client, message_id: i64) -> anyhow::Result<String> {
    let row = wait_for_element(browser, &format!("#message-{message_id}")).await?;
    Ok(row.text().await?)
}

/// Sets a per-minute limit on the log page after the page flagged zero at its field (with the
/// backend's rules), then returns to the preset's value. A server without a provider preset starts without limits.
async fn set_and_reset_limits(browser: &Client) -> anyhow::Result<()> {
    wait_for_text(browser, "#limits-source", "kein Limit voreingestellt").await?;
    wait_for_value(browser, "#limits-per-minute", "").await?;

    type_into(browser, "#limits-per-minute", "0").await?;
    wait_for_text(
        browser,
        "#limits-per-minute-findings .finding-error",
        "Mails pro Minute",
    )
    .await?;
    wait_for_text(
        browser,
        "#limits-per-minute-findings .finding-error",
        "mindestens 1",
    )
    .await?;
    click(browser, "#save-limits").await?;
    wait_for_element(browser, "#limits-per-minute[aria-invalid='true']").await?;

    type_into(browser, "#limits-per-minute", "30").await?;
    click(browser, "#save-limits").await?;
    wait_for_text(browser, ".limits .status-ok", "Gespeichert").await?;
    wait_for_text(browser, "#limits-source", "Diese Limits haben Sie festgelegt").await?;
    wait_for_value(browser, "#limits-per-minute", "30").await?;
    save_screenshot(browser, "sending-limits", 360).await?;

    wait_for_text(browser, "#reset-limits", "Voreinstellung wiederherstellen").await?;
    click(browser, "#reset-limits").await?;
    wait_for_text(browser, "#limits-source", "kein Limit voreingestellt").await?;
    wait_for_value(browser, "#limits-per-minute", "").await?;
    Ok(())
}

/// Waits until the log lists exactly `expected` mails, within [`DELIVERY_LIMIT`].
async fn wait_for_rows(browser: &Client, expected: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut shown = 0;
    while started.elapsed() < DELIVERY_LIMIT {
        shown = browser.find_all(Locator::Css(".message-list > li")).await?.len();
        if shown == expected {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the log shows {shown} mails, expected {expected} within {DELIVERY_LIMIT:?}")
}

/// The fixture received the mail from the outbox, through the server the request named.
fn check_received(harness: &Harness) -> anyhow::Result<()> {
    let messages = harness.smtp.messages();
    ensure!(
        messages.len() == 1,
        "the SMTP server received {} messages, expected 1",
        messages.len()
    );
    let message = &messages[0];
    ensure!(
        message.rcpt_tos == [RECIPIENT],
        "RCPT TO was {:?}",
        message.rcpt_tos
    );
    ensure!(
        message.mail_from == "max@gmx.de",
        "MAIL FROM was {:?}",
        message.mail_from
    );
    ensure!(
        message.text().contains(SUBJECT),
        "the received mail lacks the subject: {}",
        message.text()
    );
    Ok(())
}

/// Deactivates the server and reactivates it from the list: the fixture accepts the login, so the server turns active.
async fn reactivate_server(harness: &Harness, server_id: i64) -> anyhow::Result<()> {
    let browser = &harness.browser;
    deactivate(harness, SELLER_EMAIL, server_id).await?;

    click_button(browser, "Zurück zur Liste").await?;
    wait_for_text(browser, ".server-card .deactivated", "Vom System deaktiviert").await?;
    click(browser, &format!("#reactivate-{server_id}")).await?;
    wait_for_text(browser, ".page-list .status-ok", "wieder aktiv").await?;
    wait_for_absence(browser, ".server-card .deactivated").await?;
    wait_for_text(browser, ".server-card .badge", "Aktiv").await?;
    Ok(())
}

/// Deactivates a server in the store, as the outbox does after repeated failures.
async fn deactivate(harness: &Harness, seller: &str, server_id: i64) -> anyhow::Result<()> {
    let account = harness
        .store
        .find_credentials(seller)
        .await?
        .context("the seller's account is not in the store")?
        .account;
    harness
        .store
        .deactivate_server(
            account.id,
            ServerId(server_id),
            "Anmeldung fünfmal in Folge abgelehnt (535 5.7.8).",
        )
        .await?
        .context("the store found no such server")?;
    Ok(())
}

async fn revoke_token(browser: &Client, name: &str) -> anyhow::Result<()> {
    click(browser, "#open-tokens").await?;
    wait_for_text(browser, ".token-list", name).await?;
    let last_used = wait_for_element(browser, ".token-list .token")
        .await?
        .text()
        .await?;
    ensure!(
        !last_used.contains("Noch nie"),
        "the used token is listed as never used: {last_used}"
    );

    click_button(browser, "Widerrufen").await?;
    browser.accept_alert().await.context("confirm the revocation")?;
    wait_for_text(browser, ".page-tokens .status-ok", "widerrufen").await?;
    wait_for_text(browser, "#tokens-list-title + p", "Noch kein Token").await?;
    Ok(())
}

async fn check_token_rejected(base_url: &str, token: &str) -> anyhow::Result<()> {
    let response = reqwest::Client::new()
        .get(format!("{base_url}/api/messages"))
        .bearer_auth(token)
        .send()
        .await
        .context("list the messages with the revoked token")?;
    ensure!(
        response.status().as_u16() == 401,
        "a request with the revoked token got {}, expected 401",
        response.status()
    );
    Ok(())
}

/// Switches to English on the list, then opens the log again: its headings, labels and
/// statuses come in English.
async fn check_log_in_english(browser: &Client, server_id: i64, message_id: i64) -> anyhow::Result<()> {
    click_button(browser, "Zurück zur Liste").await?;
    click(browser, "#language-en").await?;
    wait_for_text(browser, "main h1", "Email sending").await?;

    click(browser, &format!("#open-log-{server_id}")).await?;
    wait_for_text(browser, "#log-title", "Sending log").await?;
    check_title(browser, "Postausgang – Sending log").await?;
    wait_for_text(browser, "label[for='log-status']", "Status").await?;
    wait_for_text(browser, &format!("#message-{message_id} .badge"), "Sent").await?;
    wait_for_text(browser, &format!("#message-{message_id}"), "Recipients").await?;
    wait_for_text(browser, ".page-log .lead", "newest first").await?;
    save_screenshot(browser, "message-log-english", 1280).await?;
    Ok(())
}
