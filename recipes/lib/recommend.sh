# Shared by recipes/movielens/run.sh and recipes/amazon/run.sh (sourced, not run):
# preprocess -> train each system -> eval them and the most-popular baseline -> results table.
#
#   recommend_recipe NAME INTERACTIONS ITEMS WORK "LABEL|FILE|TRAIN FLAGS" ...
# ITEMS may be empty. Each system is trained with `huiyan train --task recommend` and its flags
# into WORK/FILE.h5. Needs $huiyan (a huiyan binary) and $threads.

recommend_log() { printf '\n== %s\n' "$*" >&2; }

# shellcheck source=recipes/lib/huiyan.sh
source "$(dirname "${BASH_SOURCE[0]}")/huiyan.sh"

recommend_recipe() {
  local name=$1 interactions=$2 items=$3 work=$4
  shift 4
  mkdir -p "$work"
  recommend_log "$name: preprocess (per-user chronological sequences, leave-one-out split)"
  local item_flags=()
  [ -n "$items" ] && item_flags=(--items "$items")
  "$huiyan" preprocess --format interactions --input "$interactions" "${item_flags[@]}" \
    --out-dir "$work/data"

  local table="$work/results.md"
  {
    echo "| $name | HR@10 (100 sampled) | NDCG@10 (100 sampled) | HR@10 (full) | NDCG@10 (full) | training time |"
    echo "|---|---:|---:|---:|---:|---:|"
  } >"$table"
  row() {  # system label, eval JSON, training time
    local json=$2
    field() { echo "$json" | sed -n "s/.*\"$1\":\([0-9.e-]*\).*/\1/p"; }
    printf '| %s | %.4f | %.4f | %.4f | %.4f | %s |\n' "$1" "$(field 'hr@10_sampled')" \
      "$(field 'ndcg@10_sampled')" "$(field 'hr@10_full')" "$(field 'ndcg@10_full')" "$3" >>"$table"
  }

  recommend_log "$name: most-popular baseline"
  row "most popular" "$("$huiyan" eval --task recommend --baseline popular --data "$work/data/data.h5" --json)" "-"

  local system label file flags start seconds
  for system in "$@"; do
    IFS='|' read -r label file flags <<<"$system"
    recommend_log "$name: train $label ($flags)"
    start=$(date +%s)
    # shellcheck disable=SC2086  # the flags are words
    "$huiyan" train --threads "$threads" --task recommend --data "$work/data/data.h5" \
      -o "$work/$file.h5" $flags 2>&1 | tee "$work/$file.train.log" | grep -v '^$' >&2
    seconds=$(( $(date +%s) - start ))
    recommend_log "$name: $label on the test split"
    "$huiyan" eval --threads "$threads" --task recommend -m "$work/$file.h5" --data "$work/data/data.h5" >&2
    row "$label" "$("$huiyan" eval --threads "$threads" --task recommend -m "$work/$file.h5" \
      --data "$work/data/data.h5" --json)" "$((seconds / 60)) min $((seconds % 60)) s"
  done
  echo >&2
  cat "$table"
}
