#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Does self-supervised pretraining help on real radiographs? On the UFBA-425 split made by run.sh:
# masked-image pretraining of the radiograph preset's U-Net encoder on the 325 training images
# (labels unused) and the 25 DC1000 radiographs, then the teacher and the full method started from
# it, with exactly the settings of the Table-1 U-Net row and the method's row (which started from
# random weights). Compare OUT/pretrained_method/evaluation.json with OUT/table1/unet and
# OUT/table1/ours (Documentation/benchmarks.md).
#
#   bash benchmarks/ufba425/pretraining.sh OUT      (OUT: the folder of run.sh, with datalist.json)
#
# Environment: SHARED=../shared SINUSSEG=build/bin/sinusseg PRETRAIN_EPOCHS=30 THREADS=0
# Rerunning continues where a previous run stopped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=${SHARED:-$root/../shared}
sinusseg=${SINUSSEG:-$root/build/bin/sinusseg}
out=${1:?usage: pretraining.sh OUT (the folder of run.sh)}
threads=${THREADS:-0}
[[ -f "$out/datalist.json" ]] || { echo "pretraining.sh: $out/datalist.json is missing (run run.sh first)" >&2; exit 1; }

resume=()
[[ -f "$out/pretrain_unet/pretraining.checkpoint" ]] && resume=(--resume)
if [[ ! -f "$out/pretrain_unet/pretrained.sinusseg" ]]; then
  echo "== pretraining (sinusseg pretrain)"
  start=$SECONDS
  "$sinusseg" pretrain --datalist "$out/datalist.json" --images "$shared/data/dc1000/images" --arch unet --preset radiograph \
    --epochs "${PRETRAIN_EPOCHS:-30}" --out "$out/pretrain_unet" --threads "$threads" "${resume[@]}" | tee -a "$out/pretrain_unet.log"
  echo "pretraining wall time (this sitting): $((SECONDS - start)) s" | tee -a "$out/pretrain_unet.log"
fi

echo "== teacher and method from the pretrained encoder (sinusseg train --pretrained)"
resume=()
[[ -f "$out/pretrained_method/config.json" ]] && resume=(--resume)
"$sinusseg" train --datalist "$out/datalist.json" --out "$out/pretrained_method" --preset radiograph \
  --pretrained "$out/pretrain_unet" --threads "$threads" "${resume[@]}" | tee -a "$out/pretrained_method.log"
