#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The expert of the annotation-rounds benchmark: labels the images `sinusseg suggest` picked with
their reference masks (the expert's own) and writes a new datalist, every path in it absolute.
An image that is not an unlabelled training image is an error, as `sinusseg import-via
--datalist` makes it.

    annotate_from_reference.py DATALIST_IN PICKS_TXT MASK_FOLDER DATALIST_OUT
"""
import json
import os
import sys


def main(datalist_in, picks_txt, mask_folder, datalist_out):
    with open(datalist_in) as f:
        datalist = json.load(f)
    base = os.path.dirname(os.path.abspath(datalist_in))
    for key in ("training", "validation", "test"):
        for entry in datalist.get(key, []):
            for field in ("image", "label"):
                if field in entry:
                    entry[field] = os.path.normpath(os.path.join(base, entry[field]))
    position = {os.path.realpath(e["image"]): i for i, e in enumerate(datalist["training"])}
    held_out = {os.path.realpath(e["image"]) for key in ("validation", "test") for e in datalist.get(key, [])}
    with open(picks_txt) as f:
        picks = [line.strip() for line in f if line.strip()]
    for image in picks:
        path = os.path.realpath(image)
        if path in held_out or path not in position or "label" in datalist["training"][position[path]]:
            sys.exit(f"{picks_txt}: {image} is not an unlabelled training image of {datalist_in}")
        mask = os.path.join(os.path.abspath(mask_folder), os.path.splitext(os.path.basename(image))[0] + ".png")
        if not os.path.exists(mask):
            sys.exit(f"{mask}: no reference mask for {image}")
        datalist["training"][position[path]]["label"] = mask
    temporary = datalist_out + ".partial"
    with open(temporary, "w") as f:
        json.dump(datalist, f, indent=2)
        f.write("\n")
    os.replace(temporary, datalist_out)
    print(f"labelled {len(picks)} images: {datalist_out}")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
