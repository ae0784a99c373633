#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# SinusSeg set-up on Debian 12, run from anywhere as root (or a user with sudo):
#   bash tools/setup.sh demo   install what is missing, build, run `sinusseg demo`
#   bash tools/setup.sh test   install what is missing, build, run every test
#                              (full build, base and LibTorch-only core builds, fuzz targets)
# Each step is skipped when it is already done: packages already installed are not touched,
# CMake configures only once per build folder and builds incrementally.
set -euo pipefail

mode="${1:-}"
case "$mode" in
  demo|test) ;;
  *) echo "usage: bash tools/setup.sh demo|test" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="$(nproc 2>/dev/null || echo 2)"

# ---- Debian packages (idempotent) ----
packages=(
  cmake ninja-build g++ pkg-config
  libinsighttoolkit5-dev libvtk9-dev libtorch-dev libboost-program-options-dev libgtest-dev
  nlohmann-json3-dev     # JSON of configurations, datalists, model indexes
  libopenblas0-pthread   # LibTorch's BLAS: ~16x faster matrix products than reference BLAS
  xvfb xauth             # offscreen X for VTK rendering tests
  libxml2-utils          # xmllint: Slicer CLI XML schema validation
  libgloo-dev            # headers of LibTorch's c10d Gloo process group (data-parallel jobs)
  python3-torch          # torchrun, the launcher of data-parallel jobs and their tests
  libpng-dev libjpeg62-turbo-dev libtiff-dev  # PNG/JPEG/TIFF checked with their codec before ITK 5.2 reads them
  clang-14 libfuzzer-14-dev  # the fuzz targets (libFuzzer needs Clang)
  libtcmalloc-minimal4   # malloc of the LibTorch programs: about a third less peak memory than glibc's
  python3-dev pybind11-dev python3-numpy  # the `sinusseg` Python module (python/)
  python3-pytest python3-pil python3-matplotlib  # its tests, and the walk-through of Documentation/Python.md they run
  python3-scipy          # Spearman's rank correlation of benchmarks/ufba425/ranking_vs_error.py
)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  echo "== installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "== Debian packages already installed"
fi

# ---- Build (configure once, build incrementally) ----
build() { # build <folder> [cmake options...]
  local dir="$1"; shift
  if [[ ! -f "$dir/CMakeCache.txt" ]]; then
    cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
  fi
  cmake --build "$dir" -j "$jobs"
}

start=$(date +%s)
# The core's own tests run once, in the core-only build below, where they also show that the core
# needs no ITK; the full build runs every other test.
build "$root/build" -DSINUSSEG_CORE_TESTS=OFF
echo "== full build ready after $(( $(date +%s) - start )) s"

if [[ "$mode" == demo ]]; then
  cd "$root"
  exec "$root/build/bin/sinusseg" demo --out "$root/sinusseg-demo"
fi

# ---- Tests: the full build; the base layer alone (no LibTorch, ITK or VTK); the LibTorch-only
# core as a GPU machine would build it ----
( cd "$root/build" && ctest -j "$jobs" --output-on-failure --timeout 900 )
build "$root/build-base" -DSINUSSEG_BASE_ONLY=ON
( cd "$root/build-base" && ctest -j "$jobs" --output-on-failure --timeout 900 )
build "$root/build-core" -DSINUSSEG_CORE_ONLY=ON
( cd "$root/build-core" && ctest -j "$jobs" --output-on-failure --timeout 900 )
# ---- Fuzz targets (Clang, libFuzzer, AddressSanitizer + UndefinedBehaviorSanitizer): each target's
# regression corpus, then 30 s of fuzzing from a fixed seed (tools/fuzz.sh fuzzes for longer) ----
build "$root/build-fuzz" -DSINUSSEG_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14
( cd "$root/build-fuzz" && ctest -j "$jobs" --output-on-failure --timeout 900 )
echo "== build and tests finished after $(( $(date +%s) - start )) s"
