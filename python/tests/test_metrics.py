# SPDX-License-Identifier: Apache-2.0
"""sinusseg.metrics against a brute-force definition and against `sinusseg evaluate`."""
import json

import numpy as np
import pytest

import sinusseg
from conftest import run_tool


def border(mask):
    """Foreground pixels with a 4-connected background neighbour (outside is background)."""
    padded = np.pad(mask, 1)
    inner = padded[1:-1, 1:-1]
    neighbours = [padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]]
    return np.argwhere(inner & ~np.logical_and.reduce(neighbours))


def brute_force(prediction, reference, spacing):
    a, b = border(prediction) * spacing, border(reference) * spacing
    distances = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
    ab, ba = distances.min(1), distances.min(0)
    overlap = (prediction & reference).sum()
    return {
        "dice": 2 * overlap / (prediction.sum() + reference.sum()),
        "recall": overlap / reference.sum(),
        "precision": overlap / prediction.sum(),
        "hd95_directed": max(np.percentile(ab, 95), np.percentile(ba, 95)),
        "hd95_pooled": np.percentile(np.concatenate([ab, ba]), 95),
        "hd": max(ab.max(), ba.max()),
        "assd": np.concatenate([ab, ba]).mean(),
    }


def blobs(seed, shape=(40, 50)):
    rng = np.random.default_rng(seed)
    mask = np.zeros(shape, bool)
    for _ in range(3):
        y, x = rng.integers(5, shape[0] - 5), rng.integers(5, shape[1] - 5)
        yy, xx = np.ogrid[: shape[0], : shape[1]]
        mask |= (yy - y) ** 2 / rng.uniform(4, 40) + (xx - x) ** 2 / rng.uniform(4, 40) <= 1
    return mask


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("spacing", [(1.0, 1.0), (0.5, 2.0)])
def test_every_metric_follows_its_definition(seed, spacing):
    prediction, reference = blobs(seed), blobs(seed + 100)
    got = sinusseg.metrics(prediction, reference, spacing=spacing)
    for name, value in brute_force(prediction, reference, np.array(spacing)).items():
        assert got[name] == pytest.approx(value, rel=1e-12, abs=1e-12), name
    assert got["hd95_directed"] != got["hd95_pooled"] or seed != 0  # the two conventions differ here


def test_the_same_numbers_as_the_command_line(tmp_path):
    prediction, reference = blobs(7), blobs(8)
    sinusseg.write_image(tmp_path / "p.png", prediction)
    sinusseg.write_image(tmp_path / "r.png", reference)
    got = sinusseg.metrics(prediction, reference)
    for mode, key in (("directed", "hd95_directed"), ("pooled", "hd95_pooled")):
        run_tool("evaluate", "--pred", tmp_path / "p.png", "--gt", tmp_path / "r.png", "--hd95-mode", mode, "--json", tmp_path / "e.json")
        case = json.loads((tmp_path / "e.json").read_text())["cases"][0]
        assert (case["dice"], case["recall"], case["precision"], case["hd95"], case["hd"], case["assd"]) == (
            got["dice"], got["recall"], got["precision"], got[key], got["hd"], got["assd"])


def test_any_array_like_is_scored_in_place_or_converted():
    prediction, reference = blobs(1), blobs(2)
    expected = sinusseg.metrics(prediction, reference)
    assert sinusseg.metrics(prediction.astype(np.uint8) * 255, reference.astype(np.float32)) == expected
    assert sinusseg.metrics(np.asfortranarray(prediction), reference.tolist()) == expected
    torch = pytest.importorskip("torch")
    assert sinusseg.metrics(torch.from_numpy(prediction), torch.from_numpy(reference).float().requires_grad_()) == expected


def test_three_dimensional_masks_and_empty_masks():
    cube = np.zeros((6, 7, 8), bool)
    cube[1:4, 2:5, 3:6] = True
    assert sinusseg.metrics(cube, cube)["dice"] == 1.0
    empty = np.zeros((5, 5), bool)
    both = sinusseg.metrics(empty, empty)
    assert (both["dice"], both["hd95_directed"]) == (1.0, 0.0)
    one = sinusseg.metrics(empty, np.ones((5, 5), bool))
    assert one["dice"] == 0.0 and np.isnan(one["hd95_directed"])


def test_bad_arguments_are_value_errors():
    with pytest.raises(ValueError, match="differ in shape"):
        sinusseg.metrics(np.zeros((3, 3)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="one positive size per axis"):
        sinusseg.metrics(np.zeros((3, 3)), np.zeros((3, 3)), spacing=(1.0,))
    with pytest.raises(ValueError, match="one positive size per axis"):
        sinusseg.metrics(np.zeros((3, 3)), np.zeros((3, 3)), spacing=(1.0, -2.0))
    with pytest.raises(ValueError, match="prediction is None"):
        sinusseg.metrics(None, np.zeros((3, 3)))
