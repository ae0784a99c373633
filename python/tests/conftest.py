# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures of the `sinusseg` module's tests: the command-line tool beside it (to check that
both give the same results), a phantom data set and one small trained run."""
import os
import pathlib
import subprocess

import pytest

import sinusseg

BINARY_DIR = pathlib.Path(os.environ.get("SINUSSEG_BINARY_DIR", ""))
SHARED_DIR = pathlib.Path(os.environ.get("SINUSSEG_SHARED_DIR", ""))


def run_tool(*arguments, check=True):
    """Runs the `sinusseg` command; returns (exit status, stdout + stderr)."""
    done = subprocess.run([str(BINARY_DIR / "sinusseg"), *map(str, arguments)], capture_output=True, text=True)
    output = done.stdout + done.stderr
    if check and done.returncode != 0:
        raise AssertionError(f"sinusseg {' '.join(map(str, arguments))} failed:\n{output}")
    return done.returncode, output


@pytest.fixture(scope="session")
def phantoms(tmp_path_factory):
    """12 phantom radiographs (256 x 128) with sinus masks; half labelled: its folder."""
    folder = tmp_path_factory.mktemp("phantoms") / "set"
    run_tool("phantoms", "--out", folder, "--count", 12, "--size", "256x128", "--labeled-fraction", 0.5)
    return folder


@pytest.fixture(scope="session")
def trained(phantoms, tmp_path_factory):
    """One run of the whole method, one epoch a stage, trained through sinusseg.train: a SAM teacher
    (takes prompts) and a U-Net student (with the postprocessing training chose for it)."""
    out = tmp_path_factory.mktemp("trained") / "run"
    batches, messages = [], []
    result = sinusseg.train(phantoms / "dataset.json", out, teacher_epochs=1, student_epochs=1, refiner_epochs=1,
                            student_arch="unet", threads=2, progress=batches.append, log=messages.append)
    return {"out": out, "result": result, "batches": batches, "messages": messages}


@pytest.fixture(scope="session")
def golden():
    """The tiny SAM checkpoint with the official code's weights and its architecture JSON."""
    folder = SHARED_DIR / "reference" / "golden"
    if not (folder / "tiny_sam.pth").exists():
        pytest.skip(f"no golden reference data in {folder}")
    return folder
