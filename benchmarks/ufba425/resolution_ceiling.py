#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The best Dice a network working at N x N can reach on UFBA-425's 512 x 512 teeth masks.

Every ground-truth mask is brought down to N x N and back up exactly as SinusSeg brings its logits
back (bilinear, align_corners=False, > 0.5); the Dice of the round trip against the original is the
ceiling that the input size alone sets, whatever the network.

    /usr/bin/python3 benchmarks/ufba425/resolution_ceiling.py [--masks DIR] [--sizes 128,256,384]
"""
import argparse
import glob
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


def round_trip_dice(mask, size):
    original = torch.tensor(mask, dtype=torch.float32)[None, None]
    small = F.interpolate(original, size=(size, size), mode="bilinear", align_corners=False)
    back = F.interpolate(small, size=mask.shape, mode="bilinear", align_corners=False)[0, 0].numpy() > 0.5
    return 2.0 * np.logical_and(back, mask).sum() / (back.sum() + mask.sum())


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--masks", default=os.path.join(here, "../../../shared/data/ufba425/teeth_masks"))
    parser.add_argument("--sizes", default="128,256,384")
    args = parser.parse_args()
    files = sorted(glob.glob(os.path.join(args.masks, "*.png")))
    if not files:
        sys.exit(f"resolution_ceiling.py: no PNG masks in {args.masks}")
    masks = [np.array(Image.open(f).convert("L")) > 127 for f in files]
    print(f"{len(masks)} masks from {args.masks}")
    for size in (int(s) for s in args.sizes.split(",")):
        dice = np.array([round_trip_dice(m, size) for m in masks])
        print(f"input {size}: Dice ceiling mean {dice.mean():.4f}, min {dice.min():.4f}")


if __name__ == "__main__":
    main()
