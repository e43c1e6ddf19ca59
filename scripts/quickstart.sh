#!/usr/bin/env bash
# Set-up command 1: installs what is missing, builds, and runs the quick-start on the bundled
# Multi30k sample (tests/data/multi30k, 400 sentence pairs): preprocess -> tokenize train ->
# tokenize build -> train a small Transformer for about half a minute -> translate -> eval.
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
h5ls "$out/data.h5"
echo "Zwei Hunde spielen im Schnee." | tee /dev/stderr | "$huiyan" tokenize encode -m "$out/joint.model"

step "train: a small Transformer for 600 steps (about 30 s on 2 cores); the best on valid is kept"
"$huiyan" train --task translate --data "$out/data.h5" -o "$out/model.h5" \
  --dim 128 --heads 4 --layers 2 --ff-dim 256 --batch-tokens 1200 --max-steps 600 \
  --valid-every 200 --warmup 100 --lr 2e-3 --dropout 0.1

step "translate: three training sentences and three it has never seen (400 pairs teach a little)"
{ head -3 "$out/data/train.src"; head -3 "$out/data/test.src"; } >"$out/demo.de"
"$huiyan" translate -m "$out/model.h5" --beam 4 <"$out/demo.de" >"$out/demo.en"
paste -d '\n' "$out/demo.de" "$out/demo.en" | sed 'n;s/^/    -> /'

step "eval: the held-out test sentences, BLEU and chrF as sacreBLEU computes them"
"$huiyan" translate -q -m "$out/model.h5" --beam 4 <"$out/data/test.src" >"$out/test.hyp"
"$huiyan" eval --metric bleu,chrf --hyp "$out/test.hyp" --ref "$out/data/test.tgt"

step "recommendation: 1,000 users of Amazon Video (SASRec's data), leave-one-out split"
"$huiyan" preprocess --format interactions --input "$root/tests/data/amazon-video/sample.txt" \
  --out-dir "$out/rec"

step "train: SASRec for 20 epochs (a few seconds) and rank held-out items; 1,000 users teach little and the popular baseline still wins here (recipes/amazon has the full data)"
"$huiyan" train --task recommend --arch sasrec --data "$out/rec/data.h5" -o "$out/sasrec.h5" \
  --dim 32 --max-len 50 --dropout 0.5 --max-epochs 20 --valid-every 10
"$huiyan" eval --task recommend -m "$out/sasrec.h5" --data "$out/rec/data.h5"
"$huiyan" eval --task recommend --baseline popular --data "$out/rec/data.h5"

step "recommend: the next five items for two histories"
printf '6 16 26\n1 2 3\n' | "$huiyan" recommend -m "$out/sasrec.h5" -k 5 --exclude-seen
