# SPDX-License-Identifier: Apache-2.0
"""sinusseg.import_via: the command line's VIA import."""
import numpy as np
import pytest

import sinusseg
from conftest import run_tool


def test_the_masks_of_the_command_line_and_of_the_annotations(phantoms, tmp_path):
    summary = sinusseg.import_via(phantoms / "annotations_via.csv", phantoms / "images", tmp_path / "py")
    run_tool("import-via", "--csv", phantoms / "annotations_via.csv", "--images", phantoms / "images", "--out", tmp_path / "cli")
    written = sorted(p.name for p in (tmp_path / "py").iterdir())
    assert summary["images"] == len(written) > 0 and summary["regions"] >= summary["images"]
    assert written == sorted(p.name for p in (tmp_path / "cli").iterdir())
    for name in written:
        mask = sinusseg.read_image(tmp_path / "py" / name)
        np.testing.assert_array_equal(mask, sinusseg.read_image(tmp_path / "cli" / name))
        truth = sinusseg.read_image(phantoms / "masks" / name)
        assert sinusseg.metrics(mask, truth)["dice"] >= 0.98, name  # the polygons trace the phantom's masks


def test_a_broken_export_is_reported_with_its_line_and_leaves_no_folder(phantoms, tmp_path):
    lines = (phantoms / "annotations_via.csv").read_text().splitlines()
    lines[2] = lines[2].replace('"{""name"":""polygon""', '"{""name"":""hexagon""', 1)
    (tmp_path / "broken.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(RuntimeError, match=r"broken\.csv:3"):
        sinusseg.import_via(tmp_path / "broken.csv", phantoms / "images", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(ValueError, match="KEY=VALUE"):
        sinusseg.import_via(phantoms / "annotations_via.csv", phantoms / "images", tmp_path / "out", region_filter="=x")
