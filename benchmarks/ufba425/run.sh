#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# UFBA-425 benchmark: the paper's Table 1 (six segmenters trained on the labelled images, and the
# semi-supervised method) and Table 2 (which parts of the method matter) on 425 real panoramic
# radiographs with expert teeth masks (../shared/data/ufba425; never copied into the repository),
# then the method's student on the full-resolution DC1000 radiographs (2943x1435) for time per
# image and peak memory.
#
#   bash benchmarks/ufba425/run.sh [OUT]          (default OUT: ufba425-benchmark)
#
# Environment (defaults = the run documented in Documentation/benchmarks.md):
#   SHARED=../shared  SINUSSEG=build/bin/sinusseg  SEED=425  PRESET=radiograph
#   LABELLED=30 UNLABELLED=295 VALIDATION=25 TEST=75      the split (sinusseg split, seeded)
#   ROWS=unet,deeplabv3plus,transunet,unetr,nnunet,medsam,ours   rows of Table 1
#   METHOD_ARCH=nnunet       the method's teacher and student (Table 1's `ours` row and Table 2);
#                            nnunet: its teacher is the nnU-Net row; unet: the preset's U-Net
#   PRETRAIN=METHOD_ARCH     the network whose encoder is pretrained first (sinusseg pretrain on
#                            the training images, labels unused, and EXTRA_IMAGES); its Table-1
#                            row and the method's teacher and student start from it, the other
#                            rows from random weights. none: every network from random weights
#   PRETRAIN_EPOCHS=30 EXTRA_IMAGES=SHARED/data/dc1000/images (none: the datalist's images only)
#   VARIANTS=labelled_only,weighted_kd,full               rows of Table 2 (none: skip)
#   TEACHER_EPOCHS, STUDENT_EPOCHS, REFINER_EPOCHS        default: the preset's
#   INPUT_SIZE               every network's input size, pretraining's too (default: the
#                            preset's, 256 for radiograph; 320 measured in benchmarks.md)
#   DC1000_IMAGES=25 THREADS=0
# Rerunning with the same OUT continues where a previous run stopped (every row is resumable).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=${SHARED:-$root/../shared}
sinusseg=${SINUSSEG:-$root/build/bin/sinusseg}
out=${1:-ufba425-benchmark}
threads=${THREADS:-0}

for needed in "$shared/data/ufba425/images" "$shared/data/ufba425/teeth_masks" "$shared/data/dc1000/images"; do
  [[ -d "$needed" ]] || { echo "run.sh: $needed is missing (set SHARED)" >&2; exit 1; }
done
[[ -x "$sinusseg" ]] || { echo "run.sh: $sinusseg is not built (set SINUSSEG)" >&2; exit 1; }
mkdir -p "$out"

training=(--preset "${PRESET:-radiograph}" --threads "$threads")
# The method's networks: nnU-Net teaches and learns by default, because on these radiographs it is
# the best network trained on the labels alone (Documentation/benchmarks.md); the paper's MedSAM
# teacher stays with PRESET=vit_b METHOD_ARCH=medsam.
method_arch=${METHOD_ARCH:-nnunet}
method=(--teacher-arch "$method_arch" --student-arch "$method_arch")
[[ -n "${TEACHER_EPOCHS:-}" ]] && training+=(--teacher-epochs "$TEACHER_EPOCHS")
[[ -n "${STUDENT_EPOCHS:-}" ]] && training+=(--student-epochs "$STUDENT_EPOCHS")
[[ -n "${REFINER_EPOCHS:-}" ]] && training+=(--refiner-epochs "$REFINER_EPOCHS")
[[ -n "${INPUT_SIZE:-}" ]] && training+=(--input-size "$INPUT_SIZE")

echo "== split"
"$sinusseg" split --images "$shared/data/ufba425/images" --masks "$shared/data/ufba425/teeth_masks" \
  --out "$out/datalist.json" --seed "${SEED:-425}" --labelled "${LABELLED:-30}" --unlabelled "${UNLABELLED:-295}" \
  --validation "${VALIDATION:-25}" --test "${TEST:-75}"

# The paper's teacher starts from MedSAM's pretrained weights; none can be had here, so the
# method's network is pretrained on the unlabelled radiographs themselves (masked-image modelling),
# which makes the method better on these radiographs (Documentation/benchmarks.md).
pretrain=${PRETRAIN:-$method_arch}
if [[ "$pretrain" != none ]]; then
  bash "$here/pretrain_encoder.sh" "$out" "$pretrain"
  training+=(--pretrained "$(bash "$here/pretrain_encoder.sh" --folder "$out" "$pretrain")")
fi

echo "== Table 1 (sinusseg benchmark table1)"
start=$SECONDS
"$sinusseg" benchmark table1 --datalist "$out/datalist.json" --out "$out/table1" \
  --rows "${ROWS:-unet,deeplabv3plus,transunet,unetr,nnunet,medsam,ours}" "${training[@]}" "${method[@]}" | tee "$out/table1.log"
echo "Table 1 wall time (this sitting): $((SECONDS - start)) s" | tee -a "$out/table1.log"

if [[ "${VARIANTS:-labelled_only,weighted_kd,full}" != none ]]; then
  echo "== Table 2 (sinusseg ablation)"
  start=$SECONDS
  "$sinusseg" ablation --datalist "$out/datalist.json" --out "$out/table2" --variants "${VARIANTS:-labelled_only,weighted_kd,full}" \
    --alphas none "${training[@]}" "${method[@]}" | tee "$out/table2.log"
  echo "Table 2 wall time (this sitting): $((SECONDS - start)) s" | tee -a "$out/table2.log"
fi

# Best, median and worst test case of the method's student (by Dice): their overlays (ground truth
# green, prediction red) are copied next to the results. They show UFBA-425 radiographs, so they
# stay here and are not committed (see Documentation/benchmarks.md).
evaluation="$out/table1/ours/evaluation.csv"
if [[ -f "$evaluation" ]]; then
  awk -F, 'NR > 1 && $1 == "student" { print $3, $2 }' "$evaluation" | sort -g > "$out/cases_by_dice.txt"
  count=$(wc -l < "$out/cases_by_dice.txt")
  for pick in "worst 1" "median $(( (count + 1) / 2 ))" "best $count"; do
    set -- $pick
    line=$(sed -n "${2}p" "$out/cases_by_dice.txt")
    case_name=${line#* }
    cp "$(dirname "$evaluation")/overlays/${case_name%.*}.png" "$out/overlay_$1.png"
    echo "$1 case (student Dice ${line%% *}): $case_name -> $out/overlay_$1.png"
  done
fi

model="$out/table1/ours/student.sinusseg"
if [[ -f "$model" && "${DC1000_IMAGES:-25}" -gt 0 ]]; then
  echo "== full-resolution inference (DC1000)"
  rm -rf "$out/dc1000_input" "$out/dc1000_masks"
  mkdir -p "$out/dc1000_input"
  find "$shared/data/dc1000/images" -maxdepth 1 -type f | sort | awk -v n="${DC1000_IMAGES:-25}" 'NR <= n' |
    while read -r image; do ln -s "$image" "$out/dc1000_input/"; done
  "$sinusseg" predict --model "$model" --input "$out/dc1000_input" --output "$out/dc1000_masks" --threads "$threads" | tee "$out/dc1000.log"
  awk -F', ' '/ s$/ { t = $NF; sub(/ s$/, "", t); sum += t; n++; if (t > max) max = t }
              END { if (n) printf "DC1000: %d images, mean %.2f s per image, max %.2f s\n", n, sum / n, max }' "$out/dc1000.log" |
    tee -a "$out/dc1000.log"
fi
echo "results: $out/table1/table1.md, $out/table1/figure5.png, $out/table2/ablation.md, $out/dc1000.log"
