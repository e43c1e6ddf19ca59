#!/usr/bin/env bash
# recipes/wmt14/run.sh --quick end to end, offline: the Tatoeba pairs in ../shared stand in for
# the WMT14 corpora and the first 500 segments of the real newstest2014 are scored. Both
# directions train, average their checkpoints and get result rows with BLEU numbers. Skipped
# (exit 77) when ../shared/data lacks those files.
#   tests/recipes/wmt14_quick_test.sh HUIYAN_BINARY
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
huiyan=$1
shared=$root/../shared/data
if [ ! -f "$shared/tatoeba-anki-deu-eng/deu.txt.gz" ] || [ ! -d "$shared/wmt14_newstest2014_deen" ]; then
  echo "skipped: no $shared/tatoeba-anki-deu-eng or wmt14_newstest2014_deen" >&2
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
HUIYAN_BIN=$huiyan bash "$root/recipes/wmt14/run.sh" --direction de-fr --work "$work/usage" \
  >/dev/null 2>"$work/usage.err" || status=$?
if [ "$status" -ne 2 ] || ! grep -qF -- "--direction de-en or en-de, got de-fr" "$work/usage.err"; then
  echo "--direction de-fr: exit $status, expected 2 and a message naming it:" >&2
  cat "$work/usage.err" >&2
  exit 1
fi
for direction in de-en en-de; do
  out=$work/$direction
  HUIYAN_BIN=$huiyan bash "$root/recipes/wmt14/run.sh" --quick --threads 1 --direction $direction \
    --work "$out" >"$work/stdout" 2>"$work/stderr" || {
    tail -30 "$work/stderr" >&2
    exit 1
  }
  table=$out/results.md
  rows=$(grep -c "^| .* | newstest2014 $direction, first 500 | [0-9.]* | [0-9.]* | [0-9]* min |\$" "$table" || true)
  averaged=$(grep -c '| average of last 2 |' "$table" || true)
  if [ "$rows" -ne 2 ] || [ "$averaged" -ne 1 ] || ! grep -q '^Training data: Tatoeba' "$table"; then
    echo "$direction: expected a best and an 'average of last 2' row on Tatoeba data:" >&2
    cat "$table" >&2
    exit 1
  fi
  # One hypothesis line for each scored segment, from both checkpoints.
  for checkpoint in best avg; do
    lines=$(wc -l <"$out/newstest2014.$checkpoint.hyp.${direction#*-}")
    [ "$lines" -eq 500 ] || { echo "$direction $checkpoint: $lines hypotheses, expected 500" >&2; exit 1; }
  done
done
echo "ok: both directions"
