# SPDX-License-Identifier: Apache-2.0
"""The reference `sinusseg evaluate` is timed against: Dice and HD95 of every pair in two folders
with SciPy's exact Euclidean distance transform, the way such scripts are usually written.

usage: hd95_scipy.py PRED_DIR REF_DIR
HD95 as in Documentation/Metrics.md (directed: max of the 95th percentiles of the border-to-border
distances in both directions; borders are foreground pixels with a 4-connected background
neighbour). Prints one line per case and the mean.
"""
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage


def border(mask):
    eroded = ndimage.binary_erosion(mask, structure=ndimage.generate_binary_structure(2, 1), border_value=0)
    return mask & ~eroded


def hd95(pred, ref):
    bp, br = border(pred), border(ref)
    to_ref = ndimage.distance_transform_edt(~br)
    to_pred = ndimage.distance_transform_edt(~bp)
    return max(np.percentile(to_ref[bp], 95), np.percentile(to_pred[br], 95))


def main():
    pred_dir, ref_dir = Path(sys.argv[1]), Path(sys.argv[2])
    values = []
    for pred_path in sorted(pred_dir.glob("*.png")):
        pred = np.asarray(Image.open(pred_path)) > 0
        ref = np.asarray(Image.open(ref_dir / pred_path.name)) > 0
        dice = 2.0 * np.logical_and(pred, ref).sum() / (pred.sum() + ref.sum())
        h = hd95(pred, ref)
        values.append((dice, h))
        print(f"{pred_path.name} dice {dice:.6f} hd95 {h:.4f}")
    print(f"mean dice {np.mean([v[0] for v in values]):.6f} hd95 {np.mean([v[1] for v in values]):.4f}")


if __name__ == "__main__":
    main()
