#!/usr/bin/env bash
# recipes/imdb/run.sh --quick end to end on the committed IMDB sample: each architecture (and
# fastText, when installed) gets a row with an accuracy between 0 and 1, and the model files
# classify text.
#   tests/recipes/imdb_quick_test.sh HUIYAN_BINARY SAMPLE_DIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
huiyan=$1
sample=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
HUIYAN_BIN=$huiyan bash "$root/recipes/imdb/run.sh" --quick --threads 1 --data "$sample" \
  --work "$work/out" >"$work/stdout" 2>"$work/stderr" || {
  tail -30 "$work/stderr" >&2
  exit 1
}
number='0\.[0-9]{4}|1\.0000'
rows=$(grep -Ec "^\| (han|selfattn|transformer)( \(pre-trained vectors\))? \| ($number) \| ($number) \| " "$work/out/results.md" || true)
if [ "$rows" -ne 3 ]; then
  echo "expected 3 result rows, got $rows:" >&2
  cat "$work/out/results.md" >&2
  exit 1
fi
if command -v fasttext >/dev/null &&
  ! grep -Eq "^\| fastText \(bigrams, 10 epochs\) \| ($number) \| " "$work/out/results.md"; then
  echo "fasttext is installed but the table has no fastText row:" >&2
  cat "$work/out/results.md" >&2
  exit 1
fi
for arch in han selfattn transformer; do
  label=$(echo "What a great film." | "$huiyan" classify -m "$work/out/$arch.h5" | cut -f1)
  case $label in 0|1) ;; *) echo "$arch: expected label 0 or 1, got '$label'" >&2; exit 1 ;; esac
done
echo "ok: $rows result rows"
cat "$work/out/results.md"
