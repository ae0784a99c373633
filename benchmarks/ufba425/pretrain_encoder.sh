#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Masked-image pretraining of one network's encoder (the radiograph preset's) for the UFBA-425
# benchmark: every training image of OUT/datalist.json (labels unused; validation and test left
# out) and the images of EXTRA_IMAGES, into OUT/pretrain_ARCH (pretrained.sinusseg, for
# `--pretrained`; OUT/pretrain_ARCH_N with INPUT_SIZE=N). Does nothing when that file exists;
# continues an interrupted pretraining.
# Used by run.sh and pretraining.sh, which ask it for that folder (--folder) rather than spell its
# name themselves.
#
#   bash benchmarks/ufba425/pretrain_encoder.sh OUT ARCH
#   bash benchmarks/ufba425/pretrain_encoder.sh --folder OUT ARCH   # prints the folder, does nothing
#
# Environment: SHARED=../shared SINUSSEG=build/bin/sinusseg PRETRAIN_EPOCHS=30 THREADS=0 INPUT_SIZE
#   EXTRA_IMAGES=SHARED/data/dc1000/images (none: the datalist's images only)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=${SHARED:-$root/../shared}
sinusseg=${SINUSSEG:-$root/build/bin/sinusseg}
folder_only=false
[[ "${1:-}" == --folder ]] && { folder_only=true; shift; }
out=${1:?usage: pretrain_encoder.sh [--folder] OUT ARCH}
arch=${2:?usage: pretrain_encoder.sh [--folder] OUT ARCH}

# A pretraining at another input size than the preset's gets a folder of its own (INPUT_SIZE).
pretrained="$out/pretrain_$arch${INPUT_SIZE:+_$INPUT_SIZE}"
if $folder_only; then
  echo "$pretrained"
  exit 0
fi
extra=${EXTRA_IMAGES:-$shared/data/dc1000/images}
[[ -f "$out/datalist.json" ]] || { echo "pretrain_encoder.sh: $out/datalist.json is missing (run run.sh first)" >&2; exit 1; }
size=()
[[ -n "${INPUT_SIZE:-}" ]] && size=(--input-size "$INPUT_SIZE")
[[ -f "$pretrained/pretrained.sinusseg" ]] && exit 0
images=()
[[ "$extra" != none ]] && images=(--images "$extra")
resume=()
[[ -f "$pretrained/pretraining.checkpoint" ]] && resume=(--resume)
echo "== pretraining the $arch encoder (sinusseg pretrain)"
start=$SECONDS
"$sinusseg" pretrain --datalist "$out/datalist.json" "${images[@]}" --arch "$arch" --preset radiograph "${size[@]}" \
  --epochs "${PRETRAIN_EPOCHS:-30}" --out "$pretrained" --threads "${THREADS:-0}" "${resume[@]}" | tee -a "$pretrained.log"
echo "pretraining wall time (this sitting): $((SECONDS - start)) s" | tee -a "$pretrained.log"
