#!/usr/bin/env bash
# recipes/multi30k/run.sh --quick end to end on the committed 400-pair sample (its 50 test pairs
# stand in for val, test2016 and test2017): every model trains, translates and gets a row in the
# results table with a BLEU number.
#   tests/recipes/multi30k_quick_test.sh HUIYAN_BINARY SAMPLE_DIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
huiyan=$1
sample=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Usage mistakes stop the recipe at once (exit 2, a message naming them), before any work.
usage_case() {  # expected message, then the options
  local expected=$1 status=0
  shift
  HUIYAN_BIN=$huiyan bash "$root/recipes/multi30k/run.sh" --work "$work/usage" "$@" \
    >/dev/null 2>"$work/usage.err" || status=$?
  if [ "$status" -ne 2 ] || ! grep -qF -- "$expected" "$work/usage.err" || [ -e "$work/usage" ]; then
    echo "recipe $*: exit $status, expected 2 and '$expected' before any work:" >&2
    cat "$work/usage.err" >&2
    exit 1
  fi
}
usage_case "--data needs a value" --data
usage_case "unknown model 'nope'" --models transformer,nope
mkdir -p "$work/raw"
for l in de en; do
  cp "$sample/train.$l" "$work/raw/train.$l"
  for split in val test_2016_flickr test_2017_mscoco; do cp "$sample/test.$l" "$work/raw/$split.$l"; done
done
# A missing test source stops the recipe before preprocessing, not after the first model's training.
mkdir -p "$work/incomplete"
cp "$work"/raw/train.* "$work"/raw/val.* "$work"/raw/test_2016_flickr.* "$work/raw/test_2017_mscoco.en" \
  "$work/incomplete/"
status=0
HUIYAN_BIN=$huiyan bash "$root/recipes/multi30k/run.sh" --quick --data "$work/incomplete" \
  --work "$work/incomplete.out" >/dev/null 2>"$work/incomplete.err" || status=$?
if [ "$status" -ne 1 ] || ! grep -qF "test_2017_mscoco.de(.gz) not found" "$work/incomplete.err" ||
  [ -e "$work/incomplete.out/data" ]; then
  echo "recipe without test_2017_mscoco.de: exit $status, expected 1 before preprocessing:" >&2
  cat "$work/incomplete.err" >&2
  exit 1
fi
HUIYAN_BIN=$huiyan bash "$root/recipes/multi30k/run.sh" --quick --vocab 400 --threads 1 \
  --data "$work/raw" --work "$work/out" >"$work/stdout" 2>"$work/stderr" || {
  tail -30 "$work/stderr" >&2
  exit 1
}
rows=$(grep -c '^| .* | [0-9.]* | [0-9.]* | [0-9]* min |$' "$work/out/results.md" || true)
if [ "$rows" -ne 12 ]; then  # 3 models × 2 checkpoints × 2 test sets
  echo "expected 12 result rows, got $rows:" >&2
  cat "$work/out/results.md" >&2
  exit 1
fi
# --quick keeps two checkpoints per model, and the table says how many were averaged.
averaged=$(grep -c '| average of last 2 |' "$work/out/results.md" || true)
if [ "$averaged" -ne 6 ]; then
  echo "expected 6 rows 'average of last 2', got $averaged:" >&2
  cat "$work/out/results.md" >&2
  exit 1
fi
for f in bahdanau.h5 luong-general.h5 transformer.h5 transformer.avg.h5; do
  [ -s "$work/out/$f" ] || { echo "missing $f" >&2; exit 1; }
done
echo "ok: $rows result rows"
