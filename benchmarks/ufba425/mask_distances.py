# SPDX-License-Identifier: Apache-2.0
"""Dice and HD95 of binary masks as SinusSeg measures them, for the UFBA-425 analysis scripts.

HD95 is directed (the larger of the two 95th percentiles of border-to-border distances, numpy's
linear percentile, in pixels); border pixels are foreground pixels with a 4-connected background
neighbour, the outside of the image counting as background (sinus/SegmentationMetrics.h).
"""
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


def read_mask(path):
    return np.array(Image.open(path).convert("L")) > 127


def dice(a, b):
    return 2.0 * np.logical_and(a, b).sum() / (a.sum() + b.sum())


def border(mask):
    padded = np.pad(mask, 1, constant_values=False)
    inner = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    return np.argwhere(mask & ~inner).astype(np.float32)


def directed_p95(source, target):
    """95th percentile of each source border point's distance to the nearest target border point."""
    target = torch.tensor(target)
    chunks = np.array_split(source, max(1, len(source) // 2048))
    nearest = [torch.cdist(torch.tensor(chunk), target).min(dim=1).values for chunk in chunks]
    return float(np.percentile(torch.cat(nearest).numpy(), 95))


def directed_hd95(prediction, reference):
    """(prediction -> reference, reference -> prediction) 95th percentiles."""
    pp, pr = border(prediction), border(reference)
    return directed_p95(pp, pr), directed_p95(pr, pp)


def hd95(prediction, reference):
    return max(directed_hd95(prediction, reference))


def narrow_gaps(mask, width):
    """Background pixels inside gaps narrower than `width` (odd) pixels between foreground parts:
    the closing by a width x width square minus the mask, outside the image counting as background
    for the erosion (as SeparationWeights in sinus/Losses.h)."""
    half = width // 2
    x = torch.tensor(mask, dtype=torch.float32)[None, None]
    dilated = F.max_pool2d(x, width, stride=1, padding=half)
    closed = -F.max_pool2d(-F.pad(dilated, (half, half, half, half), value=0.0), width, stride=1)
    return (closed[0, 0].numpy() > 0.5) & ~mask
