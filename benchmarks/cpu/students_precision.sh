#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Trained segmenters on full-resolution radiographs in fp32 and in bf16: per model file, `sinusseg
# predict` over a folder in each precision (a whole process each, under /usr/bin/time), then the
# mean seconds per image as predict reports them, the process's peak memory, and how far the bf16
# masks are from the fp32 ones (Dice per image: minimum and mean; pixels that differ).
#
#   IMAGES=folder [MIRROR=model|off] [SINUSSEG=sinusseg] bash benchmarks/cpu/students_precision.sh OUT MODEL.sinusseg...
set -euo pipefail
out=${1:?usage: IMAGES=folder bash $0 OUT MODEL...}
shift
[[ $# -gt 0 ]] || { echo "error: name at least one model file" >&2; exit 2; }
: "${IMAGES:?set IMAGES to a folder of radiographs}"
[[ -d $IMAGES ]] || { echo "error: $IMAGES: no such folder" >&2; exit 2; }
sinusseg=${SINUSSEG:-sinusseg}
mirror=${MIRROR:-model}
python=/usr/bin/python3
grep -o -m1 'avx512_bf16\|amx_bf16' /proc/cpuinfo > /dev/null && bf16="yes" || bf16="no"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, native bf16: $bf16"
echo "| model | s per image, fp32 | bf16 | peak memory, fp32 | bf16 | bf16 mask vs fp32: Dice min / mean | pixels differing |"
echo "|---|---|---|---|---|---|---|"
for model in "$@"; do
  [[ -f $model ]] || { echo "error: $model: no such model file" >&2; exit 2; }
  name=$(basename "$(dirname "$model")")-$(basename "$model" .sinusseg)
  for precision in fp32 bf16; do
    dir="$out/$name/$precision"
    rm -rf "$dir"
    mkdir -p "$(dirname "$dir")"
    if ! /usr/bin/time -f "%M" -o "$dir.peak" "$sinusseg" predict --model "$model" --input "$IMAGES" --output "$dir" \
      --precision "$precision" --test-time-mirror "$mirror" > "$dir.log" 2>&1; then
      echo "error: predict failed; see $dir.log" >&2
      exit 1
    fi
  done
  "$python" - "$out/$name" "$name" <<'PY'
import os, re, statistics, sys
import numpy as np
from PIL import Image
folder, name = sys.argv[1], sys.argv[2]
def seconds(precision):  # predict's per-image lines end in ", T s"
    lines = open(f"{folder}/{precision}.log").read().splitlines()
    return statistics.mean(float(m.group(1)) for m in (re.search(r", ([0-9.]+) s$", l) for l in lines) if m)
def peak(precision):
    return float(open(f"{folder}/{precision}.peak").read().split()[-1]) / 1024
dice, differing, total = [], 0, 0
for mask in sorted(os.listdir(f"{folder}/fp32")):
    a = np.asarray(Image.open(f"{folder}/fp32/{mask}")) > 0
    b = np.asarray(Image.open(f"{folder}/bf16/{mask}")) > 0
    both = a.sum() + b.sum()
    dice.append(1.0 if both == 0 else 2.0 * (a & b).sum() / both)
    differing += int((a != b).sum())
    total += a.size
print(f"| {name} | {seconds('fp32'):.2f} | {seconds('bf16'):.2f} | {peak('fp32'):.0f} MB | {peak('bf16'):.0f} MB | "
      f"{min(dice):.4f} / {statistics.mean(dice):.4f} | {differing} of {total} ({100.0 * differing / total:.3f} %) |")
PY
done
