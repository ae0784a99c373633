#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The best Dice and HD95 a network working at N x N can reach on UFBA-425's 512 x 512 teeth masks.

Every ground-truth mask is brought down to N x N and back up exactly as SinusSeg brings its logits
back (bilinear, align_corners=False, > 0.5); the Dice and HD95 of the round trip against the original
are the limits that the input size alone sets, whatever the network. HD95 as SinusSeg measures it
(directed: the larger of the two 95th percentiles of border-to-border distances, in pixels; border
pixels: foreground with a 4-connected background neighbour, outside the image counting as background).

    /usr/bin/python3 benchmarks/ufba425/resolution_ceiling.py [--masks DIR] [--sizes 128,256,384]
"""
import argparse
import glob
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mask_distances as md  # noqa: E402


def round_trip(mask, size):
    original = torch.tensor(mask, dtype=torch.float32)[None, None]
    small = F.interpolate(original, size=(size, size), mode="bilinear", align_corners=False)
    return F.interpolate(small, size=mask.shape, mode="bilinear", align_corners=False)[0, 0].numpy() > 0.5


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--masks", default=os.path.join(here, "../../../shared/data/ufba425/teeth_masks"))
    parser.add_argument("--sizes", default="128,256,384")
    args = parser.parse_args()
    files = sorted(glob.glob(os.path.join(args.masks, "*.png")))
    if not files:
        sys.exit(f"resolution_ceiling.py: no PNG masks in {args.masks}")
    masks = [md.read_mask(f) for f in files]
    print(f"{len(masks)} masks from {args.masks}")
    for size in (int(s) for s in args.sizes.split(",")):
        trips = [round_trip(m, size) for m in masks]
        dices = np.array([md.dice(t, m) for t, m in zip(trips, masks)])
        distances = np.array([md.hd95(t, m) for t, m in zip(trips, masks)])
        print(f"input {size}: Dice ceiling mean {dices.mean():.4f}, min {dices.min():.4f}; "
              f"HD95 floor mean {distances.mean():.2f} px, median {np.median(distances):.2f}, max {distances.max():.2f}")


if __name__ == "__main__":
    main()
