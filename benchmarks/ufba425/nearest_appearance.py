#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""How alike distinct radiographs look to `sinusseg suggest`'s near-duplicate check: every image of a
folder as a 32 x 32 thumbnail of area means, mean-free and of unit length (AppearanceDescriptor),
and for each image the correlation with its most similar other image. Prints the quantiles of
those nearest-neighbour correlations, every pair above THRESHOLD, and per file-name prefix (UFBA-425's
category, the text before the first "-") the mean typicality: the mean correlation with the 10 most
similar other images, as `suggest`'s representativeness term measures it.

    /usr/bin/python3 benchmarks/ufba425/nearest_appearance.py ../shared/data/ufba425/images [THRESHOLD]
"""
import pathlib
import sys

import numpy as np
from PIL import Image


def descriptor(path):
    grey = np.asarray(Image.open(path).convert("L").resize((32, 32), Image.BOX), dtype=np.float64).ravel()
    grey -= grey.mean()
    norm = np.linalg.norm(grey)
    return grey / norm if norm > 0 else grey


def main(folder, threshold=0.95):
    files = sorted(p for p in pathlib.Path(folder).iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"))
    d = np.array([descriptor(p) for p in files])
    similarity = d @ d.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = similarity.max(axis=1)
    quantiles = np.quantile(nearest, [0, 0.1, 0.5, 0.9, 0.99, 1])
    print(f"{len(files)} images; nearest-neighbour correlation min / 10% / median / 90% / 99% / max: "
          + " / ".join(f"{q:.3f}" for q in quantiles))
    for i, j in zip(*np.nonzero(np.triu(similarity > threshold, 1))):
        print(f"above {threshold}: {files[i].name} {files[j].name} {similarity[i, j]:.4f}")
    typicality = np.sort(similarity, axis=1)[:, ::-1][:, :10].mean(axis=1)
    categories = {}
    for path, value in zip(files, typicality):
        categories.setdefault(path.name.split("-")[0], []).append(value)
    for name in sorted(categories, key=lambda c: (len(c), c)):
        print(f"{name}: {len(categories[name])} images, mean typicality {np.mean(categories[name]):.3f}")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(sys.argv[1], *(float(a) for a in sys.argv[2:]))
