#!/usr/bin/env bash
# A cluster you can run: the local PostgreSQL, three `fupin serve` on their own ports and data
# directories, and nginx (from the distribution's packages) in front as the load balancer. Runs the
# soak load (scripts/soak.rs) through nginx, kills one server with `kill -9` a third of the way in,
# brings it back, and prints requests, errors, how many writes were acknowledged (a 303 after the
# POST) and whether every acknowledged write is in the database; then how long the restarted server
# took to be ready and to agree with the others.
#
# Usage: scripts/cluster.sh [SECONDS=300] [CONNECTIONS=64]
#   PGHOST/PGPORT/PGUSER pick the PostgreSQL server (default 127.0.0.1:5432, postgres, trust auth).
# Target: every acknowledged write present; no error but the requests in flight on the killed
# server; after the restart, the server agrees with the others within a second.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
connections=${2:-64}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
database=fupin_cluster
export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$database"

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    echo "== installing nginx (Debian package)"
    apt-get install -y nginx >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

cargo build --release --quiet
cargo bench --bench soak --no-run --quiet 2>/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
chmod 755 "$work"
declare -a ports pids
lb_port=$(free_port)
for i in 1 2 3; do ports[$i]=$(free_port); done
nginx_pid=""
cleanup() {
    for pid in "${pids[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    psql -q -d postgres -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "== PostgreSQL $PGHOST:$PGPORT, database $database (demo data)"
psql -q -d postgres -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
psql -q -d postgres -c "CREATE DATABASE $database" >/dev/null
./target/release/fupin demo --no-serve --data-dir "$work/server1" >/dev/null

start_server() {
    local i=$1
    FUPIN_TRUSTED_PROXIES=127.0.0.1 FUPIN_PUBLIC_URL="http://127.0.0.1:$lb_port" RUST_LOG=warn \
        ./target/release/fupin serve --bind "127.0.0.1:${ports[$i]}" --data-dir "$work/server$i" \
        >>"$work/server$i.log" 2>&1 &
    pids[$i]=$!
}
wait_ready() {
    local i=$1
    for _ in $(seq 600); do
        curl -sf "http://127.0.0.1:${ports[$i]}/readyz" >/dev/null && return 0
        sleep 0.1
    done
    echo "server $i never became ready"; tail -20 "$work/server$i.log"; exit 1
}
for i in 1 2 3; do start_server $i; done
for i in 1 2 3; do wait_ready $i; done

mkdir -p "$work/nginx/temp"
cat >"$work/nginx/nginx.conf" <<EOF
user root;
worker_processes 2;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/nginx/temp/body;
    proxy_temp_path $work/nginx/temp/proxy;
    fastcgi_temp_path $work/nginx/temp/fastcgi;
    uwsgi_temp_path $work/nginx/temp/uwsgi;
    scgi_temp_path $work/nginx/temp/scgi;
    # Uploads: a 15 MB photo, a 20 MB report.
    client_max_body_size 25m;
    upstream fupin {
        # A server that fails is left alone for 5 s, then tried again.
        server 127.0.0.1:${ports[1]} max_fails=1 fail_timeout=5s;
        server 127.0.0.1:${ports[2]} max_fails=1 fail_timeout=5s;
        server 127.0.0.1:${ports[3]} max_fails=1 fail_timeout=5s;
        keepalive 64;
        # Shorter than the servers' own keep-alive (5 s): nginx never reuses a connection the
        # server is closing, which would fail a POST it may not repeat.
        keepalive_timeout 4s;
    }
    server {
        listen 127.0.0.1:$lb_port;
        location / {
            proxy_pass http://fupin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host:\$server_port;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            # A request that could not reach a server goes to the next. One already sent is not
            # sent again unless it is safe to repeat (nginx never repeats a POST by itself).
            proxy_next_upstream error timeout http_502 http_503;
            proxy_connect_timeout 2s;
        }
    }
}
EOF
"$NGINX" -c "$work/nginx/nginx.conf" -p "$work/nginx" &
nginx_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$lb_port/healthz" >/dev/null && break; sleep 0.1; done

echo "== cluster: nginx :$lb_port → fupin :${ports[1]} :${ports[2]} :${ports[3]}; soak $seconds s, $connections connections"
SOAK_ACKS="$work/acks.sql" cargo bench --quiet --bench soak -- \
    "http://127.0.0.1:$lb_port" "${pids[1]}" "$seconds" "$connections" &
soak=$!

sleep $((seconds / 3))
echo "== $(date +%T) kill -9 server 2 (pid ${pids[2]})"
kill -9 "${pids[2]}"
wait "${pids[2]}" 2>/dev/null || true
sleep 20
echo "== $(date +%T) server 2 restarts"
started=$(date +%s.%N)
start_server 2
wait_ready 2
echo "server 2 ready after $(python3 -c "import time; print(f'{time.time() - $started:.2f}')") s"

wait "$soak"

echo "== acknowledged writes in the database"
psql -At -d "$database" -f "$work/acks.sql" | sort | uniq -c | awk '
    $2 == 1 { present = $1 } $2 == 0 { missing = $1 }
    END { printf "acknowledged: %d, present: %d, missing: %d\n", present + missing, present, missing + 0 }'

echo "== the servers agree"
# The code of one listed product is suspended through server 1; each server is asked until its
# search no longer lists it.
code=$(curl -s "http://127.0.0.1:${ports[1]}/api/v1/products?per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["catalogue_code"])')
python3 - "$code" "${ports[@]:1}" <<'EOF'
import http.cookiejar, json, re, sys, time, urllib.parse, urllib.request
code, ports = sys.argv[1], sys.argv[2:]
jar = http.cookiejar.CookieJar()
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
base = f"http://127.0.0.1:{ports[0]}"
def token(page_path):
    page = opener.open(f"{base}{page_path}").read().decode()
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
def post(path, fields, page_path="/office"):
    data = urllib.parse.urlencode({**fields, "csrf_token": token(page_path)}).encode()
    try: opener.open(f"{base}{path}", data)
    except urllib.error.HTTPError as e: assert e.code == 303, e.code
post("/login", {"username": "office", "password": "fupin-demo-2020"}, "/login")
post(f"/office/products/{code}/status", {"to": "suspended", "reason": "集群一致性检查"})
done = time.time()
def listed(port):
    body = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/products?q={code}&per_page=5"))
    return any(i["catalogue_code"] == code for i in body["items"])
for n, port in enumerate(ports, 1):
    while listed(port):
        time.sleep(0.02)
    print(f"server {n}: suspension of {code} seen after {time.time() - done:.3f} s")
totals = [json.load(urllib.request.urlopen(f"http://127.0.0.1:{p}/api/v1/products?per_page=1"))["total"] for p in ports]
print("listed products per server:", totals, "agree" if len(set(totals)) == 1 else "DISAGREE")
post(f"/office/products/{code}/status", {"to": "listed", "reason": "检查结束"})
EOF

for i in 1 2 3; do
    errors=$(grep -c ' ERROR ' "$work/server$i.log" || true)
    echo "server $i log: $errors ERROR lines"
done
echo "nginx upstream errors, by kind and server:"
grep -o 'upstream: "http://[^/]*' "$work/nginx/error.log" | sort | uniq -c | sed 's/^/  /' || true
grep -o '\(connect() failed ([^)]*)\|upstream prematurely closed connection\|recv() failed ([^)]*)\|no live upstreams\)' \
    "$work/nginx/error.log" | sort | uniq -c | sed 's/^/  /' || true
echo "machine: $(nproc) cores, $(grep 'model name' /proc/cpuinfo | head -1 | cut -d: -f2 | xargs)"
