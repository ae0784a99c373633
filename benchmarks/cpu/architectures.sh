#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every Table-1 architecture on this CPU, in fp32 and in bf16:
#  - prediction: one full-resolution radiograph through `sinusseg predict` (read, preprocess, network,
#    back to full size, mask, write), each a whole process under /usr/bin/time, RUNS times in turn;
#    printed: the median of the process's wall time, of predict's own time for the image (without
#    the process's start) and of the peak memory. The networks carry their initial weights
#    (`model-info --save`): time and memory do not depend on the values, the masks mean nothing.
#  - training (TRAIN_PRESETS, default cpu): images per second of `sinusseg train --stage teacher`, one
#    epoch of STEPS (default 30) optimiser steps on phantom radiographs, the network's own training plan (batch,
#    patches, deep supervision, augmentation), from the stage's epoch time (which includes
#    validating on 2 images).
#
#   IMAGE=radiograph.png [PRESETS="cpu paper"] [TRAIN_PRESETS=cpu] [ARCHS="unet deeplabv3plus ..."]
#     [RUNS=3] [STEPS=30] [THREADS=cores] [SINUSSEG=sinusseg] [ISA=avx2] bash benchmarks/cpu/architectures.sh OUT
set -euo pipefail
out=${1:?usage: IMAGE=radiograph bash $0 OUT}
: "${IMAGE:?set IMAGE to a radiograph}"
[[ -f $IMAGE ]] || { echo "error: $IMAGE: no such file" >&2; exit 2; }
sinusseg=${SINUSSEG:-sinusseg}
archs=${ARCHS:-unet deeplabv3plus transunet unetr nnunet medsam}
presets=${PRESETS-cpu paper} # PRESETS="": training only
train_presets=${TRAIN_PRESETS-cpu} # TRAIN_PRESETS="": prediction only
runs=${RUNS:-3}
steps=${STEPS:-30}
threads=${THREADS:-$(nproc)}
mkdir -p "$out"

grep -o -m1 'avx512_bf16\|amx_bf16' /proc/cpuinfo > /dev/null && bf16="yes" || bf16="no"
# ISA=avx2: as on an AVX2-only CPU (oneDNN and ATen capped, see vitb_side_by_side.sh); bf16 cannot run
# there, so its columns say so.
case ${ISA:-} in
  "") ;;
  avx2)
    export ONEDNN_MAX_CPU_ISA=AVX2 DNNL_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2
    bf16="no (capped at AVX2: oneDNN, ATen)" ;;
  *) echo "error: ISA=$ISA: only avx2 is known" >&2; exit 2 ;;
esac
precisions="fp32 bf16"
[[ -z ${ISA:-} ]] || precisions="fp32"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, native bf16: $bf16; $threads threads"
echo "image: $IMAGE; $runs runs each, in turn"

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

[[ -z $presets ]] || printf '\n%s\n%s\n' "| architecture | preset (input) | wall fp32 | wall bf16 | predict's time fp32 | bf16 | peak memory fp32 | bf16 |" \
  "|---|---|---|---|---|---|---|---|"
for preset in $presets; do
  for arch in $archs; do
    model="$out/$arch-$preset.sinusseg"
    [[ -f $model ]] || "$sinusseg" model-info --arch "$arch" --preset "$preset" --save "$model" > "$out/$arch-$preset.info"
    input=$(sed -n 's/^input: \([0-9]*\) x.*/\1/p' "$out/$arch-$preset.info")
    for run in $(seq "$runs"); do
      for precision in $precisions; do
        log="$out/$arch-$preset-$precision.$run"
        if ! /usr/bin/time -f "%e %M" -o "$log.time" "$sinusseg" predict --model "$model" --input "$IMAGE" --output "$log.png" \
          --precision "$precision" --threads "$threads" > "$log.log" 2>&1; then
          echo "error: predict failed; see $log.log" >&2
          exit 1
        fi
      done
    done
    row="| $arch | $preset ($input) |"
    for column in wall own peak; do
      for precision in fp32 bf16; do
        [[ " $precisions " == *" $precision "* ]] || { row+=" - |"; continue; }
        value=$(for run in $(seq "$runs"); do
          log="$out/$arch-$preset-$precision.$run"
          case $column in
            wall) cut -d' ' -f1 "$log.time" ;;
            own) sed -n 's/.*, \([0-9.]*\) s$/\1/p' "$log.log" | tail -1 ;;
            peak) awk '{ printf "%.0f\n", $2 / 1024 }' "$log.time" ;;
          esac
        done | median)
        case $column in
          peak) row+=" $value MB |" ;;
          *) row+=" $(printf '%.2f' "$value") s |" ;;
        esac
      done
    done
    echo "$row"
  done
done

[[ -n $train_presets ]] || exit 0
data="$out/phantoms"
[[ -f $data/dataset.json ]] || "$sinusseg" phantoms --out "$data" --count 24 --size 1024x512 --labelled-fraction 1 \
  --validation-fraction 0.09 --test-fraction 0 > "$out/phantoms.log"
echo
echo "| architecture | preset | batch | train images/s fp32 | bf16 | bf16 / fp32 |"
echo "|---|---|---|---|---|---|"
for preset in $train_presets; do
  for arch in $archs; do
    declare -A speed=()
    speed[bf16]="-"
    for precision in $precisions; do
      run="$out/train-$arch-$preset-$precision"
      rm -rf "$run"
      echo "{\"teacher\": {\"epochs\": 1, \"steps_per_epoch\": $steps}}" > "$run.json"
      if ! "$sinusseg" train --datalist "$data/dataset.json" --out "$run" --stage teacher --teacher-arch "$arch" \
        --preset "$([[ $preset == paper ]] && echo vit_b || echo radiograph)" --config "$run.json" --precision "$precision" \
        --threads "$threads" > "$run.log" 2>&1; then
        echo "error: training failed; see $run.log" >&2
        exit 1
      fi
      batch=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["teacher"]["batch_size"])' "$run/config.json")
      seconds=$(awk -F, 'NR == 2 { print $NF }' "$run/teacher_log.csv")
      speed[$precision]=$(awk -v b="$batch" -v s="$steps" -v t="$seconds" 'BEGIN { printf "%.2f", b * s / t }')
    done
    ratio="-"
    [[ ${speed[bf16]} == "-" ]] || ratio=$(awk -v a="${speed[fp32]}" -v b="${speed[bf16]}" 'BEGIN { printf "%.2f", b / a }')
    echo "| $arch | $preset | $batch | ${speed[fp32]} | ${speed[bf16]} | $ratio |"
  done
done
