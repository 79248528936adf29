#!/usr/bin/env bash
# Times `fupin demo --products N` (generation into a fresh database) and reports the database size.
# Usage: scripts/bench_demo.sh [N=100000] [RUNS=3]
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/fupin_bench scripts/bench_demo.sh   (PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
runs=${2:-3}
cargo build --release --quiet
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
times=()
for i in $(seq "$runs"); do
  start=$(date +%s.%N)
  out=$(./target/release/fupin demo --reset --no-serve --products "$n" --data-dir "$data" 2>/dev/null)
  end=$(date +%s.%N)
  times+=("$(echo "$end - $start" | bc)")
  echo "run $i: $(echo "$out" | grep 已生成)"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
echo "products=$n runs=$runs median_seconds=$median backend=$([ -n "${DATABASE_URL:-}" ] && echo postgresql || echo sqlite)"
echo "machine: $(nproc) cores, $(grep 'model name' /proc/cpuinfo | head -1 | cut -d: -f2 | xargs)"
