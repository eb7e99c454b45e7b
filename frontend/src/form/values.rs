//! The server form's values as typed, and their conversion to and from the API's types.

use shared::presets::ProviderPreset;
use shared::report::Fix;

use crate::api::StoredServer;
use shared::{Password, PortInput, Security, ServerInput};

/// A text input of the server form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextInput {
    DisplayName,
    Sender,
    Host,
    Port,
    Login,
    Password,
    Bcc,
}

/// Everything the seller typed or chose, exactly as typed: `shared` trims and normalises when it
/// validates, so the form never changes a value behind the seller's back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerValues {
    /// Preset id, or empty for "no specific provider".
    pub provider: String,
    pub active: bool,
    pub display_name: String,
    pub sender: String,
    pub host: String,
    pub port: String,
    pub security: Security,
    pub login: String,
    /// A new password; empty keeps the stored one.
    pub password: String,
    pub bcc: String,
    pub is_default: bool,
}

impl Default for ServerValues {
    fn default() -> Self {
        let security = Security::StartTls;
        ServerValues {
            provider: String::new(),
            active: true,
            display_name: String::new(),
            sender: String::new(),
            host: String::new(),
            port: security.default_port().to_string(),
            security,
            login: String::new(),
            password: String::new(),
            bcc: String::new(),
            is_default: false,
        }
    }
}

impl ServerValues {
    /// Fills the form from a stored server. The password stays empty: the API never returns it.
    pub fn from_view(view: &StoredServer) -> ServerValues {
        ServerValues {
            provider: view.provider.clone(),
            active: view.active,
            display_name: view.display_name.clone(),
            sender: view.sender.clone(),
            host: view.host.clone(),
            port: view.port.to_string(),
            security: view.security,
            login: view.login.clone(),
            password: String::new(),
            bcc: view.bcc.clone(),
            is_default: view.is_default,
        }
    }

    /// Builds the body of a create, update or test request. The password goes out byte for byte,
    /// and an empty one is left out so that the backend keeps the stored password.
    pub fn to_input(&self) -> ServerInput {
        let password = (!self.password.is_empty()).then(|| Password::new(self.password.clone()));
        ServerInput {
            provider: self.provider.clone(),
            active: self.active,
            display_name: self.display_name.clone(),
            sender: self.sender.clone(),
            host: self.host.clone(),
            port: PortInput::Text(self.port.clone()),
            security: self.security,
            login: self.login.clone(),
            password,
            bcc: self.bcc.clone(),
            is_default: self.is_default,
        }
    }

    /// Returns the current text of a text input.
    pub fn text(&self, input: TextInput) -> &str {
        match input {
            TextInput::DisplayName => &self.display_name,
            TextInput::Sender => &self.sender,
            TextInput::Host => &self.host,
            TextInput::Port => &self.port,
            TextInput::Login => &self.login,
            TextInput::Password => &self.password,
            TextInput::Bcc => &self.bcc,
        }
    }

    /// Replaces the text of a text input.
    pub fn set_text(&mut self, input: TextInput, value: String) {
        let slot = match input {
            TextInput::DisplayName => &mut self.display_name,
            TextInput::Sender => &mut self.sender,
            TextInput::Host => &mut self.host,
            TextInput::Port => &mut self.port,
            TextInput::Login => &mut self.login,
            TextInput::Password => &mut self.password,
            TextInput::Bcc => &mut self.bcc,
        };
        *slot = value;
    }

    /// Applies a provider preset: host, port and security come from the preset, everything else
    /// stays as typed.
    pub fn apply_preset(&mut self, preset: &ProviderPreset) {
        self.provider = preset.id.to_owned();
        self.host = preset.host.to_owned();
        self.port = preset.port.to_string();
        self.security = preset.security;
    }

    /// Applies a one-click fix that a finding offers.
    pub fn apply_fix(&mut self, fix: &Fix) {
        match fix {
            Fix::SetPortAndSecurity { port, security } => {
                self.port = port.to_string();
                self.security = *security;
            }
            Fix::SetHost { host } => self.host = host.clone(),
            Fix::UsePreset { preset_id } => {
                if let Some(preset) = shared::presets::preset_by_id(preset_id) {
                    self.apply_preset(preset);
                }
            }
        }
    }
}

/// Returns the domain after the last `@` of an address as typed, also inside `Name <address>`,
/// with ASCII letters in lower case, or `None` when there is no domain yet.
///
/// The page uses it only to compare with preset domains and the sender's domain, so ASCII case
/// folding is enough. Full Unicode lower-casing would add its tables to the wasm.
pub fn domain_of(address: &str) -> Option<String> {
    let (_, domain) = address.rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('>').trim().to_ascii_lowercase();
    (!domain.is_empty()).then_some(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_input_keeps_password_byte_for_byte() {
        let typed = "Pä§%\"#/\\ w0rd&amp; ";
        let values = ServerValues {
            password: typed.to_owned(),
            ..ServerValues::default()
        };

        let input = values.to_input();

        let password = input.password.as_ref().map(Password::expose);
        assert_eq!(password, Some(typed));
    }

    #[test]
    fn to_input_survives_json_byte_for_byte() {
        let typed = "Pä§%\"#/\\ w0rd&amp;";
        let values = ServerValues {
            password: typed.to_owned(),
            ..ServerValues::default()
        };

        let json = serde_json::to_string(&values.to_input()).expect("input serialises");
        let parsed: ServerInput = serde_json::from_str(&json).expect("input parses");

        assert_eq!(parsed.password.as_ref().map(Password::expose), Some(typed));
    }

    #[test]
    fn to_input_leaves_out_empty_password() {
        let values = ServerValues::default();

        assert_eq!(values.to_input().password, None);
    }

    #[test]
    fn to_input_sends_port_as_typed() {
        let values = ServerValues {
            port: " 587x".to_owned(),
            ..ServerValues::default()
        };

        assert_eq!(values.to_input().port, PortInput::Text(" 587x".to_owned()));
    }

    #[test]
    fn new_form_starts_with_starttls_on_587() {
        let values = ServerValues::default();

        assert_eq!(values.security, Security::StartTls);
        assert_eq!(values.port, "587");
        assert!(values.active);
    }

    #[test]
    fn port_and_security_fix_sets_both() {
        let mut values = ServerValues {
            port: "587".to_owned(),
            security: Security::ImplicitTls,
            ..ServerValues::default()
        };

        values.apply_fix(&Fix::SetPortAndSecurity {
            port: 465,
            security: Security::ImplicitTls,
        });

        assert_eq!(values.port, "465");
        assert_eq!(values.security, Security::ImplicitTls);
    }

    #[test]
    fn host_fix_replaces_host() {
        let mut values = ServerValues {
            host: "192.0.2.25".to_owned(),
            ..ServerValues::default()
        };

        values.apply_fix(&Fix::SetHost {
            host: "smtp.example.com".to_owned(),
        });

        assert_eq!(values.host, "smtp.example.com");
    }

    #[test]
    fn domain_of_reads_name_and_angle_address() {
        assert_eq!(
            domain_of("Max Mustermann <Max@GMX.de>"),
            Some("gmx.de".to_owned())
        );
        assert_eq!(domain_of("max@gmx.de "), Some("gmx.de".to_owned()));
    }

    #[test]
    fn domain_of_is_none_without_domain() {
        assert_eq!(domain_of("max@"), None);
        assert_eq!(domain_of("max"), None);
    }
}
