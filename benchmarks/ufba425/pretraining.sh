#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Does self-supervised pretraining help on real radiographs? On the UFBA-425 split made by run.sh:
# masked-image pretraining of one network's encoder (the radiograph preset's; ARCH, default the
# U-Net) on the 325 training images (labels unused) and the 25 DC1000 radiographs, then the teacher
# and the full method of that network started from it, with exactly the settings of its Table-1 row
# and of the method built on it, into OUT/pretrained_method_ARCH. Compare its evaluation.json with
# the rows of a run.sh from random weights (PRETRAIN=none: OUT/table1/ARCH, and OUT/table1/ours
# for the method's network) with compare_runs.py (Documentation/benchmarks.md).
#
#   bash benchmarks/ufba425/pretraining.sh OUT      (OUT: the folder of run.sh, with datalist.json)
#
# Environment: ARCH=unet (any `sinusseg pretrain --arch`; the method's teacher and student)
#   SHARED=../shared SINUSSEG=build/bin/sinusseg PRETRAIN_EPOCHS=30 THREADS=0
#   EXTRA_IMAGES=SHARED/data/dc1000/images (none: the datalist's images only)
#   TEACHER_EPOCHS, STUDENT_EPOCHS (default: the preset's)
#   INPUT_SIZE=N (default: the preset's; folders then end in _N)
# Rerunning continues where a previous run stopped; an encoder run.sh already pretrained
# (OUT/pretrain_ARCH) is reused.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
sinusseg=${SINUSSEG:-$root/build/bin/sinusseg}
out=${1:?usage: pretraining.sh OUT (the folder of run.sh)}
arch=${ARCH:-unet}
threads=${THREADS:-0}
bash "$here/pretrain_encoder.sh" "$out" "$arch" # refuses an OUT without datalist.json
pretrained=$(bash "$here/pretrain_encoder.sh" --folder "$out" "$arch")

echo "== teacher and method ($arch) from the pretrained encoder (sinusseg train --pretrained)"
method="$out/pretrained_method_$arch${INPUT_SIZE:+_$INPUT_SIZE}"
training=(--preset radiograph --teacher-arch "$arch" --student-arch "$arch" --threads "$threads")
[[ -n "${TEACHER_EPOCHS:-}" ]] && training+=(--teacher-epochs "$TEACHER_EPOCHS")
[[ -n "${STUDENT_EPOCHS:-}" ]] && training+=(--student-epochs "$STUDENT_EPOCHS")
[[ -n "${INPUT_SIZE:-}" ]] && training+=(--input-size "$INPUT_SIZE")
resume=()
[[ -f "$method/config.json" ]] && resume=(--resume)
"$sinusseg" train --datalist "$out/datalist.json" --out "$method" "${training[@]}" \
  --pretrained "$pretrained" "${resume[@]}" | tee -a "$method.log"
