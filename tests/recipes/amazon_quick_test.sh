#!/usr/bin/env bash
# recipes/amazon/run.sh --quick end to end on the committed 1,000-user sample of Video.txt: the
# baseline, SASRec and ACF each get a row with four metrics between 0 and 1, and the model files
# recommend.
#   tests/recipes/amazon_quick_test.sh HUIYAN_BINARY SAMPLE_DIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
huiyan=$1
sample=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/raw"
cp "$sample/sample.txt" "$work/raw/Video.txt"
HUIYAN_BIN=$huiyan bash "$root/recipes/amazon/run.sh" --quick --threads 1 --data "$work/raw" \
  --work "$work/out" >"$work/stdout" 2>"$work/stderr" || {
  tail -30 "$work/stderr" >&2
  exit 1
}
number='0\.[0-9]{4}|1\.0000'
rows=$(grep -Ec "^\| (most popular|SASRec|ACF) \| ($number) \| ($number) \| ($number) \| ($number) \| " \
  "$work/out/results.md" || true)
if [ "$rows" -ne 3 ]; then
  echo "expected 3 result rows, got $rows:" >&2
  cat "$work/out/results.md" >&2
  exit 1
fi
for model in sasrec acf; do
  recommended=$(echo "1 2 3" | "$huiyan" recommend -m "$work/out/$model.h5" -k 4)
  [ "$(echo "$recommended" | tr '\t' '\n' | wc -l)" -eq 4 ] || {
    echo "$model: expected 4 recommendations, got: $recommended" >&2
    exit 1
  }
done
echo "ok: $rows result rows; recommend: $recommended"
