#!/usr/bin/env bash
# Installs, with apt-get, every Debian package huiyan needs to build, test and run its recipes,
# skipping what is already installed. Shared by scripts/quickstart.sh and scripts/test.sh.
# Extra package names given as arguments are installed too (the peer benchmarks' PyTorch).
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libboost-program-options-dev
  libicu-dev
  libsentencepiece-dev
  libdnnl-dev
  libhdf5-dev hdf5-tools
  zlib1g-dev
  nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  time bc sentencepiece   # benchmarks: /usr/bin/time, bc and the spm_encode peer
  fasttext                # recipes/imdb: the fastText baseline beside our models
  curl ca-certificates unzip  # recipes download upstream data when it is not at hand
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "deps: installing ${missing[*]}" >&2
as_root=(env DEBIAN_FRONTEND=noninteractive)
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "deps: missing packages and no sudo: as root, run apt-get install ${missing[*]}" >&2
    exit 1
  fi
  as_root=(sudo env DEBIAN_FRONTEND=noninteractive)
fi
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
