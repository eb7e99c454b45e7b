//! Provider presets: host, port and security of common mail providers, with their hints.

use serde::Serialize;

use crate::security::Security;

/// The settings a provider documents for sending mail, and what a seller must know about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderPreset {
    /// Stable identifier, stored with each server, such as `gmx`.
    pub id: &'static str,
    pub name: &'static str,
    /// Mail domains whose addresses belong to this provider, such as `gmx.de`.
    pub domains: &'static [&'static str],
    pub host: &'static str,
    pub port: u16,
    pub security: Security,
}

/// All presets, without "no specific provider" (which is the empty id).
pub const PRESETS: &[ProviderPreset] = &[];

/// Finds a preset by its id.
pub fn preset_by_id(id: &str) -> Option<&'static ProviderPreset> {
    PRESETS.iter().find(|preset| preset.id == id)
}
