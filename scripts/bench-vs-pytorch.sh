#!/usr/bin/env bash
# Transformer-small, huiyan against PyTorch on the CPU, both measured in this run with the same
# model, shapes and random-weight setup (tests/bench/translation_bench.cpp and
# scripts/bench_vs_pytorch.py): training target tokens/s (batch 64 × 24 tokens, vocab 8,000) and
# greedy / beam-5 decoding output tokens/s (24 source tokens, 24 output tokens per sentence), at
# 1 and 2 threads, in f32 and, on CPUs with bf16 matrix units, in bf16 mixed precision (huiyan's
# --precision bf16 against PyTorch's CPU autocast, and against PyTorch in f32). Each side also
# prints its own sgemm GFLOP/s (1536 × 256 × 1024), so a reader can see that the peer's BLAS was
# set up properly.
#
#   bash scripts/bench-vs-pytorch.sh [--quick]
#
# Installs Debian's python3-torch and libopenblas0-pthread (without the latter Debian's PyTorch
# falls back to the reference BLAS, about 30 times slower). PyTorch runs with OpenMP's default and
# its PASSIVE wait policy, and the faster of the two counts. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
# are unset for the PyTorch runs only, so OpenBLAS picks its kernels for this CPU — except when
# Debian's OpenBLAS (0.3.21) does not know the CPU and falls back to its oldest kernel,
# "Prescott" (SSE3, about a third of the speed here): then the peer gets the newest kernel the CPU
# can run (SkylakeX with AVX-512, Haswell with AVX2), and the script says so.
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
steps=10
sentences=256
if [ "${1:-}" = "--quick" ]; then
  steps=2
  sentences=64
fi
bash "$root/scripts/deps.sh" python3-torch libopenblas0-pthread
bash "$root/scripts/build.sh" >/dev/null
ours_bin="$root/build/tests/bench/translation_bench"
# shellcheck source=scripts/peer_env.sh
source "$root/scripts/peer_env.sh"
peer() { "${peer_env[@]}" /usr/bin/python3 "$root/scripts/bench_vs_pytorch.py" "$@"; }
# The peer under OpenMP wait policy $1 (empty: OpenMP's default).
peer_waiting() {
  local policy=$1
  shift
  if [ -n "$policy" ]; then OMP_WAIT_POLICY=$policy peer "$@"; else peer "$@"; fi
}
value() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" | tail -1; }
# Of two outputs of one side, the one whose figure $1 is higher (one without the figure loses).
better() {
  local kept new
  kept=$(echo "$2" | value "$1")
  new=$(echo "$3" | value "$1")
  if [ -n "$new" ] && { [ -z "$kept" ] || (($(echo "$new > $kept" | bc -l))); }; then
    echo "$3"
  else
    echo "$2"
  fi
}

# bf16 rows only where the CPU has bf16 matrix instructions (huiyan --precision bf16 refuses
# otherwise); PyTorch's bf16 is its CPU autocast.
precisions=(f32)
grep -qE 'avx512_bf16|amx_bf16' /proc/cpuinfo && precisions+=(bf16)

echo "Transformer-small (d 256, 3+3 layers, 4 heads, ff 1024, vocab 8000), random weights; $(nproc) cores"
echo "Each figure is the best of 4 timings in two alternating rounds; tokens/s (target tokens in training, output tokens in decoding)."
printf '%-8s %-6s %-9s %10s %10s %7s   %-34s %s\n' threads task precision huiyan PyTorch ratio \
  "sgemm GFLOP/s (huiyan / PyTorch)" "huiyan's model products, GFLOP/s"
for threads in 1 2; do
  for mode in train greedy beam; do
    key=output_tokens_per_s
    [ "$mode" = train ] && key=target_tokens_per_s
    declare -A ours=() theirs=()
    for precision in "${precisions[@]}"; do
      args=(--mode "$mode" --threads "$threads" --steps "$steps" --sentences "$sentences"
        --precision "$precision" --repeats 2)
      # Two rounds, each timing huiyan and then the peer, and each side keeps its best: the
      # host's speed drifts, and alternating spreads the drift over both sides. In the first round
      # the peer runs with both OpenMP wait policies, and the faster one again in the second: in
      # f32 OpenBLAS's own threads do its products and lose their cores to PyTorch's spinning
      # OpenMP workers (PASSIVE measured up to 2.4x faster at 2 threads), in bf16 oneDNN runs on
      # those workers.
      a="" b="" policy=""
      for round in 1 2; do
        # Each run in an assignment of its own, so that a failed run stops the script (set -e).
        run=$(OMP_NUM_THREADS=$threads "$ours_bin" "${args[@]}")
        a=$(better "$key" "$a" "$run")
        if [ "$round" = 1 ]; then
          b=$(OMP_NUM_THREADS=$threads peer "${args[@]}")
          passive=$(OMP_NUM_THREADS=$threads peer_waiting PASSIVE "${args[@]}")
          if [ "$(better "$key" "$b" "$passive")" = "$passive" ]; then
            b=$passive policy=PASSIVE
          fi
        else
          run=$(OMP_NUM_THREADS=$threads peer_waiting "$policy" "${args[@]}")
          b=$(better "$key" "$b" "$run")
        fi
      done
      ours[$precision]=$(echo "$a" | value $key)
      theirs[$precision]=$(echo "$b" | value $key)
      printf '%-8s %-6s %-9s %10.0f %10.0f %6.2fx   %-34s %.0f\n' "$threads" "$mode" "$precision" \
        "${ours[$precision]}" "${theirs[$precision]}" \
        "$(echo "${ours[$precision]} / ${theirs[$precision]}" | bc -l)" \
        "$(printf '%.0f / %.0f' "$(echo "$a" | value ' gflops')" "$(echo "$b" | value ' gflops')")" \
        "$(echo "$a" | value model_gflops)"
    done
    if [ -n "${ours[bf16]:-}" ]; then
      printf '%-8s %-6s %-9s %10.0f %10.0f %6.2fx   (huiyan bf16 against PyTorch f32)\n' \
        "$threads" "$mode" "bf16/f32" "${ours[bf16]}" "${theirs[f32]}" \
        "$(echo "${ours[bf16]} / ${theirs[f32]}" | bc -l)"
    fi
  done
done
echo "targets: training >= 2x, decoding >= 3x"
echo "Model products: the FLOPs of the model's matrix products per second (tests/bench/translation_bench.cpp"
echo "counts them from the shapes), the work an sgemm rate bounds; PyTorch's rate is huiyan's / ratio."
