#!/usr/bin/env bash
# Multi30k German -> English (task 1, Elliott et al. 2016): preprocess -> joint SentencePiece ->
# dataset -> Transformer-small -> translate test2016 and test2017 (mscoco) -> sacreBLEU -> table.
#
#   recipes/multi30k/run.sh [--data DIR] [--work DIR] [--minutes N] [--quick] [--threads N]
#
# DIR holds the upstream files (train, val, test_2016_flickr, test_2017_mscoco, .de/.en, gzip
# or plain), as in the multi30k/dataset repository's data/task1/raw; default ../shared/data/multi30k.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=$root/../shared/data/multi30k
work=$root/out/multi30k
minutes=100
quick=false
threads=0
while [ $# -gt 0 ]; do
  case $1 in
    --data) data=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --quick) quick=true; shift ;;
    --threads) threads=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "$0: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
file() {  # the first of NAME.gz, NAME that exists
  if [ -f "$data/$1.gz" ]; then echo "$data/$1.gz"; elif [ -f "$data/$1" ]; then echo "$data/$1"; else
    echo "$0: $data/$1(.gz) not found: give --data DIR with the Multi30k task 1 raw files" >&2; exit 1
  fi
}
bash "$root/scripts/build.sh" >/dev/null
huiyan="$root/build/cli/huiyan"
mkdir -p "$work"
log() { printf '\n== %s\n' "$*" >&2; }

log "preprocess (NFKC, whitespace; train pairs up to 100 words, length ratio 3)"
"$huiyan" preprocess -q --format parallel --src "$(file train.de)" --tgt "$(file train.en)" \
  --max-length 100 --max-length-ratio 3 --split train --out-dir "$work/data"
"$huiyan" preprocess -q --format parallel --src "$(file val.de)" --tgt "$(file val.en)" \
  --split valid --out-dir "$work/data"

log "joint SentencePiece unigram model"
vocab=8000
$quick && vocab=2000
"$huiyan" tokenize train -q --threads 1 -i "$work/data/train.src" -i "$work/data/train.tgt" \
  --vocab-size $vocab --character-coverage 1.0 -o "$work/joint.model"
"$huiyan" tokenize build -q --task translate --data-dir "$work/data" -m "$work/joint.model" \
  -o "$work/data.h5"

log "train Transformer-small ($minutes minutes at most)"
if $quick; then
  model_flags=(--dim 64 --heads 4 --layers 2 --ff-dim 256 --max-steps 300 --valid-every 100 --warmup 100 --lr 2e-3)
else
  model_flags=(--preset small --dropout 0.3 --lr 7e-4 --warmup 2000 --valid-every 1000 --max-time "$minutes")
fi
start=$(date +%s)
"$huiyan" train --threads "$threads" --task translate --data "$work/data.h5" -o "$work/transformer.h5" \
  --batch-tokens 4096 "${model_flags[@]}" 2>&1 | tee "$work/train.log" | grep -v '^$' >&2
train_seconds=$(( $(date +%s) - start ))

log "translate and score (beam 5, detokenized sacreBLEU against the raw references)"
table="$work/results.md"
{
  echo "| model | test set | BLEU | chrF2 | training time |"
  echo "|---|---|---:|---:|---:|"
} >"$table"
for test in test_2016_flickr test_2017_mscoco; do
  src=$(file $test.de)
  ref="$work/$test.ref.en"
  if [[ "$(file $test.en)" == *.gz ]]; then zcat "$(file $test.en)" >"$ref"; else cp "$(file $test.en)" "$ref"; fi
  "$huiyan" translate -q --threads "$threads" -m "$work/transformer.h5" --beam 5 -i "$src" -o "$work/$test.hyp.en"
  scores=$("$huiyan" eval --metric bleu,chrf --json --hyp "$work/$test.hyp.en" --ref "$ref")
  bleu=$(echo "$scores" | sed -n 's/^ *"bleu": \([0-9.]*\),*$/\1/p')
  chrf=$(echo "$scores" | sed -n 's/^ *"chrf": \([0-9.]*\),*$/\1/p')
  "$huiyan" eval --metric bleu,chrf --hyp "$work/$test.hyp.en" --ref "$ref" >&2
  printf '| Transformer-small | %s | %.2f | %.2f | %d min |\n' "$test" "$bleu" "$chrf" $((train_seconds / 60)) >>"$table"
done
cat "$table"
