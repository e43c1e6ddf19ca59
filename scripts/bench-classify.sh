#!/usr/bin/env bash
# `huiyan classify` throughput on IMDB test reviews, end to end (model file loaded, text
# normalized, split into sentences, encoded, classified, labels written), at 1 and 2 threads,
# against fastText's `predict` on the same reviews measured in the same run.
#
#   bash scripts/bench-classify.sh [--model MODEL.h5] [--arch ARCH] [--reviews N] [--work DIR]
#
# MODEL: the IMDB recipe's model of ARCH (default selfattn) under out/imdb-recipe when there is
# one; otherwise one of the recipe's size is made from ../shared/data/imdb with a single training
# step (the speed does not depend on the weights). fastText is trained on the same training
# reviews (bigrams, 10 epochs) when the recipe's fasttext.bin is not there. Target (selfattn):
# >= 1,000 reviews/s on 2 cores.
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
model= arch=selfattn reviews=5000 work=$root/out/imdb-recipe
while [ $# -gt 0 ]; do
  case $1 in
    --model) model=$2; shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    --reviews) reviews=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "$0: unknown option $1" >&2; exit 2 ;;
  esac
done
bash "$root/scripts/deps.sh"
bash "$root/scripts/build.sh" >/dev/null
huiyan="$root/build/cli/huiyan"
data=$root/../shared/data/imdb
[ -f "$data/test.tsv.gz" ] || { echo "$0: $data/test.tsv.gz not found" >&2; exit 1; }
mkdir -p "$work"

if [ -z "$model" ]; then
  model=$work/$arch.h5
  if [ ! -f "$model" ]; then
    echo "no $model: making a recipe-sized $arch model with one training step" >&2
    if [ ! -f "$work/data.h5" ]; then
      "$huiyan" preprocess -q --format labeled -i "$data/train.tsv.gz" --label-column 1 \
        --text-column 4 --out-dir "$work/data" --valid-size 1000 --test-size 0
      "$huiyan" tokenize train -q --threads 1 -i "$work/data/train.txt" -o "$work/sp.model" \
        --vocab-size 16000
      "$huiyan" tokenize build -q --task classify --sentences --data-dir "$work/data" \
        -m "$work/sp.model" -o "$work/data.h5"
    fi
    model=$work/bench-$arch.h5
    "$huiyan" train -q --task classify --data "$work/data.h5" --arch "$arch" -o "$model" \
      --max-steps 1
  fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{ zcat "$data/test.tsv.gz" || true; } | head -n "$reviews" | cut -f4 >"$tmp/reviews.txt"
n=$(wc -l <"$tmp/reviews.txt")
seconds() { local start=$(date +%s%N); "$@" >/dev/null; echo "scale=3; ($(date +%s%N) - $start) / 1000000000" | bc; }

peer=$work/fasttext.bin
if [ ! -f "$peer" ] && [ -f "$work/data/train.txt" ]; then
  paste -d ' ' <(sed 's/^/__label__/' "$work/data/train.label") \
    <(tr '[:upper:]' '[:lower:]' <"$work/data/train.txt" | sed 's/\([.!?,;:()"]\)/ \1 /g') \
    >"$tmp/fasttext.train"
  fasttext supervised -input "$tmp/fasttext.train" -output "$work/fasttext" -wordNgrams 2 \
    -epoch 10 -lr 0.1 -dim 100 -verbose 0
fi
tr '[:upper:]' '[:lower:]' <"$tmp/reviews.txt" | sed 's/\([.!?,;:()"]\)/ \1 /g' >"$tmp/reviews.ft"

echo "huiyan classify ($arch, $model) vs fastText predict (bigrams): $n IMDB test reviews; $(nproc) cores"
printf '%-8s %18s %18s %9s\n' threads huiyan fastText ratio
for threads in 1 2; do
  x=$(seconds "$huiyan" classify -q --threads "$threads" -m "$model" -i "$tmp/reviews.txt")
  # fastText predicts on one thread whatever it is given.
  y=$(seconds fasttext predict "$peer" "$tmp/reviews.ft")
  printf '%-8s %12.0f rev/s %12.0f rev/s %8.3fx\n' "$threads" "$(echo "$n / $x" | bc -l)" \
    "$(echo "$n / $y" | bc -l)" "$(echo "$y / $x" | bc -l)"
done
