#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fuzzes every parser of outside bytes for a given time and reports what it reached:
#   bash tools/fuzz.sh [SECONDS] [TARGET...]     (default: 600 s, every target)
# Builds build-fuzz/ with Clang, libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer when
# needed (apt: clang-14 libfuzzer-14-dev), then runs each target's Fuzz.NAME.Brief test for SECONDS,
# JOBS targets at a time (default: the number of cores), from random seed SEED (default 0: a new
# one each run; CI's brief runs use seed 1). Each keeps its corpus between runs in
# build-fuzz/test/fuzz/corpus-NAME/ and writes what it finds to findings-NAME/. Prints one line per
# target (executions, coverage, features, corpus, peak memory, result); exits 1 if any target found
# a crash, leak, timeout or out-of-memory input. Documentation/Reliability.md has the figures.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-600}"
shift || true
targets=("$@")
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
build="$root/build-fuzz"

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSINUSSEG_FUZZ=ON \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14
fi
cmake "$build" -DSINUSSEG_FUZZ_SECONDS="$seconds" -DSINUSSEG_FUZZ_SEED="${SEED:-0}" > /dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)"
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(cd "$build" && ctest -N -R '^Fuzz\..*\.Brief$' | sed -n 's/.*Fuzz\.\(.*\)\.Brief$/\1/p')
fi
pattern="^Fuzz\.($(IFS='|'; echo "${targets[*]}"))\.Brief$"
echo "== fuzzing ${targets[*]} for ${seconds} s each, ${jobs} at a time ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
status=0
(cd "$build" && ctest -R "$pattern" -j "$jobs" --timeout $((seconds + 600)) > /dev/null) || status=1

printf '%-16s %14s %10s %10s %8s %9s  %s\n' target executions coverage features corpus "peak MB" result
for name in "${targets[@]}"; do
  log="$build/test/fuzz/fuzz-$name.log"
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: ' | tail -1)
  coverage=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$last")
  features=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")
  corpus=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<< "$last")
  found=$(ls "$build/test/fuzz/findings-$name" 2>/dev/null | wc -l)
  result="no finding"
  ((found == 0)) || result="$found finding(s) in $build/test/fuzz/findings-$name"
  printf '%-16s %14s %10s %10s %8s %9s  %s\n' "$name" "${executions:-?}" "${coverage:-?}" "${features:-?}" "${corpus:-?}" "${rss:-?}" "$result"
done
exit "$status"
