//! The API's bodies as the page reads and writes them, through [`crate::json`].
//!
//! The names of keys and enum values are those of `shared::api`'s serde attributes. The tests
//! below read every writer's output back with serde, so the two cannot drift apart. The readers
//! need the browser, so the browser tests (`tests/tests/browser`) exercise them.

use shared::api::{
    AccountView, Credentials, Deactivation, DefaultChange, ErrorBody, FindingText, LastTest, ServerDeleted,
    ServerView, SmtpStep, StepResult, StepStatus, TestMailRequest, TestMailResult, UnsavedTestMailRequest,
};
use shared::validate::PortInput;
use shared::{Field, Security, ServerInput, Severity};

use crate::json::{Object, Writer};

pub fn account(body: &Object) -> Option<AccountView> {
    Some(AccountView {
        id: body.integer("id")?,
        email: body.string("email")?,
    })
}

pub fn finding(body: &Object) -> Option<FindingText> {
    Some(FindingText {
        field: field(&body.string("field")?)?,
        severity: severity(&body.string("severity")?)?,
        message: body.string("message")?,
    })
}

pub fn error(body: &Object) -> Option<ErrorBody<FindingText>> {
    Some(ErrorBody {
        error: body.string("error")?,
        message: body.string("message")?,
        findings: body.list("findings", finding)?,
    })
}

pub fn server(body: &Object) -> Option<ServerView<FindingText>> {
    Some(ServerView {
        id: body.integer("id")?,
        provider: body.string("provider")?,
        active: body.boolean("active")?,
        display_name: body.string("display_name")?,
        sender: body.string("sender")?,
        host: body.string("host")?,
        port: u16::try_from(body.integer("port")?).ok()?,
        security: Security::parse(&body.string("security")?)?,
        login: body.string("login")?,
        password_set: body.boolean("password_set")?,
        bcc: body.string("bcc")?,
        is_default: body.boolean("is_default")?,
        updated_at: body.string("updated_at")?,
        last_test: body.object("last_test").as_ref().and_then(last_test),
        consecutive_failures: u32::try_from(body.integer("consecutive_failures")?).ok()?,
        deactivated: body.object("deactivated").as_ref().and_then(deactivation),
        findings: body.list("findings", finding)?,
    })
}

fn last_test(body: &Object) -> Option<LastTest> {
    Some(LastTest {
        at: body.string("at")?,
        ok: body.boolean("ok")?,
        verdict: body.string("verdict")?,
    })
}

fn deactivation(body: &Object) -> Option<Deactivation> {
    Some(Deactivation {
        at: body.string("at")?,
        reason: body.string("reason")?,
    })
}

/// Reads the `default_change` of a saved or deleted server's body, if the default moved.
pub fn default_change(body: &Object) -> Option<DefaultChange> {
    let change = body.object("default_change")?;
    Some(DefaultChange {
        default_server_id: change.integer("default_server_id"),
        message: change.string("message")?,
    })
}

pub fn server_deleted(body: &Object) -> Option<ServerDeleted> {
    Some(ServerDeleted {
        id: body.integer("id")?,
        default_change: default_change(body),
    })
}

pub fn test_mail_result(body: &Object) -> Option<TestMailResult<FindingText>> {
    Some(TestMailResult {
        ok: body.boolean("ok")?,
        verdict: body.string("verdict")?,
        message: body.string("message")?,
        recipient: body.string("recipient")?,
        steps: body.list("steps", step)?,
        transcript: body.strings("transcript")?,
        hints: body.list("hints", finding)?,
    })
}

fn step(body: &Object) -> Option<StepResult> {
    Some(StepResult {
        step: smtp_step(&body.string("step")?)?,
        status: step_status(&body.string("status")?)?,
        label: body.string("label")?,
        detail: body.string("detail"),
    })
}

fn step_status(name: &str) -> Option<StepStatus> {
    Some(match name {
        "ok" => StepStatus::Ok,
        "failed" => StepStatus::Failed,
        "skipped" => StepStatus::Skipped,
        _ => return None,
    })
}

fn smtp_step(name: &str) -> Option<SmtpStep> {
    Some(match name {
        "resolve" => SmtpStep::Resolve,
        "connect" => SmtpStep::Connect,
        "tls_handshake" => SmtpStep::TlsHandshake,
        "greeting" => SmtpStep::Greeting,
        "ehlo" => SmtpStep::Ehlo,
        "start_tls" => SmtpStep::StartTls,
        "auth" => SmtpStep::Auth,
        "mail_from" => SmtpStep::MailFrom,
        "rcpt_to" => SmtpStep::RcptTo,
        "data" => SmtpStep::Data,
        _ => return None,
    })
}

fn field(name: &str) -> Option<Field> {
    Some(match name {
        "provider" => Field::Provider,
        "display_name" => Field::DisplayName,
        "sender" => Field::Sender,
        "host" => Field::Host,
        "port" => Field::Port,
        "login" => Field::Login,
        "password" => Field::Password,
        "security" => Field::Security,
        "bcc" => Field::Bcc,
        "test_recipient" => Field::TestRecipient,
        _ => return None,
    })
}

fn severity(name: &str) -> Option<Severity> {
    Some(match name {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        "hint" => Severity::Hint,
        _ => return None,
    })
}

pub fn credentials(credentials: &Credentials) -> String {
    Writer::new()
        .string("email", &credentials.email)
        .string("password", &credentials.password)
        .finish()
}

pub fn server_input(input: &ServerInput) -> String {
    let writer = Writer::new()
        .string("provider", &input.provider)
        .boolean("active", input.active)
        .string("display_name", &input.display_name)
        .string("sender", &input.sender)
        .string("host", &input.host);
    let writer = match &input.port {
        PortInput::Number(number) => writer.integer("port", *number),
        PortInput::Text(text) => writer.string("port", text),
    };
    writer
        .string("security", input.security.as_str())
        .string("login", &input.login)
        .optional_string(
            "password",
            input.password.as_ref().map(|password| password.expose()),
        )
        .string("bcc", &input.bcc)
        .boolean("is_default", input.is_default)
        .finish()
}

pub fn test_mail_request(request: &TestMailRequest) -> String {
    Writer::new()
        .optional_string("recipient", request.recipient.as_deref())
        .finish()
}

pub fn unsaved_test_mail_request(request: &UnsavedTestMailRequest) -> String {
    let writer = match request.id {
        Some(id) => Writer::new().integer("id", id),
        None => Writer::new(),
    };
    writer
        .object("server", &server_input(&request.server))
        .optional_string("recipient", request.recipient.as_deref())
        .finish()
}

#[cfg(test)]
mod tests {
    use shared::Password;

    use super::*;

    fn input(port: PortInput, password: Option<&str>) -> ServerInput {
        ServerInput {
            provider: "gmx".to_owned(),
            active: false,
            display_name: "Shop \"Nord\"".to_owned(),
            sender: "Jörg Müller <jörg@müller.example>".to_owned(),
            host: "mail.gmx.net".to_owned(),
            port,
            security: Security::StartTls,
            login: "login\\name".to_owned(),
            password: password.map(|password| Password::new(password.to_owned())),
            bcc: "a@example.com; b@example.com".to_owned(),
            is_default: true,
        }
    }

    #[test]
    fn server_input_reads_back_as_written() {
        for value in [
            input(PortInput::Number(587), Some("pa\"ss\\wörd\t")),
            input(PortInput::Text("58 7".to_owned()), None),
        ] {
            let parsed: ServerInput = serde_json::from_str(&server_input(&value)).expect("valid body");
            assert_eq!(parsed, value);
        }
    }

    #[test]
    fn credentials_read_back_as_written() {
        let value = Credentials {
            email: "max@shop.example".to_owned(),
            password: "\"quoted\" \u{7f}".to_owned(),
        };
        let parsed: Credentials = serde_json::from_str(&credentials(&value)).expect("valid body");
        assert_eq!(parsed, value);
    }

    #[test]
    fn test_mail_requests_read_back_as_written() {
        for recipient in [None, Some("kunde@example.com".to_owned())] {
            let request = TestMailRequest {
                recipient: recipient.clone(),
            };
            let parsed: TestMailRequest =
                serde_json::from_str(&test_mail_request(&request)).expect("valid body");
            assert_eq!(parsed, request);

            for id in [None, Some(7)] {
                let request = UnsavedTestMailRequest {
                    id,
                    server: input(PortInput::Number(465), None),
                    recipient: recipient.clone(),
                };
                let parsed: UnsavedTestMailRequest =
                    serde_json::from_str(&unsaved_test_mail_request(&request)).expect("valid body");
                assert_eq!(parsed, request);
            }
        }
    }

    #[test]
    fn enum_names_match_serde() {
        for step in [
            SmtpStep::Resolve,
            SmtpStep::Connect,
            SmtpStep::TlsHandshake,
            SmtpStep::Greeting,
            SmtpStep::Ehlo,
            SmtpStep::StartTls,
            SmtpStep::Auth,
            SmtpStep::MailFrom,
            SmtpStep::RcptTo,
            SmtpStep::Data,
        ] {
            assert_eq!(smtp_step(&name(&step)), Some(step));
        }
        for value in [
            Field::Provider,
            Field::DisplayName,
            Field::Sender,
            Field::Host,
            Field::Port,
            Field::Login,
            Field::Password,
            Field::Security,
            Field::Bcc,
            Field::TestRecipient,
        ] {
            assert_eq!(field(&name(&value)), Some(value));
        }
        for value in [StepStatus::Ok, StepStatus::Failed, StepStatus::Skipped] {
            assert_eq!(step_status(&name(&value)), Some(value));
        }
        for value in [Severity::Error, Severity::Warning, Severity::Hint] {
            assert_eq!(severity(&name(&value)), Some(value));
        }
        for value in Security::ALL {
            assert_eq!(name(&value), value.as_str());
        }
    }

    fn name<T: serde::Serialize>(value: &T) -> String {
        serde_json::to_value(value)
            .expect("serialises")
            .as_str()
            .expect("a string")
            .to_owned()
    }
}
