//! The connection check before a deactivated server is reactivated: connect, TLS, greeting,
//! EHLO and login, as a mail would, then QUIT. No mail is sent.

use mailer::{diagnose, DiagnosisContext, MailerConfig, SmtpSession};
use shared::api::StepResult;
use shared::Language;

use super::delivery::{login_of, target_of};
use crate::store::ServerForSending;

/// The outcome of a connection check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionCheck {
    pub ok: bool,
    pub verdict: String,
    pub message: String,
    pub steps: Vec<StepResult>,
}

/// Opens a session to the server and closes it again.
pub async fn check_connection(
    config: &MailerConfig,
    server: &ServerForSending,
    language: Language,
) -> ConnectionCheck {
    let target = target_of(server);
    let login = login_of(server);
    let deadline = mailer::Deadline::after(config.timeouts.total);
    match SmtpSession::open(config, &target, login.as_ref(), deadline).await {
        Ok(session) => {
            let journal = session.quit().await;
            ConnectionCheck {
                ok: true,
                verdict: "connected".to_owned(),
                message: language
                    .pick(
                        "Verbindung und Anmeldung haben funktioniert.",
                        "Connecting and logging in worked.",
                    )
                    .to_owned(),
                steps: step_results(journal.steps(), language),
            }
        }
        Err(error) => {
            let sender = server.settings.sender.address.to_ascii();
            let context = DiagnosisContext {
                target: &target,
                sender: &sender,
                login: login.as_ref().map(|login| login.username.as_str()),
                password_is_ascii: server
                    .password
                    .as_ref()
                    .is_none_or(|password| password.expose().is_ascii()),
            };
            let verdict = diagnose(&Err(error.failure.clone()), &context);
            ConnectionCheck {
                ok: false,
                verdict: verdict.code().to_owned(),
                message: verdict.message(language),
                steps: step_results(error.journal.steps(), language),
            }
        }
    }
}

/// Lists the steps up to the login; a check sends no mail, so MAIL FROM, RCPT TO and DATA
/// are left out.
fn step_results(records: &[mailer::StepRecord], language: Language) -> Vec<StepResult> {
    use shared::api::SmtpStep;
    records
        .iter()
        .filter(|record| {
            !matches!(
                record.step,
                SmtpStep::MailFrom | SmtpStep::RcptTo | SmtpStep::Data
            )
        })
        .map(|record| StepResult {
            step: record.step,
            status: record.status(),
            label: record.step.label(language).to_owned(),
            detail: record.detail(language),
        })
        .collect()
}
