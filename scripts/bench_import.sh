#!/usr/bin/env bash
# Importing a 10,000-row nomination .xlsx: in-process medians (parse + validate, write), then the
# real command `fupin import nominations` timed with its peak memory (GNU time's maximum RSS).
# Usage: scripts/bench_import.sh [ROWS=10000] [RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000}
runs=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
IMPORT_BENCH_XLSX="$work/nominations.xlsx" cargo bench --quiet --bench import_bench -- "$rows" "$runs"
cargo build --release --quiet
./target/release/fupin demo --no-serve --products 10 --data-dir "$work/data" >/dev/null 2>&1
echo "== fupin import nominations --county 610924 ($rows rows), $runs runs"
for i in $(seq "$runs"); do
  /usr/bin/time -f "run $i: %e s wall, peak RSS %M KiB" ./target/release/fupin import nominations \
    --county 610924 --data-dir "$work/data" "$work/nominations.xlsx" 2>&1 >/dev/null | grep '^run'
done
echo "machine: $(nproc) cores, $(grep 'model name' /proc/cpuinfo | head -1 | cut -d: -f2 | xargs)"
