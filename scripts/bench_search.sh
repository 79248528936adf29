#!/usr/bin/env bash
# Search at national scale (100,000 demo products): full rebuild from the database, index size,
# server memory with the index open, and requests/s and p99 latency under wrk at 64 connections
# on loopback for the search API and the search page, three ways:
#   one query   the same URL over and over (after the first request, the result cache answers);
#   mix         many different searches drawn as people search (scripts/search_mix.lua: popular
#               words far more often, filters, gift budgets, sorts, page 2), so popular ones repeat;
#   distinct    every request different (a random max_price), so the result cache never answers;
#               the texts repeat, so the index's kept matches and hits of a text serve;
#   cold        every request different and every text new: each runs the full query.
# In-process latency, recall and the SQLite FTS5/LIKE comparison are in
# `cargo bench --bench search_bench`.
# Usage: scripts/bench_search.sh [PRODUCTS=100000] [SECONDS=10]
set -euo pipefail
cd "$(dirname "$0")/.."
products=${1:-100000}
seconds=${2:-10}
port=18393
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
cargo build --release --quiet
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export RUST_LOG=warn

./target/release/fupin demo --no-serve --products "$products" --data-dir "$work" >/dev/null 2>&1
echo "== full rebuild from the database ($products products)"
for i in 1 2 3; do ./target/release/fupin reindex --data-dir "$work" | sed "s/^/run $i: /"; done
echo "index size: $(du -sh "$work/index" | cut -f1)"

./target/release/fupin serve --bind "127.0.0.1:$port" --data-dir "$work" >/dev/null 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
rss() { grep VmRSS "/proc/$server/status" | awk '{printf "%.0f MiB", $2/1024}'; }
echo "server RSS with the index open, before any search: $(rss)"
# On a shared virtual machine the hypervisor can take CPU time away ("steal"); say how much it took,
# since it moves every figure below.
cpu_times() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $9}' /proc/stat; }
read -r total_before steal_before < <(cpu_times)
q=$(python3 -c 'import urllib.parse;print(urllib.parse.quote("猕猴桃"))')
for path in "/api/v1/products?q=$q" "/search?q=$q" "/api/v1/products?q=$q&county=610326" "/api/v1/products"; do
  curl -sf "http://127.0.0.1:$port$path" >/dev/null
  echo "== wrk -t2 -c64 -d${seconds}s $path"
  wrk -t2 -c64 -d"${seconds}s" --latency "http://127.0.0.1:$port$path" | grep -E "Requests/sec|^ +(50|99)%"
done
for mode in mix distinct cold; do
  for path in /api/v1/products /search; do
    echo "== wrk -t2 -c64 -d${seconds}s -s scripts/search_mix.lua $path $mode"
    wrk -t2 -c64 -d"${seconds}s" --latency -s scripts/search_mix.lua "http://127.0.0.1:$port" -- "$path" "$mode" |
      grep -E "Requests/sec|^ +(50|90|99)%|Non-2xx|repeats"
  done
done
read -r total_after steal_after < <(cpu_times)
echo "CPU time stolen by the hypervisor during the wrk runs: $(( 100 * (steal_after - steal_before) / (total_after - total_before) )) %"
echo "server RSS after the runs (result cache full): $(rss)"
echo "machine: $(nproc) cores, $(grep 'model name' /proc/cpuinfo | head -1 | cut -d: -f2 | xargs)"
