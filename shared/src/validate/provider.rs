//! The provider field and the rules that come with a provider's preset.

use super::CheckedFields;
use crate::presets::{self, ProviderPreset};
use crate::report::{Field, Finding, FindingCode, Fix, ValidationReport};

/// Checks the provider id: empty for "no specific provider", or a preset's id.
pub(super) fn check_provider_id(id: &str, report: &mut ValidationReport) -> Option<&'static ProviderPreset> {
    let id = id.trim();
    if id == presets::NO_SPECIFIC_PROVIDER {
        return None;
    }
    let preset = presets::preset_by_id(id);
    if preset.is_none() {
        report.push(Finding::error(
            Field::Provider,
            FindingCode::UnknownProvider {
                provider: id.to_owned(),
            },
        ));
    }
    preset
}

/// Runs the rules that depend on a preset: the sender's provider, the host's provider, and
/// the hints of the chosen or detected preset.
pub(super) fn check_provider_rules(fields: &CheckedFields, report: &mut ValidationReport) {
    check_sender_provider(fields, report);
    check_chosen_provider_host(fields, report);
    if let Some(preset) = fields.effective_preset() {
        report.findings.extend(preset.hints());
    }
}

/// Warns when the sender's address belongs to a mail provider (such as a freemail domain) but
/// the server is not that provider's: receivers then see mail from, say, yahoo.com that
/// Yahoo did not send, and DMARC checks fail.
fn check_sender_provider(fields: &CheckedFields, report: &mut ValidationReport) {
    let (Some(sender), Some(host)) = (&fields.sender, &fields.host) else {
        return;
    };
    let Some(preset) = presets::preset_for_domain(&sender.address.domain_ascii) else {
        return;
    };
    // A local bridge (such as Proton Mail Bridge on 127.0.0.1) relays to the provider itself.
    if host.is_loopback || preset.serves_host(&host.name) {
        return;
    }
    let code = FindingCode::SenderOfOtherProvider {
        domain: sender.address.domain_unicode.clone(),
        provider: preset.id.to_owned(),
    };
    let fix = Fix::UsePreset {
        preset_id: preset.id.to_owned(),
    };
    report.push(Finding::warning(Field::Sender, code).with_fix(fix));
}

/// Hints when the host is not one of the chosen provider's servers.
fn check_chosen_provider_host(fields: &CheckedFields, report: &mut ValidationReport) {
    let (Some(preset), Some(host)) = (fields.selected_preset, &fields.host) else {
        return;
    };
    if preset.account_specific_host || preset.serves_host(&host.name) {
        return;
    }
    let code = FindingCode::HostNotOfProvider {
        provider: preset.id.to_owned(),
    };
    let fix = Fix::UsePreset {
        preset_id: preset.id.to_owned(),
    };
    report.push(Finding::hint(Field::Host, code).with_fix(fix));
}
