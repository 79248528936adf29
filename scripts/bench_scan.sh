#!/usr/bin/env bash
# The scan page under load: requests/s and p99 latency with wrk at 64 connections on loopback, for
# a batch's page with a full timeline, and in the same run nginx serving the same page saved as a
# static file (the ceiling). Then checks that a delisting shows at the very next request.
# Usage: scripts/bench_scan.sh [SECONDS=15] [CONNECTIONS=64]
# Needs wrk and nginx (apt-get install wrk nginx); nginx runs on a spare port with a temporary
# configuration, nothing under /etc is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk nginx sqlite3; do
  command -v "$tool" >/dev/null || apt-get install -y -qq "$tool" >/dev/null
done
seconds=${1:-15}
connections=${2:-64}
app_port=18391
nginx_port=18392
cargo build --release --quiet
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

./target/release/fupin demo --no-serve --products 1500 --data-dir "$work/data" >/dev/null 2>&1
# The listed product whose newest batch has the longest timeline.
read -r code lot < <(sqlite3 -separator ' ' "$work/data/fupin.db" "
  SELECT p.catalogue_code, b.lot_code FROM products p
  JOIN product_batches b ON b.product_id = p.id
  JOIN trace_steps s ON s.product_id = p.id AND (s.batch_id IS NULL OR s.batch_id = b.id)
  WHERE p.listing_status = 'listed'
  GROUP BY b.id ORDER BY COUNT(*) DESC, b.id LIMIT 1")
path="/t/$code/$lot"

# Per-request log lines are the default in production; keep them, written to a file.
RUST_LOG=${BENCH_LOG:-info} ./target/release/fupin serve --bind "127.0.0.1:$app_port" --data-dir "$work/data" 2>"$work/app.log" &
pids+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$app_port/healthz" >/dev/null && break; sleep 0.1; done

mkdir -p "$work/www"
curl -sf "http://127.0.0.1:$app_port$path" >"$work/www/scan.html"
steps=$(grep -c '<li><time>' "$work/www/scan.html" || true)
cat >"$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type text/html;
  # A fair ceiling: wrk keeps its connections, so nginx must not close them every 1000 requests.
  keepalive_requests 10000000;
  sendfile on;
  open_file_cache max=16;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server { listen 127.0.0.1:$nginx_port; root $work/www; }
}
CONF
mkdir -p "$work/tmp"
nginx -c "$work/nginx.conf" -p "$work" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$nginx_port/scan.html" >/dev/null && break; sleep 0.1; done

run() { # URL -> "requests/s p99"
  local out
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$1")
  local rps p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  echo "$rps $p99"
}
wrk -t2 -c"$connections" -d3s "http://127.0.0.1:$app_port$path" >/dev/null # warm up
read -r app_rps app_p99 < <(run "http://127.0.0.1:$app_port$path")
read -r nginx_rps nginx_p99 < <(run "http://127.0.0.1:$nginx_port/scan.html")
ratio=$(echo "scale=2; $app_rps / $nginx_rps" | bc)

# A delisting by the office is visible at the next request (cached pages are dropped on writes).
jar="$work/cookies"
token() { curl -s -b "$jar" -c "$jar" "http://127.0.0.1:$app_port$1" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1; }
t=$(token /login)
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf_token=$t" --data-urlencode username=office \
  --data-urlencode password=fupin-demo-2020 "http://127.0.0.1:$app_port/login"
t=$(token "/office/products/$code")
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf_token=$t" --data-urlencode to=delisted \
  --data-urlencode "reason=基准测试：清出目录" "http://127.0.0.1:$app_port/office/products/$code/status"
if curl -s "http://127.0.0.1:$app_port$path" | grep -q '该产品已被清出目录'; then visible=yes; else visible=NO; fi

echo "page: $path  ($(wc -c <"$work/www/scan.html") bytes, $steps timeline steps)"
echo "wrk: ${seconds}s, 2 threads, $connections connections, loopback"
echo "fupin scan page: ${app_rps} requests/s, p99 ${app_p99}"
echo "nginx static:    ${nginx_rps} requests/s, p99 ${nginx_p99}"
echo "ratio fupin/nginx: ${ratio}"
echo "delisting visible at the next request: $visible"
echo "machine: $(nproc) cores, $(grep 'model name' /proc/cpuinfo | head -1 | cut -d: -f2 | xargs)"
