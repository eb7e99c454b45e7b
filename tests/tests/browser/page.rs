//! Steps a seller takes on the page, each returning an error that says what was expected and
//! what the page showed, so that the test can close the browser before it fails.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};

/// How long a step waits for the page to show what it expects. On loopback the wasm loads and
/// the backend responds in well under a second, and a test mail over STARTTLS takes about one.
const STEP_LIMIT: Duration = Duration::from_secs(15);
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// WebDriver key codes (W3C WebDriver, "keyboard actions").
const CONTROL: char = '\u{E009}';
const BACKSPACE: char = '\u{E003}';

/// Waits until the element matching `css` exists and its text contains `expected`.
pub async fn wait_for_text(browser: &Client, css: &str, expected: &str) -> anyhow::Result<Element> {
    let started = Instant::now();
    let mut last_seen = String::from("(no such element)");
    while started.elapsed() < STEP_LIMIT {
        if let Ok(element) = browser.find(Locator::Css(css)).await {
            last_seen = element.text().await.unwrap_or_default();
            if last_seen.contains(expected) {
                return Ok(element);
            }
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    bail!("expected `{css}` to contain \"{expected}\" within {STEP_LIMIT:?}; it shows \"{last_seen}\"")
}

/// Waits until no element matches `css`.
pub async fn wait_for_absence(browser: &Client, css: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    while started.elapsed() < STEP_LIMIT {
        if browser.find_all(Locator::Css(css)).await?.is_empty() {
            return Ok(());
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    let shown = browser
        .find(Locator::Css(css))
        .await?
        .text()
        .await
        .unwrap_or_default();
    bail!("expected `{css}` to disappear within {STEP_LIMIT:?}; it still shows \"{shown}\"")
}

/// Waits until the attribute of the element matching `css` has the expected value.
pub async fn wait_for_attribute(
    browser: &Client,
    css: &str,
    name: &str,
    expected: &str,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut last_seen = None;
    while started.elapsed() < STEP_LIMIT {
        if let Ok(element) = browser.find(Locator::Css(css)).await {
            last_seen = element.attr(name).await?;
            if last_seen.as_deref() == Some(expected) {
                return Ok(());
            }
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    bail!("expected `{css}` to have {name}=\"{expected}\" within {STEP_LIMIT:?}; it has {last_seen:?}")
}

/// Waits until the DOM property of the element matching `css` has the expected value, such as
/// an input's `value` or a radio button's `checked`.
pub async fn wait_for_property(
    browser: &Client,
    css: &str,
    name: &str,
    expected: &str,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut last_seen = None;
    while started.elapsed() < STEP_LIMIT {
        if let Ok(element) = browser.find(Locator::Css(css)).await {
            last_seen = element.prop(name).await?;
            if last_seen.as_deref() == Some(expected) {
                return Ok(());
            }
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    bail!("expected `{css}` to have {name} \"{expected}\" within {STEP_LIMIT:?}; it has {last_seen:?}")
}

/// Waits until the input matching `css` has the expected value.
pub async fn wait_for_value(browser: &Client, css: &str, expected: &str) -> anyhow::Result<()> {
    wait_for_property(browser, css, "value", expected).await
}

/// Waits until an element matches the XPath expression.
pub async fn wait_for_xpath(browser: &Client, xpath: &str) -> anyhow::Result<Element> {
    let started = Instant::now();
    while started.elapsed() < STEP_LIMIT {
        if let Ok(element) = browser.find(Locator::XPath(xpath)).await {
            return Ok(element);
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    bail!("nothing matched the XPath {xpath} within {STEP_LIMIT:?}")
}

/// Replaces the text of an input the way a seller does: select all, delete, type. Each key
/// fires an `input` event, which is what the page listens to.
pub async fn type_into(browser: &Client, css: &str, text: &str) -> anyhow::Result<()> {
    let input = browser
        .find(Locator::Css(css))
        .await
        .with_context(|| format!("find the input `{css}`"))?;
    input.click().await.with_context(|| format!("focus `{css}`"))?;
    input
        .send_keys(&format!("{CONTROL}a{CONTROL}{BACKSPACE}"))
        .await?;
    input
        .send_keys(text)
        .await
        .with_context(|| format!("type into `{css}`"))?;
    Ok(())
}

/// Clicks the element matching `css`.
pub async fn click(browser: &Client, css: &str) -> anyhow::Result<()> {
    let element = wait_for_element(browser, css).await?;
    element.click().await.with_context(|| format!("click `{css}`"))?;
    Ok(())
}

/// Clicks the first button whose text contains `label`.
pub async fn click_button(browser: &Client, label: &str) -> anyhow::Result<()> {
    let xpath = format!("//button[contains(normalize-space(.), '{label}')]");
    let started = Instant::now();
    while started.elapsed() < STEP_LIMIT {
        if let Ok(button) = browser.find(Locator::XPath(&xpath)).await {
            button
                .click()
                .await
                .with_context(|| format!("click the button \"{label}\""))?;
            return Ok(());
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    bail!("no button with the text \"{label}\" appeared within {STEP_LIMIT:?}")
}

/// Waits until the page shows a dialog such as `window.confirm` and returns its text.
pub async fn wait_for_dialog(browser: &Client) -> anyhow::Result<String> {
    let started = Instant::now();
    while started.elapsed() < STEP_LIMIT {
        if let Ok(text) = browser.get_alert_text().await {
            return Ok(text);
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    bail!("no dialog appeared within {STEP_LIMIT:?}")
}

/// Waits until an element matches `css`.
pub async fn wait_for_element(browser: &Client, css: &str) -> anyhow::Result<Element> {
    let started = Instant::now();
    while started.elapsed() < STEP_LIMIT {
        if let Ok(element) = browser.find(Locator::Css(css)).await {
            return Ok(element);
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    bail!("no element matched `{css}` within {STEP_LIMIT:?}")
}

/// Saves a screenshot of the whole page at the given width to
/// `test-artifacts/screenshots/{name}-{width}.png`. The window grows to the page's height first,
/// because WebDriver captures only the visible part.
pub async fn save_screenshot(browser: &Client, name: &str, width: u32) -> anyhow::Result<()> {
    browser.set_window_size(width, 900).await?;
    // The window's height includes the browser's own bars, so they are added to the page's height.
    let script = "window.scrollTo(0, 0); \
                  return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight;";
    let height = browser.execute(script, Vec::new()).await?.as_u64().unwrap_or(900);
    let height = u32::try_from(height).unwrap_or(900).max(600);
    browser.set_window_size(width, height).await?;

    let png = browser.screenshot().await.context("take a screenshot")?;
    let directory = crate::harness::repository_root().join("test-artifacts/screenshots");
    std::fs::create_dir_all(&directory).with_context(|| format!("create {}", directory.display()))?;
    let path = directory.join(format!("{name}-{width}.png"));
    std::fs::write(&path, png).with_context(|| format!("write {}", path.display()))?;

    browser.set_window_size(1280, 900).await?;
    Ok(())
}

/// Signs up a new seller from the login page and waits for the empty server list.
pub async fn sign_up_new_seller(browser: &Client, email: &str) -> anyhow::Result<()> {
    wait_for_text(browser, "#auth-title", "Anmelden").await?;
    click(browser, "#auth-switch").await?;
    wait_for_text(browser, "#auth-title", "Konto anlegen").await?;
    type_into(browser, "#account-email", email).await?;
    type_into(browser, "#account-password", "lange-genug-und-geheim-2026").await?;
    click(browser, "#auth-submit").await?;
    wait_for_text(browser, "main h1", "E-Mail-Versand").await?;
    Ok(())
}

/// Adds what the page showed to a failure, and saves a screenshot of it as `failure-1280.png`.
pub async fn describe_failure(browser: &Client, error: anyhow::Error) -> anyhow::Error {
    let _ = save_screenshot(browser, "failure", 1280).await;
    let shown = browser
        .execute("return document.body.innerText;", Vec::new())
        .await
        .ok()
        .and_then(|text| text.as_str().map(str::to_owned))
        .unwrap_or_default();
    error.context(format!(
        "the page showed:\n{shown}\n(screenshot: test-artifacts/screenshots/failure-1280.png)"
    ))
}
