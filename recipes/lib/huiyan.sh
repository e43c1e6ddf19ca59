# Shared by the recipes (sourced, not run).

# Sets $huiyan: $HUIYAN_BIN as it is (tests), else the binary built from the tree at $1.
find_huiyan() {
  huiyan=${HUIYAN_BIN:-}
  if [ -z "$huiyan" ]; then
    bash "$1/scripts/build.sh" >/dev/null
    huiyan="$1/build/cli/huiyan"
  fi
}

# For option parsing: "$@" starts with an option that takes a value; without one, a usage error
# (exit 2) naming the option, rather than bash's "unbound variable".
need_value() {
  if [ $# -lt 2 ]; then
    echo "$0: $1 needs a value (see --help)" >&2
    exit 2
  fi
}
