# Shared by the recipes (sourced, not run).

# Sets $huiyan: $HUIYAN_BIN as it is (tests), else the binary built from the tree at $1.
find_huiyan() {
  huiyan=${HUIYAN_BIN:-}
  if [ -z "$huiyan" ]; then
    bash "$1/scripts/build.sh" >/dev/null
    huiyan="${HUIYAN_BUILD_DIR:-$1/build}/cli/huiyan"
  fi
}

# average_last K MODEL OUT: the average of the last K checkpoints MODEL's run kept, written to OUT;
# prints how many were averaged (fewer than K when the run kept fewer). average's lines go to stderr.
average_last() {
  local log
  log=$("$huiyan" average -o "$3" --last "$1" --checkpoints-of "$2" 2>&1) || {
    echo "$log" >&2
    return 1
  }
  echo "$log" >&2
  sed -n 's/^averaged \([0-9]*\) checkpoints* (.*/\1/p' <<<"$log"
}

# For option parsing: "$@" starts with an option that takes a value; without one, a usage error
# (exit 2) naming the option, rather than bash's "unbound variable".
need_value() {
  if [ $# -lt 2 ]; then
    echo "$0: $1 needs a value (see --help)" >&2
    exit 2
  fi
}
