#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `sinusseg evaluate` against a SciPy HD95 script on the same ten 2048x1024 mask pairs, whole
# process against whole process, and the start-up time of the light commands.
#   bash benchmarks/evaluate/run.sh [BUILD_DIR] [RUNS]
# Prints the median wall time of RUNS alternating runs of each (GNU time). Needs Debian's
# python3-numpy, python3-scipy and python3-pil for the reference.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
runs="${2:-5}"
sinusseg="$build/bin/sinusseg"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 "$root/benchmarks/evaluate/make_mask_pairs.py" "$work/pairs" 10 2048 1024 0

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
wall() { /usr/bin/time -f %e -o "$work/t" "$@" > /dev/null 2>&1; cat "$work/t"; }

: > "$work/ours"; : > "$work/scipy"
for ((i = 0; i < runs; ++i)); do
  wall "$sinusseg" evaluate --pred "$work/pairs/pred" --gt "$work/pairs/ref" >> "$work/ours"
  wall /usr/bin/python3 "$root/benchmarks/evaluate/hd95_scipy.py" "$work/pairs/pred" "$work/pairs/ref" >> "$work/scipy"
done
ours=$(median < "$work/ours"); scipy=$(median < "$work/scipy")
echo "evaluate, 10 pairs of 2048x1024 masks: sinusseg $ours s, SciPy $scipy s, ratio $(awk -v a="$ours" -v b="$scipy" 'BEGIN { printf "%.2f", a / b }')"
"$sinusseg" evaluate --pred "$work/pairs/pred" --gt "$work/pairs/ref" | grep '^mean'
/usr/bin/python3 "$root/benchmarks/evaluate/hd95_scipy.py" "$work/pairs/pred" "$work/pairs/ref" | tail -1

for command in "--help" "evaluate --help" "split --help" "import-via --help"; do
  : > "$work/start"
  for ((i = 0; i < runs; ++i)); do
    # shellcheck disable=SC2086
    wall "$sinusseg" $command >> "$work/start"
  done
  echo "start-up, sinusseg $command: $(median < "$work/start") s"
done
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
