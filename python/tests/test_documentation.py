# SPDX-License-Identifier: Apache-2.0
"""The walk-through of Documentation/Python.md runs as written (its ```python blocks, in order) on
a phantom radiograph and the model trained by the `trained` fixture."""
import os
import pathlib
import re
import shutil

import pytest

DOCUMENT = pathlib.Path(__file__).resolve().parents[2] / "Documentation" / "Python.md"


def walk_through_blocks():
    text = DOCUMENT.read_text()
    section = text.split("## A walk-through", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_the_walk_through_runs(trained, phantoms, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    blocks = walk_through_blocks()
    assert len(blocks) >= 5
    name = sorted((phantoms / "images").iterdir())[0].name
    shutil.copy(phantoms / "images" / name, tmp_path / "radiograph.png")
    shutil.copy(phantoms / "masks" / name, tmp_path / "radiograph_mask.png")
    os.symlink(trained["out"], tmp_path / "run")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {}
    for block in blocks:
        exec(compile(block, str(DOCUMENT), "exec"), namespace)
    assert (tmp_path / "overlay.png").stat().st_size > 0 and (tmp_path / "mask.png").exists()
    assert 0.0 <= namespace["scores"]["dice"] <= 1.0
