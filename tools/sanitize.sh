#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every test of the full build and of the core, built with AddressSanitizer and
# UndefinedBehaviorSanitizer (GCC, -DSINUSSEG_SANITIZE=ON): any report ends the program that made
# it, so a test with a report fails.
#   bash tools/sanitize.sh [ctest arguments...]     e.g. bash tools/sanitize.sh -R CommandLine
#   LAYERS=core bash tools/sanitize.sh              the base and core layers' tests alone (faster)
#   LAYERS=base bash tools/sanitize.sh              the base layer's tests alone (a minute)
# The optional job beside CI (it takes about an hour on 2 cores, too long for every push; see
# Documentation/Reliability.md). Builds build-sanitize/ incrementally; needs the packages of
# tools/setup.sh. LibTorch, ITK and VTK are not instrumented; leaks inside them are suppressed
# (test/lsan-suppressions.txt), none of SinusSeg's own.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "${LAYERS:-all}" in
  all) build="$root/build-sanitize"; layers=(-DSINUSSEG_CORE_TESTS=ON) ;;
  core) build="$root/build-sanitize-core"; layers=(-DSINUSSEG_CORE_ONLY=ON) ;;
  base) build="$root/build-sanitize-base"; layers=(-DSINUSSEG_BASE_ONLY=ON) ;;
  *) echo "LAYERS must be all, core or base" >&2; exit 2 ;;
esac
jobs="$(nproc 2>/dev/null || echo 2)"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSINUSSEG_SANITIZE=ON "${layers[@]}"
fi
cmake --build "$build" -j "$jobs"
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_stack_use_after_return=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
export LSAN_OPTIONS="suppressions=$root/test/lsan-suppressions.txt${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
cd "$build"
exec ctest -j "$jobs" --output-on-failure --timeout 3600 "$@"
