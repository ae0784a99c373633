#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Two trained models on the same test images, image by image: each one's mean Dice and HD95, the
mean difference (first minus second) with a 95 % bootstrap interval over the test images (10,000
resamples, fixed seed), and on how many images the first is better or worse. A model is a run
folder with an evaluation.json and the model's name in it (teacher or student).

    compare_runs.py RUN_A MODEL_A RUN_B MODEL_B
    e.g. compare_runs.py OUT/pretrained_method_nnunet teacher OUT/table1/nnunet teacher
"""
import os
import random
import sys

from rounds_repeats import bootstrap_interval
from rounds_table import case_differences, evaluation


def summary(run, model):
    path = os.path.join(run, "evaluation.json")
    if not os.path.isfile(path):
        sys.exit(f"compare_runs.py: {path} is missing: the run has not been evaluated")
    models = evaluation(run)["summary"]
    if model not in models:
        sys.exit(f"compare_runs.py: {path} has no model '{model}' (it has: {', '.join(sorted(models))})")
    return models[model]


def main(run_a, model_a, run_b, model_b):
    first, second = summary(run_a, model_a), summary(run_b, model_b)
    differences = case_differences(run_a, model_a, run_b, model_b)
    if differences is None:
        sys.exit(f"compare_runs.py: {run_a} and {run_b} were evaluated on different test images")
    dice = [d for d, _ in differences.values()]
    hd95 = [h for _, h in differences.values()]
    rng = random.Random(0)
    lines = ["| model | Dice mean / median | HD95 (px) mean / median |", "|---|---|---|"]
    for run, model, s in ((run_a, model_a, first), (run_b, model_b, second)):
        lines.append(f"| {run} {model} | {s['dice']['mean']:.4f} / {s['dice']['median']:.4f} | "
                     f"{s['hd95_px']['mean']:.2f} / {s['hd95_px']['median']:.2f} |")
    low, high = bootstrap_interval(dice, rng)
    lines += ["", f"{len(dice)} test images, first minus second:",
              f"Dice {sum(dice) / len(dice):+.4f} (95 % interval {low:+.4f} .. {high:+.4f}), "
              f"higher on {sum(x > 0 for x in dice)}, lower on {sum(x < 0 for x in dice)}"]
    low, high = bootstrap_interval(hd95, rng)
    lines.append(f"HD95 {sum(hd95) / len(hd95):+.2f} px (95 % interval {low:+.2f} .. {high:+.2f}), "
                 f"lower on {sum(x < 0 for x in hd95)}, higher on {sum(x > 0 for x in hd95)}")
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
