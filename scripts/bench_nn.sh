#!/usr/bin/env bash
# Builds and runs the network-core benchmark (tests/bench/nn_bench.cpp): each op's speed and its
# ratio to a plain oneDNN sgemm of the same arithmetic measured in the same run.
#   bash scripts/bench_nn.sh [--threads N] [google-benchmark options]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
threads=$(nproc)
if [ "${1:-}" = "--threads" ]; then
  threads=$2
  shift 2
fi
bash "$root/scripts/build.sh" >/dev/null
OMP_NUM_THREADS=$threads "$root/build/tests/bench/nn_bench" --benchmark_color=false "$@"
