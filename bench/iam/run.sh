#!/bin/sh
# Benchmark `parapet iam analyze` on a synthetic organisation of 5,000 users,
# 10,000 roles and 20,000 policies, and single policy evaluations; prints
# wall time, CPU time and peak memory against the targets. Extra arguments
# go to the program (for example -lateral, or -users 500 -roles 1000
# -policies 2000 for a tenth of the size).
set -eu
cd "$(dirname "$0")/../.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/iambench" ./bench/iam
"$bin/iambench" "$@"
