//! Checking a shop's `POST /api/messages` body and building the mail with the mailer's
//! message builder, the same one the test mail uses.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use mailer::{prepare_mail_with, Attachment, MailOptions, MessageError, OutgoingMail, PreparedMail};
use shared::outbox::MessageRequest;
use shared::{parse_mailbox, AddressProblem, Language, Mailbox};

use super::addresses::describe_problem;

/// The most `to` recipients of one mail. A shop's mail goes to one customer, and the cap keeps
/// a leaked token from sending one mail to a crowd.
pub const MAX_RECIPIENTS: usize = 50;
/// The maximum length of a subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 998;

/// Standard base64 that accepts missing padding, as some shop systems send it.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// One problem with a mail's request, naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageProblem {
    NoRecipient,
    TooManyRecipients {
        count: usize,
    },
    /// `to[index]` (counting from 0) is invalid.
    InvalidRecipient {
        index: usize,
        input: String,
        problem: AddressProblem,
    },
    InvalidFrom {
        input: String,
        problem: AddressProblem,
    },
    InvalidReplyTo {
        input: String,
        problem: AddressProblem,
    },
    EmptySubject,
    SubjectControlCharacter,
    SubjectTooLong {
        chars: usize,
    },
    NoBody,
    AttachmentNameInvalid {
        index: usize,
    },
    AttachmentContentTypeInvalid {
        index: usize,
    },
    AttachmentNotBase64 {
        index: usize,
    },
}

impl MessageProblem {
    /// Returns the machine-readable code of the problem.
    pub fn code(&self) -> &'static str {
        match self {
            MessageProblem::NoRecipient => "no_recipient",
            MessageProblem::TooManyRecipients { .. } => "too_many_recipients",
            MessageProblem::InvalidRecipient { .. } => "invalid_recipient",
            MessageProblem::InvalidFrom { .. } => "invalid_from",
            MessageProblem::InvalidReplyTo { .. } => "invalid_reply_to",
            MessageProblem::EmptySubject => "empty_subject",
            MessageProblem::SubjectControlCharacter | MessageProblem::SubjectTooLong { .. } => {
                "invalid_subject"
            }
            MessageProblem::NoBody => "no_body",
            MessageProblem::AttachmentNameInvalid { .. }
            | MessageProblem::AttachmentContentTypeInvalid { .. }
            | MessageProblem::AttachmentNotBase64 { .. } => "invalid_attachment",
        }
    }

    /// Describes the problem for the seller or the shop's developer.
    pub fn message(&self, language: Language) -> String {
        match self {
            MessageProblem::NoRecipient => language
                .pick(
                    "to: Bitte mindestens einen Empfänger angeben.",
                    "to: Please give at least one recipient.",
                )
                .to_owned(),
            MessageProblem::TooManyRecipients { count } => match language {
                Language::De => {
                    format!("to: {count} Empfänger sind zu viele; höchstens {MAX_RECIPIENTS} sind erlaubt.")
                }
                Language::En => {
                    format!("to: {count} recipients are too many; at most {MAX_RECIPIENTS} are allowed.")
                }
            },
            MessageProblem::InvalidRecipient {
                index,
                input,
                problem,
            } => describe_problem(problem, &format!("to[{index}]"), input, language),
            MessageProblem::InvalidFrom { input, problem } => {
                describe_problem(problem, "from", input, language)
            }
            MessageProblem::InvalidReplyTo { input, problem } => {
                describe_problem(problem, "reply_to", input, language)
            }
            MessageProblem::EmptySubject => language
                .pick(
                    "subject: Bitte einen Betreff angeben.",
                    "subject: Please give a subject.",
                )
                .to_owned(),
            MessageProblem::SubjectControlCharacter => language
                .pick(
                    "subject: Zeilenumbrüche und andere Steuerzeichen sind im Betreff nicht erlaubt.",
                    "subject: Line breaks and other control characters are not allowed in the subject.",
                )
                .to_owned(),
            MessageProblem::SubjectTooLong { chars } => match language {
                Language::De => format!(
                    "subject: {chars} Zeichen sind zu lang; höchstens {MAX_SUBJECT_CHARS} sind erlaubt."
                ),
                Language::En => format!(
                    "subject: {chars} characters are too long; at most {MAX_SUBJECT_CHARS} are allowed."
                ),
            },
            MessageProblem::NoBody => language
                .pick(
                    "text, html: Bitte einen Text, ein HTML-Dokument oder beides angeben.",
                    "text, html: Please give a text, an HTML document or both.",
                )
                .to_owned(),
            MessageProblem::AttachmentNameInvalid { index } => match language {
                Language::De => format!(
                    "attachments[{index}].filename: Der Dateiname ist leer oder enthält Steuerzeichen."
                ),
                Language::En => format!(
                    "attachments[{index}].filename: The file name is empty or contains control characters."
                ),
            },
            MessageProblem::AttachmentContentTypeInvalid { index } => match language {
                Language::De => format!(
                    "attachments[{index}].content_type: Bitte einen MIME-Typ wie application/pdf angeben."
                ),
                Language::En => format!(
                    "attachments[{index}].content_type: Please give a MIME type such as application/pdf."
                ),
            },
            MessageProblem::AttachmentNotBase64 { index } => match language {
                Language::De => {
                    format!("attachments[{index}].content_base64: Der Inhalt ist kein gültiges Base64.")
                }
                Language::En => {
                    format!("attachments[{index}].content_base64: The content is not valid base64.")
                }
            },
        }
    }
}

/// The reason a request gives no mail that can be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComposeError {
    Invalid(Vec<MessageProblem>),
    /// Text, HTML and decoded attachments together take `size` bytes, above `limit`.
    TooLarge {
        size: usize,
        limit: usize,
    },
}

/// A request with every value checked and decoded.
#[derive(Debug, Clone)]
pub struct CheckedRequest {
    pub to: Vec<Mailbox>,
    pub from: Option<Mailbox>,
    pub reply_to: Option<Mailbox>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
}

/// Checks every value of a request and reports every problem at once.
///
/// # Errors
/// A value is invalid, or the mail would be larger than `max_bytes`.
pub fn check_request(request: &MessageRequest, max_bytes: usize) -> Result<CheckedRequest, ComposeError> {
    let mut problems = Vec::new();

    let to = check_recipients(&request.to, &mut problems);
    let from = optional_mailbox(
        request.from.as_deref(),
        |input, problem| MessageProblem::InvalidFrom { input, problem },
        &mut problems,
    );
    let reply_to = optional_mailbox(
        request.reply_to.as_deref(),
        |input, problem| MessageProblem::InvalidReplyTo { input, problem },
        &mut problems,
    );
    let subject = check_subject(&request.subject, &mut problems);
    let text = request.text.clone().unwrap_or_default();
    let html = request.html.clone().filter(|html| !html.trim().is_empty());
    if text.trim().is_empty() && html.is_none() {
        problems.push(MessageProblem::NoBody);
    }
    let attachments = check_attachments(request, &mut problems);

    if !problems.is_empty() {
        return Err(ComposeError::Invalid(problems));
    }
    let size = text.len()
        + html.as_ref().map_or(0, String::len)
        + attachments
            .iter()
            .map(|attachment| attachment.content.len())
            .sum::<usize>();
    if size > max_bytes {
        return Err(ComposeError::TooLarge {
            size,
            limit: max_bytes,
        });
    }
    Ok(CheckedRequest {
        to,
        from,
        reply_to,
        subject,
        text,
        html,
        attachments,
    })
}

fn check_recipients(entries: &[String], problems: &mut Vec<MessageProblem>) -> Vec<Mailbox> {
    if entries.is_empty() {
        problems.push(MessageProblem::NoRecipient);
    }
    if entries.len() > MAX_RECIPIENTS {
        problems.push(MessageProblem::TooManyRecipients { count: entries.len() });
        return Vec::new();
    }
    entries
        .iter()
        .enumerate()
        .filter_map(|(index, entry)| {
            parse_mailbox(entry)
                .map_err(|problem| {
                    problems.push(MessageProblem::InvalidRecipient {
                        index,
                        input: entry.clone(),
                        problem,
                    })
                })
                .ok()
        })
        .collect()
}

fn optional_mailbox(
    entry: Option<&str>,
    problem: fn(String, AddressProblem) -> MessageProblem,
    problems: &mut Vec<MessageProblem>,
) -> Option<Mailbox> {
    let entry = entry.filter(|entry| !entry.trim().is_empty())?;
    parse_mailbox(entry)
        .map_err(|address_problem| problems.push(problem(entry.to_owned(), address_problem)))
        .ok()
}

fn check_subject(subject: &str, problems: &mut Vec<MessageProblem>) -> String {
    let subject = subject.trim();
    let chars = subject.chars().count();
    if subject.is_empty() {
        problems.push(MessageProblem::EmptySubject);
    } else if subject.chars().any(char::is_control) {
        problems.push(MessageProblem::SubjectControlCharacter);
    } else if chars > MAX_SUBJECT_CHARS {
        problems.push(MessageProblem::SubjectTooLong { chars });
    }
    subject.to_owned()
}

fn check_attachments(request: &MessageRequest, problems: &mut Vec<MessageProblem>) -> Vec<Attachment> {
    let mut attachments = Vec::with_capacity(request.attachments.len());
    for (index, input) in request.attachments.iter().enumerate() {
        let filename = input.filename.trim();
        if filename.is_empty() || filename.chars().any(char::is_control) {
            problems.push(MessageProblem::AttachmentNameInvalid { index });
        }
        if !is_mime_type(&input.content_type) {
            problems.push(MessageProblem::AttachmentContentTypeInvalid { index });
        }
        let encoded: Vec<u8> = input
            .content_base64
            .bytes()
            .filter(|byte| !byte.is_ascii_whitespace())
            .collect();
        match BASE64.decode(encoded) {
            Ok(content) => attachments.push(Attachment {
                filename: filename.to_owned(),
                content_type: input.content_type.trim().to_owned(),
                content,
            }),
            Err(_) => problems.push(MessageProblem::AttachmentNotBase64 { index }),
        }
    }
    attachments
}

/// Returns whether a value is `type/subtype` (RFC 2045 tokens), optionally with parameters.
fn is_mime_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or_default().trim();
    let is_token = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|byte| byte.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&byte))
    };
    !value.chars().any(char::is_control)
        && essence
            .split_once('/')
            .is_some_and(|(kind, subtype)| is_token(kind) && is_token(subtype))
}

/// Builds the mail: From is the request's sender, or the server's when the request has none.
///
/// # Errors
/// The mailer rejects a value the checks let through, such as a content type it cannot parse.
pub fn compose_mail(request: &CheckedRequest, server_sender: &Mailbox) -> Result<PreparedMail, MessageError> {
    let mail = OutgoingMail {
        from: request.from.clone().unwrap_or_else(|| server_sender.clone()),
        to: request.to.clone(),
        // The server's BCC addresses join the envelope when the mail is sent, so that a BCC
        // changed in the meantime gets the copy.
        bcc: Vec::new(),
        subject: request.subject.clone(),
        text_body: request.text.clone(),
        attachments: request.attachments.clone(),
    };
    let options = MailOptions {
        html_body: request.html.clone(),
        reply_to: request.reply_to.clone(),
    };
    prepare_mail_with(&mail, &options)
}

#[cfg(test)]
mod tests {
    use shared::outbox::AttachmentInput;

    use super::*;

    fn request() -> MessageRequest {
        MessageRequest {
            to: vec!["Erika Musterfrau <erika@example.net>".to_owned()],
            subject: "Ihre Bestellung 4711".to_owned(),
            text: Some("Vielen Dank!".to_owned()),
            html: None,
            attachments: vec![AttachmentInput {
                filename: "Rechnung 4711.pdf".to_owned(),
                content_type: "application/pdf".to_owned(),
                content_base64: "JVBERi0xLjQK".to_owned(),
            }],
            server_id: None,
            from: None,
            reply_to: Some("service@shop.example".to_owned()),
        }
    }

    #[test]
    fn valid_request_decoded() {
        let checked = check_request(&request(), 1024).expect("valid");
        assert_eq!(checked.to[0].display_name.as_deref(), Some("Erika Musterfrau"));
        assert_eq!(checked.attachments[0].content, b"%PDF-1.4\n");
        assert_eq!(
            checked
                .reply_to
                .map(|mailbox| mailbox.address.to_ascii())
                .as_deref(),
            Some("service@shop.example")
        );
    }

    #[test]
    fn every_problem_reported_at_once() {
        let mut request = request();
        request.to = vec!["erika@example.net".to_owned(), "kein-empfaenger".to_owned()];
        request.subject = "Bestellung\r\nBcc: x@example.net".to_owned();
        request.text = None;
        request.attachments[0].content_base64 = "%%%".to_owned();

        let Err(ComposeError::Invalid(problems)) = check_request(&request, 1024) else {
            panic!("the request is invalid");
        };

        assert_eq!(
            problems,
            vec![
                MessageProblem::InvalidRecipient {
                    index: 1,
                    input: "kein-empfaenger".to_owned(),
                    problem: AddressProblem::MissingAt,
                },
                MessageProblem::SubjectControlCharacter,
                MessageProblem::NoBody,
                MessageProblem::AttachmentNotBase64 { index: 0 },
            ]
        );
    }

    #[test]
    fn size_limit_counts_decoded_attachments() {
        let error = check_request(&request(), 15).expect_err("too large");
        assert_eq!(error, ComposeError::TooLarge { size: 21, limit: 15 });
    }

    #[test]
    fn mime_types_checked() {
        for valid in ["application/pdf", "text/plain; charset=utf-8", "image/svg+xml"] {
            assert!(is_mime_type(valid), "{valid}");
        }
        for invalid in ["pdf", "application/", "text/plain\r\nX: 1", "a b/c"] {
            assert!(!is_mime_type(invalid), "{invalid:?}");
        }
    }

    #[test]
    fn problem_messages_name_field_and_value() {
        let problem = MessageProblem::InvalidRecipient {
            index: 1,
            input: "kunde".to_owned(),
            problem: AddressProblem::MissingAt,
        };
        assert!(
            problem.message(Language::En).starts_with("to[1] \"kunde\": "),
            "{}",
            problem.message(Language::En)
        );
        assert!(
            problem.message(Language::De).starts_with("to[1] „kunde“: "),
            "{}",
            problem.message(Language::De)
        );
    }
}
