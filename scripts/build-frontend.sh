#!/usr/bin/env bash
# Builds the product's two pages into frontend/dist/: the settings page (index.html, app
# "settings") and the outbox page (outbox.html, app "outbox": API tokens and sending logs).
# Each app is built once per language (cargo features german-only and english-only), so a
# build carries only one language's texts. main.js loads the app of its page in the seller's
# language. Per build: the release wasm, its JS glue from wasm-bindgen and the wasm shrunk by
# wasm-opt -Oz. The JS files are minified with terser and the CSS with csso. Every
# file then gets the precompressed siblings FILE.gz (Zopfli) and FILE.br (Brotli 11), which the
# backend serves.
# Prints each file's raw, .gz and .br size, then each page's total in each language: the .gz
# files a browser that accepts only gzip downloads for it, against the transfer budget of
# 160 KB. With --enforce-budget it fails when a page is over budget, and without it warns.
# Needs the tools from scripts/install-test-deps.sh --build-only; downloads nothing.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

target_dir=${CARGO_TARGET_DIR:-$repo/target}
dist="$repo/frontend/dist"
wasm_opt="$repo/.tools/node_modules/.bin/wasm-opt"
terser="$repo/.tools/node_modules/.bin/terser"
csso="$repo/.tools/node_modules/.bin/csso"
python="$repo/.tools/venv/bin/python"
budget_bytes=$((160 * 1024))
enforce_budget=false
[ "${1:-}" = "--enforce-budget" ] && enforce_budget=true

fail() { printf 'build-frontend: %s\n' "$*" >&2; exit 1; }

command -v wasm-bindgen >/dev/null || fail "wasm-bindgen is missing; run scripts/install-test-deps.sh --build-only"
for tool in "$wasm_opt" "$terser" "$csso" "$python"; do
  [ -x "$tool" ] || fail "$tool is missing; run scripts/install-test-deps.sh --build-only"
done
"$python" -c 'import brotli, zopfli' 2>/dev/null \
  || fail "Python's brotli or zopfli is missing; run scripts/install-test-deps.sh --build-only"

rm -rf "$dist"
mkdir -p "$dist"
for language in de en; do
  case $language in
    de) feature=german-only ;;
    en) feature=english-only ;;
  esac
  cargo build --profile wasm-release -p frontend --target wasm32-unknown-unknown --bins --features "$feature"
  for app in settings outbox; do
    wasm-bindgen --target web --no-typescript --out-dir "$dist" --out-name "${app}_$language" \
      "$target_dir/wasm32-unknown-unknown/wasm-release/$app.wasm"
    # wasm-bindgen's output uses reference types and bulk memory, so wasm-opt needs those
    # features enabled. The module defines its own memory, which starts zeroed, and Rust places
    # nothing in its first 1,024 bytes, so wasm-opt may assume both (about 0.7 KB less gzipped
    # wasm). Flattening and re-looping the control flow before two rounds of -Oz gives about
    # 0.4 KB less than -Oz alone (measured on the settings page).
    "$wasm_opt" --flatten --rereloop -Oz -Oz --enable-reference-types --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --zero-filled-memory --low-memory-unused \
      -o "$dist/${app}_${language}_bg.wasm" "$dist/${app}_${language}_bg.wasm"
  done
done
cp frontend/static/index.html frontend/static/outbox.html frontend/static/style.css frontend/static/main.js frontend/static/favicon.svg "$dist/"

# Minify in place: terser for wasm-bindgen's glue and the loader, csso for the stylesheet.
# Both scripts are ES modules, so --module lets terser rename their top-level names too.
for file in "$dist"/*.js; do
  "$terser" "$file" --module --compress --mangle --output "$file.min"
  mv "$file.min" "$file"
done
for file in "$dist"/*.css; do
  "$csso" "$file" --output "$file.min"
  mv "$file.min" "$file"
done

files=("$dist"/*)
"$python" scripts/precompress.py "${files[@]}"

printf '%-24s %10s %10s %10s\n' file bytes gzip brotli
for file in "${files[@]}"; do
  printf '%-24s %10d %10d %10d\n' "$(basename "$file")" "$(stat -c %s "$file")" \
    "$(stat -c %s "$file.gz")" "$(stat -c %s "$file.br")"
done

over_budget=false
printf '\n%-24s %10s (budget %d)\n' page gzip "$budget_bytes"
for app in settings outbox; do
  html=index.html
  [ "$app" = outbox ] && html=outbox.html
  for language in de en; do
    total=0
    for file in "$html" main.js style.css favicon.svg "${app}_$language.js" "${app}_${language}_bg.wasm"; do
      total=$((total + $(stat -c %s "$dist/$file.gz")))
    done
    printf '%-24s %10d\n' "$app ($language)" "$total"
    if [ "$total" -gt "$budget_bytes" ]; then
      over_budget=true
      printf 'build-frontend: warning: %s (%s) is %d bytes gzipped, over the budget of %d\n' \
        "$app" "$language" "$total" "$budget_bytes" >&2
    fi
  done
done
if $over_budget && $enforce_budget; then
  fail "a page is over the transfer budget of $budget_bytes bytes gzipped"
fi
