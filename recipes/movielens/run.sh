#!/usr/bin/env bash
# MovieLens (ml-100k here, ml-1m with --ml-1m): preprocess (titles and genres from the Latin-1
# item file) -> SASRec, SASRec with side information (titles and genres), ACF and the
# most-popular baseline -> HR@10 / NDCG@10 against 100 sampled negatives and against the full
# catalogue -> results table.
#
#   recipes/movielens/run.sh [--data DIR] [--ml-1m] [--work DIR] [--minutes N] [--quick]
#                            [--threads N]
#
# DIR holds u.data and u.item (ml-100k) or ratings.dat and movies.dat (ml-1m), plain or .gz.
# Without --data the recipe uses ../shared/data/movielens-100k when it exists, else downloads
# the zip from files.grouplens.org (research use only: see its README), or from the directory
# URL in HUIYAN_MOVIELENS_URL (a mirror).
# --minutes: training time per model at most (default 12). --quick: tiny models, few epochs.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=
work=
minutes=12
quick=false
threads=0
version=ml-100k
while [ $# -gt 0 ]; do
  case $1 in
    --data) data=$2; shift 2 ;;
    --ml-1m) version=ml-1m; shift ;;
    --work) work=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --quick) quick=true; shift ;;
    --threads) threads=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "$0: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
# shellcheck source=recipes/lib/recommend.sh
source "$root/recipes/lib/recommend.sh"
work=${work:-$root/out/$version}
mkdir -p "$work"

if [ -z "$data" ]; then
  if [ $version = ml-100k ] && [ -d "$root/../shared/data/movielens-100k" ]; then
    data=$root/../shared/data/movielens-100k
  else
    data=$work/download/$version
    if [ ! -d "$data" ]; then
      url=${HUIYAN_MOVIELENS_URL:-https://files.grouplens.org/datasets/movielens}/$version.zip
      recommend_log "download $url"
      mkdir -p "$work/download"
      curl -fsSL --retry 3 -o "$work/download/$version.zip" "$url" || {
        echo "$0: could not download $url; fetch it, unzip it and give --data DIR" >&2
        exit 1
      }
      (cd "$work/download" && unzip -q -o "$version.zip")
    fi
  fi
fi
file() {  # the first of NAME.gz, NAME that exists
  if [ -f "$data/$1.gz" ]; then echo "$data/$1.gz"; elif [ -f "$data/$1" ]; then echo "$data/$1"; else
    echo "$0: $data/$1(.gz) not found: give --data DIR with the $version files" >&2; exit 1
  fi
}
if [ $version = ml-100k ]; then
  interactions=$(file u.data)
  items=$(file u.item)
else
  interactions=$(file ratings.dat)
  items=$(file movies.dat)
fi
find_huiyan "$root"

# The paper's MovieLens settings: d 50, 2 blocks, n 200, dropout 0.2.
# ACF: d 64, attention over the newest 200 items, BPR.
if $quick; then
  sasrec="--arch sasrec --dim 16 --blocks 1 --max-len 50 --max-epochs 4 --valid-every 2"
  acf="--arch acf --dim 16 --attention-dim 16 --max-len 50 --max-epochs 4 --valid-every 2"
else
  sasrec="--arch sasrec --dim 50 --blocks 2 --max-len 200 --dropout 0.2 --max-epochs 400 --valid-every 20 --max-time $minutes"
  acf="--arch acf --dim 64 --attention-dim 64 --max-len 200 --max-epochs 400 --valid-every 20 --patience 3 --max-time $minutes"
fi
recommend_recipe "MovieLens $version" "$interactions" "$items" "$work" "SASRec|sasrec|$sasrec" \
  "SASRec + side information|sasrec-side|$sasrec --side-info" "ACF|acf|$acf"
