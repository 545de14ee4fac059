#!/usr/bin/env bash
# Measures the injection detector: accuracy on the held-back development
# split (built from ../shared/data/injection by the generator in
# internal/inspect/dataset), throughput on mixed text beside a loop of
# regular expressions measured in the same run, and the latency of one
# 8 KiB tool response (p50, p99).
#
#   bench/inspect/run.sh [--quick]
#
# --quick skips the accuracy part (it needs ../shared/data/injection).
set -euo pipefail
cd "$(dirname "$0")/../.."

quick=0
[ "${1:-}" = "--quick" ] && quick=1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "$quick" = 0 ]; then
  echo "== training on the training split; the model file must not change"
  before=$(sha256sum internal/inspect/model.bin | cut -d' ' -f1)
  go run ./internal/inspect/train -out "$tmp/model.bin" -sets "$tmp/sets"
  after=$(sha256sum "$tmp/model.bin" | cut -d' ' -f1)
  if [ "$before" = "$after" ]; then echo "model reproduced byte for byte: sha256 $after"; else echo "MODEL DIFFERS: committed $before, trained $after"; fi

  go build -o "$tmp/parapet" ./cmd/parapet
  echo
  echo "== held-back split, balanced preset (parapet inspect eval --format json)"
  for pos in explicit standalone implicit bipia jailbreak; do
    for neg in clean infra hard-negatives; do
      printf '%-10s vs %-15s ' "$pos" "$neg"
      "$tmp/parapet" inspect eval --positives "$tmp/sets/test-$pos.jsonl" --negatives "$tmp/sets/test-$neg.jsonl" --format json
    done
  done
  for neg in clean infra notinject wildguard hard-negatives; do
    printf 'FPR on %-15s ' "$neg"
    "$tmp/parapet" inspect eval --negatives "$tmp/sets/test-$neg.jsonl" --format json
  done
fi

echo
echo "== throughput and latency (one goroutine per scan)"
go test -run '^$' -bench '^(BenchmarkScanMixed|BenchmarkRegexBaseline|BenchmarkScanToolResponse8K)$' -benchtime 2s ./internal/inspect/ | tee "$tmp/bench.txt"
awk '
  function metric(unit,   i) { for (i = 1; i < NF; i++) if ($(i+1) == unit) return $i; return "" }
  /^BenchmarkScanMixed/ { scan = metric("MB/s"); scanCPU = metric("MB/cpu-s") }
  /^BenchmarkRegexBaseline/ { re = metric("MB/s"); reCPU = metric("MB/cpu-s") }
  /^BenchmarkScanToolResponse8K/ { p50 = metric("p50-µs"); p99 = metric("p99-µs"); c50 = metric("p50-cpu-µs"); c99 = metric("p99-cpu-µs") }
  END {
    printf "\nmixed text: %s MB/s wall, %s MB per CPU-second (target > 50 per core)\n", scan, scanCPU
    if (reCPU > 0) printf "regex loop baseline: %s MB per CPU-second; Scan is %.1fx faster\n", reCPU, scanCPU / reCPU
    printf "8 KiB tool response: p99 %s µs of CPU time (p50 %s); wall clock p99 %s µs (p50 %s), which includes waiting for a core (target p99 < 1000 µs)\n", c99, c50, p99, p50
  }' "$tmp/bench.txt"
