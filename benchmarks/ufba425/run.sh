#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# UFBA-425 benchmark: the semi-supervised method on 425 real panoramic radiographs with expert
# teeth masks (../shared/data/ufba425; never copied into the repository), then the trained student
# on the full-resolution DC1000 radiographs (2943x1435) for time per image and peak memory.
#
#   bash benchmarks/ufba425/run.sh [OUT]          (default OUT: ufba425-benchmark)
#
# Environment (defaults = the run documented in Documentation/benchmarks.md):
#   SHARED=../shared  SINUSSEG=build/bin/sinusseg  SEED=425
#   LABELLED=30 UNLABELLED=295 VALIDATION=25 TEST=75      the split (sinusseg split, seeded)
#   VARIANTS=labelled_only,weighted_kd,full              rows of the paper's Table 2 to train
#   TEACHER_EPOCHS=50 STUDENT_EPOCHS=5 REFINER_EPOCHS=12  what fits a 2-core CPU
#   DC1000_IMAGES=25 THREADS=0
# Rerunning with the same OUT continues where a previous run stopped.
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

echo "== split"
"$sinusseg" split --images "$shared/data/ufba425/images" --masks "$shared/data/ufba425/teeth_masks" \
  --out "$out/datalist.json" --seed "${SEED:-425}" --labelled "${LABELLED:-30}" --unlabelled "${UNLABELLED:-295}" \
  --validation "${VALIDATION:-25}" --test "${TEST:-75}"

echo "== training (sinusseg ablation)"
start=$SECONDS
"$sinusseg" ablation --datalist "$out/datalist.json" --out "$out/ablation" --variants "${VARIANTS:-labelled_only,weighted_kd,full}" \
  --alphas none --teacher-epochs "${TEACHER_EPOCHS:-50}" --student-epochs "${STUDENT_EPOCHS:-5}" \
  --refiner-epochs "${REFINER_EPOCHS:-12}" --threads "$threads" | tee "$out/ablation.log"
echo "training wall time: $((SECONDS - start)) s" | tee -a "$out/ablation.log"

# Best, median and worst test case of the full method's student (by Dice): their overlays
# (teacher | student, ground truth green, prediction red) are copied next to the results. They show
# UFBA-425 radiographs, so they stay here and are not committed (see Documentation/benchmarks.md).
evaluation="$out/ablation/full/evaluation.csv"
[[ -f "$evaluation" ]] || evaluation="$out/ablation/teacher/evaluation.csv"
model_name=$(awk -F, 'NR > 1 { m = $1 } END { print m }' "$evaluation")
awk -F, -v m="$model_name" 'NR > 1 && $1 == m { print $3, $2 }' "$evaluation" | sort -g > "$out/cases_by_dice.txt"
count=$(wc -l < "$out/cases_by_dice.txt")
for pick in "worst 1" "median $(( (count + 1) / 2 ))" "best $count"; do
  set -- $pick
  line=$(sed -n "${2}p" "$out/cases_by_dice.txt")
  case_name=${line#* }
  cp "$(dirname "$evaluation")/overlays/${case_name%.*}.png" "$out/overlay_$1.png"
  echo "$1 case ($model_name Dice ${line%% *}): $case_name -> $out/overlay_$1.png"
done

echo "== full-resolution inference (DC1000)"
model="$out/ablation/full/student.sinusseg"
[[ -f "$model" ]] || model="$out/ablation/teacher/teacher.sinusseg"
rm -rf "$out/dc1000_input" "$out/dc1000_masks"
mkdir -p "$out/dc1000_input"
find "$shared/data/dc1000/images" -maxdepth 1 -type f | sort | head -n "${DC1000_IMAGES:-25}" |
  while read -r image; do ln -s "$image" "$out/dc1000_input/"; done
"$sinusseg" predict --model "$model" --input "$out/dc1000_input" --output "$out/dc1000_masks" --threads "$threads" | tee "$out/dc1000.log"
awk -F', ' '/ s$/ { t = $NF; sub(/ s$/, "", t); sum += t; n++; if (t > max) max = t }
            END { if (n) printf "DC1000: %d images, mean %.2f s per image, max %.2f s\n", n, sum / n, max }' "$out/dc1000.log" |
  tee -a "$out/dc1000.log"
echo "results: $out/ablation/ablation.md, $out/ablation/*/report.md, $out/dc1000.log"
