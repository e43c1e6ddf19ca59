#!/usr/bin/env bash
# SASRec top-10 recommendation speed (the ml-100k configuration), huiyan against PyTorch on the
# CPU, both measured in this run with random weights and the same histories
# (tests/bench/recommend_bench.cpp and scripts/bench_recommend_pytorch.py), at 1 and 2 threads;
# then `huiyan recommend` end to end (model file loaded, text in and out) on ml-100k's test
# histories, ten times over, with a model trained for a few epochs.
#
#   bash scripts/bench-recommend.sh
#
# Installs Debian's python3-torch and libopenblas0-pthread (see scripts/bench-vs-pytorch.sh for
# how the peer's OpenBLAS kernel is chosen). Target: >= 5,000 users/s.
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/deps.sh" python3-torch libopenblas0-pthread
bash "$root/scripts/build.sh" >/dev/null
huiyan="$root/build/cli/huiyan"
# shellcheck source=scripts/peer_env.sh
source "$root/scripts/peer_env.sh"
value() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" | tail -1; }

echo "SASRec (1,682 items, d 50, 2 blocks, 1 head, n 200), random weights, top 10 unseen; $(nproc) cores"
printf '%-8s %16s %16s %7s\n' threads huiyan PyTorch ratio
for threads in 1 2; do
  x=$(OMP_NUM_THREADS=$threads "$root/build/tests/bench/recommend_bench" --threads "$threads" | value users_per_s)
  y=$("${peer_env[@]}" /usr/bin/python3 "$root/scripts/bench_recommend_pytorch.py" --threads "$threads" | value users_per_s)
  printf '%-8s %10.0f u/s %10.0f u/s %6.2fx\n' "$threads" "$x" "$y" "$(echo "$x / $y" | bc -l)"
done

data=$root/../shared/data/movielens-100k/u.data.gz
if [ -f "$data" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  "$huiyan" preprocess -q --format interactions --input "$data" --out-dir "$work/data"
  "$huiyan" train -q --task recommend --data "$work/data/data.h5" -o "$work/model.h5" --max-epochs 2
  # Each test user's history (every item but the last, oldest first; ties in file order, as
  # preprocess orders them), ten times over.
  zcat "$data" | sort -s -t$'\t' -k1,1n -k4,4n |
    awk -F'\t' '$1 != user { if (NR > 1) print line; user = $1; line = ""; last = "" }
                { if (last != "") line = line (line == "" ? "" : " ") last; last = $2 }
                END { print line }' >"$work/once.txt"
  for _ in 1 2 3 4 5 6 7 8 9 10; do cat "$work/once.txt"; done >"$work/histories.txt"
  users=$(wc -l <"$work/histories.txt")
  for threads in 1 2; do
    start=$(date +%s.%N)
    "$huiyan" recommend --threads "$threads" -m "$work/model.h5" -k 10 --exclude-seen <"$work/histories.txt" >/dev/null
    seconds=$(echo "$(date +%s.%N) - $start" | bc -l)
    printf 'huiyan recommend, %d threads: %d ml-100k histories in %.2f s = %.0f users/s\n' \
      "$threads" "$users" "$seconds" "$(echo "$users / $seconds" | bc -l)"
  done
fi
echo "target: >= 5,000 users/s"
