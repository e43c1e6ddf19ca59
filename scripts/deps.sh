#!/usr/bin/env bash
# Installs, with apt-get, every Debian package huiyan needs to build, test and run its recipes,
# skipping what is already installed. Shared by scripts/quickstart.sh and scripts/test.sh.
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
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
