# SPDX-License-Identifier: Apache-2.0
"""sinusseg.load_model and Model.predict: the results of `sinusseg predict`, from arrays."""
import threading
import time

import numpy as np
import pytest

import sinusseg
from conftest import run_tool


def images_of(phantoms, count=2):
    return sorted((phantoms / "images").iterdir())[:count]


@pytest.mark.parametrize("which", ["teacher", "student"])
def test_masks_and_probabilities_are_those_of_the_command_line(trained, phantoms, tmp_path, which):
    model_file = trained["out"] / f"{which}.sinusseg"
    model = sinusseg.load_model(model_file)
    for path in images_of(phantoms):
        run_tool("predict", "--model", model_file, "--input", path, "--output", tmp_path / "m.png", "--prob", tmp_path / "p.mha")
        mask, probability = model.predict(sinusseg.read_image(path), probability=True)
        assert mask.dtype == np.bool_ and probability.dtype == np.float32 and mask.shape == probability.shape == (128, 256)
        np.testing.assert_array_equal(mask, sinusseg.read_image(tmp_path / "m.png") > 0)
        np.testing.assert_array_equal(probability, sinusseg.read_image(tmp_path / "p.mha"))


def test_what_the_model_file_says_is_shown(trained):
    teacher = sinusseg.load_model(trained["out"] / "teacher.sinusseg")
    student = sinusseg.load_model(trained["out"] / "student.sinusseg")
    assert (teacher.architecture, teacher.takes_prompts) == ("sam", True)
    assert (student.architecture, student.takes_prompts) == ("unet", False)
    assert student.postprocessing["minimum_object_fraction"] > 0  # chosen on the validation images
    assert isinstance(student.metadata, dict) and "unet" in repr(student)


def test_a_tensor_or_another_dtype_gives_the_same_mask(trained, phantoms):
    model = sinusseg.load_model(trained["out"] / "student.sinusseg")
    image = sinusseg.read_image(images_of(phantoms, 1)[0])
    expected = model.predict(image)
    np.testing.assert_array_equal(model.predict(image.astype(np.float32), rescale="off"), expected)
    np.testing.assert_array_equal(model.predict(np.asfortranarray(image)), expected)
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(model.predict(torch.from_numpy(image)), expected)


def test_prompts_give_the_command_lines_union(golden, phantoms, tmp_path):
    model = sinusseg.load_model(golden / "tiny_sam.pth", config=golden / "tiny_sam_config.json")
    path = images_of(phantoms, 1)[0]
    image = sinusseg.read_image(path)
    checkpoint = ["--checkpoint", golden / "tiny_sam.pth", "--model-config", golden / "tiny_sam_config.json"]
    cases = [
        ({"boxes": [10, 20, 120, 100]}, ["--box", "10,20,120,100"]),
        ({"boxes": [[10, 20, 120, 100], [130, 10, 250, 90]]}, ["--box", "10,20,120,100", "--box", "130,10,250,90"]),
        ({"points": [[60, 50], [200, 40]], "point_labels": [1, 0]}, ["--point", "60,50,1", "--point", "200,40,0"]),
        ({}, []),
    ]
    for prompts, options in cases:
        run_tool("predict", *checkpoint, "--input", path, "--output", tmp_path / "m.png", *options)
        np.testing.assert_array_equal(model.predict(image, **prompts), sinusseg.read_image(tmp_path / "m.png") > 0, err_msg=str(prompts))


def test_bad_requests_raise_the_command_lines_errors(trained, phantoms):
    student = sinusseg.load_model(trained["out"] / "student.sinusseg")
    image = sinusseg.read_image(images_of(phantoms, 1)[0])
    with pytest.raises(ValueError, match=r"student\.sinusseg holds a 'unet' network, which takes no prompts"):
        student.predict(image, boxes=[0, 0, 10, 10])
    with pytest.raises(ValueError, match="fp16"):
        student.predict(image, precision="fp16")
    with pytest.raises(ValueError, match=r"rescale must be one of auto, on, off, not 'maybe'"):
        student.predict(image, rescale="maybe")
    with pytest.raises(ValueError, match=r"image must be a 2-D array .* got shape \(128, 256, 3\)"):
        student.predict(np.stack([image] * 3, axis=-1))
    with pytest.raises(ValueError, match="NaN or infinite"):
        student.predict(np.full((64, 64), np.nan, np.float32))
    with pytest.raises(ValueError, match=r"outside MedSAM's 8-bit range"):
        student.predict(np.full((64, 64), 300.0), rescale="off")
    with pytest.raises(RuntimeError, match=r"nothing\.sinusseg"):
        sinusseg.load_model(trained["out"] / "nothing.sinusseg")
    with pytest.raises(ValueError, match="config is for an official .pth checkpoint"):
        sinusseg.load_model(trained["out"] / "student.sinusseg", config="x.json")


def test_the_gil_is_released_while_the_network_runs(trained, phantoms):
    model = sinusseg.load_model(trained["out"] / "teacher.sinusseg")
    image = sinusseg.read_image(images_of(phantoms, 1)[0])
    model.predict(image)  # warm-up
    counted, stop = [0], threading.Event()

    def count():
        while not stop.is_set():
            counted[0] += 1

    counter = threading.Thread(target=count)
    counter.start()
    time.sleep(0.05)
    before = counted[0]
    started = time.perf_counter()
    model.predict(image)
    during = counted[0] - before
    elapsed = time.perf_counter() - started
    stop.set()
    counter.join()
    # Holding the GIL, the counter could not run at all during the call.
    assert during > 1000, f"{during} counts in {elapsed:.3f} s"
