#!/usr/bin/env bash
# Multi30k German -> English (task 1, Elliott et al. 2016): preprocess -> joint SentencePiece ->
# dataset -> RNN + Bahdanau, RNN + Luong (general), Transformer-small -> translate test2016 and
# test2017 (mscoco) -> sacreBLEU -> results table.
#
#   recipes/multi30k/run.sh [--data DIR] [--work DIR] [--minutes N] [--models LIST] [--quick]
#                           [--vocab N] [--threads N]
#
# DIR holds the upstream files (train, val, test_2016_flickr, test_2017_mscoco, .de/.en, gzip
# or plain), as in the multi30k/dataset repository's data/task1/raw. Without --data the recipe
# uses ../shared/data/multi30k when it exists, else downloads them (GitHub, or HUIYAN_MULTI30K_URL).
# --minutes: training time per model (default 100). --models: any of bahdanau, luong-general,
# transformer, comma-separated (default all three). --quick: tiny models for a few minutes in
# all, a smoke test of the whole chain. --vocab: SentencePiece pieces (default 8000, quick 2000).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=
work=$root/out/multi30k
minutes=100
models=bahdanau,luong-general,transformer
quick=false
threads=0
vocab=
# shellcheck source=recipes/lib/huiyan.sh
source "$root/recipes/lib/huiyan.sh"
while [ $# -gt 0 ]; do
  case $1 in
    --data) need_value "$@"; data=$2; shift 2 ;;
    --work) need_value "$@"; work=$2; shift 2 ;;
    --minutes) need_value "$@"; minutes=$2; shift 2 ;;
    --models) need_value "$@"; models=$2; shift 2 ;;
    --quick) quick=true; shift ;;
    --threads) need_value "$@"; threads=$2; shift 2 ;;
    --vocab) need_value "$@"; vocab=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "$0: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
log() { printf '\n== %s\n' "$*" >&2; }
# Model names are checked before any work (preprocessing and SentencePiece take minutes).
IFS=, read -r -a model_list <<<"$models"
for model in "${model_list[@]}"; do
  case $model in
    bahdanau | luong-general | transformer) ;;
    *) echo "$0: --models: unknown model '$model' (bahdanau, luong-general, transformer)" >&2; exit 2 ;;
  esac
done
mkdir -p "$work"

upstream=${HUIYAN_MULTI30K_URL:-https://github.com/multi30k/dataset/raw/a3d2e0d26b56f3846f66a952536ffed4e401d05a/data/task1/raw}
if [ -z "$data" ]; then
  if [ -d "$root/../shared/data/multi30k" ]; then
    data=$root/../shared/data/multi30k
  else
    data=$work/download
    mkdir -p "$data"
    log "download Multi30k task 1 from $upstream"
    for f in train val test_2016_flickr test_2017_mscoco; do
      for l in de en; do
        [ -s "$data/$f.$l.gz" ] || curl -fsSL --retry 3 -o "$data/$f.$l.gz" "$upstream/$f.$l.gz" || {
          echo "$0: could not download $upstream/$f.$l.gz; fetch the files and give --data DIR" >&2
          exit 1
        }
      done
    done
  fi
fi
file() {  # the first of NAME.gz, NAME that exists
  if [ -f "$data/$1.gz" ]; then echo "$data/$1.gz"; elif [ -f "$data/$1" ]; then echo "$data/$1"; else
    echo "$0: $data/$1(.gz) not found: give --data DIR with the Multi30k task 1 raw files" >&2; exit 1
  fi
}
# Every input is looked for now, not after the first model's hours of training (`file` exits the
# script here; inside a $(...) below it could only exit its subshell).
for f in train val test_2016_flickr test_2017_mscoco; do
  for l in de en; do file "$f.$l" >/dev/null; done
done
find_huiyan "$root"  # HUIYAN_BIN, or a fresh build

log "preprocess (NFKC, whitespace; train pairs up to 100 words, length ratio 3)"
"$huiyan" preprocess -q --format parallel --src "$(file train.de)" --tgt "$(file train.en)" \
  --max-length 100 --max-length-ratio 3 --split train --out-dir "$work/data"
"$huiyan" preprocess -q --format parallel --src "$(file val.de)" --tgt "$(file val.en)" \
  --split valid --out-dir "$work/data"

log "joint SentencePiece unigram model"
if [ -z "$vocab" ]; then
  vocab=8000
  $quick && vocab=2000
fi
"$huiyan" tokenize train -q --threads 1 -i "$work/data/train.src" -i "$work/data/train.tgt" \
  --vocab-size $vocab --character-coverage 1.0 -o "$work/joint.model"
"$huiyan" tokenize build -q --task translate --data-dir "$work/data" -m "$work/joint.model" \
  -o "$work/data.h5"

# Training flags per model: the full runs, or tiny ones for --quick.
flags_for() {
  case $1 in
    transformer)
      if $quick; then
        echo --dim 64 --heads 4 --layers 2 --ff-dim 256 --max-steps 300 --valid-every 100 --warmup 100 --lr 2e-3 --keep-checkpoints 2
      else
        echo --preset small --dropout 0.3 --lr 1e-3 --warmup 1000 --valid-every 500 --keep-checkpoints 5 --max-time "$minutes"
      fi ;;
    bahdanau|luong-general)
      if $quick; then
        echo --arch rnn --attention "$1" --embed-dim 64 --hidden 128 --layers 1 --max-steps 150 --valid-every 50 --warmup 50 --lr 3e-3 --clip-norm 1 --keep-checkpoints 2
      else
        echo --arch rnn --attention "$1" --embed-dim 256 --hidden 512 --encoder-layers 2 --decoder-layers 1 --dropout 0.3 --lr 1.5e-3 --warmup 300 --clip-norm 1 --valid-every 500 --keep-checkpoints 3 --max-time "$minutes"
      fi ;;
    *) echo "$0: unknown model '$1' (bahdanau, luong-general, transformer)" >&2; return 1 ;;
  esac
}
label_for() {
  local quick_size=""
  $quick && quick_size=" (--quick size)"
  case $1 in
    transformer) echo "Transformer-$($quick && echo "d64" || echo "small")$quick_size" ;;
    bahdanau) echo "RNN + Bahdanau$quick_size" ;;
    luong-general) echo "RNN + Luong (general)$quick_size" ;;
  esac
}

table="$work/results.md"
{
  echo "| model | checkpoint | test set | BLEU | chrF2 | training time |"
  echo "|---|---|---|---:|---:|---:|"
} >"$table"
for test in test_2016_flickr test_2017_mscoco; do
  ref="$work/$test.ref.en"
  if [[ "$(file $test.en)" == *.gz ]]; then zcat "$(file $test.en)" >"$ref"; else cp "$(file $test.en)" "$ref"; fi
done

for model in "${model_list[@]}"; do
  flags=$(flags_for "$model")
  log "train $(label_for "$model") ($($quick && echo "quick" || echo "$minutes minutes at most"))"
  start=$(date +%s)
  # shellcheck disable=SC2086  # the flags are words
  "$huiyan" train --threads "$threads" --task translate --data "$work/data.h5" -o "$work/$model.h5" \
    --batch-tokens 4096 $flags 2>&1 | tee "$work/$model.train.log" | grep -v '^$' >&2
  train_minutes=$(( ($(date +%s) - start + 30) / 60 ))
  # The best checkpoint on validation loss, and the average of the last ones kept.
  # As many as the run kept (fewer than --keep-checkpoints when it ended early), named in the table.
  keep=$(sed -n 's/.*--keep-checkpoints \([0-9]*\).*/\1/p' <<<"$flags")
  averaged=$(average_last "$keep" "$work/$model.h5" "$work/$model.avg.h5")
  for checkpoint in best avg; do
    model_file="$work/$model.h5"
    [ $checkpoint = avg ] && model_file="$work/$model.avg.h5"
    log "$(label_for "$model") ($checkpoint): translate (beam 5) and score against the raw references"
    for test in test_2016_flickr test_2017_mscoco; do
      hyp="$work/$test.$model.$checkpoint.hyp.en"
      "$huiyan" translate -q --threads "$threads" -m "$model_file" --beam 5 -i "$(file $test.de)" -o "$hyp"
      scores=$("$huiyan" eval --metric bleu,chrf --json --hyp "$hyp" --ref "$work/$test.ref.en")
      bleu=$(echo "$scores" | sed -n 's/^ *"bleu": \([0-9.]*\),*$/\1/p')
      chrf=$(echo "$scores" | sed -n 's/^ *"chrf": \([0-9.]*\),*$/\1/p')
      "$huiyan" eval --metric bleu,chrf --hyp "$hyp" --ref "$work/$test.ref.en" >&2
      LC_ALL=C printf '| %s | %s | %s | %.2f | %.2f | %d min |\n' "$(label_for "$model")" \
        "$([ $checkpoint = avg ] && echo "average of last $averaged" || echo "best valid loss")" \
        "$test" "$bleu" "$chrf" "$train_minutes" >>"$table"
    done
  done
done
cat "$table"
