#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The table of the annotation-rounds benchmark (annotation_rounds.sh): each round's teacher and
student on the test images, and, per round, the suggested arm against the random one image by
image (the same test images in every run). Writes OUT/rounds_ARM.md and OUT/rounds_ARM.csv.

    rounds_table.py OUT ROUNDS PER_ROUND LABELLED [ARM]      (ARM: the suggested arm's folder, default informative)
"""
import json
import os
import sys


def evaluation(run):
    with open(os.path.join(run, "evaluation.json")) as f:
        return json.load(f)


def cases(run, model):
    return {c["case"]: c for c in evaluation(run)["cases"] if c["model"] == model}


def worst_case(case, other):
    """A case's HD95 in pixels; an empty prediction's (undefined) counts as the image diagonal, as
    the summaries count it (the diagonal from the other run's case of the same image)."""
    if case["hd95_px"] is not None:
        return case["hd95_px"]
    return other["hd95_px"] / other["hd95_normalized"]


def round_runs(out, rounds, arm_folder="informative"):
    """(arm, round, run folder) of every round of an experiment: the start, then both arms per round."""
    runs = [("start", 0, os.path.join(out, "round0"))]
    folder = {"informative": arm_folder, "random": "random"}
    runs += [(arm, r, os.path.join(out, folder[arm], f"round{r}")) for r in range(1, rounds + 1) for arm in ("informative", "random")]
    return runs


def case_differences(run_a, model_a, run_b, model_b):
    """Per test image: (Dice difference, HD95 difference in px), model_a of run_a minus model_b of
    run_b; None when the two were evaluated on different test images."""
    a, b = cases(run_a, model_a), cases(run_b, model_b)
    if sorted(a) != sorted(b):
        return None
    return {n: (a[n]["dice"] - b[n]["dice"], worst_case(a[n], b[n]) - worst_case(b[n], a[n])) for n in sorted(a)}


def paired_differences(out, r, model, arm_folder="informative"):
    """Per test image of round r: (Dice difference, HD95 difference in px), suggested arm minus random arm."""
    differences = case_differences(os.path.join(out, arm_folder, f"round{r}"), model, os.path.join(out, "random", f"round{r}"), model)
    if differences is None:
        sys.exit(f"{out} round {r}: the two arms were evaluated on different test images")
    return differences


def main(out, rounds, per_round, labelled, arm_folder="informative"):
    rounds, per_round, labelled = int(rounds), int(per_round), int(labelled)
    rows = round_runs(out, rounds, arm_folder)
    folder = {"informative": arm_folder, "random": "random"}
    csv = ["arm,round,labelled,model,dice_mean,dice_std,dice_median,hd95_px_mean,hd95_px_median"]
    md = ["| round | labelled | picked by | teacher Dice | teacher HD95 (px) mean / median | student Dice | student HD95 (px) mean / median |",
          "|---|---|---|---|---|---|---|"]
    for arm, r, run in rows:
        summary = evaluation(run)["summary"]
        cells = []
        for model in ("teacher", "student"):
            d, h = summary[model]["dice"], summary[model]["hd95_px"]
            csv.append(f"{arm},{r},{labelled + r * per_round},{model},{d['mean']:.4f},{d['std']:.4f},{d['median']:.4f},{h['mean']:.2f},{h['median']:.2f}")
            cells += [f"{d['mean']:.4f} ± {d['std']:.4f}", f"{h['mean']:.2f} / {h['median']:.2f}"]
        picked = {"start": "(start)", "informative": "`suggest`", "random": "random"}[arm]
        md.append(f"| {r} | {labelled + r * per_round} | {picked} | " + " | ".join(cells) + " |")
    md += ["", "Image by image on the test set (suggested arm minus random arm, same round):", "",
           "| round | model | mean Dice difference | test images better / worse (Dice) | mean HD95 difference (px) | test images better / worse (HD95) |",
           "|---|---|---|---|---|---|"]
    for r in range(1, rounds + 1):
        for model in ("teacher", "student"):
            differences = paired_differences(out, r, model, arm_folder)
            dice = [d for d, _ in differences.values()]
            hd = [h for _, h in differences.values()]
            md.append(f"| {r} | {model} | {sum(dice) / len(dice):+.4f} | {sum(x > 0 for x in dice)} / {sum(x < 0 for x in dice)} | "
                      f"{sum(hd) / len(hd):+.2f} | {sum(x < 0 for x in hd)} / {sum(x > 0 for x in hd)} |")
    # UFBA-425 names its images by category (cate5: implants, cate6: more than 32 teeth, ...).
    md += ["", "Categories of the picked images (UFBA-425's file-name prefix):", "", "| round | picked by | categories |", "|---|---|---|"]
    for r in range(1, rounds + 1):
        for arm in ("informative", "random"):
            with open(os.path.join(out, folder[arm], f"suggest{r}", "images.txt")) as f:
                names = [os.path.basename(line.strip()) for line in f if line.strip()]
            counts = {}
            for name in names:
                category = name.split("-")[0]
                counts[category] = counts.get(category, 0) + 1
            listed = ", ".join(f"{c} {n}" for c, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
            md.append(f"| {r} | {'`suggest`' if arm == 'informative' else 'random'} | {listed} |")
    with open(os.path.join(out, f"rounds_{arm_folder}.csv"), "w") as f:
        f.write("\n".join(csv) + "\n")
    with open(os.path.join(out, f"rounds_{arm_folder}.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    main(*sys.argv[1:])
