#!/usr/bin/env bash
# WMT14 German <-> English with the Transformer `base` preset (Vaswani et al. 2017): preprocess ->
# joint SentencePiece (32k) -> dataset -> train -> average the last checkpoints -> translate
# newstest2014 -> sacreBLEU -> results table.
#
#   recipes/wmt14/run.sh [--data DIR] [--test DIR] [--work DIR] [--direction de-en|en-de]
#                        [--minutes N] [--train-slice N] [--quick] [--threads N]
#
# --data DIR: the WMT14 training corpora as statmt.org ships them (plain or gzip):
#   europarl-v7.de-en.{de,en}, commoncrawl.de-en.{de,en}, news-commentary-v9.de-en.{de,en}.
#   Without --data: downloaded (1.5 GB) from statmt.org or HUIYAN_STATMT_URL into WORK/download.
# --test DIR: newstest2014.{de,en}(.gz); default ../shared/data/wmt14_newstest2014_deen when it
#   exists, else statmt.org's test-full.tgz is downloaded and its SGML unpacked.
# --train-slice N: train on a fixed random slice of N pairs of the training corpus.
# --quick: a small run that works offline here: a 20,000-pair slice, a tiny Transformer for 300
#   steps, the first 500 test segments. When no WMT14 training data is at hand it trains on the
#   Tatoeba pairs in ../shared/data (not WMT data: the score says only that the chain works).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=
test_dir=
work=$root/out/wmt14
direction=de-en
minutes=600
slice=0
quick=false
threads=0
# shellcheck source=recipes/lib/huiyan.sh
source "$root/recipes/lib/huiyan.sh"
while [ $# -gt 0 ]; do
  case $1 in
    --data) need_value "$@"; data=$2; shift 2 ;;
    --test) need_value "$@"; test_dir=$2; shift 2 ;;
    --work) need_value "$@"; work=$2; shift 2 ;;
    --direction) need_value "$@"; direction=$2; shift 2 ;;
    --minutes) need_value "$@"; minutes=$2; shift 2 ;;
    --train-slice) need_value "$@"; slice=$2; shift 2 ;;
    --quick) quick=true; shift ;;
    --threads) need_value "$@"; threads=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "$0: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $direction in
  de-en) src=de; tgt=en ;;
  en-de) src=en; tgt=de ;;
  *) echo "$0: --direction de-en or en-de, got $direction" >&2; exit 2 ;;
esac
log() { printf '\n== %s\n' "$*" >&2; }
mkdir -p "$work"
$quick && [ "$slice" -eq 0 ] && slice=20000
corpora=(europarl-v7.de-en commoncrawl.de-en news-commentary-v9.de-en)
find_file() {  # DIR NAME: the first of NAME.gz, NAME in DIR, or nothing
  if [ -f "$1/$2.gz" ]; then echo "$1/$2.gz"; elif [ -f "$1/$2" ]; then echo "$1/$2"; fi
}
# statmt.org, or a mirror of its wmt13/ and wmt14/ directories.
statmt=${HUIYAN_STATMT_URL:-http://www.statmt.org}
fetch() {  # URL FILE
  [ -s "$2" ] && return 0
  curl -fsSL --retry 3 -o "$2.part" "$1" && mv "$2.part" "$2" || {
    echo "$0: could not download $1; fetch it yourself and give --data/--test DIR" >&2
    exit 1
  }
}

# Training data: WMT14 corpora (given, or downloaded), or for --quick offline the Tatoeba pairs.
train_label="WMT14 (Europarl v7, CommonCrawl, News Commentary v9)"
tatoeba=$root/../shared/data/tatoeba-anki-deu-eng/deu.txt.gz
if [ -z "$data" ] && $quick && [ -f "$tatoeba" ]; then
  train_label="Tatoeba deu-eng (stand-in: no WMT14 training data offline)"
elif [ -z "$data" ]; then
  data=$work/download
  mkdir -p "$data"
  log "download the WMT14 training corpora from statmt.org"
  fetch "$statmt"/wmt13/training-parallel-europarl-v7.tgz "$data/europarl.tgz"
  fetch "$statmt"/wmt13/training-parallel-commoncrawl.tgz "$data/commoncrawl.tgz"
  fetch "$statmt"/wmt14/training-parallel-nc-v9.tgz "$data/nc-v9.tgz"
  for archive in europarl commoncrawl nc-v9; do
    tar -xzf "$data/$archive.tgz" -C "$data" --wildcards '*de-en.de' '*de-en.en'
  done
  find "$data" -mindepth 2 -name '*.de-en.*' -exec mv {} "$data/" \;
fi

# newstest2014 (full, 3,003 segments).
if [ -z "$test_dir" ]; then
  if [ -d "$root/../shared/data/wmt14_newstest2014_deen" ]; then
    test_dir=$root/../shared/data/wmt14_newstest2014_deen
  else
    test_dir=$work/download-test
    mkdir -p "$test_dir"
    log "download newstest2014 from statmt.org"
    fetch "$statmt"/wmt14/test-full.tgz "$test_dir/test-full.tgz"
    tar -xzf "$test_dir/test-full.tgz" -C "$test_dir"
    for pair in "src.de de" "ref.en en"; do
      set -- $pair
      sed -n 's|^ *<seg[^>]*>\(.*\)</seg> *$|\1|p' "$test_dir/test-full/newstest2014-deen-$1.sgm" |
        sed 's/^ *//; s/ *$//; s/  */ /g' >"$test_dir/newstest2014.$2"
    done
  fi
fi
test_src=$(find_file "$test_dir" "newstest2014.$src")
test_ref=$(find_file "$test_dir" "newstest2014.$tgt")
if [ -z "$test_src" ] || [ -z "$test_ref" ]; then
  echo "$0: newstest2014.$src / .$tgt not found in $test_dir (see --test)" >&2
  exit 1
fi

find_huiyan "$root"  # HUIYAN_BIN, or a fresh build

log "preprocess: $train_label"
rm -rf "$work/data"
if [ -z "$data" ]; then
  # Tatoeba is English<TAB>German.
  src_column=2 tgt_column=1
  [ $src = en ] && src_column=1 tgt_column=2
  "$huiyan" preprocess -q --format parallel --input "$tatoeba" --src-column $src_column \
    --tgt-column $tgt_column --max-length 100 --max-length-ratio 3 --dedup \
    --valid-size 1000 --test-size 0 --out-dir "$work/data"
else
  : >"$work/train.$src"
  : >"$work/train.$tgt"
  for corpus in "${corpora[@]}"; do
    s=$(find_file "$data" "$corpus.$src")
    t=$(find_file "$data" "$corpus.$tgt")
    if [ -z "$s" ] || [ -z "$t" ]; then
      echo "$0: $data/$corpus.$src / .$tgt (or .gz) not found (see --data)" >&2
      exit 1
    fi
    if [[ $s == *.gz ]]; then zcat "$s"; else cat "$s"; fi >>"$work/train.$src"
    if [[ $t == *.gz ]]; then zcat "$t"; else cat "$t"; fi >>"$work/train.$tgt"
  done
  # Validation: 3,000 pairs drawn from the training corpora by preprocess's seeded split.
  "$huiyan" preprocess -q --format parallel --src "$work/train.$src" --tgt "$work/train.$tgt" \
    --max-length 250 --max-length-ratio 1.5 --dedup --valid-size 3000 --test-size 0 \
    --skip-invalid --out-dir "$work/data"
fi
if [ "$slice" -gt 0 ]; then
  # A random slice of N pairs, the same every run (a fixed random source).
  paste "$work/data/train.src" "$work/data/train.tgt" | shuf -n "$slice" --random-source=<(yes) >"$work/slice.tsv"
  cut -f1 "$work/slice.tsv" >"$work/data/train.src"
  cut -f2 "$work/slice.tsv" >"$work/data/train.tgt"
  rm "$work/slice.tsv"
fi
echo "training pairs: $(wc -l <"$work/data/train.src")" >&2

log "joint SentencePiece model"
vocab=32000
$quick && vocab=8000
"$huiyan" tokenize train -q -i "$work/data/train.src" -i "$work/data/train.tgt" \
  --vocab-size $vocab --max-sentences 2000000 -o "$work/joint.model"
"$huiyan" tokenize build -q --task translate --data-dir "$work/data" -m "$work/joint.model" \
  -o "$work/data.h5"

if $quick; then
  flags=(--dim 128 --heads 4 --layers 2 --ff-dim 512 --max-steps 300 --valid-every 150 --warmup 150
    --lr 1.5e-3 --keep-checkpoints 2 --batch-tokens 4096 --no-valid-bleu)
  model_label="Transformer (tiny, --quick)"
else
  # The paper's base model: 25k-token batches (here 4 × 6,250), warm-up 4,000, lr d^-0.5-scaled.
  flags=(--preset base --dropout 0.1 --label-smoothing 0.1 --lr 7e-4 --warmup 4000
    --batch-tokens 6250 --accumulate 4 --valid-every 1000 --keep-checkpoints 5
    --max-time "$minutes")
  model_label="Transformer-base"
fi
log "train $model_label"
start=$(date +%s)
"$huiyan" train --threads "$threads" --task translate --data "$work/data.h5" \
  -o "$work/transformer.h5" "${flags[@]}" 2>&1 | tee "$work/train.log" | grep -v '^$' >&2
train_minutes=$(( ($(date +%s) - start + 30) / 60 ))
keep=$(sed -n 's/.*--keep-checkpoints \([0-9]*\).*/\1/p' <<<"${flags[*]}")
averaged=$(average_last "$keep" "$work/transformer.h5" "$work/transformer.avg.h5")

log "translate newstest2014 (beam 4, length penalty 0.6) and score (sacreBLEU 13a, detokenized)"
# --quick scores the first 500 segments only (a tiny model's long garbage outputs are slow).
segments=3003
$quick && segments=500
test_set="newstest2014 $direction"
$quick && test_set="newstest2014 $direction, first $segments"
if [[ $test_src == *.gz ]]; then zcat "$test_src"; else cat "$test_src"; fi | sed -n "1,${segments}p" >"$work/newstest2014.src.$src"
if [[ $test_ref == *.gz ]]; then zcat "$test_ref"; else cat "$test_ref"; fi | sed -n "1,${segments}p" >"$work/newstest2014.ref.$tgt"
table="$work/results.md"
{
  echo "Training data: $train_label, $(wc -l <"$work/data/train.src") pairs; $direction."
  echo
  echo "| model | checkpoint | test set | BLEU | chrF2 | training time |"
  echo "|---|---|---|---:|---:|---:|"
} >"$table"
for checkpoint in best avg; do
  model_file="$work/transformer.h5"
  [ $checkpoint = avg ] && model_file="$work/transformer.avg.h5"
  hyp="$work/newstest2014.$checkpoint.hyp.$tgt"
  "$huiyan" translate -q --threads "$threads" -m "$model_file" --beam 4 --length-penalty 0.6 \
    -i "$work/newstest2014.src.$src" -o "$hyp"
  scores=$("$huiyan" eval --metric bleu,chrf --json --hyp "$hyp" --ref "$work/newstest2014.ref.$tgt")
  bleu=$(echo "$scores" | sed -n 's/^ *"bleu": \([0-9.]*\),*$/\1/p')
  chrf=$(echo "$scores" | sed -n 's/^ *"chrf": \([0-9.]*\),*$/\1/p')
  "$huiyan" eval --metric bleu,chrf --hyp "$hyp" --ref "$work/newstest2014.ref.$tgt" >&2
  LC_ALL=C printf '| %s | %s | %s | %.2f | %.2f | %d min |\n' "$model_label" \
    "$([ $checkpoint = avg ] && echo "average of last $averaged" || echo "best valid loss")" "$test_set" \
    "$bleu" "$chrf" "$train_minutes" >>"$table"
done
cat "$table"
