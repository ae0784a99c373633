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

from rounds_table import cases, evaluation, worst_case

RESAMPLES = 10000


def paired_differences(out, r, model):
    """Per test image: (Dice difference, HD95 difference in px), suggested arm minus random arm."""
    a = cases(os.path.join(out, "informative", f"round{r}"), model)
    b = cases(os.path.join(out, "random", f"round{r}"), model)
    if sorted(a) != sorted(b):
        sys.exit(f"rounds_repeats.py: {out} round {r}: the two arms were evaluated on different test images")
    return {n: (a[n]["dice"] - b[n]["dice"], worst_case(a[n], b[n]) - worst_case(b[n], a[n])) for n in a}


def bootstrap_interval(values, rng):
    means = sorted(sum(rng.choice(values) for _ in values) / len(values) for _ in range(RESAMPLES))
    return means[int(0.025 * RESAMPLES)], means[int(0.975 * RESAMPLES) - 1]


def require_finished(rounds, outs):
    for out in outs:
        runs = [os.path.join(out, "round0")] + [os.path.join(out, arm, f"round{r}") for r in range(1, rounds + 1) for arm in ("informative", "random")]
        for run in runs:
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
        runs = [("0", "start", os.path.join(out, "round0"))]
        runs += [(str(r), arm, os.path.join(out, arm, f"round{r}")) for r in range(1, rounds + 1) for arm in ("informative", "random")]
        for r, arm, run in runs:
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
