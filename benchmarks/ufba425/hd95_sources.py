#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Where the HD95 of predicted teeth masks comes from.

For the test images of a datalist and a folder of predicted masks (`sinusseg predict --input DIR
--output PRED`, file names as the images', .png), prints Dice and HD95 as SinusSeg measures them,
the two directed 95th percentiles (prediction -> reference: stray or swollen foreground;
reference -> prediction: missed parts), and the HD95 the same predictions would have if the
reference's narrow gaps between teeth (its closing by a 3 x 3 square minus itself) were
background in them -- how much of the HD95 is teeth merged across those gaps.

    /usr/bin/python3 benchmarks/ufba425/hd95_sources.py --datalist OUT/datalist.json --pred PRED
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mask_distances as md  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datalist", required=True)
    parser.add_argument("--pred", required=True, help="folder of predicted masks (0/255 PNG)")
    parser.add_argument("--gap", type=int, default=3, help="closing width that defines a narrow gap (odd)")
    args = parser.parse_args()
    with open(args.datalist) as f:
        test = json.load(f)["test"]
    root = os.path.dirname(os.path.abspath(args.datalist))
    rows = []
    for entry in test:
        name = os.path.splitext(os.path.basename(entry["image"]))[0] + ".png"
        predicted = os.path.join(args.pred, name)
        if not os.path.exists(predicted):
            sys.exit(f"hd95_sources.py: {predicted}: no predicted mask for test image {entry['image']}")
        prediction, reference = md.read_mask(predicted), md.read_mask(os.path.join(root, entry["label"]))
        outward, inward = md.directed_hd95(prediction, reference)
        carved = prediction & ~md.narrow_gaps(reference, args.gap)
        rows.append((md.dice(prediction, reference), max(outward, inward), outward, inward, md.hd95(carved, reference)))
    r = np.array(rows)
    print(f"{len(rows)} test images, predictions from {args.pred}")
    print(f"Dice {r[:, 0].mean():.4f}; HD95 mean {r[:, 1].mean():.2f} px, median {np.median(r[:, 1]):.2f}, "
          f"<= 10 px: {(r[:, 1] <= 10).sum()}")
    print(f"directed P95 mean: prediction -> reference {r[:, 2].mean():.2f} px, reference -> prediction {r[:, 3].mean():.2f} px")
    print(f"HD95 with the reference's gaps narrower than {args.gap} px carved out of the predictions: "
          f"mean {r[:, 4].mean():.2f} px, median {np.median(r[:, 4]):.2f}")


if __name__ == "__main__":
    main()
