#!/usr/bin/env bash
# Runs the whole benchmark suite side by side, then summarizes it:
#   bash bench/run.sh            # from the repository root
# COUNT (default 10) is the number of rounds, BENCH (default .) the -bench
# pattern. Each round runs every benchmark once, so the samples of the
# contenders interleave and a busy machine slows them alike.
# Raw results go to bench/results/bench.txt; the summary is benchstat's
# medians, the Markdown tables of docs/performance.md and its SVG chart.
set -euo pipefail
cd "$(dirname "$0")"
count="${COUNT:-10}"
pattern="${BENCH:-.}"
benchstat="golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da"
bin="$(mktemp -d)/bench.test"
trap 'rm -rf "$(dirname "$bin")"' EXIT

mkdir -p results
{ go version; uname -srm; grep -m1 'model name' /proc/cpuinfo || true; echo "cpus: $(nproc)"; } > results/machine.txt
go test -c -o "$bin" .
: > results/bench.txt
for round in $(seq "$count"); do
	echo "round $round of $count" >&2
	"$bin" -test.run '^$' -test.bench "$pattern" -test.count 1 -test.timeout 30m | tee -a results/bench.txt
done
go run "$benchstat" results/bench.txt > results/benchstat.txt
go run ./cmd/benchtable results/bench.txt > results/tables.md
go run ./cmd/benchchart -in results/bench.txt -out ../docs/performance.svg
cat results/benchstat.txt
