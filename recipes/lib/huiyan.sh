# Shared by the recipes (sourced, not run).

# Sets $huiyan: $HUIYAN_BIN as it is (tests), else the binary built from the tree at $1.
find_huiyan() {
  huiyan=${HUIYAN_BIN:-}
  if [ -z "$huiyan" ]; then
    bash "$1/scripts/build.sh" >/dev/null
    huiyan="$1/build/cli/huiyan"
  fi
}
