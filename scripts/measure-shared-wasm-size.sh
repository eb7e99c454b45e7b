#!/usr/bin/env bash
# Measures what the shared crate, and the idna crate it does not use, add to a wasm32 build.
# Builds three tiny cdylibs in a temporary directory with the workspace's size profile
# (opt-level "z", codegen-units 1), runs `wasm-opt -Oz`, and prints the gzipped sizes:
#   baseline  std with Unicode lowercasing only
#   idna      baseline plus idna 1's domain_to_ascii and domain_to_unicode
#   shared    every rule, preset and message of the shared crate
# Needs the wasm32 target and wasm-opt in .tools (scripts/install-test-deps.sh).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
wasm_opt="$repo/.tools/node_modules/.bin/wasm-opt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}/wasm-size"

write_crate() {
  local name=$1 dependency=$2 body=$3
  mkdir -p "$work/$name/src"
  cat >"$work/$name/Cargo.toml" <<TOML
[package]
name = "size_$name"
version = "0.1.0"
edition = "2021"
publish = false

[lib]
crate-type = ["cdylib"]

[dependencies]
$dependency

[profile.release]
opt-level = "z"
codegen-units = 1

[workspace]
TOML
  cat >"$work/$name/src/lib.rs" <<RUST
#![allow(clippy::missing_safety_doc)]

/// # Safety
/// The caller passes a valid UTF-8 buffer.
#[no_mangle]
pub unsafe extern "C" fn measure(pointer: *const u8, length: usize, language: u8) -> usize {
    let bytes = unsafe { core::slice::from_raw_parts(pointer, length) };
    let text = core::str::from_utf8(bytes).unwrap_or("");
    let _ = language;
    $body
}
RUST
}

write_crate baseline "" 'text.to_lowercase().len()'
write_crate idna 'idna = "1"' \
  'idna::domain_to_ascii(text).map_or(0, |ascii| ascii.len()) + idna::domain_to_unicode(text).0.len()'
write_crate shared "shared = { path = \"$repo/shared\" }" '
    use shared::{presets::PRESETS, validate_server, validate_test_recipients, Language, Password, PortInput, Security, ServerInput};
    let input = ServerInput {
        provider: text.to_owned(), active: true, display_name: text.to_owned(), sender: text.to_owned(),
        host: text.to_owned(), port: PortInput::Text(text.to_owned()), security: Security::StartTls,
        login: text.to_owned(), password: Some(Password::new(text.to_owned())), bcc: text.to_owned(),
        is_default: false,
    };
    let language = if language == 0 { Language::De } else { Language::En };
    let (report, normalized) = validate_server(&input, false);
    let (recipients, _) = validate_test_recipients(text, None);
    let messages: usize = report.findings.iter().chain(&recipients.findings).map(|finding| finding.message(language).len()).sum();
    let notes: usize = PRESETS.iter().map(|preset| preset.note.get(language).len()).sum();
    messages + notes + normalized.map_or(0, |server| server.sender.to_header_value().len())'

for name in baseline idna shared; do
  (cd "$work/$name" && cargo build --quiet --release --target wasm32-unknown-unknown)
  built="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/size_$name.wasm"
  "$wasm_opt" -Oz --strip-debug "$built" -o "$work/$name.wasm"
  printf '%-8s %7d bytes after wasm-opt, %7d bytes gzipped (-9)\n' \
    "$name" "$(stat -c%s "$work/$name.wasm")" "$(gzip -9c "$work/$name.wasm" | wc -c)"
done
