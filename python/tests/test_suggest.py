# SPDX-License-Identifier: Apache-2.0
"""sinusseg.suggest, import_via(datalist=...) and train(resume_from=...): one annotation round from
Python, equal to the command line's."""
import json
import pathlib

import pytest

import sinusseg
from conftest import run_tool


@pytest.fixture(scope="module")
def unet_run(phantoms, tmp_path_factory):
    """A run with U-Net teacher and student on a copy of the phantom datalist (rounds rewrite it)."""
    folder = tmp_path_factory.mktemp("rounds")
    datalist = folder / "dataset.json"
    entries = json.loads((phantoms / "dataset.json").read_text())
    for key in ("training", "validation", "test"):
        for entry in entries[key]:
            for field in ("image", "label"):
                if field in entry:
                    entry[field] = str((phantoms / entry[field]).resolve())
    datalist.write_text(json.dumps(entries, indent=2))
    run = folder / "run"
    sinusseg.train(datalist, run, teacher_arch="unet", student_arch="unet", input_size=64, refinement="off", teacher_epochs=1,
                   student_epochs=1, threads=2, log=None)
    return {"datalist": datalist, "run": run, "folder": folder}


def test_suggest_equals_the_command_line(unet_run, tmp_path):
    ranking = sinusseg.suggest(unet_run["run"], 3, tmp_path / "py", seed=5, max_similarity=0.99)
    run_tool("suggest", "--run", unet_run["run"], "--count", 3, "--out", tmp_path / "cli", "--seed", 5, "--max-similarity", 0.99)
    for name in ("suggestions.json", "suggestions.csv", "via_project.csv", "images.txt"):
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    picks = [entry for entry in ranking["ranking"] if entry["rank"] > 0]
    assert [entry["rank"] for entry in picks] == [1, 2, 3]
    assert all(entry["reasons"] for entry in ranking["ranking"])


def test_suggest_refuses_bad_settings_with_the_command_lines_words(unet_run, tmp_path):
    with pytest.raises(ValueError, match="unknown strategy 'best'"):
        sinusseg.suggest(unet_run["run"], 3, tmp_path / "a", strategy="best")
    with pytest.raises(ValueError, match="unknown weight 'area'"):
        sinusseg.suggest(unet_run["run"], 3, tmp_path / "b", weights={"area": 1})
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_one_round_labels_the_datalist_and_the_next_run_resumes(unet_run, tmp_path):
    sinusseg.suggest(unet_run["run"], 2, tmp_path / "picks", max_similarity=0.99)
    counts = sinusseg.import_via(tmp_path / "picks" / "via_project.csv", _image_folder(unet_run), tmp_path / "masks",
                                 datalist=unet_run["datalist"])
    assert counts["labels_added"] == 2
    labelled = [e for e in json.loads(unet_run["datalist"].read_text())["training"] if "label" in e]
    new_masks = (tmp_path / "masks").resolve()
    assert sum((unet_run["datalist"].parent / e["label"]).resolve().parent == new_masks for e in labelled) == 2
    with pytest.raises(RuntimeError, match="already labelled"):
        sinusseg.import_via(tmp_path / "picks" / "via_project.csv", _image_folder(unet_run), tmp_path / "again", datalist=unet_run["datalist"])
    assert not (tmp_path / "again").exists()
    messages = []
    sinusseg.train(unet_run["datalist"], tmp_path / "next", resume_from=unet_run["run"], teacher_arch="unet", student_arch="unet", input_size=64,
                   refinement="off", teacher_epochs=1, student_epochs=1, threads=2, log=messages.append)
    assert any("starting from" in m and str(unet_run["run"].resolve()) in m for m in messages), messages
    assert json.loads((tmp_path / "next" / "config.json").read_text())["resume_from"] == str(unet_run["run"].resolve())


def _image_folder(unet_run):
    """The folder of the phantom radiographs (the VIA project names them by file name)."""
    return pathlib.Path(json.loads(unet_run["datalist"].read_text())["training"][0]["image"]).parent
