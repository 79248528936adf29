#!/usr/bin/env bash
# Soak: a mixed load from 64 connections on loopback for a set time against a release server with
# demo data (scans, searches, product pages, sign-ins and -outs, nomination edits and uploads,
# forwarding, approvals, suspensions and their clearing, union pages). Prints requests, 5xx and the
# server's RSS after warm-up and at the end. Target: zero 5xx, RSS at the end within 10 % of RSS
# after warm-up.
# Usage: scripts/soak.sh [SECONDS=600] [CONNECTIONS=64]
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/fupin_soak scripts/soak.sh   (PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
connections=${2:-64}
cargo build --release --quiet
cargo bench --bench soak --no-run --quiet 2>/dev/null
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$data"' EXIT
./target/release/fupin demo --reset --no-serve --data-dir "$data" >/dev/null
RUST_LOG=warn ./target/release/fupin serve --bind "127.0.0.1:$port" --data-dir "$data" >"$data/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
echo "== soak: $seconds s, $connections connections, server pid $server ($([ -n "${DATABASE_URL:-}" ] && echo postgresql || echo sqlite))"
cargo bench --quiet --bench soak -- "http://127.0.0.1:$port" "$server" "$seconds" "$connections"
kill -0 "$server" 2>/dev/null && echo "server still running" || { echo "server died"; tail -20 "$data/server.log"; exit 1; }
grep -c ' ERROR ' "$data/server.log" | sed 's/^/server log ERROR lines: /' || true
echo "machine: $(nproc) cores, $(grep 'model name' /proc/cpuinfo | head -1 | cut -d: -f2 | xargs)"
