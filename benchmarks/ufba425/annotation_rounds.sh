#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Which images to label next, measured: starting from the UFBA-425 split's labelled images, ROUNDS
# rounds of PER_ROUND more labels chosen by `sinusseg suggest` against the same number chosen at
# random (`suggest --strategy random`), every round trained the same way (`train --resume-from` the
# previous round). The expert's reference masks stand in for the annotator (annotate_from_reference.py).
# Writes OUT/rounds_ARM.md and .csv: the test Dice and HD95 of each round (rounds_table.py).
#
#   bash benchmarks/ufba425/annotation_rounds.sh [OUT]      (default OUT: ufba425-rounds)
#
# Environment (defaults = the run documented in Documentation/benchmarks.md):
#   SHARED=../shared SINUSSEG=build/bin/sinusseg SEED=425 LABELLED=30 UNLABELLED=295 VALIDATION=25 TEST=75
#   ROUNDS=2 PER_ROUND=15 ARCH=unet PRESET=radiograph
#   FIRST_TEACHER_EPOCHS=60   the first round's teacher (from scratch)
#   TEACHER_EPOCHS=20         each later round's teacher (fine-tuned from the previous round's)
#   STUDENT_EPOCHS=3 STUDENT_STEPS=30   every round's student (fine-tuned from its teacher)
#   THREADS=0
#   STRATEGY=informative      the suggested arm's `suggest --strategy` (informative or stratified)
#   SUGGEST_OPTIONS=""        more `suggest` options for the suggested arm (e.g. "--weight-representativeness 0")
#   ARM=informative           the suggested arm's folder in OUT (another name keeps an earlier variant's rounds)
#   REPEAT=0                  a repetition of the whole experiment on the same split: REPEAT=r > 0 trains every
#                             network with seed r and draws the picks with seed SEED + round + 100 r (use a new OUT;
#                             rounds_repeats.py compares the repetitions)
# Rerunning with the same OUT continues: finished rounds are kept.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=${SHARED:-$root/../shared}
sinusseg=${SINUSSEG:-$root/build/bin/sinusseg}
python=/usr/bin/python3
out=${1:-ufba425-rounds}
seed=${SEED:-425}
rounds=${ROUNDS:-2}
per_round=${PER_ROUND:-15}
masks="$shared/data/ufba425/teeth_masks"
[[ -d "$masks" ]] || { echo "annotation_rounds.sh: $masks is missing (set SHARED)" >&2; exit 1; }
[[ -x "$sinusseg" ]] || { echo "annotation_rounds.sh: $sinusseg is not built (set SINUSSEG)" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

repeat=${REPEAT:-0}
[[ $repeat =~ ^[0-9]+$ ]] || { echo "annotation_rounds.sh: REPEAT must be a whole number, not '$repeat'" >&2; exit 1; }
config="$out/student_budget.json"
student="\"epochs\": ${STUDENT_EPOCHS:-3}, \"steps_per_epoch\": ${STUDENT_STEPS:-30}"
if (( repeat == 0 )); then
  echo "{\"student\": {$student}}" > "$config"
else
  echo "{\"teacher\": {\"seed\": $repeat}, \"student\": {$student, \"seed\": $repeat}}" > "$config"
fi
training=(--preset "${PRESET:-radiograph}" --teacher-arch "${ARCH:-unet}" --student-arch "${ARCH:-unet}" --config "$config"
          --threads "${THREADS:-0}")

# One round's training; a finished round (its evaluation written) is kept.
train_round() { # DATALIST OUT [--resume-from RUN --teacher-epochs N | --teacher-epochs N]
  local datalist=$1 run=$2
  shift 2
  if [[ -f "$run/evaluation.json" ]]; then echo "== $run: done before"; return; fi
  local resume=()
  [[ -f "$run/config.json" ]] && resume=(--resume)
  echo "== train $run"
  "$sinusseg" train --datalist "$datalist" --out "$run" "${training[@]}" "$@" "${resume[@]}" > "$run.log" 2>&1 ||
    { tail -20 "$run.log" >&2; exit 1; }
  grep -E "^(teacher|student) " "$run.log" | tail -2
}

echo "== split (seed $seed)"
[[ -f "$out/datalist.json" ]] || "$sinusseg" split --images "$shared/data/ufba425/images" --masks "$masks" --out "$out/datalist.json" \
  --seed "$seed" --labelled "${LABELLED:-30}" --unlabelled "${UNLABELLED:-295}" --validation "${VALIDATION:-25}" --test "${TEST:-75}"
train_round "$out/datalist.json" "$out/round0" --teacher-epochs "${FIRST_TEACHER_EPOCHS:-60}"

arm_folder=${ARM:-informative}
for arm in informative random; do
  folder="$out/$arm"
  extra=()
  strategy=$arm
  if [[ $arm == informative ]]; then
    folder="$out/$arm_folder"
    strategy=${STRATEGY:-informative}
    read -r -a extra <<< "${SUGGEST_OPTIONS:-}"
  fi
  mkdir -p "$folder"
  previous="$out/round0"
  datalist="$out/datalist.json"
  for round in $(seq 1 "$rounds"); do
    picks="$folder/suggest$round"
    if [[ ! -f "$picks/images.txt" ]]; then
      echo "== suggest ($arm, round $round)"
      "$sinusseg" suggest --run "$previous" --count "$per_round" --out "$picks" --strategy "$strategy" --seed "$((seed + round + 100 * repeat))" \
        "${extra[@]}" --threads "${THREADS:-0}" > "$picks.log" 2>&1 || { tail -20 "$picks.log" >&2; exit 1; }
    fi
    next="$folder/datalist$round.json"
    [[ -f "$next" ]] || "$python" "$here/annotate_from_reference.py" "$datalist" "$picks/images.txt" "$masks" "$next"
    train_round "$next" "$folder/round$round" --resume-from "$previous" --teacher-epochs "${TEACHER_EPOCHS:-20}"
    previous="$folder/round$round"
    datalist="$next"
  done
done

"$python" "$here/rounds_table.py" "$out" "$rounds" "$per_round" "${LABELLED:-30}" "$arm_folder"
