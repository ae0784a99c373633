# SPDX-License-Identifier: Apache-2.0
"""sinusseg.train: the command line's training, with progress, messages and Ctrl-C."""
import csv
import os
import signal
import threading

import pytest

import sinusseg
from conftest import run_tool


def logged_epochs(log):
    with open(log) as f:
        return len(list(csv.reader(f))) - 1


def test_a_run_leaves_every_model_and_reports_its_progress(trained):
    out = trained["out"]
    for name in ("teacher.sinusseg", "refiner.sinusseg", "student.sinusseg", "evaluation.json", "teacher_log.csv"):
        assert (out / name).exists(), name
    batches = trained["batches"]
    stages = [b["stage"] for b in batches]
    assert stages[0] == "teacher" and "student" in stages
    for b in batches:
        assert 1 <= b["step"] <= b["steps"]
    assert any(m.startswith("teacher:") for m in trained["messages"])
    test = trained["result"]["test"]
    assert set(test) == {"teacher", "student"}
    for model in test.values():
        assert model["dice"]["count"] == 2 and 0.0 <= model["dice"]["mean"] <= 1.0


@pytest.mark.parametrize("options,python", [
    (["--preset", "nope"], {"preset": "nope"}),
    (["--teacher-epochs", "-2"], {"teacher_epochs": -2}),
    (["--refinement", "sometimes"], {"refinement": "sometimes"}),
    (["--stage", "dessert"], {"stages": ["dessert"]}),
])
def test_bad_settings_raise_the_command_lines_message(phantoms, tmp_path, options, python):
    status, output = run_tool("train", "--datalist", phantoms / "dataset.json", "--out", tmp_path / "cli", *options, check=False)
    assert status != 0
    # A usage error: "sinusseg train: MESSAGE", then a pointer to --help.
    message = next(line for line in output.splitlines() if line.startswith("sinusseg train: ")).split(": ", 1)[1]
    with pytest.raises(ValueError) as raised:
        sinusseg.train(phantoms / "dataset.json", tmp_path / "py", **python)
    assert str(raised.value) == message
    assert not (tmp_path / "py").exists()


def test_ctrl_c_stops_after_the_batch_and_resume_finishes_the_run(phantoms, tmp_path):
    out = tmp_path / "run"
    seen, third, finished = [], threading.Event(), threading.Event()

    def record(info):
        seen.append(info)
        if len(seen) == 3:  # two batches an epoch: the first of the second epoch
            third.set()

    # Ctrl-C as a terminal sends it: SIGINT to the process while the network trains (GIL released).
    # Python's own handler, as in a terminal (a job started in the background inherits SIGINT ignored).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    interrupter = threading.Thread(target=lambda: third.wait(60) and not finished.is_set() and os.kill(os.getpid(), signal.SIGINT))
    interrupter.start()
    try:
        with pytest.raises(KeyboardInterrupt, match=r"resume=True"):
            sinusseg.train(phantoms / "dataset.json", out, stages=["teacher"], teacher_epochs=4, threads=2, progress=record, log=None)
    finally:
        finished.set()
        third.set()
        interrupter.join()
        signal.signal(signal.SIGINT, previous)
    assert len(seen) in (3, 4)  # stopped at the next batch's end
    assert (out / "teacher.checkpoint").exists() and logged_epochs(out / "teacher_log.csv") in (1, 2)
    messages = []
    sinusseg.train(phantoms / "dataset.json", out, stages=["teacher"], teacher_epochs=4, threads=2, resume=True, log=messages.append)
    assert logged_epochs(out / "teacher_log.csv") == 4 and (out / "teacher.sinusseg").exists()
    assert not any("epoch 1/4" in m for m in messages)


def test_an_error_in_a_callback_stops_training_and_is_raised(phantoms, tmp_path):
    calls = []

    def fail(info):
        calls.append(info)
        raise ZeroDivisionError("the callback's own error")

    with pytest.raises(ZeroDivisionError, match="the callback's own error"):
        sinusseg.train(phantoms / "dataset.json", tmp_path / "run", stages=["teacher"], teacher_epochs=3, progress=fail, log=None)
    assert len(calls) == 1
