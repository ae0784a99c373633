#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Does `sinusseg suggest`'s ranking find the images a run's model gets wrong? Predicts every ranked
candidate with the run's student (its stored postprocessing and mirroring, as every evaluation
here), measures Dice and HD95 against the reference masks, and prints the Spearman rank
correlation of each score column of suggestions.csv with those errors, then the model's Dice and
HD95 on the picks of each PICKS file (suggest's images.txt; e.g. the suggested and the random arm).

    /usr/bin/python3 benchmarks/ufba425/ranking_vs_error.py SINUSSEG RUN SUGGESTIONS_CSV MASKS [PICKS ...]

e.g. after annotation_rounds.sh OUT: SINUSSEG=build/bin/sinusseg RUN=OUT/round0
SUGGESTIONS_CSV=OUT/informative/suggest1/suggestions.csv MASKS=../shared/data/ufba425/teeth_masks
PICKS=OUT/informative/suggest1/images.txt OUT/random/suggest1/images.txt
"""
import csv
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

from scipy.stats import spearmanr

SCORES = ("informativeness", "teacher_student_hd95_px", "teacher_student_dice", "entropy_bits", "dropout_variance",
          "representativeness")


def require_file(path, what):
    if not os.path.isfile(path):
        sys.exit(f"ranking_vs_error.py: {path}: {what} is missing")


def spearman_text(a, b):
    """Spearman's rank correlation, or why there is none: a score every candidate shares (the dropout
    variance of a network without dropout) orders nothing."""
    if len(set(a)) < 2 or len(set(b)) < 2:
        return "none (constant)"
    return f"{spearmanr(a, b).correlation:+.3f}"


def model_errors(sinusseg, model, images, masks):
    """Per image stem: the model's (Dice, HD95 px) against its reference mask."""
    with tempfile.TemporaryDirectory() as work:
        folders = {name: pathlib.Path(work, name) for name in ("images", "predictions", "references")}
        for folder in folders.values():
            folder.mkdir()
        for image in images:
            reference = pathlib.Path(masks, pathlib.Path(image).stem + ".png")
            require_file(str(reference), "the reference mask of " + image)
            os.symlink(image, folders["images"] / pathlib.Path(image).name)
            os.symlink(reference, folders["references"] / reference.name)
        subprocess.run([sinusseg, "predict", "--model", model, "--input", str(folders["images"]), "--output", str(folders["predictions"])],
                       check=True, stdout=subprocess.DEVNULL)
        result = pathlib.Path(work, "evaluation.json")
        subprocess.run([sinusseg, "evaluate", "--pred", str(folders["predictions"]), "--gt", str(folders["references"]), "--json", str(result)],
                       check=True, stdout=subprocess.DEVNULL)
        cases = json.loads(result.read_text())["cases"]
    return {pathlib.Path(c["case"]).stem: (c["dice"], c["hd95_px"]) for c in cases}


def summary(errors, stems):
    dice = [errors[s][0] for s in stems]
    hd95 = [errors[s][1] for s in stems]
    return (f"{len(stems)} images: Dice mean {statistics.mean(dice):.4f} / median {statistics.median(dice):.4f}, "
            f"HD95 mean {statistics.mean(hd95):.2f} / median {statistics.median(hd95):.2f} px")


def main(sinusseg, run, suggestions, masks, picks):
    model = os.path.join(run, "student.sinusseg")
    require_file(model, "the run's student model")
    require_file(suggestions, "suggest's ranking")
    with open(suggestions, newline="") as f:
        rows = list(csv.DictReader(f))
    errors = model_errors(sinusseg, model, [r["file"] for r in rows], masks)
    stems = [pathlib.Path(r["file"]).stem for r in rows]
    dice = [errors[s][0] for s in stems]
    hd95 = [errors[s][1] for s in stems]
    print(f"The student of {run} on the {len(rows)} ranked candidates; Spearman correlation of each score with its error:\n")
    print("| score | with Dice | with HD95 |\n|---|---|---|")
    for column in SCORES:
        values = [float(r[column]) for r in rows]
        print(f"| {column} | {spearman_text(values, dice)} | {spearman_text(values, hd95)} |")
    print("\nThe student on the candidates:")
    print(f"- all: {summary(errors, stems)}")
    for path in picks:
        require_file(path, "a list of picks")
        picked = [pathlib.Path(line.strip()).stem for line in pathlib.Path(path).read_text().splitlines() if line.strip()]
        unknown = [p for p in picked if p not in errors]
        if unknown:
            sys.exit(f"ranking_vs_error.py: {path}: {', '.join(unknown)} not among the ranked candidates")
        print(f"- {path}: {summary(errors, picked)}")


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    main(*sys.argv[1:5], sys.argv[5:])
