#!/usr/bin/env bash
# Measures the data pipeline on the full shared datasets: wall time and peak memory of
# preprocess, tokenize train and tokenize build on Multi30k (29k pairs) and IMDB (25k + 25k
# reviews), and SentencePiece encoding speed on one thread against spm_encode (the peer, same
# model, same input) measured in the same run.
#
#   bash scripts/bench_data.sh [--data DIR] [--threads N]     (DIR defaults to ../shared/data)
set -euo pipefail
export LC_ALL=C  # decimal points for bc and printf
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=$root/../shared/data
threads=$(nproc)
while [ $# -gt 0 ]; do
  case $1 in
    --data) data=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "usage: $0 [--data DIR] [--threads N]" >&2; exit 2 ;;
  esac
done

if [ ! -d "$data/multi30k" ] || [ ! -d "$data/imdb" ]; then
  echo "$0: needs $data/multi30k and $data/imdb (the shared datasets; see --data)" >&2
  exit 2
fi
bash "$root/scripts/build.sh" >/dev/null
huiyan=$root/build/cli/huiyan
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

total_seconds=0
# measure LABEL COMMAND...: runs it, prints wall seconds and peak resident memory.
measure() {
  local label=$1
  shift
  local start=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$work/time" "$@" >/dev/null 2>"$work/log" || {
    cat "$work/log" >&2
    exit 1
  }
  local seconds kib
  seconds=$(echo "$EPOCHREALTIME - $start" | bc -l)
  read -r kib <"$work/time"
  total_seconds=$(echo "$total_seconds + $seconds" | bc)
  printf '  %-44s %7.2f s %8.1f MiB\n' "$label" "$seconds" "$(echo "$kib / 1024" | bc -l)"
}

echo "huiyan data pipeline, $threads threads, $(nproc) cores"

m=$data/multi30k
echo "Multi30k (29,000 train pairs + val + test2016):"
total_seconds=0
measure "preprocess train" "$huiyan" preprocess --threads "$threads" -q --format parallel \
  --src "$m/train.de.gz" --tgt "$m/train.en.gz" --split train --out-dir "$work/mt"
measure "preprocess valid" "$huiyan" preprocess --threads "$threads" -q --format parallel \
  --src "$m/val.de.gz" --tgt "$m/val.en.gz" --split valid --out-dir "$work/mt"
measure "preprocess test" "$huiyan" preprocess --threads "$threads" -q --format parallel \
  --src "$m/test_2016_flickr.de.gz" --tgt "$m/test_2016_flickr.en.gz" --split test --out-dir "$work/mt"
measure "tokenize train (joint unigram 8000)" "$huiyan" tokenize train --threads "$threads" -q \
  -i "$work/mt/train.src" -i "$work/mt/train.tgt" --vocab-size 8000 -o "$work/mt/joint.model"
measure "tokenize build" "$huiyan" tokenize build --threads "$threads" -q --task translate \
  --data-dir "$work/mt" -m "$work/mt/joint.model" -o "$work/mt/data.h5"
printf '  %-44s %7.2f s\n' "total" "$total_seconds"

i=$data/imdb
echo "IMDB (25,000 train + 25,000 test reviews):"
total_seconds=0
measure "preprocess train (5% valid)" "$huiyan" preprocess --threads "$threads" -q --format labeled \
  --input "$i/train.tsv.gz" --label-column 1 --text-column 4 --valid-size 0.05 --test-size 0 \
  --out-dir "$work/imdb"
measure "preprocess test" "$huiyan" preprocess --threads "$threads" -q --format labeled \
  --input "$i/test.tsv.gz" --label-column 1 --text-column 4 --split test --out-dir "$work/imdb"
measure "tokenize train (unigram 16000, sentences)" "$huiyan" tokenize train --threads "$threads" -q \
  -i "$work/imdb/train.txt" --split-sentences --vocab-size 16000 -o "$work/imdb/spm.model"
measure "tokenize build (documents of sentences)" "$huiyan" tokenize build --threads "$threads" -q \
  --task classify --sentences --data-dir "$work/imdb" -m "$work/imdb/spm.model" -o "$work/imdb/data.h5"
printf '  %-44s %7.2f s   (target <= 60 s)\n' "total" "$total_seconds"

echo "SentencePiece encoding, 1 thread (Multi30k train, 10 x 29,000 German sentences):"
for _ in 1 2 3 4 5 6 7 8 9 10; do cat "$work/mt/train.src"; done >"$work/encode.txt"
lines=$(wc -l <"$work/encode.txt")
# lines_per_second COMMAND...: the best of three runs, output in $work/out.txt
lines_per_second() {
  local best=0
  for _ in 1 2 3; do
    local start=$EPOCHREALTIME
    "$@" >"$work/out.txt"
    local rate
    rate=$(echo "$lines / ($EPOCHREALTIME - $start)" | bc -l)
    best=$(echo "if ($rate > $best) $rate else $best" | bc -l)
  done
  echo "$best"
}
ours=$(lines_per_second "$huiyan" tokenize encode --threads 1 -m "$work/mt/joint.model" -i "$work/encode.txt")
mv "$work/out.txt" "$work/ours.txt"
peer=$(lines_per_second spm_encode --model "$work/mt/joint.model" --input "$work/encode.txt")
mv "$work/out.txt" "$work/peer.txt"
printf '  %-44s %9.0f sentences/s   (target >= 50,000)\n' "huiyan tokenize encode --threads 1" "$ours"
printf '  %-44s %9.0f sentences/s\n' "spm_encode (peer)" "$peer"
printf '  %-44s %9.2f\n' "ratio huiyan / spm_encode" "$(echo "$ours / $peer" | bc -l)"
if cmp -s "$work/ours.txt" "$work/peer.txt"; then
  echo "  outputs identical"
else
  echo "  outputs DIFFER from spm_encode" >&2
  exit 1
fi
