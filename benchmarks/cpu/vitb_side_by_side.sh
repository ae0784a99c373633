#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ViT-B MedSAM on one full-resolution radiograph, side by side: the official Python pipeline
# (bowang-lab/MedSAM's MedSAM_Inference.py on facebookresearch/segment-anything, run as published,
# on the CPU, full-image box) against `sinusseg predict` in fp32 and in bf16. The three run in turn,
# RUNS times, each a whole process under /usr/bin/time; printed: median wall time and peak memory
# of each, and sinusseg's ratios to the official pipeline.
#
#   OFFICIAL=DIR CHECKPOINT=vit_b.pth IMAGE=radiograph.png [RUNS=3] [THREADS=cores] [SINUSSEG=sinusseg] \
#     [ISA=avx2] bash benchmarks/cpu/vitb_side_by_side.sh OUT
#
# ISA=avx2 caps both pipelines at the AVX2 instruction set, as on an AVX2-only CPU: oneDNN through
# ONEDNN_MAX_CPU_ISA (and its older name), ATen's vectorised kernels through ATEN_CPU_CAPABILITY
# (OpenBLAS keeps what OPENBLAS_CORETYPE says). sinusseg refuses bf16 there (LibTorch 1.x's oneDNN has
# no bf16 kernels below AVX-512), so only fp32 runs.
#
# Both get THREADS threads (default: every core): the official pipeline through OMP_NUM_THREADS
# (Debian's python3-torch otherwise starts with one), sinusseg through --threads.
#
# OFFICIAL holds segment_anything/ and MedSAM_Inference.py; it needs Debian's python3-torch,
# python3-torchvision, python3-skimage and python3-matplotlib. CHECKPOINT is a ViT-B state dict
# (medsam_vit_b.pth; for timing alone, any ViT-B weights of the official layout).
set -euo pipefail
out=${1:?usage: OFFICIAL=DIR CHECKPOINT=PTH IMAGE=PNG bash $0 OUT}
: "${OFFICIAL:?set OFFICIAL to the folder with segment_anything/ and MedSAM_Inference.py}"
: "${CHECKPOINT:?set CHECKPOINT to a ViT-B .pth}"
: "${IMAGE:?set IMAGE to a radiograph}"
runs=${RUNS:-3}
threads=${THREADS:-$(nproc)}
sinusseg=${SINUSSEG:-sinusseg}
python=/usr/bin/python3
for f in "$OFFICIAL/MedSAM_Inference.py" "$CHECKPOINT" "$IMAGE"; do
  [[ -f $f ]] || { echo "error: $f: no such file" >&2; exit 2; }
done
mkdir -p "$out/official"
read -r width height < <("$python" -c 'import sys; from PIL import Image; w, h = Image.open(sys.argv[1]).size; print(w, h)' "$IMAGE")

measure() { # name command...: one whole-process run, "wall_s peak_kB" into OUT/name.RUN.time
  local name=$1
  shift
  if ! /usr/bin/time -f "%e %M" -o "$out/$name.$run.time" "$@" > "$out/$name.$run.log" 2>&1; then
    echo "error: $name run $run failed; see $out/$name.$run.log" >&2
    exit 1
  fi
}

grep -o -m1 'avx512_bf16\|amx_bf16' /proc/cpuinfo > /dev/null && bf16="yes" || bf16="no"
precisions="fp32 bf16"
case ${ISA:-} in
  "") ;;
  avx2)
    export ONEDNN_MAX_CPU_ISA=AVX2 DNNL_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2
    bf16="no (capped at AVX2: oneDNN, ATen)"
    precisions="fp32" ;;
  *) echo "error: ISA=$ISA: only avx2 is known" >&2; exit 2 ;;
esac
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, native bf16: $bf16${OPENBLAS_CORETYPE:+, OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE}"
echo "image: $IMAGE (${width}x${height}), $runs runs each, in turn, $threads threads each"
for run in $(seq "$runs"); do
  measure official env PYTHONPATH="$OFFICIAL" OMP_NUM_THREADS="$threads" "$python" "$OFFICIAL/MedSAM_Inference.py" -i "$IMAGE" -o "$out/official" \
    --box "[0,0,$width,$height]" --device cpu -chk "$CHECKPOINT"
  for precision in $precisions; do
    measure "$precision" "$sinusseg" predict --checkpoint "$CHECKPOINT" --input "$IMAGE" --output "$out/$precision.png" \
      --precision "$precision" --threads "$threads"
  done
done

"$python" - "$out" "$runs" $precisions <<'PY'
import statistics, sys
out, runs, precisions = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def figures(name):
    rows = [open(f"{out}/{name}.{r}.time").read().split() for r in range(1, runs + 1)]
    return statistics.median(float(w) for w, _ in rows), statistics.median(float(m) / 1024 for _, m in rows)
official = figures("official")
print("| pipeline | wall (median) | peak memory (median) | wall / official | memory / official |")
print("|---|---|---|---|---|")
for name, label in [("official", "official Python (MedSAM_Inference.py)")] + [(p, f"sinusseg predict --precision {p}") for p in precisions]:
    wall, peak = figures(name)
    print(f"| {label} | {wall:.2f} s | {peak:.0f} MB | {wall / official[0]:.2f} | {peak / official[1]:.2f} |")
PY
