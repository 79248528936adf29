#!/usr/bin/env bash
# Hostile uploads against the CLI and the server: every file must be refused (or, for the
# controls named 00-*, accepted) within 2 s and 200 MB peak RSS, and the server must keep
# answering /healthz while they arrive.
#
#   scripts/bench_hostile.sh            build (release) once, make the files, run both parts
#   KEEP=1 scripts/bench_hostile.sh     keep the temporary folder (files, server log)
set -euo pipefail
cd "$(dirname "$0")/.."

command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release --quiet
BIN=target/release/fupin

WORK=$(mktemp -d)
[[ -n "${KEEP:-}" ]] || trap 'kill "${SERVER:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
FILES="$WORK/files"
python3 scripts/bench_hostile.py make "$FILES"

echo "== machine: $(nproc) CPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GB"
echo
echo "== fupin import nominations --check FILE"
printf '%-34s %9s %7s %9s  %s\n' file size "wall s" "peak MB" "message (first line)"
for f in "$FILES"/*; do
  name=$(basename "$f")
  out=$( { /usr/bin/time -f 'TIME %e %M' "$BIN" import nominations --county 610924 --check "$f" \
           --data-dir "$WORK/cli-data"; } 2>&1 || true)
  read -r _ secs kb <<<"$(grep '^TIME' <<<"$out" | tail -1)"
  msg=$(grep -v '^TIME' <<<"$out" | grep -v '^Error\|未导入' | head -1 | cut -c1-160)
  printf '%-34s %9s %7s %9s  %s\n' "$name" "$(du -h "$f" | cut -f1)" "$secs" "$((kb / 1024))" "$msg"
done

echo
echo "== POST /county/upload (server: fupin demo, county-610924)"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" demo --products 200 --no-serve --data-dir "$WORK/data" >"$WORK/demo.log" 2>&1
"$BIN" serve --bind "127.0.0.1:$PORT" --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
echo "server RSS after start: $(( $(awk '/VmRSS/ {print $2}' /proc/$SERVER/status) / 1024 )) MB"
python3 scripts/bench_hostile.py upload "http://127.0.0.1:$PORT" "$FILES" county-610924 fupin-demo-2020
echo "server peak RSS (VmHWM): $(( $(awk '/VmHWM/ {print $2}' /proc/$SERVER/status) / 1024 )) MB, still up: $(curl -s "http://127.0.0.1:$PORT/healthz")"
kill "$SERVER"
