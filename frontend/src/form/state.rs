//! The server form's state and its reducer: values, which fields the seller has touched, and the
//! status of the save and test-mail requests.

use std::rc::Rc;

use shared::api::{FindingText, TestMailResult};
use shared::presets::{preset_by_id, ProviderPreset, PRESETS};
use shared::report::Fix;
use shared::{validate_server, Field, Finding, Security, Severity, ValidationReport};
use yew::Reducible;

use crate::api::StoredServer;

use super::values::{domain_of, ServerValues, TextInput};

/// Progress of the last save request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveStatus {
    Idle,
    /// The seller pressed save while a field had an error; nothing was sent.
    Blocked,
    Saving,
    /// Saved; the backend's note when the account's default server moved.
    Saved {
        default_change: Option<String>,
    },
    /// The backend rejected the request or could not be reached. The form keeps every value.
    Failed {
        message: String,
        findings: Vec<FindingText>,
    },
}

/// Progress of the last test mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestStatus {
    Idle,
    /// The seller asked for a test while a field had an error; nothing was sent.
    Blocked,
    Sending,
    Finished(TestMailResult<FindingText>),
    Failed(String),
}

/// The whole state of the server form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormState {
    /// The stored server's id; `None` while the server is new.
    pub id: Option<i64>,
    pub password_on_file: bool,
    pub values: ServerValues,
    /// The values as last loaded or saved, to tell whether the form has unsaved changes; `None`
    /// while the server is new.
    pub saved_values: Option<ServerValues>,
    /// Fields whose errors are shown; warnings and hints show for every field at once.
    /// A short list rather than a set: the form has ten fields, and a hash set would add its
    /// code to the wasm.
    pub touched: Vec<Field>,
    pub save: SaveStatus,
    pub test_recipient: String,
    pub test: TestStatus,
}

/// A change to the server form.
#[derive(Debug, Clone, PartialEq)]
pub enum FormAction {
    Edit(TextInput, String),
    SetActive(bool),
    SetDefault(bool),
    SetSecurity(Security),
    /// Chooses a preset by id; the empty id means "no specific provider" and leaves the fields free.
    ChoosePreset(String),
    ApplyFix(Fix),
    /// The seller pressed save while a field had an error.
    BlockSave,
    SaveStarted,
    SaveSucceeded {
        /// Boxed: a server view is large, and most actions carry a few bytes.
        server: Box<StoredServer>,
        default_change: Option<String>,
    },
    SaveFailed {
        message: String,
        findings: Vec<FindingText>,
    },
    SetTestRecipient(String),
    /// The seller asked for a test mail while a field had an error.
    BlockTest,
    TestStarted,
    TestFinished(TestMailResult<FindingText>),
    TestFailed(String),
}

impl FormState {
    /// Starts an empty form for a new server; the test mail goes to `recipient` unless changed.
    pub fn new_server(recipient: &str) -> FormState {
        FormState {
            id: None,
            password_on_file: false,
            values: ServerValues::default(),
            saved_values: None,
            touched: Vec::new(),
            save: SaveStatus::Idle,
            test_recipient: recipient.to_owned(),
            test: TestStatus::Idle,
        }
    }

    /// Starts the form with a stored server.
    pub fn edit_server(view: &StoredServer, recipient: &str) -> FormState {
        let values = ServerValues::from_view(view);
        FormState {
            id: Some(view.id),
            password_on_file: view.password_set,
            saved_values: Some(values.clone()),
            values,
            ..FormState::new_server(recipient)
        }
    }

    /// Validates the current values with the same rules the backend enforces.
    pub fn validate(&self) -> ValidationReport {
        validate_server(&self.values.to_input(), self.password_on_file).0
    }

    /// Returns the findings to show next to a field: errors only once the field was touched or
    /// save was pressed, warnings and hints always.
    pub fn visible_findings<'a>(&self, report: &'a ValidationReport, field: Field) -> Vec<&'a Finding> {
        let errors_visible = self.touched.contains(&field);
        report
            .for_field(field)
            .into_iter()
            .filter(|finding| errors_visible || finding.severity != Severity::Error)
            .collect()
    }

    /// Returns whether the form differs from what is stored, including a newly typed password.
    /// A new server's form has unsaved changes once it differs from the empty form.
    pub fn has_unsaved_changes(&self) -> bool {
        let values_changed = match &self.saved_values {
            Some(saved) => *saved != self.values,
            None => self.values != ServerValues::default(),
        };
        values_changed || !self.values.password.is_empty()
    }

    /// Returns the preset whose mail domain matches the sender, unless it is already chosen or a
    /// finding already offers it.
    pub fn offered_preset(&self, report: &ValidationReport) -> Option<&'static ProviderPreset> {
        let domain = domain_of(&self.values.sender)?;
        let preset = PRESETS
            .iter()
            .find(|preset| preset.domains.contains(&domain.as_str()))?;
        let already_chosen = self.values.provider == preset.id;
        let already_offered = report.findings.iter().any(
            |finding| matches!(&finding.fix, Some(Fix::UsePreset { preset_id }) if preset_id == preset.id),
        );
        (!already_chosen && !already_offered).then_some(preset)
    }

    fn touch(&mut self, field: Field) {
        if !self.touched.contains(&field) {
            self.touched.push(field);
        }
    }

    /// Any edit makes a previous save result stale, but keeps a failure's findings visible until
    /// the seller saves again.
    fn after_edit(&mut self) {
        if matches!(self.save, SaveStatus::Saved { .. } | SaveStatus::Blocked) {
            self.save = SaveStatus::Idle;
        }
    }
}

impl Reducible for FormState {
    type Action = FormAction;

    fn reduce(self: Rc<Self>, action: FormAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            FormAction::Edit(input, value) => {
                next.values.set_text(input, value);
                next.touch(field_of(input));
                next.after_edit();
            }
            FormAction::SetActive(active) => {
                next.values.active = active;
                next.after_edit();
            }
            FormAction::SetDefault(is_default) => {
                next.values.is_default = is_default;
                next.after_edit();
            }
            FormAction::SetSecurity(security) => {
                next.values.security = security;
                next.touch(Field::Security);
                next.after_edit();
            }
            FormAction::ChoosePreset(id) => {
                match preset_by_id(&id) {
                    Some(preset) => next.values.apply_preset(preset),
                    None => next.values.provider = String::new(),
                }
                next.after_edit();
            }
            FormAction::ApplyFix(fix) => {
                next.values.apply_fix(&fix);
                next.after_edit();
            }
            FormAction::BlockSave => {
                next.touched = ALL_FIELDS.to_vec();
                next.save = SaveStatus::Blocked;
            }
            FormAction::SaveStarted => next.save = SaveStatus::Saving,
            FormAction::SaveSucceeded {
                server,
                default_change,
            } => {
                let test_recipient = next.test_recipient.clone();
                next = FormState {
                    save: SaveStatus::Saved { default_change },
                    test: next.test,
                    ..FormState::edit_server(&server, &test_recipient)
                };
            }
            FormAction::SaveFailed { message, findings } => {
                next.save = SaveStatus::Failed { message, findings };
            }
            FormAction::SetTestRecipient(recipient) => next.test_recipient = recipient,
            FormAction::BlockTest => {
                next.touched = ALL_FIELDS.to_vec();
                next.test = TestStatus::Blocked;
            }
            FormAction::TestStarted => next.test = TestStatus::Sending,
            FormAction::TestFinished(result) => next.test = TestStatus::Finished(result),
            FormAction::TestFailed(message) => next.test = TestStatus::Failed(message),
        }
        Rc::new(next)
    }
}

/// Every field that validation reports on, in the order the form shows them.
pub const ALL_FIELDS: [Field; 9] = [
    Field::Provider,
    Field::DisplayName,
    Field::Sender,
    Field::Host,
    Field::Port,
    Field::Login,
    Field::Password,
    Field::Security,
    Field::Bcc,
];

/// Returns the validation field a text input reports under.
pub fn field_of(input: TextInput) -> Field {
    match input {
        TextInput::DisplayName => Field::DisplayName,
        TextInput::Sender => Field::Sender,
        TextInput::Host => Field::Host,
        TextInput::Port => Field::Port,
        TextInput::Login => Field::Login,
        TextInput::Password => Field::Password,
        TextInput::Bcc => Field::Bcc,
    }
}

/// Returns the HTML id of a field's input, so that findings and focus can point at it.
pub fn input_id(field: Field) -> &'static str {
    match field {
        Field::Provider => "server-provider",
        Field::DisplayName => "server-display-name",
        Field::Sender => "server-sender",
        Field::Host => "server-host",
        Field::Port => "server-port",
        Field::Login => "server-login",
        Field::Password => "server-password",
        Field::Security => "server-security",
        Field::Bcc => "server-bcc",
        Field::TestRecipient => "test-recipient",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reduce(state: FormState, action: FormAction) -> FormState {
        (*Rc::new(state).reduce(action)).clone()
    }

    fn stored_server() -> StoredServer {
        StoredServer {
            id: 7,
            provider: String::new(),
            active: true,
            display_name: "Shop".to_owned(),
            sender: "info@shop.example".to_owned(),
            host: "smtp.shop.example".to_owned(),
            port: 587,
            security: Security::StartTls,
            login: "info@shop.example".to_owned(),
            password_set: true,
            bcc: String::new(),
            is_default: true,
            updated_at: "2026-12-01T08:15:00Z".to_owned(),
            last_test: None,
            consecutive_failures: 0,
            deactivated: None,
            findings: Vec::new(),
        }
    }

    #[test]
    fn edit_marks_field_touched() {
        let state = FormState::new_server("me@shop.example");

        let state = reduce(state, FormAction::Edit(TextInput::Sender, "max@".to_owned()));

        assert_eq!(state.values.sender, "max@");
        assert!(state.touched.contains(&Field::Sender));
    }

    #[test]
    fn blocked_save_touches_every_field() {
        let state = FormState::new_server("me@shop.example");

        let state = reduce(state, FormAction::BlockSave);

        assert_eq!(state.touched.len(), ALL_FIELDS.len());
        assert_eq!(state.save, SaveStatus::Blocked);
    }

    #[test]
    fn failed_save_keeps_every_value() {
        let mut state = FormState::new_server("me@shop.example");
        for (input, value) in [
            (TextInput::Sender, "info@shop.example"),
            (TextInput::Host, "smtp.shop.example"),
            (TextInput::Password, "geheim§"),
        ] {
            state = reduce(state, FormAction::Edit(input, value.to_owned()));
        }
        let before = state.values.clone();

        let state = reduce(
            state,
            FormAction::SaveFailed {
                message: "Netzwerkfehler".to_owned(),
                findings: Vec::new(),
            },
        );

        assert_eq!(state.values, before);
        assert!(matches!(state.save, SaveStatus::Failed { .. }));
    }

    #[test]
    fn successful_save_switches_to_the_stored_server() {
        let state = FormState::new_server("me@shop.example");

        let action = FormAction::SaveSucceeded {
            server: Box::new(stored_server()),
            default_change: None,
        };
        let state = reduce(state, action);

        assert_eq!(state.id, Some(7));
        assert!(state.password_on_file);
        assert_eq!(state.values.password, "");
        assert_eq!(state.save, SaveStatus::Saved { default_change: None });
        assert!(!state.has_unsaved_changes());
    }

    #[test]
    fn new_password_counts_as_unsaved_change() {
        let state = FormState::edit_server(&stored_server(), "me@shop.example");

        let state = reduce(state, FormAction::Edit(TextInput::Password, "neu".to_owned()));

        assert!(state.has_unsaved_changes());
    }

    #[test]
    fn empty_new_form_has_no_unsaved_changes() {
        let state = FormState::new_server("me@shop.example");

        assert!(!state.has_unsaved_changes());
    }

    #[test]
    fn typed_new_form_has_unsaved_changes() {
        let state = FormState::new_server("me@shop.example");

        let state = reduce(
            state,
            FormAction::Edit(TextInput::Host, "smtp.shop.example".to_owned()),
        );

        assert!(state.has_unsaved_changes());
    }

    #[test]
    fn changed_test_recipient_is_no_unsaved_change() {
        let state = FormState::edit_server(&stored_server(), "me@shop.example");

        let state = reduce(
            state,
            FormAction::SetTestRecipient("other@shop.example".to_owned()),
        );

        assert!(!state.has_unsaved_changes());
    }

    #[test]
    fn choosing_no_provider_leaves_fields_free() {
        let state = FormState::edit_server(&stored_server(), "me@shop.example");

        let state = reduce(state, FormAction::ChoosePreset(String::new()));

        assert_eq!(state.values.provider, "");
        assert_eq!(state.values.host, "smtp.shop.example");
        assert_eq!(state.values.port, "587");
    }

    #[test]
    fn edit_after_saved_clears_the_saved_notice() {
        let state = FormState::edit_server(&stored_server(), "me@shop.example");
        let state = FormState {
            save: SaveStatus::Saved { default_change: None },
            ..state
        };

        let state = reduce(state, FormAction::Edit(TextInput::DisplayName, "Neu".to_owned()));

        assert_eq!(state.save, SaveStatus::Idle);
    }

    #[test]
    fn untouched_field_hides_errors() {
        let state = FormState::new_server("me@shop.example");
        let report = state.validate();

        let shown = state.visible_findings(&report, Field::Sender);

        assert!(shown.iter().all(|finding| finding.severity != Severity::Error));
    }

    #[test]
    fn touched_empty_sender_shows_its_error() {
        let state = FormState::new_server("me@shop.example");
        let state = reduce(state, FormAction::Edit(TextInput::Sender, " ".to_owned()));
        let report = state.validate();

        let shown = state.visible_findings(&report, Field::Sender);

        assert!(shown.iter().any(|finding| finding.severity == Severity::Error));
    }
}
