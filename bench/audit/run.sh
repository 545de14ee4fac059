#!/usr/bin/env bash
# Measures the audit log: durable appends/s of 1 KiB from many concurrent
# writers on SQLite and PostgreSQL, as decision records (validated,
# canonicalised, redacted) and as ready entries (batch size, acknowledgement
# latency p50/p99), beside this machine's SHA-256 throughput on 1 KiB (the
# ceiling of any log that hashes its entries); with --proofs, also proof
# generation on a ten-million-entry log (takes minutes: it builds the log).
#
#   bench/audit/run.sh [--proofs] [--appends N]
#
# PostgreSQL is measured when PARAPET_TEST_POSTGRES names a database.
set -euo pipefail
cd "$(dirname "$0")/../.."

appends=100000
proofs=0
while [ $# -gt 0 ]; do
  case "$1" in
    --proofs) proofs=1 ;;
    --appends) appends=$2; shift ;;
    *) echo "usage: $0 [--proofs] [--appends N]" >&2; exit 2 ;;
  esac
  shift
done

out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -run '^$' -bench '^(BenchmarkAppend|BenchmarkSHA256)$' -benchtime "${appends}x" ./internal/audit/ | tee "$out"
if [ "$proofs" = 1 ]; then
  go test -run '^$' -bench '^BenchmarkProofs$' -benchtime 2s -timeout 60m ./internal/audit/ | tee -a "$out"
fi

# Summary: each figure beside the SHA-256 ceiling measured in this run.
awk '
  function metric(unit,   i) { for (i = 1; i < NF; i++) if ($(i+1) == unit) return $i; return "" }
  /^BenchmarkSHA256/ { sha = metric("hashes/s"); shaMB = metric("MB/s") }
  /^BenchmarkAppend\// {
    split($1, a, "/"); sub(/-[0-9]+$/, "", a[3])
    name[++n] = a[2] " " a[3]; rate[n] = metric("appends/s"); batch[n] = metric("entries/commit")
    p50[n] = metric("p50-ack-µs"); p99[n] = metric("p99-ack-µs")
  }
  /^BenchmarkProofs\// { split($1, a, "/"); sub(/-[0-9]+$/, "", a[2]); proof[a[2]] = $3 }
  END {
    printf "\nSHA-256 on 1 KiB: %.0f hashes/s (%s MB/s): the ceiling\n", sha, shaMB
    for (i = 1; i <= n; i++)
      printf "%-16s durable appends: %8.0f/s (%.1f%% of the SHA-256 ceiling), %.0f entries/commit, ack p50 %.1f ms, p99 %.1f ms\n",
        name[i], rate[i], 100 * rate[i] / sha, batch[i], p50[i] / 1000, p99[i] / 1000
    for (k in proof) printf "%s proof at 10M entries: %.1f µs\n", k, proof[k] / 1000
  }' "$out"
