# SPDX-License-Identifier: Apache-2.0
"""Writes N prediction/reference pairs of sinus-like masks (two blobs each) as 0/255 PNGs.

usage: make_mask_pairs.py OUT_DIR [N] [WIDTH] [HEIGHT] [SEED]
The prediction is the reference shifted, scaled and with a ragged border, so the boundary
distances are not trivial. Deterministic for a seed.
"""
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def blob_mask(width, height, rng, shift=(0.0, 0.0), scale=1.0, ragged=0.0):
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    mask = np.zeros((height, width), dtype=bool)
    for side in (0.3, 0.7):
        cx = side * width + shift[0]
        cy = 0.35 * height + shift[1]
        rx, ry = 0.12 * width * scale, 0.16 * height * scale
        angle = np.arctan2(y - cy, x - cx)
        radius = 1.0 + ragged * np.sin(7 * angle + rng.uniform(0, 6.28))
        mask |= ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < radius ** 2
    return mask


def main():
    out = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    width = int(sys.argv[3]) if len(sys.argv) > 3 else 2048
    height = int(sys.argv[4]) if len(sys.argv) > 4 else 1024
    rng = np.random.default_rng(int(sys.argv[5]) if len(sys.argv) > 5 else 0)
    (out / "pred").mkdir(parents=True, exist_ok=True)
    (out / "ref").mkdir(parents=True, exist_ok=True)
    for i in range(count):
        ref = blob_mask(width, height, rng)
        pred = blob_mask(width, height, rng, shift=tuple(rng.uniform(-30, 30, 2)), scale=rng.uniform(0.9, 1.1), ragged=0.05)
        Image.fromarray((ref * 255).astype(np.uint8)).save(out / "ref" / f"case_{i:02d}.png")
        Image.fromarray((pred * 255).astype(np.uint8)).save(out / "pred" / f"case_{i:02d}.png")


if __name__ == "__main__":
    main()
