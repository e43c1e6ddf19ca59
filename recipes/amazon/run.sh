#!/usr/bin/env bash
# Amazon "Video Games" as SASRec preprocessed it (Kang & McAuley 2018): preprocess -> SASRec, ACF
# and the most-popular baseline -> HR@10 / NDCG@10 against 100 sampled negatives and against the
# full catalogue -> results table.
#
#   recipes/amazon/run.sh [--data DIR] [--work DIR] [--minutes N] [--quick] [--threads N]
#
# DIR holds Video.txt (or Video.txt.gz), "user item" lines in chronological order per user, as
# in github.com/kang205/SASRec's data/. Without --data the recipe uses
# ../shared/data/sasrec-amazon-video when it exists, else downloads Video.txt from GitHub (or
# from HUIYAN_AMAZON_VIDEO_URL, a mirror).
# --minutes: training time per model at most (default 14).
# --quick: a tiny model for a few epochs, a smoke test of the whole chain.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=
work=$root/out/amazon
minutes=14
quick=false
threads=0
while [ $# -gt 0 ]; do
  case $1 in
    --data) data=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --quick) quick=true; shift ;;
    --threads) threads=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "$0: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
# shellcheck source=recipes/lib/recommend.sh
source "$root/recipes/lib/recommend.sh"
mkdir -p "$work"

upstream=${HUIYAN_AMAZON_VIDEO_URL:-https://raw.githubusercontent.com/kang205/SASRec/e3738967fddab206d6eeb4fda433e7a7034dd8b1/data/Video.txt}
if [ -z "$data" ]; then
  if [ -d "$root/../shared/data/sasrec-amazon-video" ]; then
    data=$root/../shared/data/sasrec-amazon-video
  else
    data=$work/download
    mkdir -p "$data"
    if [ ! -s "$data/Video.txt" ]; then
      recommend_log "download Video.txt from $upstream"
      curl -fsSL --retry 3 -o "$data/Video.txt" "$upstream" || {
        echo "$0: could not download $upstream; fetch it and give --data DIR" >&2
        exit 1
      }
    fi
  fi
fi
if [ -f "$data/Video.txt.gz" ]; then input=$data/Video.txt.gz
elif [ -f "$data/Video.txt" ]; then input=$data/Video.txt
else echo "$0: $data/Video.txt(.gz) not found: give --data DIR" >&2; exit 1
fi
find_huiyan "$root"

# The paper's settings for the sparse Amazon data: d 50, 2 blocks, n 50, dropout 0.5.
# ACF: d 64, attention over the newest 50 items, BPR.
if $quick; then
  sasrec="--arch sasrec --dim 16 --blocks 1 --max-len 20 --dropout 0.5 --max-epochs 4 --valid-every 2"
  acf="--arch acf --dim 16 --attention-dim 16 --max-len 20 --max-epochs 4 --valid-every 2"
else
  sasrec="--arch sasrec --dim 50 --blocks 2 --max-len 50 --dropout 0.5 --max-epochs 200 --valid-every 20 --max-time $minutes"
  acf="--arch acf --dim 64 --attention-dim 64 --max-len 50 --max-epochs 200 --valid-every 20 --patience 3 --max-time $minutes"
fi
recommend_recipe "Amazon Video" "$input" "" "$work" "SASRec|sasrec|$sasrec" "ACF|acf|$acf"
