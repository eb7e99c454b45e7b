//! The test mail: `POST /api/servers/{id}/test-mail` for a saved server and `POST /api/test-mail`
//! for the unsaved form. Both send a real mail through the seller's server with the mailer's
//! `deliver`, the path customer mails take, and respond with one line per SMTP step and a verdict.
//!
//! Both endpoints check what the request brings with `shared`, the same rules as the page,
//! because the API can be called without the page: the recipients always, and the whole server
//! form for the unsaved one. Findings with an error answer 422 and nothing is sent.

mod limit;

use actix_web::{web, HttpResponse};
use mailer::{
    deliver, diagnose, prepare_mail, ConfigError, DeliveryReport, DiagnosisContext, MailerConfig,
    OutgoingMail, ServerTarget, SmtpLogin, Timeouts, Verdict,
};
use shared::api::{FindingView, StepResult, TestMailRequest, TestMailResult, UnsavedTestMailRequest};
use shared::{
    validate_server, validate_test_recipients, EmailAddress, Language, Mailbox, NormalizedServer, Password,
    ValidationReport,
};

use crate::auth::CurrentAccount;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::language::SellerLanguage;
use crate::routes::method_not_allowed;
use crate::routes::servers::parse_server_id;
use crate::settings::Settings;
use crate::store::{Account, AccountId, ServerForSending, ServerId, Store, TestOutcome};

use limit::TestMailCounter;
pub use limit::TestMailLimit;

/// What the test-mail endpoints keep for the whole run: the mailer's configuration, built once
/// at start-up, and the count of each account's recent test mails.
#[derive(Debug)]
pub struct TestMailer {
    config: MailerConfig,
    counter: TestMailCounter,
}

impl TestMailer {
    /// Builds the mailer's configuration from the start-up settings, reading the extra root
    /// certificates once, with the time limits for a seller waiting at the form.
    ///
    /// # Errors
    /// The EHLO name is invalid, or the extra root certificates cannot be read or contain none.
    pub fn from_settings(settings: &Settings) -> Result<TestMailer, ConfigError> {
        let config = settings.mailer_config(Timeouts::default())?;
        Ok(TestMailer {
            config,
            counter: TestMailCounter::new(settings.test_mail_limit),
        })
    }

    /// Counts a test mail against the account's limit, or rejects it with the time to wait.
    fn take_slot(&self, account: AccountId) -> Result<(), ApiError> {
        self.counter.take_slot(account).map_err(|retry_after| {
            tracing::info!(account = account.0, "test mail rate limit reached");
            ApiError::TooManyTestMails { retry_after }
        })
    }
}

/// Registers `/servers/{id}/test-mail` and `/test-mail`.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/servers/{id}/test-mail")
                .route(web::post().to(test_saved_server))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/test-mail")
                .route(web::post().to(test_unsaved_server))
                .default_service(web::to(method_not_allowed)),
        );
}

/// `POST /api/servers/{id}/test-mail`: tests the stored settings and records the outcome as
/// the server's last test.
async fn test_saved_server(
    CurrentAccount(account): CurrentAccount,
    SellerLanguage(language): SellerLanguage,
    path: web::Path<String>,
    ApiJson(request): ApiJson<TestMailRequest>,
    store: web::Data<Store>,
    test_mailer: web::Data<TestMailer>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_server_id(&path)?;
    let server = store
        .load_server_for_sending(account.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let sender = &server.settings.sender.address;
    let (recipient_report, recipients) =
        check_recipients(request.recipient.as_deref(), &account, Some(sender));
    reject_errors(&[&recipient_report])?;
    test_mailer.take_slot(account.id)?;

    let test = TestMail {
        server: &server.settings,
        password: server.password.as_ref(),
        recipients,
        recipient_findings: recipient_report,
    };
    let result = send_test_mail(&test_mailer.config, test, language).await?;
    let outcome = TestOutcome {
        ok: result.ok,
        verdict: result.verdict.clone(),
    };
    store.record_test_result(account.id, id, outcome).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// `POST /api/test-mail`: tests the form as entered. With the server's `id`, an empty password
/// uses the stored one, but only towards the stored host. The stored "last test" stays as it
/// is, because these settings may differ from the stored ones.
async fn test_unsaved_server(
    CurrentAccount(account): CurrentAccount,
    SellerLanguage(language): SellerLanguage,
    ApiJson(request): ApiJson<UnsavedTestMailRequest>,
    store: web::Data<Store>,
    test_mailer: web::Data<TestMailer>,
) -> Result<HttpResponse, ApiError> {
    let stored = match request.id {
        Some(id) => {
            let stored = store.load_server_for_sending(account.id, ServerId(id)).await?;
            Some(stored.ok_or(ApiError::NotFound)?)
        }
        None => None,
    };
    let stored_password = stored.as_ref().and_then(|stored| stored.password.as_ref());
    let (server_report, normalized) = validate_server(&request.server, stored_password.is_some());
    let sender = normalized.as_ref().map(|server| &server.sender.address);
    let (recipient_report, recipients) = check_recipients(request.recipient.as_deref(), &account, sender);
    reject_errors(&[&server_report, &recipient_report])?;
    let Some(server) = normalized else {
        // validate_server returns the settings whenever it reports no error.
        return Err(ApiError::internal(anyhow::anyhow!(
            "validation passed without normalised settings"
        )));
    };
    let password = match typed_password(&request.server.password) {
        Some(password) => Some(password),
        None => stored_password_for(stored.as_ref(), &server)?,
    };
    test_mailer.take_slot(account.id)?;

    let test = TestMail {
        server: &server,
        password: password.as_ref(),
        recipients,
        recipient_findings: recipient_report,
    };
    let result = send_test_mail(&test_mailer.config, test, language).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// Validates the recipients as entered, or the account's address when none are. The sender,
/// when known, goes into the hint for Amazon's buyer relay addresses.
fn check_recipients(
    entered: Option<&str>,
    account: &Account,
    sender: Option<&EmailAddress>,
) -> (ValidationReport, Vec<EmailAddress>) {
    let entered = entered.filter(|text| !text.trim().is_empty());
    validate_test_recipients(entered.unwrap_or(&account.email), sender)
}

/// Rejects the request with every finding of `reports` when any of them is an error.
fn reject_errors(reports: &[&ValidationReport]) -> Result<(), ApiError> {
    if !reports.iter().any(|report| report.has_errors()) {
        return Ok(());
    }
    let findings = reports
        .iter()
        .flat_map(|report| report.findings.iter().cloned())
        .collect();
    Err(ApiError::InvalidTestMail(ValidationReport { findings }))
}

fn typed_password(password: &Option<Password>) -> Option<Password> {
    password.clone().filter(|password| !password.is_empty())
}

/// Returns the stored password for a test of edited settings.
///
/// The stored password goes only to the host it was saved for. Otherwise anyone holding a
/// session could read it by pointing the form at a server of their own.
fn stored_password_for(
    stored: Option<&ServerForSending>,
    server: &NormalizedServer,
) -> Result<Option<Password>, ApiError> {
    let Some(stored) = stored else {
        return Ok(None);
    };
    let password_is_needed = !server.login.is_empty() && stored.password.is_some();
    if password_is_needed && stored.settings.host != server.host {
        return Err(ApiError::StoredPasswordForOtherHost {
            stored_host: stored.settings.host.clone(),
        });
    }
    Ok(stored.password.clone())
}

/// One test mail to send: the validated settings, the password, and the validated recipients
/// with the findings about them, which have no error.
struct TestMail<'a> {
    server: &'a NormalizedServer,
    password: Option<&'a Password>,
    recipients: Vec<EmailAddress>,
    recipient_findings: ValidationReport,
}

/// Sends the test mail and turns the report into the API's response.
async fn send_test_mail(
    config: &MailerConfig,
    test: TestMail<'_>,
    language: Language,
) -> Result<TestMailResult, ApiError> {
    let server = test.server;
    let target = ServerTarget {
        host: server.host.clone(),
        port: server.port,
        security: server.security,
    };
    let login = (!server.login.is_empty()).then(|| SmtpLogin {
        username: server.login.clone(),
        password: test
            .password
            .cloned()
            .unwrap_or_else(|| Password::new(String::new())),
    });
    let mail = test_mail(server, &test.recipients, language);
    // The settings and the recipients passed validation, so a mail that does not build is our fault.
    let prepared = prepare_mail(&mail).map_err(ApiError::internal)?;

    let report = deliver(config, &target, login.as_ref(), &prepared).await;
    let sender = prepared.envelope_from();
    let context = DiagnosisContext {
        target: &target,
        sender: &sender,
        login: login.as_ref().map(|login| login.username.as_str()),
        password_is_ascii: test.password.is_none_or(|password| password.expose().is_ascii()),
    };
    let verdict = diagnose(&report.outcome, &context);
    tracing::info!(
        security = server.security.as_str(),
        port = server.port,
        verdict = verdict.code(),
        "test mail finished"
    );
    Ok(test_mail_result(&report, &verdict, &test, language))
}

fn test_mail_result(
    report: &DeliveryReport,
    verdict: &Verdict,
    test: &TestMail<'_>,
    language: Language,
) -> TestMailResult {
    let steps = report
        .steps
        .iter()
        .map(|record| StepResult {
            step: record.step,
            status: record.status(),
            label: record.step.label(language).to_owned(),
            detail: record.detail(language),
        })
        .collect();
    let recipients: Vec<String> = test.recipients.iter().map(EmailAddress::to_unicode).collect();
    let hints = test
        .recipient_findings
        .findings
        .iter()
        .map(|finding| FindingView {
            finding: finding.clone(),
            message: finding.message(language),
        })
        .collect();
    TestMailResult {
        ok: verdict.is_accepted(),
        verdict: verdict.code().to_owned(),
        message: verdict.message(language),
        recipient: recipients.join(", "),
        steps,
        transcript: report.transcript.clone(),
        hints,
    }
}

/// Builds the test mail exactly as a customer mail: same sender, same BCC.
fn test_mail(server: &NormalizedServer, recipients: &[EmailAddress], language: Language) -> OutgoingMail {
    let subject = language.pick("Test-Mail von Postausgang", "Test mail from Postausgang");
    let body = match (language.effective(), server.bcc.is_empty()) {
        (Language::De, true) => {
            "Diese Mail hat Postausgang über Ihren SMTP-Server gesendet, um die Einstellungen zu prüfen.\n\
             Sie ging mit demselben Absender hinaus wie Ihre Kundenmails."
        }
        (Language::De, false) => {
            "Diese Mail hat Postausgang über Ihren SMTP-Server gesendet, um die Einstellungen zu prüfen.\n\
             Sie ging mit demselben Absender hinaus wie Ihre Kundenmails, und wie bei diesen ging eine Kopie an die BCC-Adresse."
        }
        (Language::En, true) => {
            "Postausgang sent this mail through your SMTP server to check the settings.\n\
             It went out with the same sender as your customer mails."
        }
        (Language::En, false) => {
            "Postausgang sent this mail through your SMTP server to check the settings.\n\
             It went out with the same sender as your customer mails, and as with them, a copy went to the BCC address."
        }
    };
    let to = recipients
        .iter()
        .map(|address| Mailbox {
            display_name: None,
            address: address.clone(),
        })
        .collect();
    OutgoingMail {
        from: server.sender.clone(),
        to,
        bcc: server.bcc.clone(),
        subject: subject.to_owned(),
        text_body: body.to_owned(),
        attachments: Vec::new(),
    }
}
