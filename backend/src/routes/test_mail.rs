//! The test mail: `POST /api/servers/{id}/test-mail` for a saved server and `POST /api/test-mail`
//! for the unsaved form. Both send a real mail through the seller's server with the mailer's
//! `deliver`, the path customer mails take, and answer with one line per SMTP step and a verdict.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use actix_web::{web, HttpResponse};
use mailer::{
    deliver, diagnose, prepare_mail, AllowList, DeliveryReport, DiagnosisContext, HeloName, MailerConfig,
    OutgoingMail, ServerTarget, SmtpLogin, Timeouts, TrustRoots,
};
use shared::api::{StepResult, TestMailRequest, TestMailResult, UnsavedTestMailRequest};
use shared::{validate_server, EmailAddress, Language, Mailbox, NormalizedServer, Password};

use crate::auth::CurrentAccount;
use crate::error::ApiError;
use crate::json::ApiJson;
use crate::language::SellerLanguage;
use crate::routes::method_not_allowed;
use crate::routes::servers::parse_server_id;
use crate::settings::Settings;
use crate::store::{AccountId, ServerId, Store, TestOutcome};

/// At most this many test mails per account within [`RATE_WINDOW`]. A seller fixing settings
/// tries a handful of times; more looks like someone using the button to probe hosts.
const RATE_LIMIT: usize = 10;
const RATE_WINDOW: Duration = Duration::from_secs(10 * 60);

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
    settings: web::Data<Settings>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_server_id(&path)?;
    let server = store
        .load_server_for_sending(account.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let recipient = parse_recipient(request.recipient.as_deref(), &account.email)?;
    take_rate_slot(account.id)?;

    let result = send_test_mail(
        &settings,
        &server.settings,
        server.password.as_ref(),
        recipient,
        language,
    )
    .await?;
    let outcome = TestOutcome {
        ok: result.ok,
        verdict: result.verdict.clone(),
    };
    store.record_test_result(account.id, id, outcome).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// `POST /api/test-mail`: tests the form as entered. With the server's `id`, an empty password
/// uses the stored one. The stored "last test" stays as it is, because these settings may
/// differ from the stored ones.
async fn test_unsaved_server(
    CurrentAccount(account): CurrentAccount,
    SellerLanguage(language): SellerLanguage,
    ApiJson(request): ApiJson<UnsavedTestMailRequest>,
    store: web::Data<Store>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, ApiError> {
    let stored_password = match request.id {
        Some(id) => {
            let stored = store.load_server_for_sending(account.id, ServerId(id)).await?;
            stored.ok_or(ApiError::NotFound)?.password
        }
        None => None,
    };
    let (report, normalized) = validate_server(&request.server, stored_password.is_some());
    let normalized = match normalized {
        Some(normalized) if !report.has_errors() => normalized,
        _ => return Err(ApiError::Validation(report)),
    };
    let typed_password = request
        .server
        .password
        .clone()
        .filter(|password| !password.is_empty());
    let password = typed_password.or(stored_password);
    let recipient = parse_recipient(request.recipient.as_deref(), &account.email)?;
    take_rate_slot(account.id)?;

    let result = send_test_mail(&settings, &normalized, password.as_ref(), recipient, language).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// Sends the test mail and turns the report into the API's answer.
async fn send_test_mail(
    settings: &Settings,
    server: &NormalizedServer,
    password: Option<&Password>,
    recipient: EmailAddress,
    language: Language,
) -> Result<TestMailResult, ApiError> {
    let config = mailer_config(settings)?;
    let target = ServerTarget {
        host: server.host.clone(),
        port: server.port,
        security: server.security,
    };
    let login = (!server.login.is_empty()).then(|| SmtpLogin {
        username: server.login.clone(),
        password: password.cloned().unwrap_or_else(|| Password::new(String::new())),
    });
    let mail = test_mail(server, recipient.clone(), language);
    // The settings passed validation, so a mail that does not build is our fault.
    let prepared = prepare_mail(&mail).map_err(ApiError::internal)?;

    let report = deliver(&config, &target, login.as_ref(), &prepared).await;
    let sender = prepared.envelope_from();
    let context = DiagnosisContext {
        target: &target,
        sender: &sender,
        login: login.as_ref().map(|login| login.username.as_str()),
        password_is_ascii: password.is_none_or(|password| password.expose().is_ascii()),
    };
    let verdict = diagnose(&report.outcome, &context);
    tracing::info!(
        security = server.security.as_str(),
        port = server.port,
        verdict = verdict.code(),
        "test mail finished"
    );
    Ok(test_mail_result(&report, &verdict, recipient, language))
}

fn test_mail_result(
    report: &DeliveryReport,
    verdict: &mailer::Verdict,
    recipient: EmailAddress,
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
    TestMailResult {
        ok: verdict.is_accepted(),
        verdict: verdict.code().to_owned(),
        message: verdict.message(language),
        recipient: recipient.to_unicode(),
        steps,
        transcript: report.transcript.clone(),
        hints: Vec::new(),
    }
}

/// Builds the test mail exactly as a customer mail: same sender, same BCC.
fn test_mail(server: &NormalizedServer, recipient: EmailAddress, language: Language) -> OutgoingMail {
    let subject = language.pick("Test-Mail von Postausgang", "Test mail from Postausgang");
    let body = language.pick(
        "Diese Mail hat Postausgang über Ihren SMTP-Server gesendet, um die Einstellungen zu prüfen.\n\
         Sie kam mit demselben Absender und derselben BCC-Adresse wie Ihre Kundenmails.",
        "Postausgang sent this mail through your SMTP server to check the settings.\n\
         It used the same sender and the same BCC address as your customer mails.",
    );
    OutgoingMail {
        from: server.sender.clone(),
        to: vec![Mailbox {
            display_name: None,
            address: recipient,
        }],
        bcc: server.bcc.clone(),
        subject: subject.to_owned(),
        text_body: body.to_owned(),
        attachments: Vec::new(),
    }
}

/// Returns the entered recipient, or the account's address when none is entered.
///
/// NOTE: this is a syntax check of `local@domain` with an ASCII domain only; it should use
/// the shared address parser (with IDN) once `shared::validate` exports one.
fn parse_recipient(entered: Option<&str>, account_email: &str) -> Result<EmailAddress, ApiError> {
    let text = entered
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .unwrap_or(account_email);
    let (local_part, domain) = text.rsplit_once('@').ok_or(ApiError::InvalidEmail)?;
    let valid = !local_part.is_empty()
        && domain.contains('.')
        && text.is_ascii()
        && !text.chars().any(|character| {
            character.is_control() || character.is_whitespace() || "<>,;".contains(character)
        });
    if !valid {
        return Err(ApiError::InvalidEmail);
    }
    let domain = domain.to_ascii_lowercase();
    Ok(EmailAddress {
        local_part: local_part.to_owned(),
        domain_unicode: domain.clone(),
        domain_ascii: domain,
    })
}

/// Builds the mailer's configuration from the start-up settings.
fn mailer_config(settings: &Settings) -> Result<MailerConfig, ApiError> {
    // The settings were checked at start, so a failure here is a broken deployment.
    let helo_name = HeloName::parse(&settings.helo_name).map_err(ApiError::internal)?;
    let trust = match &settings.extra_root_certs {
        Some(path) => TrustRoots::with_extra_roots_file(path).map_err(ApiError::internal)?,
        None => TrustRoots::public().map_err(ApiError::internal)?,
    };
    let allow = settings
        .allow_hosts
        .iter()
        .fold(AllowList::public_only(), |allow, network| {
            allow.with_network(network.network(), network.prefix_len())
        });
    Ok(MailerConfig {
        helo_name,
        trust,
        allow,
        timeouts: Timeouts::default(),
    })
}

/// Counts a test mail against the account's limit, or returns how long to wait.
fn take_rate_slot(account: AccountId) -> Result<(), ApiError> {
    static RECENT: OnceLock<Mutex<HashMap<i64, VecDeque<Instant>>>> = OnceLock::new();
    let mut recent = RECENT
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let now = Instant::now();
    let sent = recent.entry(account.0).or_default();
    while sent
        .front()
        .is_some_and(|at| now.duration_since(*at) >= RATE_WINDOW)
    {
        sent.pop_front();
    }
    if sent.len() >= RATE_LIMIT {
        let oldest = sent.front().copied().unwrap_or(now);
        let retry_after = RATE_WINDOW.saturating_sub(now.duration_since(oldest));
        tracing::info!(account = account.0, "test mail rate limit reached");
        return Err(ApiError::TooManyTestMails { retry_after });
    }
    sent.push_back(now);
    Ok(())
}
