#!/usr/bin/env bash
# Set-up command 1: installs what is missing, builds, and runs the quick-start on the bundled
# Multi30k sample (tests/data/multi30k): preprocess -> tokenize train -> tokenize build.
# Everything it writes goes to out/quickstart/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${HUIYAN_BUILD_DIR:-$root/build}
out=$root/out/quickstart
sample=$root/tests/data/multi30k

bash "$root/scripts/build.sh"
huiyan=$build/cli/huiyan
rm -rf "$out"
mkdir -p "$out"

step() { printf '\n== %s\n' "$*" >&2; }

step "preprocess: clean the German-English sample, hold out 10% for validation"
"$huiyan" preprocess --format parallel --src "$sample/train.de" --tgt "$sample/train.en" \
  --max-length 80 --max-length-ratio 3 --dedup --valid-size 0.1 --test-size 0 --out-dir "$out/data"
"$huiyan" preprocess --format parallel --src "$sample/test.de" --tgt "$sample/test.en" \
  --split test --out-dir "$out/data"

step "tokenize train: one joint SentencePiece model for German and English"
"$huiyan" tokenize train -i "$out/data/train.src" -i "$out/data/train.tgt" \
  --vocab-size 1000 --byte-fallback -o "$out/joint.model"

step "tokenize build: the HDF5 dataset"
"$huiyan" tokenize build --task translate --data-dir "$out/data" -m "$out/joint.model" \
  -o "$out/data.h5"

step "what was produced"
ls -l "$out" "$out/data"
h5ls -r "$out/data.h5"
echo "Zwei Hunde spielen im Schnee." | tee /dev/stderr | "$huiyan" tokenize encode -m "$out/joint.model"
