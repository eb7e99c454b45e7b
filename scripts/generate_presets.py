#!/usr/bin/env python3
"""Generates shared/src/presets/data.rs from the provider data in shared/presets/.

providers.json contains the verified settings of each provider (host, port, security, alternatives,
login form, sources). texts.json contains, per provider id, what Postausgang tells the seller in
German and English and the flags its hints depend on. Run this script after changing either
file; it rewrites data.rs and formats it with rustfmt. The test `presets_match_providers_json`
fails when data.rs is out of date.
"""

import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PRESETS_DIR = ROOT / "shared" / "presets"
OUTPUT = ROOT / "shared" / "src" / "presets" / "data.rs"

SECURITY = {"implicit_tls": "Security::ImplicitTls", "starttls": "Security::StartTls", "none": "Security::None"}
APP_PASSWORD = {
    "none": "AppPassword::NotRequired",
    "required": "AppPassword::Required",
    "with_two_factor": "AppPassword::WithTwoFactor",
}


def rust_string(value):
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def rust_text(text, indent):
    """Writes a Text literal with each language on its own line, as rustfmt leaves long strings."""
    inner = " " * (indent + 4)
    return (
        f"Text {{\n{inner}de: {rust_string(text['de'])},\n{inner}en: {rust_string(text['en'])},\n"
        + " " * indent
        + "}"
    )


def rust_list(items, indent):
    """Writes a slice literal, one item per line when it does not fit on one."""
    one_line = f"&[{', '.join(items)}]"
    if len(one_line) + indent + 20 <= 110:
        return one_line
    inner = " " * (indent + 4)
    return "&[\n" + "".join(f"{inner}{item},\n" for item in items) + " " * indent + "]"


def rust_endpoint(host, port, security, verified):
    return (
        f"Endpoint {{ host: {rust_string(host)}, port: {port}, "
        f"security: {SECURITY[security]}, verified: {str(verified).lower()} }}"
    )


def endpoints(provider):
    """Alternatives without a host use the main host; SES adds its regional hosts."""
    result = [
        rust_endpoint(alt.get("host", provider["host"]), alt["port"], alt["security"], alt["verified"])
        for alt in provider["alt"]
    ]
    for host in provider.get("regions", {}).values():
        if host != provider["host"]:
            result.append(rust_endpoint(host, provider["port"], provider["security"], True))
    return result


def login_form(provider, texts):
    username = provider["username"]
    if username == "full_address":
        return "LoginForm::FullAddress"
    if username == "local_part":
        return "LoginForm::LocalPart"
    if texts["login"] is None:
        sys.exit(f"{provider['id']}: username is '{username}', so texts.json needs a login text")
    return f"LoginForm::Described({rust_text(texts['login'], 8)})"


def rust_preset(provider, texts):
    domains = rust_list([rust_string(domain) for domain in provider["domains"]], 8)
    limit = "None" if texts["sending_limit"] is None else f"Some({rust_text(texts['sending_limit'], 8)})"
    fields = [
        f"id: {rust_string(provider['id'])}",
        f"name: {rust_string(provider['name'])}",
        f"short_name: {rust_string(texts['short_name'])}",
        f"domains: {domains}",
        f"host: {rust_string(provider['host'])}",
        f"port: {provider['port']}",
        f"security: {SECURITY[provider['security']]}",
        f"alternatives: {rust_list(endpoints(provider), 8)}",
        f"login: {login_form(provider, texts)}",
        f"app_password: {APP_PASSWORD[texts['app_password']]}",
        f"smtp_auth_by_admin: {str(texts['smtp_auth_by_admin']).lower()}",
        f"oauth_only: {str(texts['oauth_only']).lower()}",
        f"mail_access_switch: {str(texts['mail_access_switch']).lower()}",
        f"account_specific_host: {str(texts['account_specific_host']).lower()}",
        f"other_sender_domains: {str(texts['other_sender_domains']).lower()}",
        f"note: {rust_text(texts['note'], 8)}",
        f"sending_limit: {limit}",
        f"verified: {str(provider['verified']).lower()}",
    ]
    return "    ProviderPreset {\n" + "".join(f"        {field},\n" for field in fields) + "    },\n"


def check_unique_domains(providers):
    owners = {}
    for provider in providers:
        for domain in provider["domains"]:
            if domain in owners:
                sys.exit(f"domain {domain} belongs to both {owners[domain]} and {provider['id']}")
            owners[domain] = provider["id"]


def main():
    providers = json.loads((PRESETS_DIR / "providers.json").read_text(encoding="utf-8"))
    texts = json.loads((PRESETS_DIR / "texts.json").read_text(encoding="utf-8"))
    missing = {provider["id"] for provider in providers} ^ set(texts)
    if missing:
        sys.exit(f"providers.json and texts.json disagree on these ids: {sorted(missing)}")
    check_unique_domains(providers)

    source = (
        "//! The provider presets, generated by `scripts/generate_presets.py` from\n"
        "//! `shared/presets/providers.json` and `shared/presets/texts.json`. Do not edit by hand:\n"
        "//! change those files and run the script.\n"
        "\n"
        "use super::{AppPassword, Endpoint, LoginForm, ProviderPreset, Text};\n"
        "use crate::security::Security;\n"
        "\n"
        "pub(super) const PRESETS: &[ProviderPreset] = &[\n"
        + "".join(rust_preset(provider, texts[provider["id"]]) for provider in providers)
        + "];\n"
    )
    OUTPUT.write_text(source, encoding="utf-8")
    subprocess.run(
        ["rustfmt", "--edition", "2021", "--config-path", str(ROOT / "rustfmt.toml"), str(OUTPUT)], check=True
    )


if __name__ == "__main__":
    main()
