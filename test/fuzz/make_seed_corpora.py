#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpora of the fuzz targets (test/fuzz/corpus/NAME/): small valid inputs of
every format, from which libFuzzer mutates. Run once with Debian's Python (it needs torch and PIL):
    /usr/bin/python3 test/fuzz/make_seed_corpora.py
The files are committed; inputs that found bugs are added next to them by hand (regression)."""
import collections
import io
import json
import os
import struct
import zipfile

import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def torch_checkpoints():
    shared = torch.arange(12, dtype=torch.float32)
    dicts = {
        "plain": collections.OrderedDict(weight=torch.ones(2, 3), bias=torch.zeros(3)),
        "views": collections.OrderedDict(a=shared[:6].view(2, 3), b=shared[6:], t=torch.eye(3).t()),
        "dtypes": collections.OrderedDict(
            h=torch.ones(2, dtype=torch.float16), l=torch.arange(3), d=torch.ones(1, dtype=torch.float64),
            empty=torch.zeros(0, 4), scalar=torch.tensor(3.0)),
        "parameter": collections.OrderedDict(p=torch.nn.Parameter(torch.ones(2))),
    }
    for name, state in dicts.items():
        buffer = io.BytesIO()
        torch.save(state, buffer)
        write("TorchCheckpoint", name + ".pth", buffer.getvalue())
        with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as z:
            pickle = next(z.read(n) for n in z.namelist() if n.endswith("data.pkl"))
            storages = [z.read(n) for n in z.namelist() if "/data/" in n]
        storage = storages[0] if storages else b""
        write("Pickle", name + ".bin", struct.pack("<H", len(pickle)) + pickle + storage)


def model_files():
    def archive(index, records):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
            for name, data in records.items():
                z.writestr("archive/" + name, data)
            z.writestr("archive/sinusseg_model.json", json.dumps(index, indent=2))
            z.writestr("archive/version", "3\n")  # LibTorch's reader needs it
        return buffer.getvalue()

    weights = struct.pack("<4f", 1, 2, 3, 4)
    index = {"format": "sinusseg-model", "version": 1, "architecture": "unet",
             "config": {"input_size": 64, "base_channels": 4}, "metadata": {"stage": "teacher"},
             "tensors": [{"name": "w", "dtype": "float32", "shape": [2, 2], "record": "tensors/0"},
                         {"name": "b", "dtype": "float32", "shape": [0], "record": "tensors/1"}]}
    write("ModelFile", "two_tensors.sinusseg", archive(index, {"tensors/0": weights, "tensors/1": b""}))
    index = dict(index, architecture="sinus-cyclegan", tensors=[])
    write("ModelFile", "no_tensors.sinusseg", archive(index, {}))


def via_csv():
    header = "filename,file_size,file_attributes,region_count,region_id,region_shape_attributes,region_attributes\n"
    rows = [
        'a.png,100,"{}",2,0,"{""name"":""polygon"",""all_points_x"":[1,20,30],""all_points_y"":[2,25,5]}","{""label"":""sinus""}"',
        'a.png,100,"{}",2,1,"{""name"":""rect"",""x"":3,""y"":4,""width"":10,""height"":8}","{}"',
        'b.png,50,"{}",3,0,"{""name"":""circle"",""cx"":30,""cy"":30,""r"":9.5}","{}"',
        'b.png,50,"{}",3,1,"{""name"":""ellipse"",""cx"":20,""cy"":30,""rx"":9,""ry"":4,""theta"":0.5}","{}"',
        'b.png,50,"{}",3,2,"{""name"":""polyline"",""all_points_x"":[5,40,40],""all_points_y"":[5,5,40]}","{}"',
        'c.png,10,"{""note"":""none""}",0,0,"{}","{}"',
    ]
    write("ViaCsv", "shapes.csv", header + "\n".join(rows) + "\n")
    write("ViaCsv", "crlf.csv", (header + rows[0] + "\n").replace("\n", "\r\n"))


def datalists():
    write("Datalist", "full.json", json.dumps({
        "annotations": "annotations_via.csv",
        "training": [{"image": "images/a.png", "label": "masks/a.png"}, {"image": "images/b.png"},
                     {"image": "/abs/c.png", "label": "regions_via.csv"}],
        "validation": [{"image": "images/d.png", "label": "masks/d.png"}],
        "test": [{"image": "images/e.png"}]}))
    write("Datalist", "minimal.json", '{"training": [{"image": "x.png", "label": "y.png"}], "validation": [], "test": []}')


def configs():
    samples = {
        "preset.json": {"preset": "small"},
        "models.json": {"preset": "small", "student_model": {"architecture": "unet", "config": {"input_size": 256, "base_channels": 16}}},
        "stages.json": {"preset": "radiograph", "teacher": {"epochs": 3, "learning_rate": 1e-3, "learning_rate_schedule": "poly",
                                                             "precision": "fp32", "separation_weight": 10, "separation_gap": 3},
                        "student": {"unsupervised_loss": "dice_bce", "semi_supervised": "mean_teacher"},
                        "refinement": "off", "test_time_mirror": True, "postprocessing": "auto"},
        "refiner.json": {"refiner": {"generator_filters": 4, "generator_blocks": 1, "discriminator_filters": 4,
                                     "discriminator_layers": 1, "correction_filters": 4, "cbam_reduction": 2},
                         "refiner_training": {"epochs": 2}},
    }
    for name, sample in samples.items():
        write("TrainingConfig", name, json.dumps(sample))


def images():
    extensions = [".png", ".bmp", ".mha", ".nrrd", ".tif", ".jpg", ".nii", ".dcm"]
    grey = Image.new("L", (16, 8))
    grey.putdata([(x * 16 + y) % 256 for y in range(8) for x in range(16)])
    for ext, mode in ((".png", "L"), (".png", "RGB"), (".bmp", "L"), (".tif", "L"), (".jpg", "L")):
        buffer = io.BytesIO()
        grey.convert(mode).save(buffer, format={".png": "PNG", ".bmp": "BMP", ".tif": "TIFF", ".jpg": "JPEG"}[ext])
        write("ImageHeader", "grey_" + mode + ext.replace(".", "_"), bytes([extensions.index(ext)]) + buffer.getvalue())
    pixels = bytes(range(128))
    mha = b"ObjectType = Image\nNDims = 2\nDimSize = 16 8\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n" + pixels
    write("ImageHeader", "grey_mha", bytes([extensions.index(".mha")]) + mha)
    nrrd = b"NRRD0004\ntype: uchar\ndimension: 2\nsizes: 16 8\nencoding: raw\n\n" + pixels
    write("ImageHeader", "grey_nrrd", bytes([extensions.index(".nrrd")]) + nrrd)
    header = struct.pack("<i", 348) + b"\0" * 36 + struct.pack("<8h", 2, 16, 8, 1, 1, 1, 1, 1)
    header += b"\0" * 14 + struct.pack("<hh", 2, 8) + b"\0" * 2 + struct.pack("<8f", 1, 1, 1, 1, 1, 1, 1, 1)
    header += struct.pack("<f", 352) + b"\0" * (344 - 112) + b"n+1\0"
    write("ImageHeader", "grey_nii", bytes([extensions.index(".nii")]) + header + b"\0" * 4 + pixels)


if __name__ == "__main__":
    torch_checkpoints()
    model_files()
    via_csv()
    datalists()
    configs()
    images()
