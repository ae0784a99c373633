#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The annotation-rounds benchmark over several repetitions (annotation_rounds.sh with REPEAT=0, 1,
...; each OUT on the same split): per round and model, each repetition's suggested-minus-random
difference of the test means, their mean, and a 95 % bootstrap interval of that mean difference
over the test images (each image's difference averaged over the repetitions first; 10,000
resamples, fixed seed). Writes OUT_FIRST/rounds_repeats.md.

    rounds_repeats.py ROUNDS OUT [OUT ...]      (the suggested arm's folder: informative)
"""
import os
import random
import sys

from rounds_table import evaluation, paired_differences, round_runs

RESAMPLES = 10000


def bootstrap_interval(values, rng):
    means = sorted(sum(rng.choice(values) for _ in values) / len(values) for _ in range(RESAMPLES))
    return means[int(0.025 * RESAMPLES)], means[int(0.975 * RESAMPLES) - 1]


def require_finished(rounds, outs):
    for out in outs:
        for _, _, run in round_runs(out, rounds):
            if not os.path.isfile(os.path.join(run, "evaluation.json")):
                sys.exit(f"rounds_repeats.py: {run}/evaluation.json is missing: that round has not finished (rerun annotation_rounds.sh on {out})")


def main(rounds, outs):
    rounds = int(rounds)
    require_finished(rounds, outs)
    rng = random.Random(0)
    md = [f"Suggested arm minus random arm over {len(outs)} repetitions ({', '.join(os.path.basename(o.rstrip('/')) for o in outs)}):", "",
          "| round | model | Dice difference per repetition | mean | 95 % interval | HD95 difference (px) per repetition | mean | 95 % interval |",
          "|---|---|---|---|---|---|---|---|"]
    for r in range(1, rounds + 1):
        for model in ("teacher", "student"):
            per_repeat = [paired_differences(out, r, model) for out in outs]
            names = sorted(per_repeat[0])
            if any(sorted(p) != names for p in per_repeat):
                sys.exit("rounds_repeats.py: the repetitions were evaluated on different test images (same split?)")
            cells = []
            for k in (0, 1):
                repeat_means = [sum(p[n][k] for n in names) / len(names) for p in per_repeat]
                image_means = [sum(p[n][k] for p in per_repeat) / len(per_repeat) for n in names]
                low, high = bootstrap_interval(image_means, rng)
                digits = 4 if k == 0 else 2
                cells += [", ".join(f"{m:+.{digits}f}" for m in repeat_means), f"{sum(repeat_means) / len(repeat_means):+.{digits}f}",
                          f"{low:+.{digits}f} .. {high:+.{digits}f}"]
            md.append(f"| {r} | {model} | " + " | ".join(cells) + " |")
    md += ["", "Test means per repetition (Dice / HD95 px):", "", "| repetition | round | arm | teacher | student |", "|---|---|---|---|---|"]
    for out in outs:
        for arm, r, run in round_runs(out, rounds):
            summary = evaluation(run)["summary"]
            cells = [f"{summary[m]['dice']['mean']:.4f} / {summary[m]['hd95_px']['mean']:.2f}" for m in ("teacher", "student")]
            md.append(f"| {os.path.basename(out.rstrip('/'))} | {r} | {'suggest' if arm == 'informative' else arm} | " + " | ".join(cells) + " |")
    with open(os.path.join(outs[0], "rounds_repeats.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
