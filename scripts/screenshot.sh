#!/usr/bin/env bash
# Renders a page in headless Chromium: scripts/screenshot.sh URL OUT.png [WIDTH=1280] [HEIGHT=900]
set -euo pipefail
# Pages use the system's Chinese fonts; a bare server has none, so install them for the screenshot.
fc-list :lang=zh | grep -q . || apt-get install -y -qq fonts-noto-cjk >/dev/null
command -v chromium >/dev/null || apt-get install -y -qq chromium >/dev/null
url=$1; out=$2; width=${3:-1280}; height=${4:-900}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" \
  --window-size="$width,$height" --screenshot="$out" "$url" >/dev/null 2>&1
echo "$out"
