#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh Debian 12 machine:
# the wasm32 target, wasm-bindgen-cli at the version pinned in Cargo.lock, wasm-opt, terser,
# csso, Python's zopfli and brotli, Chromium with chromedriver, Postfix's
# smtp-sink/smtp-source, swaks and aiosmtpd.
# With --build-only it installs only what building the page needs.
# Safe to run again: every step checks first whether its tool is already there.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
tools="$repo/.tools"
mkdir -p "$tools"

log() { printf '==> %s\n' "$*" >&2; }

install_wasm_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then return; fi
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

# The CLI must match the wasm-bindgen crate exactly, or the generated glue does not fit the wasm.
install_wasm_bindgen() {
  local wanted
  wanted=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$repo/Cargo.lock")
  if [ -z "$wanted" ]; then
    log "Cargo.lock names no wasm-bindgen version; run 'cargo generate-lockfile' first"
    exit 1
  fi
  if command -v wasm-bindgen >/dev/null && [ "$(wasm-bindgen --version | awk '{print $2}')" = "$wanted" ]; then return; fi
  log "installing wasm-bindgen-cli $wanted (takes a few minutes)"
  # --locked fails when the registry mirror lacks one of the CLI's locked dependencies.
  cargo install wasm-bindgen-cli --version "=$wanted" --locked 2>/dev/null \
    || cargo install wasm-bindgen-cli --version "=$wanted"
}

# Debian's binaryen (wasm-opt 108) cannot parse the reference types that current wasm-bindgen emits.
install_wasm_opt() {
  if [ -x "$tools/node_modules/.bin/wasm-opt" ]; then return; fi
  log "installing wasm-opt (binaryen 132) from npm"
  npm install --prefix "$tools" --no-audit --no-fund --save-exact binaryen@132.0.0 >/dev/null
}

# The page's minifiers, both plain JavaScript: no install script and no native binary.
install_minifiers() {
  if [ -x "$tools/node_modules/.bin/terser" ] && [ -x "$tools/node_modules/.bin/csso" ]; then
    return
  fi
  log "installing terser 5.51.2 and csso-cli 4.0.2 from npm"
  npm install --prefix "$tools" --no-audit --no-fund --save-exact terser@5.51.2 csso-cli@4.0.2 >/dev/null
}

# The build writes the Zopfli (.gz) and Brotli (.br) siblings of the page's files with these.
install_python_compressors() {
  if "$tools/venv/bin/python" -c 'import brotli, zopfli' 2>/dev/null; then return; fi
  log "installing zopfli and brotli into $tools/venv"
  [ -x "$tools/venv/bin/python" ] || python3 -m venv "$tools/venv"
  "$tools/venv/bin/python" -m pip install --quiet 'zopfli==0.4.3' 'brotli==1.2.1'
}

install_debian_packages() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  [ -x /usr/sbin/smtp-sink ] || missing+=(postfix)
  command -v swaks >/dev/null || missing+=(swaks)
  command -v openssl >/dev/null || missing+=(openssl)
  [ ${#missing[@]} -eq 0 ] && return
  log "installing Debian packages: ${missing[*]}"
  # Postfix's package prompts for a mail setup. The tests use only its smtp-sink and smtp-source
  # tools, so it gets none.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_python_smtp_server() {
  if [ -x "$tools/venv/bin/python" ] && "$tools/venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then return; fi
  log "installing aiosmtpd into $tools/venv"
  [ -x "$tools/venv/bin/python" ] || python3 -m venv "$tools/venv"
  "$tools/venv/bin/python" -m pip install --quiet 'aiosmtpd==1.4.6'
}

# --build-only installs what building the page needs, for the README's run command.
install_wasm_target
install_wasm_opt
install_minifiers
install_python_compressors
install_wasm_bindgen
if [ "${1:-}" = "--build-only" ]; then
  log "all build dependencies are installed"
  exit 0
fi
install_debian_packages
install_python_smtp_server
log "all test dependencies are installed"
