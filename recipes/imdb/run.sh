#!/usr/bin/env bash
# IMDB sentiment (Maas et al. 2011, 25k train / 25k test reviews): preprocess -> SentencePiece ->
# datasets of ICU sentences -> token vectors pre-trained on the training and the 50k unlabelled
# reviews -> train han, selfattn and transformer from them -> eval on the 25k test reviews ->
# results table, with a fastText baseline (bigrams) on the same split when `fasttext` is
# installed (Debian package fasttext).
#
#   recipes/imdb/run.sh [--data DIR] [--work DIR] [--minutes N] [--archs "han selfattn ..."]
#                       [--no-pretrain] [--quick] [--threads N]
#
# DIR holds train.tsv(.gz) and test.tsv(.gz): label, rating, id, text per line (the layout of
# ../shared/data/imdb), and optionally unsup.tsv(.gz): id, text. Without --data the recipe uses
# ../shared/data/imdb when it exists, else downloads aclImdb_v1.tar.gz from Stanford and
# assembles the files.
# --minutes: training time per model at most (default 25; the vectors take a few more).
# --no-pretrain: random token embeddings.
# --quick: small models for a few epochs, a smoke test of the whole chain.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=
work=$root/out/imdb-recipe
minutes=25
archs="han selfattn transformer"
pretrain=true
quick=false
threads=0
while [ $# -gt 0 ]; do
  case $1 in
    --data) data=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --archs) archs=$2; shift 2 ;;
    --no-pretrain) pretrain=false; shift ;;
    --quick) quick=true; shift ;;
    --threads) threads=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "$0: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
log() { printf '\n== %s\n' "$*" >&2; }
mkdir -p "$work"

# Upstream: the labelled train/test reviews as one file per review, <id>_<rating>.txt.
upstream=https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz
assemble() {  # aclImdb/<split> -> label, rating, id, text lines (unsup: id, text)
  local dir=$1 label name
  if [ "$(basename "$dir")" = unsup ]; then
    for file in "$dir"/*.txt; do
      name=$(basename "$file" .txt)
      printf '%s\t' "${name%_*}"
      tr '\t\r\n' '   ' <"$file"
      echo
    done
    return
  fi
  for label in neg pos; do
    for file in "$dir/$label"/*.txt; do
      name=$(basename "$file" .txt)
      printf '%s\t%s\t%s\t' "$([ $label = pos ] && echo 1 || echo 0)" "${name#*_}" "${name%_*}"
      tr '\t\r\n' '   ' <"$file"
      echo
    done
  done
}
if [ -z "$data" ]; then
  if [ -d "$root/../shared/data/imdb" ]; then
    data=$root/../shared/data/imdb
  else
    data=$work/download
    mkdir -p "$data"
    if [ ! -s "$data/test.tsv" ]; then
      log "download $upstream"
      curl -fsSL --retry 3 -o "$data/aclImdb_v1.tar.gz" "$upstream" || {
        echo "$0: could not download $upstream; fetch it and give --data DIR" >&2
        exit 1
      }
      tar -xzf "$data/aclImdb_v1.tar.gz" -C "$data"
      assemble "$data/aclImdb/train" >"$data/train.tsv"
      assemble "$data/aclImdb/test" >"$data/test.tsv"
      assemble "$data/aclImdb/train/unsup" >"$data/unsup.tsv"
    fi
  fi
fi
pick() { if [ -f "$data/$1.tsv.gz" ]; then echo "$data/$1.tsv.gz"; elif [ -f "$data/$1.tsv" ]; then echo "$data/$1.tsv"; else echo "$0: $data/$1.tsv(.gz) not found: give --data DIR" >&2; exit 1; fi; }
train_tsv=$(pick train)
test_tsv=$(pick test)
unsup_tsv=
if [ -f "$data/unsup.tsv.gz" ]; then unsup_tsv=$data/unsup.tsv.gz
elif [ -f "$data/unsup.tsv" ]; then unsup_tsv=$data/unsup.tsv
fi

# shellcheck source=recipes/lib/huiyan.sh
source "$root/recipes/lib/huiyan.sh"
find_huiyan "$root"  # HUIYAN_BIN, or a fresh build

if $quick; then
  valid=30 vocab=1000 dim=32 vector_epochs=1
  common="--max-epochs 4 --embed-dim 32 --attention-dim 16 --batch-tokens 4096"
  declare -A flags=(
    [han]="$common --hidden 32"
    [selfattn]="$common --hidden 32 --hops 2 --mlp 32 --penalty 0.1"
    [transformer]="$common --layers 1 --heads 2 --ff-dim 64"
  )
else
  valid=1000 vocab=16000 dim=128 vector_epochs=5
  declare -A flags=(
    [han]="--embed-dim 128 --hidden 64 --attention-dim 100 --dropout 0.4 --batch-tokens 16384 --max-epochs 2 --valid-every 300"
    [selfattn]="--embed-dim 128 --hidden 64 --hops 4 --penalty 0.1 --mlp 128 --dropout 0.4 --max-epochs 3 --valid-every 200"
    [transformer]="--embed-dim 128 --layers 2 --heads 4 --ff-dim 512 --lr 5e-4 --warmup 300 --dropout 0.2 --max-epochs 3 --valid-every 300"
  )
fi

log "preprocess: $valid training reviews held out for validation; the test reviews as they are"
"$huiyan" preprocess -q --format labeled -i "$train_tsv" --label-column 1 --text-column 4 \
  --out-dir "$work/data" --valid-size "$valid" --test-size 0
"$huiyan" preprocess -q --format labeled -i "$test_tsv" --label-column 1 --text-column 4 \
  --out-dir "$work/data" --split test
log "SentencePiece unigram model ($vocab pieces) on the training reviews; dataset of sentences"
"$huiyan" tokenize train -q --threads 1 -i "$work/data/train.txt" -o "$work/sp.model" \
  --vocab-size "$vocab"
"$huiyan" tokenize build -q --task classify --sentences --data-dir "$work/data" \
  -m "$work/sp.model" -o "$work/data.h5"

init=()
vector_time=
if $pretrain; then
  corpora=(--data "$work/data.h5")
  if [ -n "$unsup_tsv" ]; then
    log "the unlabelled reviews as a dataset with the same SentencePiece model"
    { gzip -dcf "$unsup_tsv" || true; } | cut -f2 |
      "$huiyan" preprocess -q --format text -i - --out-dir "$work/unsup" --split train
    "$huiyan" tokenize build -q --task text --sentences --data-dir "$work/unsup" \
      -m "$work/sp.model" -o "$work/unsup.h5"
    corpora+=(--data "$work/unsup.h5")
  fi
  log "token vectors (skip-gram, $dim dimensions, $vector_epochs epochs) on the training${unsup_tsv:+ and unlabelled} reviews"
  start=$(date +%s)
  "$huiyan" train --threads "$threads" --task embeddings "${corpora[@]}" -o "$work/vectors.h5" \
    --dim "$dim" --epochs "$vector_epochs"
  vector_time=$(( $(date +%s) - start ))
  init=(--init-embeddings "$work/vectors.h5")
fi

table=$work/results.md
{
  echo "| IMDB test ($(wc -l <"$work/data/test.label") reviews) | accuracy | macro-F1 | training time |"
  echo "|---|---:|---:|---:|"
} >"$table"
minutes_seconds() { echo "$(($1 / 60)) min $(($1 % 60)) s"; }
[ -n "$vector_time" ] && echo "| (token vectors, shared by the models below) | - | - | $(minutes_seconds "$vector_time") |" >>"$table"

if command -v fasttext >/dev/null; then
  log "fastText baseline: bigrams, 10 epochs, on the same training reviews"
  # fastText reads whitespace-separated words: lower-case and split off punctuation.
  fasttext_file() {  # split -> __label__L text
    paste -d ' ' <(sed 's/^/__label__/' "$work/data/$1.label") \
      <(tr '[:upper:]' '[:lower:]' <"$work/data/$1.txt" | sed 's/\([.!?,;:()"]\)/ \1 /g') \
      >"$work/fasttext.$1"
  }
  fasttext_file train
  fasttext_file test
  start=$(date +%s%N)
  fasttext supervised -input "$work/fasttext.train" -output "$work/fasttext" -wordNgrams 2 \
    -epoch 10 -lr 0.1 -dim 100 -thread "$( [ "$threads" -gt 0 ] && echo "$threads" || nproc)" \
    -verbose 0
  seconds=$(( ($(date +%s%N) - start) / 1000000000 ))
  precision=$(fasttext test "$work/fasttext.bin" "$work/fasttext.test" | sed -n 's/^P@1[[:space:]]*//p')
  printf '| fastText (bigrams, 10 epochs) | %.4f | - | %s |\n' "$precision" \
    "$(minutes_seconds "$seconds")" >>"$table"
else
  log "fasttext not installed (apt-get install fasttext): no baseline row"
fi

for arch in $archs; do
  log "train $arch (${flags[$arch]}, at most $minutes min)"
  start=$(date +%s)
  # shellcheck disable=SC2086  # the flags are words
  "$huiyan" train --threads "$threads" --task classify --data "$work/data.h5" --arch "$arch" \
    -o "$work/$arch.h5" ${flags[$arch]} "${init[@]}" --max-time "$minutes" 2>&1 |
    tee "$work/$arch.train.log" | grep -v '^$' >&2
  seconds=$(( $(date +%s) - start ))
  log "$arch on the test reviews"
  json=$("$huiyan" eval --threads "$threads" --task classify -m "$work/$arch.h5" \
    --input "$test_tsv" --label-column 1 --text-column 4 --json)
  field() { echo "$json" | sed -n "s/.*\"$1\":\([0-9.e-]*\).*/\1/p"; }
  printf '| %s%s | %.4f | %.4f | %s |\n' "$arch" "${init:+ (pre-trained vectors)}" \
    "$(field accuracy)" "$(field macro_f1)" "$(minutes_seconds "$seconds")" >>"$table"
done
echo >&2
cat "$table"
